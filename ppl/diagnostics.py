"""Convergence diagnostics for MCMC draws: R-hat, effective sample size, Monte Carlo
standard errors and the energy BFMI.

Two conventions live here, because users arrive from both:

* ArviZ's: draws shaped ``[chains, draws]`` or ``[chains, draws, *shape]``; each
  function returns an array of ``shape``.  ``rhat``, ``ess_bulk``, ``ess_tail``,
  ``ess_mean``, ``ess_quantile``, ``mcse_mean``, ``mcse_sd``, ``mcse_quantile`` and
  ``bfmi`` reproduce ``arviz.rhat``/``ess``/``mcse``/``bfmi`` (ArviZ 0.23.4) to
  rounding, constant and too-short inputs included (those give ``nan`` or the
  number of draws just as ArviZ does).
* TensorFlow Probability's: draws on the first axis, chains after it.
  ``potential_scale_reduction`` and ``effective_sample_size`` follow
  ``tfp.mcmc``'s definitions, which differ from ArviZ's in the estimator, not
  only in the layout (see their docstrings).

Everything is vectorised over quantities: the draws are moved to a
``[quantities, chains, draws]`` array and each step (ranking, FFT
autocovariance, Geyer's truncation) works on all quantities at once, in blocks
small enough to stay in cache.  The module needs only NumPy; the two special
functions it needs (the normal quantile for rank normalisation and the beta
quantile for quantile MCSEs) are written out below.

References: Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021), Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC,
Bayesian Analysis 16(2), 667-718 (arXiv:1903.08008); Geyer (1992), Practical
Markov chain Monte Carlo, Statistical Science 7, 473-511; Gelman and Rubin (1992);
Brooks and Gelman (1998); Betancourt (2016), Diagnosing suboptimal cotangent
disintegrations in Hamiltonian Monte Carlo (arXiv:1604.00695).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["bfmi", "effective_sample_size", "ess_bulk", "ess_mean", "ess_quantile", "ess_tail",
           "mcse_mean", "mcse_quantile", "mcse_sd", "potential_scale_reduction", "rhat"]

_ARVIZ_LAYOUT = "[chains, draws] or [chains, draws, *shape]"
_MIN_DRAWS = 4                          # ArviZ returns nan below this many draws per chain
_RESOLUTION = np.finfo(float).resolution  # ArviZ's "constant chain" threshold, 1e-15
_BLOCK_ELEMENTS = 1 << 20               # about 8 MB of float64 per block of quantities
_TAIL_PROBABILITIES = (0.05, 0.95)
_ONE_SIGMA_PROBABILITIES = (0.1586553, 0.8413447)  # Phi(-1), Phi(1) as ArviZ writes them


# --------------------------------------------------------------------------------------
# Layout


def _quantities_first(draws):
    """Validate ArviZ's layout and return ``([quantities, chains, draws] float64, shape)``."""
    array = np.asarray(draws, dtype=float)
    if array.ndim < 2:
        raise ValueError(f"expected draws shaped {_ARVIZ_LAYOUT}; got an array of shape {array.shape} "
                         "(a single chain is [1, draws])")
    chains, num_draws = array.shape[:2]
    if chains < 1 or num_draws < 1:
        raise ValueError(f"expected draws shaped {_ARVIZ_LAYOUT} with at least one chain and one draw; "
                         f"got an array of shape {array.shape}")
    shape = array.shape[2:]
    return np.moveaxis(array.reshape(chains, num_draws, -1), 2, 0), shape  # a view; blocks are copied


def _split_chains(draws):
    """[K, C, N] -> [K, 2C, N // 2]: first and last halves as separate chains.

    For odd N the middle draw is dropped, as in ArviZ (TFP drops the last one instead).
    """
    half = draws.shape[2] // 2
    return np.concatenate([draws[:, :, :half], draws[:, :, draws.shape[2] - half:]], axis=1)


def _in_blocks(function, draws, *arguments, per_quantity=()):
    """Apply ``function(draws[k:l], *arguments, *(a[k:l] for a in per_quantity)) -> [l - k]``
    to blocks of quantities and join the results.

    Each step touches every element a few times; blocks of about a million
    elements keep those passes in cache instead of in fresh, page-faulting memory.
    """
    quantities = draws.shape[0]
    if quantities == 0:
        return np.empty(0)
    block = max(1, _BLOCK_ELEMENTS // max(1, draws[0].size))
    return np.concatenate([function(np.ascontiguousarray(draws[start:start + block]), *arguments,
                                    *(values[start:start + block] for values in per_quantity))
                           for start in range(0, quantities, block)])


def _has_nan(draws):
    """[K] flags; reduced in the caller's [chains, draws, K] memory order, which is contiguous."""
    return np.isnan(np.moveaxis(draws, 0, -1)).any(axis=(0, 1))


# --------------------------------------------------------------------------------------
# Special functions


_ACKLAM_CENTRAL_NUMERATOR = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_CENTRAL_DENOMINATOR = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ACKLAM_TAIL_NUMERATOR = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_TAIL_DENOMINATOR = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                            3.754408661907416e+00, 1.0)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _polynomial(coefficients, x):
    result = 0.0
    for coefficient in coefficients:
        result = result * x + coefficient
    return result


