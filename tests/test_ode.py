"""ppl.math.ode: the solvers and their sensitivities against independent oracles.

- the tableaux against the Runge–Kutta order conditions (Butcher trees up to order 5);
- states against closed forms (exponential decay, a time-dependent growth rate, the
  one-compartment pharmacokinetic model's Bateman function) and against
  scipy.integrate.solve_ivp at tight tolerances (Lotka–Volterra, Robertson's stiff chemistry);
- sensitivities against the closed forms' derivatives (SymPy) and against central finite
  differences of SciPy's solutions;
- the adjoint contraction against NumPy's einsum and a finite-difference gradient;
- every failure status with its message.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
import scipy.integrate
import sympy

from ppl.math import ode
from ppl.runtime import ode_rk45, ode_sdirk
from ppl.runtime.ode_system import SOLVE_SIGNATURE

METHODS = ["rk45", "stiff"]

# ---------------------------------------------------------------- the problems, as the emitter will write them


@numba.njit(ode.RHS_SIGNATURE)
def decay_rhs(t, y, p, real_data, int_data, out):
    out[0] = -p[0] * y[0]


@numba.njit(ode.JACOBIAN_SIGNATURE)
def decay_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = -p[0]
    jacobian_p[0, 0] = -y[0]


DECAY = (decay_rhs, decay_jacobian)


@numba.njit(ode.RHS_SIGNATURE)
def seasonal_rhs(t, y, p, real_data, int_data, out):
    # y' = p cos(t) y: y = y0 exp(p sin t), a right-hand side that depends on t
    out[0] = p[0] * math.cos(t) * y[0]


@numba.njit(ode.JACOBIAN_SIGNATURE)
def seasonal_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = p[0] * math.cos(t)
    jacobian_p[0, 0] = math.cos(t) * y[0]


SEASONAL = (seasonal_rhs, seasonal_jacobian)


@numba.njit(ode.RHS_SIGNATURE)
def lotka_volterra_rhs(t, y, p, real_data, int_data, out):
    # p = (alpha, beta, gamma, delta): prey grow at alpha and are eaten at beta; predators die at gamma
    out[0] = p[0] * y[0] - p[1] * y[0] * y[1]
    out[1] = p[3] * y[0] * y[1] - p[2] * y[1]


@numba.njit(ode.JACOBIAN_SIGNATURE)
def lotka_volterra_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = p[0] - p[1] * y[1]
    jacobian_y[0, 1] = -p[1] * y[0]
    jacobian_y[1, 0] = p[3] * y[1]
    jacobian_y[1, 1] = p[3] * y[0] - p[2]
    jacobian_p[0, 0] = y[0]
    jacobian_p[0, 1] = -y[0] * y[1]
    jacobian_p[0, 2] = 0.0
    jacobian_p[0, 3] = 0.0
    jacobian_p[1, 0] = 0.0
    jacobian_p[1, 1] = 0.0
    jacobian_p[1, 2] = -y[1]
    jacobian_p[1, 3] = y[0] * y[1]


LOTKA_VOLTERRA = (lotka_volterra_rhs, lotka_volterra_jacobian)


def lotka_volterra_numpy(t, y, p):
    return [p[0] * y[0] - p[1] * y[0] * y[1], p[3] * y[0] * y[1] - p[2] * y[1]]


@numba.njit(ode.RHS_SIGNATURE)
def one_compartment_rhs(t, y, p, real_data, int_data, out):
    # gut -> central at rate ka (p[0]), eliminated at ke (p[1])
    out[0] = -p[0] * y[0]
    out[1] = p[0] * y[0] - p[1] * y[1]


@numba.njit(ode.JACOBIAN_SIGNATURE)
def one_compartment_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = -p[0]
    jacobian_y[0, 1] = 0.0
    jacobian_y[1, 0] = p[0]
    jacobian_y[1, 1] = -p[1]
    jacobian_p[0, 0] = -y[0]
    jacobian_p[0, 1] = 0.0
    jacobian_p[1, 0] = y[0]
    jacobian_p[1, 1] = -y[1]


ONE_COMPARTMENT = (one_compartment_rhs, one_compartment_jacobian)


def one_compartment_numpy(t, y, p):
    return [-p[0] * y[0], p[0] * y[0] - p[1] * y[1]]


@numba.njit(ode.RHS_SIGNATURE)
def robertson_rhs(t, y, p, real_data, int_data, out):
    out[0] = -p[0] * y[0] + p[2] * y[1] * y[2]
    out[1] = p[0] * y[0] - p[2] * y[1] * y[2] - p[1] * y[1] * y[1]
    out[2] = p[1] * y[1] * y[1]


@numba.njit(ode.JACOBIAN_SIGNATURE)
def robertson_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = -p[0]
    jacobian_y[0, 1] = p[2] * y[2]
    jacobian_y[0, 2] = p[2] * y[1]
    jacobian_y[1, 0] = p[0]
    jacobian_y[1, 1] = -p[2] * y[2] - 2.0 * p[1] * y[1]
    jacobian_y[1, 2] = -p[2] * y[1]
    jacobian_y[2, 0] = 0.0
    jacobian_y[2, 1] = 2.0 * p[1] * y[1]
    jacobian_y[2, 2] = 0.0
    jacobian_p[0, 0] = -y[0]
    jacobian_p[0, 1] = 0.0
    jacobian_p[0, 2] = y[1] * y[2]
    jacobian_p[1, 0] = y[0]
    jacobian_p[1, 1] = -y[1] * y[1]
    jacobian_p[1, 2] = -y[1] * y[2]
    jacobian_p[2, 0] = 0.0
    jacobian_p[2, 1] = y[1] * y[1]
    jacobian_p[2, 2] = 0.0


ROBERTSON = (robertson_rhs, robertson_jacobian)
ROBERTSON_RATES = np.array([0.04, 3e7, 1e4])


def robertson_numpy(t, y, p):
    return [-p[0] * y[0] + p[2] * y[1] * y[2], p[0] * y[0] - p[2] * y[1] * y[2] - p[1] * y[1] ** 2,
            p[1] * y[1] ** 2]


@numba.njit(ode.RHS_SIGNATURE)
def blow_up_rhs(t, y, p, real_data, int_data, out):
    # y' = y^2, y(0) = 1: y = 1 / (1 - t), infinite at t = 1
    out[0] = y[0] * y[0]


@numba.njit(ode.JACOBIAN_SIGNATURE)
def blow_up_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = 2.0 * y[0]


BLOW_UP = (blow_up_rhs, blow_up_jacobian)


@numba.njit(ode.RHS_SIGNATURE)
def nan_after_half_rhs(t, y, p, real_data, int_data, out):
    out[0] = -y[0] if t < 0.5 else math.nan


@numba.njit(ode.JACOBIAN_SIGNATURE)
def nan_after_half_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
    jacobian_y[0, 0] = -1.0 if t < 0.5 else math.nan


NAN_AFTER_HALF = (nan_after_half_rhs, nan_after_half_jacobian)


def solve_with_scipy(function, y0, t0, ts, p, method, rtol=1e-12, atol=1e-14):
    result = scipy.integrate.solve_ivp(function, (t0, ts[-1]), y0, method=method, t_eval=ts, args=(p,),
                                       rtol=rtol, atol=atol)
    assert result.success, result.message
    return result.y.T


def finite_difference_sensitivities(function, y0, t0, ts, p, method, relative_step=1e-5):
    """dy(ts)/d(y0, p) [len(ts), n, n + m] by central differences of SciPy's solutions."""
    inputs = np.concatenate([y0, p])
    n = len(y0)
    columns = []
    for k in range(len(inputs)):
        step = relative_step * max(abs(inputs[k]), 1e-3)
        plus, minus = inputs.copy(), inputs.copy()
        plus[k] += step
        minus[k] -= step
        columns.append((solve_with_scipy(function, plus[:n], t0, ts, plus[n:], method)
                        - solve_with_scipy(function, minus[:n], t0, ts, minus[n:], method)) / (2 * step))
    return np.stack(columns, axis=-1)


