"""Peer implementations of the example gallery (NumPyro, Stan) and the per-system workers
used by ``benchmarks/run.py``."""