def _inverse_normal_cdf_scalar(probability):
    """Phi^{-1}(p) to full double precision.

    Acklam's rational approximation (relative error 1.2e-9) starts two or three
    Halley steps on Phi(z) - p = 0, each cubically convergent.  The residual uses
    erf near the centre, where ``p - 0.5`` is exact (Sterbenz) and erf keeps
    relative accuracy for small z, and erfc in the tail; the upper half uses the
    exact reflection ``Phi^{-1}(p) = -Phi^{-1}(1 - p)``.
    """
    if not 0.0 < probability < 1.0:
        if probability == 0.0:
            return -math.inf
        if probability == 1.0:
            return math.inf
        return math.nan
    lower = min(probability, 1.0 - probability)
    if lower < 0.02425:
        t = math.sqrt(-2.0 * math.log(lower))
        z = _polynomial(_ACKLAM_TAIL_NUMERATOR, t) / _polynomial(_ACKLAM_TAIL_DENOMINATOR, t)
    else:
        q = lower - 0.5
        r = q * q
        z = q * _polynomial(_ACKLAM_CENTRAL_NUMERATOR, r) / _polynomial(_ACKLAM_CENTRAL_DENOMINATOR, r)
    for _ in range(3):
        if lower > 0.25:
            residual = 0.5 * math.erf(z / _SQRT_2) - (lower - 0.5)
        else:
            residual = 0.5 * math.erfc(-z / _SQRT_2) - lower
        density = math.exp(-0.5 * z * z) / _SQRT_2PI
        if residual == 0.0 or density == 0.0:
            break
        step = residual / density
        z -= step / (1.0 + 0.5 * z * step)
    return z if probability <= 0.5 else -z


def inverse_normal_cdf(probability):
    """The standard normal quantile Phi^{-1}(p), elementwise (scipy.special.ndtri)."""
    probabilities = np.asarray(probability, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.vectorize(_inverse_normal_cdf_scalar, otypes=[float])(probabilities)


_STIRLING_SERIES = (-3617.0 / 122400.0, 1.0 / 156.0, -691.0 / 360360.0, 1.0 / 1188.0,
                    -1.0 / 1680.0, 1.0 / 1260.0, -1.0 / 360.0, 1.0 / 12.0)  # B_2k / (2k (2k - 1))
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _log_gamma(x):
    """log Gamma(x) for x >= 1: recurrence up to 10, then Stirling's series to z^-15.

    The first omitted term is below 2e-18 at 10.
    """
    shifted = np.array(x, dtype=float)
    log_product = np.zeros_like(shifted)
    for _ in range(10):
        small = shifted < 10.0
        if not small.any():
            break
        log_product += np.where(small, np.log(shifted), 0.0)
        shifted = np.where(small, shifted + 1.0, shifted)
    inverse = 1.0 / shifted
    inverse_squared = inverse * inverse
    series = np.zeros_like(shifted)
    for coefficient in _STIRLING_SERIES:
        series = series * inverse_squared + coefficient
    return (shifted - 0.5) * np.log(shifted) - shifted + _HALF_LOG_2PI + series * inverse - log_product


def _incomplete_beta_continued_fraction(x, a, b):
    """The continued fraction of I_x(a, b) (modified Lentz), vectorised; converges fast
    for x < (a + 1) / (a + b + 2)."""
    tiny = 1e-300
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    h = d.copy()
    for m in range(1, 100_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))):
            d = 1.0 + numerator * d
            d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1.0 + numerator / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            delta = c * d
            h *= delta
        if np.all(np.abs(delta - 1.0) < 1e-15):
            break
    return h


def _regularized_incomplete_beta(x, a, b, log_beta):
    """I_x(a, b) = B(x; a, b) / B(a, b) for 0 < x < 1, a, b >= 1 (arrays)."""
    direct = x < (a + 1.0) / (a + b + 2.0)
    front = np.exp(a * np.log(x) + b * np.log1p(-x) - log_beta)
    fraction = _incomplete_beta_continued_fraction(np.where(direct, x, 1.0 - x), np.where(direct, a, b),
                                                   np.where(direct, b, a))
    return np.where(direct, front * fraction / a, 1.0 - front * fraction / b)


