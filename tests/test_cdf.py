"""The cdfs the catalogue declares (``log_cdf=`` / ``log_survival=``), against independent oracles.

One table, ROWS, has a row per family and parameterisation that declares a cdf (a test keeps
it complete): its parameters, its scipy.stats twin, the textbook cdf in mpmath (50 digits, the
oracle in the far tails, where scipy's own answer underflows or cancels) and points from the far
lower tail to the far upper tail.  The generic tests run the library's four methods
(``log_cdf``, ``cdf``, ``log_survival_function``, ``survival_function``) and the compiled
language expressions over every row; the compiled gradients are checked by finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats as st

import ppl
import ppl.distributions as tfd
from ppl.catalogue.distributions import DISTRIBUTIONS
from tests.gradient_checks import check_gradient

METHODS = ("log_cdf", "cdf", "log_survival_function", "survival_function")
SCIPY_METHODS = {"log_cdf": "logcdf", "cdf": "cdf", "log_survival_function": "logsf", "survival_function": "sf"}


@dataclass
class Row:
    id: str
    family: str
    parameters: dict
    scipy: object                                # the frozen scipy.stats distribution
    textbook_cdf: Callable                       # (x, **parameters) -> mpmath number, F(x) inside the support
    textbook_survival: Callable                  # the same for 1 - F(x), written so that it keeps its digits
    points: tuple                                # inside the support, far tails included
    body: tuple = ()                             # where scipy is accurate and all four methods finite
                                                 # (default: the points), for scipy and the compiled code
    declarations: dict = field(default_factory=dict)   # param name -> its type in the compiled model
    data: tuple = ()                             # parameters given as data in the compiled model


def _z(x, loc, scale):
    return (mpmath.mpf(x) - loc) / scale


def _laplace(x, loc, scale):
    z = _z(x, loc, scale)
    return mpmath.exp(z) / 2 if z < 0 else 1 - mpmath.exp(-z) / 2


def _gamma_p(a, x):
    return mpmath.gammainc(a, 0, x, regularized=True)


def _gamma_q(a, x):
    return mpmath.gammainc(a, x, mpmath.inf, regularized=True)


def _beta_i(a, b, x):
    """I_x(a, b) in mpmath, x an exact mpf (a complement 1 - x is formed there, exactly)."""
    return mpmath.betainc(a, b, 0, x, regularized=True)


def _student_t(x, df, loc, scale):
    z = _z(x, loc, scale)
    half_tail = _beta_i(df / 2, mpmath.mpf(1) / 2, df / (df + z ** 2)) / 2
    return half_tail if z < 0 else 1 - half_tail


def _count_tails(first, second, probs):
    """(P(X <= k), P(X > k)) of a count family with P(X > k) = I_p(first, second)."""
    return _beta_i(second, first, 1 - probs), _beta_i(first, second, probs)


def _binomial(k, total_count, probs):
    if k >= total_count:
        return mpmath.mpf(1), mpmath.mpf(0)
    return _count_tails(k + 1, total_count - k, probs)


def _expit(logits):
    return 1 / (1 + mpmath.exp(-logits))


def _folded(law):
    """scipy's twin of a symmetric law folded at its centre (scipy has no half StudentT): its
    cdf 2 F - 1 and survival function 2 S."""
    return SimpleNamespace(cdf=lambda x: 2 * law.cdf(x) - 1, logcdf=lambda x: np.log(2 * law.cdf(x) - 1),
                           sf=lambda x: 2 * law.sf(x), logsf=lambda x: np.log(2) + law.logsf(x))


def _mirrored(cdf):
    """1 - F(x) = F(2 loc - x) for a family symmetric about loc."""
    return lambda x, loc, scale: cdf(2 * loc - mpmath.mpf(x), loc, scale)


def _normal(x, loc, scale):
    return mpmath.ncdf(_z(x, loc, scale))


def _cauchy(x, loc, scale):
    return mpmath.mpf(1) / 2 + mpmath.atan(_z(x, loc, scale)) / mpmath.pi


def _logistic(x, loc, scale):
    return 1 / (1 + mpmath.exp(-_z(x, loc, scale)))


Z = (-1e4, -40.0, -5.0, -1.0, 0.0, 0.7, 3.0, 40.0, 1e4)
BODY_Z = (-5.0, -1.0, 0.0, 0.7, 3.0)
POSITIVE_X = (1e-12, 1e-3, 0.3, 1.0, 3.0, 30.0, 300.0)


def _location_scale(loc, scale, z=Z):
    return tuple(loc + scale * value for value in z)


ROWS = [
    Row("Normal", "Normal", {"loc": 0.3, "scale": 1.7}, st.norm(0.3, 1.7),
        _normal, _mirrored(_normal), _location_scale(0.3, 1.7),
        _location_scale(0.3, 1.7, (-40.0, *BODY_Z, 8.0))),
    Row("LogNormal", "LogNormal", {"loc": 0.5, "scale": 0.8}, st.lognorm(0.8, scale=np.exp(0.5)),
        lambda x, loc, scale: mpmath.ncdf((mpmath.log(x) - loc) / scale),
        lambda x, loc, scale: mpmath.ncdf((loc - mpmath.log(x)) / scale), (1e-30, 1e-3, 0.5, 1.6, 5.0, 100.0, 1e30),
        (1e-3, 0.5, 1.6, 5.0, 100.0)),
    Row("HalfNormal", "HalfNormal", {"scale": 1.3}, st.halfnorm(scale=1.3),
        lambda x, scale: mpmath.erf(mpmath.mpf(x) / (scale * mpmath.sqrt(2))),
        lambda x, scale: mpmath.erfc(mpmath.mpf(x) / (scale * mpmath.sqrt(2))), (1e-12, 1e-3, 0.3, 1.0, 3.0, 52.0),
        (1e-3, 0.3, 1.0, 3.0)),
    Row("Cauchy", "Cauchy", {"loc": -0.4, "scale": 2.0}, st.cauchy(-0.4, 2.0),
        _cauchy, _mirrored(_cauchy), _location_scale(-0.4, 2.0, (-1e10, *Z, 1e10)), _location_scale(-0.4, 2.0, BODY_Z)),
    Row("HalfCauchy", "HalfCauchy", {"loc": 1.0, "scale": 0.5}, st.halfcauchy(1.0, 0.5),
        lambda x, loc, scale: 2 * mpmath.atan(_z(x, loc, scale)) / mpmath.pi,
        lambda x, loc, scale: 2 * mpmath.atan(1 / _z(x, loc, scale)) / mpmath.pi,
        (1.0 + 1e-12, 1.001, 1.3, 2.0, 10.0, 1e8), (1.001, 1.3, 2.0, 10.0)),
    Row("Exponential", "Exponential", {"rate": 2.5}, st.expon(scale=1 / 2.5),
        lambda x, rate: -mpmath.expm1(-rate * mpmath.mpf(x)), lambda x, rate: mpmath.exp(-rate * mpmath.mpf(x)),
        POSITIVE_X, POSITIVE_X[:6]),
    Row("Uniform", "Uniform", {"low": -1.0, "high": 3.0}, st.uniform(-1.0, 4.0),
        lambda x, low, high: (mpmath.mpf(x) - low) / (high - low),
        lambda x, low, high: (high - mpmath.mpf(x)) / (high - low), (-1.0 + 1e-12, -0.5, 0.0, 1.0, 2.9, 3.0 - 1e-9),
        (-0.5, 0.0, 1.0, 2.9),
        declarations={"low": "real", "high": "real<lower=low>"}),
    Row("Laplace", "Laplace", {"loc": 0.2, "scale": 0.9}, st.laplace(0.2, 0.9), _laplace, _mirrored(_laplace),
        _location_scale(0.2, 0.9, (-800.0, *Z, 800.0)), _location_scale(0.2, 0.9, BODY_Z)),
    Row("Logistic", "Logistic", {"loc": -1.0, "scale": 1.5}, st.logistic(-1.0, 1.5),
        _logistic, _mirrored(_logistic),
        _location_scale(-1.0, 1.5, (-800.0, *Z, 800.0)), _location_scale(-1.0, 1.5, BODY_Z)),
    Row("Weibull", "Weibull", {"concentration": 1.7, "scale": 3.0}, st.weibull_min(1.7, scale=3.0),
        lambda x, concentration, scale: -mpmath.expm1(-(mpmath.mpf(x) / scale) ** concentration),
        lambda x, concentration, scale: mpmath.exp(-(mpmath.mpf(x) / scale) ** concentration),
        POSITIVE_X, POSITIVE_X[:6]),
    Row("Gamma", "Gamma", {"concentration": 2.5, "rate": 1.5}, st.gamma(2.5, scale=1 / 1.5),
        lambda x, concentration, rate: _gamma_p(concentration, rate * x),
        lambda x, concentration, rate: _gamma_q(concentration, rate * x), (1e-9, 0.01, 0.5, 1.7, 6.0, 60.0, 500.0),
        (0.01, 0.5, 1.7, 6.0, 20.0)),
    Row("InverseGamma", "InverseGamma", {"concentration": 3.0, "scale": 2.0}, st.invgamma(3.0, scale=2.0),
        lambda x, concentration, scale: _gamma_q(concentration, scale / mpmath.mpf(x)),
        lambda x, concentration, scale: _gamma_p(concentration, scale / mpmath.mpf(x)), (0.005, 0.1, 0.7, 2.0, 40.0, 1e6),
        (0.1, 0.7, 2.0, 40.0)),
    Row("Chi2", "Chi2", {"df": 4.0}, st.chi2(4.0),
        lambda x, df: _gamma_p(df / 2, mpmath.mpf(x) / 2), lambda x, df: _gamma_q(df / 2, mpmath.mpf(x) / 2),
        (1e-6, 0.3, 3.0, 12.0, 200.0, 2000.0), (0.3, 3.0, 12.0, 30.0)),
    Row("Beta", "Beta", {"concentration1": 2.5, "concentration0": 1.5}, st.beta(2.5, 1.5),
        lambda x, concentration1, concentration0: _beta_i(concentration1, concentration0, mpmath.mpf(x)),
        lambda x, concentration1, concentration0: _beta_i(concentration0, concentration1, 1 - mpmath.mpf(x)),
        (1e-12, 1e-3, 0.2, 0.5, 0.9, 1 - 1e-9), (1e-3, 0.2, 0.5, 0.9)),
    Row("StudentT", "StudentT", {"df": 3.5, "loc": 0.3, "scale": 1.7}, st.t(3.5, 0.3, 1.7),
        _student_t, lambda x, df, loc, scale: _student_t(2 * loc - mpmath.mpf(x), df, loc, scale),
        _location_scale(0.3, 1.7, (-1e30, *Z, 1e30)), _location_scale(0.3, 1.7, BODY_Z)),
    Row("HalfStudentT", "HalfStudentT", {"df": 3.0, "loc": 1.0, "scale": 0.5}, _folded(st.t(3.0, 1.0, 0.5)),
        lambda x, df, loc, scale: _beta_i(mpmath.mpf(1) / 2, df / 2, _z(x, loc, scale) ** 2 / (df + _z(x, loc, scale) ** 2)),
        lambda x, df, loc, scale: _beta_i(df / 2, mpmath.mpf(1) / 2, df / (df + _z(x, loc, scale) ** 2)),
        (1.0 + 1e-12, 1.001, 1.3, 2.0, 10.0, 1e8), (1.001, 1.3, 2.0, 10.0)),
    Row("Binomial_probs", "Binomial", {"total_count": 200, "probs": 0.3}, st.binom(200, 0.3),
        lambda k, total_count, probs: _binomial(k, total_count, probs)[0],
        lambda k, total_count, probs: _binomial(k, total_count, probs)[1], (0, 1, 50, 60, 150, 199, 200),
        (1, 50, 60, 80), declarations={"probs": "real<lower=0, upper=1>"}, data=("total_count",)),
    Row("Binomial_logits", "Binomial", {"total_count": 20, "logits": 2.0}, st.binom(20, scipy.special.expit(2.0)),
        lambda k, total_count, logits: _binomial(k, total_count, _expit(logits))[0],
        lambda k, total_count, logits: _binomial(k, total_count, _expit(logits))[1], (0, 1, 10, 19, 20), (0, 1, 10, 19),
        data=("total_count",)),
    Row("NegativeBinomial_probs", "NegativeBinomial", {"total_count": 2.5, "probs": 0.3}, st.nbinom(2.5, 0.7),
        lambda k, total_count, probs: _count_tails(k + 1, total_count, probs)[0],
        lambda k, total_count, probs: _count_tails(k + 1, total_count, probs)[1], (0, 1, 3, 10, 100, 1000),
        (0, 1, 3, 10, 30), declarations={"probs": "real<lower=0, upper=1>"}),
    Row("NegativeBinomial_logits", "NegativeBinomial", {"total_count": 4.0, "logits": -1.0},
        st.nbinom(4.0, scipy.special.expit(1.0)),
        lambda k, total_count, logits: _count_tails(k + 1, total_count, _expit(logits))[0],
        lambda k, total_count, logits: _count_tails(k + 1, total_count, _expit(logits))[1], (0, 1, 3, 10, 100, 1000),
        (0, 1, 3, 10)),
    Row("NegativeBinomial2", "NegativeBinomial2", {"mean": 4.0, "concentration": 1.5}, st.nbinom(1.5, 1.5 / 5.5),
        lambda k, mean, concentration: _count_tails(k + 1, concentration, mean / (mean + concentration))[0],
        lambda k, mean, concentration: _count_tails(k + 1, concentration, mean / (mean + concentration))[1],
        (0, 1, 4, 20, 200, 2000), (0, 1, 4, 20)),
    Row("Poisson_rate", "Poisson", {"rate": 3.5}, st.poisson(3.5),
        lambda x, rate: _gamma_q(x + 1, rate), lambda x, rate: _gamma_p(x + 1, rate), (0, 1, 3, 7, 20, 200),
        (0, 1, 3, 7, 20)),
    Row("Poisson_log_rate", "Poisson", {"log_rate": 4.0}, st.poisson(np.exp(4.0)),
        lambda x, log_rate: _gamma_q(x + 1, mpmath.exp(log_rate)), lambda x, log_rate: _gamma_p(x + 1, mpmath.exp(log_rate)),
        (0, 10, 54, 100, 1000), (10, 54, 100)),
    Row("Bernoulli_probs", "Bernoulli", {"probs": 0.3}, st.bernoulli(0.3),
        lambda x, probs: 1 - probs if x < 1 else mpmath.mpf(1),
        lambda x, probs: probs if x < 1 else mpmath.mpf(0), (0, 1), (0,),
        declarations={"probs": "real<lower=0, upper=1>"}),
    Row("Bernoulli_logits", "Bernoulli", {"logits": -40.0}, st.bernoulli(scipy.special.expit(-40.0)),
        lambda x, logits: 1 / (1 + mpmath.exp(logits)) if x < 1 else mpmath.mpf(1),
        lambda x, logits: 1 / (1 + mpmath.exp(-logits)) if x < 1 else mpmath.mpf(0), (0, 1), (0,)),
]


def _oracle(row: Row, method: str, x) -> float:
    """The textbook F (or 1 - F) in 50 digits, then the method's log or not."""
    with mpmath.workdps(50):
        parameters = {key: mpmath.mpf(value) for key, value in row.parameters.items()}
        textbook = row.textbook_cdf if method in ("log_cdf", "cdf") else row.textbook_survival
        value = textbook(x, **parameters)
        return float(mpmath.log(value)) if method.startswith("log_") else float(value)