# ---------------------------------------------------------------- the tableaux


def order_condition_residuals(stage_matrix, weights, order):
    """sum_i b_i Phi_i(tree) - 1/gamma(tree) for every rooted tree up to `order` (Butcher,
    "Numerical Methods for ODEs", 2016, table 315(I)), for the tableau (A, b), c = A 1."""
    a = np.asarray(stage_matrix, dtype=float)
    b = np.asarray(weights, dtype=float)
    c = a.sum(axis=1)
    conditions = [(b.sum(), 1)]
    if order >= 2:
        conditions += [(b @ c, 1 / 2)]
    if order >= 3:
        conditions += [(b @ c ** 2, 1 / 3), (b @ a @ c, 1 / 6)]
    if order >= 4:
        conditions += [(b @ c ** 3, 1 / 4), (b @ (c * (a @ c)), 1 / 8), (b @ a @ c ** 2, 1 / 12),
                       (b @ a @ a @ c, 1 / 24)]
    if order >= 5:
        conditions += [(b @ c ** 4, 1 / 5), (b @ (c ** 2 * (a @ c)), 1 / 10), (b @ (c * (a @ c ** 2)), 1 / 15),
                       (b @ (c * (a @ a @ c)), 1 / 30), (b @ ((a @ c) ** 2), 1 / 20), (b @ a @ c ** 3, 1 / 20),
                       (b @ a @ (c * (a @ c)), 1 / 40), (b @ a @ a @ c ** 2, 1 / 60), (b @ a @ a @ a @ c, 1 / 120)]
    return np.array([value - expected for value, expected in conditions])


