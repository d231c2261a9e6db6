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

The ArviZ-convention estimators run in ``ppl.diagnostic_kernels``: compiled
(Numba) kernels that take one quantity at a time through ranking, folding and
Geyer's truncated autocorrelation sum, on slices of the quantities in parallel
threads, so all of them for 10,000 quantities of 4,000 draws take under 2 s (see
``benchmarks/diagnostics.py``).  The kernels compile on first use and are cached on
disk.  What stays here is NumPy: validation, ArviZ's rules for degenerate input,
the normal quantile for the rank normalisation's table of scores (the beta quantile
for quantile MCSEs is compiled with the kernels), and TFP's functions.

References: Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021), Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC,
Bayesian Analysis 16(2), 667-718 (arXiv:1903.08008); Geyer (1992), Practical
Markov chain Monte Carlo, Statistical Science 7, 473-511; Gelman and Rubin (1992);
Brooks and Gelman (1998); Betancourt (2016), Diagnosing suboptimal cotangent
disintegrations in Hamiltonian Monte Carlo (arXiv:1604.00695).
"""

from __future__ import annotations

import functools
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["bfmi", "effective_sample_size", "ess_bulk", "ess_mean", "ess_quantile", "ess_tail",
           "mcse_mean", "mcse_quantile", "mcse_sd", "potential_scale_reduction", "rhat", "summary_columns"]

_ARVIZ_LAYOUT = "[chains, draws] or [chains, draws, *shape]"
_MIN_DRAWS = 4                          # ArviZ returns nan below this many draws per chain
_BLOCK_ELEMENTS = 1 << 20               # about 8 MB of float64 per block of quantities (TFP's functions)
_ELEMENTS_PER_THREAD = 1 << 20          # below this many draws in all, threads cost more than they save
_DIRECT_LAGS = 64                       # autocovariances by dot products up to this lag, then by FFT
# Rows of ppl.diagnostic_kernels.diagnose_quantities's output (ESS_QUANTILE + p for the p-th
# probability); defined here, where the results are read, so that this module needs no Numba
_RHAT, _RHAT_SPLIT, _ESS_BULK, _ESS_MEAN, _SD, _MCSE_SD, _MCSE_QUANTILE, _ESS_QUANTILE = range(8)
_TAIL_PROBABILITIES = (0.05, 0.95)


# --------------------------------------------------------------------------------------
# --------------------------------------------------------------------------------------
# Layout and dispatch to the compiled kernels


def _draws_last(draws):
    """Validate ArviZ's layout and return ``([chains, draws, quantities] float64, shape)``:
    the caller's own memory when it is already contiguous float64."""
    array = np.asarray(draws, dtype=float)
    if array.ndim < 2:
        raise ValueError(f"expected draws shaped {_ARVIZ_LAYOUT}; got an array of shape {array.shape} "
                         "(a single chain is [1, draws])")
    chains, num_draws = array.shape[:2]
    if chains < 1 or num_draws < 1:
        raise ValueError(f"expected draws shaped {_ARVIZ_LAYOUT} with at least one chain and one draw; "
                         f"got an array of shape {array.shape}")
    return np.ascontiguousarray(array.reshape(chains, num_draws, math.prod(array.shape[2:]))), array.shape[2:]


def _threads_for(quantities, draws_per_quantity):
    """One thread per core for large problems; small ones run in the caller's thread."""
    if quantities * draws_per_quantity < _ELEMENTS_PER_THREAD:
        return 1
    return max(1, min(os.cpu_count() or 1, quantities * draws_per_quantity // _ELEMENTS_PER_THREAD))


_background_compilation = None


def _kernels_cached():
    """Whether Numba's disk cache (beside the source, or under NUMBA_CACHE_DIR) holds the
    kernels; a miss only costs a redundant background import."""
    name = "diagnostic_kernels.diagnose_quantities-*.nbi"
    if any((Path(__file__).parent / "__pycache__").glob(name)):
        return True
    custom = os.environ.get("NUMBA_CACHE_DIR")
    return bool(custom) and any(Path(custom).glob(f"**/{name}"))


def compile_in_background():
    """Start compiling the diagnostic kernels in another process, if they are not cached.

    They take about 12 s to compile, once per installation; ``sample`` calls this as it
    starts, so that the compilation overlaps the sampler's own first-use compilation
    (which leaves the second core idle) and the first summary need not wait for it.
    """
    global _background_compilation
    if _background_compilation is not None or "ppl.diagnostic_kernels" in sys.modules or _kernels_cached():
        return
    package_root = str(Path(__file__).resolve().parent.parent)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [package_root] + [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]))
    try:
        _background_compilation = subprocess.Popen([sys.executable, "-c", "import ppl.diagnostic_kernels"],
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                                   env=environment)
    except OSError:   # no subprocesses here: the first diagnostic compiles in this process instead
        _background_compilation = None


