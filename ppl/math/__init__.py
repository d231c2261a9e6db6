"""ppl.math: numerical building blocks of the library (TFP's ``tfp.math``).

``ppl.math.psd_kernels`` holds the positive-semidefinite kernels a
GaussianProcess takes; ``import ppl.math.psd_kernels as tfk`` ports the tour.
"""

from ppl.math import psd_kernels  # noqa: F401

__all__ = ["psd_kernels"]