def test_dormand_prince_tableau_has_orders_five_and_four():
    a = np.zeros((7, 7))
    a[:6, :5] = ode_rk45.STAGE_WEIGHTS
    a[6, :6] = ode_rk45.SOLUTION_WEIGHTS
    fifth = np.append(ode_rk45.SOLUTION_WEIGHTS, 0.0)
    fourth = fifth - ode_rk45.ERROR_WEIGHTS
    np.testing.assert_allclose(a.sum(axis=1)[:6], ode_rk45.STAGE_TIMES, atol=1e-15)
    assert np.max(np.abs(order_condition_residuals(a, fifth, 5))) < 1e-14
    assert np.max(np.abs(order_condition_residuals(a, fourth, 4))) < 1e-14
    assert np.max(np.abs(order_condition_residuals(a, fourth, 5))) > 1e-4      # the estimate is of order 4 only


def test_sdirk_tableau_is_stiffly_accurate_of_order_four_with_an_order_three_estimate():
    a = np.zeros((5, 5))
    a[:, :4] = ode_sdirk.STAGE_WEIGHTS
    a[np.diag_indices(5)] = ode_sdirk.GAMMA
    np.testing.assert_allclose(a.sum(axis=1), ode_sdirk.STAGE_TIMES, atol=1e-15)
    fourth = a[4]
    third = fourth - ode_sdirk.ERROR_WEIGHTS
    assert np.max(np.abs(order_condition_residuals(a, fourth, 4))) < 1e-13
    assert np.max(np.abs(order_condition_residuals(a, third, 3))) < 1e-13
    assert np.max(np.abs(order_condition_residuals(a, third, 4))) > 1e-4
    # L-stable: the stability function R(z) = 1 + z b (I - z A)^-1 1 vanishes at infinity, |R| <= 1 on the left
    for z in [-1e8, -1e3 + 1e3j, 1e4j, -1.0, -0.01 + 5j]:
        r = 1 + z * fourth @ np.linalg.solve(np.eye(5) - z * a, np.ones(5))
        assert abs(r) <= 1 + 1e-12
    assert abs(1 + -1e12 * fourth @ np.linalg.solve(np.eye(5) + 1e12 * a, np.ones(5))) < 1e-6


# ---------------------------------------------------------------- closed forms


