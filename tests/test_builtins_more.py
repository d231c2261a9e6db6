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
from ppl.errors import ModelTypeError

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

def test_a_model_name_shadows_a_constant():
    # `e` is a common name for an error term: a model that defines pi, e or inf reads its own
    # (as Python's names shadow its built-ins); where it does not, the name is the constant
    model = ppl.model("param e: real\ne ~ Normal(0, 1)\nc = e + pi\n", "shadow.ppl")
    posterior = model.condition({})
    assert posterior.deterministics(np.array([0.25]))["c"] == pytest.approx(0.25 + np.pi, rel=1e-15)


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


# ---- structural built-ins ----------------------------------------------------------------

V = np.array([0.5, -1.2, 2.0])
W = np.array([1.5, 0.3, -0.8])
M = np.array([[1.2, 0.3, -0.5], [0.4, 2.0, 0.1], [-0.3, 0.6, 1.5]])
R = np.array([[0.2, -1.0], [1.1, 0.5], [-0.4, 0.9]])
STRUCTURAL_DATA = {"dv": V, "dw": W, "dM": M, "dR": R}
STRUCTURAL_DECLARATIONS = ("data dv: real[3]\ndata dw: real[3]\ndata dM: real[3, 3]\ndata dR: real[3, 2]\n"
                           "param v: real[3]\nparam w: real[3]\nparam M: real[3, 3]\nparam R: real[3, 2]\n")


def _ranks(x):
    return np.argsort(np.argsort(x, kind="mergesort"), kind="mergesort")


# name → (the call in v, w (vectors of 3), M (3 x 3), R (3 x 2), its NumPy oracle)
STRUCTURAL = {
    "prod": ("prod({v}) + prod({M})", lambda v, w, M, R: np.prod(v) + np.prod(M)),
    "concatenate_vectors": ("concatenate({v}, {w}[:2], {v})", lambda v, w, M, R: np.concatenate([v, w[:2], v])),
    "concatenate_rows": ("concatenate({M}, transpose({R}), axis=0)",
                         lambda v, w, M, R: np.concatenate([M, R.T], axis=0)),
    "concatenate_columns": ("concatenate({R}, {M}, axis=1)", lambda v, w, M, R: np.concatenate([R, M], axis=1)),
    "full": ("full(2, {v}) + full(2, 3, {w}[1])", lambda v, w, M, R: np.full((2, 3), v) + w[1]),
    "flatten": ("flatten({R}) + flatten({v}[1]) * 2", lambda v, w, M, R: R.ravel() + 2 * v[1]),
    "sort": ("sort({v} * {w})", lambda v, w, M, R: np.sort(v * w)),
    "dot_self": ("dot_self({v} - {w})", lambda v, w, M, R: np.dot(v - w, v - w)),
    "trace": ("trace({M} @ {M})", lambda v, w, M, R: np.trace(M @ M)),
    "diag_pre_multiply": ("diag_pre_multiply({v}, {R})", lambda v, w, M, R: np.diag(v) @ R),
    "diag_post_multiply": ("diag_post_multiply({M}, {w})", lambda v, w, M, R: M @ np.diag(w)),
    "quad_form_diag": ("quad_form_diag({M}, {v})", lambda v, w, M, R: np.diag(v) @ M @ np.diag(v)),
    "quad_form_vector": ("quad_form({M}, {w})", lambda v, w, M, R: w @ M @ w),
    "quad_form_matrix": ("quad_form({M}, {R})", lambda v, w, M, R: R.T @ M @ R),
    "multiply_lower_tri_self_transpose": ("multiply_lower_tri_self_transpose({M})",
                                          lambda v, w, M, R: np.tril(M) @ np.tril(M).T),
    # M + 3 I: well conditioned at every point the test visits
    "solve_vector": ("solve({M} + 3 * eye(3), {v})", lambda v, w, M, R: np.linalg.solve(M + 3 * np.eye(3), v)),
    "solve_matrix": ("solve({M} + 3 * eye(3), {R})", lambda v, w, M, R: np.linalg.solve(M + 3 * np.eye(3), R)),
    "solve_lower_triangular": ("solve_lower_triangular({M} + 3 * eye(3), {v}) + sum(solve_lower_triangular("
                               "{M} + 3 * eye(3), {R}))",
                               lambda v, w, M, R: np.linalg.solve(np.tril(M + 3 * np.eye(3)), v)
                               + np.sum(np.linalg.solve(np.tril(M + 3 * np.eye(3)), R))),
    "solve_upper_triangular": ("solve_upper_triangular({M} + 3 * eye(3), {w}) + sum(solve_upper_triangular("
                               "{M} + 3 * eye(3), {R}))",
                               lambda v, w, M, R: np.linalg.solve(np.triu(M + 3 * np.eye(3)), w)
                               + np.sum(np.linalg.solve(np.triu(M + 3 * np.eye(3)), R))),
    "inverse": ("inverse({M} + 3 * eye(3))", lambda v, w, M, R: np.linalg.inv(M + 3 * np.eye(3))),
    "log_determinant": ("log_determinant({M} + 3 * eye(3)) + log_determinant({M} - 3 * eye(3))",
                        lambda v, w, M, R: np.linalg.slogdet(M + 3 * np.eye(3))[1]
                        + np.linalg.slogdet(M - 3 * np.eye(3))[1]),
}


def _structural_model(call: str) -> str:
    return STRUCTURAL_DECLARATIONS + (
        f"out = {call.format(v='v', w='w', M='M', R='R')}\n"
        f"t = {call.format(v='dv', w='dw', M='dM', R='dR')}\n"
        "out_of_data = t + 0.0 * v[0]\n"
        "target += -0.5 * (dot_self(v) + dot_self(w) + sum(M ** 2) + sum(R ** 2)) + sum(sin(out))\n")


