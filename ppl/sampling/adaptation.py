"""Warmup: what Stan adapts, as (init, update, final) steps over small states.

Step size: dual averaging (Nesterov 2009; Hoffman and Gelman 2014, section
3.2), pushing the mean acceptance statistic to `target_accept`, with Stan's
constants gamma = 0.05, t0 = 10, kappa = 0.75 and mu = log(10 epsilon).
Its state is a `DualAveragingState`; each step returns a new one.

Metric: Stan's windowed adaptation.  An initial fast window (75 iterations:
step size only), slow windows that double from 25 (the variances of the
draws in each window become the next inverse metric, regularised towards
1e-3 as (n / (n + 5)) var + 1e-3 (5 / (n + 5))), and a final fast window (50).
When warmup is shorter than 150 the windows shrink to 15% / 75% / 10%, as in
Stan.  After each slow window the step size is re-initialised and its dual
averaging restarted.

The tour's simple step-size adaptation (TFP's SimpleStepSizeAdaptation),
for static HMC: multiply the step size by (1 + rate) when the acceptance
probability is above the target, by (1 - rate) when below.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from ppl.runtime.event_kernels import cholesky
from ppl.sampling import rng
from ppl.sampling.hamiltonian import evaluate, kinetic_energy, leapfrog_energy, sample_momentum, velocity

DUAL_AVERAGING_GAMMA = 0.05
DUAL_AVERAGING_T0 = 10.0
DUAL_AVERAGING_KAPPA = 0.75


class DualAveragingState(NamedTuple):
    """Nesterov's dual averaging of the log step size (Hoffman and Gelman's notation)."""
    iteration: float              # m, the number of updates so far
    mean_error: float             # H-bar: the running mean of target_accept - accept_stat
    log_step_size_average: float  # x-bar: the weighted average of the iterates, the final answer
    shrinkage_point: float        # mu = log(10 epsilon_0), what the iterates are pulled towards
    log_step_size: float          # x: the latest iterate


@numba.njit(cache=True, error_model="numpy")
def dual_averaging_init(step_size):
    return DualAveragingState(0.0, 0.0, 0.0, math.log(10.0 * step_size), math.log(step_size))


@numba.njit(cache=True, error_model="numpy")
def dual_averaging_update(accept_stat, target_accept, averaging):
    """One update; returns (the new state, the next step size)."""
    counter = averaging.iteration + 1.0
    accept_stat = min(1.0, accept_stat)
    eta = 1.0 / (counter + DUAL_AVERAGING_T0)
    mean_error = (1.0 - eta) * averaging.mean_error + eta * (target_accept - accept_stat)
    log_step = averaging.shrinkage_point - mean_error * math.sqrt(counter) / DUAL_AVERAGING_GAMMA
    weight = counter ** -DUAL_AVERAGING_KAPPA
    log_step_average = (1.0 - weight) * averaging.log_step_size_average + weight * log_step
    return (DualAveragingState(counter, mean_error, log_step_average, averaging.shrinkage_point, log_step),
            math.exp(log_step))


@numba.njit(cache=True, error_model="numpy")
def dual_averaging_final(averaging):
    """The step size for sampling: exp of the averaged iterate."""
    return math.exp(averaging.log_step_size_average)


@numba.njit(cache=True, error_model="numpy")
def simple_step_size_update(step_size, accept_stat, target_accept, adaptation_rate):
    if accept_stat > target_accept:
        return step_size * (1.0 + adaptation_rate)
    return step_size * (1.0 - adaptation_rate)


def window_schedule(num_warmup: int, init_buffer: int = 75, term_buffer: int = 50,
                    base_window: int = 25) -> np.ndarray:
    """Stan's slow windows for a warmup of num_warmup iterations, as a flat array of
    [first, last] iteration pairs (inclusive): the draws of a window estimate the
    inverse metric used from the next iteration on."""
    if num_warmup < 20:
        return np.zeros(0, dtype=np.int64)
    if init_buffer + base_window + term_buffer > num_warmup:
        init_buffer = int(0.15 * num_warmup)
        term_buffer = int(0.1 * num_warmup)
        base_window = num_warmup - (init_buffer + term_buffer)
    bounds = []
    window_size = base_window
    start, end = init_buffer, init_buffer + base_window - 1
    last = num_warmup - term_buffer - 1
    while True:
        bounds += [start, end]
        if end >= last:
            break
        window_size *= 2
        start, end = end + 1, end + window_size
        if end + 2 * window_size >= num_warmup - term_buffer:
            end = last
    return np.array(bounds, dtype=np.int64)


@numba.njit(cache=True, error_model="numpy")
def welford_add(sample, count, mean, second_moment, dense):
    """Add a draw to running moments (Welford); second_moment is [dim] or [dim, dim]."""
    count += 1
    dim = sample.shape[0]
    delta = np.empty(dim)
    for i in range(dim):
        delta[i] = sample[i] - mean[i]
        mean[i] += delta[i] / count
    if dense:
        for i in range(dim):
            for j in range(dim):
                second_moment[i, j] += delta[i] * (sample[j] - mean[j])
    else:
        for i in range(dim):
            second_moment[i, 0] += delta[i] * (sample[i] - mean[i])
    return count


@numba.njit(cache=True, error_model="numpy")
def regularised_metric(count, second_moment, dense, metric):
    """Stan's regularised variance (or covariance) estimate as the new inverse metric
    (written into metric.diagonal, or metric.dense and its factor)."""
    n = float(count)
    shrink = n / (n + 5.0)
    floor = 1e-3 * 5.0 / (n + 5.0)
    dim = second_moment.shape[0]
    if dense:
        for i in range(dim):
            for j in range(dim):
                metric.dense[i, j] = shrink * second_moment[i, j] / (n - 1.0)
            metric.dense[i, i] += floor
        metric.dense_factor[:, :] = cholesky(metric.dense)
    else:
        for i in range(dim):
            metric.diagonal[i] = shrink * second_moment[i, 0] / (n - 1.0) + floor


@numba.njit(cache=True, error_model="numpy")
def initial_step_size(log_density_gradient, real_data, int_data, state, position, gradient, log_density,
                      step_size, metric, trajectory):
    """Stan's heuristic: double or halve the step size until the acceptance probability of
    one leapfrog step from `position` crosses 0.8.  Uses trajectory rows 0-3."""
    if step_size == 0.0 or step_size > 1e7 or math.isnan(step_size):
        return step_size
    q, p, g, v = trajectory[0], trajectory[1], trajectory[2], trajectory[3]
    direction = 0
    log_target = math.log(0.8)
    for _ in range(100):
        q[:] = position
        g[:] = gradient
        sample_momentum(state, metric, p)
        velocity(p, metric, v)
        initial_energy = -log_density + kinetic_energy(p, v)
        _, energy = leapfrog_energy(log_density_gradient, real_data, int_data, q, p, g, step_size, metric, v)
        delta = initial_energy - energy
        if direction == 0:   # the first step only picks the direction, as in Stan
            direction = 1 if delta > log_target else -1
            continue
        if direction == 1 and not delta > log_target:
            break
        elif direction == -1 and not delta < log_target:
            break
        step_size = step_size * 2.0 if direction == 1 else step_size * 0.5
        if step_size > 1e7 or step_size < 1e-12:
            break
    return step_size


@numba.njit(cache=True, error_model="numpy")
def random_initial_point(log_density_gradient, real_data, int_data, state, radius, position, gradient, tries):
    """Uniform(-radius, radius) on every unconstrained coordinate until the log density and
    its gradient are finite; returns the number of tries used (tries + 1 when all failed)."""
    for attempt in range(tries):
        for i in range(position.shape[0]):
            position[i] = radius * (2.0 * rng.uniform(state) - 1.0)
        if evaluate(log_density_gradient, position, gradient, real_data, int_data) > -math.inf:
            return attempt + 1
    return tries + 1
