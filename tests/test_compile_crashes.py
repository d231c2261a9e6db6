"""Models the checker accepts that once crashed the back end (or gave a wrong gradient without a
word), one row per crash class: each compiles, conditions, and its gradient agrees with finite
differences of its log density wherever that is finite; the rest give located errors."""

import numpy as np
import pytest

import ppl
from gradient_checks import finite_difference_error

SUM_400 = " + ".join(["a"] * 400)

COMPILES = {
    "size expression in a 2-d param shape": (
        "data D: int\ndata K: int\nparam B: real[D, K - 1]\nB ~ Normal(0, 1)\n", {"D": 2, "K": 3}, 4),
    "array read in both branches inside a loop": (
        "data N: int\ndata x: real[N]\nparam m: real\nmu = m * x\nfor i in range(N):\n"
        "    if x[i] > 0:\n        target += mu[i]\n    else:\n        target += -mu[i] * 2\nm ~ Normal(0, 1)\n",
        {"N": 3, "x": [1.0, -1.0, 2.0]}, 1),
    "integer list literal as an index": ("param theta: real[3]\ntheta[[0, 2]] ~ Normal(1, 0.5)\n", {}, 3),
    "integer list literal as a value": ("param theta: real\ntheta ~ Normal(sum([1, 2]), 1)\n", {}, 1),
    "bound beyond float range is no bound": ("param t: real<lower=0, upper=1e309>\nt ~ Normal(0, 1)\n", {}, 1),
    "large integer shape parameter": ("param t: real<lower=0>\nt ~ Gamma(2000, 1)\n", {}, 1),
    "integer beyond int32": ("param t: real<lower=0>\nt ~ InverseGamma(2147483648, 5)\n", {}, 1),
    "large degrees of freedom": ("param t: real\nt ~ StudentT(3000, 0, 1)\n", {}, 1),
    "axis mean in transformed data": (
        "data N: int\ndata X: real[N, 3]\nm = mean(X[:, 1:], axis=0)\nparam t: real[2]\nt ~ Normal(m, 1)\n",
        {"N": 2, "X": [[1, 2, 3], [4, 5, 6]]}, 2),
    "a sum of 400 terms": (f"param a: real\na ~ Normal(0, 1)\ntarget += {SUM_400}\n", {}, 1),
    "400 unary minus signs": ("param a: real\na ~ Normal(0, 1)\ntarget += " + "-" * 400 + "a\n", {}, 1),
    "filling columns with a vector": (
        "data N: int\nparam p: real[N]\np_eff: real[N, 2]\np_eff[:, 0] = p\np_eff[:, 1] = 2 * p\n"
        "p ~ Normal(0, 1)\ntarget += sum(p_eff * p_eff)\n", {"N": 3}, 3),
    "a comparison of params in the model": ("param mu: real\nmu ~ Normal(0, 1)\ntarget += (mu > 0)\n", {}, 1),
    "reductions and transposes of scalars are the scalar": (
        "data s: real\nparam t: real\nt ~ Normal(0, 1)\n"
        "target += max(t) + min(t) + mean(t) + sum(t) + logsumexp(t) + t.T + transpose(t)\n"
        "target += (max(s) + min(s) + mean(s) + size(s) + s.T) * t\n", {"s": 0.5}, 1),
    "a real power of ints (int ** negative int)": (
        "data N: int\ndata K: int\ndata x: real<lower=N ** -1>\nM = N ** -K\nparam t: real<lower=N ** -2>\n"
        "t ~ Normal(M + N ** -1, 1)\nif N ** -1 > 0.3:\n    target += t\n", {"N": 2, "K": 1, "x": 0.5}, 1),
    "powers by an int exponent the data set": (
        "data N: int\ndata K: int\nparam t: real<lower=0>\nt ~ Normal(0, 1)\ntarget += t ** K + pow(N, K) + pow(t, -K)\n",
        {"N": 2, "K": -1}, 1),
}

