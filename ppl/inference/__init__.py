"""Inference beyond MCMC (issue #12): optimisation, Laplace and Pathfinder approximations,
variational inference and quantities computed after the fact, each in a module of its own.

optimize, laplace and pathfinder are NumPy code that calls the model's compiled functions: they
take tens to hundreds of gradients, and a call from Python costs a few microseconds more than one
from native code (benchmarks/README.md, "Optimisation, Laplace and Pathfinder"), small beside the
linear algebra of each iteration.  ADVI takes thousands of cheap steps, where that overhead would
dominate, so its loop is a Numba library compiled once and cached like the samplers
(advi_native.py; benchmarks/advi_overhead.py measures both ways).
"""
