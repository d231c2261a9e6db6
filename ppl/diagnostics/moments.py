"""What every diagnostic kernel shares: the compile options, and the mean, variance
and range of a series (flat [chains, length] arrays, chain after chain).

The mean is computed about the first value, so that constant draws have a
within-chain variance of exactly 0, as in NumPy, and ArviZ's "constant chain"
rule (a range below ``RESOLUTION``) can be applied exactly.
"""

from __future__ import annotations


import numba
import numpy as np

KERNEL = dict(cache=True, nogil=True, error_model="numpy")
# Reassociation lets LLVM vectorise the long sums of products; their order changes
# only rounding, far below the 1e-8 agreement with ArviZ the tests ask for.
SUMS = dict(KERNEL, fastmath={"reassoc", "contract"})
RESOLUTION = np.finfo(float).resolution  # ArviZ's "constant chain" threshold, 1e-15


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"nnan", "nsz", "reassoc"})
def value_range(values, size):
    """(min, max) of values[:size], which hold no NaN (the caller has checked); vectorised."""
    low, high = values[0], values[0]
    for i in range(size):
        low = min(low, values[i])
        high = max(high, values[i])
    return low, high


@numba.njit(**SUMS)
def mean(values):
    """The mean as values[0] + mean(values - values[0]): exact for constant values, so
    that a constant chain has a within-chain variance of exactly 0, as in NumPy."""
    first = values[0]
    total = 0.0
    for i in range(values.size):
        total += values[i] - first
    return first + total / values.size


@numba.njit(**KERNEL)
def chain_means(values, chains, length, means):
    for c in range(chains):
        means[c] = mean(values[c * length:(c + 1) * length])


@numba.njit(**SUMS)
def variance(values, mean, ddof):
    total = 0.0
    for i in range(values.size):
        total += (values[i] - mean) ** 2
    return total / (values.size - ddof)
