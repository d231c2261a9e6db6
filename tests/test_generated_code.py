"""The generated module reads like careful hand-written code (issue #8, item 8): each function
holds only what it uses, temporaries are named after their statement, and what depends on the
data alone is computed once, in transformed_data(), not at every gradient."""

import numpy as np
import pytest
import scipy.stats

import ppl
from gradient_checks import finite_difference_error


def _function_source(code: str, name: str) -> str:
    start = code.index(f"def {name}(")
    end = code.find("\n@numba", start)
    return code[start:] if end < 0 else code[start:end]


def test_generated_functions_hold_only_what_they_use():
    code = ppl.compile("examples/radon_hierarchical.ppl").code()
    log_density = _function_source(code, "log_density")
    assert "N = data." not in log_density             # N is declared but the log density never reads it
    assert "J = data." in log_density
    constrain = _function_source(code, "constrain")
    assert "lp" not in constrain                      # no log-Jacobian computed and thrown away
    assert "log_radon" not in constrain
    # _y_hat is read only by `~`: the saved outputs (none here) do not need it
    assert "_y_hat" not in _function_source(code, "deterministics")
    assert "_y_hat" not in _function_source(code, "generate")


def test_outputs_keep_what_they_read():
    text = ("data N: int\ndata x: real[N]\nparam a: real\n_scaled = a * x\nshown = _scaled + 1\n"
            "_unused = a * 2\na ~ Normal(0, 1)\ngen y_rep ~ Normal(_scaled, 1)\n")
    model = ppl.model(text, "outputs.ppl")
    code = model.code()
    deterministics = _function_source(code, "deterministics")
    assert "_scaled" in deterministics and "_unused" not in deterministics
    assert "_unused" not in _function_source(code, "generate")
    posterior = model.condition({"N": 3, "x": [1.0, 2.0, 3.0]})
    u = np.array([0.5])
    assert posterior.deterministics(u)["shown"] == pytest.approx([1.5, 2.0, 2.5])
    assert posterior.generate(u, seed=1)["y_rep"].shape == (3,)


def test_generated_temporaries_are_named_after_their_statement():
    code = ppl.compile("examples/radon_hierarchical.ppl").code()
    # line 24: log_radon ~ Normal(_y_hat, sigma_y)
    assert "_log_radon_l24_term_sum" in code
    assert "_log_radon_l24_t" in code                  # the gather a[county] it reads
    assert "_a_l21_term" in code
    assert "t_0" not in code and "_c1_" not in code


def test_data_only_terms_are_computed_once_in_transformed_data():
    model = ppl.compile("examples/eight_schools_noncentered.ppl")
    code = model.code()
    gradient = _function_source(code, "log_density_gradient")
    assert "math.log(sigma" not in gradient and "sigma[" not in gradient
    assert "math.log(sigma" in _function_source(code, "transformed_data")
    data = {"J": 3, "y": [28.0, 8.0, -3.0], "sigma": [15.0, 10.0, 16.0]}
    posterior = model.condition(data)
    u = np.array([1.0, 0.5, 0.3, -0.2, 1.1])
    mu, tau, theta_tilde = u[0], np.exp(u[1]), u[2:]
    expected = (scipy.stats.norm.logpdf(mu, 0, 5) + scipy.stats.halfcauchy.logpdf(tau, 0, 5) + u[1]
                + scipy.stats.norm.logpdf(theta_tilde).sum()
                + scipy.stats.norm.logpdf(data["y"], mu + tau * theta_tilde, data["sigma"]).sum())
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6
    # other data: transformed data is computed anew when data is bound
    other = dict(data, sigma=[1.0, 2.0, 3.0])
    again = model.condition(other).log_density(u)
    assert again == pytest.approx(expected - scipy.stats.norm.logpdf(data["y"], mu + tau * theta_tilde,
                                                                     data["sigma"]).sum()
                                  + scipy.stats.norm.logpdf(data["y"], mu + tau * theta_tilde,
                                                            other["sigma"]).sum(), rel=1e-12)