def _beta_quantile(probability, a, b):
    """The p-quantile of Beta(a, b), a, b >= 1, vectorised (scipy.stats.beta.ppf), to about
    1e-13 relative (1e-10 when a or b is near 1 and the other is in the thousands, where
    log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b) cancels); ample for choosing order
    statistics.

    Start from the Abramowitz-Stegun normal approximation (26.5.22, with 26.2.23
    for the normal quantile) and take safeguarded Halley steps on I_x(a, b) = p,
    as in Numerical Recipes' ``invbetai``.
    """
    a, b, probability = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                            np.asarray(probability, dtype=float))
    log_beta = _log_gamma(a) + _log_gamma(b) - _log_gamma(a + b)
    smaller = np.where(probability < 0.5, probability, 1.0 - probability)
    t = np.sqrt(-2.0 * np.log(smaller))
    normal = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
    normal = np.where(probability < 0.5, -normal, normal)
    al = (normal * normal - 3.0) / 6.0
    h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0))
    w = (normal * np.sqrt(al + h) / h
         - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h)))
    x = a / (a + b * np.exp(2.0 * w))
    polishing = False
    for _ in range(50):
        error = _regularized_incomplete_beta(x, a, b, log_beta) - probability
        density = np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - log_beta)
        newton = error / density
        curvature = newton * ((a - 1.0) / x - (b - 1.0) / (1.0 - x))
        step = newton / (1.0 - 0.5 * np.minimum(1.0, curvature))
        proposed = x - step
        proposed = np.where(proposed <= 0.0, 0.5 * x, proposed)
        proposed = np.where(proposed >= 1.0, 0.5 * (x + 1.0), proposed)
        close = np.all((np.abs(proposed - x) <= 1e-12 * proposed) | ~np.isfinite(proposed))
        x = proposed
        if polishing:
            break
        polishing = close  # one more (cubically convergent) step reaches rounding level
    return x


# --------------------------------------------------------------------------------------
# Building blocks on [K, C, N] arrays


def _normal_scores_table(size):
    """Phi^{-1}((r - 3/8) / (size + 1/4)) for every average rank r = 1, 1.5, ..., size.

    Blom's (1958) offset c = 3/8, as in Vehtari et al. (2021) and ArviZ.  Average
    ranks are half-integers, so a table indexed by 2(r - 1) covers all of them and
    the normal quantile is evaluated 2 size - 1 times, not once per draw.
    """
    average_ranks = np.arange(2 * size - 1) / 2.0 + 1.0
    return inverse_normal_cdf((average_ranks - 0.375) / (size - 2 * 0.375 + 1))


def _row_offsets(values):
    return (np.arange(values.shape[0]) * values.shape[1])[:, None]


def _gather(values, indices):
    """values[k, indices[k, j]] for [K, S] arrays (np.take_along_axis, by flat index)."""
    return values.ravel()[indices + _row_offsets(values)]


