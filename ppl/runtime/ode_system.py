"""What the ODE solvers share: the right-hand side's calling convention, the
forward sensitivity system, the error norm, the first step and the statuses.

An initial value problem y' = f(t, y, p), y(t0) = y0 with y [n] and
parameters p [m] comes with its sensitivities S = dy/d(y0, p) [n, n + m],
which obey the linear ODE

    S' = J_y(t, y) S + [0 | J_p(t, y)],     S(t0) = [I | 0]

(J_y = df/dy [n, n], J_p = df/dp [n, m]).  The solvers integrate y and S
together and control the error of both (CVODES' simultaneous corrector with
errconS on), so the gradient of any function of the solution is right to the
solver's tolerance, not only the solution.

The right-hand side and its Jacobians are first-class Numba functions of the
fixed signatures below, so that the solvers are compiled once, cached on disk
and serve every model (as the samplers take the model's gradient):

    rhs(t, y, p, real_data, int_data, dydt_out)                        dydt_out [n]
    jacobian(t, y, p, real_data, int_data, jacobian_y_out, jacobian_p_out)
        jacobian_y_out [n, n]: df_i/dy_j;  jacobian_p_out [n, m]: df_i/dp_k

The two Jacobians come from one function because reverse mode gives them
together: the sweep of f seeded with the i-th output's adjoint is row i of
both (n sweeps), which is how the generated code will compute them; one call
also costs one indirect call instead of two.

`real_data` and `int_data` carry what f reads besides y and p and is not
differentiated (a model's data, doses, times), as the generated gradient's
buffers do.  Each function writes every element of its output.

The solvers never raise inside native code: they return a status (below) and
the time they reached (and the number of steps), so that a log density can turn a failed solve into a
rejected proposal, and `ppl.math.ode` turns it into an `OdeError`.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.core import sigutils

RHS_SIGNATURE = "void(float64, float64[::1], float64[::1], float64[::1], int64[::1], float64[::1])"
JACOBIAN_SIGNATURE = ("void(float64, float64[::1], float64[::1], float64[::1], int64[::1], float64[:, ::1], "
                      "float64[:, ::1])")


def _function_type(signature: str) -> types.FunctionType:
    arguments, returns = sigutils.normalize_signature(signature)
    return types.FunctionType(returns(*arguments))


RHS = _function_type(RHS_SIGNATURE)
JACOBIAN = _function_type(JACOBIAN_SIGNATURE)

# What a solve returns first (then the time it reached and the steps it took).
OK = 0
MAX_STEPS_EXCEEDED = 1       # more than max_steps steps (accepted and rejected) over the whole solve
STEP_SIZE_UNDERFLOW = 2      # the step size the error control asks for is below what t can resolve
TIMES_NOT_INCREASING = 3     # ts not strictly increasing, or ts[0] <= t0, or a time not finite
NON_FINITE_STATE = 4         # y0, p or f(t, y) not finite where no smaller step helps
BAD_SETTINGS = 5             # rtol or atol not positive and finite, max_steps < 1, or output shapes wrong

STATUS_MESSAGES = {
    MAX_STEPS_EXCEEDED: "the ODE solver took more than max_steps steps before t = {time}",
    STEP_SIZE_UNDERFLOW: "the ODE solver's step size underflowed at t = {time}: the solution "
                         "changes faster than the tolerances can follow (a singularity, or a stiff "
                         "system, which needs the stiff solver)",
    TIMES_NOT_INCREASING: "the output times ts must be finite, strictly increasing and after t0 "
                          "(the first offending time is {time})",
    NON_FINITE_STATE: "the ODE's state or right-hand side is not finite at t = {time}",
    BAD_SETTINGS: "the ODE solver's settings are invalid: rtol and atol must be positive and finite, "
                  "max_steps at least 1, and the outputs shaped [len(ts), n] and [len(ts), n, n + m]",
}

SAFETY = 0.9                  # the fraction of the step the error estimate allows that is taken
MAX_FACTOR = 10.0             # the most a step may grow after an accepted one
MIN_FACTOR = 0.2              # the most it may shrink after a rejected one


@numba.njit(cache=True, error_model="numpy")
def check_problem(t0, ts, y0, p, rtol, atol, max_steps, states_out, sensitivities_out):
    """The status of the inputs (OK, TIMES_NOT_INCREASING, BAD_SETTINGS or NON_FINITE_STATE)
    and the time it concerns.  With no output times or no states there is nothing to solve:
    the solvers return OK at once."""
    n = y0.shape[0]
    columns = sensitivities_out.shape[2]
    if (states_out.shape[0] != ts.shape[0] or states_out.shape[1] != n or sensitivities_out.shape[0] != ts.shape[0]
            or sensitivities_out.shape[1] != n or (columns != 0 and columns != n + p.shape[0])):
        return BAD_SETTINGS, t0
    if not (rtol > 0.0 and atol > 0.0 and math.isfinite(rtol) and math.isfinite(atol)) or max_steps < 1:
        return BAD_SETTINGS, t0
    previous = t0
    if not math.isfinite(t0):
        return TIMES_NOT_INCREASING, t0
    for i in range(ts.shape[0]):
        if not (math.isfinite(ts[i]) and ts[i] > previous):
            return TIMES_NOT_INCREASING, ts[i]
        previous = ts[i]
    for i in range(n):
        if not math.isfinite(y0[i]):
            return NON_FINITE_STATE, t0
    for k in range(p.shape[0]):
        if not math.isfinite(p[k]):
            return NON_FINITE_STATE, t0
    return OK, t0


@numba.njit(cache=True, error_model="numpy")
def initial_sensitivities(n, columns):
    """S(t0) = [I | 0], or [n, 0] when no sensitivities are wanted."""
    sensitivities = np.zeros((n, columns))
    if columns > 0:
        for i in range(n):
            sensitivities[i, i] = 1.0
    return sensitivities


@numba.njit(cache=True, error_model="numpy")
def sensitivity_derivative(jacobian_y_value, jacobian_p_value, sensitivities, out):
    """S' = J_y S + [0 | J_p] into out [n, n + m]."""
    n = sensitivities.shape[0]
    for i in range(n):
        for c in range(sensitivities.shape[1]):
            total = jacobian_p_value[i, c - n] if c >= n else 0.0
            for j in range(n):
                total += jacobian_y_value[i, j] * sensitivities[j, c]
            out[i, c] = total


