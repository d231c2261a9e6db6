"""ADVI's native part: the stochastic optimisation of the ELBO and the draws from the
result, compiled once for every model (ppl/inference/advi.py drives it).

Automatic differentiation variational inference (Kucukelbir, Tran, Ranganath, Gelman &
Blei 2017, "Automatic differentiation variational inference", JMLR 18) fits a normal
q(u) on the unconstrained scale by maximising

    ELBO(q) = E_q[log p(u)] + H[q]

(log p with the Jacobian of the transforms, H the entropy), with the
reparameterisation u = mean + S z, z ~ Normal(0, I), so that the gradient of the
ELBO is an expectation of the model's gradient, estimated from `grad_samples` draws:

- meanfield: S = diag(exp(log_sd)); d/dmean = E[grad], d/dlog_sd = E[grad * z] *
  exp(log_sd) + 1;
- fullrank: S = L lower triangular; d/dmean = E[grad], d/dL = lower(E[grad z']) +
  diag(1 / L_ii).

The steps follow Stan's `stochastic_gradient_ascent` (stan/variational/advi.hpp):
an adaptive step size eta / sqrt(t) / (1 + sqrt(s_t)) per coordinate, s_t a moving
average of squared gradients (weight 0.1 on the new one); eta chosen, when not given,
by Stan's search over 100, 10, 1, 0.1, 0.01 (`ETA_SEQUENCE`), 50 iterations each
(`ADAPT_ITERATIONS`), keeping the last eta before the ELBO got worse; every
`eval_elbo` iterations the ELBO is estimated from `elbo_samples` draws and its
relative change |(ELBO_prev - ELBO) / ELBO| joins a window of the last
max(0.1 iter / eval_elbo, 2) changes, whose mean or median (the upper one, as Stan's)
under `tol_rel_obj` stops the run.

Like the samplers (ppl/sampling/chain.py), both entry points have one explicit
signature whose first argument is the model's `log_density_gradient` as a
first-class function, so this module is compiled once, cached on disk and serves
every model; random numbers come from ppl.sampling.rng's per-run stream, so a seed
gives the same result on every machine.  Non-finite log densities never raise: a
gradient draw where the density or its gradient is not finite is left out of the
average (`DROPPED_GRADIENTS` counts them; a step with none left is skipped), an ELBO
draw likewise (the ELBO is -inf when all are).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np
from numba import types

from ppl.sampling import rng
from ppl.sampling.adaptation import random_initial_point
from ppl.sampling.hamiltonian import LOG_DENSITY_GRADIENT, evaluate

ETA_SEQUENCE = (100.0, 10.0, 1.0, 0.1, 0.01)
ADAPT_ITERATIONS = 50
HISTORY_WEIGHT = 0.1     # of a new squared gradient in the moving average (Stan's post_factor)
STEP_OFFSET = 1.0        # tau in eta / sqrt(t) / (tau + sqrt(s_t))
HALF_LOG_TWO_PI_E = 0.5 * (1.0 + math.log(2.0 * math.pi))   # a standard normal's entropy per coordinate

# statuses
OK, INIT_FAILED, ETA_FAILED = 0, 1, 2
# slots of `report`
ITERATIONS, CONVERGED, EVALUATIONS, DROPPED_GRADIENTS, INIT_TRIES_USED = 0, 1, 2, 3, 4
REPORT_SLOTS = 5
# how the run stopped (report[CONVERGED])
NOT_CONVERGED, MEAN_CONVERGED, MEDIAN_CONVERGED = 0, 1, 2
# columns of `history`, one row per ELBO evaluation
HISTORY_COLUMNS = ("iteration", "elbo", "relative_change_mean", "relative_change_median")


class AdviSettings(NamedTuple):
    max_iterations: int
    grad_samples: int
    elbo_samples: int
    eval_elbo: int
    tol_rel_obj: float
    eta: float               # > 0: used as given; otherwise searched for (ETA_SEQUENCE)
    init_given: bool         # else a random initial point, uniform(-init_radius, init_radius)
    init_tries: int
    init_radius: float


ADVI_SETTINGS = types.NamedTuple([types.int64, types.int64, types.int64, types.int64, types.float64, types.float64,
                                  types.boolean, types.int64, types.float64], AdviSettings)


class Approximation(NamedTuple):
    """A normal on the unconstrained scale: Normal(mean, S S').  Meanfield when `factor` is
    empty ([0, 0]): S = diag(exp(log_sd)); fullrank otherwise: S = `factor`, lower
    triangular, and `log_sd` is unused (empty)."""
    mean: np.ndarray        # [dim]
    log_sd: np.ndarray      # [dim], or [0]
    factor: np.ndarray      # [dim, dim], or [0, 0]


APPROXIMATION = types.NamedTuple([types.float64[::1], types.float64[::1], types.float64[:, ::1]], Approximation)

FIT_SIGNATURE = types.int64(
    LOG_DENSITY_GRADIENT, types.float64[::1], types.int64[::1],   # model, real data, int data
    types.uint64[::1], ADVI_SETTINGS,                               # generator state, settings
    APPROXIMATION,                                                  # in: the start (mean); out: the fit
    types.float64[::1],                                             # eta: [the one used]
    types.float64[:, ::1],                                          # history [rows, HISTORY_COLUMNS]
    types.int64[::1])                                               # report [REPORT_SLOTS]

DRAW_SIGNATURE = types.void(
    LOG_DENSITY_GRADIENT, types.float64[::1], types.int64[::1], types.uint64[::1], APPROXIMATION,
    types.float64[:, ::1], types.float64[::1], types.float64[::1], types.int64[::1])   # draws, lp, log_q, seeds


@numba.njit(cache=True, error_model="numpy")
def _is_fullrank(approximation):
    return approximation.factor.shape[0] > 0


@numba.njit(cache=True, error_model="numpy")
def _draw(state, approximation, z, out):
    """z ~ Normal(0, I) and out = mean + S z."""
    dim = z.shape[0]
    for i in range(dim):
        z[i] = rng.standard_normal(state)
    if _is_fullrank(approximation):
        factor = approximation.factor
        for i in range(dim):
            total = approximation.mean[i]
            for j in range(i + 1):
                total += factor[i, j] * z[j]
            out[i] = total
    else:
        for i in range(dim):
            out[i] = approximation.mean[i] + math.exp(approximation.log_sd[i]) * z[i]


@numba.njit(cache=True, error_model="numpy")
def entropy(approximation):
    """H[q] = dim (1 + log 2 pi) / 2 + log |det S|."""
    dim = approximation.mean.shape[0]
    total = dim * HALF_LOG_TWO_PI_E
    if _is_fullrank(approximation):
        for i in range(dim):
            total += math.log(abs(approximation.factor[i, i]))
    else:
        for i in range(dim):
            total += approximation.log_sd[i]
    return total


@numba.njit(cache=True, error_model="numpy")
def elbo(log_density_gradient, real_data, int_data, state, approximation, samples, z, position, gradient):
    """The ELBO estimated from `samples` draws of q (those with a finite density)."""
    total = 0.0
    kept = 0
    for _ in range(samples):
        _draw(state, approximation, z, position)
        value = evaluate(log_density_gradient, position, gradient, real_data, int_data)
        if value > -math.inf:
            total += value
            kept += 1
    if kept == 0:
        return -math.inf
    return total / kept + entropy(approximation)


@numba.njit(cache=True, error_model="numpy")
def elbo_gradient(log_density_gradient, real_data, int_data, state, approximation, samples, z, position, gradient,
                  mean_gradient, scale_gradient):
    """The reparameterisation gradient of the ELBO with respect to the mean (into
    mean_gradient) and to log_sd or the factor (into scale_gradient: [1, dim] or
    [dim, dim]); returns the number of draws left out for a non-finite density."""
    dim = z.shape[0]
    fullrank = _is_fullrank(approximation)
    mean_gradient[:] = 0.0
    scale_gradient[:, :] = 0.0
    kept = 0
    for _ in range(samples):
        _draw(state, approximation, z, position)
        if evaluate(log_density_gradient, position, gradient, real_data, int_data) == -math.inf:
            continue
        kept += 1
        for i in range(dim):
            mean_gradient[i] += gradient[i]
        if fullrank:
            for i in range(dim):
                for j in range(i + 1):
                    scale_gradient[i, j] += gradient[i] * z[j]
        else:
            for i in range(dim):
                scale_gradient[0, i] += gradient[i] * z[i]
    if kept == 0:
        return samples
    for i in range(dim):
        mean_gradient[i] /= kept
    if fullrank:
        for i in range(dim):
            for j in range(i + 1):
                scale_gradient[i, j] /= kept
            scale_gradient[i, i] += 1.0 / approximation.factor[i, i]
    else:
        for i in range(dim):
            scale_gradient[0, i] = scale_gradient[0, i] / kept * math.exp(approximation.log_sd[i]) + 1.0
    return samples - kept


@numba.njit(cache=True, error_model="numpy")
def _step(approximation, mean_gradient, scale_gradient, mean_history, scale_history, eta, iteration):
    """One step of Stan's adaptive stochastic gradient ascent (iteration counts from 1; the
    histories start from the first squared gradient)."""
    weight = 1.0 if iteration == 1 else HISTORY_WEIGHT
    scaled_eta = eta / math.sqrt(iteration)
    for i in range(mean_gradient.shape[0]):
        mean_history[i] = (1.0 - weight) * mean_history[i] + weight * mean_gradient[i] ** 2
        approximation.mean[i] += scaled_eta * mean_gradient[i] / (STEP_OFFSET + math.sqrt(mean_history[i]))
    fullrank = _is_fullrank(approximation)
    rows, columns = scale_gradient.shape
    for i in range(rows):
        for j in range(columns if not fullrank else i + 1):
            scale_history[i, j] = (1.0 - weight) * scale_history[i, j] + weight * scale_gradient[i, j] ** 2
            step = scaled_eta * scale_gradient[i, j] / (STEP_OFFSET + math.sqrt(scale_history[i, j]))
            if fullrank:
                approximation.factor[i, j] += step
            else:
                approximation.log_sd[j] += step


@numba.njit(cache=True, error_model="numpy")
def _reset(approximation, start):
    """q back to Normal(start, I)."""
    approximation.mean[:] = start
    approximation.log_sd[:] = 0.0
    approximation.factor[:, :] = 0.0
    for i in range(approximation.factor.shape[0]):
        approximation.factor[i, i] = 1.0


@numba.njit(cache=True, error_model="numpy")
def _median(values):
    """The upper median (Stan's circ_buff_median: the element at size / 2 once sorted)."""
    ordered = np.sort(values)
    return ordered[ordered.shape[0] // 2]


@numba.njit(FIT_SIGNATURE, cache=True, nogil=True, error_model="numpy")
def fit_approximation(log_density_gradient, real_data, int_data, state, settings, approximation, eta_io, history,
                      report):
    """Fit q from Normal(start, I), the start approximation.mean when `init_given`, else a
    random point (INIT_FAILED when neither has a finite density and gradient): eta's
    search when `settings.eta` is not positive, then the optimisation until the ELBO's
    relative change converges or `max_iterations`.  Writes the fit into `approximation`,
    eta into eta_io[0], one row per ELBO evaluation into `history` (sized by the caller:
    max_iterations // eval_elbo rows) and the counts into `report`; returns a status."""
    dim = approximation.mean.shape[0]
    z = np.zeros(dim)
    position = np.zeros(dim)
    gradient = np.zeros(dim)
    mean_gradient = np.zeros(dim)
    scale_gradient = np.zeros(approximation.factor.shape if _is_fullrank(approximation) else (1, dim))
    mean_history = np.zeros(dim)
    scale_history = np.zeros_like(scale_gradient)
    report[:] = 0
    if not settings.init_given:
        tries = random_initial_point(log_density_gradient, real_data, int_data, state, settings.init_radius,
                                     position, gradient, settings.init_tries)
        report[INIT_TRIES_USED] = tries
        approximation.mean[:] = position   # the last point tried, for the error's report when all failed
        if tries > settings.init_tries:
            return INIT_FAILED
    elif evaluate(log_density_gradient, approximation.mean, gradient, real_data, int_data) == -math.inf:
        return INIT_FAILED
    start = approximation.mean.copy()
    _reset(approximation, start)

    eta = settings.eta
    if eta <= 0.0:   # Stan's adapt_eta
        initial_elbo = elbo(log_density_gradient, real_data, int_data, state, approximation, settings.elbo_samples,
                            z, position, gradient)
        best_elbo = -np.inf
        best_eta = ETA_SEQUENCE[0]
        found = False
        for index in range(len(ETA_SEQUENCE)):
            candidate = ETA_SEQUENCE[index]
            mean_history[:] = 0.0
            scale_history[:, :] = 0.0
            for iteration in range(1, ADAPT_ITERATIONS + 1):
                elbo_gradient(log_density_gradient, real_data, int_data, state, approximation,
                              settings.grad_samples, z, position, gradient, mean_gradient, scale_gradient)
                _step(approximation, mean_gradient, scale_gradient, mean_history, scale_history, candidate,
                      iteration)
            value = elbo(log_density_gradient, real_data, int_data, state, approximation, settings.elbo_samples,
                         z, position, gradient)
            if not math.isfinite(value):
                value = -np.inf
            _reset(approximation, start)
            if value < best_elbo and best_elbo > initial_elbo:
                found = True      # this eta made it worse: keep the previous one
                break
            if index < len(ETA_SEQUENCE) - 1:
                best_elbo, best_eta = value, candidate
            elif value > initial_elbo:
                best_eta, found = candidate, True
        if not found:
            return ETA_FAILED
        eta = best_eta
    eta_io[0] = eta

    mean_history[:] = 0.0
    scale_history[:, :] = 0.0
    window = max(int(0.1 * settings.max_iterations / settings.eval_elbo), 2)
    changes = np.zeros(window)
    filled = 0
    current = 0.0
    rows = 0
    for iteration in range(1, settings.max_iterations + 1):
        dropped = elbo_gradient(log_density_gradient, real_data, int_data, state, approximation,
                                settings.grad_samples, z, position, gradient, mean_gradient, scale_gradient)
        report[DROPPED_GRADIENTS] += dropped
        if dropped < settings.grad_samples:
            _step(approximation, mean_gradient, scale_gradient, mean_history, scale_history, eta, iteration)
        report[ITERATIONS] = iteration
        if iteration % settings.eval_elbo != 0:
            continue
        previous = current
        current = elbo(log_density_gradient, real_data, int_data, state, approximation, settings.elbo_samples,
                       z, position, gradient)
        change = abs((previous - current) / current)
        changes[filled % window] = change if math.isfinite(change) else np.inf
        filled += 1
        held = changes[:min(filled, window)]
        change_mean = np.mean(held)
        change_median = _median(held)
        if rows < history.shape[0]:
            history[rows, 0] = iteration
            history[rows, 1] = current
            history[rows, 2] = change_mean
            history[rows, 3] = change_median
            rows += 1
        report[EVALUATIONS] = rows
        if change_mean < settings.tol_rel_obj:
            report[CONVERGED] = MEAN_CONVERGED
        if change_median < settings.tol_rel_obj:
            report[CONVERGED] = MEDIAN_CONVERGED
        if report[CONVERGED] != NOT_CONVERGED:
            break
    return OK


@numba.njit(DRAW_SIGNATURE, cache=True, nogil=True, error_model="numpy")
def draw_approximation(log_density_gradient, real_data, int_data, state, approximation, draws, lp, log_q, seeds):
    """Draws of q (one row each), with the model's log density at each (-inf where not
    finite), log q there, and a seed for each draw's generated quantities."""
    dim = approximation.mean.shape[0]
    z = np.zeros(dim)
    gradient = np.zeros(dim)
    normaliser = -entropy(approximation) + 0.5 * dim   # log q = -z'z / 2 - log |det S| - dim log(2 pi) / 2
    for draw in range(draws.shape[0]):
        _draw(state, approximation, z, draws[draw])
        lp[draw] = evaluate(log_density_gradient, draws[draw], gradient, real_data, int_data)
        squares = 0.0
        for i in range(dim):
            squares += z[i] * z[i]
        log_q[draw] = normaliser - 0.5 * squares
        seeds[draw] = rng.seed_for_numpy(state)
