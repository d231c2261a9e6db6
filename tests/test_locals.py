"""Locals that change (`local`, `=` again, `+= -= *= /=`, element updates), `while` over data
and the conditional expression: values against NumPy, gradients against finite differences,
a sampled model against its analytical posterior, and located errors for what is not allowed."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import ppl
from codegen.parse import parse
from codegen.unparse import program_text
from ppl.errors import (DataError, ModelNameError, ModelNotSupportedError, ModelStructureError, ModelTypeError,
                        Source)

from gradient_checks import check_gradient

RNG = np.random.default_rng(20261206)


def posterior(source, data):
    return ppl.model(source).condition(data)


def test_a_running_sum_and_a_product_of_data_match_numpy():
    source = """
data N: int<lower=1>
data x: real[N]
param theta: real
local total = 0.0
local product: real = 1
for i in range(N):
    total += x[i]
    product *= 1 + x[i]
mean_shift = theta * total / product
theta ~ Normal(total, 2)
"""
    x = RNG.normal(size=6)
    post = posterior(source, {"N": 6, "x": x})
    assert post.log_prob({"theta": 0.4}) == pytest.approx(stats.norm(x.sum(), 2).logpdf(0.4), rel=1e-12)
    saved = post.deterministics(post.unconstrain({"theta": 0.4}))
    assert saved["mean_shift"] == pytest.approx(0.4 * x.sum() / np.prod(1 + x), rel=1e-12)
    check_gradient(post, np.array([0.4]))


AR1 = """
data T: int<lower=1>
data eps: real[T]
data y: real[T]
param rho: real<lower=-1, upper=1>
param sigma: real<lower=0>
local state: real = 0
for t in range(T):
    state = rho * state + eps[t]
    y[t] ~ Normal(state, sigma)
final_state = state
"""


def test_a_state_carried_through_a_loop_matches_numpy_and_finite_differences():
    T = 8
    eps, y = RNG.normal(size=T), RNG.normal(size=T)
    post = posterior(AR1, {"T": T, "eps": eps, "y": y})
    u = np.array([0.7, -0.3])
    check_gradient(post, u)
    values = post.constrain(u)
    rho, sigma = float(values["rho"]), float(values["sigma"])
    state, expected = 0.0, 0.0
    for t in range(T):
        state = rho * state + eps[t]
        expected += stats.norm(state, sigma).logpdf(y[t])
    assert post.log_prob(values) == pytest.approx(expected, rel=1e-12)
    assert post.deterministics(u)["final_state"] == pytest.approx(state, rel=1e-12)


def test_a_counter_used_as_an_index_and_locals_updated_in_branches():
    source = """
data N: int<lower=1>
data x: real[N]
data y_positive: real[N]
param mu: real
param scale: real<lower=0>
local C: int = 0
local negative_sum = 0.0
for n in range(N):
    if x[n] > 0:
        y_positive[C] ~ Normal(mu * x[n], scale)
        C += 1
    else:
        negative_sum -= mu * x[n]
local shrink = 1.0
if C > 2:
    shrink /= C
target += -shrink * negative_sum ** 2
"""
    N = 9
    x, y = RNG.normal(size=N), RNG.normal(size=N)
    post = posterior(source, {"N": N, "x": x, "y_positive": y})
    u = np.array([0.4, 0.2])
    check_gradient(post, u)
    values = post.constrain(u)
    mu, scale = float(values["mu"]), float(values["scale"])
    expected, count, negative_sum = 0.0, 0, 0.0
    for n in range(N):
        if x[n] > 0:
            expected += stats.norm(mu * x[n], scale).logpdf(y[count])
            count += 1
        else:
            negative_sum -= mu * x[n]
    shrink = 1.0 / count if count > 2 else 1.0
    expected += -shrink * negative_sum ** 2
    assert post.log_prob(values) == pytest.approx(expected, rel=1e-12)


def test_element_updates_of_local_arrays_in_a_loop():
    source = """
data N: int<lower=1>
data K: int<lower=1>
data group: int<lower=0, upper=K - 1>[N]
data y: real[N]
param mu: real[K]
local totals: real[K] = 0
local counts: int[K] = 0
for n in range(N):
    totals[group[n]] += mu[group[n]] * y[n]
    counts[group[n]] += 1
mu ~ Normal(0, 1)
target += -sum(totals ** 2 / (1 + counts))
"""
    N, K = 11, 3
    group, y = RNG.integers(0, K, N), RNG.normal(size=N)
    post = posterior(source, {"N": N, "K": K, "group": group, "y": y})
    u = RNG.normal(size=K)
    check_gradient(post, u)
    totals, counts = np.zeros(K), np.zeros(K)
    for n in range(N):
        totals[group[n]] += u[group[n]] * y[n]
        counts[group[n]] += 1
    expected = stats.norm.logpdf(u).sum() - np.sum(totals ** 2 / (1 + counts))
    assert post.log_prob({"mu": u}) == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow   # ~12 s of compiling; the simpler loop cases above run by default
def test_nested_loops_backward_steps_and_a_matrix_local():
    source = """
