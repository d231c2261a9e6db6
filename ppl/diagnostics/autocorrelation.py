"""Autocovariances and Geyer's effective sample size of split chains, in compiled code.

Geyer's initial sequence stops at the first negative pair of autocorrelations,
usually within a few dozen lags, so autocovariances are computed lag by lag (a
vectorised dot product each, two lags per pass over the draws) and the FFT, which
computes every lag, is used only for chains whose sequence runs past
``direct_lags``.  Series are flat [chains, length] arrays, chain after chain.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types

from ppl.diagnostics import moments
from ppl.diagnostics.moments import KERNEL, RESOLUTION, SUMS

@numba.njit((types.float64[::1], types.int64, types.int64, types.int64), **SUMS)   # one copy for lags 0 and 1
def _lag_product(centred, chains, length, lag):
    """sum over chains and n of d[n] d[n + lag] (slices, so that LLVM vectorises it)."""
    total = 0.0
    for c in range(chains):
        early = centred[c * length:(c + 1) * length - lag]
        late = centred[c * length + lag:(c + 1) * length]
        for n in range(early.size):
            total += early[n] * late[n]
    return total


@numba.njit(**SUMS)
def _lag_pair_product(centred, chains, length, lag):
    """(sum d[n] d[n + lag], sum d[n] d[n + lag + 1]) over chains and n, in one pass over
    the draws (lag <= length - 2)."""
    at_lag, after_lag = 0.0, 0.0
    for c in range(chains):
        base = c * length
        early = centred[base:base + length - lag - 1]
        late = centred[base + lag:base + length - 1]
        later = centred[base + lag + 1:base + length]
        for n in range(early.size):
            at_lag += early[n] * late[n]
            after_lag += early[n] * later[n]
        at_lag += centred[base + length - lag - 1] * centred[base + length - 1]   # lag's last product
    return at_lag, after_lag

# --------------------------------------------------------------------------------------
# Every lag at once: the FFT

@numba.njit(**KERNEL)
def _fft(real, imaginary, cosines, sines):
    """In-place iterative radix-2 FFT (decimation in time); len a power of two, with
    cosines[k], sines[k] = cos, sin(2 pi k / len) for k < len / 2."""
    size = real.size
    j = 0
    for i in range(1, size):
        bit = size >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            real[i], real[j] = real[j], real[i]
            imaginary[i], imaginary[j] = imaginary[j], imaginary[i]
    span = 1
    while span < size:
        stride = size // (2 * span)
        for start in range(0, size, 2 * span):
            for k in range(span):
                wr, wi = cosines[k * stride], -sines[k * stride]
                a, b = start + k, start + k + span
                tr = wr * real[b] - wi * imaginary[b]
                ti = wr * imaginary[b] + wi * real[b]
                real[b], imaginary[b] = real[a] - tr, imaginary[a] - ti
                real[a] += tr
                imaginary[a] += ti
        span *= 2


@numba.njit(**KERNEL)
def _all_lag_products(centred, chains, length, products):
    """products[t] = sum over chains of sum_n d[n] d[n + t], every lag at once by FFT."""
    size = 1
    while size < 2 * length:
        size *= 2
    cosines, sines = np.empty(size // 2), np.empty(size // 2)
    for k in range(size // 2):
        cosines[k] = math.cos(2.0 * math.pi * k / size)
        sines[k] = math.sin(2.0 * math.pi * k / size)
    real, imaginary = np.empty(size), np.empty(size)
    for t in range(length):
        products[t] = 0.0
    for c in range(chains):
        for i in range(size):
            real[i] = centred[c * length + i] if i < length else 0.0
            imaginary[i] = 0.0
        _fft(real, imaginary, cosines, sines)
        for i in range(size):     # the periodogram is real and even: its transform is real
            real[i] = real[i] ** 2 + imaginary[i] ** 2
            imaginary[i] = 0.0
        _fft(real, imaginary, cosines, sines)
        for t in range(length):
            products[t] += real[t] / size

# --------------------------------------------------------------------------------------
# Geyer's initial monotone sequence

@numba.njit(**KERNEL)
def geyer_ess(values, chains, length, direct_lags, centred, means, products):
    """Multi-chain ESS of [chains, length] draws (flat, chain after chain): the number of
    draws for constant draws (range below 1e-15, as ArviZ), else geyer_ess_centred."""
    size = chains * length
    low, high = moments.value_range(values, size)
    if high - low < RESOLUTION:
        return float(size)
    moments.chain_means(values, chains, length, means)
    for c in range(chains):
        chain, out, mean = values[c * length:(c + 1) * length], centred[c * length:(c + 1) * length], means[c]
        for n in range(length):
            out[n] = chain[n] - mean
    return geyer_ess_centred(centred, means, chains, length, direct_lags, products)


@numba.njit(**KERNEL)
def geyer_ess_centred(centred, means, chains, length, direct_lags, products):
    """Multi-chain ESS of centred [chains, length] draws with Geyer's initial monotone
    sequence (Vehtari et al. 2021, eq. 10-11), nan for an undefined autocorrelation.

    The combined autocorrelation is rho_t = 1 - (W - mean_c acov_{c,t}) / var+, with W
    the mean within-chain variance and var+ = (N - 1)/N W + B/N.  Geyer's initial
    positive sequence sums the pairs P_k = rho_2k + rho_2k+1 while they are positive
    (at most up to lag N - 2); his monotone sequence replaces each P_k by the running
    minimum.  tau = -1 + 2 sum_{k < K} P_k + rho_2K (the even term of the first
    non-positive pair when it is itself positive), floored at 1 / log10(C N), and
    ESS = C N / tau.  Lags come two at a time from one pass over the draws, until
    ``direct_lags``; past it, every lag at once from the FFT.
    """
    size = chains * length
    lag_scale = 1.0 / (chains * length)
    mean_variance = _lag_product(centred, chains, length, 0) * lag_scale * length / (length - 1.0)
    variance_plus = mean_variance * (length - 1.0) / length
    if chains > 1:
        grand = 0.0
        for c in range(chains):
            grand += means[c]
        variance_plus += moments.variance(means[:chains], grand / chains, 1)
    last_pair = max((length - 3) // 2, 0)
    total, running_minimum = 0.0, np.inf
    stop_even, stop_pair = 1.0, 1.0
    every_lag_known = False
    for k in range(last_pair + 1):
        if 2 * k + 1 >= direct_lags and not every_lag_known:
            _all_lag_products(centred, chains, length, products)
            every_lag_known = True
        if every_lag_known:
            even_product, odd_product = products[2 * k], products[2 * k + 1]
        elif k == 0:
            even_product, odd_product = 0.0, _lag_product(centred, chains, length, 1)
        else:
            even_product, odd_product = _lag_pair_product(centred, chains, length, 2 * k)
        even = 1.0 if k == 0 else 1.0 - (mean_variance - even_product * lag_scale) / variance_plus
        odd = 1.0 - (mean_variance - odd_product * lag_scale) / variance_plus
        pair = even + odd
        if math.isnan(pair):
            return np.nan
        stop_even, stop_pair = even, pair
        if not pair > 0.0 or k == last_pair:
            break
        running_minimum = min(running_minimum, pair)
        total += running_minimum
    tail = stop_even if (stop_pair >= 0.0 or stop_even > 0.0) else 0.0
    tau = max(-1.0 + 2.0 * total + tail, 1.0 / math.log10(size))
    return size / tau
