"""nutpie's warmup: the metric from the draws *and their gradients* (Seyboldt,
Carlson & Carpenter 2026; the schedule of the nuts-rs engine), beside Stan's
in adaptation.py.

Diagonal.  Coordinate i gets inverse metric D_i = sqrt(var(x_i) / var(g_i)),
x the draws and g the gradients of the log density at them: the diagonal
Gaussian closest to the target in Fisher divergence.  For a Gaussian with
covariance Sigma, var(x_i) = Sigma_ii and var(g_i) = (Sigma^{-1})_ii, so
D_i = sqrt(Sigma_ii / (Sigma^{-1})_ii), the variance itself when Sigma is
diagonal.  Gradients carry information a few draws of positions do not, so the
estimate is good after tens of draws, not hundreds.  The low-rank metric
(`metric="low_rank"`) is ppl/sampling/low_rank.py's, on the same windows.

Schedule, over a warmup of W iterations:

- at the initial point, D_i = 1 / |g_i| (clamped to [1e-20, 1e20]);
- two estimators run side by side, a foreground and a background; every draw
  that moved goes into both, and the metric is recomputed from the foreground
  after every iteration (the low-rank one as often as its cost allows: see
  `low_rank_interval`).  When the background holds a full window it becomes the
  foreground and a new, empty background starts: the metric always rests on
  the one to two latest windows, so the draws of the first, transient
  iterations are forgotten;
- windows hold 10 draws in the early phase (the first 30% of warmup), then
  start at 80 (or what the background holds by then, if more) and grow 1.5x
  each switch; a switch that would leave too short a window before the last
  phase is not made;
- the last 15% of warmup keeps the metric fixed and adapts the step size only.

Step size: dual averaging towards target_accept throughout, started with
Stan's heuristic and restarted (heuristic again) only when the metric first
changes; sampling uses the averaged iterate.  (nutpie also switches the
acceptance statistic it averages late in warmup and caps the step size at pi;
this keeps ppl's statistic and no cap.)

State: `schedule` (int64 slots below), `moments` [2, 4, dim] (foreground and
background; draw mean, draw sum of squares, gradient mean, gradient sum of
squares, Welford's), and for the low-rank metric the good draws and gradients
of the warmup as rows of `stored` [2, rows, dim], the foreground the rows
from its start to the last.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.sampling import low_rank

EARLY_FRACTION = 0.3
FINAL_FRACTION = 0.15
EARLY_WINDOW = 10
FIRST_WINDOW = 80
WINDOW_GROWTH = 1.5
MINIMUM_DRAWS = 3                  # fewer in the foreground: the metric is not recomputed
CLAMP_LOW, CLAMP_HIGH = 1e-20, 1e20
LOW_RANK_WORK_PER_ITERATION = 2e6  # floating-point operations of low-rank estimation allowed per iteration
LOW_RANK_GROWTH = 5                # and at most one estimate per count / LOW_RANK_GROWTH new draws

# slots of `schedule`
(EARLY_END, FINAL_START, WINDOW, FOREGROUND_COUNT, BACKGROUND_COUNT, FOREGROUND_ROW, BACKGROUND_ROW, ROWS,
 LAST_UPDATE, UPDATES) = range(10)
SCHEDULE_SLOTS = 10


@numba.njit(cache=True, error_model="numpy")
def workspace(dim, warmup, low_rank_metric):
    """(schedule, moments, stored) for a warmup of `warmup` iterations."""
    schedule = np.zeros(SCHEDULE_SLOTS, dtype=np.int64)
    schedule[EARLY_END] = int(EARLY_FRACTION * warmup)
    schedule[FINAL_START] = warmup - int(FINAL_FRACTION * warmup)
    schedule[WINDOW] = FIRST_WINDOW
    schedule[LAST_UPDATE] = -1
    stored = np.zeros((2, warmup + 1 if low_rank_metric else 0, dim))
    return schedule, np.zeros((2, 4, dim)), stored


@numba.njit(cache=True, error_model="numpy")
def _welford(part, row, i, value, count):
    """Welford's update of a mean (part[row]) and sum of squared deviations (part[row + 1])."""
    delta = value - part[row, i]
    part[row, i] += delta / count
    part[row + 1, i] += delta * (value - part[row, i])