data N: int<lower=2>
data x: real[N]
param a: real
local M: real[2, N] = 0
local discounted = 0.0
for i in range(N - 1, -1, -1):
    discounted = a * discounted + x[i]
    for j in range(2):
        M[j, i] = discounted * (j + 1)
        M[j, i] *= a
target += -0.5 * sum(M ** 2)
"""
    N = 5
    x = RNG.normal(size=N)
    post = posterior(source, {"N": N, "x": x})
    check_gradient(post, np.array([0.6]))
    a, discounted, M = 0.6, 0.0, np.zeros((2, N))
    for i in range(N - 1, -1, -1):
        discounted = a * discounted + x[i]
        for j in range(2):
            M[j, i] = discounted * (j + 1) * a
    assert post.log_prob({"a": a}) == pytest.approx(-0.5 * np.sum(M ** 2), rel=1e-12)


WHILE = """
data N: int<lower=1>
data x: real[N]
param theta: real
local i = 0
while i < N and x[i] > 0:
    i += 1
leading_positives = i
local j = 0
local sum_of_squares = 0.0
while j < N and x[j] > 0:
    sum_of_squares += (x[j] - theta) ** 2
    j += 1
target += -0.5 * sum_of_squares
theta ~ Normal(0, 10)
"""


def test_while_over_data_with_a_body_that_reads_a_param():
    x = np.array([0.3, 1.2, 0.5, -0.7, 0.9])
    post = posterior(WHILE, {"N": 5, "x": x})
    u = np.array([0.25])
    check_gradient(post, u)
    expected = -0.5 * np.sum((x[:3] - 0.25) ** 2) + stats.norm(0, 10).logpdf(0.25)
    assert post.log_prob({"theta": 0.25}) == pytest.approx(expected, rel=1e-12)
    all_positive = posterior(WHILE, {"N": 3, "x": [1.0, 2.0, 3.0]})
    assert all_positive.log_prob({"theta": 0.0}) == pytest.approx(-0.5 * 14 + stats.norm(0, 10).logpdf(0.0))


def test_a_while_loop_inside_a_for_loop_and_a_local_counted_in_gen():
    source = """
data N: int<lower=1>
data M: int<lower=1>
data x: real[N, M]
param mu: real
param sigma: real<lower=0>
for n in range(N):
    local m = 0
    local s = 0.0
    while m < M and x[n, m] > -1:
        s += (x[n, m] - mu) ** 2
        m += 1
    target += -0.5 * s / sigma ** 2 - m * log(sigma)
gen y_rep: real[N]
local above = 0
for n in range(N):
    gen y_rep[n] ~ Normal(mu, sigma)
    above += y_rep[n] > mu
gen share_above = above / N
"""
    N, M = 4, 5
    x = RNG.normal(size=(N, M))
    post = posterior(source, {"N": N, "M": M, "x": x})
    u = np.array([0.2, -0.1])
    check_gradient(post, u)
    values = post.constrain(u)
    mu, sigma = float(values["mu"]), float(values["sigma"])
    expected = 0.0
    for n in range(N):
        m, s = 0, 0.0
        while m < M and x[n, m] > -1:
            s, m = s + (x[n, m] - mu) ** 2, m + 1
        expected += -0.5 * s / sigma ** 2 - m * np.log(sigma)
    assert post.log_prob(values) == pytest.approx(expected, rel=1e-12)
    drawn = post.generate(u, seed=3)
    assert drawn["share_above"] == pytest.approx(np.mean(drawn["y_rep"] > mu))


def test_an_array_declared_in_a_loop_body_and_filled_by_an_inner_loop_has_its_gradient():
    # the arrays that carry locals are such arrays; before them, a param-dependent one had no
    # adjoint at all (its stage stayed "data") and its fills were not recomputed in the adjoint sweep
    source = """
data N: int<lower=1>
data y: real[N]
param rho: real
param s: real<lower=0>
for i in range(N):
    h: real[3]
    h[0] = rho
    for k in range(1, 3):
        h[k] = rho * h[k - 1] + y[i]
    y[i] ~ Normal(h[2], s)
