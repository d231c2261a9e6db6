"""The built-ins of issue #11 item 6, one row each: the elementwise functions with SymPy
derivatives, the constants, `//` and `%`, and the structural functions with hand-written
adjoints.  Each row is checked against NumPy/SciPy three ways: the compiled value of the
function of params (a saved deterministic) at random points, the generated gradient of a
weighted sum of it against central finite differences, and the same function of data, as
transformed data (compiled) and as the binder's NumPy evaluator computes it."""

import numpy as np
import pytest
import scipy.special

import ppl
from codegen import ir
from codegen.evaluate import can_evaluate, evaluate
from gradient_checks import finite_difference_gradient
from ppl.errors import ModelNameError, ModelTypeError

A = np.array([0.2, 0.55, 0.9])
B = np.array([1.3, 0.4, 2.2])
C = np.array([-0.7, 0.1, 1.6])
DATA = {"dA": A, "dB": B, "dC": C}
DECLARATIONS = ("data dA: real<lower=0, upper=1>[3]\ndata dB: real<lower=0>[3]\ndata dC: real[3]\n"
                "param a: real<lower=0, upper=1>[3]\nparam b: real<lower=0>[3]\nparam c: real[3]\n")


def _lchoose(n, k):
    return scipy.special.gammaln(n + 1) - scipy.special.gammaln(k + 1) - scipy.special.gammaln(n - k + 1)


# name → (the built-in's call in a, b, c (a in (0, 1), b > 0, c real; vectors of 3), its oracle)
ELEMENTWISE = {
    "log10": ("log10({b})", lambda a, b, c: np.log10(b)),
    "log2": ("log2({b})", lambda a, b, c: np.log2(b)),
    "log1m": ("log1m({a})", lambda a, b, c: np.log1p(-a)),
    "log1m_exp": ("log1m_exp(-{b})", lambda a, b, c: np.log(-np.expm1(-b))),
    "log_diff_exp": ("log_diff_exp({c}, {c} - {b})", lambda a, b, c: np.log(np.exp(c) - np.exp(c - b))),
    "lbeta": ("lbeta({b}, {a} + 0.5)", lambda a, b, c: scipy.special.betaln(b, a + 0.5)),
    "lchoose": ("lchoose({b} + 3, {b} * {a})", lambda a, b, c: _lchoose(b + 3, b * a)),
    "digamma": ("digamma({b})", lambda a, b, c: scipy.special.digamma(b)),
    "inv_logit": ("inv_logit({c})", lambda a, b, c: scipy.special.expit(c)),
    "fmin": ("fmin({c}, {b} - 1)", lambda a, b, c: np.minimum(c, b - 1)),
    "fmax": ("fmax({c}, 0.5 * {b})", lambda a, b, c: np.maximum(c, 0.5 * b)),
    "clip": ("clip({c}, -{a}, {b} - 0.5)", lambda a, b, c: np.clip(c, -a, b - 0.5)),
    "constants": ("pi * {c} + e * {a} + where({c} > 0, {b}, -inf) - where({b} < inf, 0.0, 1.0)",
                  lambda a, b, c: np.pi * c + np.e * a + np.where(c > 0, b, -np.inf)),
}

WEIGHTS = "[0.7, -1.1, 0.4]"


def _model(call: str) -> str:
    """The call of params as a saved deterministic `out`, of data as transformed data `t`."""
    return DECLARATIONS + (f"out = {call.format(a='a', b='b', c='c')}\n"
                           f"t = {call.format(a='dA', b='dB', c='dC')}\n"
                           f"out_of_data = t + 0.0 * c\n"
                           f"target += -0.5 * sum(c ** 2) - sum(b) + sum(where(out > -inf, out, 0.0) * {WEIGHTS})\n")


def _check_values_and_gradient(post, reference, finite_only=False):
    rng = np.random.default_rng(5)
    for _ in range(3):
        u = rng.uniform(-1.0, 1.0, size=post.dim)
        params = post.constrain(u)
        expected = reference(params["a"], params["b"], params["c"])
        np.testing.assert_allclose(post.deterministics(u)["out"], expected, rtol=1e-10, atol=1e-12)
        value, gradient = post.log_density_gradient(u)
        numeric = finite_difference_gradient(post, u)
        assert np.all(np.abs(gradient - numeric) / np.maximum(1.0, np.abs(numeric)) < 1e-6), (gradient, numeric)


