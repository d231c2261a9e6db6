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

The ArviZ-convention estimators run in compiled (Numba) kernels that take one
quantity at a time through ranking, folding and Geyer's truncated autocorrelation
sum, on slices of the quantities in parallel threads, so all of them for 10,000
quantities of 4,000 draws take under 2 s (see ``benchmarks/diagnostics.py``).  The
kernels compile on first use and are cached on disk.  This module is the public API
and the dispatch to the kernels, in NumPy (importing it does not import Numba):
validation, ArviZ's rules for degenerate input, and the threads.

The package, from the bottom up:

* ``output_rows``: the rows of the kernels' output, read here;
* ``normal_quantile``: Phi^{-1} in NumPy, for the table of normal scores;
* ``moments``: the kernels' compile options, mean, variance and range;
* ``ranking``: bucket sort, ranks, order statistics, normal scores, folding;
* ``autocorrelation``: autocovariances (lag by lag, or by FFT) and Geyer's ESS;
* ``beta_quantile``: for the MCSE of quantiles;
* ``estimators``: R-hat, ESS and MCSE of one quantity, and the entry point
  ``diagnose_quantities``;
* ``tfp_convention``: TFP's ``potential_scale_reduction`` and
  ``effective_sample_size``, in NumPy.

References: Vehtari, Gelman, Simpson, Carpenter, Bürkner (2021), Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC,
Bayesian Analysis 16(2), 667-718 (arXiv:1903.08008); Geyer (1992), Practical
Markov chain Monte Carlo, Statistical Science 7, 473-511; Gelman and Rubin (1992);
Brooks and Gelman (1998); Betancourt (2016), Diagnosing suboptimal cotangent
disintegrations in Hamiltonian Monte Carlo (arXiv:1604.00695).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ppl.diagnostics import normal_quantile
from ppl.diagnostics.normal_quantile import inverse_normal_cdf
from ppl.diagnostics.output_rows import ESS_BULK, ESS_MEAN, ESS_QUANTILE, MCSE_QUANTILE, MCSE_SD, RHAT, RHAT_SPLIT, SD
from ppl.diagnostics.tfp_convention import effective_sample_size, potential_scale_reduction

__all__ = ["bfmi", "effective_sample_size", "ess_bulk", "ess_mean", "ess_quantile", "ess_tail",
           "mcse_mean", "mcse_quantile", "mcse_sd", "potential_scale_reduction", "rhat", "summary_columns"]

_ARVIZ_LAYOUT = "[chains, draws] or [chains, draws, *shape]"
_MIN_DRAWS = 4                          # ArviZ returns nan below this many draws per chain
_ELEMENTS_PER_THREAD = 1 << 20          # below this many draws in all, threads cost more than they save
_DIRECT_LAGS = 64                       # autocovariances by dot products up to this lag, then by FFT
_TAIL_PROBABILITIES = (0.05, 0.95)


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


def compile_in_background():
    """Start compiling the diagnostic kernels in another process, if they are not cached.

    They take 15-25 s to compile on two cores, once per installation; ``sample`` calls this as it
    starts, so that the compilation overlaps the sampler's own first-use compilation
    (which leaves the second core idle) and the first summary need not wait for it.
    """
    from ppl.diagnostics import compile_notice

    global _background_compilation
    if (_background_compilation is not None or "ppl.diagnostics.estimators" in sys.modules
            or compile_notice.cached(compile_notice.DIAGNOSTICS)):
        return
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [package_root] + [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]))
    try:
        _background_compilation = subprocess.Popen([sys.executable, "-c", "import ppl.diagnostics.estimators"],
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                                   env=environment)
    except OSError:   # no subprocesses here: the first diagnostic compiles in this process instead
        _background_compilation = None


def _kernels():
    """ppl.diagnostics.estimators, after any background compilation has written the cache."""
    from ppl.diagnostics import compile_notice

    global _background_compilation
    compile_notice.announce([compile_notice.DIAGNOSTICS])   # one line when they are still to be compiled
    if _background_compilation is not None:
        _background_compilation.wait()
        _background_compilation = None
    from ppl.diagnostics import estimators   # compiled once, then loaded from Numba's disk cache
    return estimators