def _library(row: Row):
    return getattr(tfd, row.family)(**row.parameters)


def _close(actual, expected, relative=1e-12, absolute=1e-15):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    both_infinite = np.isinf(expected) & (actual == expected)
    with np.errstate(invalid="ignore"):
        gap = np.abs(actual - expected)
    return bool(np.all(both_infinite | (np.isfinite(expected) & (gap <= relative * np.abs(expected) + absolute))))


def test_every_family_with_a_cdf_has_a_row():
    from ppl.catalogue.density import parameterisations

    declared = {(d.name, given) for d in set(DISTRIBUTIONS.values()) if d.has_cdf for given in parameterisations(d)}
    covered = {(row.family, tuple(row.parameters)) for row in ROWS}
    assert declared == covered


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_library_methods_match_the_textbook_cdf_in_high_precision(row, method):
    """Everywhere, the far tails included: log F at z = -40 (Normal) is -804.6, not -inf."""
    points = np.array(row.points, dtype=float)
    actual = getattr(_library(row), method)(points)
    expected = [_oracle(row, method, x) for x in row.points]
    assert np.all(np.isfinite(actual) | np.isinf(expected))
    assert _close(actual, expected), (actual, expected)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_library_methods_match_scipy(row, method):
    points = np.array(row.body or row.points, dtype=float)
    actual = getattr(_library(row), method)(points)
    expected = getattr(row.scipy, SCIPY_METHODS[method])(points)
    assert _close(actual, expected, relative=1e-10, absolute=1e-14), (actual, expected)


