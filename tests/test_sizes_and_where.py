"""Sizes the data decide, sizes equal as expressions, `where`, `argmax`, and comparisons of
params as 0/1 values (issue #8, item 5).

* Sizes that differ symbolically but that data can make equal (`[K]` and `[2]`) are checked
  when data is bound: with data that makes them equal the model compiles, its log density
  matches NumPy and its gradient finite differences, and its posterior samples correctly;
  with data that does not, binding raises a located DataError naming both sizes, their
  expressions and values.  One row per place the checker compares sizes.
* Sizes that differ whatever the data (`[2]` and `[3]`, `[N]` and `[N + 1]`) stay check
  errors; sizes that vary with a loop variable must be equal as expressions.
* Opaque size terms are symbols: `[sum(m) - 1]` and `[sum(m) - 1 - 0]` are one size.
* `where(cond, a, b)` against np.where and finite differences; `argmax` and comparisons in
  `gen` against NumPy.
"""

import numpy as np
import pytest
import scipy.stats

import ppl
from gradient_checks import check_gradient
from codegen.shapes import DIFFERENT, EQUAL, UNKNOWN, Dim
from ppl.errors import DataError, ModelTypeError


def normal_logpdf(x, loc, scale=1.0):
    return scipy.stats.norm.logpdf(x, loc, scale)


# ---- sizes the data decide: one row per place the checker compares sizes ----------------------
#
# id: (model, data that makes the sizes equal, data that does not, line of the error, phrases of
#      the DataError: the statement, both sizes with their expressions and values)

