"""User functions (`def`): values against NumPy, gradients against finite differences, a
sampled model against its closed-form posterior, and a located error for every misuse.

A call is inlined before the statement that makes it (codegen/functions.py), so these tests
check what that expansion computes, not how: the same model written with and without its
functions has the same log density.
"""

import numpy as np
import pytest

import ppl
from gradient_checks import check_gradient
from ppl.errors import (ModelError, ModelNameError, ModelNotSupportedError, ModelStructureError,
                        ModelTypeError, DataError)

FUNCTIONS = """\
def affine(x: real[N], a: real, b: real) -> real[N]:
    return a * x + b

def squared(t: real) -> real:
    return t * t

def squared_norm(v: real[N]) -> real:
    return squared(sqrt(dot(v, v)))

def recurrence(v: real[N], rate: real) -> real[N]:
    out: real[N]
    out[0] = v[0]
    for i in range(1, N):
        out[i] = out[i - 1] * rate + v[i]
    return out

def pick(v: real[N], k: int) -> real:
    if k == 0:
        return v[0]
    elif k == 1:
        return squared(v[1])
    else:
        total = sum(v)
        return 2 * total

def scaled_rows(m: real[R, C], s: real[C]) -> real[R, C]:
    return m * s

def window_sum(v: real[N], width: int) -> real[3]:
    out: real[3]
    for j in range(3):
        out[j] = sum(v[j:j + width])
    return out
"""

MODEL = FUNCTIONS + """
data N: int
data x: real[N]
data K: int
param a: real
param b: real
param w: real[3]
mu = affine(x, a, b + 1)
target += -0.5 * squared_norm(w) - 0.5 * squared(a) - 0.5 * squared(b)
c = recurrence(mu * w[0], rate=0.5)
target += 0.1 * sum(c)
target += pick(w, K) + pick(w, 2) + pick(w, 0)
target += sum(scaled_rows([w, w], w))
target += dot(window_sum(c, 2), w)
data_only = squared(x[0]) + squared_norm(x)
target += data_only * a
gen shifted = affine(x, a, 2.0)
"""

X = np.array([0.3, -1.2, 2.0, 0.7])
DATA = {"N": 4, "x": X, "K": 1}


def numpy_recurrence(v, rate):
    out = np.empty_like(v)
    out[0] = v[0]
    for i in range(1, len(v)):
        out[i] = out[i - 1] * rate + v[i]
    return out


def numpy_model(u):
    """The model above written directly in NumPy: (log density, mu, c)."""
    a, b, w = u[0], u[1], u[2:5]
    mu = a * X + b + 1
    c = numpy_recurrence(mu * w[0], 0.5)
    target = -0.5 * w @ w - 0.5 * a ** 2 - 0.5 * b ** 2 + 0.1 * c.sum()
    target += w[1] ** 2 + 2 * w.sum() + w[0]                      # pick with k = 1, 2, 0
    target += (np.array([w, w]) * w).sum()
    target += np.array([c[j:j + 2].sum() for j in range(3)]) @ w
    target += (X[0] ** 2 + X @ X) * a
    return target, mu, c


@pytest.fixture(scope="module")
def posterior():
    return ppl.model(MODEL, "functions.ppl").condition(DATA)