@pytest.mark.parametrize("method", METHODS)
def test_exponential_decay_and_its_sensitivities_match_the_closed_form(method):
    y0, rate = 2.0, 0.7
    ts = np.array([0.1, 0.5, 1.0, 2.0, 5.0, 10.0])
    solution = ode.solve(*DECAY, [y0], 0.0, ts, [rate], method=method, rtol=1e-9, atol=1e-12)
    exact = y0 * np.exp(-rate * ts)
    np.testing.assert_allclose(solution.states[:, 0], exact, rtol=1e-7)
    np.testing.assert_allclose(solution.sensitivities[:, 0, 0], np.exp(-rate * ts), rtol=1e-7)
    np.testing.assert_allclose(solution.sensitivities[:, 0, 1], -ts * exact, rtol=1e-7)


@pytest.mark.parametrize("method", METHODS)
def test_a_time_dependent_rate_matches_the_closed_form(method):
    y0, amplitude = 1.5, 0.8
    ts = np.linspace(0.3, 12.0, 9)
    solution = ode.solve(*SEASONAL, [y0], 0.0, ts, [amplitude], method=method, rtol=1e-9, atol=1e-12)
    exact = y0 * np.exp(amplitude * np.sin(ts))
    np.testing.assert_allclose(solution.states[:, 0], exact, rtol=1e-7)
    np.testing.assert_allclose(solution.sensitivities[:, 0, 0], exact / y0, rtol=1e-7)
    np.testing.assert_allclose(solution.sensitivities[:, 0, 1], np.sin(ts) * exact, rtol=1e-6, atol=1e-9)


def bateman_solution_and_sensitivities(ts, gut0, central0, ka, ke):
    """The one-compartment model in closed form, and its derivatives by SymPy."""
    t, g, c, a, e = sympy.symbols("t g c a e")
    gut = g * sympy.exp(-a * t)
    central = c * sympy.exp(-e * t) + g * a / (a - e) * (sympy.exp(-e * t) - sympy.exp(-a * t))
    values = {g: gut0, c: central0, a: ka, e: ke}
    states, sensitivities = [], []
    for time in ts:
        at = {**values, t: time}
        states.append([float(gut.subs(at)), float(central.subs(at))])
        sensitivities.append([[float(sympy.diff(expr, v).subs(at)) for v in (g, c, a, e)] for expr in (gut, central)])
    return np.array(states), np.array(sensitivities)