# int data where an event distribution takes reals: the same density and gradient as the reals
INT_EVENT_DATA = {
    "MVN value and covariance": ("data y: {t}[2]\ndata C: {t}[2, 2]\nparam m: real[2]\nm ~ Normal(0, 1)\n"
                                 "y ~ MVN(m, C)\n", {"y": [1, 2], "C": [[2, 1], [1, 2]]}),
    "MVNTriL value, loc and factor": ("data y: {t}[3, 2]\ndata l: {t}\ndata L: {t}[2, 2]\nparam m: real[2]\n"
                                      "m ~ MVNTriL([l, l], L)\ny ~ MVNTriL(m, L)\n",
                                      {"y": [[1, 2], [0, 1], [3, 3]], "l": 1, "L": [[1, 0], [1, 2]]}),
    "Dirichlet value and concentration": ("data y: {t}[3]\ndata c: {t}[3]\nparam a: real<lower=0>[3]\n"
                                          "param p: simplex[3]\na ~ Exponential(1)\np ~ Dirichlet(c)\n"
                                          "target += Dirichlet(a).log_prob(y)\n", {"y": [1, 1, 1], "c": [1, 2, 3]}),
    "LKJCholesky value and concentration": ("data L: {t}[2, 2]\ndata c: {t}\nparam k: real<lower=0>\n"
                                            "param M: corr_cholesky[3]\nk ~ Exponential(1)\nL ~ LKJCholesky(2, k)\n"
                                            "M ~ LKJCholesky(3, c)\n", {"L": [[1, 0], [0, 1]], "c": 2}),
}

# user names shaped like every kind of generated name (adjoints, offsets, unconstrained slices,
# temporaries, region and loop variables, imported modules, function arguments, builtins)
NAME_CLASHES = ["Rt_adj", "x_offset", "x_u", "t_0", "t_1_matmul", "_c0_term", "_i0_0", "_k", "_r", "leaf_0",
                "common_0", "np", "math", "numba", "special", "draws", "data_", "event_kernels", "vector",
                "matrix", "u", "grad_out", "real_data", "int_data", "lp", "seed", "u_out", "lp_after",
                "log_density", "range", "abs", "x_", "_Rt_l6_term", "_x_l5_t0_matmul", "Rt_l6_h0", "_l0_t0",
                "_Rt_l6b_d0", "x_l5"]


@pytest.mark.parametrize("case", sorted(COMPILES))
def test_checked_model_compiles_with_a_correct_gradient(case):
    text, data, dim = COMPILES[case]
    posterior = ppl.model(text, "case.ppl").condition(data)
    assert posterior.dim == dim
    u = np.random.default_rng(0).uniform(-2, 2, posterior.dim)
    value, error = finite_difference_error(posterior, u)
    assert np.isfinite(value)
    assert error < 1e-5


@pytest.mark.parametrize("case", sorted(INT_EVENT_DATA))
def test_int_data_in_event_distributions_counts_as_reals(case):
    text, data = INT_EVENT_DATA[case]
    as_int, as_real = (ppl.model(text.format(t=t), "events.ppl").condition(data) for t in ("int", "real"))
    u = np.random.default_rng(1).uniform(-1, 1, as_int.dim)
    value, gradient = as_int.log_density_gradient(u)
    expected_value, expected_gradient = as_real.log_density_gradient(u)
    assert np.isfinite(value)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-12)
    assert finite_difference_error(as_int, u)[1] < 1e-5


def test_int_powers_with_a_negative_exponent_are_real():
    # N ** -1 is 0.5 (as in Python), in a data bound, in transformed data, in the model and in a branch
    text, data, _ = COMPILES["a real power of ints (int ** negative int)"]
    posterior = ppl.model(text, "powers.ppl").condition(data)
    t = 0.25 + np.exp(0.3)
    value, _ = posterior.log_density_gradient(np.array([0.3]))
    assert value == pytest.approx(-0.5 * (t - 1.0) ** 2 - 0.5 * np.log(2 * np.pi) + 0.3 + t)
    with pytest.raises(ppl.DataError, match="out of bounds"):
        ppl.model(text, "powers.ppl").condition({**data, "x": 0.4})
    # an int exponent the data set: Numba's int power gives pow(2, -1) = 0
    text, data, _ = COMPILES["powers by an int exponent the data set"]
    value, _ = ppl.model(text, "powers.ppl").condition(data).log_density_gradient(np.array([0.3]))
    t = np.exp(0.3)
    assert value == pytest.approx(-0.5 * t ** 2 - 0.5 * np.log(2 * np.pi) + 0.3 + 1 / t + 0.5 + t)