def test_normal_log_cdf_in_the_far_lower_tail():
    normal = tfd.Normal(0.0, 1.0)
    assert normal.log_cdf(-40.0) == pytest.approx(scipy.special.log_ndtr(-40.0), rel=1e-14)
    assert normal.log_cdf(-40.0) == pytest.approx(-804.6084420137538, rel=1e-14)
    assert normal.log_survival_function(40.0) == pytest.approx(scipy.special.log_ndtr(-40.0), rel=1e-14)
    assert normal.log_cdf(-1e5) == pytest.approx(scipy.special.log_ndtr(-1e5), rel=1e-14)


@pytest.mark.parametrize("row", ROWS[:2], ids=lambda row: row.id)
def test_outside_the_support_the_cdf_is_0_below_and_1_above(row):
    below = {"LogNormal": -1.0, "Normal": -np.inf}[row.id]
    distribution = _library(row)
    assert distribution.cdf(below) == 0.0 and distribution.log_cdf(below) == -np.inf
    assert distribution.survival_function(below) == 1.0 and distribution.log_survival_function(below) == 0.0


@pytest.mark.parametrize("family, parameters, below, above", [
    ("Uniform", {"low": -1.0, "high": 3.0}, -2.0, 4.0),
    ("Exponential", {"rate": 2.0}, -0.5, None),
    ("HalfCauchy", {"loc": 1.0, "scale": 0.5}, 0.5, None),
    ("Weibull", {"concentration": 0.5, "scale": 2.0}, -3.0, None),
    ("Bernoulli", {"probs": 0.4}, -1.0, 2.0),
])
def test_limits_outside_the_support(family, parameters, below, above):
    distribution = getattr(tfd, family)(**parameters)
    assert distribution.cdf(below) == 0.0 and distribution.log_survival_function(below) == 0.0
    if above is not None:
        assert distribution.cdf(above) == 1.0 and distribution.log_survival_function(above) == -np.inf


