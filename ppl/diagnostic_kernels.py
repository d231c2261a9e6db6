"""Compiled per-quantity kernels behind ``ppl.diagnostics``.

Every diagnostic reduces each quantity's [chains, draws] block to a number, and the
blocks are small (thousands of draws) while the quantities can be many (a model with
10,000 parameters).  So the work is organised per quantity: a kernel copies eight
neighbouring quantities at a time out of the caller's [chains, draws, quantities]
array (one cache line holds the same draw of eight quantities), then ranks, folds or
autocorrelates each one in scratch memory that stays in cache.  ``ppl.diagnostics``
calls the kernels on slices of the quantities from several threads (``nogil``).

Three choices make them fast without changing a result beyond rounding:

* Ranks come from a bucket sort: values are spread over twice as many buckets as
  there are draws by linear interpolation over the bulk of their range (monotone, so
  the buckets are in order; tails beyond the range go to the end buckets), counted,
  placed, and then put in order within buckets by one insertion sort, which is
  linear because each bucket holds a value or two.  Crowded buckets (heavy tails,
  ties) are Shell-sorted first, so the cost stays near n log n at worst.
* The quantiles ESS and MCSE need are order statistics, not a sorted array: a
  histogram of 256 buckets says which bucket holds the wanted positions, and only
  that bucket's values are sorted.
* Geyer's initial sequence stops at the first negative pair of autocorrelations,
  usually within a few dozen lags, so autocovariances are computed lag by lag (a
  vectorised dot product each) and the FFT, which computes every lag, is used only
  for chains whose sequence runs past ``direct_lags``.

Loops that would branch on the data at random (the folded merge, gathering a
bucket's values) are written without branches.  One entry point,
``diagnose_quantities``, computes whichever rows are asked for, so that a summary
sorts each quantity once for R-hat, bulk ESS and the tail quantiles together.

The estimators themselves are Vehtari et al. (2021) as ArviZ 0.23 computes them; the
docstrings of ``ppl.diagnostics`` give the formulas.  The entry points have fixed
signatures and are cached on disk, so they compile once per installation.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba
import numpy as np

# The rows of diagnose_quantities's output, defined once beside their readers
from ppl.diagnostics import (_ESS_BULK as ESS_BULK, _ESS_MEAN as ESS_MEAN, _ESS_QUANTILE as ESS_QUANTILE,
                             _MCSE_QUANTILE as MCSE_QUANTILE, _MCSE_SD as MCSE_SD, _RHAT as RHAT,
                             _RHAT_SPLIT as RHAT_SPLIT, _SD as SD)

_KERNEL = dict(cache=True, nogil=True, error_model="numpy")
# Reassociation lets LLVM vectorise the long sums of products; their order changes
# only rounding, far below the 1e-8 agreement with ArviZ the tests ask for.
_SUMS = dict(_KERNEL, fastmath={"reassoc", "contract"})

TILE = 8                      # float64 values per 64-byte cache line
_TILE_PADDING = 8
_CROWDED_BUCKET = 16          # above this many values a bucket is Shell-sorted first
_RESOLUTION = np.finfo(float).resolution  # ArviZ's "constant chain" threshold, 1e-15

_DRAWS = numba.float64[:, :, ::1]
_VECTOR = numba.float64[::1]
_MATRIX = numba.float64[:, ::1]


# --------------------------------------------------------------------------------------
# Moving draws


@numba.njit(**_KERNEL)
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


@numba.njit(**_KERNEL)
def _has_nan(series):
    for value in series.ravel():
        if math.isnan(value):
            return True
    return False


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"nnan", "nsz", "reassoc"})
def _value_range(values, size):
    """(min, max) of values[:size], which hold no NaN (the caller has checked); vectorised."""
    low, high = values[0], values[0]
    for i in range(size):
        low = min(low, values[i])
        high = max(high, values[i])
    return low, high


@numba.njit(**_KERNEL)
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
# Sorting and ranks
#
# Every sort here sorts (sorted_values, order) pairs by value in place, between
# positions start and end.


SortScratch = namedtuple("SortScratch", "bucket_of bucket_ends sample values order")
_SAMPLE = 32                  # values sampled to choose the buckets' range
_BUCKETS_PER_VALUE = 2        # most buckets then hold a value or none
_SELECTION_BUCKETS = 256      # for finding a few order statistics


@numba.njit(**_KERNEL)
def _sort_scratch(size):
    buckets = max(_BUCKETS_PER_VALUE * size, _SELECTION_BUCKETS)
    return SortScratch(np.empty(size, np.int64), np.empty(buckets + 1, np.int64), np.empty(_SAMPLE),
                       np.empty(size + 1), np.empty(size + 1, np.int64))


@numba.njit(**_KERNEL)
def _insertion_sort(sorted_values, order, start, end, gap):
    """Sort every gap-th position from start up to end; with gap 1, linear when each value
    is only a few places from where it belongs, as after bucketing."""
    for i in range(start + gap, end):
        value = sorted_values[i]
        if sorted_values[i - gap] <= value:
            continue
        index = order[i]
        j = i - gap
        while j >= start and sorted_values[j] > value:
            sorted_values[j + gap] = sorted_values[j]
            order[j + gap] = order[j]
            j -= gap
        sorted_values[j + gap] = value
        order[j + gap] = index


@numba.njit(**_KERNEL)
def _sort_sample(sample):
    for i in range(1, sample.size):
        value = sample[i]
        j = i - 1
        while j >= 0 and sample[j] > value:
            sample[j + 1] = sample[j]
            j -= 1
        sample[j + 1] = value


_SHELL_GAPS = (701, 301, 132, 57, 23, 10, 4)  # Ciura (2001), before the final gap of 1


@numba.njit(**_KERNEL)
def _presort_crowded(sorted_values, order, start, end):
    """Shell sort's passes with gaps above 1, so that the closing insertion sort of a
    crowded bucket is linear too."""
    for gap in _SHELL_GAPS:
        if gap < end - start:
            _insertion_sort(sorted_values, order, start, end, gap)


@numba.njit(**_KERNEL)
def _shell_sort(sorted_values, order, start, end):
    _presort_crowded(sorted_values, order, start, end)
    _insertion_sort(sorted_values, order, start, end, 1)


@numba.njit(**_KERNEL)
def _bucket_scale(values, sample, buckets):
    """(low, scale) such that bucket(x) = clamp(floor((x - low) scale), 0, buckets - 1)
    is monotone and spreads the bulk of the values over the buckets; scale 0 when it
    cannot (the values are constant, or span beyond float64).

    The range is that of the values, narrowed (for heavy tails, which would crowd the
    middle of the distribution into a few buckets) to the second smallest and second
    largest of 32 evenly spaced values widened by half their distance on either side;
    values beyond go to the end buckets.
    """
    size = values.size
    for i in range(_SAMPLE):
        sample[i] = values[(i * (size - 1)) // (_SAMPLE - 1)]
    _sort_sample(sample)
    low, high = _value_range(values, size)
    spread = sample[_SAMPLE - 2] - sample[1]
    if spread > 0.0:
        low, high = max(low, sample[1] - spread / 2.0), min(high, sample[_SAMPLE - 2] + spread / 2.0)
    scale = buckets / (high - low) if high > low else 0.0
    return low, (scale if scale < np.inf else 0.0)


@numba.njit(**_KERNEL)
def _buckets_of(values, low, scale, buckets, bucket_of):
    """bucket_of[i] = clamp(floor((values[i] - low) scale), 0, buckets - 1): a loop of its
    own, so that it vectorises."""
    for i in range(values.size):
        offset = (values[i] - low) * scale   # inf for +inf: clamp before converting
        bucket_of[i] = 0 if offset < 0.0 else (int(offset) if offset < buckets else buckets - 1)


@numba.njit(**_KERNEL)
def _bucket_starts(values, low, scale, scratch):
    """scratch.bucket_ends[b] = how many values lie in buckets before b (b = 0..B), and
    scratch.bucket_of[i] = value i's bucket; returns the largest bucket's size."""
    size = values.size
    buckets = _BUCKETS_PER_VALUE * size
    bucket_of, starts = scratch.bucket_of, scratch.bucket_ends
    _buckets_of(values, low, scale, buckets, bucket_of)
    for bucket in range(buckets + 1):
        starts[bucket] = 0
    for i in range(size):
        starts[bucket_of[i] + 1] += 1
    largest, running = 0, 0
    for bucket in range(1, buckets + 1):   # a running total in a register, not in memory
        largest = max(largest, starts[bucket])
        running += starts[bucket]
        starts[bucket] = running
    return largest


@numba.njit(**_KERNEL)
def _sort_with_order(values, order, sorted_values, scratch):
    """sorted_values = values[order], ascending, for values without NaN: a counting sort
    by bucket, then an insertion sort that only has to reorder values within a bucket
    (crowded buckets are Shell-sorted first)."""
    size = values.size
    low, scale = _bucket_scale(values, scratch.sample, _BUCKETS_PER_VALUE * size)
    if scale == 0.0:
        for i in range(size):
            sorted_values[i] = values[i]
            order[i] = i
        low, high = _value_range(values, size)
        if low < high:                     # infinities
            _shell_sort(sorted_values, order, 0, size)
        return
    largest = _bucket_starts(values, low, scale, scratch)
    bucket_of, slots = scratch.bucket_of, scratch.bucket_ends
    for i in range(size):                  # slots[b] walks from the start of bucket b to its end
        slot = slots[bucket_of[i]]
        slots[bucket_of[i]] = slot + 1
        sorted_values[slot] = values[i]
        order[slot] = i
    if largest > _CROWDED_BUCKET:          # now slots[b] is where bucket b ends
        start = 0
        for bucket in range(_BUCKETS_PER_VALUE * size):
            end = slots[bucket]
            if end - start > _CROWDED_BUCKET:
                _presort_crowded(sorted_values, order, start, end)
            start = end
    _insertion_sort(sorted_values, order, 0, size, 1)


@numba.njit(**_KERNEL)
def _selection_histogram(values, scratch):
    """Count the values in 256 buckets (scratch.bucket_ends[b] = how many lie in buckets
    before b) for _order_statistic_pair; returns the buckets' (low, scale), scale 0 when
    the values cannot be bucketed."""
    buckets = _SELECTION_BUCKETS
    low, scale = _bucket_scale(values, scratch.sample, buckets)
    if scale == 0.0:
        return low, scale
    starts, bucket_of = scratch.bucket_ends, scratch.bucket_of
    _buckets_of(values, low, scale, buckets, bucket_of)
    for bucket in range(buckets + 1):
        starts[bucket] = 0
    for i in range(values.size):
        starts[bucket_of[i] + 1] += 1
    running = 0
    for bucket in range(1, buckets + 1):
        running += starts[bucket]
        starts[bucket] = running
    return low, scale


@numba.njit(**_KERNEL)
def _order_statistic_pair(values, first, second, low, scale, scratch):
    """(x_(first), x_(second)), 0-based positions first <= second of the sorted values,
    given their _selection_histogram, without sorting them all: only the values in the
    buckets from first's to second's are sorted."""
    size = values.size
    kept_values, kept_order = scratch.values, scratch.order
    if scale == 0.0:                       # constant, or infinities: sort everything
        for i in range(size):
            kept_values[i] = values[i]
            kept_order[i] = i
        _shell_sort(kept_values, kept_order, 0, size)
        return kept_values[first], kept_values[second]
    buckets = _SELECTION_BUCKETS
    starts = scratch.bucket_ends
    low_bucket, high_bucket = _bucket_holding(starts, buckets, first), _bucket_holding(starts, buckets, second)
    # bucket(x) in [low_bucket, high_bucket] <=> low_bound <= (x - low) scale < high_bound, exactly
    low_bound = float(low_bucket) if low_bucket > 0 else -np.inf
    high_bound = float(high_bucket + 1) if high_bucket < buckets - 1 else np.inf
    open_top = high_bucket == buckets - 1  # (where +inf goes)
    count = 0
    for i in range(size):                  # branch-free: store always, advance when kept
        offset = (values[i] - low) * scale
        kept_values[count] = values[i]
        kept_order[count] = i
        count += (low_bound <= offset) & ((offset < high_bound) | open_top)
    _shell_sort(kept_values, kept_order, 0, count)
    offset = starts[low_bucket]
    return kept_values[first - offset], kept_values[second - offset]


@numba.njit(**_KERNEL)
def _bucket_holding(starts, buckets, position):
    """The bucket b with starts[b] <= position < starts[b + 1] (binary search)."""
    low, high = 0, buckets - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= position:
            low = middle
        else:
            high = middle - 1
    return low


@numba.njit(**_KERNEL)
def _scatter_normal_scores(order, sorted_values, table, scores):
    """scores[order[i]] = the normal score of sorted position i's average rank; the table
    is indexed by 2 (rank - 1), and a run of ties shares table[first + last position]."""
    size = order.size
    for i in range(size):
        scores[order[i]] = table[2 * i]
    if _count_ties(sorted_values) == 0:
        return
    start = 0
    while start < size:
        end = start + 1
        while end < size and sorted_values[end] == sorted_values[start]:
            end += 1
        if end - start > 1:
            score = table[start + end - 1]
            for i in range(start, end):
                scores[order[i]] = score
        start = end


@numba.njit(**_KERNEL)
def _count_ties(sorted_values):
    ties = 0
    for i in range(1, sorted_values.size):
        ties += sorted_values[i] == sorted_values[i - 1]
    return ties


@numba.njit(**_KERNEL)
def _merge_folded(sorted_values, order, median, work):
    """Sort |x - median| into (work.folded_values, work.folded_order), given x sorted: the
    values below the median, read backwards, and the rest, read forwards, are two
    ascending runs, A and B.

    They are merged from both ends at once: the front takes the smaller head (A's on a
    tie), the back the larger tail (B's on a tie), so the two halves meet exactly.  A
    merge's cost is the chain load -> compare -> advance; two independent chains in one
    loop halve it, and choosing without branches avoids mispredicting half the time.
    """
    size = sorted_values.size
    folded = work.folded                   # |x_(p) - median| by sorted position p
    below = 0
    for p in range(size):
        folded[p] = abs(sorted_values[p] - median)
        below += sorted_values[p] < median
    out_values, out_order = work.folded_values, work.folded_order
    a_size, b_size = below, size - below
    last = size - 1
    # A[t] is sorted position below - 1 - t, B[t] is below + t; positions are clamped so
    # that both candidates can always be loaded, and then one is chosen.
    front_a, front_b, back_a, back_b = 0, 0, a_size - 1, b_size - 1
    front_count = (size + 1) // 2
    for k in range(front_count):
        a_at, b_at = min(max(below - 1 - front_a, 0), last), min(below + front_b, last)
        a_value, b_value, a_index, b_index = folded[a_at], folded[b_at], order[a_at], order[b_at]
        take_a = (front_a < a_size) & ((front_b >= b_size) | (a_value <= b_value))
        out_values[k] = a_value if take_a else b_value
        out_order[k] = a_index if take_a else b_index
        front_a += take_a
        front_b += 1 - take_a
        back = last - k
        if back >= front_count:
            a_at, b_at = min(max(below - 1 - back_a, 0), last), min(max(below + back_b, 0), last)
            a_value, b_value, a_index, b_index = folded[a_at], folded[b_at], order[a_at], order[b_at]
            take_a = (back_a >= 0) & ((back_b < 0) | (a_value > b_value))
            out_values[back] = a_value if take_a else b_value
            out_order[back] = a_index if take_a else b_index
            back_a -= take_a
            back_b -= 1 - take_a


# --------------------------------------------------------------------------------------
# R-hat and effective sample size of split chains (flat [chains, length] arrays)


@numba.njit(**_SUMS)
def _mean(values):
    """The mean as values[0] + mean(values - values[0]): exact for constant values, so
    that a constant chain has a within-chain variance of exactly 0, as in NumPy."""
    first = values[0]
    total = 0.0
    for i in range(values.size):
        total += values[i] - first
    return first + total / values.size


@numba.njit(**_KERNEL)
def _chain_means(values, chains, length, means):
    for c in range(chains):
        means[c] = _mean(values[c * length:(c + 1) * length])


@numba.njit(**_SUMS)
def _variance(values, mean, ddof):
    total = 0.0
    for i in range(values.size):
        total += (values[i] - mean) ** 2
    return total / (values.size - ddof)


@numba.njit(**_KERNEL)
def _potential_scale_reduction(values, chains, length, means):
    """Gelman-Rubin R-hat sqrt(((N - 1)/N W + B/N) / W) of [chains, length] draws."""
    _chain_means(values, chains, length, means)
    grand = 0.0
    for c in range(chains):
        grand += means[c]
    between_over_n = _variance(means[:chains], grand / chains, 1)
    within = 0.0
    for c in range(chains):
        within += _variance(values[c * length:(c + 1) * length], means[c], 1)
    within /= chains
    return math.sqrt((length * between_over_n / within + length - 1) / length)


@numba.njit(**_SUMS)
def _lag_product(centred, chains, length, lag):
    """sum over chains and n of d[n] d[n + lag] (slices, so that LLVM vectorises it)."""
    total = 0.0
    for c in range(chains):
        early = centred[c * length:(c + 1) * length - lag]
        late = centred[c * length + lag:(c + 1) * length]
        for n in range(early.size):
            total += early[n] * late[n]
    return total


@numba.njit(**_SUMS)
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


@numba.njit(**_KERNEL)
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


@numba.njit(**_KERNEL)
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


@numba.njit(**_KERNEL)
def _geyer_ess(values, chains, length, direct_lags, centred, means, products):
    """Multi-chain ESS of [chains, length] draws (flat, chain after chain): the number of
    draws for constant draws (range below 1e-15, as ArviZ), else _geyer_ess_centred."""
    size = chains * length
    low, high = _value_range(values, size)
    if high - low < _RESOLUTION:
        return float(size)
    _chain_means(values, chains, length, means)
    for c in range(chains):
        chain, out, mean = values[c * length:(c + 1) * length], centred[c * length:(c + 1) * length], means[c]
        for n in range(length):
            out[n] = chain[n] - mean
    return _geyer_ess_centred(centred, means, chains, length, direct_lags, products)


@numba.njit(**_KERNEL)
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
            chain_low, chain_high = _value_range(chain, half)
            low, high = min(low, chain_low), max(high, chain_high)
            mean = _mean(chain)
            work.means[index] = mean
            out = work.centred[index * half:(index + 1) * half]
            for n in range(half):
                out[n] = chain[n] - mean
    if high - low < _RESOLUTION:
        return float(2 * chains * half)
    return _geyer_ess_centred(work.centred, work.means, 2 * chains, half, direct_lags, work.products)


@numba.njit(**_KERNEL)
def _geyer_ess_centred(centred, means, chains, length, direct_lags, products):
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
        variance_plus += _variance(means[:chains], grand / chains, 1)
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


@numba.njit(**_KERNEL)
def _rank_rhat(sorted_values, order, table, chains, length, work):
    """Rank-normalised split R-hat from the sorted split draws: the larger of the R-hats
    of the normal scores of x ("bulk") and of |x - median(x)| ("tail")."""
    size = chains * length
    _scatter_normal_scores(order, sorted_values, table, work.scores)
    bulk = _potential_scale_reduction(work.scores, chains, length, work.means)
    middle = size // 2
    median = sorted_values[middle] if size % 2 else (sorted_values[middle - 1] + sorted_values[middle]) / 2.0
    _merge_folded(sorted_values, order, median, work)
    _scatter_normal_scores(work.folded_order, work.folded_values, table, work.scores)
    tail = _potential_scale_reduction(work.scores, chains, length, work.means)
    return tail if tail > bulk else bulk  # Python's max(bulk, tail): a nan bulk stays nan


@numba.njit(**_KERNEL)
def _sd_mcse(series, direct_lags, work):
    """MCSE of the sd by the delta method on d = (x - mean)^2 (ArviZ 0.23; the formula is
    in ppl.diagnostics.mcse_sd's docstring)."""
    chains, num_draws = series.shape
    mean = _mean(series.ravel())
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


@numba.njit(**_KERNEL)
def _indicator_ess(series, quantile, direct_lags, work):
    """ESS of I(x <= quantile), split."""
    chains, num_draws = series.shape
    for c in range(chains):
        for n in range(num_draws):
            work.derived[c, n] = 1.0 if series[c, n] <= quantile else 0.0
    return _ess_of_split(work.derived, direct_lags, work)


Workspace = namedtuple("Workspace", "split scores sorted_values order folded folded_values folded_order centred "
                                    "means products derived")


@numba.njit(**_KERNEL)
def _workspace(chains, num_draws):
    size, half = 2 * chains * (num_draws // 2), num_draws // 2
    return Workspace(np.empty(size), np.empty(size), np.empty(size), np.empty(size, np.int64), np.empty(size),
                     np.empty(size), np.empty(size, np.int64), np.empty(size), np.empty(2 * chains), np.empty(half),
                     np.empty((chains, num_draws)))


# --------------------------------------------------------------------------------------
# The beta quantile, for the MCSE of quantiles


@numba.njit(**_KERNEL)
def _incomplete_beta_fraction(x, a, b):
    """The continued fraction of I_x(a, b) (modified Lentz); converges fast for
    x < (a + 1) / (a + b + 2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, 100_000):
        delta = 1.0
        for step in range(2):
            if step == 0:
                numerator = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
            else:
                numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
            d = 1.0 + numerator * d
            d = 1.0 / (tiny if abs(d) < tiny else d)
            c = 1.0 + numerator / c
            c = tiny if abs(c) < tiny else c
            delta = c * d
            h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


@numba.njit(**_KERNEL)
def _regularized_incomplete_beta(x, a, b, log_beta):
    """I_x(a, b) = B(x; a, b) / B(a, b) for 0 < x < 1, a, b >= 1."""
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - log_beta)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _incomplete_beta_fraction(x, a, b) / a
    return 1.0 - front * _incomplete_beta_fraction(1.0 - x, b, a) / b


@numba.njit(**_KERNEL)
def beta_quantile(probability, a, b):
    """The p-quantile of Beta(a, b), a, b >= 1 (scipy.stats.beta.ppf), to about 1e-13
    relative; nan for nan parameters.

    Start from the Abramowitz-Stegun normal approximation (26.5.22, with 26.2.23 for
    the normal quantile) and take safeguarded Halley steps on I_x(a, b) = p, as in
    Numerical Recipes' ``invbetai``, until the step is at rounding level, then one more.
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        return np.nan
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    smaller = probability if probability < 0.5 else 1.0 - probability
    t = math.sqrt(-2.0 * math.log(smaller))
    normal = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
    if probability < 0.5:
        normal = -normal
    al = (normal * normal - 3.0) / 6.0
    h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0))
    w = (normal * math.sqrt(al + h) / h
         - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h)))
    x = a / (a + b * math.exp(2.0 * w))
    polishing = False
    for _ in range(50):
        error = _regularized_incomplete_beta(x, a, b, log_beta) - probability
        density = math.exp((a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x) - log_beta)
        newton = error / density
        curvature = newton * ((a - 1.0) / x - (b - 1.0) / (1.0 - x))
        proposed = x - newton / (1.0 - 0.5 * min(1.0, curvature))
        if proposed <= 0.0:
            proposed = 0.5 * x
        if proposed >= 1.0:
            proposed = 0.5 * (x + 1.0)
        close = abs(proposed - x) <= 1e-12 * proposed or not math.isfinite(proposed)
        x = proposed
        if polishing:
            break
        polishing = close  # one more (cubically convergent) step reaches rounding level
    return x