@pytest.mark.parametrize("name", NAME_CLASHES)
def test_user_names_never_meet_generated_names(name):
    # x, its adjoint-shaped neighbour and the clashing name all in play: the gradient must be right
    text = (f"data N: int\ndata {name}: real[N]\nparam x: real<lower=0>[N]\nparam Rt: real[N]\n"
            f"x ~ Normal(0, 1)\nRt ~ Normal({name}, x)\ntarget += sum(Rt * {name})\n")
    posterior = ppl.model(text, "names.ppl").condition({"N": 2, name: [0.5, -1.5]})
    u = np.array([0.3, -0.2, 0.7, 1.1])
    value, error = finite_difference_error(posterior, u)
    x = np.exp(u[:2])
    rt, given = u[2:], np.array([0.5, -1.5])
    expected = (np.sum(-0.5 * x ** 2 - 0.5 * np.log(2 * np.pi)) + np.sum(u[:2])
                + np.sum(-0.5 * ((rt - given) / x) ** 2 - np.log(x) - 0.5 * np.log(2 * np.pi)) + np.sum(rt * given))
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6


def test_constants_without_a_real_value_give_nan_or_inf_at_run_time():
    for text, expected in [("param t: real\nt ~ Normal(0, 1e400)\n", -np.inf),
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += log(-1.0)\n", np.nan),
                           ("param t: real\nparam a: real\nt ~ Normal(0, 0 * a)\n", np.nan),
                           # constant arithmetic without a real value folds as NumPy's float64 does
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += 0.0 / 0.0\n", np.nan),
                           ("param t: real\nt ~ Normal(1.0 / 0.0, 1)\n", -np.inf),
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += (-1.0) ** 0.5\n", np.nan),
                           # a region whose every term is hoisted out of its loop: no loop is left
                           ("param w: real[3]\nw ~ Normal(1e400, 1)\n", -np.inf),
                           # sd's N - 1 divisor leaves one value without a standard deviation
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += sd(t)\n", np.nan),
                           # built-ins of constants where SymPy raises or has no real value: NumPy's
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += lgamma(-1.0)\n", np.inf),
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += log(0.0)\n", -np.inf),
                           # a float to a negative int power: Numba's raises on 0.0, NumPy's is inf
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += 0 ** -1\n", np.inf),
                           ("param t: real\nt ~ Normal(0, 1)\ntarget += (t - t) ** -1\n", np.inf)]:
        posterior = ppl.model(text, "constants.ppl").condition({})
        value, _ = posterior.log_density_gradient(np.zeros(posterior.dim))
        assert value == expected or (np.isnan(expected) and np.isnan(value)), text


def test_a_constant_argument_that_is_not_a_number_is_a_check_error():
    # 0.0 / 0.0 folds to NaN (NumPy's value); as a distribution's argument it is outside the
    # parameter's domain, which the checker reports where it stands
    with pytest.raises(ppl.ModelTypeError, match="Normal's 'loc' must be a number") as caught:
        ppl.model("param t: real\nt ~ Normal(0.0 / 0.0, 1)\n", "constants.ppl")
    assert (caught.value.line, caught.value.column) == (2, 12)


def test_constant_builtins_fold_as_numpy_computes_them():
    posterior = ppl.model("param t: real\nt ~ Normal(0, 1)\ntarget += exp(log(0.0)) + lgamma(1.0)\n",
                          "constants.ppl").condition({})
    value, _ = posterior.log_density_gradient(np.zeros(1))
    assert value == pytest.approx(-0.5 * np.log(2 * np.pi))


BOUND = "data N: int\ndata v: real[2]\ndata M: real[2, 2]\ndata x: real<lower={}>\nparam t: real\nt ~ Normal(0, 1)\n"
BOUND_DATA = {"N": 2, "v": [0.5, 1.5], "M": [[2.0, 0.5], [0.5, 1.0]]}


@pytest.mark.parametrize("bound, value", [
    ("log_mix(0.25, 1.0, 2.0)", np.logaddexp(np.log(0.25) + 1.0, np.log(0.75) + 2.0)),
    ("logsumexp(v)", np.logaddexp(0.5, 1.5)),
    ("logsumexp(M, axis=1)[1]", np.logaddexp(0.5, 1.0)),
    ("softmax(v)[1]", 1 / (1 + np.exp(-1.0))),
    ("log_softmax(v)[0]", 0.5 - np.logaddexp(0.5, 1.5)),
    ("cumsum(v)[1]", 2.0),
    ("pow(N, -1)", 0.5),
    ("-lgamma(-N + 1.0)", -np.inf),    # a pole: Python's lgamma raises, NumPy's (and Numba's) is inf
])
def test_data_bounds_of_every_builtin_are_computed(bound, value):
    model = ppl.model(BOUND.format(bound), "bounds.ppl")
    model.condition({**BOUND_DATA, "x": value + 1e-9 if np.isfinite(value) else 1e300})
    if np.isfinite(value):
        with pytest.raises(ppl.DataError, match="out of bounds"):
            model.condition({**BOUND_DATA, "x": value - 1e-6})