SIZE_ROWS = {
    "broadcasting a param against data": (
        "data K: int\ndata y: real[2]\nparam mu: real[K]\ny ~ Normal(mu, 1)\n",
        {"K": 2, "y": [0.5, -1.0]}, {"K": 3, "y": [0.5, -1.0]}, 4,
        ("y ~ Normal(mu, 1): y has size 2 but Normal(mu, 1) has size K = 3",)),
    "two axes: [J, T] against [n_dogs, n_trials]": (
        "data n_dogs: int\ndata n_trials: int\ndata J: int\ndata T: int\n"
        "data y: int<lower=0, upper=1>[n_dogs, n_trials]\nparam beta: real[J, T]\ny ~ Bernoulli(logits=beta)\n",
        {"n_dogs": 2, "n_trials": 3, "J": 2, "T": 3, "y": [[0, 1, 1], [1, 0, 0]]},
        {"n_dogs": 2, "n_trials": 3, "J": 2, "T": 4, "y": [[0, 1, 1], [1, 0, 0]]}, 7,
        ("axis 1 of y has size n_trials = 3", "axis 1 of Bernoulli(logits=beta) has size T = 4")),
    "a distribution's event axes (MVN loc against covariance)": (
        "data K: int\ndata y: real[2]\ndata Sigma: cov[2]\nparam mu: real[K]\ny ~ MVN(mu, Sigma)\n",
        {"K": 2, "y": [0.1, 0.2], "Sigma": np.eye(2)}, {"K": 3, "y": [0.1, 0.2], "Sigma": np.eye(2)}, 5,
        ("y ~ MVN(mu, Sigma): mu has size K = 3 but axis 0 of Sigma has size 2",)),
    "a ~ value against its distribution's event": (
        "data N: int\ndata D: int\ndata K: int\ndata Y: real[N, D]\nparam mu: real[K]\nparam L: cov_cholesky[K]\n"
        "Y ~ MVNTriL(mu, L)\n",
        {"N": 1, "D": 2, "K": 2, "Y": [[0.0, 1.0]]}, {"N": 1, "D": 2, "K": 3, "Y": [[0.0, 1.0]]}, 7,
        ("axis 1 of Y has size D = 2 but the event of MVNTriL(mu, L) has size K = 3",)),
    "the inner sizes of @": (
        "data N: int\ndata P: int\ndata K: int\ndata X: real[N, P]\nparam beta: real[K]\nmu = X @ beta\n",
        {"N": 2, "P": 2, "K": 2, "X": np.ones((2, 2))}, {"N": 2, "P": 2, "K": 3, "X": np.ones((2, 2))}, 6,
        ("mu = X @ beta: axis 1 of X has size P = 2 but beta has size K = 3",)),
    "the items of a list literal": (
        "data K: int\nparam a: real[K]\nparam b: real[2]\nv = [a, b]\n",
        {"K": 2}, {"K": 1}, 4, ("a has size K = 1 but b has size 2",)),
    "a fill inside a loop": (
        "data N: int\ndata K: int\nparam theta: real[K]\nz: real[N, 2]\nfor i in range(N):\n    z[i] = theta\n",
        {"N": 2, "K": 2}, {"N": 2, "K": 3}, 6, ("z[i] = theta: z[i] has size 2 but theta has size K = 3",)),
    "an elementwise built-in": (
        "data N: int\ndata K: int\nparam a: real<lower=0>[K]\nparam b: real[N]\ntarget += sum(pow(a, b))\n",
        {"N": 3, "K": 3}, {"N": 3, "K": 4}, 5, ("a has size K = 4 but b has size N = 3",)),
    "dot": (
        "data N: int\ndata K: int\nparam a: real[K]\nparam b: real[N]\ntarget += dot(a, b)\n",
        {"N": 3, "K": 3}, {"N": 2, "K": 3}, 5, ("a has size K = 3 but b has size N = 2",)),
    "gathers pairing up": (
        "data N: int\ndata M: int\ndata g: int[N]\ndata h: int[M]\nparam x: real[3, 3]\ntarget += sum(x[g, h])\n",
        {"N": 2, "M": 2, "g": [0, 1], "h": [2, 2]}, {"N": 2, "M": 3, "g": [0, 1], "h": [2, 2, 0]}, 6,
        ("g has size N = 2 but h has size M = 3",)),
    "a size from transformed data": (
        "data m: int[3]\ndata N: int\ndata y: real[N]\nM = sum(m)\nparam a: real[M]\ny ~ Normal(a, 1)\n",
        {"m": [1, 2, 1], "N": 4, "y": np.zeros(4)}, {"m": [1, 2, 2], "N": 4, "y": np.zeros(4)}, 6,
        ("y has size N = 4 but Normal(a, 1) has size M = 5",)),
    "an opaque size term": (
        "data m: int[3]\ndata N: int\nparam a: real[sum(m)]\nparam b: real[N]\ntarget += sum(a * b)\n",
        {"m": [1, 2, 1], "N": 4}, {"m": [1, 2, 3], "N": 4}, 5, ("a has size sum(m) = 6 but b has size N = 4",)),
    "a bound against the declared shape": (
        "data K: int\ndata lo: real[2]\nparam x: real<lower=lo>[K]\n",
        {"K": 2, "lo": [0.0, 1.0]}, {"K": 3, "lo": [0.0, 1.0]}, 3,
        ("the declared shape has size K = 3 but the lower bound has size 2",)),
    "mixture weights against components": (
        "data K: int\ndata J: int\ndata y: real[4]\nparam w: simplex[K]\nparam mu: real[J]\n"
        "y ~ MixtureSameFamily(Categorical(probs=w), Normal(mu, 1))\n",
        {"K": 2, "J": 2, "y": np.zeros(4)}, {"K": 2, "J": 3, "y": np.zeros(4)}, 6,
        ("w has size K = 2 but the components' last batch axis has size J = 3",)),
    "cholesky of a matrix not known to be square": (
        "data N: int\ndata K: int\ndata S: real[N, K]\nL = cholesky(S)\n",
        {"N": 2, "K": 2, "S": np.eye(2)}, {"N": 2, "K": 3, "S": np.ones((2, 3))}, 4,
        ("axis 0 of S has size N = 2 but axis 1 of S has size K = 3",)),
    "the features of two point sets": (
        "data N: int\ndata F: int\ndata M: int\ndata G: int\ndata x1: real[N, F]\ndata x2: real[M, G]\n"
        "C = exp_quad_cov(x1, x2, 1.0, 1.0)\n",
        {"N": 2, "F": 2, "M": 3, "G": 2, "x1": np.zeros((2, 2)), "x2": np.zeros((3, 2))},
        {"N": 2, "F": 2, "M": 3, "G": 3, "x1": np.zeros((2, 2)), "x2": np.zeros((3, 3))}, 7,
        ("axis 1 of x1 has size F = 2 but axis 1 of x2 has size G = 3",)),
    "a gen draw into part of an array": (
        "data K: int\nparam mu: real[K]\ngen z: real[2]\ngen z[:] ~ Normal(mu, 1)\n",
        {"K": 2}, {"K": 4}, 4, ("z[:] has size 2 but a draw from Normal(mu, 1) has size K = 4",)),
    "where's three arguments": (
        "data N: int\ndata K: int\ndata x: real[N]\nparam a: real[K]\ntarget += sum(where(x > 0, a, 0.0))\n",
        {"N": 2, "K": 2, "x": [1.0, -1.0]}, {"N": 2, "K": 3, "x": [1.0, -1.0]}, 5,
        ("x > 0 has size N = 2 but a has size K = 3",)),
}