@pytest.mark.parametrize("method", METHODS)
def test_stiff_one_compartment_model_matches_the_bateman_function(method):
    # absorption 2000 times faster than elimination: stiff once the gut is empty
    ka, ke, dose = 200.0, 0.1, 100.0
    ts = np.array([0.01, 0.05, 0.5, 2.0, 8.0, 24.0])
    solution = ode.solve(*ONE_COMPARTMENT, [dose, 0.0], 0.0, ts, [ka, ke], method=method, rtol=1e-8, atol=1e-8)
    states, sensitivities = bateman_solution_and_sensitivities(ts, dose, 0.0, ka, ke)
    np.testing.assert_allclose(solution.states, states, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(solution.sensitivities, sensitivities, rtol=1e-5, atol=1e-6)


def test_the_stiff_solver_takes_far_fewer_steps_than_rk45_on_a_stiff_problem():
    ka, ke, dose = 2000.0, 0.1, 100.0
    ts = np.array([1.0, 24.0, 96.0])
    arguments = (*ONE_COMPARTMENT, [dose, 0.0], 0.0, ts, [ka, ke])
    explicit = ode.solve(*arguments, method="rk45", rtol=1e-6, atol=1e-6)
    implicit = ode.solve(*arguments, method="stiff", rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(implicit.states, explicit.states, rtol=1e-4, atol=1e-5)
    assert implicit.num_steps * 20 < explicit.num_steps


# ---------------------------------------------------------------- against SciPy


@pytest.mark.parametrize("method", METHODS)
def test_lotka_volterra_matches_scipy_and_finite_differences(method):
    y0 = np.array([30.0, 4.0])
    p = np.array([0.55, 0.028, 0.8, 0.024])        # the hare-lynx posterior means of Carpenter's case study
    ts = np.linspace(1.0, 20.0, 20)
    solution = ode.solve(*LOTKA_VOLTERRA, y0, 0.0, ts, p, method=method, rtol=1e-10, atol=1e-10)
    reference = solve_with_scipy(lotka_volterra_numpy, y0, 0.0, ts, p, "DOP853")
    np.testing.assert_allclose(solution.states, reference, rtol=1e-7)
    differences = finite_difference_sensitivities(lotka_volterra_numpy, y0, 0.0, ts, p, "DOP853")
    scale = np.max(np.abs(differences), axis=(0, 1))       # each column on its own scale
    assert np.max(np.abs(solution.sensitivities - differences) / scale) < 1e-5


@pytest.mark.parametrize("method", METHODS)
def test_the_error_follows_the_tolerance(method):
    y0 = np.array([30.0, 4.0])
    p = np.array([0.55, 0.028, 0.8, 0.024])
    ts = np.linspace(1.0, 20.0, 20)
    reference = solve_with_scipy(lotka_volterra_numpy, y0, 0.0, ts, p, "DOP853")
    errors = []
    for tolerance in [1e-4, 1e-6, 1e-8]:
        solution = ode.solve(*LOTKA_VOLTERRA, y0, 0.0, ts, p, method=method, rtol=tolerance, atol=tolerance)
        errors.append(np.max(np.abs(solution.states - reference) / np.abs(reference)))
        assert errors[-1] < 1000 * tolerance      # global error: local tolerance times the steps' growth
    assert errors[0] > errors[1] > errors[2]


def test_robertsons_stiff_chemistry_matches_scipy_and_finite_differences():
    y0 = np.array([1.0, 0.0, 0.0])
    ts = np.array([0.1, 1.0, 10.0, 100.0])
    solution = ode.solve(*ROBERTSON, y0, 0.0, ts, ROBERTSON_RATES, method="stiff", rtol=1e-8, atol=1e-12)
    reference = solve_with_scipy(robertson_numpy, y0, 0.0, ts, ROBERTSON_RATES, "Radau", rtol=1e-11, atol=1e-16)
    np.testing.assert_allclose(solution.states, reference, rtol=2e-6, atol=1e-12)
    # an explicit method would need ~1e5 steps (|eigenvalue| ~1e4 over 100 time units); most of these are
    # for the sensitivities to p, which the error control covers too (492 steps without them)
    assert solution.num_steps < 2500
    differences = finite_difference_sensitivities(robertson_numpy, y0, 0.0, ts, ROBERTSON_RATES, "Radau")
    for row in range(3):            # each state's sensitivities on their own scale (y2 is ~1e-5)
        scale = np.max(np.abs(differences[:, row, :]), axis=0)
        scale[scale == 0] = 1.0
        assert np.max(np.abs(solution.sensitivities[:, row, :] - differences[:, row, :]) / scale) < 1e-4


def test_without_sensitivities_the_states_are_the_same_to_the_tolerance():
    y0, p, ts = np.array([30.0, 4.0]), np.array([0.55, 0.028, 0.8, 0.024]), np.linspace(1.0, 20.0, 20)
    with_sensitivities = ode.solve(*LOTKA_VOLTERRA, y0, 0.0, ts, p, rtol=1e-8, atol=1e-8)
    alone = ode.solve(*LOTKA_VOLTERRA, y0, 0.0, ts, p, rtol=1e-8, atol=1e-8, sensitivities=False)
    assert alone.sensitivities is None
    np.testing.assert_allclose(alone.states, with_sensitivities.states, rtol=1e-5)


# ---------------------------------------------------------------- reverse mode


def test_the_adjoint_contraction_is_the_gradient_of_a_weighted_sum_of_the_states():
    y0, p, ts = np.array([30.0, 4.0]), np.array([0.55, 0.028, 0.8, 0.024]), np.linspace(1.0, 10.0, 6)
    weights = np.random.default_rng(5).normal(size=(len(ts), 2))
    solution = ode.solve(*LOTKA_VOLTERRA, y0, 0.0, ts, p, rtol=1e-10, atol=1e-10)
    y0_adjoint, p_adjoint = ode.sensitivity_adjoints(solution.sensitivities, weights)
    np.testing.assert_allclose(np.concatenate([y0_adjoint, p_adjoint]),
                               np.einsum("ti,tik->k", weights, solution.sensitivities), rtol=1e-12)
    differences = finite_difference_sensitivities(lotka_volterra_numpy, y0, 0.0, ts, p, "DOP853")
    gradient = np.einsum("ti,tik->k", weights, differences)
    np.testing.assert_allclose(np.concatenate([y0_adjoint, p_adjoint]), gradient, rtol=1e-5)


def test_the_native_adjoint_accumulates_into_what_is_there():
    sensitivities = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)
    adjoint = np.array([[1.0, 2.0], [0.5, -1.0]])
    y0_adjoint, p_adjoint = np.array([10.0, 20.0]), np.array([1.0])
    ode.add_sensitivity_adjoints(sensitivities, adjoint, y0_adjoint, p_adjoint)
    contraction = np.einsum("ti,tik->k", adjoint, sensitivities)
    np.testing.assert_allclose(y0_adjoint, [10.0, 20.0] + contraction[:2])
    np.testing.assert_allclose(p_adjoint, 1.0 + contraction[2:])


def test_a_wrongly_shaped_adjoint_is_a_clear_error():
    with pytest.raises(ValueError, match=r"shaped like the states \(2, 2\)"):
        ode.sensitivity_adjoints(np.zeros((2, 2, 3)), np.zeros((2, 3)))


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize("method", METHODS)
def test_max_steps_exceeded(method):
    with pytest.raises(ode.OdeError, match="more than max_steps steps") as error:
        ode.solve(*LOTKA_VOLTERRA, [30.0, 4.0], 0.0, [20.0], [0.55, 0.028, 0.8, 0.024], method=method, max_steps=5)
    assert error.value.status == ode.MAX_STEPS_EXCEEDED
    assert 0.0 < error.value.time < 20.0


@pytest.mark.parametrize("method", METHODS)
def test_a_solution_that_blows_up_underflows_the_step_size_before_the_singularity(method):
    with pytest.raises(ode.OdeError, match="step size underflowed") as error:
        ode.solve(*BLOW_UP, [1.0], 0.0, [0.5, 2.0], method=method)
    assert error.value.status == ode.STEP_SIZE_UNDERFLOW
    assert 0.99 < error.value.time < 1.0 + 1e-6       # at the singularity, to what |y| ~ 1e7 lets it resolve


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("t0, ts, bad", [(0.0, [1.0, 1.0], 1.0), (0.0, [2.0, 1.0], 1.0), (1.0, [1.0, 2.0], 1.0),
                                        (0.0, [1.0, math.nan], math.nan), (math.inf, [1.0], math.inf)])
def test_times_not_increasing(method, t0, ts, bad):
    with pytest.raises(ode.OdeError, match="strictly increasing and after t0") as error:
        ode.solve(*DECAY, [1.0], t0, ts, [0.5], method=method)
    assert error.value.status == ode.TIMES_NOT_INCREASING
    assert error.value.time == bad or (math.isnan(bad) and math.isnan(error.value.time))


@pytest.mark.parametrize("method", METHODS)
def test_non_finite_state(method):
    with pytest.raises(ode.OdeError, match="not finite at t = 0") as error:
        ode.solve(*DECAY, [math.nan], 0.0, [1.0], [0.5], method=method)
    assert error.value.status == ode.NON_FINITE_STATE
    with pytest.raises(ode.OdeError, match="not finite at t = 0"):
        ode.solve(*DECAY, [1.0], 0.0, [1.0], [math.inf], method=method)
    # a right-hand side that turns NaN at t = 0.5: the solver shrinks its step up to there, then says why
    with pytest.raises(ode.OdeError, match="not finite") as error:
        ode.solve(*NAN_AFTER_HALF, [1.0], 0.0, [1.0], method=method)
    assert error.value.status == ode.NON_FINITE_STATE
    assert 0.49 < error.value.time <= 0.5


@pytest.mark.parametrize("method", METHODS)
def test_no_output_times_and_no_states_are_empty_solves(method):
    solution = ode.solve(*DECAY, [1.0], 0.0, [], [0.5], method=method)
    assert solution.states.shape == (0, 1) and solution.sensitivities.shape == (0, 1, 2)
    assert solution.num_steps == 0

    @numba.njit(ode.RHS_SIGNATURE)
    def nothing(t, y, p, real_data, int_data, dydt):
        pass

    @numba.njit(ode.JACOBIAN_SIGNATURE)
    def nothing_jacobian(t, y, p, real_data, int_data, jacobian_y, jacobian_p):
        pass

    solution = ode.solve(nothing, nothing_jacobian, np.zeros(0), 0.0, [1.0, 2.0], [0.5], method=method)
    assert solution.states.shape == (2, 0) and solution.sensitivities.shape == (2, 0, 1)


@pytest.mark.parametrize("settings", [{"rtol": 0.0}, {"atol": -1.0}, {"rtol": math.nan}, {"max_steps": 0}])
def test_bad_settings(settings):
    with pytest.raises(ode.OdeError, match="settings are invalid") as error:
        ode.solve(*DECAY, [1.0], 0.0, [1.0], [0.5], **settings)
    assert error.value.status == ode.BAD_SETTINGS


def test_native_callers_get_a_tagged_error_that_names_the_failure():
    @numba.njit
    def solve_or_raise(ts):
        states = np.empty((ts.shape[0], 1))
        sensitivities = np.empty((ts.shape[0], 1, 0))
        status, time, _ = ode_rk45.solve_rk45(decay_rhs, decay_jacobian, 0.0, ts,
                                             np.ones(1), np.ones(1), np.zeros(0), np.zeros(0, np.int64),
                                             1e-6, 1e-6, 100, states, sensitivities)
        ode.raise_for_status(status, time)
        return states

    np.testing.assert_allclose(solve_or_raise(np.array([1.0]))[0, 0], math.exp(-1.0), rtol=1e-5)
    with pytest.raises(ValueError) as error:
        solve_or_raise(np.array([2.0, 1.0]))
    converted = ode.error_from_native(error.value)
    assert converted.status == ode.TIMES_NOT_INCREASING and converted.time == 1.0
    assert ode.error_from_native(ValueError("something else")) is None


def test_a_function_without_the_signature_is_a_clear_error():
    @numba.njit("void(float64, float64[::1], float64[::1], float64[::1], int64[::1], float64[:, ::1])")
    def a_jacobian(t, y, p, real_data, int_data, jacobian_y):
        jacobian_y[0, 0] = 0.0

    with pytest.raises(TypeError, match="was compiled for .* not for the signature"):
        ode.solve(a_jacobian, *DECAY[1:], [1.0], 0.0, [1.0], [0.5])
    with pytest.raises(TypeError, match="must be a Numba function"):
        ode.solve(lambda *a: None, *DECAY[1:], [1.0], 0.0, [1.0], [0.5])
    with pytest.raises(ValueError, match="unknown ODE method 'bdf'"):
        ode.solve(*DECAY, [1.0], 0.0, [1.0], [0.5], method="bdf")


def test_a_lazily_compiled_function_is_compiled_for_the_signature():
    @numba.njit
    def rhs(t, y, p, real_data, int_data, out):
        out[0] = -2.0 * y[0]

    solution = ode.solve(rhs, *DECAY[1:], [1.0], 0.0, [1.0], [2.0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(solution.states[0, 0], math.exp(-2.0), rtol=1e-7)


def test_every_problem_shares_one_compiled_solver():
    ts = np.array([1.0])
    for problem, y0, p in [(DECAY, [1.0], [0.5]), (LOTKA_VOLTERRA, [30.0, 4.0], [0.55, 0.028, 0.8, 0.024])]:
        for method in METHODS:
            ode.solve(*problem, y0, 0.0, ts, p, method=method)
    assert ode_rk45.solve_rk45.signatures == ode_sdirk.solve_sdirk.signatures
    assert len(ode_rk45.solve_rk45.signatures) == 1
    assert len(ode_sdirk.solve_sdirk.signatures) == 1
    assert ode_rk45.solve_rk45.nopython_signatures[0].return_type == SOLVE_SIGNATURE.return_type


# ---------------------------------------------------------------- the shape of the code the emitter will write


@numba.njit("float64(float64[::1], float64[::1], float64[::1], int64[::1])")
def lotka_volterra_log_density_gradient(u, grad_out, real_data, int_data):
    """What the generated gradient of `z = ode_rk45(f, z0, 0.0, ts, theta); y ~ Normal(z, 0.25)`
    will do, u = (z0, theta), real_data = (ts [T], y [T, 2] flattened): solve with sensitivities,
    the forward sweep's density, the states' adjoint, then the contraction into grad_out.  A
    failed solve makes the density -inf, as any non-finite density (the proposal is rejected)."""
    n, m = 2, 4
    count = (real_data.shape[0]) // 3
    ts = real_data[:count].copy()
    observed = real_data[count:].reshape((count, n))
    states = np.empty((count, n))
    sensitivities = np.empty((count, n, n + m))
    status, _, _ = ode_rk45.solve_rk45(lotka_volterra_rhs, lotka_volterra_jacobian, 0.0, ts, u[:n].copy(), u[n:].copy(), real_data, int_data, 1e-10, 1e-10,
                                       100000, states, sensitivities)
    if status != ode.OK:
        return -math.inf
    sigma = 0.25
    log_density = 0.0
    states_adjoint = np.empty((count, n))
    for t in range(count):
        for i in range(n):
            residual = (observed[t, i] - states[t, i]) / sigma
            log_density += -0.5 * residual * residual - math.log(sigma) - 0.5 * math.log(2 * math.pi)
            states_adjoint[t, i] = residual / sigma
    grad_out[:] = 0.0
    ode.add_sensitivity_adjoints(sensitivities, states_adjoint, grad_out[:n], grad_out[n:])
    return log_density


def test_a_log_density_through_the_solver_has_the_finite_difference_gradient():
    ts = np.linspace(1.0, 8.0, 8)
    truth_y0, truth_p = np.array([30.0, 4.0]), np.array([0.55, 0.028, 0.8, 0.024])
    observed = solve_with_scipy(lotka_volterra_numpy, truth_y0, 0.0, ts, truth_p, "DOP853")
    observed += np.random.default_rng(1).normal(0.0, 0.25, size=observed.shape)
    real_data = np.concatenate([ts, observed.ravel()])
    int_data = np.zeros(0, dtype=np.int64)
    u = np.array([29.0, 4.2, 0.5, 0.03, 0.85, 0.022])
    gradient = np.zeros(6)
    value = lotka_volterra_log_density_gradient(u, gradient, real_data, int_data)
    assert math.isfinite(value)
    differences = np.zeros(6)
    for k in range(6):
        step = 1e-6 * max(abs(u[k]), 1e-2)
        plus, minus = u.copy(), u.copy()
        plus[k] += step
        minus[k] -= step
        scratch = np.zeros(6)
        differences[k] = (lotka_volterra_log_density_gradient(plus, scratch, real_data, int_data)
                          - lotka_volterra_log_density_gradient(minus, scratch, real_data, int_data)) / (2 * step)
    np.testing.assert_allclose(gradient, differences, rtol=1e-5)
    # parameters the solver cannot follow (an explosive predator growth): -inf, not an exception
    assert lotka_volterra_log_density_gradient(np.array([30.0, 4.0, 50.0, 0.0, -50.0, 0.0]), gradient, real_data,
                                               int_data) == -math.inf
