"""The compiled entry point behind ``ppl.diagnostics``: R-hat, ESS and MCSE of each
quantity, one quantity at a time.

Every diagnostic reduces each quantity's [chains, draws] block to a number, and the
blocks are small (thousands of draws) while the quantities can be many (a model with
10,000 parameters).  So the work is organised per quantity: ``diagnose_quantities``
copies eight neighbouring quantities at a time out of the caller's [chains, draws,
quantities] array (one cache line holds the same draw of eight quantities), then
ranks (ranking.py), folds or autocorrelates (autocorrelation.py) each one in scratch
memory that stays in cache.  ``ppl.diagnostics`` calls it on slices of the quantities
from several threads (``nogil``).  It computes whichever output rows are asked for
(output_rows.py), so that a summary sorts each quantity once for R-hat, bulk ESS and
the tail quantiles together.

The estimators themselves are Vehtari et al. (2021) as ArviZ 0.23 computes them; the
docstrings of ``ppl.diagnostics`` give the formulas.  The entry point has a fixed
signature and every kernel is cached on disk, so they compile once per installation.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba
import numpy as np

from ppl.diagnostics import moments
from ppl.diagnostics.autocorrelation import geyer_ess, geyer_ess_centred
from ppl.diagnostics.beta_quantile import beta_quantile
from ppl.diagnostics.moments import KERNEL, RESOLUTION
from ppl.diagnostics.output_rows import ESS_BULK, ESS_MEAN, ESS_QUANTILE, MCSE_QUANTILE, MCSE_SD, RHAT, RHAT_SPLIT, SD
from ppl.diagnostics.ranking import (merge_folded, order_statistic_pair, scatter_normal_scores, selection_histogram,
                                     sort_scratch, sort_with_order)

TILE = 8                      # float64 values per 64-byte cache line
_TILE_PADDING = 8

_DRAWS = numba.float64[:, :, ::1]
_VECTOR = numba.float64[::1]
_MATRIX = numba.float64[:, ::1]

# --------------------------------------------------------------------------------------
# Moving draws

@numba.njit(**KERNEL)
def _load_tile(draws, first, width, tile, sums):
    """tile[j, :chains * draws] = draws[:, :, first + j] for j < width (rows padded by a
    cache line, so that the eight rows written together do not share cache sets), and
    sums[j] their sum: NaN when a draw is NaN (or when +inf and -inf both occur, which
    _has_nan then tells apart), found while the draws pass through anyway."""
    chains, num_draws, _ = draws.shape
    for j in range(width):
        sums[j] = 0.0
    for c in range(chains):
        for n in range(num_draws):
            at = c * num_draws + n
            for j in range(width):
                value = draws[c, n, first + j]
                tile[j, at] = value
                sums[j] += value


@numba.njit(**KERNEL)
def _has_nan(series):
    for value in series.ravel():
        if math.isnan(value):
            return True
    return False


@numba.njit(**KERNEL)
def _split_chains(series, out):
    """[C, N] -> flat [2C, N // 2]: first halves, then last halves (the middle draw of an
    odd N is dropped), as ArviZ's _split_chains."""
    chains, num_draws = series.shape
    half = num_draws // 2
    for c in range(chains):
        for n in range(half):
            out[c * half + n] = series[c, n]
            out[(chains + c) * half + n] = series[c, num_draws - half + n]

# --------------------------------------------------------------------------------------
# R-hat, ESS and MCSE of one quantity

@numba.njit(**KERNEL)
def _potential_scale_reduction(values, chains, length, means):
    """Gelman-Rubin R-hat sqrt(((N - 1)/N W + B/N) / W) of [chains, length] draws."""
    moments.chain_means(values, chains, length, means)
    grand = 0.0
    for c in range(chains):
        grand += means[c]
    between_over_n = moments.variance(means[:chains], grand / chains, 1)
    within = 0.0
    for c in range(chains):
        within += moments.variance(values[c * length:(c + 1) * length], means[c], 1)
    within /= chains
    return math.sqrt((length * between_over_n / within + length - 1) / length)