@pytest.mark.parametrize("row", sorted(SIZE_ROWS))
def test_sizes_the_data_decide_are_checked_when_data_is_bound(row):
    text, good, bad, line, phrases = SIZE_ROWS[row]
    model = ppl.model(text, "sizes.ppl")
    assert model.ir.size_checks, "the comparison should be deferred to binding"
    model.check_data(good)
    with pytest.raises(DataError) as caught:
        model.check_data(bad)
    error = caught.value
    message = str(error)
    assert error.line == line, message
    assert message.startswith(f"sizes.ppl:{line}:"), message
    assert "^" in message and "hint:" in message and "found:" in message, message
    for phrase in phrases:
        assert phrase in message, message


def test_size_checks_are_listed_by_show_ir_and_check():
    model = ppl.model(SIZE_ROWS["a distribution's event axes (MVN loc against covariance)"][0], "mvn.ppl")
    assert "check K == 2  # line 5: mu vs axis 0 of Sigma" in model.show("ir")
    assert "sizes checked when data is bound:" in model.outline()


def test_a_size_check_inside_an_if_applies_only_when_the_branch_is_taken():
    text = ("data K: int\ndata L: int\ndata y2: real[2]\nparam mu: real[K]\nmu ~ Normal(0, 1)\n"
            "if K == 2:\n    target += sum(mu * y2)\nelse:\n    target += sum(mu)\n"
            "for i in range(L):\n    target += sum(mu * y2)\n")
    model = ppl.model(text, "guarded.ppl")
    assert len(model.ir.size_checks) == 2
    y2 = np.array([0.5, -2.0])
    post = model.condition({"K": 3, "L": 0, "y2": y2})   # neither the branch nor the loop runs
    u = np.array([0.2, -0.4, 1.0])
    assert post.log_density(u) == pytest.approx(np.sum(normal_logpdf(u, 0)) + np.sum(u))
    post = model.condition({"K": 2, "L": 2, "y2": y2})
    u = np.array([0.2, -0.4])
    assert post.log_density(u) == pytest.approx(np.sum(normal_logpdf(u, 0)) + 3 * np.sum(u * y2))
    with pytest.raises(DataError, match="mu has size K = 3 but y2 has size 2") as caught:
        model.check_data({"K": 3, "L": 1, "y2": y2})
    assert caught.value.line == 11


# ---- compiled with data that makes the sizes equal ------------------------------------------------