def test_log_density_and_deterministics_match_numpy(posterior):
    rng = np.random.default_rng(1)
    for _ in range(3):
        u = rng.normal(size=posterior.dim)
        expected, mu, c = numpy_model(u)
        assert posterior.log_density(u) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        deterministics = posterior.deterministics(u)
        np.testing.assert_allclose(deterministics["mu"], mu, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(deterministics["c"], c, rtol=1e-13, atol=1e-13)


def test_gradient_matches_finite_differences(posterior):
    """Functions of params, nested calls, a loop filling an array, vector and matrix returns and
    an `if` chain of returns, all through the one reverse-mode pass."""
    rng = np.random.default_rng(2)
    for _ in range(3):
        check_gradient(posterior, rng.normal(size=posterior.dim))


def test_inlined_names_are_private_and_readable():
    model = ppl.model(MODEL, "functions.ppl")
    code = model.show("code")
    assert "_recurrence_l" in code and "_pick_l" in code
    saved = model.condition(DATA).deterministics(np.zeros(5))
    assert sorted(saved) == ["c", "mu"]    # no inlined local is an output


def test_the_function_itself_is_kept_in_the_ir():
    """Each function checked on its own, with its size names, for stages that emit it standalone."""
    from codegen.driver import front_end
    from ppl.errors import Source

    program = front_end(Source(FUNCTIONS + "param a: real\n", "f.ppl")).program
    by_name = {f.name: f for f in program.functions}
    assert list(by_name) == ["affine", "squared", "squared_norm", "recurrence", "pick", "scaled_rows",
                             "window_sum"]
    assert [(name, str(t)) for name, t in by_name["affine"].parameters] == [("x", "real[N]"), ("a", "real"),
                                                                            ("b", "real")]
    assert by_name["scaled_rows"].size_names == ("R", "C")
    assert str(by_name["recurrence"].return_type) == "real[N]"
    assert "def pick(v: real[N], k: int) -> real:" in ppl.model(FUNCTIONS + "param a: real\n").show("ir")


def test_gen_and_transformed_data_calls():
    """A call in `gen` is computed per draw; one of data only is transformed data; int in, int out."""
    text = ("def half(n: int) -> int:\n    return n // 2\n"
            "def logistic(t: real) -> real:\n    return 1 / (1 + exp(-t))\n"
            "data N: int\nparam a: real\na ~ Normal(0, 1)\n"
            "M = half(N)\ntarget += M * 0.0\n"
            "gen p = logistic(a)\ngen k = half(N + 1)\n")
    model = ppl.model(text)
    fit = model.sample({"N": 5}, chains=1, warmup=50, draws=20, seed=3)
    np.testing.assert_allclose(fit["p"], 1 / (1 + np.exp(-fit["a"])), rtol=1e-12)
    assert fit["k"].dtype.kind == "i" and np.all(fit["k"] == 3)


def test_call_inside_a_loop_and_a_branch():
    text = ("def logistic(t: real) -> real:\n    return 1 / (1 + exp(-t))\n"
            "def shift(v: real, by: real) -> real:\n"
            "    if by > 0:\n        return v + by\n    else:\n        return v\n"
            "data N: int\ndata x: real[N]\nparam a: real\n"
            "for i in range(N):\n    p = logistic(a * x[i])\n    target += log(p)\n"
            "if N > 2:\n    target += -0.5 * shift(a, 1.0) ** 2\n")
    x = np.array([0.3, -1.2, 2.0])
    posterior = ppl.model(text).condition({"N": 3, "x": x})
    for a in (-0.7, 0.4):
        expected = np.sum(np.log(1 / (1 + np.exp(-a * x)))) - 0.5 * (a + 1) ** 2
        assert posterior.log_density(np.array([a])) == pytest.approx(expected, rel=1e-12)
        check_gradient(posterior, np.array([a]))


BLOCK_ARRAYS = {   # param-dependent arrays made inside loops and branches (what inlined calls produce)
    "in_a_branch": ("if N > 2:\n    v: real[1]\n    v[0] = a + 1.0\n    target += -0.5 * v[0] ** 2\n",
                    lambda a: -0.5 * (a + 1) ** 2),
    "filled_in_nested_branches": ("if N > 2:\n    v: real[1]\n    if N > 1:\n        v[0] = a + 1.0\n"
                                  "    else:\n        v[0] = a\n    target += -0.5 * v[0] ** 2\n",
                                  lambda a: -0.5 * (a + 1) ** 2),
    "filled_in_a_branch_in_a_loop": ("for j in range(2):\n    v: real[1]\n    if N > 2:\n        v[0] = a * j\n"
                                     "    else:\n        v[0] = a\n    target += -0.5 * v[0] ** 2\n",
                                     lambda a: -0.5 * a ** 2),
    "filled_in_an_inner_loop": ("for j in range(2):\n    v: real[3]\n    for i in range(3):\n"
                                "        v[i] = a * i + j\n    target += -0.5 * sum(v ** 2)\n",
                                lambda a: sum(-0.5 * (a * i + j) ** 2 for i in range(3) for j in range(2))),
    "a_function_with_a_loop_called_in_a_loop": (
        "for j in range(2):\n    target += -0.5 * sum(recurrence(a * ones(3) + j, 0.5) ** 2)\n",
        lambda a: sum(-0.5 * (numpy_recurrence(a * np.ones(3) + j, 0.5) ** 2).sum() for j in range(2))),
}


@pytest.mark.parametrize("name", sorted(BLOCK_ARRAYS))
def test_arrays_made_inside_blocks_keep_their_gradient(name):
    """An array declared in a loop or branch and filled from a param is part of the log density:
    its adjoint is kept, and a reversed loop fills it again before reading it (both were lost
    before functions were inlined into blocks: a zero or NaN gradient)."""
    text, reference = BLOCK_ARRAYS[name]
    posterior = ppl.model(FUNCTIONS + "data N: int\nparam a: real\n" + text, f"{name}.ppl").condition({"N": 3})
    for a in (-0.7, 1.3):
        assert posterior.log_density(np.array([a])) == pytest.approx(reference(a), rel=1e-12)
        check_gradient(posterior, np.array([a]))


def test_a_regression_helper_samples_its_closed_form_posterior():
    """A brms-style linear predictor with known noise and a normal prior: the posterior of the
    coefficients is normal with precision X'X / sigma^2 + I / tau^2."""
    text = ("def linear_predictor(X: real[N, K], beta: real[K], alpha: real) -> real[N]:\n"
            "    return alpha + X @ beta\n"
            "data N: int\ndata K: int\ndata X: real[N, K]\ndata y: real[N]\n"
            "param beta: real[K]\n"
            "beta ~ Normal(0, 2)\n"
            "y ~ Normal(linear_predictor(X, beta, 0.5), 1.5)\n")
    rng = np.random.default_rng(7)
    n, k, sigma, tau = 30, 2, 1.5, 2.0
    X_data = rng.normal(size=(n, k))
    y = 0.5 + X_data @ np.array([1.0, -0.5]) + sigma * rng.normal(size=n)
    precision = X_data.T @ X_data / sigma ** 2 + np.eye(k) / tau ** 2
    covariance = np.linalg.inv(precision)
    mean = covariance @ X_data.T @ (y - 0.5) / sigma ** 2
    fit = ppl.model(text).sample({"N": n, "K": k, "X": X_data, "y": y}, chains=4, warmup=500, draws=1000,
                                 seed=11)
    draws = fit["beta"].reshape(-1, k)
    sd = np.sqrt(np.diag(covariance))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 5 * sd / np.sqrt(1000)), (draws.mean(axis=0), mean)
    np.testing.assert_allclose(draws.std(axis=0), sd, rtol=0.1)


