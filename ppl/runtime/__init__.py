"""What generated model code calls at run time, and nothing else: Numba
functions every compiled model module imports as

    from ppl.runtime import data, event_kernels, special

(a model with an ODE solve also imports `ode_solvers`: the solvers of `ode_rk45`
/ `ode_bdf` as function values, ppl/runtime/ode_solvers.py).  `data` reads the
packed data buffers, `special` holds the scalar special functions SymPy's printer names, `event_kernels` the matrix functions and
per-event log densities that are not SymPy expressions, with their adjoints.
(The random draws of `gen` statements are the catalogue's samplers, compiled
in `ppl.catalogue.draws`.)  This layer imports nothing from the compiler or
the user API, so the compiler may depend on it and generated modules load
without the compiler."""