@pytest.mark.parametrize("name", sorted(STRUCTURAL))
def test_structural_value_gradient_and_data(name):
    call, reference = STRUCTURAL[name]
    post = ppl.model(_structural_model(call), f"{name}.ppl").condition(STRUCTURAL_DATA)
    rng = np.random.default_rng(7)
    for _ in range(3):
        u = rng.uniform(-1.5, 1.5, size=post.dim)
        params = post.constrain(u)
        expected = reference(params["v"], params["w"], params["M"], params["R"])
        np.testing.assert_allclose(post.deterministics(u)["out"], expected, rtol=1e-10, atol=1e-12)
        _, gradient = post.log_density_gradient(u)
        numeric = finite_difference_gradient(post, u)
        assert np.all(np.abs(gradient - numeric) / np.maximum(1.0, np.abs(numeric)) < 1e-6), (gradient, numeric)
    expected = reference(V, W, M, R)
    np.testing.assert_allclose(post.deterministics(np.zeros(post.dim))["out_of_data"], expected, rtol=1e-12)
    data_only = _transformed_data(post, "t")
    assert can_evaluate(data_only, set(STRUCTURAL_DATA))
    np.testing.assert_allclose(evaluate(data_only, dict(STRUCTURAL_DATA)), expected, rtol=1e-12)


def test_orderings_and_their_ints():
    """sort, rank, argmin, argmax on ties and on params (ints: no derivative, used in gen and sizes)."""
    x = np.array([2.0, -1.0, 2.0, 0.5, -1.0])
    text = ("data x: real[5]\ndata k: int[4]\nr = rank(x)\nparam mu: real[argmin(x) + argmax(x) + 1]\n"
            "param z: real[3]\ntarget += -0.5 * sum(z ** 2) - 0.5 * sum(mu ** 2)\n"
            "gen order = rank(z)\ngen lowest = argmin(z)\ngen sorted_k = sort(k)\ngen n = prod(k) + sum(full(2, k))\n")
    k = np.array([3, -1, 2, 2])
    post = ppl.model(text, "orderings.ppl").condition({"x": x, "k": k})
    assert post.dim == np.argmin(x) + np.argmax(x) + 1 + 3
    np.testing.assert_array_equal(evaluate(_transformed_data(post, "r"), {"x": x}), _ranks(x))
    assert list(_ranks(x)) == [3, 0, 4, 2, 1]
    u = np.array([0.1, 0.2, 1.3, -0.4, 0.9])
    draws = post.generate(u, seed=0)
    z = post.constrain(u)["z"]
    np.testing.assert_array_equal(draws["order"], _ranks(z))
    assert int(draws["lowest"]) == np.argmin(z)
    np.testing.assert_array_equal(draws["sorted_k"], np.sort(k))
    assert int(draws["n"]) == np.prod(k) + 2 * np.sum(k)


# name → (a model, the error class, line, column, phrase)
BAD_CALLS = {
    "concatenate_ranks": ("param v: real[3]\nparam M: real[3, 3]\nx = concatenate(v, M)\n", ModelTypeError, 3, 20,
                          "concatenate() joins arrays of one rank"),
    "concatenate_sizes": ("param M: real[3, 3]\nparam R: real[3, 2]\nx = concatenate(M, R)\n", ModelTypeError, 3, 5,
                          "do not fit"),
    "concatenate_scalar": ("param a: real\nx = concatenate(a, a)\n", ModelTypeError, 2, 17, "not scalars"),
    "sort_of_a_matrix": ("param M: real[3, 3]\nx = sort(M)\n", ModelTypeError, 2, 10, "sort() takes a vector"),
    "trace_of_a_rectangle": ("param R: real[3, 2]\nx = trace(R)\n", ModelTypeError, 2, 11, "a square matrix"),
    "diag_pre_multiply_sizes": ("param v: real[2]\nparam R: real[3, 2]\nx = diag_pre_multiply(v, R)\n",
                                ModelTypeError, 3, 5, "do not fit"),
    "quad_form_sizes": ("param M: real[3, 3]\nparam w: real[2]\nx = quad_form(M, w)\n", ModelTypeError, 3, 5,
                        "do not fit"),
    "full_of_param_sizes": ("param a: real\nparam b: real\nx = full(a, b)\n", ModelTypeError, 3, 10,
                            "full() takes integer sizes"),
    "argmin_of_a_matrix": ("param M: real[3, 3]\nx = argmin(M)\n", ModelTypeError, 2, 12, "argmin() takes a vector"),
    "solve_sizes": ("param M: real[3, 3]\nparam b: real[2]\nx = solve(M, b)\n", ModelTypeError, 3, 5, "do not fit"),
    "solve_of_a_rectangle": ("param R: real[3, 2]\nparam b: real[3]\nx = solve_lower_triangular(R, b)\n",
                             ModelTypeError, 3, 28, "a square matrix"),
    "log_determinant_of_a_vector": ("param v: real[3]\nx = log_determinant(v)\n", ModelTypeError, 2, 21,
                                    "a square matrix"),
    "eigenvalues_of_a_rectangle": ("param R: real[3, 2]\nx = eigenvalues_sym(R)\n", ModelTypeError, 2, 21,
                                   "a square matrix"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_wrong_shapes_and_types_are_located_errors(name):
    text, error, line, column, phrase = BAD_CALLS[name]
    with pytest.raises(error) as caught:
        ppl.model(text + "target += 0\n", f"{name}.ppl")
    assert (caught.value.line, caught.value.column) == (line, column), str(caught.value)
    assert phrase in str(caught.value), str(caught.value)