def test_library_methods_broadcast_like_log_prob():
    normal = tfd.Normal(np.zeros((3, 1)), np.array([1.0, 2.0]))
    x = np.linspace(-1, 1, 4)[:, None, None]
    assert normal.log_cdf(x).shape == (4, 3, 2) == normal.log_prob(x).shape
    assert np.allclose(normal.survival_function(x), st.norm(0, [1.0, 2.0]).sf(x))


def test_a_count_family_takes_the_integer_part():
    bernoulli = tfd.Bernoulli(probs=0.25)
    assert bernoulli.cdf(0.7) == pytest.approx(0.75)
    assert bernoulli.survival_function(0.7) == pytest.approx(0.25)


def test_families_without_a_declared_cdf_keep_their_own():
    """BetaBinomial's cdf is a sum of its masses, written in its library class (not in the
    language); the survival function follows from it."""
    law = tfd.BetaBinomial(10, 2.5, 1.5)
    k = np.array([0.0, 3.0, 9.0])
    assert np.allclose(law.log_cdf(k), st.betabinom(10, 2.5, 1.5).logcdf(k), rtol=1e-10)
    assert np.allclose(law.log_survival_function(k), st.betabinom(10, 2.5, 1.5).logsf(k), rtol=1e-8)


# ---- the language ----------------------------------------------------------------------------