def _doubled_average_ranks(sorted_values):
    """For [K, S] values sorted along each row, 2 (average rank - 1): twice the position,
    except that a run of ties shares first + last position of the run (the ranks of
    scipy.stats.rankdata(method="average")).  Ties are usually few, so they are found
    and fixed on a compressed list rather than with passes over every element.
    """
    quantities, size = sorted_values.shape
    doubled = np.broadcast_to(2 * np.arange(size), (quantities, size)).copy()
    tie_with_previous = np.zeros((quantities, size), bool)
    tie_with_previous[:, 1:] = sorted_values[:, 1:] == sorted_values[:, :-1]
    if not tie_with_previous.any():
        return doubled
    tied = tie_with_previous.copy()
    tied[:, :-1] |= tie_with_previous[:, 1:]
    flat = np.flatnonzero(tied)                       # tied elements, in order, runs contiguous
    starts = ~tie_with_previous.ravel()[flat]
    ends = np.append(starts[1:], True)
    first = np.maximum.accumulate(np.where(starts, flat, 0))
    last = np.minimum.accumulate(np.where(ends, flat, flat[-1])[::-1])[::-1]
    doubled.ravel()[flat] = first + last - 2 * (flat // size) * size
    return doubled


def _scores_in_place(order, sorted_values, table):
    """Normal scores of ranks, put back where the sorted values came from ([K, S] arrays)."""
    scores = np.empty(sorted_values.shape)
    scores.ravel()[order + _row_offsets(order)] = table[_doubled_average_ranks(sorted_values)]
    return scores


def _rank_normalise(draws, table):
    """Replace each quantity's draws (pooled over chains) by the normal scores of their ranks."""
    pooled = draws.reshape(draws.shape[0], -1)
    order = np.argsort(pooled, axis=-1)
    return _scores_in_place(order, _gather(pooled, order), table).reshape(draws.shape)


def _bulk_and_folded_scores(draws, table):
    """Rank-normalised draws and rank-normalised folded draws |x - median|, from one sort.

    Sorted, the folded values form two ascending runs: those below the median read
    backwards, then those above it.  A stable sort (timsort) merges two runs in
    linear time, so the folded ranks cost a merge instead of a second full sort.
    """
    pooled = draws.reshape(draws.shape[0], -1)
    size = pooled.shape[1]
    order = np.argsort(pooled, axis=-1)
    sorted_values = _gather(pooled, order)
    bulk = _scores_in_place(order, sorted_values, table)
    middle = size // 2
    if size % 2:
        median = sorted_values[:, middle:middle + 1]
    else:
        median = (sorted_values[:, middle - 1:middle] + sorted_values[:, middle:middle + 1]) / 2.0
    folded = np.abs(sorted_values - median)
    below = (sorted_values < median).sum(axis=1, keepdims=True)
    position = np.arange(size)
    source = np.where(position < below, below - 1 - position, position)
    runs = _gather(folded, source)
    merge = np.argsort(runs, axis=-1, kind="stable")
    folded_order = _gather(order, _gather(source, merge))
    tail = _scores_in_place(folded_order, _gather(runs, merge), table)
    return bulk.reshape(draws.shape), tail.reshape(draws.shape)


def _type7_quantiles(draws, probabilities):
    """R's type-7 quantiles of each quantity's pooled draws, as scipy's mquantiles(alphap=1,
    betap=1) computes them (ArviZ's ``_quantile``); [K, C, N] -> one [K, 1, 1] per probability."""
    pooled = draws.reshape(draws.shape[0], -1)
    size = pooled.shape[1]
    indices, weights = [], []
    for probability in probabilities:
        aleph = size * probability + (1.0 + probability * (1.0 - 1.0 - 1.0))
        index = int(np.floor(np.clip(aleph, 1, size - 1)))
        indices.append(index)
        weights.append(float(np.clip(aleph - index, 0.0, 1.0)))
    partitioned = np.partition(pooled, sorted({i for index in indices for i in (index - 1, index)}), axis=-1)
    return [((1.0 - gamma) * partitioned[:, index - 1] + gamma * partitioned[:, index])[:, None, None]
            for index, gamma in zip(indices, weights)]


def _split_indicator_ess(draws, quantile):
    return _geyer_effective_sample_size(_split_chains((draws <= quantile).astype(float)))


def _potential_scale_reduction_of(draws):
    """Gelman-Rubin R-hat of [K, C, N] chains: sqrt(((N - 1) / N W + B / N) / W), with
    W the mean within-chain variance and B / N the variance of the chain means."""
    num_draws = draws.shape[2]
    between_over_n = draws.mean(axis=2).var(axis=1, ddof=1)
    within = draws.var(axis=2, ddof=1).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((num_draws * between_over_n / within + num_draws - 1) / num_draws)


def _fast_fourier_length(target):
    """The smallest 2^i 3^j 5^k >= target (scipy's next_fast_len for real FFTs)."""
    best = 1 << max(0, (target - 1).bit_length())
    power_of_five = 1
    while power_of_five < best:
        power_of_three = power_of_five
        while power_of_three < best:
            candidate = power_of_three
            while candidate < target:
                candidate *= 2
            best = min(best, candidate)
            power_of_three *= 3
        power_of_five *= 5
    return best


def _mean_autocovariance(draws):
    """Autocovariance at lags 0..N-1 of each chain (divided by N), averaged over chains,
    by FFT: the mean periodogram's inverse transform is the mean autocovariance."""
    num_draws = draws.shape[2]
    length = _fast_fourier_length(2 * num_draws)
    spectrum = np.fft.rfft(draws - draws.mean(axis=2, keepdims=True), n=length, axis=2)
    periodogram = (spectrum.real ** 2 + spectrum.imag ** 2).mean(axis=1)
    return np.fft.irfft(periodogram, n=length, axis=1)[:, :num_draws] / num_draws


def _geyer_effective_sample_size(draws):
    """Multi-chain ESS of [K, C, N] draws, Vehtari et al. (2021) eq. 10-11 with Geyer's
    initial monotone sequence; [K].

    The combined autocorrelation is rho_t = 1 - (W - mean_c acov_{c,t}) / var+, with
    W the mean within-chain variance and var+ = (N - 1)/N W + B/N.  Geyer's initial
    positive sequence sums the pairs P_k = rho_2k + rho_2k+1 while they are positive
    (at most up to lag N - 2); his monotone sequence replaces each P_k by the running
    minimum.  tau = -1 + 2 sum_{k < K} P_k + rho_2K (the even term of the first
    non-positive pair when it is itself positive), floored at 1 / log10(C N), and
    ESS = C N / tau.  This is ArviZ's loop written over all quantities at once.
    """
    quantities, chains, num_draws = draws.shape
    size = chains * num_draws
    autocovariance = _mean_autocovariance(draws)
    mean_variance = autocovariance[:, 0] * num_draws / (num_draws - 1.0)
    variance_plus = mean_variance * (num_draws - 1.0) / num_draws
    if chains > 1:
        variance_plus = variance_plus + draws.mean(axis=2).var(axis=1, ddof=1)
    last_pair = max((num_draws - 3) // 2, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_variance[:, None] - autocovariance[:, :2 * last_pair + 2]) / variance_plus[:, None]
    rho[:, 0] = 1.0
    pairs = rho.reshape(quantities, last_pair + 1, 2)
    pair_sums = pairs.sum(axis=2)
    stops = ~(pair_sums > 0.0)
    stops[:, last_pair] = True
    stop = np.argmax(stops, axis=1)
    monotone = np.minimum.accumulate(pair_sums, axis=1)
    kept = np.arange(last_pair + 1) < stop[:, None]
    every = np.arange(quantities)
    stop_even = pairs[every, stop, 0]
    tail = np.where((pair_sums[every, stop] >= 0.0) | (stop_even > 0.0), stop_even, 0.0)
    tau = -1.0 + 2.0 * np.where(kept, monotone, 0.0).sum(axis=1) + tail
    tau = np.maximum(tau, 1.0 / np.log10(size))
    ess = size / tau
    ess[np.isnan(pairs).any(axis=(1, 2))] = np.nan
    constant = (draws.max(axis=(1, 2)) - draws.min(axis=(1, 2))) < _RESOLUTION
    ess[constant] = size
    return ess


def _ess_bulk_block(draws, table):
    return _geyer_effective_sample_size(_rank_normalise(_split_chains(draws), table))


def _ess_mean_block(draws):
    return _geyer_effective_sample_size(_split_chains(draws))


def _ess_quantile_block(draws, probability):
    (quantile,) = _type7_quantiles(draws, [probability])
    return _split_indicator_ess(draws, quantile)


def _ess_tail_block(draws):
    low, high = (_split_indicator_ess(draws, quantile) for quantile in _type7_quantiles(draws, _TAIL_PROBABILITIES))
    return np.where(high < low, high, low)


def _rhat_rank_block(draws, table):
    bulk_scores, folded_scores = _bulk_and_folded_scores(_split_chains(draws), table)
    bulk = _potential_scale_reduction_of(bulk_scores)
    tail = _potential_scale_reduction_of(folded_scores)
    return np.where(tail > bulk, tail, bulk)  # Python's max(bulk, tail): nan bulk stays nan


def _mcse_mean_block(draws):
    return draws.std(axis=(1, 2), ddof=1) / np.sqrt(_ess_mean_block(draws))


def _mcse_sd_block(draws):
    squared_deviations = (draws - draws.mean(axis=(1, 2), keepdims=True)) ** 2
    ess = _ess_mean_block(squared_deviations)
    mean_square = squared_deviations.mean(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        variance_of_variance = ((squared_deviations ** 2).mean(axis=(1, 2)) - mean_square ** 2) / ess
        return np.sqrt(variance_of_variance / mean_square / 4.0)


def _order_statistics_block(draws, lower_index, upper_index):
    """Half the distance between the given order statistics of each quantity's pooled draws."""
    pooled = np.sort(draws.reshape(draws.shape[0], -1), axis=-1)
    every = np.arange(pooled.shape[0])
    return (pooled[every, upper_index] - pooled[every, lower_index]) / 2.0


def _finish(result, draws, shape, minimum_chains=1):
    """Apply ArviZ's validity rules (nan for any nan draw, fewer than 4 draws, or too few
    chains) and restore the quantities' shape."""
    result = np.asarray(result, dtype=float)
    if draws.shape[2] < _MIN_DRAWS or draws.shape[1] < minimum_chains:
        result = np.full(draws.shape[0], np.nan)
    else:
        result = np.where(_has_nan(draws), np.nan, result)
    return result.reshape(shape)


def _check_probability(probability):
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"the quantile's probability must lie in [0, 1]; got {probability}")
    return float(probability)


# --------------------------------------------------------------------------------------
# ArviZ convention: [chains, draws, *shape]


def rhat(x, method="rank"):
    """R-hat of draws shaped [chains, draws, *shape]; returns shape.

    ``method="rank"`` (the default) is Vehtari et al.'s (2021) rank-normalised split
    R-hat: the chains are split in half, the pooled draws replaced by the normal
    scores of their ranks, z = Phi^{-1}((r - 3/8) / (S + 1/4)), and the classic
    R-hat computed on them ("bulk") and on the scores of the folded draws
    |x - median(x)| ("tail"); the larger of the two is returned.  Ranks make it
    valid for heavy tails, folding catches chains that differ in scale but not
    location.  ``method="split"`` is the classic split R-hat on the raw draws,
    sqrt(((N - 1)/N W + B/N) / W).  Values above 1.01 signal chains that have not
    mixed.  nan for a single chain or fewer than four draws, as in ArviZ.
    """
    if method not in ("rank", "split"):
        raise ValueError(f"rhat method must be 'rank' or 'split'; got {method!r}")
    draws, shape = _quantities_first(x)
    if draws.shape[1] < 2 or draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape, minimum_chains=2)
    if method == "rank":
        table = _normal_scores_table(2 * draws.shape[1] * (draws.shape[2] // 2))
        result = _in_blocks(_rhat_rank_block, draws, table)
    else:
        result = _in_blocks(lambda block: _potential_scale_reduction_of(_split_chains(block)), draws)
    return _finish(result, draws, shape, minimum_chains=2)


def ess_bulk(x):
    """Bulk effective sample size: the multi-chain ESS (Geyer's initial monotone
    sequence, Vehtari et al. 2021 eq. 10-11) of the split chains' rank-normalised
    draws.  It measures how well the centre of the distribution is explored, and
    exists even when the mean does not."""
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    table = _normal_scores_table(2 * draws.shape[1] * (draws.shape[2] // 2))
    return _finish(_in_blocks(_ess_bulk_block, draws, table), draws, shape)


def ess_tail(x):
    """Tail effective sample size: the smaller of the ESS of the 5% and 95% quantiles,
    each the split-chain ESS of the indicator I(x <= quantile) (Vehtari et al. 2021)."""
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    return _finish(_in_blocks(_ess_tail_block, draws), draws, shape)


def ess_mean(x):
    """Effective sample size of the mean: the split-chain ESS of the raw draws."""
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    return _finish(_in_blocks(_ess_mean_block, draws), draws, shape)


def ess_quantile(x, q):
    """Effective sample size of the q-quantile: the split-chain ESS of I(x <= Q_q), with
    Q_q the type-7 sample quantile of all draws."""
    probability = _check_probability(q)
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    return _finish(_in_blocks(_ess_quantile_block, draws, probability), draws, shape)


def mcse_mean(x):
    """Monte Carlo standard error of the mean: sd(x) / sqrt(ess_mean(x)), sd over all
    draws with ddof=1."""
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    return _finish(_in_blocks(_mcse_mean_block, draws), draws, shape)


def mcse_sd(x):
    """Monte Carlo standard error of the standard deviation, as ArviZ 0.23 computes it.

    With d = (x - mean(x))^2 and s^2 = mean(d) (ddof 0), the delta method gives
    Var(s^2) ~ (mean(d^2) - s^4) / ESS, where ESS = ess_mean(d) is the split-chain
    ESS of the squared deviations, and Var(s) ~ Var(s^2) / (4 s^2):

        mcse_sd = sqrt((mean(d^2) - mean(d)^2) / ess_mean(d) / mean(d) / 4).

    (ArviZ before 0.14 batched the chains instead; posterior's R package uses
    the ESS of the folded draws.)  nan for constant draws.
    """
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    return _finish(_in_blocks(_mcse_sd_block, draws), draws, shape)


def mcse_quantile(x, q):
    """Monte Carlo standard error of the q-quantile (Vehtari et al. 2021, section 4.3).

    With S draws and E = ess_quantile(x, q), the quantile's rank is roughly
    Beta(E q + 1, E (1 - q) + 1) distributed; its 15.9% and 84.1% quantiles a, b
    give the order statistics x_(floor(a S - 1)) and x_(ceil(b S - 1)) (0-based,
    clamped), and the MCSE is half their distance, a one-sigma interval's half width.
    """
    probability = _check_probability(q)
    draws, shape = _quantities_first(x)
    if draws.shape[2] < _MIN_DRAWS:
        return _finish(np.zeros(draws.shape[0]), draws, shape)
    ess = _in_blocks(_ess_quantile_block, draws, probability)
    with np.errstate(invalid="ignore"):
        lower, upper = (_beta_quantile(bound, ess * probability + 1.0, ess * (1.0 - probability) + 1.0)
                        for bound in _ONE_SIGMA_PROBABILITIES)
    size = draws.shape[1] * draws.shape[2]
    lower_index = np.floor(np.fmax(lower * size - 1, 0)).astype(int)
    upper_index = np.ceil(np.fmin(upper * size - 1, size - 1)).astype(int)
    half_width = _in_blocks(_order_statistics_block, draws, per_quantity=(lower_index, upper_index))
    return _finish(half_width, draws, shape)


def bfmi(energy):
    """Energy Bayesian fraction of missing information, one value per chain.

    E-BFMI = sum_n (E_n - E_{n-1})^2 / sum_n (E_n - mean E)^2, written as
    mean((Delta E)^2) / var(E) with ddof=1 in the variance, for the Hamiltonian
    energies E of each chain (Betancourt 2016).  Below about 0.3 the momentum
    resampling cannot move the chain through the energy levels fast enough.
    """
    energies = np.asarray(energy, dtype=float)
    if energies.ndim != 2 or energies.shape[1] < 2:
        raise ValueError(f"expected energies shaped [chains, draws] with at least two draws; "
                         f"got an array of shape {energies.shape}")
    squared_jumps = np.square(np.diff(energies, axis=1)).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return squared_jumps / energies.var(axis=1, ddof=1)


# --------------------------------------------------------------------------------------
# TensorFlow Probability convention: [draws, chains..., *shape]


def _map_structure(function, states, *arguments):
    """Apply ``function`` to one array or to each array of a list or tuple of them;
    each argument is either one value for all or a list of the same length."""
    if not isinstance(states, (list, tuple)):
        return function(states, *arguments)
    per_state = [argument if isinstance(argument, (list, tuple)) and len(argument) == len(states)
                 else [argument] * len(states) for argument in arguments]
    return type(states)(function(state, *values) for state, *values in zip(states, *per_state))


def _potential_scale_reduction_single(state, independent_chain_ndims, split_chains):
    state = np.asarray(state, dtype=float)
    layout = "[draws, chain dimensions..., *shape]"
    if state.ndim < 1 + independent_chain_ndims:
        raise ValueError(f"expected states shaped {layout} with {independent_chain_ndims} chain "
                         f"dimension(s); got an array of shape {state.shape}")
    num_draws = state.shape[0]
    if num_draws < (4 if split_chains else 2):
        raise ValueError(f"expected states shaped {layout} with at least {4 if split_chains else 2} "
                         f"draws{' when splitting chains' if split_chains else ''}; got shape {state.shape}")
    if split_chains:
        half = num_draws // 2
        state = state[:2 * half].reshape((2, half) + state.shape[1:]).swapaxes(0, 1)
        independent_chain_ndims += 1
    chain_axes = tuple(range(1, 1 + independent_chain_ndims))
    num_draws = state.shape[0]
    num_chains = math.prod(state.shape[1:1 + independent_chain_ndims])
    between_over_n = state.mean(axis=0).var(axis=tuple(a - 1 for a in chain_axes), ddof=1)
    within = state.var(axis=0, ddof=1).mean(axis=tuple(a - 1 for a in chain_axes))
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma_squared_plus = (num_draws - 1.0) / num_draws * within + between_over_n
        return ((num_chains + 1.0) / num_chains * sigma_squared_plus / within
                - (num_draws - 1.0) / (num_chains * num_draws))


def potential_scale_reduction(chains_states, independent_chain_ndims=1, split_chains=False):
    """Gelman-Rubin potential scale reduction in TFP's convention (``tfp.mcmc``).

    ``chains_states`` is shaped [N, C_1, ..., C_D, *shape] (or a list/tuple of such
    arrays): draws on axis 0, then ``independent_chain_ndims`` = D axes indexing the
    M = C_1 ... C_D chains; returns ``shape``.  With W the mean within-chain
    variance (ddof 1) and B/N the variance of the chain means (ddof 1),

        R = (M + 1)/M ((N - 1)/N W + B/N) / W - (N - 1)/(M N)

    (Brooks and Gelman 1998, eq. 1.1).  Unlike ``rhat`` this is not square-rooted,
    and is not rank-normalised.  ``split_chains=True`` treats each chain's first and
    second halves as two chains (for odd N the last draw is dropped, as TFP does).
    """
    if int(independent_chain_ndims) != independent_chain_ndims or independent_chain_ndims < 1:
        raise ValueError(f"independent_chain_ndims must be an integer >= 1; got {independent_chain_ndims}")
    return _map_structure(lambda state: _potential_scale_reduction_single(
        state, int(independent_chain_ndims), split_chains), chains_states)


def _lag_products_block(series, length, max_lags):
    spectrum = np.fft.rfft(series - series.mean(axis=-1, keepdims=True), n=length, axis=-1)
    return np.fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2, n=length, axis=-1)[:, :max_lags + 1]


def _auto_covariance_by_lag(state, max_lags):
    """TFP's auto_correlation(normalize=False) along axis 0: sum_n w_n w_{n+k} / (N - k)
    for k = 0..max_lags, w the centred draws; FFTs along a contiguous axis, in blocks."""
    num_draws = state.shape[0]
    length = _fast_fourier_length(2 * num_draws)
    series = np.moveaxis(state, 0, -1).reshape(-1, num_draws)
    block = max(1, _BLOCK_ELEMENTS // length)
    products = np.concatenate([_lag_products_block(np.ascontiguousarray(series[start:start + block]), length,
                                                   max_lags) for start in range(0, series.shape[0], block)])
    products = products.reshape(state.shape[1:] + (max_lags + 1,))
    return np.moveaxis(products / (num_draws - np.arange(max_lags + 1)), -1, 0)


def _effective_sample_size_single(state, filter_threshold, filter_beyond_lag, filter_beyond_positive_pairs,
                                  cross_chain_dims):
    state = np.asarray(state, dtype=float)
    if state.ndim < 1 or state.shape[0] < 2:
        raise ValueError(f"expected states shaped [draws, ...] with at least two draws; got shape {state.shape}")
    num_draws = state.shape[0]
    max_lags = num_draws - 1 if filter_beyond_lag is None else min(num_draws - 1, int(filter_beyond_lag))
    auto_covariance = _auto_covariance_by_lag(state, max_lags)
    if cross_chain_dims is None:
        num_chains = 1
        with np.errstate(divide="ignore", invalid="ignore"):
            auto_correlation = auto_covariance / auto_covariance[:1]
    else:
        axes = tuple(int(axis) % state.ndim for axis in np.atleast_1d(cross_chain_dims))
        if 0 in axes:
            raise ValueError("cross_chain_dims index chain axes of [draws, ...] states; axis 0 holds the draws")
        num_chains = math.prod(state.shape[axis] for axis in axes)
        if num_chains < 2:
            raise ValueError(f"cross_chain_dims={cross_chain_dims} needs at least 2 chains; "
                             f"states have shape {state.shape}")
        between_over_n = state.mean(axis=0).var(axis=tuple(axis - 1 for axis in axes), ddof=1)
        biased_within = auto_covariance[0].mean(axis=tuple(axis - 1 for axis in axes))
        mean_auto_covariance = auto_covariance.mean(axis=axes)
        with np.errstate(divide="ignore", invalid="ignore"):
            auto_correlation = 1.0 - (biased_within - mean_auto_covariance) / (biased_within + between_over_n)
    lags = np.arange(auto_correlation.shape[0]).reshape((-1,) + (1,) * (auto_correlation.ndim - 1))
    weighted = (num_draws - lags) / num_draws * auto_correlation
    if filter_beyond_positive_pairs:
        even = 2 * (auto_correlation.shape[0] // 2)

        def pair_sums(sequence):
            return sequence[:even].reshape((even // 2, 2) + sequence.shape[1:]).sum(axis=1)

        keep = np.cumsum(pair_sums(auto_correlation) < 0.0, axis=0) == 0
        weighted = pair_sums(weighted) * keep
    elif filter_threshold is not None:
        weighted = weighted * (np.cumsum(auto_correlation < filter_threshold, axis=0) == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return num_chains * num_draws / (-1.0 + 2.0 * weighted.sum(axis=0))


def effective_sample_size(states, *, filter_threshold=0.0, filter_beyond_lag=None,
                          filter_beyond_positive_pairs=False, cross_chain_dims=None):
    """Effective sample size in TFP's convention (``tfp.mcmc.effective_sample_size``).

    ``states`` is shaped [N, ...] (or a list/tuple of such arrays), draws on axis 0.
    With ``cross_chain_dims=None`` every other index is a separate single chain and
    the result has shape ``states.shape[1:]``:

        ESS = N / (-1 + 2 sum_{k=0}^{M} (N - k)/N R_k),

    R_k the lag-k autocorrelation, each lag's autocovariance averaged over its
    N - k products.  ``cross_chain_dims`` names the axes that index chains of the
    same quantity (at least 2 chains); then R_k = 1 - (W - mean_c acov_{c,k}) / var+
    (Vehtari et al. 2021 eq. 10, with W the biased within-chain variance and
    var+ = W + B/N), the result is multiplied by the number of chains, and those
    axes are reduced away.  The sum is truncated: at ``filter_beyond_lag``; and
    either where the pair sums R_2k + R_2k+1 first turn negative
    (``filter_beyond_positive_pairs``, Geyer's initial positive sequence) or else
    from the first R_k below ``filter_threshold`` (``None`` keeps every lag).
    TFP has no monotone step and no rank normalisation, so this is not ``ess_mean``.
    """
    return _map_structure(_effective_sample_size_single, states, filter_threshold, filter_beyond_lag,
                          filter_beyond_positive_pairs, cross_chain_dims)