@numba.njit(cache=True, error_model="numpy")
def _add(schedule, moments, stored, position, gradient):
    """The draw (and its gradient) into both estimators."""
    schedule[FOREGROUND_COUNT] += 1
    schedule[BACKGROUND_COUNT] += 1
    for estimator in range(2):
        count = schedule[FOREGROUND_COUNT] if estimator == 0 else schedule[BACKGROUND_COUNT]
        part = moments[estimator]
        for i in range(position.shape[0]):
            _welford(part, 0, i, position[i], count)
            _welford(part, 2, i, gradient[i], count)
    if stored.shape[1] > 0:
        stored[0, schedule[ROWS]] = position
        stored[1, schedule[ROWS]] = gradient
        schedule[ROWS] += 1


@numba.njit(cache=True, error_model="numpy")
def _switch(schedule, moments):
    """The background becomes the foreground; a new background starts empty."""
    moments[0] = moments[1]
    moments[1] = 0.0
    schedule[FOREGROUND_COUNT] = schedule[BACKGROUND_COUNT]
    schedule[BACKGROUND_COUNT] = 0
    schedule[FOREGROUND_ROW] = schedule[BACKGROUND_ROW]
    schedule[BACKGROUND_ROW] = schedule[ROWS]


@numba.njit(cache=True, error_model="numpy")
def init(schedule, moments, stored, position, gradient, metric, metric_given):
    """The first draw into the estimators; D_i = 1 / |g_i| at it, unless `metric_given`
    (metric="auto" goes on from the diagonal of Stan's windows, a better guess than the
    gradient at one point)."""
    _add(schedule, moments, stored, position, gradient)
    if metric_given:
        return
    for i in range(position.shape[0]):
        value = 1.0 / min(max(abs(gradient[i]), CLAMP_LOW), CLAMP_HIGH)
        metric.diagonal[i] = value if math.isfinite(value) else 1.0
    metric.low_rank_size[0] = 0


@numba.njit(cache=True, error_model="numpy")
def _diagonal(moments, metric):
    """D_i = sqrt(var(x_i) / var(g_i)) from the foreground (both sums share the count,
    so it cancels); a coordinate whose ratio is not a positive number keeps its value."""
    foreground = moments[0]
    for i in range(metric.diagonal.shape[0]):
        value = math.sqrt(foreground[1, i] / foreground[3, i])
        if math.isfinite(value) and value > 0.0:
            metric.diagonal[i] = min(max(value, CLAMP_LOW), CLAMP_HIGH)


@numba.njit(cache=True, error_model="numpy")
def low_rank_interval(count, dim):
    """Iterations between two low-rank estimates on a window of `count` draws: less
    often as its cost (O(dim count^2 + min(dim, 2 count)^3)) outgrows
    LOW_RANK_WORK_PER_ITERATION, and never before the window has grown by a fifth:
    on a small model one estimate costs as much as tens of gradients, and an
    estimate from 1.2 count draws is not much better than one from count."""
    return max(1, int(low_rank.work(count, dim) / LOW_RANK_WORK_PER_ITERATION), count // LOW_RANK_GROWTH)


@numba.njit(cache=True, error_model="numpy")
def update(schedule, moments, stored, iteration, position, gradient, moved, metric):
    """After warmup iteration `iteration` (from 0), which ended at (position, gradient),
    a draw that `moved` or not: feed the estimators, switch windows when due, recompute
    the metric.  Returns whether the metric changed."""
    if iteration >= schedule[FINAL_START]:
        return False
    early = iteration < schedule[EARLY_END]
    if iteration == schedule[EARLY_END]:
        schedule[WINDOW] = max(schedule[WINDOW], schedule[BACKGROUND_COUNT])
    window = EARLY_WINDOW if early else schedule[WINDOW]
    if moved:
        _add(schedule, moments, stored, position, gradient)
    next_window = EARLY_WINDOW if early else max(window + 1, int(math.floor(window * WINDOW_GROWTH + 0.5)))
    late = iteration + next_window > schedule[FINAL_START]
    switched = schedule[BACKGROUND_COUNT] >= window and not late
    if switched:
        _switch(schedule, moments)
        if not early:
            schedule[WINDOW] = next_window
    count = schedule[FOREGROUND_COUNT]
    if count < MINIMUM_DRAWS:
        return False
    if stored.shape[1] == 0:
        _diagonal(moments, metric)
    else:
        last_iteration = iteration + 1 == schedule[FINAL_START]
        due = iteration - schedule[LAST_UPDATE] >= low_rank_interval(count, position.shape[0])
        if not (switched or due or last_iteration):
            return False
        first, rows = schedule[FOREGROUND_ROW], schedule[ROWS]
        if not low_rank.estimate(stored[0, first:rows], stored[1, first:rows], metric):
            return False
    schedule[LAST_UPDATE] = iteration
    schedule[UPDATES] += 1
    return True