@numba.njit(**KERNEL)
def _ess_of_split(series, direct_lags, work):
    """Multi-chain ESS of a [C, N] series split in halves (first halves, then last halves;
    the middle draw of an odd N dropped, as ArviZ's _split_chains), centred as it is split."""
    chains, num_draws = series.shape
    half = num_draws // 2
    low, high = np.inf, -np.inf
    for part in range(2):
        offset = 0 if part == 0 else num_draws - half
        for c in range(chains):
            chain = series[c, offset:offset + half]
            index = part * chains + c
            chain_low, chain_high = moments.value_range(chain, half)
            low, high = min(low, chain_low), max(high, chain_high)
            mean = moments.mean(chain)
            work.means[index] = mean
            out = work.centred[index * half:(index + 1) * half]
            for n in range(half):
                out[n] = chain[n] - mean
    if high - low < RESOLUTION:
        return float(2 * chains * half)
    return geyer_ess_centred(work.centred, work.means, 2 * chains, half, direct_lags, work.products)


@numba.njit(**KERNEL)
def _rank_rhat(sorted_values, order, table, chains, length, work):
    """Rank-normalised split R-hat from the sorted split draws: the larger of the R-hats
    of the normal scores of x ("bulk") and of |x - median(x)| ("tail")."""
    size = chains * length
    scatter_normal_scores(order, sorted_values, table, work.scores)
    bulk = _potential_scale_reduction(work.scores, chains, length, work.means)
    middle = size // 2
    median = sorted_values[middle] if size % 2 else (sorted_values[middle - 1] + sorted_values[middle]) / 2.0
    merge_folded(sorted_values, order, median, work)
    scatter_normal_scores(work.folded_order, work.folded_values, table, work.scores)
    tail = _potential_scale_reduction(work.scores, chains, length, work.means)
    return tail if tail > bulk else bulk  # Python's max(bulk, tail): a nan bulk stays nan


@numba.njit(**KERNEL)
def _sd_mcse(series, direct_lags, work):
    """MCSE of the sd by the delta method on d = (x - mean)^2 (ArviZ 0.23; the formula is
    in ppl.diagnostics.mcse_sd's docstring)."""
    chains, num_draws = series.shape
    mean = moments.mean(series.ravel())
    mean_square, mean_fourth = 0.0, 0.0
    for c in range(chains):
        for n in range(num_draws):
            deviation = (series[c, n] - mean) ** 2
            work.derived[c, n] = deviation
            mean_square += deviation
            mean_fourth += deviation * deviation
    mean_square /= series.size
    mean_fourth /= series.size
    ess = _ess_of_split(work.derived, direct_lags, work)
    return math.sqrt((mean_fourth - mean_square ** 2) / ess / mean_square / 4.0)


@numba.njit(**KERNEL)
def _indicator_ess(series, quantile, direct_lags, work):
    """ESS of I(x <= quantile), split."""
    chains, num_draws = series.shape
    for c in range(chains):
        for n in range(num_draws):
            work.derived[c, n] = 1.0 if series[c, n] <= quantile else 0.0
    return _ess_of_split(work.derived, direct_lags, work)


Workspace = namedtuple("Workspace", "split scores sorted_values order folded folded_values folded_order centred "
                                    "means products derived")