def _transformed_data(post, name):
    return next(s.value for s in post.model.ir.statements if isinstance(s, ir.Assign) and s.name == name)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_value_gradient_and_data(name):
    call, reference = ELEMENTWISE[name]
    post = ppl.model(_model(call), f"{name}.ppl").condition(DATA)
    _check_values_and_gradient(post, reference)
    expected = reference(A, B, C)
    u = np.zeros(post.dim)
    np.testing.assert_allclose(post.deterministics(u)["out_of_data"], expected, rtol=1e-12)
    data_only = _transformed_data(post, "t")
    assert can_evaluate(data_only, set(DATA))
    np.testing.assert_allclose(evaluate(data_only, dict(DATA)), expected, rtol=1e-12)


def test_the_derivatives_at_the_branch_points_go_to_the_argument_taken():
    """fmin / fmax / clip at a tie: the gradient is the first argument's (as where's), never NaN."""
    post = ppl.model("param x: real\ntarget += fmin(x, 0.0) + 2 * fmax(x, 0.0) + 3 * clip(x, 0.0, 1.0)\n",
                     "ties.ppl").condition({})
    value, gradient = post.log_density_gradient(np.array([0.0]))
    assert value == 0.0 and gradient[0] == pytest.approx(1.0 + 2.0 + 3.0)
    value, gradient = post.log_density_gradient(np.array([-0.5]))
    assert value == pytest.approx(-0.5) and gradient[0] == pytest.approx(1.0)


def test_picks_of_ints_stay_ints():
    text = ("data k: int[4]\nm = fmin(k, 2) + fmax(k, 1) + clip(k, 1, 2)\ns = fmin(k[0], k[3])\n"
            "param mu: real[sum(m) + s]\ntarget += -0.5 * sum(mu ** 2)\n")
    k = np.array([0, 3, 1, 5])
    post = ppl.model(text, "ints.ppl").condition({"k": k})
    expected = np.minimum(k, 2) + np.maximum(k, 1) + np.clip(k, 1, 2)
    assert post.dim == expected.sum() + min(k[0], k[3])
    assert _transformed_data(post, "m").type.dtype == "int"


# ---- constants --------------------------------------------------------------------------

@pytest.mark.parametrize("declaration, column", [
    ("data pi: real\n", 6), ("param e: real\n", 7), ("param x: real\ninf = x + 1\n", 1),
    ("data N: int\nfor e in range(N):\n    target += 0\n", 5)])
def test_constants_are_reserved(declaration, column):
    with pytest.raises(ModelNameError) as caught:
        ppl.model(declaration + "param z: real\ntarget += -z ** 2\n", "reserved.ppl")
    assert "is a built-in constant" in str(caught.value)
    assert caught.value.column == column and "reserved" in caught.value.hint


# ---- // and % ------------------------------------------------------------------------------

def test_integer_division_and_modulo_in_sizes_data_and_gen():
    text = ("data N: int\ndata k: int[N]\nh = k // 2 + k % 3\nparam mu: real[N // 2 + (-N) % 3]\n"
            "param nu: real[sum(h)]\nt = dC // 0.5 + dC % 0.7\n"
            "target += -0.5 * sum(mu ** 2) - 0.5 * sum(nu ** 2) + sum(t) * 0.0\n"
            "gen q = (N - 11) // 3 + (N - 11) % 3\ngen r = mu[0] // 0.25 + mu[0] % 0.25\n"
            "data dC: real[3]\n")
    text = "data dC: real[3]\n" + text.replace("data dC: real[3]\n", "")
    k = np.array([-3, 0, 4, 7, 9])
    post = ppl.model(text, "division.ppl").condition({"N": 5, "k": k, "dC": C})
    assert post.dim == 5 // 2 + (-5) % 3 + np.sum(k // 2 + k % 3)
    data_only = _transformed_data(post, "t")
    np.testing.assert_allclose(evaluate(data_only, {"dC": C}), C // 0.5 + C % 0.7)
    u = np.linspace(-1.0, 1.0, post.dim)
    draws = post.generate(u, seed=1)
    assert int(draws["q"]) == (5 - 11) // 3 + (5 - 11) % 3
    mu0 = post.constrain(u)["mu"][0]
    assert float(draws["r"]) == pytest.approx(mu0 // 0.25 + mu0 % 0.25)


@pytest.mark.parametrize("expression", ["mu // 2.0", "mu % 2.0", "(mu * 3) % 1"])
def test_real_division_of_params_is_a_located_error(expression):
    text = f"param mu: real\ntarget += -mu ** 2 + {expression}\n"
    with pytest.raises(ModelTypeError) as caught:
        ppl.model(text, "real_division.ppl")
    assert caught.value.line == 2 and caught.value.column == text.split("\n")[1].index(expression) + 1
    assert "'mu'" in str(caught.value) and "no usable derivative" in str(caught.value)