_ONE_SIGMA = (0.1586553, 0.8413447)  # Phi(-1), Phi(1) as ArviZ writes them


# --------------------------------------------------------------------------------------
# The entry point


@numba.njit(**_KERNEL)
def _type7_position(size, probability):
    """R's type-7 quantile of size sorted values, as scipy's mquantiles(alphap=1, betap=1)
    computes it (ArviZ's ``_quantile``): (1 - w) x_(i - 1) + w x_(i), 0-based; (i, w)."""
    aleph = size * probability + (1.0 + probability * (1.0 - 1.0 - 1.0))
    index = int(math.floor(min(max(aleph, 1.0), size - 1.0)))
    return index, min(max(aleph - index, 0.0), 1.0)


@numba.njit(**_KERNEL)
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


@numba.njit(numba.void(_DRAWS, numba.boolean[::1], _VECTOR, _VECTOR, numba.int64, numba.int64, numba.int64,
                       _MATRIX), **_KERNEL)
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
    scratch = _sort_scratch(size)
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
                _sort_with_order(work.split, work.order, work.sorted_values, scratch)
                if wanted[ESS_BULK]:
                    _scatter_normal_scores(work.order, work.sorted_values, table, work.scores)
                    out[ESS_BULK, k] = _geyer_ess(work.scores, 2 * chains, half, direct_lags, work.centred,
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
                out[SD, k] = math.sqrt(_variance(flat, _mean(flat), 1))
            if wanted[MCSE_SD]:
                out[MCSE_SD, k] = _sd_mcse(series, direct_lags, work)
            low, scale = 0.0, 0.0
            if probabilities.size and not sorted_already:
                low, scale = _selection_histogram(series.ravel(), scratch)
            for p in range(probabilities.size):
                i, weight = _type7_position(size, probabilities[p])
                if sorted_already:
                    below, above = work.sorted_values[i - 1], work.sorted_values[i]
                else:
                    below, above = _order_statistic_pair(series.ravel(), i - 1, i, low, scale, scratch)
                quantile = (1.0 - weight) * below + weight * above
                ess = _indicator_ess(series, quantile, direct_lags, work)
                out[ESS_QUANTILE + p, k] = ess
                if p == 0 and wanted[MCSE_QUANTILE]:
                    first_rank, second_rank = _quantile_mcse_ranks(size, probabilities[0], ess)
                    if sorted_already:
                        below, above = work.sorted_values[first_rank], work.sorted_values[second_rank]
                    else:
                        below, above = _order_statistic_pair(series.ravel(), first_rank, second_rank, low, scale,
                                                             scratch)
                    out[MCSE_QUANTILE, k] = (above - below) / 2.0