@numba.njit(**KERNEL)
def _workspace(chains, num_draws):
    size, half = 2 * chains * (num_draws // 2), num_draws // 2
    return Workspace(np.empty(size), np.empty(size), np.empty(size), np.empty(size, np.int64), np.empty(size),
                     np.empty(size), np.empty(size, np.int64), np.empty(size), np.empty(2 * chains), np.empty(half),
                     np.empty((chains, num_draws)))

# --------------------------------------------------------------------------------------
# Quantiles

_ONE_SIGMA = (0.1586553, 0.8413447)  # Phi(-1), Phi(1) as ArviZ writes them


@numba.njit(**KERNEL)
def _type7_position(size, probability):
    """R's type-7 quantile of size sorted values, as scipy's mquantiles(alphap=1, betap=1)
    computes it (ArviZ's ``_quantile``): (1 - w) x_(i - 1) + w x_(i), 0-based; (i, w)."""
    aleph = size * probability + (1.0 + probability * (1.0 - 1.0 - 1.0))
    index = int(math.floor(min(max(aleph, 1.0), size - 1.0)))
    return index, min(max(aleph - index, 0.0), 1.0)


@numba.njit(**KERNEL)
def _quantile_mcse_ranks(size, probability, ess):
    """Vehtari et al. (2021, section 4.3): the quantile's rank is roughly
    Beta(E q + 1, E (1 - q) + 1) distributed; its 15.9% and 84.1% quantiles a, b give the
    order statistics x_(floor(a S - 1)) and x_(ceil(b S - 1)) (0-based, clamped; a nan
    bound means the whole range, as ArviZ's nanmax/nanmin have it), whose half distance
    is the MCSE."""
    lower = beta_quantile(_ONE_SIGMA[0], ess * probability + 1.0, ess * (1.0 - probability) + 1.0) * size - 1.0
    upper = beta_quantile(_ONE_SIGMA[1], ess * probability + 1.0, ess * (1.0 - probability) + 1.0) * size - 1.0
    first = int(math.floor(lower)) if lower > 0.0 else 0
    second = int(math.ceil(upper)) if upper < size - 1.0 else size - 1
    return first, second

# --------------------------------------------------------------------------------------
# The entry point

@numba.njit(numba.void(_DRAWS, numba.boolean[::1], _VECTOR, _VECTOR, numba.int64, numba.int64, numba.int64,
                       _MATRIX), **KERNEL)
def diagnose_quantities(draws, wanted, table, probabilities, first, stop, direct_lags, out):
    """Fill out[row, k] for the wanted rows (``wanted[row]``) and quantities k in
    first..stop - 1 of draws[chains, draws, quantities]; a quantity with a NaN draw
    gets NaN in every row.

    ``table`` holds the normal scores by doubled average rank (for R-hat and bulk ESS);
    ``probabilities`` the quantiles whose indicator ESS goes to row ESS_QUANTILE + p,
    the first of them also the one whose MCSE goes to MCSE_QUANTILE.  One sort of the
    split draws serves both R-hat and bulk ESS, and, when the number of draws is even
    (the split then drops nothing), the quantiles too.
    """
    chains, num_draws, _ = draws.shape
    half = num_draws // 2
    size = chains * num_draws
    tile, sums = np.empty((TILE, size + _TILE_PADDING)), np.empty(TILE)
    work = _workspace(chains, num_draws)
    scratch = sort_scratch(size)
    ranks_wanted = wanted[RHAT] or wanted[ESS_BULK]
    sorted_already = ranks_wanted and num_draws % 2 == 0   # the split then drops no draw
    for tile_first in range(first, stop, TILE):
        width = min(TILE, stop - tile_first)
        _load_tile(draws, tile_first, width, tile, sums)
        for j in range(width):
            k = tile_first + j
            series = tile[j, :size].reshape((chains, num_draws))
            if math.isnan(sums[j]) and _has_nan(series):
                for row in range(out.shape[0]):
                    out[row, k] = np.nan
                continue
            if ranks_wanted:
                _split_chains(series, work.split)
                sort_with_order(work.split, work.order, work.sorted_values, scratch)
                if wanted[ESS_BULK]:
                    scatter_normal_scores(work.order, work.sorted_values, table, work.scores)
                    out[ESS_BULK, k] = geyer_ess(work.scores, 2 * chains, half, direct_lags, work.centred,
                                                  work.means, work.products)
                if wanted[RHAT]:
                    out[RHAT, k] = _rank_rhat(work.sorted_values, work.order, table, 2 * chains, half, work)
            if wanted[RHAT_SPLIT]:
                _split_chains(series, work.split)
                out[RHAT_SPLIT, k] = _potential_scale_reduction(work.split, 2 * chains, half, work.means)
            if wanted[ESS_MEAN]:
                out[ESS_MEAN, k] = _ess_of_split(series, direct_lags, work)
            if wanted[SD]:
                flat = series.ravel()
                out[SD, k] = math.sqrt(moments.variance(flat, moments.mean(flat), 1))
            if wanted[MCSE_SD]:
                out[MCSE_SD, k] = _sd_mcse(series, direct_lags, work)
            low, scale = 0.0, 0.0
            if probabilities.size and not sorted_already:
                low, scale = selection_histogram(series.ravel(), scratch)
            for p in range(probabilities.size):
                i, weight = _type7_position(size, probabilities[p])
                if sorted_already:
                    below, above = work.sorted_values[i - 1], work.sorted_values[i]
                else:
                    below, above = order_statistic_pair(series.ravel(), i - 1, i, low, scale, scratch)
                quantile = (1.0 - weight) * below + weight * above
                ess = _indicator_ess(series, quantile, direct_lags, work)
                out[ESS_QUANTILE + p, k] = ess
                if p == 0 and wanted[MCSE_QUANTILE]:
                    first_rank, second_rank = _quantile_mcse_ranks(size, probabilities[0], ess)
                    if sorted_already:
                        below, above = work.sorted_values[first_rank], work.sorted_values[second_rank]
                    else:
                        below, above = order_statistic_pair(series.ravel(), first_rank, second_rank, low, scale,
                                                             scratch)
                    out[MCSE_QUANTILE, k] = (above - below) / 2.0
