"""Ranks and order statistics of one quantity's draws, in compiled code.

Ranks come from a bucket sort: values are spread over twice as many buckets as
there are draws by linear interpolation over the bulk of their range (monotone, so
the buckets are in order; tails beyond the range go to the end buckets), counted,
placed, and then put in order within buckets by one insertion sort, which is linear
because each bucket holds a value or two.  Crowded buckets (heavy tails, ties) are
Shell-sorted first, so the cost stays near n log n at worst.

The quantiles ESS and MCSE need are order statistics, not a sorted array: a
histogram of 256 buckets says which bucket holds the wanted positions, and only that
bucket's values are sorted.

The rank normalisation's normal scores (average ranks for ties) and the folded draws
|x - median| for the tail R-hat are read off the sorted draws.  Loops that would
branch on the data at random (the folded merge, gathering a bucket's values) are
written without branches.

Every sort here sorts (sorted_values, order) pairs by value in place, between
positions start and end.
"""

from __future__ import annotations

from collections import namedtuple

import numba
import numpy as np
from numba import types

from ppl.diagnostics import moments
from ppl.diagnostics.moments import KERNEL

# Explicit argument types for the helpers called with constant arguments (start 0, gap 1,
# 256 buckets): Numba would otherwise compile one copy per constant (a Literal type) and
# one for int64, several seconds of the first run's compilation for no speed.
_REALS, _INTS, _INT = types.float64[::1], types.int64[::1], types.int64

SortScratch = namedtuple("SortScratch", "bucket_of bucket_ends sample values order")
_SAMPLE = 32                  # values sampled to choose the buckets' range
_BUCKETS_PER_VALUE = 2        # most buckets then hold a value or none
_SELECTION_BUCKETS = 256      # for finding a few order statistics
_CROWDED_BUCKET = 16          # above this many values a bucket is Shell-sorted first


@numba.njit(**KERNEL)
def sort_scratch(size):
    buckets = max(_BUCKETS_PER_VALUE * size, _SELECTION_BUCKETS)
    return SortScratch(np.empty(size, np.int64), np.empty(buckets + 1, np.int64), np.empty(_SAMPLE),
                       np.empty(size + 1), np.empty(size + 1, np.int64))


@numba.njit((_REALS, _INTS, _INT, _INT, _INT), **KERNEL)
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


@numba.njit(**KERNEL)
def _sort_sample(sample):
    for i in range(1, sample.size):
        value = sample[i]
        j = i - 1
        while j >= 0 and sample[j] > value:
            sample[j + 1] = sample[j]
            j -= 1
        sample[j + 1] = value


_SHELL_GAPS = (701, 301, 132, 57, 23, 10, 4)  # Ciura (2001), before the final gap of 1


@numba.njit((_REALS, _INTS, _INT, _INT), **KERNEL)
def _presort_crowded(sorted_values, order, start, end):
    """Shell sort's passes with gaps above 1, so that the closing insertion sort of a
    crowded bucket is linear too."""
    for gap in _SHELL_GAPS:
        if gap < end - start:
            _insertion_sort(sorted_values, order, start, end, gap)


@numba.njit((_REALS, _INTS, _INT, _INT), **KERNEL)
def _shell_sort(sorted_values, order, start, end):
    _presort_crowded(sorted_values, order, start, end)
    _insertion_sort(sorted_values, order, start, end, 1)


@numba.njit((_REALS, _REALS, _INT), **KERNEL)
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
    low, high = moments.value_range(values, size)
    spread = sample[_SAMPLE - 2] - sample[1]
    if spread > 0.0:
        low, high = max(low, sample[1] - spread / 2.0), min(high, sample[_SAMPLE - 2] + spread / 2.0)
    scale = buckets / (high - low) if high > low else 0.0
    return low, (scale if scale < np.inf else 0.0)


@numba.njit((_REALS, types.float64, types.float64, _INT, _INTS), **KERNEL)
def _buckets_of(values, low, scale, buckets, bucket_of):
    """bucket_of[i] = clamp(floor((values[i] - low) scale), 0, buckets - 1): a loop of its
    own, so that it vectorises."""
    for i in range(values.size):
        offset = (values[i] - low) * scale   # inf for +inf: clamp before converting
        bucket_of[i] = 0 if offset < 0.0 else (int(offset) if offset < buckets else buckets - 1)


@numba.njit(**KERNEL)
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


@numba.njit(**KERNEL)
def sort_with_order(values, order, sorted_values, scratch):
    """sorted_values = values[order], ascending, for values without NaN: a counting sort
    by bucket, then an insertion sort that only has to reorder values within a bucket
    (crowded buckets are Shell-sorted first)."""
    size = values.size
    low, scale = _bucket_scale(values, scratch.sample, _BUCKETS_PER_VALUE * size)
    if scale == 0.0:
        for i in range(size):
            sorted_values[i] = values[i]
            order[i] = i
        low, high = moments.value_range(values, size)
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

# --------------------------------------------------------------------------------------
# Order statistics without a full sort

@numba.njit(**KERNEL)
def selection_histogram(values, scratch):
    """Count the values in 256 buckets (scratch.bucket_ends[b] = how many lie in buckets
    before b) for order_statistic_pair; returns the buckets' (low, scale), scale 0 when
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


@numba.njit(**KERNEL)
def order_statistic_pair(values, first, second, low, scale, scratch):
    """(x_(first), x_(second)), 0-based positions first <= second of the sorted values,
    given their selection_histogram, without sorting them all: only the values in the
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


@numba.njit((_INTS, _INT, _INT), **KERNEL)
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

# --------------------------------------------------------------------------------------
# Normal scores of ranks, and the folded draws

@numba.njit(**KERNEL)
def scatter_normal_scores(order, sorted_values, table, scores):
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


@numba.njit(**KERNEL)
def _count_ties(sorted_values):
    ties = 0
    for i in range(1, sorted_values.size):
        ties += sorted_values[i] == sorted_values[i - 1]
    return ties


@numba.njit(**KERNEL)
def merge_folded(sorted_values, order, median, work):
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
