"""Inference beyond MCMC (issue #12): optimisation, Laplace and Pathfinder approximations,
variational inference and quantities computed after the fact, each in a module of its own.

The algorithms are NumPy code that calls the model's compiled functions: a call from Python
costs a few microseconds more than one from native code (benchmarks/README.md, "Optimisation,
Laplace and Pathfinder"), which is small beside the linear algebra each iteration does, and
nothing here is compiled per model or on a first run.
"""
