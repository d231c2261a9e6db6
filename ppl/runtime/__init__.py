"""What generated model code calls at run time, and nothing else: Numba
functions every compiled model module imports as

    from ppl.runtime import (data, event_kernels, incomplete, linear_algebra, matrix_densities,
                             special, symmetric_eigen)

(a model with an ODE solve also imports `ode_solvers`: the solvers of `ode_rk45`
/ `ode_bdf` as function values, ppl/runtime/ode_solvers.py).  `data` reads the
packed data buffers, `special` holds the scalar special functions SymPy's
printer names (`incomplete` the regularised incomplete gamma and beta functions
and their shape derivatives), `event_kernels` the matrix functions and
per-event log densities that are not SymPy expressions, with their adjoints
(`matrix_densities` the Wishart and LKJ families'), `linear_algebra` and
`symmetric_eigen` the dense solves, inverse, determinant and eigendecomposition
with theirs.
(The random draws of `gen` statements are the catalogue's samplers, compiled
in `ppl.catalogue.draws`.)  This layer imports nothing from the compiler or
the user API, so the compiler may depend on it and generated modules load
without the compiler."""
