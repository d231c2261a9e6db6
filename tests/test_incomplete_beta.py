"""The regularised incomplete beta and gamma functions of compiled code (ppl/runtime/incomplete.py)
and their derivatives in the shape parameters, against mpmath in 40 digits (values, and central
differences of mpmath's values for the derivatives); and the compiled cdfs built on them:
truncation and censoring with a shape that is a param, by finite differences."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats as st

import ppl
from ppl.runtime import incomplete
from tests.gradient_checks import check_gradient

mpmath.mp.dps = 40
_STEP = mpmath.mpf(10) ** -15


def _log_beta_lower(a, b, x):
    return mpmath.log(mpmath.betainc(a, b, 0, x, regularized=True))


def _log_beta_upper(a, b, x):
    """log(1 - I_x(a, b)) as log I_(1-x)(b, a), 1 - x exact in mpmath (mpmath's own upper
    integral is a difference that cancels when it is tiny)."""
    return mpmath.log(mpmath.betainc(b, a, 0, 1 - mpmath.mpf(x), regularized=True))


def _central(function, *arguments, index):
    """d/d(argument index) of an mpmath function by a central difference of step 1e-15 (exact to
    about 1e-25 in 40 digits)."""
    up, down = list(map(mpmath.mpf, arguments)), list(map(mpmath.mpf, arguments))
    up[index] += _STEP
    down[index] -= _STEP
    return float((function(*up) - function(*down)) / (2 * _STEP))


def _relative_gap(actual, expected):
    return abs(actual - expected) / (1.0 + abs(expected))


def _beta_cases():
    """(a, b, x) from the body to the far tails, shapes from 1e-2 to 3e3, both sides of the
    fraction's switch x = (a + 1) / (a + b + 2)."""
    rng = np.random.default_rng(7)
    cases = [(2.5, 1.5, 1e-12), (2.5, 1.5, 1 - 1e-9), (0.5, 0.5, 0.5), (1.0, 1.0, 0.3), (0.01, 3.0, 0.2),
             (3000.0, 2000.0, 0.58), (3000.0, 2000.0, 0.62), (200.0, 0.7, 0.9), (0.7, 200.0, 0.3), (5.0, 5.0, 1e-200)]
    for _ in range(24):
        a, b = 10 ** rng.uniform(-2, 3.5, size=2)
        mode = a / (a + b)
        spread = math.sqrt(mode * (1 - mode) / (a + b + 1))
        cases.append((float(a), float(b), float(np.clip(mode + 3 * spread * rng.normal(), 1e-6, 1 - 1e-6))))
    return cases


@pytest.mark.parametrize("upper", [False, True], ids=["I", "1-I"])
def test_incomplete_beta_and_its_shape_derivatives_match_mpmath(upper):
    oracle = _log_beta_upper if upper else _log_beta_lower
    worst = [0.0, 0.0, 0.0]
    for a, b, x in _beta_cases():
        value, derivative_a, derivative_b = incomplete.log_incomplete_beta(a, b, x, 1.0 - x, upper)
        expected = float(oracle(a, b, x))
        if expected < -700:      # the tail beyond the derivative's float range: the value only
            assert _relative_gap(value, expected) < 1e-13, (a, b, x)
            continue
        gaps = (_relative_gap(value, expected),
                _relative_gap(derivative_a, _central(oracle, a, b, x, index=0)),
                _relative_gap(derivative_b, _central(oracle, a, b, x, index=1)))
        worst = [max(w, g) for w, g in zip(worst, gaps)]
        assert max(gaps) < 1e-11, (a, b, x, gaps)
    assert max(worst) > 0.0      # the cases were compared