MANY_SITES = """data K: int
data N: int
data P: int
data m: int[2]
data y: real[2]
data X: real[N, P]
data Sigma: cov[2]
M = sum(m)
param mu: real[K]
param beta: real[M]
y ~ Normal(mu, 1)
y ~ MVN(beta, Sigma)
eta = X @ mu
v = [mu, beta]
target += -0.5 * sum(eta ** 2) + dot(mu, beta) - 0.1 * sum(v ** 2)
z: real[N, 2]
for i in range(N):
    z[i] = beta * X[i]
target += -0.05 * sum(z ** 2)
"""
MANY_SITES_DATA = {"K": 2, "N": 3, "P": 2, "m": [1, 1], "y": [0.3, -0.8],
                   "X": [[0.5, 1.0], [-1.0, 0.2], [0.7, 0.7]], "Sigma": [[1.0, 0.3], [0.3, 2.0]]}


def _many_sites_reference(u):
    y, X, Sigma = (np.asarray(MANY_SITES_DATA[k], dtype=float) for k in ("y", "X", "Sigma"))
    mu, beta = u[:2], u[2:]
    return (np.sum(normal_logpdf(y, mu)) + scipy.stats.multivariate_normal(beta, Sigma).logpdf(y)
            - 0.5 * np.sum((X @ mu) ** 2) + mu @ beta - 0.1 * np.sum(np.array([mu, beta]) ** 2)
            - 0.05 * np.sum((beta * X) ** 2))


def test_deferred_sizes_compile_with_correct_values_and_gradients():
    """Broadcasting, an event letter, @, a list literal, dot, a fill and a size from transformed
    data, each deferred to binding, in one model: its log density and gradient are right."""
    model = ppl.model(MANY_SITES, "many_sites.ppl")
    assert len(model.ir.size_checks) >= 7
    post = model.condition(MANY_SITES_DATA)
    rng = np.random.default_rng(5)
    for _ in range(3):
        u = rng.uniform(-1.5, 1.5, post.dim)
        assert post.log_density(u) == pytest.approx(_many_sites_reference(u), rel=1e-10)
        check_gradient(post, u)
    with pytest.raises(DataError, match=r"Normal\(mu, 1\) has size K = 3"):
        model.condition({**MANY_SITES_DATA, "K": 3})


def test_two_deferred_axes_compile():
    text, good, _, _, _ = SIZE_ROWS["two axes: [J, T] against [n_dogs, n_trials]"]
    post = ppl.model(text, "dogs.ppl").condition(good)
    y = np.array(good["y"])
    u = np.random.default_rng(1).normal(size=6)
    beta = u.reshape(2, 3)
    assert post.log_density(u) == pytest.approx(np.sum(y * beta - np.logaddexp(0, beta)), rel=1e-10)
    check_gradient(post, u)


def test_posterior_with_deferred_sizes_samples_correctly():
    """mu ~ Normal(0, 1), y ~ Normal(mu, 1) with mu: real[K], y: real[2]: the posterior of each
    mu is Normal(y / 2, sqrt(1 / 2)); comparisons of mu in `gen` are its 0/1 indicators."""
    text = ("data K: int\ndata y: real[2]\nparam mu: real[K]\nmu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n"
            "gen above = mu > 0\ngen first_is_larger = (mu[0] > mu[1]) * 1.0\n")
    y = np.array([1.2, -0.6])
    fit = ppl.model(text, "conjugate.ppl").sample({"K": 2, "y": y}, chains=4, warmup=500, draws=1000, seed=11,
                                                  progress=False)
    draws = fit["mu"].reshape(-1, 2)
    assert np.all(np.abs(draws.mean(axis=0) - y / 2) < 0.08), draws.mean(axis=0)
    assert np.all(np.abs(draws.std(axis=0) - np.sqrt(0.5)) < 0.06), draws.std(axis=0)
    assert np.array_equal(fit["above"].reshape(-1, 2), (draws > 0).astype(float))
    assert np.array_equal(fit["first_is_larger"].reshape(-1), (draws[:, 0] > draws[:, 1]).astype(float))


# ---- provable mismatches stay check errors ----------------------------------------------------------