def test_count_normalisers_leave_the_gradient():
    text = ("data N: int\ndata x: real[N]\ndata y: int<lower=0>[N]\nparam a: real\nparam b: real\n"
            "a ~ Normal(0, 1)\nb ~ Normal(0, 1)\ny ~ Poisson(log_rate=a + b * x)\n")
    model = ppl.model(text, "poisson.ppl")
    gradient = _function_source(model.code(), "log_density_gradient")
    assert "lgamma" not in gradient
    x, y = np.array([0.1, -0.4, 1.3, 0.7]), np.array([0, 3, 7, 2])
    posterior = model.condition({"N": 4, "x": x, "y": y})
    u = np.array([0.2, 0.9])
    expected = (scipy.stats.norm.logpdf(u).sum() + scipy.stats.poisson.logpmf(y, np.exp(u[0] + u[1] * x)).sum())
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6


def test_squared_distances_of_data_points_are_computed_once():
    code = ppl.compile("examples/gp_regression.ppl").code()
    assert "event_kernels.squared_distances" not in _function_source(code, "log_density_gradient")
    assert "event_kernels.squared_distances" in _function_source(code, "transformed_data")
    assert _function_source(code, "transformed_data").count("event_kernels.squared_distances") == 1


def test_data_only_parts_inside_loops_stay_where_they_are():
    # a loop's body reads y[n] element by element: nothing there is hoisted, and the value is right
    text = ("data N: int\ndata y: real[N]\ndata s: real<lower=0>[N]\nparam m: real\nm ~ Normal(0, 1)\n"
            "for n in range(N):\n    y[n] ~ Normal(m, s[n])\n")
    posterior = ppl.model(text, "loop.ppl").condition({"N": 3, "y": [0.1, 0.5, -1.0], "s": [1.0, 2.0, 0.5]})
    u = np.array([0.3])
    expected = scipy.stats.norm.logpdf(0.3) + scipy.stats.norm.logpdf([0.1, 0.5, -1.0], 0.3, [1.0, 2.0, 0.5]).sum()
    value, error = finite_difference_error(posterior, u)
    assert value == pytest.approx(expected, rel=1e-12)
    assert error < 1e-6


def test_a_term_of_data_alone_compiles_and_is_right():
    # every element of the term is data (no param in it): nothing is left to loop over but the constant
    text = "data N: int\ndata y: real[N]\ndata s: real<lower=0>[N]\nparam m: real\nm ~ Normal(0, 1)\ny ~ Normal(y, s)\n"
    posterior = ppl.model(text, "data_alone.ppl").condition({"N": 2, "y": [0.1, 0.5], "s": [1.0, 2.0]})
    value = posterior.log_density(np.array([0.3]))
    assert value == pytest.approx(scipy.stats.norm.logpdf(0.3) + scipy.stats.norm.logpdf([0.0, 0.0], 0, [1.0, 2.0]).sum(),
                                  rel=1e-12)


def test_data_indices_are_checked_once_when_data_is_bound():
    text = ("data N: int\ndata J: int\ndata g: int[N]\ndata y: real[N]\nparam a: real[J]\n"
            "a ~ Normal(0, 1)\ny ~ Normal(a[g], 1)\n")
    model = ppl.model(text, "gather.ppl")
    code = model.code()
    assert "_index" not in _function_source(code, "log_density_gradient")
    assert "np.ndenumerate(g)" in _function_source(code, "transformed_data")
    data = {"N": 3, "J": 2, "g": [0, 1, 1], "y": [0.5, -0.2, 0.1]}
    u = np.array([0.3, -0.4])
    value = model.condition(data).log_density(u)
    assert value == pytest.approx(scipy.stats.norm.logpdf(u).sum()
                                  + scipy.stats.norm.logpdf(data["y"], u[[0, 1, 1]], 1).sum(), rel=1e-12)
    with pytest.raises(ppl.DataError, match=r"index 5 from the data g\[1\] is out of range for an axis of size 2") as caught:
        model.condition(dict(data, g=[0, 5, 1]))
    assert caught.value.line == 7