def _kernels():
    """ppl.diagnostic_kernels, after any background compilation has written the cache."""
    global _background_compilation
    if _background_compilation is not None:
        _background_compilation.wait()
        _background_compilation = None
    from ppl import diagnostic_kernels   # compiled once, then loaded from Numba's disk cache
    return diagnostic_kernels


def _compiled(draws, rows, probabilities=()):
    """Run ``diagnostic_kernels.diagnose_quantities`` for the given output rows on
    [chains, draws, quantities] draws, spread over threads by slices of quantities.

    Returns the kernel's [rows, quantities] output (rows it was not asked for are
    nan).  ``probabilities`` are the quantiles whose indicator ESS fills rows
    ESS_QUANTILE + p (and whose first one's MCSE fills MCSE_QUANTILE).
    """
    kernels = _kernels()
    chains, num_draws, quantities = draws.shape
    wanted = np.zeros(_ESS_QUANTILE, dtype=bool)
    wanted[list(rows)] = True
    table = (_normal_scores_table(2 * chains * (num_draws // 2)) if wanted[_RHAT] or wanted[_ESS_BULK]
             else np.empty(0))
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    out = np.full((_ESS_QUANTILE + probabilities.size, quantities), np.nan)

    def run(first, stop):
        kernels.diagnose_quantities(draws, wanted, table, probabilities, first, stop, _DIRECT_LAGS, out)

    threads = _threads_for(quantities, chains * num_draws)
    if threads == 1:
        run(0, quantities)
        return out
    # Slices of a few hundred quantities, taken by whichever thread is free, so that one
    # slow slice (a stuck chain's long autocorrelation, a busy core) does not hold up the rest.
    slices = max(threads, quantities * chains * num_draws // _ELEMENTS_PER_THREAD)
    bounds = np.linspace(0, quantities, slices + 1).astype(int)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(run, first, stop) for first, stop in zip(bounds[:-1], bounds[1:])]:
            future.result()
    return out


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


# --------------------------------------------------------------------------------------
# Building blocks


@functools.lru_cache(maxsize=8)
def _normal_scores_table(size):
    """Phi^{-1}((r - 3/8) / (size + 1/4)) for every average rank r = 1, 1.5, ..., size.

    Blom's (1958) offset c = 3/8, as in Vehtari et al. (2021) and ArviZ.  Average
    ranks are half-integers, so a table indexed by 2(r - 1) covers all of them and
    the normal quantile is evaluated 2 size - 1 times, not once per draw.  (Cached;
    the kernels only read it.)
    """
    average_ranks = np.arange(2 * size - 1) / 2.0 + 1.0
    return inverse_normal_cdf((average_ranks - 0.375) / (size - 2 * 0.375 + 1))


def _finish(result, draws, shape, minimum_chains=1):
    """Apply ArviZ's validity rules (nan for any nan draw, fewer than 4 draws, or too few
    chains) and restore the quantities' shape."""
    result = np.asarray(result, dtype=float)
    if draws.shape[1] < _MIN_DRAWS or draws.shape[0] < minimum_chains:
        result = np.full(draws.shape[2], np.nan)
    else:
        result = np.where(np.isnan(draws).any(axis=(0, 1)), np.nan, result)
    return result.reshape(shape)


def _too_short(draws, minimum_chains=1):
    return draws.shape[1] < _MIN_DRAWS or draws.shape[0] < minimum_chains


def _check_probability(probability):
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"the quantile's probability must lie in [0, 1]; got {probability}")
    return float(probability)


def _tail_of(low, high):
    return np.where(high < low, high, low)  # Python's min(low, high), as ArviZ takes it


# --------------------------------------------------------------------------------------
# ArviZ convention: [chains, draws, *shape]
#
# The estimators run in ppl.diagnostic_kernels, one quantity at a time; the formulas
# are in the docstrings below and in the kernels'.


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
    draws, shape = _draws_last(x)
    if _too_short(draws, minimum_chains=2):
        return _finish(np.zeros(draws.shape[2]), draws, shape, minimum_chains=2)
    if method == "split":
        return _finish(_compiled(draws, [_RHAT_SPLIT])[_RHAT_SPLIT], draws, shape, minimum_chains=2)
    return _finish(_compiled(draws, [_RHAT])[_RHAT], draws, shape, minimum_chains=2)


def ess_bulk(x):
    """Bulk effective sample size: the multi-chain ESS (Geyer's initial monotone
    sequence, Vehtari et al. 2021 eq. 10-11) of the split chains' rank-normalised
    draws.  It measures how well the centre of the distribution is explored, and
    exists even when the mean does not."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [_ESS_BULK])[_ESS_BULK], draws, shape)


def ess_tail(x):
    """Tail effective sample size: the smaller of the ESS of the 5% and 95% quantiles,
    each the split-chain ESS of the indicator I(x <= quantile) (Vehtari et al. 2021)."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    out = _compiled(draws, [], _TAIL_PROBABILITIES)
    return _finish(_tail_of(out[_ESS_QUANTILE], out[_ESS_QUANTILE + 1]), draws, shape)


def ess_mean(x):
    """Effective sample size of the mean: the split-chain ESS of the raw draws."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [_ESS_MEAN])[_ESS_MEAN], draws, shape)


def ess_quantile(x, q):
    """Effective sample size of the q-quantile: the split-chain ESS of I(x <= Q_q), with
    Q_q the type-7 sample quantile of all draws."""
    probability = _check_probability(q)
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [], [probability])[_ESS_QUANTILE], draws, shape)


def mcse_mean(x):
    """Monte Carlo standard error of the mean: sd(x) / sqrt(ess_mean(x)), sd over all
    draws with ddof=1."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    out = _compiled(draws, [_ESS_MEAN, _SD])
    return _finish(out[_SD] / np.sqrt(out[_ESS_MEAN]), draws, shape)


def mcse_sd(x):
    """Monte Carlo standard error of the standard deviation, as ArviZ 0.23 computes it.

    With d = (x - mean(x))^2 and s^2 = mean(d) (ddof 0), the delta method gives
    Var(s^2) ~ (mean(d^2) - s^4) / ESS, where ESS = ess_mean(d) is the split-chain
    ESS of the squared deviations, and Var(s) ~ Var(s^2) / (4 s^2):

        mcse_sd = sqrt((mean(d^2) - mean(d)^2) / ess_mean(d) / mean(d) / 4).

    (ArviZ before 0.14 batched the chains instead; posterior's R package uses
    the ESS of the folded draws.)  nan for constant draws.
    """
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [_MCSE_SD])[_MCSE_SD], draws, shape)