PROVABLE = {
    "[2] and [3]": ("param a: real[2]\nparam b: real[3]\ntarget += sum(a + b)\n", 3, "shapes [2] and [3] do not broadcast"),
    "[N] and [N + 1]": ("data N: int\nparam a: real[N]\nparam b: real[N + 1]\ntarget += sum(a * b)\n", 4,
                        "shapes [N] and [N + 1] do not broadcast"),
    "@ with [N, K] and [K + 1]": ("data N: int\ndata K: int\ndata X: real[N, K]\nparam b: real[K + 1]\nmu = X @ b\n",
                                  5, "'@' inner dimensions differ: [N, K] @ [K + 1]"),
    "event K and K + 1": ("data K: int\nparam mu: real[K]\nparam L: cov_cholesky[K + 1]\ndata y: real[K]\n"
                          "y ~ MVNTriL(mu, L)\n", 5, "does not fit 'loc' of shape [K]"),
    "list items [2] and [3]": ("param a: real[2]\nparam b: real[3]\nv = [a, b]\n", 3,
                               "the items of a list must all have the same shape"),
    "dot of [K] and [K - 1]": ("data K: int\nparam a: real[K]\nparam b: real[K - 1]\ntarget += dot(a, b)\n", 4,
                               "the last axes differ"),
    "a fill of [N + 1] into [N]": ("data N: int\nparam t: real[N + 1]\nz: real[N]\nz[:] = t\n", 4, "cannot assign"),
}


@pytest.mark.parametrize("row", sorted(PROVABLE))
def test_sizes_that_differ_whatever_the_data_are_check_errors(row):
    text, line, phrase = PROVABLE[row]
    with pytest.raises(ModelTypeError) as caught:
        ppl.model(text, "provable.ppl")
    assert caught.value.line == line and phrase in str(caught.value), str(caught.value)


def test_sizes_that_vary_with_a_loop_variable_must_be_equal_as_expressions():
    text = ("data T: int\ndata K: int\ndata x: real[T]\nparam w: real[K]\nfor t in range(1, T):\n"
            "    target += sum(x[0:t] * w)\n")
    with pytest.raises(ModelTypeError) as caught:
        ppl.model(text, "loop.ppl")
    message = str(caught.value)
    assert caught.value.line == 6 and "cannot be checked when data is bound" in message, message
    assert "'t' is a loop variable" in message
    # the same sizes written two ways are one size
    ppl.model("data T: int\ndata x: real[T]\nparam w: real[T]\nfor t in range(1, T):\n"
              "    target += sum(x[0:t] * w[1:t + 1]) + sum(x[0:t // 2] * w[1:t // 2 + 1])\n", "same.ppl")


# ---- opaque size terms are symbols -------------------------------------------------------------------

def test_size_algebra_compares_three_ways():
    n, k, one = Dim.name("N"), Dim.name("K"), Dim.constant(1)
    total = Dim.unknown("sum(m)")
    assert (n + one - one).compare(n) == EQUAL
    assert n.compare(n + one) == DIFFERENT and Dim.constant(2).compare(Dim.constant(3)) == DIFFERENT
    assert n.compare(k) == UNKNOWN and n.compare(Dim.constant(2)) == UNKNOWN
    assert n.compare(n * Dim.constant(2)) == UNKNOWN          # equal when N = 0
    assert (total - one).compare(total - one - Dim.constant(0)) == EQUAL
    assert (total - one).compare(total) == DIFFERENT
    assert str(Dim.constant(2) * Dim.unknown("N // 2")) == "2*(N // 2)"
    assert str(total - one) == "sum(m) - 1"