def test_a_data_bound_the_binder_cannot_compute_is_a_located_error():
    with pytest.raises(ppl.ModelNotSupportedError, match="cannot be computed when binding data") as caught:
        ppl.model(BOUND.format("cholesky(M)[1, 1]"), "bounds.ppl").condition({**BOUND_DATA, "x": 1.0})
    assert (caught.value.line, caught.value.column) == (4, 20)


# indices the data set are checked when data is bound (Numba checks none: an index past the end
# read or wrote beside the array, which corrupted memory or crashed the process)
OUT_OF_RANGE = {
    "written by a fill in a loop": ("data T: int\nparam m: real\nm ~ Normal(0, 1)\ns: real[T]\nfor t in range(T):\n"
                                    "    s[t ** 2] = m\ntarget += sum(s)\n", {"T": 3}, (6, 7), "index 4 "),
    "read in a loop": ("data T: int\nparam b: real[2]\nb ~ Normal(0, 1)\nfor t in range(T):\n    target += b[t]\n",
                       {"T": 3}, (5, 17), "index 2 "),
    "sampled in a loop": ("data T: int\ndata y: real[T]\nparam b: real[2]\nfor t in range(T):\n"
                          "    b[t] ~ Normal(y[t], 1)\n", {"T": 3, "y": [1, 2, 3]}, (5, 7), "index 2 "),
    # loop indices the declarations do not keep within their array (codegen/index_ranges.py proves the others)
    "read past the end by a loop from 1": ("data N: int\ndata y: real[N]\nparam m: real\nm ~ Normal(0, 1)\n"
                                           "for n in range(1, N + 1):\n    y[n] ~ Normal(m, 1)\n",
                                           {"N": 3, "y": [1, 2, 3]}, (6, 7), "index 3 is out of range for an axis of size 3"),
    "read before the start by a loop from K": ("data K: int\ndata T: int\ndata y: real[T]\nparam m: real\n"
                                               "m ~ Normal(0, 1)\nfor t in range(K, T):\n    y[t] ~ Normal(m, 1)\n",
                                               {"K": -5, "T": 3, "y": [1, 2, 3]}, (7, 7), "index -5 "),
    "a gather's entries": ("data N: int\ndata g: int[N]\nparam a: real[2]\na ~ Normal(0, 1)\ntarget += sum(a[g])\n",
                           {"N": 3, "g": [0, 1, 2]}, (5, 17), "index 2 "),
    "a scalar beside a gather": ("data N: int\ndata k: int\ndata g: int[N]\nparam a: real[2, 3]\na ~ Normal(0, 1)\n"
                                 "target += sum(a[g, k])\n", {"N": 3, "g": [0, 1, 1], "k": -4}, (6, 20), "index -4 "),
    "an int data index": ("data k: int\ndata y: real[3]\nparam a: real\na ~ Normal(y[k], 1)\n",
                          {"k": 3, "y": [1, 2, 3]}, (4, 14), "index 3 "),
    "in transformed data": ("data k: int\ndata y: real[3]\nz = y[k]\nparam a: real\na ~ Normal(z, 1)\n",
                            {"k": 3, "y": [1, 2, 3]}, (3, 7), "index 3 "),
    "a slice step of zero": ("data k: int\nparam a: real[3]\na ~ Normal(0, 1)\ntarget += sum(a[::k])\n",
                             {"k": 0}, (4, 19), "slice step is zero"),
    # a slice the data bound has the checker's length stop - start only if NumPy does not clip it
    "a slice past the end": ("data N: int\ndata a: int\ndata x: real[N]\nparam y: real[3]\n"
                             "y ~ Normal(x[a:a + 3], 1)\n", {"N": 4, "a": 2, "x": [1, 2, 3, 4]}, (5, 16),
                             "slice bound 5 is outside an axis of size 4"),
    "a slice before the start": ("data T: int\ndata K: int\ndata y: real[T]\nparam b: real[K]\nb ~ Normal(0, 1)\n"
                                 "for t in range(T):\n    target += dot(b, y[t - K:t])\n",
                                 {"T": 4, "K": 2, "y": [1, 2, 3, 4]}, (7, 24), "slice bound -2 "),
    "a slice written past the end": ("data N: int\ndata a: int\nparam p: real[2]\np ~ Normal(0, 1)\ns: real[N]\n"
                                     "s[a:a + 2] = p\ntarget += sum(s[0:2])\n", {"N": 3, "a": 2}, (6, 5),
                                     "slice bound 4 "),
    # sizes the data make negative: NumPy cannot allocate them
    "a param's size": ("data N: int\nparam b: real[N - 1]\nb ~ Normal(0, 1)\n", {"N": 0}, (2, 1), "a size is -1"),
    "a simplex of no element": ("data N: int\nparam b: simplex[N]\n", {"N": 0}, (2, 1), "a size is 0"),
    "an array's size": ("data N: int\nparam b: real\nb ~ Normal(0, 1)\ns: real[N - 2]\nfor i in range(N - 2):\n"
                        "    s[i] = b\n", {"N": 1}, (4, 1), "a size is -1"),
    "the size of zeros()": ("data N: int\nparam b: real\nb ~ Normal(0, 1)\ntarget += sum(zeros(N - 2)) * b\n",
                            {"N": 1}, (4, 21), "a size is -1"),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_RANGE))