_DECLARATIONS = {"real": "real", "positive": "real<lower=0>", "nonnegative": "real<lower=0>",
                 "probability": "real<lower=0, upper=1>"}


def _compiled_model(row: Row, weights) -> str:
    declaration = DISTRIBUTIONS[row.family]
    value_type = "int" if declaration.support.dtype == "int" else "real"
    lines = ["data N: int", f"data x: {value_type}[N]"]
    lines += [f"data {name}: {declaration.parameter(name).dtype}" for name in row.data]
    for name in row.parameters:
        if name in row.data:
            continue
        declared = row.declarations.get(name) or _DECLARATIONS[declaration.parameter(name).domain.name]
        lines.append(f"param {name}: {declared}")
    call = f"{row.family}({', '.join(f'{name}={name}' for name in row.parameters)})"
    lines += [f"target += {weight} * sum({call}.{method}(x))" for method, weight in zip(METHODS, weights)]
    return "\n".join(lines) + "\n"


WEIGHTS = (1.0, 0.5, 0.25, 2.0)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_compiled_expressions_and_their_gradients(row):
    """`D(...).log_cdf(x)` and the three others, compiled: their values are the oracle's and their
    gradient (in x's parameters, through the transforms) is finite differences'."""
    model = ppl.model(_compiled_model(row, WEIGHTS))
    points = row.body or row.points
    data = {name: row.parameters[name] for name in row.data}
    posterior = model.condition({"N": len(points), "x": points, **data})
    params = {name: value for name, value in row.parameters.items() if name not in row.data}
    expected = sum(weight * sum(_oracle(row, method, x) for x in points) for method, weight in zip(METHODS, WEIGHTS))
    assert posterior.log_prob(params) == pytest.approx(expected, rel=1e-11, abs=1e-12)
    check_gradient(posterior, posterior.unconstrain(params))


