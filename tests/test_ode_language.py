"""`ode_rk45` / `ode_bdf` in the language: the checker's rules (located errors), the generated
right-hand side, Jacobian and solve against SciPy's solve_ivp and finite differences, failed
solves (-inf in the log density, located errors elsewhere), and the gallery's ODE models
against a reference posterior (posteriordb's Lotka–Volterra) and their simulated truth."""

import json
import math

import numpy as np
import pytest

import ppl
from ppl.errors import DataError, ModelError, SamplingError
from reference_posteriors import REFERENCES, ROOT

scipy_integrate = pytest.importorskip("scipy.integrate")
scipy_stats = pytest.importorskip("scipy.stats")

LOTKA_VOLTERRA_RHS = """
def dz_dt(t: real, z: real[2], theta: real[4]) -> real[2]:
    du = (theta[0] - theta[1] * z[1]) * z[0]
    dv = (-theta[2] + theta[3] * z[0]) * z[1]
    return [du, dv]
"""


def lotka_volterra(t, z, theta):
    return [(theta[0] - theta[1] * z[1]) * z[0], (-theta[2] + theta[3] * z[0]) * z[1]]


def scipy_solution(function, y0, ts, *args):
    solution = scipy_integrate.solve_ivp(function, (0.0, ts[-1]), y0, method="DOP853", t_eval=ts, rtol=1e-12,
                                         atol=1e-12, args=args)
    assert solution.success
    return solution.y.T


def line_of(source, text):
    """The 1-based line of the first line of source that contains text."""
    return next(k for k, line in enumerate(source.splitlines(), 1) if text in line)


def finite_difference_gradient(posterior, u, relative_step=1e-6):
    gradient = np.zeros_like(u)
    for k in range(u.size):
        step = relative_step * max(abs(u[k]), 1.0)
        plus, minus = u.copy(), u.copy()
        plus[k] += step
        minus[k] -= step
        gradient[k] = (posterior.log_density(plus) - posterior.log_density(minus)) / (2 * step)
    return gradient


TS = np.linspace(0.5, 6.0, 8)
TRUE_THETA = np.array([0.55, 0.028, 0.8, 0.024])
TRUE_Z0 = np.array([30.0, 4.0])
OBSERVED = scipy_solution(lotka_volterra, TRUE_Z0, TS, TRUE_THETA) * np.exp(
    np.random.default_rng(3).normal(0.0, 0.1, (TS.size, 2)))


# ---- values and gradients ---------------------------------------------------------------------

def relax(t, y, level, rates, power):
    return -rates * (y - level) + 0.1 * np.sin(t) ** power


# Both solvers, each twice: params in y0 and in a vector argument (Lotka–Volterra), and a param
# scalar with a data vector, an int and the time read by f (a decay toward a level), y0 data.
# One model, so that one compilation covers every case.
BOTH_SOLVERS = LOTKA_VOLTERRA_RHS + """
def relax(t: real, y: real[n], level: real, rates: real[n], power: int) -> real[n]:
    return -rates * (y - level) + 0.1 * sin(t) ** power
data T: int<lower=1>
data ts: real[T]
data y: real<lower=0>[T, 2]
data rates: real<lower=0>[3]
data y0: real[3]
data x: real[T, 3]
param theta: real<lower=0>[4]
param z0: real<lower=0>[2]
param level: real
z_rk45 = ode_rk45(dz_dt, z0, 0.0, ts, theta, rtol=1e-10, atol=1e-10, max_steps=100000)
z_bdf = ode_bdf(dz_dt, z0, 0.0, ts, theta, rtol=1e-10, atol=1e-10, max_steps=100000)
r_rk45 = ode_rk45(relax, y0, 0.0, ts, level, rates, 2, rtol=1e-10, atol=1e-10)
r_bdf = ode_bdf(relax, y0, 0.0, ts, level, rates, 2, rtol=1e-10, atol=1e-10)
y ~ LogNormal(log(z_rk45), 0.1)
y ~ LogNormal(log(z_bdf), 0.1)
x ~ Normal(r_rk45, 0.05)
x ~ Normal(r_bdf, 0.05)
"""
RATES, Y0 = np.array([0.5, 2.0, 30.0]), np.array([1.0, -1.0, 2.0])
X = scipy_solution(relax, Y0, TS, 0.3, RATES, 2) + np.random.default_rng(4).normal(0, 0.05, (TS.size, 3))