def test_equal_opaque_sizes_are_equal():
    text = ("data m: int[3]\ndata y: real[sum(m) - 1]\nparam mu: real\nz: real[sum(m) - 1 - 0]\n"
            "for i in range(sum(m) - 1):\n    z[i] = mu * y[i]\ny ~ Normal(z, 1)\n")
    model = ppl.model(text, "opaque.ppl")
    assert model.ir.size_checks == ()           # equal as expressions: nothing left to check
    y = np.array([0.5, 1.0, -0.2, 0.3, 2.0])
    post = model.condition({"m": [1, 2, 3], "y": y})
    u = np.array([0.7])
    assert post.log_density(u) == pytest.approx(np.sum(normal_logpdf(y, 0.7 * y)), rel=1e-12)
    check_gradient(post, u)
    with pytest.raises(DataError, match="wrong shape"):   # declared data shapes with opaque sizes are checked
        model.check_data({"m": [1, 2, 3], "y": y[:4]})


# ---- where --------------------------------------------------------------------------------------------

WHERE_MODEL = """data N: int
data x: real[N]
data flag: int[N]
data y: real[N]
param mu: real[N]
param s: real<lower=0>
param t: real
param A: real[2, N]
target += sum(where(x > 0, log(s) * mu, -mu ** 2))
target += sum(where(mu > t, mu * t, exp(-mu)))
target += 0.5 * where(t > 0, t ** 2, 0.0)
target += sum(where(flag, x * t, 1.0))
target += -0.5 * sum(where(x > 0, A, t) ** 2)
y ~ Normal(where(mu > 0, mu, t), s)
target += where(s > 1, log(s - 1), 0.0)
target += sum((mu > t) * mu) - (s == 1) + (t >= 0)
"""
WHERE_DATA = {"N": 4, "x": [1.0, -1.0, 2.0, 0.0], "flag": [0, 1, 1, 0], "y": [0.3, -0.2, 1.1, 0.5]}


def _where_reference(u):
    x, flag, y = (np.asarray(WHERE_DATA[k], dtype=float) for k in ("x", "flag", "y"))
    mu, s, t, A = u[:4], np.exp(u[4]), u[5], u[6:].reshape(2, 4)
    with np.errstate(all="ignore"):
        return (np.sum(np.where(x > 0, np.log(s) * mu, -mu ** 2)) + np.sum(np.where(mu > t, mu * t, np.exp(-mu)))
                + 0.5 * np.where(t > 0, t ** 2, 0.0) + np.sum(np.where(flag != 0, x * t, 1.0))
                - 0.5 * np.sum(np.where(x > 0, A, t) ** 2)
                + np.sum(normal_logpdf(y, np.where(mu > 0, mu, t), s))
                + np.where(s > 1, np.log(s - 1), 0.0) + u[4]
                + np.sum((mu > t) * mu) - float(s == 1) + float(t >= 0))


def test_where_values_and_gradients():
    post = ppl.model(WHERE_MODEL, "where.ppl").condition(WHERE_DATA)
    rng = np.random.default_rng(2)
    for _ in range(4):
        u = rng.uniform(-1.5, 1.5, post.dim)
        assert post.log_density(u) == pytest.approx(_where_reference(u), rel=1e-10)
        check_gradient(post, u)
    # at s = 1 exactly, log(s - 1) is -inf in the branch not taken: the gradient stays finite
    u = rng.uniform(-1.5, 1.5, post.dim)
    u[4] = 0.0
    value, gradient = post.log_density_gradient(u)
    assert np.isfinite(value) and np.all(np.isfinite(gradient))
    assert value == pytest.approx(_where_reference(u), rel=1e-10)


def test_where_on_data_and_ints_in_gen():
    text = ("data N: int\ndata x: real[N]\nclipped = where(x > 0, x, 0.0)\nparam mu: real[N]\n"
            "mu ~ Normal(clipped, 1)\ngen sign = where(mu > 0, 1, -1)\ngen picked = where(x > 0, mu, 0.0)\n")
    x = np.array([1.5, -0.5, 0.0, 2.0])
    post = ppl.model(text, "where_data.ppl").condition({"N": 4, "x": x})
    u = np.array([0.3, -1.0, 0.0, 2.5])
    assert post.log_density(u) == pytest.approx(np.sum(normal_logpdf(u, np.where(x > 0, x, 0.0))), rel=1e-12)
    drawn = post.generate(u)
    assert np.array_equal(drawn["sign"], np.where(u > 0, 1, -1))
    assert np.allclose(drawn["picked"], np.where(x > 0, u, 0.0))