"""
    y = np.array([0.1, -0.3, 0.5, 0.2])
    post = posterior(source, {"N": 4, "y": y})
    check_gradient(post, np.array([0.3, -0.2]))
    rho, s = 0.3, np.exp(-0.2)
    h2 = rho * (rho * rho + y) + y
    assert post.log_prob({"rho": rho, "s": s}) == pytest.approx(stats.norm(h2, s).logpdf(y).sum(), rel=1e-12)


def test_a_while_loop_that_does_not_end_is_a_located_data_error():
    source = "data N: int\nparam theta: real\nlocal i = 0\nwhile i < N:\n    i *= 2\ntheta ~ Normal(i, 1)\n"
    with pytest.raises(DataError) as raised:
        posterior(source, {"N": 2})
    assert raised.value.span.line == 4
    assert "condition is still true" in raised.value.message


def test_the_conditional_expression_in_the_model_and_in_gen():
    source = """
data y: real[3]
param mu: real
param sigma: real<lower=0>
scale = sigma if mu > 0 else 2 * sigma
y ~ Normal(mu, scale)
gen sign = 1 if mu > 0 else -1
gen y_rep ~ Normal(mu if sigma < 1 else -mu, scale)
"""
    y = np.array([0.2, -0.5, 1.1])
    post = posterior(source, {"y": y})
    for mu in (0.4, -0.4):
        u = np.array([mu, np.log(0.8)])
        check_gradient(post, u)
        scale = 0.8 if mu > 0 else 1.6
        assert post.log_prob({"mu": mu, "sigma": 0.8}) == pytest.approx(stats.norm(mu, scale).logpdf(y).sum())
        assert post.deterministics(u)["scale"] == pytest.approx(scale)
        assert post.generate(u, seed=1)["sign"] == (1 if mu > 0 else -1)


def test_a_sampled_running_sum_of_squares_matches_the_conjugate_posterior():
    source = """
data N: int<lower=1>
data y: real[N]
param mu: real
local sum_of_squares = 0.0
for i in range(N):
    sum_of_squares += (y[i] - mu) ** 2
target += -0.5 * sum_of_squares
mu ~ Normal(0, 10)
"""
    y = RNG.normal(1.5, 1.0, size=20)
    fit = ppl.model(source).sample({"N": 20, "y": y}, chains=2, warmup=500, draws=1000, seed=3, progress=False)
    precision = 20 + 1 / 100
    mean, sd = y.sum() / precision, precision ** -0.5
    draws = np.asarray(fit["mu"]).ravel()
    assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(400)     # a few MC standard errors (ESS >= 400)
    assert draws.std() == pytest.approx(sd, rel=0.15)


@pytest.mark.parametrize("source, error, line, phrase", [
    ("param theta: real\nmu = theta\nmu = 2 * theta\n", ModelNameError, 3, "already defined"),
    ("data x: real\nparam theta: real\nx = 1.0\n", ModelStructureError, 3, "cannot assign to data"),
    ("param theta: real\ntheta = 1.0\n", ModelStructureError, 2, "cannot assign to param"),
    ("param theta: real\ntheta += 1\n", ModelStructureError, 2, "'theta' is a param"),
    ("param theta: real\nmu = theta\nmu += 1\n", ModelStructureError, 3, "is a deterministic quantity"),
    ("param theta: real\nacc += theta\n", ModelNameError, 2, "'acc' is not defined"),
    ("param theta: real\nlocal i = 0.0\nwhile i < theta:\n    i += 1\n", ModelStructureError, 3,
     "`while` condition depends on a param"),
    ("param theta: real\nlocal acc: real\ntarget += acc * theta\n", ModelStructureError, 3,
     "read before it is assigned"),
    ("param theta: real\nlocal C: int = 0\nC = C + theta\n", ModelTypeError, 3, "int local but the value is real"),
    ("data x: real\nparam theta: real\nlocal z: real\nif x > 0:\n    z = 1.0\ntarget += z * theta\n",
     ModelStructureError, 6, "read before it is assigned"),
    ("data N: int\nlocal s: real[N] = 0\ns[0:2] = 1.0\n", ModelNotSupportedError, 3, "not a slice"),
    ("param theta: real\nlocal s: real[2] = 0\ns = [1.0, 2.0, 3.0]\n", ModelTypeError, 3, "shape"),
    ("param theta: real<lower=0>\nlocal s: real<lower=0> = 1\n", ModelTypeError, 2, "bounds"),
    ("data N: int\nparam mu: real\nlocal i = 0\nwhile i < N:\n    mu2 = mu\n", ModelStructureError, 4,
     "never ends"),
])
def test_what_is_not_allowed_is_a_located_error(source, error, line, phrase):
    with pytest.raises(error) as raised:
        ppl.model(source)
    assert raised.value.span.line == line
    assert phrase in raised.value.message


def test_locals_are_never_saved():
    post = posterior(AR1, {"T": 3, "eps": [0.1, 0.2, 0.3], "y": [0.0, 0.1, 0.2]})
    saved = post.deterministics(np.zeros(2))
    assert set(saved) == {"final_state"}


def test_the_new_syntax_prints_back_to_the_same_tree():
    text = ("data N: int\nparam theta: real\nlocal acc: real = 0\nlocal n = 0\n"
            "while n < N:\n    acc += theta if n > 1 else -theta\n    n += 1\n"
            "target += (acc if acc > 0 else 0.0) * 2\n")
    first = parse(Source(text, "x.ppl"))
    printed = program_text(first)
    assert parse(Source(printed, "x.ppl")) == first
    assert "acc += theta if n > 1 else -theta" in printed


EXAMPLES = Path(__file__).parent.parent / "examples"

# examples/exponential_smoothing.ppl written without a local: the levels in a filled array
SMOOTHING_FILLED = """
data T: int<lower=1>
data y: real[T]
param alpha: real<lower=0, upper=1>
param level0: real
param sigma: real<lower=0>
alpha ~ Beta(2, 2)
level0 ~ Normal(0, 10)
sigma ~ HalfNormal(5)
levels: real[T + 1]
levels[0] = level0
for t in range(T):
    levels[t + 1] = alpha * y[t] + (1 - alpha) * levels[t]
