"""SymPy → Numba printing: stable rewrites, shared subexpressions, loud failure; and the special functions."""

import math

import numba
import numpy as np
import pytest
import scipy.special
import scipy.stats
import sympy as sp

from codegen.sympy_numba import UnsupportedExpression, emit_assignments, stabilise
from ppl.runtime import special

x, mu, a, b = sp.symbols("x mu a b", real=True)
sigma, df, alpha, beta = sp.symbols("sigma df alpha beta", positive=True)

STUDENT_T = (sp.loggamma((df + 1) / 2) - sp.loggamma(df / 2) - sp.log(sp.pi * df) / 2 - sp.log(sigma)
             - (df + 1) / 2 * sp.log(1 + ((x - mu) / sigma) ** 2 / df))
GAMMA = alpha * sp.log(beta) - sp.loggamma(alpha) + (alpha - 1) * sp.log(sigma) - beta * sigma

EXPRESSIONS = {
    "student_t": (STUDENT_T, {"x": 1.3, "mu": -0.2, "sigma": 2.5, "df": 4.5}),
    "student_t_d_df": (sp.diff(STUDENT_T, df), {"x": 1.3, "mu": -0.2, "sigma": 2.5, "df": 4.5}),
    "student_t_d_sigma": (sp.diff(STUDENT_T, sigma), {"x": 1.3, "mu": -0.2, "sigma": 2.5, "df": 4.5}),
    "student_t_far_data": (sp.diff(STUDENT_T, x), {"x": 1e6 + 0.5, "mu": 1e6, "sigma": 0.3, "df": 3.0}),
    "gamma_d_alpha": (sp.diff(GAMMA, alpha), {"alpha": 2.5, "beta": 0.7, "sigma": 3.1}),
    "softplus": (sp.log(1 + sp.exp(x)), {"x": 30.0}),
    "softplus_large": (sp.log(1 + sp.exp(x)), {"x": 800.0}),
    "logaddexp": (sp.log(sp.exp(a) + sp.exp(b)), {"a": -750.0, "b": -760.0}),
    "log1p": (sp.log(1 + x), {"x": 1e-12}),
    "expm1": (sp.exp(x) - 1, {"x": 1e-12}),
    "log1m_exp": (sp.log(1 - sp.exp(x)), {"x": -1e-10}),
    "trig_and_erf": (sp.sin(x) * sp.cos(a) + sp.erf(b) + sp.tanh(x), {"x": 0.3, "a": -1.2, "b": 0.7}),
    "powers": (x ** 3 / sigma ** 4 + sp.sqrt(sigma) + x ** -2 + sigma ** sp.Rational(3, 2),
               {"x": 1.7, "sigma": 2.2}),
}


def run_lines(lines, values):
    namespace = {"math": math, "special": special, **values}
    for line in lines:
        exec(line, namespace)
    return namespace


def reference(expr, values):
    exact = {sp.Symbol(k, **_assumptions(k)): sp.Float(repr(v), 50) for k, v in values.items()}
    return float(sp.N(expr.subs(exact), 40))


def _assumptions(name):
    return {"positive": True} if name in ("sigma", "df", "alpha", "beta") else {"real": True}


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_printed_code_matches_high_precision_evaluation(name):
    expr, values = EXPRESSIONS[name]
    namespace = run_lines(emit_assignments({"result": expr}), values)
    expected = reference(expr, values)
    assert math.isfinite(namespace["result"])
    assert namespace["result"] == pytest.approx(expected, rel=1e-11, abs=1e-300)


def test_outputs_share_subexpressions_and_compile_in_nopython_mode():
    outputs = {"lp": STUDENT_T, "d_x": sp.diff(STUDENT_T, x), "d_sigma": sp.diff(STUDENT_T, sigma)}
    lines = emit_assignments(outputs)
    assert any(line.startswith("common_") for line in lines)
    body = "\n".join("    " + line for line in lines)
    source = f"def f(x, mu, sigma, df):\n{body}\n    return lp, d_x, d_sigma\n"
    namespace = {"math": math, "special": special}
    exec(source, namespace)
    compiled = numba.njit(namespace["f"])
    lp, d_x, d_sigma = compiled(0.4, 0.1, 1.5, 5.0)
    assert lp == pytest.approx(scipy.stats.t.logpdf(0.4, 5.0, 0.1, 1.5), rel=1e-12)
    h = 1e-6
    numeric = (scipy.stats.t.logpdf(0.4 + h, 5.0, 0.1, 1.5) - scipy.stats.t.logpdf(0.4 - h, 5.0, 0.1, 1.5)) / (2 * h)
    assert d_x == pytest.approx(numeric, rel=1e-6)


def test_stable_rewrites_do_not_expand_squares():
    rewritten = stabilise(sp.log(1 + (x - mu) ** 2 / sigma ** 2))
    assert rewritten.has(sp.Pow(x - mu, 2)) or rewritten.has(sp.Pow(mu - x, 2))


@pytest.mark.parametrize("expr", [sp.floor(x), sp.besselj(0, x), sp.Max(a, b), sp.Piecewise((x, x > 0), (0, True))])
def test_unsupported_expressions_fail_loudly(expr):
    with pytest.raises(UnsupportedExpression):
        emit_assignments({"result": expr})


POINTS = [-40.0, -3.5, -1e-8, 0.0, 2e-9, 0.7, 5.0, 35.0, 700.0]


@pytest.mark.parametrize("value", [0.01, 0.3, 1.0, 2.5, 5.9, 6.0, 17.3, 250.0, -0.5, -2.7])
def test_digamma_and_trigamma(value):
    assert special.digamma(value) == pytest.approx(scipy.special.digamma(value), rel=1e-12)
    if value > 0:
        assert special.trigamma(value) == pytest.approx(scipy.special.polygamma(1, value), rel=1e-12)


@pytest.mark.parametrize("value", POINTS)
def test_scalar_special_functions(value):
    assert special.softplus(value) == pytest.approx(np.logaddexp(0.0, value), rel=1e-14, abs=1e-300)
    assert special.log_sigmoid(value) == pytest.approx(-np.logaddexp(0.0, -value), rel=1e-14, abs=1e-300)
    assert special.sigmoid(value) == pytest.approx(scipy.special.expit(value), rel=1e-14, abs=1e-300)
    assert special.Phi(value) == pytest.approx(scipy.stats.norm.cdf(value), rel=1e-13, abs=1e-300)
    assert special.logaddexp(value, 1.5) == pytest.approx(np.logaddexp(value, 1.5), rel=1e-14)
    if value < 0:
        assert special.log1m_exp(value) == pytest.approx(np.log(-np.expm1(value)), rel=1e-13)


def test_lbeta():
    assert special.lbeta(2.5, 0.3) == pytest.approx(scipy.special.betaln(2.5, 0.3), rel=1e-13)
    assert special.logaddexp(-math.inf, -math.inf) == -math.inf
