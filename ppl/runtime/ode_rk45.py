"""Adaptive Dormand–Prince RK5(4) with forward sensitivities, for non-stiff ODEs.

Dormand & Prince, "A family of embedded Runge-Kutta formulae", J. Comp. Appl.
Math. 6 (1980): seven stages, the last one the first of the next step (FSAL),
a fifth-order solution and a fourth-order one whose difference estimates the
local error.  The same tableau advances the state y and its sensitivities S
(ppl/runtime/ode_system.py), and the error norm covers both, so a step is
accepted only when the sensitivities are as accurate as the state.

Steps end exactly on each output time (no dense output), so `ts` costs at
most one shortened step each.
"""

from __future__ import annotations

import numba
import numpy as np

from ppl.runtime.ode_system import (MAX_STEPS_EXCEEDED, NON_FINITE_STATE, OK, SOLVE_SIGNATURE, STEP_SIZE_UNDERFLOW,
                                 all_finite, check_problem, combine_stages, derivative, error_norm,
                                 initial_sensitivities, initial_step, lands_on, step_factor, too_small)

STAGE_TIMES = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0])
STAGE_WEIGHTS = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0],
    [1 / 5, 0.0, 0.0, 0.0, 0.0],
    [3 / 40, 9 / 40, 0.0, 0.0, 0.0],
    [44 / 45, -56 / 15, 32 / 9, 0.0, 0.0],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0.0],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
])
SOLUTION_WEIGHTS = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])
# fifth-order minus fourth-order weights, over the six stages and the FSAL stage f(t + h, y_new)
ERROR_WEIGHTS = np.array([71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40])
ERROR_EXPONENT = 1.0 / 5.0     # the embedded solution is of order 4


@numba.njit(SOLVE_SIGNATURE, cache=True, error_model="numpy")
def solve_rk45(rhs, jacobian, t0, ts, y0, p, real_data, int_data, rtol, atol, max_steps, states_out,
               sensitivities_out):
    """y(ts) into states_out and dy(ts)/d(y0, p) into sensitivities_out (left alone when it
    has no columns); returns (status, the time reached, the steps
    taken, accepted and rejected).  See ppl/runtime/ode_system.py."""
    status, time = check_problem(t0, ts, y0, p, rtol, atol, max_steps, states_out, sensitivities_out)
    n = y0.shape[0]
    if status != OK or n == 0 or ts.shape[0] == 0:
        return status, time, 0
    columns = sensitivities_out.shape[2]
    jacobian_y_value = np.zeros((n, n))
    jacobian_p_value = np.zeros((n, p.shape[0]))
    y = y0.copy()
    s = initial_sensitivities(n, columns)
    stages_y = np.zeros((7, n))
    stages_s = np.zeros((7, n, columns))
    trial_y = np.empty(n)
    trial_s = np.empty((n, columns))
    new_y = np.empty(n)
    new_s = np.empty((n, columns))
    error_y = np.empty(n)
    error_s = np.empty((n, columns))
    derivative(rhs, jacobian, t0, y, s, p, real_data, int_data, jacobian_y_value, jacobian_p_value,
               stages_y[0], stages_s[0])
    if not all_finite(stages_y[0], stages_s[0]):
        return NON_FINITE_STATE, t0, 0
    step = initial_step(rhs, jacobian, t0, y, s, stages_y[0], stages_s[0], p, real_data, int_data,
                        jacobian_y_value, jacobian_p_value, rtol, atol, 4, ts[ts.shape[0] - 1] - t0)
    t = t0
    steps = 0
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
            for i in range(1, 6):
                combine_stages(y, s, h, STAGE_WEIGHTS[i], i, stages_y, stages_s, trial_y, trial_s)
                derivative(rhs, jacobian, t + STAGE_TIMES[i] * h, trial_y, trial_s, p, real_data,
                           int_data, jacobian_y_value, jacobian_p_value, stages_y[i], stages_s[i])
            combine_stages(y, s, h, SOLUTION_WEIGHTS, 6, stages_y, stages_s, new_y, new_s)
            t_new = t_out if lands else t + h
            derivative(rhs, jacobian, t_new, new_y, new_s, p, real_data, int_data, jacobian_y_value,
                       jacobian_p_value, stages_y[6], stages_s[6])
            error_y[:] = 0.0
            error_s[:, :] = 0.0
            combine_stages(error_y, error_s, h, ERROR_WEIGHTS, 7, stages_y, stages_s, error_y, error_s)
            norm = error_norm(error_y, error_s, y, new_y, s, new_s, rtol, atol)
            finite = all_finite(new_y, new_s) and all_finite(stages_y[6], stages_s[6])
            if norm <= 1.0 and finite:
                t = t_new
                y[:] = new_y
                s[:, :] = new_s
                stages_y[0] = stages_y[6]
                stages_s[0] = stages_s[6]
                proposed = h * step_factor(norm, ERROR_EXPONENT, rejected)
                step = max(step, proposed) if lands and not rejected else proposed
                rejected = False
                last_failure_non_finite = False
            else:
                last_failure_non_finite = not finite or not norm == norm
                step = h * step_factor(norm if finite else np.nan, ERROR_EXPONENT, True)
                rejected = True
        states_out[out_index] = y
        if columns > 0:
            sensitivities_out[out_index] = s
    return OK, t, steps