def test_a_size_the_data_decide_is_checked_when_data_is_bound():
    text = ("def inner(x: real[N], y: real[N]) -> real:\n    return dot(x, y)\n"
            "data J: int\ndata K: int\nparam a: real[J]\nparam b: real[K]\ntarget += inner(a, b)\n")
    model = ppl.model(text)
    posterior = model.condition({"J": 3, "K": 3})
    assert posterior.log_density(np.arange(6.0)) == pytest.approx(np.arange(3.0) @ np.arange(3.0, 6.0))
    with pytest.raises(DataError, match="N \\(set by 'x'\\) has size J = 2 but 'y'"):
        model.condition({"J": 2, "K": 3})


SIGNATURE = "def scale(x: real[N], s: real) -> real[N]:\n    return x * s\n"


def error_row(id, source, error, line, column, phrase):
    return pytest.param(source, error, line, column, phrase, id=id)


ERRORS = [
    error_row("unknown_function", "param a: real\ntarget += scal(a)\n", ModelNameError, 2, 11, "unknown function"),
    error_row("near_miss_of_a_function", SIGNATURE + "param a: real[2]\ntarget += sum(scal(a, 1.0))\n",
              ModelNameError, 4, 15, "did you mean 'scale'?"),
    error_row("too_many_arguments", SIGNATURE + "param a: real[3]\ntarget += sum(scale(a, 1.0, 2.0))\n",
              ModelTypeError, 4, 29, "scale(x, s) takes 2 arguments, but 3 are given"),
    error_row("missing_argument", SIGNATURE + "param a: real[3]\ntarget += sum(scale(a))\n",
              ModelTypeError, 4, 15, "missing the argument 's'"),
    error_row("unknown_keyword", SIGNATURE + "param a: real[3]\ntarget += sum(scale(a, t=1.0))\n",
              ModelTypeError, 4, 24, "'scale' has no argument 't'"),
    error_row("argument_given_twice", SIGNATURE + "param a: real[3]\ntarget += sum(scale(a, 1.0, s=2.0))\n",
              ModelTypeError, 4, 29, "the argument 's' of 'scale' is given twice"),
    error_row("scalar_for_an_array", SIGNATURE + "param a: real\ntarget += sum(scale(a, 1.0))\n",
              ModelTypeError, 4, 21, ("the argument 'x' of 'scale' is declared real[N]", "a real scalar")),
    error_row("real_for_an_int", "def half(n: int) -> int:\n    return n // 2\nparam a: real\ntarget += half(a)\n",
              ModelTypeError, 4, 16, "the argument 'n' of 'half' is declared int, but the value is real"),
    error_row("sizes_that_differ", "def inner(x: real[N], y: real[N]) -> real:\n    return dot(x, y)\n"
              "param a: real[3]\nparam b: real[4]\ntarget += inner(a, b)\n",
              ModelTypeError, 5, 20, ("'y' of 'inner' has shape [4]", "N = 3 (set by 'x')")),
    error_row("literal_size", "def total(x: real[3]) -> real:\n    return sum(x)\nparam a: real[4]\n"
              "target += total(a)\n", ModelTypeError, 4, 17, "does not fit x: real[3]"),
    error_row("shadows_a_builtin", "def exp(x: real) -> real:\n    return x\n", ModelNameError, 1, 1,
              "'exp' is a built-in function"),
    error_row("shadows_a_distribution", "def Normal(x: real) -> real:\n    return x\n", ModelNameError, 1, 1,
              "'Normal' is a distribution"),
    error_row("shadows_a_model_name", "param a: real\ndef a(x: real) -> real:\n    return x\n", ModelNameError,
              2, 1, "'a' is already defined"),
    error_row("model_name_after_a_function", "def a(x: real) -> real:\n    return x\nparam a: real\n",
              ModelNameError, 3, 7, "'a' is already defined as a function"),
    error_row("defined_twice", "def g(x: real) -> real:\n    return x\ndef g(x: real) -> real:\n    return x\n",
              ModelNameError, 3, 1, "the function 'g' is already defined"),
    error_row("reads_a_model_name", "param mu: real\ndef g(x: real) -> real:\n    return x + mu\n",
              ModelNameError, 3, 16, ("reads 'mu', which is not one of its arguments", "sees only its arguments")),
    error_row("reads_a_later_model_name", "def g(x: real) -> real:\n    return x + mu\nparam mu: real\n",
              ModelNameError, 2, 16, "reads 'mu'"),
    error_row("missing_return", "def g(x: real) -> real:\n    y = x\n", ModelStructureError, 2, 5,
              "does not end with `return`"),
    error_row("branch_without_return", "def g(x: real) -> real:\n    if x > 0:\n        return x\n",
              ModelStructureError, 2, 5, "may end without returning"),
    error_row("early_return", "def g(x: real) -> real:\n    if x > 0:\n        return x\n    return 0.0\n",
              ModelNotSupportedError, 3, 9, "a `return` before the end of a function"),
    error_row("return_in_a_loop", "def g(x: real[N]) -> real:\n    for i in range(N):\n        return x[i]\n"
              "    return 0.0\n", ModelNotSupportedError, 3, 9, "a `return` before the end"),
    error_row("recursion", "def g(x: real) -> real:\n    return g(x)\n", ModelStructureError, 2, 12,
              "recursion is not supported"),
    error_row("sample_inside", "def g(x: real) -> real:\n    x ~ Normal(0, 1)\n    return x\n",
              ModelStructureError, 2, 5, "a `~` statement cannot be inside a function"),
    error_row("target_inside", "def g(x: real) -> real:\n    target += x\n    return x\n",
              ModelStructureError, 2, 5, "`target +=` cannot be inside a function"),
    error_row("param_inside", "def g(x: real) -> real:\n    param y: real\n    return x\n",
              ModelStructureError, 2, 5, "a `param` declaration cannot be inside a function"),
    error_row("gen_inside", "def g(x: real) -> real:\n    gen y = x\n    return y\n",
              ModelStructureError, 2, 5, "a `gen` statement cannot be inside a function"),
    error_row("def_inside", "def g(x: real) -> real:\n    def h(y: real) -> real:\n        return y\n"
              "    return x\n", ModelStructureError, 2, 5, "a `def` cannot be inside a function"),
    error_row("def_in_a_loop", "data N: int\nfor i in range(N):\n    def g(x: real) -> real:\n        return x\n",
              ModelStructureError, 3, 5, "must be at the top level"),
    error_row("real_returned_as_int", "def g(x: real) -> int:\n    return x\n", ModelTypeError, 2, 12,
              "declared to return int"),
    error_row("array_returned_as_scalar", "def g(x: real[N]) -> real:\n    return x\n", ModelTypeError, 2, 12,
              "has shape [N], but the function is declared to return real"),
    error_row("return_size_of_nothing", "def g(x: real[N]) -> real[M]:\n    return x\n", ModelTypeError, 1, 27,
              "the return size 'M' is not a size of an argument"),
    error_row("constrained_argument", "def g(x: simplex[K]) -> real:\n    return sum(x)\n", ModelTypeError, 1, 10,
              "is `real` or `int`"),
    error_row("bounded_argument", "def g(x: real<lower=0>) -> real:\n    return x\n", ModelTypeError, 1, 15,
              "bounds on argument 'x'"),
    error_row("argument_twice_in_signature", "def g(x: real, x: real) -> real:\n    return x\n", ModelNameError,
              1, 16, "the argument 'x' is given twice"),
    error_row("assigns_an_argument", "def g(x: real) -> real:\n    x = 2 * x\n    return x\n",
              ModelStructureError, 2, 5, "cannot assign to the argument 'x'"),
    error_row("used_before_its_def", "param a: real\ntarget += g(a)\ndef g(x: real) -> real:\n    return x\n",
              ModelNameError, 2, 11, "the function 'g' is used before it is defined"),
    error_row("if_on_a_param_in_the_body", "def g(x: real) -> real:\n    if x > 0:\n        return x\n"
              "    else:\n        return -x\nparam a: real\ntarget += g(a)\n",
              ModelStructureError, 2, 8, ("depends on a param ('a')", "in the call of 'g' on line 7")),
    error_row("function_as_a_value", "def g(x: real) -> real:\n    return x\nparam a: real\ntarget += g\n",
              ModelTypeError, 4, 11, "'g' is a function; call it"),
    error_row("call_in_a_bound", "def g(x: real) -> real:\n    return x\nparam a: real<lower=g(0.0)>\n",
              ModelNotSupportedError, 3, 21, "in a declaration is not supported"),
    error_row("gen_argument_in_the_model", "def g(x: real) -> real:\n    return x\nparam a: real\n"
              "gen z ~ Normal(a, 1)\ntarget += g(z)\n", ModelStructureError, 5, 11,
              "the generated quantity 'z' is used in the model"),
    error_row("size_that_is_not_a_value", "def g(x: real[N]) -> real:\n    return 1.0 * N\ndata K: int\n"
              "param a: real[K]\ntarget += g(a[::2])\n", ModelNotSupportedError, 2, 18,
              "the size 'N' (set by 'x'"),
]