@numba.njit(cache=True, error_model="numpy")
def derivative(rhs, jacobian, t, y, sensitivities, p, real_data, int_data, jacobian_y_value,
               jacobian_p_value, dydt_out, sensitivities_out):
    """(y', S') at (t, y, S) into (dydt_out, sensitivities_out); S' only when S has columns."""
    rhs(t, y, p, real_data, int_data, dydt_out)
    if sensitivities.shape[1] == 0:
        return
    jacobian(t, y, p, real_data, int_data, jacobian_y_value, jacobian_p_value)
    sensitivity_derivative(jacobian_y_value, jacobian_p_value, sensitivities, sensitivities_out)


@numba.njit(cache=True, error_model="numpy")
def all_finite(y, sensitivities):
    for i in range(y.shape[0]):
        if not math.isfinite(y[i]):
            return False
        for c in range(sensitivities.shape[1]):
            if not math.isfinite(sensitivities[i, c]):
                return False
    return True


@numba.njit(cache=True, error_model="numpy")
def error_norm(error_y, error_s, y_old, y_new, s_old, s_new, rtol, atol):
    """The root mean square of error / (atol + rtol max(|old|, |new|)) over the state and
    the sensitivities together (Hairer, Norsett & Wanner I, II.4): a step is accepted when
    it is at most 1.  NaN stays NaN, so that a step that went non-finite is rejected."""
    total = 0.0
    count = y_old.shape[0] * (1 + s_old.shape[1])
    for i in range(y_old.shape[0]):
        scale = atol + rtol * max(abs(y_old[i]), abs(y_new[i]))
        total += (error_y[i] / scale) ** 2
        for c in range(s_old.shape[1]):
            scale = atol + rtol * max(abs(s_old[i, c]), abs(s_new[i, c]))
            total += (error_s[i, c] / scale) ** 2
    return math.sqrt(total / count)


@numba.njit(cache=True, error_model="numpy")
def initial_step(rhs, jacobian, t0, y0, s0, dydt0, ds0, p, real_data, int_data, jacobian_y_value,
                 jacobian_p_value, rtol, atol, error_order, span):
    """A first step size from the size of the solution and of its first two derivatives
    (Hairer, Norsett & Wanner I, II.4, "starting step size"; SciPy's select_initial_step),
    measured on the state and sensitivities together."""
    size0 = error_norm(y0, s0, y0, y0, s0, s0, rtol, atol)
    size1 = error_norm(dydt0, ds0, y0, y0, s0, s0, rtol, atol)
    if size0 < 1e-5 or size1 < 1e-5:
        h0 = 1e-6
    else:
        h0 = 0.01 * size0 / size1
    h0 = min(h0, span)
    y1 = y0 + h0 * dydt0
    s1 = s0 + h0 * ds0
    dydt1 = np.empty_like(y0)
    ds1 = np.empty_like(s0)
    derivative(rhs, jacobian, t0 + h0, y1, s1, p, real_data, int_data, jacobian_y_value,
               jacobian_p_value, dydt1, ds1)
    size2 = error_norm(dydt1 - dydt0, ds1 - ds0, y0, y0, s0, s0, rtol, atol) / h0
    if not math.isfinite(size2):
        return h0
    if max(size1, size2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(size1, size2)) ** (1.0 / (error_order + 1))
    return min(100.0 * h0, h1, span)


