"""What generated model code calls at run time, and nothing else: Numba
functions every compiled model module imports as

    from ppl.runtime import data, draws, event_kernels, special

`data` reads the packed data buffers, `special` holds the scalar special
functions SymPy's printer names, `event_kernels` the per-event log densities
and matrix functions with their adjoints, `draws` the random draws of `gen`
statements.  This layer imports nothing from the compiler or the user API, so
the compiler may depend on it and generated modules load without the compiler."""