@pytest.mark.parametrize("source, error, line, column, phrase", ERRORS)
def test_misuse_is_a_located_error(source, error, line, column, phrase):
    with pytest.raises(ModelError) as info:
        ppl.model(source, "bad.ppl")
    caught = info.value
    assert type(caught) is error, str(caught)
    assert (caught.line, caught.column) == (line, column), str(caught)
    for part in (phrase,) if isinstance(phrase, str) else phrase:
        assert part in str(caught), str(caught)


def test_a_function_body_holds_locals():
    """A function's locals (reassigned, updated in loops) are renamed per call like its other
    names, so two calls, one inside a loop, keep apart; values against NumPy, gradient against
    finite differences."""
    model = ppl.model("""
def powered(v: real, k: int) -> real:
    local acc = 1.0
    for i in range(k):
        acc *= v
    return acc

data N: int
data y: real[N]
param a: real
local total = 0.0
for n in range(N):
    total += powered(a, n) * y[n]
target += -0.5 * (total - powered(a, 2)) ** 2
a ~ Normal(0, 1)
""", "function_locals.ppl")
    y = np.array([0.5, -1.0, 2.0, 0.25])
    posterior = model.condition({"N": 4, "y": y})
    for a in (-0.7, 0.3, 1.2):
        total = sum(a ** n * y[n] for n in range(4))
        expected = -0.5 * (total - a ** 2) ** 2 - 0.5 * a ** 2 - 0.5 * np.log(2 * np.pi)
        assert posterior.log_density(np.array([a])) == pytest.approx(expected, rel=1e-12)
        check_gradient(posterior, np.array([a]))