def mcse_quantile(x, q):
    """Monte Carlo standard error of the q-quantile (Vehtari et al. 2021, section 4.3).

    With S draws and E = ess_quantile(x, q), the quantile's rank is roughly
    Beta(E q + 1, E (1 - q) + 1) distributed; its 15.9% and 84.1% quantiles a, b
    give the order statistics x_(floor(a S - 1)) and x_(ceil(b S - 1)) (0-based,
    clamped), and the MCSE is half their distance, a one-sigma interval's half width.
    """
    probability = _check_probability(q)
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [_MCSE_QUANTILE], [probability])[_MCSE_QUANTILE], draws, shape)


def summary_columns(x):
    """The diagnostics ``fit.summary()`` shows, for draws shaped [chains, draws, *shape]:
    a dict of ``mcse_mean``, ``ess_bulk``, ``ess_tail`` and ``r_hat`` arrays of shape,
    each equal to its own function's result.  One pass over the draws, and one sort of
    each quantity's draws serves R-hat, bulk ESS and the tail quantiles."""
    draws, shape = _draws_last(x)
    names = ("mcse_mean", "ess_bulk", "ess_tail", "r_hat")
    if _too_short(draws):
        nothing = _finish(np.zeros(draws.shape[2]), draws, shape)
        return {name: nothing.copy() for name in names}
    out = _compiled(draws, [_RHAT, _ESS_BULK, _ESS_MEAN, _SD], _TAIL_PROBABILITIES)
    return {"mcse_mean": _finish(out[_SD] / np.sqrt(out[_ESS_MEAN]), draws, shape),
            "ess_bulk": _finish(out[_ESS_BULK], draws, shape),
            "ess_tail": _finish(_tail_of(out[_ESS_QUANTILE], out[_ESS_QUANTILE + 1]), draws, shape),
            "r_hat": _finish(out[_RHAT], draws, shape, minimum_chains=2)}



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
