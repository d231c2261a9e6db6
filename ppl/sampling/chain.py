"""One chain in native code: warmup (with adaptation) and sampling, each one call.

Both entry points have one explicit signature whose first argument is the
model's `log_density_gradient` as a first-class function, so this module is
compiled once, cached on disk, and serves every model.  They release the
GIL, so chains run in parallel on threads (ppl/sampling/run.py).

Settings travel in two small arrays (indices below) rather than a dozen
arguments; the draws, per-draw statistics and generated-quantity seeds are
written into arrays the caller allocated; `progress` ([iterations,
divergences, gradient evaluations]) is written as the chain goes, for the progress bar.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types

from ppl.runtime.event_kernels import cholesky
from ppl.sampling import adaptation, hmc, nuts, rng
from ppl.sampling.hamiltonian import LOG_DENSITY_GRADIENT, evaluate

# int settings
ITERATIONS, ADAPT, METHOD, MAX_TREEDEPTH, NUM_LEAPFROG_STEPS, DENSE, THIN, SAVE, INIT_GIVEN, ADAPT_STEP_SIZE = range(10)
INIT_TRIES, ADAPT_METRIC, STEP_SIZE_RULE, STEP_SIZE_HEURISTIC = 10, 11, 12, 13
INT_SETTINGS = 14
# step-size adaptation rules
DUAL_AVERAGING, SIMPLE = 0, 1
# float settings
STEP_SIZE, TARGET_ACCEPT, MAX_DELTA_H, INIT_RADIUS, ADAPTATION_RATE = range(5)
FLOAT_SETTINGS = 5
# methods
NUTS, HMC = 0, 1
# columns of the per-draw statistics
STAT_NAMES = ("accept_stat", "step_size", "tree_depth", "n_leapfrog", "diverging", "energy", "lp")
ACCEPTED = len(STAT_NAMES)            # one more column: whether the draw moved (HMC's is_accepted)
STAT_COLUMNS = ACCEPTED + 1
# statuses
OK, INIT_FAILED, INIT_NOT_FINITE = 0, 1, 2

CHAIN_SIGNATURE = types.int64(
    LOG_DENSITY_GRADIENT, types.float64[::1], types.int64[::1],     # model, real data, int data
    types.uint64[::1],                                               # generator state
    types.float64[::1], types.int64[::1], types.float64[::1],       # position (in/out), int and float settings
    types.float64[::1], types.float64[:, ::1], types.float64[::1],  # inverse metric (diagonal, dense), step size
    types.int64[::1],                                                # slow windows: [start, end] pairs
    types.float64[:, ::1], types.float64[:, ::1], types.int64[::1],  # draws, statistics, generation seeds
    types.int64[::1])                                                # progress


@numba.njit(cache=True, error_model="numpy")
def _metric_factor(inverse_metric_dense):
    if inverse_metric_dense.shape[0] == 0:
        return np.zeros((0, 0))
    return cholesky(inverse_metric_dense)


@numba.njit(CHAIN_SIGNATURE, cache=True, nogil=True, error_model="numpy")
def run_chain(log_density_gradient, real_data, int_data, state, position, int_settings, float_settings,
              inverse_metric_diagonal, inverse_metric_dense, step_size_io, window_bounds,
              draws, statistics, seeds, progress):
    """`int_settings[ITERATIONS]` transitions from `position` (initialised first when
    int_settings[INIT_GIVEN] is 0 and this is warmup).  With ADAPT set, the step size
    (and the metric, at the window ends) adapt; the final step size and metric are
    written back.  Every THIN-th iteration is saved when SAVE is set.  Returns a status."""
    dim = position.shape[0]
    iterations = int_settings[ITERATIONS]
    adapt = int_settings[ADAPT] == 1
    method = int_settings[METHOD]
    dense = int_settings[DENSE] == 1
    thin = max(int_settings[THIN], 1)
    target_accept = float_settings[TARGET_ACCEPT]
    max_delta_h = float_settings[MAX_DELTA_H]
    max_treedepth = int_settings[MAX_TREEDEPTH]

    gradient = np.zeros(dim)
    if adapt and int_settings[INIT_GIVEN] == 0:
        tries = adaptation.random_initial_point(log_density_gradient, real_data, int_data, state,
                                                float_settings[INIT_RADIUS], position, gradient,
                                                int_settings[INIT_TRIES])
        if tries > int_settings[INIT_TRIES]:
            return INIT_FAILED
    log_density = evaluate(log_density_gradient, position, gradient, real_data, int_data)
    if log_density == -math.inf:
        return INIT_NOT_FINITE

    trajectory, stack, levels = nuts.workspace(dim, max_treedepth if method == NUTS else 0)
    metric_factor = _metric_factor(inverse_metric_dense)
    step_size = step_size_io[0]
    averaging = np.zeros(5)
    adapt_step = adapt and int_settings[ADAPT_STEP_SIZE] == 1
    dual_averaging = int_settings[STEP_SIZE_RULE] == DUAL_AVERAGING
    heuristic = int_settings[STEP_SIZE_HEURISTIC] == 1
    if adapt_step:
        if heuristic:
            step_size = adaptation.initial_step_size(log_density_gradient, real_data, int_data, state, position,
                                                     gradient, log_density, step_size, inverse_metric_diagonal,
                                                     inverse_metric_dense, metric_factor, trajectory)
        adaptation.dual_averaging_init(step_size, averaging)
    windows = window_bounds.shape[0] // 2 if adapt and int_settings[ADAPT_METRIC] == 1 else 0
    window_index = 0
    count = 0
    mean = np.zeros(dim)
    second_moment = np.zeros((dim, dim)) if dense else np.zeros((dim, 1))

    info = np.zeros(6)
    saved = 0
    for iteration in range(iterations):
        if method == NUTS:
            log_density = nuts.transition(log_density_gradient, real_data, int_data, state, position, gradient,
                                          log_density, step_size, inverse_metric_diagonal, inverse_metric_dense,
                                          metric_factor, max_treedepth, max_delta_h, trajectory, stack, levels,
                                          info)
        else:
            log_density = hmc.transition(log_density_gradient, real_data, int_data, state, position, gradient,
                                         log_density, step_size, int_settings[NUM_LEAPFROG_STEPS],
                                         inverse_metric_diagonal, inverse_metric_dense, metric_factor, max_delta_h,
                                         trajectory, info)
        used_step_size = step_size
        if adapt_step:
            if dual_averaging:
                step_size = adaptation.dual_averaging_update(info[0], target_accept, averaging)
            else:
                step_size = adaptation.simple_step_size_update(step_size, info[0], target_accept,
                                                               float_settings[ADAPTATION_RATE])
        if window_index < windows:
            if iteration >= window_bounds[2 * window_index]:
                count = adaptation.welford_add(position, count, mean, second_moment, dense)
            if iteration == window_bounds[2 * window_index + 1]:
                adaptation.regularised_metric(count, second_moment, dense, inverse_metric_diagonal,
                                              inverse_metric_dense)
                metric_factor = _metric_factor(inverse_metric_dense)
                count = 0
                mean[:] = 0.0
                second_moment[:, :] = 0.0
                window_index += 1
                if adapt_step and heuristic:
                    step_size = adaptation.initial_step_size(log_density_gradient, real_data, int_data, state,
                                                             position, gradient, log_density, step_size,
                                                             inverse_metric_diagonal, inverse_metric_dense,
                                                             metric_factor, trajectory)
                if adapt_step:
                    adaptation.dual_averaging_init(step_size, averaging)
        if int_settings[SAVE] == 1 and iteration % thin == 0:
            draws[saved, :] = position
            statistics[saved, 0] = info[0]
            statistics[saved, 1] = used_step_size
            statistics[saved, 2] = info[1]
            statistics[saved, 3] = info[2]
            statistics[saved, 4] = info[3]
            statistics[saved, 5] = info[4]
            statistics[saved, 6] = log_density
            statistics[saved, ACCEPTED] = info[5]
            seeds[saved] = rng.seed_for_numpy(state)
            saved += 1
        progress[0] += 1
        progress[2] += np.int64(info[2])
        if info[3] > 0.0:
            progress[1] += 1
    if adapt_step and dual_averaging and iterations > 0:
        step_size = adaptation.dual_averaging_final(averaging)
    step_size_io[0] = step_size
    return OK