CARRIED_STATE = """
def geometric_sum(r: real, n: int) -> real:
    local total = 0.0
    local term = 1.0
    for i in range(n):
        total += term
        term = term * r
    return total

def geometric_sum_while(r: real, n: int) -> real:
    local total = 0.0
    local term = 1.0
    local i = 0
    while i < n:
        total += term
        term = term * r
        i += 1
    return total

data N: int
data target_value: real
param rho: real
target += -0.5 * square(geometric_sum(rho, N) - target_value)
target += -0.5 * square(geometric_sum_while(rho, N + 1) - target_value)
"""


def test_a_local_that_reads_another_carried_local_keeps_the_gradient():
    """`total += term` reads `term`, whose history holds values of the argument `r`: the stage of
    an argument is its value's at the call (here a param), for `for` and `while` bodies alike, so
    neither history is taken for transformed data (which once dropped the gradient to 0)."""
    posterior = ppl.model(CARRIED_STATE, "carried_state.ppl").condition({"N": 3, "target_value": 2.0})
    for rho in (-0.6, 0.5, 1.3):
        first, second = sum(rho ** k for k in range(3)), sum(rho ** k for k in range(4))
        expected = -0.5 * (first - 2.0) ** 2 - 0.5 * (second - 2.0) ** 2
        assert posterior.log_density(np.array([rho])) == pytest.approx(expected, rel=1e-12)
        slope = -(first - 2.0) * (1 + 2 * rho) - (second - 2.0) * (1 + 2 * rho + 3 * rho ** 2)
        assert posterior.log_density_gradient(np.array([rho]))[1][0] == pytest.approx(slope, rel=1e-10)
        check_gradient(posterior, np.array([rho]))