@numba.njit(cache=True, error_model="numpy")
def too_small(step, t):
    """A step that t + step cannot tell from t (ten units in the last place of t)."""
    return step < 10.0 * np.spacing(max(abs(t), 1e-300))


@numba.njit(cache=True, error_model="numpy")
def lu_factor(matrix, pivots):
    """In place: the LU factors of a square matrix with partial pivoting (Golub & Van Loan
    3.4.1); returns False when a pivot is zero or not finite (the matrix is singular)."""
    n = matrix.shape[0]
    for k in range(n):
        best = k
        for i in range(k + 1, n):
            if abs(matrix[i, k]) > abs(matrix[best, k]):
                best = i
        pivots[k] = best
        if not (matrix[best, k] != 0.0 and math.isfinite(matrix[best, k])):
            return False
        if best != k:
            for j in range(n):
                matrix[k, j], matrix[best, j] = matrix[best, j], matrix[k, j]
        for i in range(k + 1, n):
            matrix[i, k] /= matrix[k, k]
            factor = matrix[i, k]
            if factor != 0.0:
                for j in range(k + 1, n):
                    matrix[i, j] -= factor * matrix[k, j]
    return True


@numba.njit(cache=True, error_model="numpy")
def lu_solve(factors, pivots, right_side):
    """In place: right_side [n] or [n, columns] becomes the solution of A x = right_side."""
    n = factors.shape[0]
    columns = right_side.reshape((n, -1))
    for k in range(n):
        if pivots[k] != k:
            for c in range(columns.shape[1]):
                columns[k, c], columns[pivots[k], c] = columns[pivots[k], c], columns[k, c]
    for c in range(columns.shape[1]):
        for i in range(n):
            total = columns[i, c]
            for j in range(i):
                total -= factors[i, j] * columns[j, c]
            columns[i, c] = total
        for i in range(n - 1, -1, -1):
            total = columns[i, c]
            for j in range(i + 1, n):
                total -= factors[i, j] * columns[j, c]
            columns[i, c] = total / factors[i, i]


# solve(rhs, jacobian, t0, ts, y0, p, real_data, int_data, rtol, atol, max_steps,
#       states_out [len(ts), n], sensitivities_out [len(ts), n, n + m or 0])
#   -> (status, the time reached, the steps taken (accepted and rejected))
SOLVE_SIGNATURE = types.Tuple((types.int64, types.float64, types.int64))(
    RHS, JACOBIAN, types.float64, types.float64[::1], types.float64[::1], types.float64[::1],
    types.float64[::1], types.int64[::1], types.float64, types.float64, types.int64, types.float64[:, ::1],
    types.float64[:, :, ::1])


@numba.njit(cache=True, error_model="numpy")
def lands_on(t, step, t_out):
    """Whether the step from t should end exactly at the output time t_out: it reaches it,
    or falls short by less than 1/1000 of itself (a tiny last step would only cost time, and
    could be too small for t to resolve)."""
    return t + 1.001 * step >= t_out


@numba.njit(cache=True, error_model="numpy")
def step_factor(norm, exponent, rejected):
    """How much to scale the step after one with this error norm (the elementary
    controller, Hairer, Norsett & Wanner I, II.4): never more than MAX_FACTOR, never less
    than MIN_FACTOR, and no growth right after a rejection."""
    if not math.isfinite(norm):
        return MIN_FACTOR
    if norm == 0.0:
        factor = MAX_FACTOR
    else:
        factor = min(MAX_FACTOR, max(MIN_FACTOR, SAFETY * norm ** -exponent))
    return min(1.0, factor) if rejected else factor


@numba.njit(cache=True, error_model="numpy")
def combine_stages(base_y, base_s, step, weights, count, stages_y, stages_s, out_y, out_s):
    """out = base + step * sum_j weights[j] k_j over the first `count` stages, for y and S: a
    Runge-Kutta stage's input, solution or error estimate, in both solvers."""
    out_y[:] = base_y
    out_s[:, :] = base_s
    for j in range(count):
        weight = step * weights[j]
        if weight != 0.0:
            out_y += weight * stages_y[j]
            out_s += weight * stages_s[j]