def test_the_named_functions_are_the_pair_and_its_derivatives():
    a, b, x = 2.5, 1.5, 0.3
    lower = incomplete.log_incomplete_beta(a, b, x, 1 - x, False)
    upper = incomplete.log_incomplete_beta(a, b, x, 1 - x, True)
    assert (incomplete.log_inc_beta(a, b, x), incomplete.log_inc_beta_da(a, b, x),
            incomplete.log_inc_beta_db(a, b, x)) == lower
    assert (incomplete.log1m_inc_beta(a, b, x), incomplete.log1m_inc_beta_da(a, b, x),
            incomplete.log1m_inc_beta_db(a, b, x)) == upper
    assert math.exp(lower[0]) == pytest.approx(scipy.special.betainc(a, b, x), rel=1e-14)
    assert math.exp(upper[0]) == pytest.approx(scipy.special.betaincc(a, b, x), rel=1e-14)


def test_incomplete_beta_edges():
    assert incomplete.log_inc_beta(2.0, 3.0, 0.0) == -math.inf and incomplete.log1m_inc_beta(2.0, 3.0, 0.0) == 0.0
    assert incomplete.log_inc_beta(2.0, 3.0, 1.0) == 0.0 and incomplete.log1m_inc_beta(2.0, 3.0, 1.0) == -math.inf
    assert incomplete.log_inc_beta_da(2.0, 3.0, 0.0) == 0.0
    for bad in ((0.0, 1.0, 0.5), (1.0, -1.0, 0.5), (1.0, 1.0, math.nan)):
        assert math.isnan(incomplete.log_inc_beta(*bad)) and math.isnan(incomplete.log_inc_beta_db(*bad))
    # closed forms: I_x(1, 1) = x, I_x(a, 1) = x^a, whose derivative in a is log x
    assert incomplete.log_inc_beta(1.0, 1.0, 0.3) == pytest.approx(math.log(0.3), rel=1e-15)
    assert incomplete.log_inc_beta_da(2.5, 1.0, 0.3) == pytest.approx(math.log(0.3), rel=1e-13)


def _log_gamma_lower(a, x):
    return mpmath.log(mpmath.gammainc(a, 0, x, regularized=True))


def _log_gamma_upper(a, x):
    return mpmath.log(mpmath.gammainc(a, x, mpmath.inf, regularized=True))


@pytest.mark.parametrize("upper", [False, True], ids=["P", "Q"])
def test_incomplete_gamma_and_its_shape_derivative_match_mpmath(upper):
    """The gamma shape gradient: d/da log P(a, x) and log Q(a, x), series and continued fraction."""
    oracle = _log_gamma_upper if upper else _log_gamma_lower
    rng = np.random.default_rng(3)
    cases = [(0.01, 0.5), (0.5, 1e-8), (2.5, 0.01), (2.5, 6.0), (1e4, 9800.0), (1e4, 1.03e4), (3.0, 60.0)]
    for _ in range(20):
        a = 10 ** rng.uniform(-2, 4)
        cases.append((float(a), float(a * math.exp(rng.normal() * min(3.0, 3.0 / math.sqrt(a) + 0.3)))))
    for a, x in cases:
        value, derivative = incomplete.log_incomplete_gamma(a, x, upper)
        gaps = (_relative_gap(value, float(oracle(a, x))), _relative_gap(derivative, _central(oracle, a, x, index=0)))
        assert max(gaps) < 1e-11, (a, x, gaps)
    assert incomplete.log_gamma_p_da(2.0, 0.0) == 0.0 and incomplete.log_gamma_q_da(2.0, math.inf) == 0.0


def _log_student_t_cdf(df, z):
    z = mpmath.mpf(z)
    half_tail = mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + z ** 2), regularized=True) / 2
    return mpmath.log(half_tail if z < 0 else 1 - half_tail)


@pytest.mark.parametrize("z", [-1e6, -30.0, -2.0, -1e-7, 1e-7, 0.7, 5.0, 1e3])
def test_student_t_cdf_and_its_df_derivative_match_mpmath(z):
    for df in (0.3, 1.0, 3.5, 200.0):
        assert incomplete.log_student_t_cdf(df, z) == pytest.approx(float(_log_student_t_cdf(df, z)), rel=1e-13)
        expected = _central(_log_student_t_cdf, df, z, index=0)
        assert _relative_gap(incomplete.log_student_t_cdf_ddf(df, z), expected) < 1e-10, df