@pytest.mark.slow   # four call sites to compile: 35 s on two loaded cores (the gallery's ODE models keep
# a finite-difference check of both solvers in the default run: tests/test_gallery_gradients.py)
def test_solves_are_scipys_solutions_and_their_gradients_the_finite_difference_ones():
    posterior = ppl.model(BOTH_SOLVERS).condition({"T": TS.size, "ts": TS, "y": OBSERVED, "rates": RATES,
                                                   "y0": Y0, "x": X})
    theta, z0, level = np.array([0.5, 0.03, 0.85, 0.022]), np.array([28.0, 4.5]), 0.25
    u = np.concatenate([np.log(theta), np.log(z0), [level]])
    z = scipy_solution(lotka_volterra, z0, TS, theta)
    r = scipy_solution(relax, Y0, TS, level, RATES, 2)
    values = posterior.deterministics(u)
    for solver in ("rk45", "bdf"):
        np.testing.assert_allclose(values[f"z_{solver}"], z, rtol=1e-7)
        np.testing.assert_allclose(values[f"r_{solver}"], r, rtol=1e-7, atol=1e-9)
    jacobian = np.sum(u[:6])   # the lower bounds' log-Jacobian: log d exp(u) / du = u
    reference = (2 * np.sum(scipy_stats.lognorm.logpdf(OBSERVED, 0.1, scale=z))
                 + 2 * np.sum(scipy_stats.norm.logpdf(X, r, 0.05)) + jacobian)
    value, gradient = posterior.log_density_gradient(u)
    assert value == pytest.approx(reference, rel=1e-8)
    np.testing.assert_allclose(gradient, finite_difference_gradient(posterior, u), rtol=1e-5, atol=1e-5)


def test_a_solve_of_data_alone_is_transformed_data_and_a_gen_solve_is_generated():
    source = LOTKA_VOLTERRA_RHS + """
data ts: real[4]
data theta: real[4]
param s: real<lower=0>
z = ode_rk45(dz_dt, [30.0, 4.0], 0.0, ts, theta, rtol=1e-10, atol=1e-10)
s ~ Exponential(1)
gen w = ode_bdf(dz_dt, [30.0, 4.0] * s, 0.0, ts, theta, rtol=1e-10, atol=1e-10)
"""
    ts = TS[:4]
    posterior = ppl.model(source).condition({"ts": ts, "theta": TRUE_THETA})
    generated = posterior.generate(np.array([math.log(1.5)]))
    np.testing.assert_allclose(generated["w"], scipy_solution(lotka_volterra, 1.5 * TRUE_Z0, ts, TRUE_THETA),
                               rtol=1e-7)


# ---- failed solves ------------------------------------------------------------------------------

FAILING = LOTKA_VOLTERRA_RHS + """
data T: int<lower=1>
data ts: real[T]
data y: real<lower=0>[T, 2]
param theta: real<lower=0>[4]
z = ode_rk45(dz_dt, [30.0, 4.0], 0.0, ts, theta, max_steps=3)
y ~ LogNormal(log(z), 0.1)
"""


def test_a_failed_solve_makes_the_log_density_minus_infinity_and_is_named_when_sampling_cannot_start():
    posterior = ppl.model(FAILING).condition({"T": TS.size, "ts": TS, "y": OBSERVED})
    u = np.log(TRUE_THETA)
    assert posterior.log_density(u) == -math.inf
    value, _ = posterior.log_density_gradient(u)
    assert value == -math.inf
    with pytest.raises(SamplingError) as error:
        posterior.deterministics(u)
    assert "more than max_steps" in str(error.value) and error.value.span.line == line_of(FAILING, "z = ode_rk45")
    with pytest.raises(ModelError) as error:
        posterior.sample(chains=1, warmup=10, draws=10, seed=1, progress=False)
    assert error.value.span is not None and error.value.span.line == line_of(FAILING, "z = ode_rk45")


def test_a_failed_solve_of_data_alone_is_a_data_error_at_the_call():
    source = LOTKA_VOLTERRA_RHS + """
data ts: real[3]
param s: real
z = ode_rk45(dz_dt, [30.0, 4.0], 0.0, ts, [0.55, 0.028, 0.8, 0.024], max_steps=2)
s ~ Normal(z[0, 0], 1)
"""
    with pytest.raises(DataError) as error:
        ppl.model(source).condition({"ts": [1.0, 2.0, 3.0]})
    assert error.value.span.line == line_of(source, "z = ode_rk45") and "max_steps" in str(error.value)
    with pytest.raises(DataError, match="strictly increasing"):
        ppl.model(source).condition({"ts": [1.0, 3.0, 2.0]})


def test_a_failed_solve_in_gen_is_a_located_error():
    source = LOTKA_VOLTERRA_RHS + """
data ts: real[3]
param s: real<lower=0>
s ~ Exponential(1)
gen w = ode_rk45(dz_dt, [30.0, 4.0] * s, 0.0, ts, [0.55, 0.028, 0.8, 0.024], max_steps=2)
"""
    posterior = ppl.model(source).condition({"ts": [1.0, 2.0, 3.0]})
    with pytest.raises(SamplingError) as error:
        posterior.generate(np.array([0.0]))
    assert error.value.span.line == line_of(source, "gen w") and "max_steps" in str(error.value)


# ---- the checker's rules --------------------------------------------------------------------------

def _error(statement):
    source = LOTKA_VOLTERRA_RHS + "data ts: real[3]\ndata r: real\nparam theta: real<lower=0>[4]\n" + statement
    with pytest.raises(ModelError) as error:
        ppl.model(source)
    return error.value, line_of(source, "ode_")


