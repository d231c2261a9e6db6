"""The one signature every model's generated gradient has and every sampler calls:
``log_density_gradient(u, grad_out, real_data, int_data) -> log density``.

Written once as Numba signature text: the code generator puts it in the
gradient's ``@numba.njit`` decorator, and ppl.sampling.hamiltonian makes the
first-class function type the samplers are compiled for from it.  Importing
this module imports nothing.
"""

LOG_DENSITY_GRADIENT_ARGUMENTS = ("u", "grad_out", "real_data", "int_data")
LOG_DENSITY_GRADIENT_SIGNATURE = "float64(float64[::1], float64[::1], float64[::1], int64[::1])"