def test_student_t_cdf_at_its_centre():
    assert incomplete.log_student_t_cdf(3.0, 0.0) == -math.log(2.0)
    assert incomplete.log_student_t_cdf_ddf(3.0, 0.0) == 0.0


# ---- compiled cdfs with a shape that is a param -------------------------------------------------

@pytest.mark.parametrize("statement, value_type, family, values, low, high", [
    ("y ~ Gamma(a, b) T[0.5, 4]", "real<lower=0>", lambda a, b: st.gamma(a, scale=1 / b), [0.7, 1.5, 3.9], 0.5, 4.0),
    ("y ~ Beta(a, b) T[0.1, 0.8]", "real<lower=0, upper=1>", lambda a, b: st.beta(a, b), [0.15, 0.5, 0.79], 0.1, 0.8),
    ("y ~ StudentT(a, b, 1.5) T[-1, ]", "real", lambda a, b: st.t(a, b, 1.5), [-0.9, 0.0, 20.0], -1.0, np.inf),
    ("y ~ InverseGamma(a, b) T[, 3]", "real<lower=0>", lambda a, b: st.invgamma(a, scale=b), [0.1, 1.0, 2.5],
     -np.inf, 3.0),
], ids=["Gamma", "Beta", "StudentT", "InverseGamma"])
def test_truncation_with_param_shapes_matches_scipy_and_finite_differences(statement, value_type, family, values,
                                                                           low, high):
    """T[low, high] of a family whose shape is a param: the density renormalised by the cdf, whose
    gradient in the shape is the incomplete function's shape derivative."""
    model = ppl.model(f"data N: int\ndata y: {value_type}[N]\nparam a: real<lower=0>\nparam b: real<lower=0>\n"
                      f"{statement}\n")
    posterior = model.condition({"N": len(values), "y": values})
    a, b = 2.7, 0.6
    law = family(a, b)
    expected = np.sum(law.logpdf(values)) - len(values) * np.log(law.cdf(high) - law.cdf(low))
    assert posterior.log_prob({"a": a, "b": b}) == pytest.approx(expected, rel=1e-10)
    check_gradient(posterior, posterior.unconstrain({"a": a, "b": b}))


def test_negative_binomial_censored_counts_differentiate_in_the_dispersion():
    """Right-censored counts (Stan's neg_binomial_2_lccdf): the survival function's gradient in
    the mean and in the concentration, through the incomplete beta's shape derivative."""
    model = ppl.model("""
data N: int
data k: int[N]
param mu: real<lower=0>
param phi: real<lower=0>
target += sum(NegativeBinomial2(mu, phi).log_survival_function(k))
""")
    counts = [0, 3, 12, 40]
    posterior = model.condition({"N": 4, "k": counts})
    mu, phi = 5.0, 1.7
    expected = st.nbinom(phi, phi / (mu + phi)).logsf(counts).sum()
    assert posterior.log_prob({"mu": mu, "phi": phi}) == pytest.approx(expected, rel=1e-11)
    check_gradient(posterior, posterior.unconstrain({"mu": mu, "phi": phi}))


def test_binomial_log_cdf_stays_finite_for_extreme_logits():
    """logits = 30: p rounds to 1 in floating point, 1 - p = 9.4e-14 does not; the cdf is taken at
    sigmoid(-logits), so log P(X <= k) is the finite (n - k) log(1 - p) + ..., not log(0)."""
    posterior = ppl.model("data k: int\nparam logits: real\ntarget += Binomial(20, logits=logits).log_cdf(k)\n"
                          ).condition({"k": 5})
    with mpmath.workdps(50):
        failure = 1 / (1 + mpmath.exp(mpmath.mpf(30)))
        expected = float(mpmath.log(mpmath.betainc(15, 6, 0, failure, regularized=True)))
    assert posterior.log_prob({"logits": 30.0}) == pytest.approx(expected, rel=1e-12)
    assert math.isfinite(expected) and expected < -400