def test_where_takes_three_arguments_that_broadcast():
    with pytest.raises(ModelTypeError, match="do not broadcast"):
        ppl.model("param a: real[2]\nparam b: real[3]\ntarget += sum(where(a > 0, a, b))\n", "bad_where.ppl")
    with pytest.raises(ModelTypeError, match="takes 3"):
        ppl.model("param a: real[2]\ntarget += sum(where(a > 0, a))\n", "bad_where.ppl")


# ---- argmax and comparisons of params ----------------------------------------------------------------

VITERBI = """data T: int
data K: int
data y: real[T]
data log_A: real[K, K]
param mu: real[K]
mu ~ Normal(0, 3)
for t in range(T):
    target += logsumexp(Normal(mu, 1).log_prob(y[t]))
target += mu[argmax(mu)]
gen delta: real[T, K]
gen back: int[T, K]
gen delta[0] = Normal(mu, 1).log_prob(y[0])
for t in range(1, T):
    for k in range(K):
        gen scores = delta[t - 1] + log_A[:, k]
        gen back[t, k] = argmax(scores)
        gen delta[t, k] = max(scores) + Normal(mu[k], 1).log_prob(y[t])
gen path: int[T]
gen path[T - 1] = argmax(delta[T - 1])
for s in range(1, T):
    gen path[T - 1 - s] = back[T - s, path[T - s]]
gen best = argmax(mu)
gen above = mu > 0
gen is_best = argmax(mu) == 1
"""


def _viterbi(y, mu, log_A):
    T, K = len(y), len(mu)
    delta = np.zeros((T, K))
    back = np.zeros((T, K), dtype=int)
    delta[0] = normal_logpdf(y[0], mu)
    for t in range(1, T):
        for k in range(K):
            scores = delta[t - 1] + log_A[:, k]
            back[t, k] = np.argmax(scores)
            delta[t, k] = scores.max() + normal_logpdf(y[t], mu[k])
    path = np.zeros(T, dtype=int)
    path[-1] = np.argmax(delta[-1])
    for s in range(1, T):
        path[T - 1 - s] = back[T - s, path[T - s]]
    return delta, path


def test_argmax_in_gen_decodes_like_numpy_and_has_no_derivative_in_the_model():
    rng = np.random.default_rng(4)
    T, K = 12, 3
    log_A = np.log(rng.dirichlet(np.ones(K) * 2, size=K))
    y = rng.normal(size=T) * 2
    post = ppl.model(VITERBI, "viterbi.ppl").condition({"T": T, "K": K, "y": y, "log_A": log_A})
    for seed in range(4):
        mu = np.random.default_rng(seed).normal(size=K) * 2
        drawn = post.generate(mu)
        delta, path = _viterbi(y, mu, log_A)
        assert np.allclose(drawn["delta"], delta)
        assert np.array_equal(drawn["path"], path)
        assert drawn["best"] == np.argmax(mu)
        assert np.array_equal(drawn["above"], mu > 0)
        assert drawn["is_best"] == (np.argmax(mu) == 1)
        reference = (np.sum(normal_logpdf(mu, 0, 3)) + np.max(mu)
                     + np.sum(np.logaddexp.reduce(normal_logpdf(y[:, None], mu[None, :]), axis=1)))
        assert post.log_density(mu) == pytest.approx(reference, rel=1e-10)
        check_gradient(post, mu)   # mu[argmax(mu)]: the derivative flows to the largest element only


def test_argmax_takes_a_vector():
    with pytest.raises(ModelTypeError, match="argmax\\(\\) takes a vector"):
        ppl.model("param A: real[2, 3]\ngen k = argmax(A)\n", "bad_argmax.ppl")