y ~ Normal(levels[:T], sigma)
forecast = levels[T]
"""


def test_the_gallery_smoothing_model_equals_its_filled_array_twin_and_samples_like_it():
    data = EXAMPLES / "exponential_smoothing.data.json"
    model = ppl.compile(EXAMPLES / "exponential_smoothing.ppl")
    post, twin = model.condition(data), ppl.model(SMOOTHING_FILLED).condition(data)
    for u in RNG.normal(size=(4, 3)):
        value, gradient = post.log_density_gradient(u)
        twin_value, twin_gradient = twin.log_density_gradient(u)
        assert value == pytest.approx(twin_value, rel=1e-12)
        np.testing.assert_allclose(gradient, twin_gradient, rtol=1e-10, atol=1e-12)
        check_gradient(post, u)
        assert post.deterministics(u)["forecast"] == pytest.approx(twin.deterministics(u)["forecast"], rel=1e-12)
    fit = model.sample(data, chains=2, warmup=500, draws=1000, seed=5, progress=False)
    reference = ppl.model(SMOOTHING_FILLED).sample(data, chains=2, warmup=500, draws=1000, seed=11, progress=False)
    for name in ("alpha", "level0", "sigma", "forecast"):
        draws, other = np.asarray(fit[name]).ravel(), np.asarray(reference[name]).ravel()
        standard_error = np.hypot(draws.std(), other.std()) / np.sqrt(300)   # ESS of a few hundred each
        assert abs(draws.mean() - other.mean()) < 4 * standard_error, name
    y_next = np.asarray(fit["y_next"])
    assert y_next.shape == np.asarray(fit["forecast"]).shape
    assert np.all(np.isfinite(y_next))


def test_a_fill_that_reads_an_array_filled_later_in_the_loop_from_a_param_keeps_its_gradient():
    """`b[i]` reads `a[i - 1]` before the statement that fills `a` from `rho`: the loop raises the
    stages of the arrays its body fills before checking it, so `b` is a model value, not
    transformed data (which once gave a gradient of 0 here, at the top level and in a function)."""
    source = """
def tail_sum(r: real, n: int) -> real:
    a: real[n]
    b: real[n]
    a[0] = 1.0
    b[0] = 1.0
    for i in range(1, n):
        b[i] = b[i - 1] + a[i - 1]
        a[i] = a[i - 1] * r
    return b[n - 1]

data N: int
param rho: real
a: real[N]
b: real[N]
a[0] = 1.0
b[0] = 1.0
for i in range(1, N):
    b[i] = b[i - 1] + a[i - 1]
    a[i] = a[i - 1] * rho
target += -0.5 * square(b[N - 1] - 1.0) - 0.5 * square(tail_sum(rho, N) - 2.0)
"""
    post = posterior(source, {"N": 4})
    for rho in (-0.4, 0.5, 1.1):
        total = 1.0 + 1.0 + rho + rho ** 2            # b[3] = 1 + a[0] + a[1] + a[2]
        slope = 1.0 + 2.0 * rho
        value, gradient = post.log_density_gradient(np.array([rho]))
        assert value == pytest.approx(-0.5 * (total - 1.0) ** 2 - 0.5 * (total - 2.0) ** 2, rel=1e-12)
        assert gradient[0] == pytest.approx(-(total - 1.0) * slope - (total - 2.0) * slope, rel=1e-12)
        check_gradient(post, np.array([rho]))