def test_the_normal_log_cdf_gradient_is_finite_far_in_the_tail():
    """d/dmu log Φ((x - mu)/sigma) at z = -40 is the inverse Mills ratio, about 40/sigma: the
    compiled derivative exp(log φ - log Φ) keeps it finite where φ / Φ is 0 / 0."""
    posterior = ppl.model("data x: real\nparam mu: real\ntarget += Normal(mu, 1).log_cdf(x)\n").condition({"x": -40.0})
    value, gradient = posterior.log_density_gradient(np.array([0.0]))
    assert value == pytest.approx(scipy.special.log_ndtr(-40.0), rel=1e-14)
    mills = np.exp(st.norm.logpdf(-40.0) - scipy.special.log_ndtr(-40.0))
    assert gradient[0] == pytest.approx(-mills, rel=1e-12)


def test_compiled_functions_are_batch_shaped_like_log_prob():
    model = ppl.model("""
data x: real[3]
param mu: real[2, 1]
gen lc = Normal(mu, 1).log_cdf(x)
gen s = Exponential(2).survival_function(x)
""")
    posterior = model.condition({"x": [0.1, 0.5, 2.0]})
    generated = posterior.generate(posterior.unconstrain({"mu": [[0.0], [1.0]]}))
    assert generated["lc"].shape == (2, 3)
    assert np.allclose(generated["lc"], st.norm([[0.0], [1.0]], 1).logcdf([0.1, 0.5, 2.0]), rtol=1e-12)
    assert np.allclose(generated["s"], np.exp(-2 * np.array([0.1, 0.5, 2.0])), rtol=1e-12)