BAD = {
    "not a function": ("z = ode_rk45(theta, [1.0, 2.0], 0.0, ts, theta)", "is not a user function"),
    "an expression for f": ("z = ode_rk45(2 * theta, [1.0, 2.0], 0.0, ts, theta)", "name of a user function"),
    "too few arguments": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0)", "missing its argument 'ts'"),
    "an extra argument": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta, r)", "takes 1 argument after t and y"),
    "an argument of the wrong shape": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta[:3])", "does not fit"),
    "a state of the wrong size": ("z = ode_rk45(dz_dt, [1.0, 2.0, 3.0], 0.0, ts, theta)", "does not fit"),
    "a scalar state": ("z = ode_rk45(dz_dt, 1.0, 0.0, ts, theta)", "must be a vector"),
    "a param time": ("z = ode_rk45(dz_dt, [1.0, 2.0], theta[0], ts, theta)", "'t0' of `ode_rk45` must depend on data"),
    "param times": ("z = ode_bdf(dz_dt, [1.0, 2.0], 0.0, ts * theta[0], theta)", "'ts' of `ode_bdf` must depend on data"),
    "a matrix of times": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, theta, theta)", "must depend on data only"),
    "a param tolerance": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta, rtol=theta[0])", "'rtol'"),
    "a real max_steps": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta, max_steps=10.0)", "an int scalar"),
    "an unknown setting": ("z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta, rtl=1e-6)", "no setting 'rtl'"),
    "inside an expression": ("z = 2 * ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta)", "whole value of a top-level"),
    "inside a loop": ("for i in range(2):\n    z = ode_rk45(dz_dt, [1.0, 2.0], 0.0, ts, theta)",
                      "whole value of a top-level"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_rule_of_a_solve_is_a_located_error(case):
    statement, message = BAD[case]
    error, line = _error(statement)
    assert message in str(error), str(error)
    assert error.span is not None and error.span.line == line, str(error)


@pytest.mark.parametrize("signature, message", [
    ("def f(t: real, y: real[n]) -> real[3]:\n    return y[:3]", "a real vector of the state's size"),
    ("def f(y: real[n], t: real) -> real[n]:\n    return y", "is the time, a real scalar"),
    ("def f(t: real, y: real) -> real:\n    return y", "is the state, a real vector"),
    ("def f(t: real) -> real[1]:\n    return [t]", "takes the time and the state first"),
])
def test_a_right_hand_side_with_the_wrong_signature_is_a_located_error(signature, message):
    with pytest.raises(ModelError) as error:
        ppl.model(signature + "\ndata ts: real[3]\nz = ode_rk45(f, [1.0, 2.0, 3.0], 0.0, ts)\n")
    assert message in str(error.value) and error.value.span.line in (1, 2), str(error.value)


def test_a_function_cannot_take_a_solvers_name():
    with pytest.raises(ModelError, match="an ODE solver"):
        ppl.model("def ode_rk45(t: real) -> real:\n    return t\n")


# ---- the gallery ------------------------------------------------------------------------------------

def _element(fit, stan_name):
    base, index = stan_name.rstrip("]").split("[")
    return fit[base][..., int(index) - 1]


@pytest.mark.slow
def test_lotka_volterra_samples_the_reference_posterior_of_posteriordb():
    """A short run (2 chains × 300 draws after 300 of warmup) against posteriordb's 10,000
    reference draws: each mean within 5 combined Monte Carlo standard errors or 0.1 sd."""
    from ppl import diagnostics

    reference = json.loads((REFERENCES / "hudson_lynx_hare-lotka_volterra" / "reference.json").read_text())
    model = ppl.compile(ROOT / "examples" / "lotka_volterra.ppl")
    fit = model.sample(ROOT / "examples" / "lotka_volterra.data.json", chains=2, warmup=300, draws=300, seed=11,
                       progress=False)
    assert fit.num_divergent == 0
    problems = []
    for stan_name, row in reference["params"].items():
        draws = _element(fit, stan_name)
        mcse = float(diagnostics.mcse_mean(draws))
        tolerance = max(5 * math.hypot(mcse, row["mcse_mean_pdb"]), 0.1 * row["sd"])
        if abs(draws.mean() - row["mean"]) > tolerance:
            problems.append(f"{stan_name}: mean {draws.mean():.4g}, reference {row['mean']:.4g} (±{tolerance:.2g})")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_one_compartment_model_recovers_its_simulated_truth():
    """The stiff solver in a model: 2 chains × 300 draws; each true value within the central 99%
    of its posterior draws (examples/one_compartment_data.py made the data from them)."""
    model = ppl.compile(ROOT / "examples" / "one_compartment.ppl")
    fit = model.sample(ROOT / "examples" / "one_compartment.data.json", chains=2, warmup=300, draws=300, seed=5,
                       progress=False)
    assert fit.num_divergent == 0
    for name, truth in {"k_a": 10.0, "K_m": 2.5, "V_m": 2.0, "sigma": 0.1}.items():
        low, high = np.quantile(fit[name], [0.005, 0.995])
        assert low < truth < high, (name, low, high)
