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
                           ("param t: real\nparam a: real\nt ~ Normal(0, 0 * a)\n", np.nan)]:
        posterior = ppl.model(text, "constants.ppl").condition({})
        value, _ = posterior.log_density_gradient(np.zeros(posterior.dim))
        assert value == expected or (np.isnan(expected) and np.isnan(value)), text


@pytest.mark.parametrize("text, message, column", [
    ("param t: real<lower=1, upper=0>\nt ~ Normal(0, 1)\n", "the bounds leave no values", 15),
    ("param t: real<lower=0, upper=0>\nt ~ Normal(0, 1)\n", "the bounds leave no values", 15),
    ("param a: real\na ~ Normal(0, -1)\n", "'scale' must be positive", 15),
    ("param a: real\na ~ Normal(0, 0)\n", "'scale' must be positive", 15),
])
def test_empty_intervals_and_constant_non_positive_scales_are_located_errors(text, message, column):
    with pytest.raises(ppl.ModelTypeError, match=message) as caught:
        ppl.model(text, "bad.ppl")
    assert caught.value.column == column and caught.value.line in (1, 2)
    assert "^" in str(caught.value)


def test_generated_code_names_its_model_lines():
    code = ppl.compile("examples/linreg.ppl").code()
    assert "# line 15: y ~ Normal(mu, sigma)" in code

