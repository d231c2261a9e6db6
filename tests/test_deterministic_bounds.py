"""Bounds on deterministic quantities (Stan's constrained transformed parameters): a filled
array declared `theta: real<lower=lo>[N]`, a typed assignment `s2: real<lower=0> = s1 - s2`.

Checked at every evaluation: in the log density a violation is -inf (the sampler rejects the
proposal and counts it as a divergence, and the Fit's warning names the quantity); in
deterministics() and generate() a located BoundError naming the element; on transformed data a
DataError when data is bound.  Oracles: scipy.stats log densities, finite differences, the
analytical posterior of a half-plane of two standard normals."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

import ppl
from ppl import BoundError, DataError, ModelStructureError, ModelTypeError, SamplingError
from ppl.results.fit import SamplerWarning

HALF_PLANE = """\
param s1: real
param s2: real
sigma2: real<lower=0> = s1 - s2
s1 ~ Normal(0, 1)
s2 ~ Normal(0, 1)
"""

FILLED = """\
data N: int
data lo: real[N]
data c: real
param w: real[N]
theta: real<lower=lo, upper=2 * c>[N]
for i in range(N):
    theta[i] = w[i] + 1
w ~ Normal(0, 1)
gen t_rep: real<lower=0> = theta[0] * c
"""
FILLED_DATA = {"N": 3, "lo": [0.0, -1.0, 0.5], "c": 1.5}


@pytest.fixture(scope="module")
def half_plane():
    return ppl.model(HALF_PLANE).condition({})


@pytest.fixture(scope="module")
def filled():
    return ppl.model(FILLED).condition(FILLED_DATA)


def test_log_density_is_minus_infinity_outside_the_bound_and_exact_inside(half_plane):
    inside = np.array([0.7, -0.4])
    value, gradient = half_plane.log_density_gradient(inside)
    assert value == pytest.approx(stats.norm.logpdf(inside).sum(), rel=1e-12)
    step = 1e-6
    numeric = [(half_plane.log_density(inside + step * e) - half_plane.log_density(inside - step * e)) / (2 * step)
               for e in np.eye(2)]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6)
    for outside in ([0.0, 0.5], [-3.0, 2.0]):
        assert half_plane.log_density_gradient(np.array(outside))[0] == -math.inf
        assert half_plane.log_density(np.array(outside)) == -math.inf
    assert half_plane.log_density(np.array([0.5, 0.5])) == pytest.approx(stats.norm.logpdf([0.5, 0.5]).sum())


def test_a_nan_quantity_fails_its_check():
    post = ppl.model("param a: real\nq: real<upper=5> = sqrt(a)\na ~ Normal(0, 1)\n").condition({})
    assert post.log_density(np.array([4.0])) == pytest.approx(stats.norm.logpdf(4.0))
    assert post.log_density(np.array([-1.0])) == -math.inf   # nothing else reads q: only its check
    with pytest.raises(BoundError, match="q is NaN, which no bound admits"):
        post.deterministics(np.array([-1.0]))


def test_array_bounds_are_expressions_of_data_broadcast_element_by_element(filled):
    # theta = w + 1 within [lo, 2 c] = [[0, -1, 0.5], 3]
    assert math.isfinite(filled.log_density(np.array([0.0, -1.5, 1.0])))
    for w in ([-1.2, 0.0, 0.0], [0.0, -2.1, 0.0], [0.0, 0.0, -0.6], [2.5, 0.0, 0.0]):
        assert filled.log_density(np.array(w)) == -math.inf, w
        assert filled.log_density_gradient(np.array(w))[0] == -math.inf, w


def test_deterministics_name_the_element_and_its_bound(filled):
    np.testing.assert_allclose(filled.deterministics(np.array([0.0, -1.5, 1.0]))["theta"], [1.0, -0.5, 2.0])
    with pytest.raises(BoundError) as caught:
        filled.deterministics(np.array([0.0, -2.5, 0.0]))
    assert str(caught.value).splitlines()[:3] == [
        "<string>:5:8: error: theta[1] = -1.5 is below its lower bound -1",
        "    5 | theta: real<lower=lo, upper=2 * c>[N]",
        "      |        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"]
    with pytest.raises(BoundError, match=r"theta\[0\] = 3\.5 is above its upper bound 3"):
        filled.deterministics(np.array([2.5, 0.0, 0.0]))
    with pytest.raises(BoundError, match=r"theta\[2\] is NaN, which no bound admits"):
        filled.deterministics(np.array([0.0, 0.0, math.nan]))


def test_generate_checks_the_deterministics_it_reads_and_its_own_bounds(filled):
    draws = filled.generate(np.array([0.0, 0.0, 0.0]), seed=1)
    assert draws["t_rep"] == pytest.approx(1.5)
    with pytest.raises(BoundError, match=r"theta\[1\] = -1\.5 is below its lower bound -1"):
        filled.generate(np.array([0.0, -2.5, 0.0]), seed=1)


def test_a_gen_quantity_outside_its_bounds_is_a_located_error():
    post = ppl.model("param a: real\na ~ Normal(0, 1)\ngen b: real<upper=1> = a * 2\n").condition({})
    assert post.generate(np.array([0.25]))["b"] == pytest.approx(0.5)
    with pytest.raises(BoundError) as caught:
        post.generate(np.array([1.0]))
    assert str(caught.value).startswith("<string>:3:8: error: b = 2 is above its upper bound 1")


def test_transformed_data_outside_its_bounds_is_a_data_error_when_data_is_bound():
    model = ppl.model("data N: int\ndata x: real[N]\nd: real<lower=0>[N] = x - 1\n"
                      "param mu: real\nmu ~ Normal(sum(d), 1)\n")
    assert model.condition({"N": 2, "x": [1.0, 3.0]}).log_density(np.zeros(1)) == \
        pytest.approx(stats.norm.logpdf(0.0, 2.0, 1.0))
    with pytest.raises(DataError) as caught:
        model.condition({"N": 2, "x": [1.0, 0.5]})
    message = str(caught.value)
    assert message.startswith("<string>:3:4: error: d[1] = -0.5 is below its lower bound 0")
    assert "computed from the data" in message


def test_sampling_rejects_and_counts_the_proposals_outside_and_matches_the_half_plane_posterior():
    model = ppl.model(HALF_PLANE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.sample({}, chains=2, warmup=300, draws=500, seed=3, progress=False)
    assert (fit["sigma2"] >= 0).all()
    np.testing.assert_allclose(fit["sigma2"], fit["s1"] - fit["s2"], rtol=1e-12)
    assert fit.num_divergent > 0   # trajectories that met the wall
    messages = [str(w.message) for w in caught if issubclass(w.category, SamplerWarning)]
    assert any(f"{fit.num_divergent} of 1000 draws" in m and "sigma2 (line 3) leaves its declared bounds" in m
               for m in messages), messages
    assert "sigma2 (line 3)" in fit.diagnose()
    # s1 - s2 ~ N(0, 2) restricted to > 0: a half-normal of scale sqrt(2), mean 2 / sqrt(pi)
    assert fit["sigma2"].mean() == pytest.approx(2 / math.sqrt(math.pi), abs=0.3)


def test_an_init_outside_the_bounds_names_the_quantity():
    with pytest.raises(SamplingError) as caught:
        ppl.model(HALF_PLANE).sample({}, chains=1, warmup=10, draws=10, init={"s1": 0.0, "s2": 1.0},
                                     progress=False)
    assert str(caught.value).startswith("<string>:3:9: error: the log density is not finite at the given init: "
                                        "'sigma2' is outside its declared bounds there")


def test_the_ir_shows_the_check_after_the_quantity_is_complete():
    from codegen.ir_print import program_text

    lines = program_text(ppl.model(FILLED).ir).splitlines()
    fill = next(k for k, line in enumerate(lines) if "for i in range" in line)
    check = next(k for k, line in enumerate(lines) if "check theta<lower=lo, upper=2 * c>" in line)
    assert check == fill + 2   # right after the loop that fills it
    assert any("[model] check sigma2<lower=0>" in line for line in program_text(ppl.model(HALF_PLANE).ir).splitlines())


def test_the_outline_shows_the_declared_bounds():
    from codegen.outline import outline

    text = outline(ppl.model(FILLED).ir)
    assert "  theta  real<lower=lo, upper=2 * c>[N]  filled element by element" in text
    assert "  t_rep  real<lower=0>  = theta[0] * c" in text
    assert "  sigma2  real<lower=0>  = s1 - s2" in outline(ppl.model(HALF_PLANE).ir)


@pytest.mark.parametrize("source, error, line, column, phrase", [
    ("param a: real\nb: simplex[3] = a\n", ModelTypeError, 2, 4, "only data and params take constrained types"),
    ("param a: real\nb: int = a\n", ModelTypeError, 2, 10, "'b' is declared int but its value is a real scalar"),
    ("param a: real\nb: real[2] = a\n", ModelTypeError, 2, 14, "declared with shape [2] but its value has shape []"),
    ("data N: int\nparam a: real\nfor i in range(N):\n    b: real<lower=0> = a\n    target += b\n",
     ModelTypeError, 4, 13, "bounds on a local value"),
    ("data N: int\nparam a: real\nb: real[N]\nfor i in range(N):\n    c: real<lower=0>[2]\n    c[0] = a\n"
     "    c[1] = a\n    b[i] = c[0]\n", ModelTypeError, 5, 13, "bounds on a local array"),
    ("data x: real\nparam a: real\nb: real<lower=a> = x * 2\n", ModelStructureError, 3, 15,
     "the lower bound of 'b' depends on a param, but 'b' is computed from data alone"),
    ("param a: real\ngen g ~ Normal(a, 1)\nb: real<lower=g> = a\n", ModelStructureError, 3, 15,
     "a bound cannot depend on a generated quantity"),
])
def test_bad_declarations_are_located_errors(source, error, line, column, phrase):
    with pytest.raises(error) as caught:
        ppl.model(source)
    assert (caught.value.line, caught.value.column) == (line, column), str(caught.value)
    assert phrase in str(caught.value)


def test_a_bounded_deterministic_read_by_a_likelihood_keeps_an_exact_gradient_and_gen_arrays_are_checked():
    model = ppl.model("data N: int\ndata x: real[N]\ndata y: real[N]\nparam a: real\nparam b: real\n"
                      "mu: real<lower=-5, upper=5>[N] = a + b * x\ny ~ Normal(mu, 1)\n"
                      "gen kk: int<lower=0, upper=3>[N]\nfor i in range(N):\n    gen kk[i] ~ Poisson(exp(mu[i]))\n")
    x, y = np.array([0.0, 1.0, 2.0]), np.array([0.1, 0.5, 0.9])
    post = model.condition({"N": 3, "x": x, "y": y})
    u = np.array([0.3, 0.1])
    value, gradient = post.log_density_gradient(u)
    assert value == pytest.approx(stats.norm.logpdf(y, 0.3 + 0.1 * x).sum(), rel=1e-12)
    step = 1e-6
    numeric = [(post.log_density(u + step * e) - post.log_density(u - step * e)) / (2 * step) for e in np.eye(2)]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6)
    assert post.log_density(np.array([0.0, 3.0])) == -math.inf   # mu[2] = 6 > 5
    with pytest.raises(BoundError, match=r"kk\[\d\] = \d+ is above its upper bound 3") as caught:
        for seed in range(50):   # Poisson(e**1.2 = 3.3) draws above 3 about half the time
            post.generate(np.array([1.0, 0.1]), seed=seed)
    assert "this draw of the generated quantities is outside them" in str(caught.value)