def test_censored_exponential_is_the_conjugate_gamma_posterior():
    """Right-censored exponential times under a Gamma(a, b) prior on the rate: the likelihood is
    rate^d exp(-rate (sum of all times)), so the posterior is Gamma(a + d, b + total time)."""
    rng = np.random.default_rng(11)
    times = rng.exponential(1 / 0.7, size=40)
    censoring = rng.uniform(0.5, 3.0, size=40)
    observed, censored = times[times <= censoring], censoring[times > censoring]
    model = ppl.model("""
data N_obs: int
data N_cens: int
data t_obs: real<lower=0>[N_obs]
data t_cens: real<lower=0>[N_cens]
param rate: real<lower=0>
rate ~ Gamma(2, 1)
t_obs ~ Exponential(rate)
target += Exponential(rate).log_survival_function(t_cens)
""")
    fit = model.sample({"N_obs": len(observed), "N_cens": len(censored), "t_obs": observed, "t_cens": censored},
                       seed=4, progress=False)
    exact = st.gamma(2 + len(observed), scale=1 / (1 + observed.sum() + censored.sum()))
    draws = fit["rate"].ravel()
    assert abs(draws.mean() - exact.mean()) < 5 * exact.std() / np.sqrt(400)
    assert abs(draws.std() / exact.std() - 1) < 0.1


@pytest.mark.parametrize("source, phrase", [
    ("param mu: real\ntarget += VonMises(0, 1).log_cdf(mu)\n", "`.log_cdf` needs a cdf, and VonMises has none in ppl"),
    ("param mu: real\ntarget += Normal(0, 1).lcdf(mu)\n", "`.log_cdf(x)`"),
    ("param mu: real\ntarget += Normal(0, 1).cdf\n", "must be called"),
    ("param mu: real\ntarget += Normal(0, 1).cdf(mu, 2)\n", "takes exactly one argument"),
    ("param mu: real[2]\ntarget += Dirichlet(ones(2)).cdf(mu)\n", "Dirichlet has none"),
])
def test_bad_uses_are_located_errors(source, phrase):
    with pytest.raises(ppl.ModelError) as info:
        ppl.model(source)
    assert phrase in str(info.value)
    assert info.value.span is not None and info.value.span.line == 2


def test_the_censored_survival_example_samples_its_grid_posterior():
    """examples/censored_survival.ppl (Weibull times, right-censored): the posterior means and sds
    of its two params against numerical integration of the same posterior on a grid (priors and
    likelihood from scipy: weibull_min's logpdf for events, logsf for censored times)."""
    import json
    from pathlib import Path

    example = Path(__file__).parent.parent / "examples" / "censored_survival"
    data = json.loads(example.with_suffix(".data.json").read_text())
    fit = ppl.compile(example.with_suffix(".ppl")).sample(example.with_suffix(".data.json"), seed=8, progress=False)
    shapes, scales = np.meshgrid(np.linspace(0.6, 3.0, 481), np.linspace(5.0, 25.0, 801), indexing="ij")
    law = st.weibull_min(shapes[..., None], scale=scales[..., None])
    log_posterior = (st.lognorm(1.0).logpdf(shapes) + st.lognorm(1.0, scale=np.exp(2.0)).logpdf(scales)
                     + law.logpdf(np.array(data["t_obs"])).sum(-1) + law.logsf(np.array(data["t_cens"])).sum(-1))
    weights = np.exp(log_posterior - log_posterior.max())
    weights /= weights.sum()
    for name, grid in (("concentration", shapes), ("scale", scales)):
        mean = np.sum(weights * grid)
        sd = np.sqrt(np.sum(weights * (grid - mean) ** 2))
        draws = fit[name].ravel()
        assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(400), name
        assert abs(draws.std() / sd - 1) < 0.1, name
    assert np.allclose(fit["median_survival"], fit["scale"] * np.log(2) ** (1 / fit["concentration"]))