def test_a_while_loop_in_a_function_called_in_gen_and_transformed_data():
    model = ppl.model("""
def count_below(v: real[N], limit: real) -> int:
    local i = 0
    while i < N and v[i] < limit:
        i += 1
    return i

def decayed(v: real[N], rate: real) -> real:
    local i = 0
    local level = 0.0
    while i < N and v[i] >= 0:
        level = level * rate + v[i]
        i += 1
    return level

data N: int
data x: real[N]
param rate: real<lower=0, upper=1>
_prefix = count_below(x, 1.5)
target += -square(decayed(x, rate) - 2.0) + _prefix * log(rate)
gen level = decayed(x, rate)
""", "while_in_functions.ppl")
    x = np.array([0.5, 1.0, 2.0, -1.0, 3.0])
    posterior = model.condition({"N": 5, "x": x})
    for rate in (0.2, 0.7):   # the loops stop at x[3] < 0 and at x[2] >= 1.5
        level = (0.5 * rate + 1.0) * rate + 2.0
        assert posterior.log_prob({"rate": rate}) == pytest.approx(-(level - 2.0) ** 2 + 2 * np.log(rate), rel=1e-12)
    for u in (-1.0, 0.4):
        check_gradient(posterior, np.array([u]))
    fit = model.sample({"N": 5, "x": x}, chains=1, warmup=50, draws=10, seed=3, progress=False)
    rates = fit["rate"][0]
    np.testing.assert_allclose(fit["level"][0], (0.5 * rates + 1.0) * rates + 2.0, rtol=1e-12)


def test_a_while_condition_on_a_param_argument_is_located_in_the_function():
    source = """
def steps(r: real) -> real:
    local level = 0.0
    while level < r:
        level += 1
    return level

param rho: real
target += steps(rho)
"""
    with pytest.raises(ModelStructureError) as caught:
        ppl.model(source, "while_on_param.ppl")
    error = caught.value
    assert (error.line, error.column) == (4, 11), str(error)
    assert "`while` condition depends on a param" in str(error) and "in the call of 'steps' on line 9" in str(error)