def test_indices_the_data_put_out_of_range_are_data_errors_at_the_index(case):
    text, data, (line, column), message = OUT_OF_RANGE[case]
    with pytest.raises(ppl.DataError, match=message) as caught:
        ppl.model(text, "indices.ppl").condition(data)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "^" in str(caught.value)


def test_out_of_range_indices_in_deterministics_and_generated_quantities_are_data_errors():
    posterior = ppl.model("data k: int\nparam a: real[3]\na ~ Normal(0, 1)\nz = a[k] * 2\ngen w = a[k + 1]\n",
                          "indices.ppl").condition({"k": 2})
    with pytest.raises(ppl.DataError, match="index 3 ") as caught:
        posterior.generate(np.zeros(3))
    assert (caught.value.line, caught.value.column) == (5, 11)
    posterior = ppl.model("data k: int\nparam a: real[3]\na ~ Normal(0, 1)\nz = a[k] * 2\n",
                          "indices.ppl").condition({"k": 3})
    with pytest.raises(ppl.DataError, match="index 3 ") as caught:
        posterior.deterministics(np.zeros(3))
    assert (caught.value.line, caught.value.column) == (4, 7)
    # negative indices count from the end, as in NumPy
    posterior = ppl.model("data g: int[3]\nparam a: real[2]\na ~ Normal(0, 1)\ntarget += sum(a[g])\n",
                          "indices.ppl").condition({"g": [0, -1, -2]})
    value, gradient = posterior.log_density_gradient(np.array([0.3, -0.2]))
    assert value == pytest.approx(-0.5 * 0.13 - np.log(2 * np.pi) + 0.4)
    np.testing.assert_allclose(gradient, [2 - 0.3, 1 + 0.2])


@pytest.mark.parametrize("text, message, column", [
    ("param t: real<lower=1, upper=0>\nt ~ Normal(0, 1)\n", "the bounds leave no values", 15),
    ("param t: real<lower=0, upper=0>\nt ~ Normal(0, 1)\n", "the bounds leave no values", 15),
    ("param a: real\na ~ Normal(0, -1)\n", "'scale' must be positive", 15),
    ("param a: real\na ~ Normal(0, 0)\n", "'scale' must be positive", 15),
    # ints are int64 in generated code: an int constant beyond it is an error, as in Stan
    ("data N: int<upper=1000000000000000000000000000000>\nparam t: real\n", "does not fit in 64 bits", 19),
    ("param t: real<lower=0, upper=2 ** 63>\nt ~ Normal(0, 1)\n", "does not fit in 64 bits", 30),
    ("param t: real\nt ~ Normal(0, 9223372036854775808)\n", "does not fit in 64 bits", 15),
    ("param t: real[3]\nfor i in range(2 ** 40 * 2 ** 40):\n    t ~ Normal(0, 1)\n", "does not fit in 64 bits", 16),
])
def test_empty_intervals_and_constant_non_positive_scales_are_located_errors(text, message, column):
    with pytest.raises(ppl.ModelTypeError, match=message) as caught:
        ppl.model(text, "bad.ppl")
    assert caught.value.column == column and caught.value.line in (1, 2)
    assert "^" in str(caught.value)


def test_generated_code_names_its_model_lines():
    code = ppl.compile("examples/linreg.ppl").code()
    assert "# line 15: y ~ Normal(mu, sigma)" in code