def _compiled(draws, rows, probabilities=()):
    """Run ``estimators.diagnose_quantities`` for the given output rows on
    [chains, draws, quantities] draws, spread over threads by slices of quantities.

    Returns the kernel's [rows, quantities] output (rows it was not asked for are
    nan).  ``probabilities`` are the quantiles whose indicator ESS fills rows
    ESS_QUANTILE + p (and whose first one's MCSE fills MCSE_QUANTILE).
    """
    kernels = _kernels()
    chains, num_draws, quantities = draws.shape
    wanted = np.zeros(ESS_QUANTILE, dtype=bool)
    wanted[list(rows)] = True
    table = (normal_quantile.normal_scores_table(2 * chains * (num_draws // 2)) if wanted[RHAT] or wanted[ESS_BULK]
             else np.empty(0))
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    out = np.full((ESS_QUANTILE + probabilities.size, quantities), np.nan)

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
# The estimators run in ppl.diagnostics.estimators, one quantity at a time; the
# formulas are in the docstrings below and in the kernels'.


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
        return _finish(_compiled(draws, [RHAT_SPLIT])[RHAT_SPLIT], draws, shape, minimum_chains=2)
    return _finish(_compiled(draws, [RHAT])[RHAT], draws, shape, minimum_chains=2)


def ess_bulk(x):
    """Bulk effective sample size: the multi-chain ESS (Geyer's initial monotone
    sequence, Vehtari et al. 2021 eq. 10-11) of the split chains' rank-normalised
    draws.  It measures how well the centre of the distribution is explored, and
    exists even when the mean does not."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [ESS_BULK])[ESS_BULK], draws, shape)


def ess_tail(x):
    """Tail effective sample size: the smaller of the ESS of the 5% and 95% quantiles,
    each the split-chain ESS of the indicator I(x <= quantile) (Vehtari et al. 2021)."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    out = _compiled(draws, [], _TAIL_PROBABILITIES)
    return _finish(_tail_of(out[ESS_QUANTILE], out[ESS_QUANTILE + 1]), draws, shape)


def ess_mean(x):
    """Effective sample size of the mean: the split-chain ESS of the raw draws."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [ESS_MEAN])[ESS_MEAN], draws, shape)


def ess_quantile(x, q):
    """Effective sample size of the q-quantile: the split-chain ESS of I(x <= Q_q), with
    Q_q the type-7 sample quantile of all draws."""
    probability = _check_probability(q)
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    return _finish(_compiled(draws, [], [probability])[ESS_QUANTILE], draws, shape)


def mcse_mean(x):
    """Monte Carlo standard error of the mean: sd(x) / sqrt(ess_mean(x)), sd over all
    draws with ddof=1."""
    draws, shape = _draws_last(x)
    if _too_short(draws):
        return _finish(np.zeros(draws.shape[2]), draws, shape)
    out = _compiled(draws, [ESS_MEAN, SD])
    return _finish(out[SD] / np.sqrt(out[ESS_MEAN]), draws, shape)


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
    return _finish(_compiled(draws, [MCSE_SD])[MCSE_SD], draws, shape)


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
    return _finish(_compiled(draws, [MCSE_QUANTILE], [probability])[MCSE_QUANTILE], draws, shape)


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
    out = _compiled(draws, [RHAT, ESS_BULK, ESS_MEAN, SD], _TAIL_PROBABILITIES)
    return {"mcse_mean": _finish(out[SD] / np.sqrt(out[ESS_MEAN]), draws, shape),
            "ess_bulk": _finish(out[ESS_BULK], draws, shape),
            "ess_tail": _finish(_tail_of(out[ESS_QUANTILE], out[ESS_QUANTILE + 1]), draws, shape),
            "r_hat": _finish(out[RHAT], draws, shape, minimum_chains=2)}


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
