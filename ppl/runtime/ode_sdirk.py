"""An L-stable singly diagonally implicit Runge–Kutta method of order 4 with
forward sensitivities, for stiff ODEs.

The method is Hairer & Wanner's SDIRK4 ("Solving Ordinary Differential
Equations II", 2nd ed., IV.6, Table 6.5): five stages, each an implicit
equation with the same diagonal coefficient gamma = 1/4,

    Y_i = y_n + h sum_{j<i} a_ij k_j + h gamma f(t_n + c_i h, Y_i),   k_i = f(t_n + c_i h, Y_i),

stiffly accurate (y_{n+1} = Y_5, so it is L-stable: R(inf) = 0), with an
embedded third-order solution for the error estimate.

Why this and not BDF of variable order (CVODES, SciPy's BDF): it is a one-step
method, so a step size may change, or a step be retried, at no cost and with
no history to rescale or restart, and there is no order selection to tune; its
sensitivities are simple and exact.  Each stage's state is found by a
simplified Newton iteration with the matrix I - h gamma J_y(t_n, y_n) (one LU
factorisation per step); given the converged Y_i, the stage's sensitivities
solve the *linear* equation

    (I - h gamma J_y(t_i, Y_i)) S_i = S_n + h sum_{j<i} a_ij K_j + h gamma [0 | J_p(t_i, Y_i)]

directly (the staggered direct method of Caracotsios & Stewart, 1985), so the
sensitivities are the exact derivatives of the discrete solution for the
steps taken, and their error is controlled with the state's.  The price
against BDF is five implicit stages per step, which for the small systems of
statistical models (a few states) costs less than BDF's bookkeeping would save.

The error estimate is filtered through (I - h gamma J)^-1, as Hairer & Wanner
do for stiff problems (IV.8, "stiff error estimate"), so that stiff components
do not make it too pessimistic.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.runtime.ode_system import (MAX_STEPS_EXCEEDED, MIN_FACTOR, NON_FINITE_STATE, OK, SOLVE_SIGNATURE,
                                 STEP_SIZE_UNDERFLOW, all_finite, check_problem, combine_stages, derivative,
                                 initial_sensitivities, initial_step, lands_on, lu_factor, lu_solve, step_factor,
                                 too_small, error_norm)

GAMMA = 0.25
STAGE_TIMES = np.array([1 / 4, 3 / 4, 11 / 20, 1 / 2, 1.0])
STAGE_WEIGHTS = np.array([        # a_ij below the diagonal (the diagonal is GAMMA)
    [0.0, 0.0, 0.0, 0.0],
    [1 / 2, 0.0, 0.0, 0.0],
    [17 / 50, -1 / 25, 0.0, 0.0],
    [371 / 1360, -137 / 2720, 15 / 544, 0.0],
    [25 / 24, -49 / 48, 125 / 16, -85 / 12],
])
# the fourth-order weights (the last row with GAMMA) minus the embedded third-order ones
ERROR_WEIGHTS = np.array([25 / 24 - 59 / 48, -49 / 48 + 17 / 96, 125 / 16 - 225 / 32, -85 / 12 + 85 / 12, 1 / 4])
ERROR_EXPONENT = 1.0 / 4.0      # the embedded solution is of order 3
NEWTON_MAX_ITERATIONS = 10
# Newton stops when its estimated remaining error is this fraction of the tolerance (Hairer & Wanner's
# kappa, 0.01 to 0.1: smaller here because the sensitivities assume the stage equation holds)
NEWTON_TOLERANCE = 0.01


@numba.njit(cache=True, error_model="numpy")
def _scaled_norm(values, reference, rtol, atol):
    total = 0.0
    for i in range(values.shape[0]):
        total += (values[i] / (atol + rtol * abs(reference[i]))) ** 2
    return math.sqrt(total / max(values.shape[0], 1))


@numba.njit(cache=True, error_model="numpy")
def _newton(rhs, t_stage, base, guess, p, real_data, int_data, hgamma, factors, pivots, contraction, rtol, atol,
            value, residual):
    """Solve Y = base + hgamma f(t_stage, Y) from `guess` into `value` by simplified Newton
    with the factored matrix I - hgamma J; returns (converged, the contraction estimate)."""
    value[:] = guess
    previous_norm = 0.0
    for iteration in range(NEWTON_MAX_ITERATIONS):
        rhs(t_stage, value, p, real_data, int_data, residual)
        for i in range(value.shape[0]):
            residual[i] = base[i] + hgamma * residual[i] - value[i]
        lu_solve(factors, pivots, residual)
        norm = _scaled_norm(residual, value, rtol, atol)
        if not math.isfinite(norm):
            return False, contraction
        value += residual
        if iteration > 0:
            rate = norm / previous_norm if previous_norm > 0.0 else 0.0
            if rate >= 1.0:
                return False, contraction
            contraction = rate / (1.0 - rate)
        if norm == 0.0 or contraction * norm <= NEWTON_TOLERANCE:
            return True, contraction
        previous_norm = norm
    return False, contraction


@numba.njit(SOLVE_SIGNATURE, cache=True, error_model="numpy")
def solve_sdirk(rhs, jacobian, t0, ts, y0, p, real_data, int_data, rtol, atol, max_steps, states_out,
                sensitivities_out):
    """y(ts) into states_out and dy(ts)/d(y0, p) into sensitivities_out (left alone when it
    has no columns); returns (status, the time reached, the steps
    taken, accepted and rejected).  See ppl/runtime/ode_system.py."""
    status, time = check_problem(t0, ts, y0, p, rtol, atol, max_steps, states_out, sensitivities_out)
    n = y0.shape[0]
    if status != OK or n == 0 or ts.shape[0] == 0:
        return status, time, 0
    m = p.shape[0]
    columns = sensitivities_out.shape[2]
    jacobian_y_value = np.zeros((n, n))
    jacobian_p_value = np.zeros((n, m))
    newton_matrix = np.empty((n, n))
    stage_matrix = np.empty((n, n))
    pivots = np.zeros(n, dtype=np.int64)
    stage_pivots = np.zeros(n, dtype=np.int64)
    y = y0.copy()
    s = initial_sensitivities(n, columns)
    dydt = np.empty(n)
    dsdt = np.empty((n, columns))
    stages_y = np.zeros((5, n))
    stages_s = np.zeros((5, n, columns))
    base_y = np.empty(n)
    base_s = np.empty((n, columns))
    value = np.empty(n)
    guess = np.empty(n)
    residual = np.empty(n)
    stage_s = np.empty((n, columns))
    error_y = np.empty(n)
    error_s = np.empty((n, columns))
    derivative(rhs, jacobian, t0, y, s, p, real_data, int_data, jacobian_y_value, jacobian_p_value,
               dydt, dsdt)
    if not all_finite(dydt, dsdt):
        return NON_FINITE_STATE, t0, 0
    step = initial_step(rhs, jacobian, t0, y, s, dydt, dsdt, p, real_data, int_data,
                        jacobian_y_value, jacobian_p_value, rtol, atol, 3, ts[ts.shape[0] - 1] - t0)
    t = t0
    steps = 0
    contraction = 1.0
    last_failure_non_finite = False
    for out_index in range(ts.shape[0]):
        t_out = ts[out_index]
        rejected = False
        while t < t_out:
            if steps >= max_steps:
                return MAX_STEPS_EXCEEDED, t, steps
            if too_small(step, t):
                return (NON_FINITE_STATE if last_failure_non_finite else STEP_SIZE_UNDERFLOW), t, steps
            steps += 1
            lands = lands_on(t, step, t_out)
            h = t_out - t if lands else step
            hgamma = h * GAMMA
            jacobian(t, y, p, real_data, int_data, jacobian_y_value, jacobian_p_value)
            for i in range(n):
                for j in range(n):
                    newton_matrix[i, j] = (1.0 if i == j else 0.0) - hgamma * jacobian_y_value[i, j]
            solved = lu_factor(newton_matrix, pivots)
            previous_slope = dydt
            for i in range(5):
                if not solved:
                    break
                t_stage = t + STAGE_TIMES[i] * h
                combine_stages(y, s, h, STAGE_WEIGHTS[i], i, stages_y, stages_s, base_y, base_s)
                guess[:] = base_y + hgamma * previous_slope
                contraction = max(contraction, 1e-16) ** 0.8
                solved, contraction = _newton(rhs, t_stage, base_y, guess, p, real_data, int_data, hgamma,
                                              newton_matrix, pivots, contraction, rtol, atol, value, residual)
                if not solved:
                    break
                stages_y[i] = (value - base_y) / hgamma
                previous_slope = stages_y[i]
                if columns > 0:
                    jacobian(t_stage, value, p, real_data, int_data, jacobian_y_value, jacobian_p_value)
                    for a in range(n):
                        for b in range(n):
                            stage_matrix[a, b] = (1.0 if a == b else 0.0) - hgamma * jacobian_y_value[a, b]
                        for c in range(columns):
                            stage_s[a, c] = base_s[a, c] + (hgamma * jacobian_p_value[a, c - n] if c >= n else 0.0)
                    solved = lu_factor(stage_matrix, stage_pivots)
                    if not solved:
                        break
                    lu_solve(stage_matrix, stage_pivots, stage_s)
                    for a in range(n):
                        for c in range(columns):
                            stages_s[i, a, c] = (stage_s[a, c] - base_s[a, c]) / hgamma
            if solved:
                # y_{n+1} = Y_5 (stiffly accurate): value and stage_s hold it
                error_y[:] = 0.0
                error_s[:, :] = 0.0
                combine_stages(error_y, error_s, h, ERROR_WEIGHTS, 5, stages_y, stages_s, error_y, error_s)
                lu_solve(newton_matrix, pivots, error_y)
                if columns > 0:
                    lu_solve(newton_matrix, pivots, error_s)
                norm = error_norm(error_y, error_s, y, value, s, stage_s, rtol, atol)
                finite = all_finite(value, stage_s)
            else:
                norm = np.inf
                finite = True
            if solved and finite and norm <= 1.0:
                t = t_out if lands else t + h
                y[:] = value
                s[:, :] = stage_s
                dydt[:] = stages_y[4]
                proposed = h * step_factor(norm, ERROR_EXPONENT, rejected)
                step = max(step, proposed) if lands and not rejected else proposed
                rejected = False
                last_failure_non_finite = False
            else:
                last_failure_non_finite = not (finite and norm == norm) or not np.isfinite(residual).all()
                if not solved:
                    step = 0.5 * h
                else:
                    step = h * step_factor(norm if finite else np.nan, ERROR_EXPONENT, True)
                rejected = True
        states_out[out_index] = y
        if columns > 0:
            sensitivities_out[out_index] = s
    return OK, t, steps
