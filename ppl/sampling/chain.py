"""One chain in native code: warmup (with adaptation) and sampling, each one call.

The chain's body is here; its two entry points are modules of their own, one per warmup
adaptation (ppl/sampling/stan_chain.py, ppl/sampling/fisher_chain.py), so that importing
one compiles (or loads) only that one: a first run compiles the default's alone.  Each
serves both phases of its runs (warmup, then sampling without adaptation).

Both entry points have one explicit signature whose first argument is the
model's `log_density_gradient` as a first-class function, so this module is
compiled once, cached on disk, and serves every model.  They release the
GIL, so chains run in parallel on threads (ppl/sampling/run.py).

Settings travel in one named tuple, `ChainSettings` (a Numba tuple type in the
signature, so passing it costs nothing and the chain stays one compiled
function); the draws, per-draw statistics and generated-quantity seeds are
written into arrays the caller allocated; `progress` ([iterations,
divergences, gradient evaluations, stop]) is written as the chain goes, for the
progress bar, which another thread reads: it stays an array.  Its last slot
is the other way round: the caller sets it (Ctrl-C) and the chain stops before
its next iteration, returning INTERRUPTED with what it saved so far.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np
from numba import types

from ppl.runtime.event_kernels import cholesky
from ppl.sampling import adaptation, fisher, hmc, nuts, rng
from ppl.sampling.hamiltonian import LOG_DENSITY_GRADIENT, METRIC, evaluate

# methods
NUTS, HMC = 0, 1
# step-size adaptation rules
DUAL_AVERAGING, SIMPLE = 0, 1


class ChainSettings(NamedTuple):
    """What one call of `run_chain` does: one phase (warmup or sampling) of one chain."""
    iterations: int
    adapt: bool                  # warmup: adapt what the flags below say
    method: int                  # NUTS or HMC
    max_treedepth: int
    num_leapfrog_steps: int      # HMC's fixed trajectory length
    dense_metric: bool
    thin: int                    # save every thin-th iteration
    save: bool
    init_given: bool             # else warmup first draws a random initial point
    init_tries: int
    init_radius: float           # random initial points are uniform(-radius, radius)
    adapt_step_size: bool
    step_size_rule: int          # DUAL_AVERAGING or SIMPLE
    step_size_heuristic: bool    # Stan's doubling/halving search before (re)starting dual averaging
    adapt_metric: bool           # Stan's windowed metric adaptation
    target_accept: float
    adaptation_rate: float       # SIMPLE's rate
    max_delta_h: float           # the energy error that counts as a divergence
    escalate_depth_share: float  # metric="auto": Stan's windows return ESCALATE after a slow window with
                                 # this share of its transitions at max_treedepth; <= 0: never
    metric_given: bool           # nutpie's warmup starts from the metric given, not from 1 / |gradient|


CHAIN_SETTINGS = types.NamedTuple(
    [types.int64, types.boolean, types.int64, types.int64, types.int64, types.boolean, types.int64, types.boolean,
     types.boolean, types.int64, types.float64, types.boolean, types.int64, types.boolean, types.boolean,
     types.float64, types.float64, types.float64, types.float64, types.boolean], ChainSettings)
# columns of the per-draw statistics
STAT_NAMES = ("accept_stat", "step_size", "tree_depth", "n_leapfrog", "diverging", "energy", "lp")
ACCEPTED = len(STAT_NAMES)            # one more column: whether the draw moved (HMC's is_accepted)
STAT_COLUMNS = ACCEPTED + 1
# statuses; ESCALATE: metric="auto"'s warmup stopped after a saturated slow window, for the caller
# to go on with nutpie's (ppl/sampling/run.py)
OK, INIT_FAILED, INIT_NOT_FINITE, INTERRUPTED, ESCALATE = 0, 1, 2, 3, 4
# progress slots
ITERATIONS, DIVERGENCES, GRADIENTS, STOP = 0, 1, 2, 3
PROGRESS_SLOTS = 4

CHAIN_SIGNATURE = types.int64(
    LOG_DENSITY_GRADIENT, types.float64[::1], types.int64[::1],     # model, real data, int data
    types.uint64[::1],                                               # generator state
    types.float64[::1], CHAIN_SETTINGS,                             # position (in/out), settings
    METRIC, types.float64[::1],                                      # inverse metric (in/out), step size (in/out)
    types.int64[::1],                                                # slow windows: [start, end] pairs
    types.float64[:, ::1], types.float64[:, ::1], types.int64[::1],  # draws, statistics, generation seeds
    types.int64[::1])                                                # progress (PROGRESS_SLOTS)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def chain_body(log_density_gradient, real_data, int_data, state, position, settings, metric, step_size_io,
               window_bounds, draws, statistics, seeds, progress, gradient_warmup):
    """run_chain's work, with nutpie's metric adaptation when `gradient_warmup` is
    ppl/sampling/fisher.py's workspace: None prunes that code away when Numba compiles
    this for run_chain, so only the entry point that passes one compiles it.

    With `settings.escalate_depth_share` > 0 (metric="auto") Stan's windowed warmup
    stops, returning ESCALATE, after a slow window (every one, the first included) with at
    least that share of its transitions at max_treedepth: a diagonal that cannot express
    the posterior's correlations is what makes trees that deep, and the caller goes on
    with nutpie's low rank.  A chain whose windows never saturate runs on as without it,
    to the same draws."""
    dim = position.shape[0]
    iterations = settings.iterations
    adapt = settings.adapt
    method = settings.method
    dense = settings.dense_metric
    thin = max(settings.thin, 1)
    target_accept = settings.target_accept
    max_delta_h = settings.max_delta_h
    max_treedepth = settings.max_treedepth

    gradient = np.zeros(dim)
    if adapt and not settings.init_given:
        tries = adaptation.random_initial_point(log_density_gradient, real_data, int_data, state,
                                                settings.init_radius, position, gradient, settings.init_tries)
        if tries > settings.init_tries:
            return INIT_FAILED
    log_density = evaluate(log_density_gradient, position, gradient, real_data, int_data)
    if log_density == -math.inf:
        return INIT_NOT_FINITE

    trajectory, stack, levels = nuts.workspace(dim, max_treedepth if method == NUTS else 0)
    if dense:
        metric.dense_factor[:, :] = cholesky(metric.dense)
    step_size = step_size_io[0]
    averaging = adaptation.DualAveragingState(0.0, 0.0, 0.0, 0.0, 0.0)
    adapt_step = adapt and settings.adapt_step_size
    dual_averaging = settings.step_size_rule == DUAL_AVERAGING
    heuristic = settings.step_size_heuristic
    gradient_based = False
    if gradient_warmup is not None:
        gradient_based = adapt and settings.adapt_metric and iterations > 0   # no warmup: the metric as given
        if gradient_based:
            fisher.init(gradient_warmup[0], gradient_warmup[1], gradient_warmup[2], position, gradient, metric,
                        settings.metric_given)
    metric_changed = False   # since the start: the step size is searched for again at the first change
    if adapt_step:
        if heuristic:
            step_size = adaptation.initial_step_size(log_density_gradient, real_data, int_data, state, position,
                                                     gradient, log_density, step_size, metric, trajectory)
        averaging = adaptation.dual_averaging_init(step_size)
    windows = window_bounds.shape[0] // 2 if adapt and settings.adapt_metric and not gradient_based else 0
    window_index = 0
    count = np.int64(0)   # not the literal 0: Numba would compile welford_add for it too
    mean = np.zeros(dim)
    second_moment = np.zeros((dim, dim)) if dense else np.zeros((dim, 1))
    saturated = 0   # transitions of the current slow window that reached max_treedepth

    saved = 0
    for iteration in range(iterations):
        if progress[STOP] != 0:   # the caller asked the chain to stop (Ctrl-C): keep what is saved
            step_size_io[0] = step_size
            return INTERRUPTED
        if method == NUTS:
            log_density, info = nuts.transition(log_density_gradient, real_data, int_data, state, position,
                                                gradient, log_density, step_size, metric, max_treedepth,
                                                max_delta_h, trajectory, stack, levels)
        else:
            log_density, info = hmc.transition(log_density_gradient, real_data, int_data, state, position,
                                               gradient, log_density, step_size, settings.num_leapfrog_steps,
                                               metric, max_delta_h, trajectory)
        used_step_size = step_size
        if adapt_step:
            if dual_averaging:
                averaging, step_size = adaptation.dual_averaging_update(info.accept_stat, target_accept, averaging)
            else:
                step_size = adaptation.simple_step_size_update(step_size, info.accept_stat, target_accept,
                                                               settings.adaptation_rate)
        escalate = False
        if window_index < windows:
            if iteration >= window_bounds[2 * window_index]:
                count = adaptation.welford_add(position, count, mean, second_moment, dense)
                if info.tree_depth >= max_treedepth:
                    saturated += 1
            if iteration == window_bounds[2 * window_index + 1]:
                adaptation.regularised_metric(count, second_moment, dense, metric)
                if settings.escalate_depth_share > 0.0:
                    length = window_bounds[2 * window_index + 1] - window_bounds[2 * window_index] + 1
                    escalate = saturated >= settings.escalate_depth_share * length
                saturated = 0
                count = np.int64(0)
                mean[:] = 0.0
                second_moment[:, :] = 0.0
                window_index += 1
                if adapt_step and heuristic:
                    step_size = adaptation.initial_step_size(log_density_gradient, real_data, int_data, state,
                                                             position, gradient, log_density, step_size, metric,
                                                             trajectory)
                if adapt_step:
                    averaging = adaptation.dual_averaging_init(step_size)
        if gradient_warmup is not None:
            if gradient_based and fisher.update(gradient_warmup[0], gradient_warmup[1], gradient_warmup[2],
                                                iteration, position, gradient, info.accepted, metric) \
                    and not metric_changed:
                metric_changed = True
                if adapt_step and heuristic:
                    step_size = adaptation.initial_step_size(log_density_gradient, real_data, int_data, state,
                                                             position, gradient, log_density, step_size, metric,
                                                             trajectory)
                if adapt_step:
                    averaging = adaptation.dual_averaging_init(step_size)
        # drawn every iteration, saved or not, so that saving the warmup (or thinning) never
        # changes the stream, and so never the draws that follow
        generation_seed = rng.seed_for_numpy(state)
        if settings.save and iteration % thin == 0:
            draws[saved, :] = position
            statistics[saved, 0] = info.accept_stat
            statistics[saved, 1] = used_step_size
            statistics[saved, 2] = info.tree_depth
            statistics[saved, 3] = info.num_leapfrog_steps
            statistics[saved, 4] = 1.0 if info.diverging else 0.0
            statistics[saved, 5] = info.energy
            statistics[saved, 6] = log_density
            statistics[saved, ACCEPTED] = 1.0 if info.accepted else 0.0
            seeds[saved] = generation_seed
            saved += 1
        progress[ITERATIONS] += 1
        progress[GRADIENTS] += info.num_leapfrog_steps
        if info.diverging:
            progress[DIVERGENCES] += 1
        if escalate:
            step_size_io[0] = step_size
            return ESCALATE
    if adapt_step and dual_averaging and iterations > 0:
        step_size = adaptation.dual_averaging_final(averaging)
    step_size_io[0] = step_size
    return OK
