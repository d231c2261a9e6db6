"""Honest messages (issue #12, item 8): a hint never suggests a different function, and two
check warnings (Stan's pedantic ones) that are located like errors but do not stop the model.

* ``FUNCTION_ROWS``: a call a Stan/NumPy/PyMC user types → a phrase the hint must say (the
  ppl spelling) and, where edit distance would mislead, a suggestion it must not make.
* every ppl spelling in the table of foreign functions type-checks (the oracle: the checker);
* ``SCALE_ROWS`` / ``JACOBIAN_ROWS``: a model → where the warning points (line, column), or
  None for a model that must not warn.
"""

import subprocess
import sys
import warnings

import pytest

import ppl
from ppl.catalogue.builtins import BUILTINS
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.foreign_functions import FOREIGN_FUNCTIONS
from ppl.errors import JacobianWarning, ModelNameError, ModelSyntaxError, ModelWarning, UnconstrainedScaleWarning


def hint_for(call: str) -> str:
    with pytest.raises(ModelNameError) as caught:
        ppl.model(f"param mu: real<lower=0, upper=1>\ntarget += {call}\n")
    return caught.value.hint


def row(call, phrase, never=None):
    return pytest.param(call, phrase, never, id=call.split("(")[0])


FUNCTION_ROWS = [
    row("log1mexp(mu)", "ppl calls it 'log1m_exp'", never="'log1p'"),
    row("log1m_inv_logit(mu)", "`log_sigmoid(-x)`"),
    row("expit(mu)", "ppl calls it 'sigmoid'"),
    row("log_inv_logit(mu)", "ppl calls it 'log_sigmoid'"),
    row("log_sum_exp(mu)", "ppl calls it 'logsumexp'"),
    row("fabs(mu)", "ppl calls it 'abs'"),
    row("inv(mu)", "`inv(x)` is `1 / x`"),
    row("rep_vector(mu, 3)", "`rep_vector(x, N)` is `full(N, x)`"),
    row("to_vector(mu)", "reads it by columns: flatten(x.T)"),
    row("col(mu, 1)", "`A[:, j]`", never="'cos'"),
    row("row(mu, 1)", "`A[i]`", never="'pow'"),
    row("num_elements(mu)", "ppl calls it 'size'"),
    row("power(mu, 2)", "`x ** y`", never="'pow'"),
    row("minimum(mu, 2)", "ppl calls it 'fmin'", never="'min'"),
    row("erfc(mu)", "`1 - erf(x)`", never="'erf'"),
    row("tgamma(mu)", "`exp(lgamma(x))`", never="'lgamma'"),
    row("betaln(mu, 2)", "ppl calls it 'lbeta'", never="'beta'"),
    row("exp2(mu)", "`2 ** x`", never="'exp'"),
    row("sinh(mu)", "`(exp(x) - exp(-x)) / 2`", never="'sin'"),
    row("atan(mu)", "ppl has no `atan` function yet", never="'tan'"),
    row("asin(mu)", "ppl has no `asin` function yet", never="'sin'"),
    row("inv_Phi(mu)", "ppl has no `inv_Phi` function yet", never="'Phi'"),
    row("trigamma(mu)", "ppl has no `trigamma` function yet", never="'digamma'"),
    row("std(mu)", "N - 1", never="did you mean"),
    row("Phi_approx(mu)", "ppl's Phi is exact"),
    row("pi()", "`pi()` is `pi` in ppl"),
    row("positive_infinity()", "`inf`"),
    row("bernoulli(mu)", "`Bernoulli(probs=theta)`"),
    row("bernoulli_logit(mu)", "`Bernoulli(logits=alpha)`"),
    row("neg_binomial_2(mu, 2)", "ppl calls it 'NegativeBinomial2'", never="'Binomial'"),
    row("wishart(mu, 2)", "ppl calls it 'Wishart'"),
    row("inv_wishart_cholesky(mu, 2)", "ppl calls it 'InverseWishartCholesky'"),
    row("normal_lpdf(mu, 0, 1)", "`Normal(...).log_prob(y)`", never="normal_cdf"),
    row("poisson_log_lpmf(mu, 1)", "`Poisson(log_rate=alpha).log_prob(y)`"),
    row("normal_rng(0, 1)", "`gen y ~ Normal(...)`"),
    row("normal_lcdf(mu, 0, 1)", "`Normal(...).log_cdf(y)`"),
    row("normal_lccdf(mu, 0, 1)", "`Normal(...).log_survival_function(y)`"),
    row("exponential_cdf(mu, 1)", "`Exponential(...).cdf(y)`"),
    # near misses: edit distance still helps, but toward what the user meant
    row("log1mm(mu)", "did you mean 'log1m'?", never="'log1p'"),
    row("log1mexpp(mu)", "did you mean 'log1mexp'? ppl calls it 'log1m_exp'", never="'log1p'"),
    row("inv_logt(mu)", "did you mean 'inv_logit'?"),
    row("lgama(mu)", "did you mean 'lgamma'?"),
    row("Nrmal(0, 1).log_prob(mu)", "did you mean 'Normal'?"),
    row("sqrtt(mu)", "did you mean 'sqrt'?"),
]


@pytest.mark.parametrize("call, phrase, never", FUNCTION_ROWS)
def test_function_hints(call, phrase, never):
    hint = hint_for(call)
    assert phrase in hint, hint
    if never is not None:
        assert never not in hint, hint


def test_foreign_names_are_not_ppl_names():
    clashes = [name for name in FOREIGN_FUNCTIONS if name in BUILTINS or name in DISTRIBUTIONS]
    assert clashes == []


# Every spelling is checked by the checker with these stand-ins for the foreign arguments.
_SPELLING_PRELUDE = "".join(f"data {n}: int<lower=1>\n" for n in "NMKnkijm") + "".join(
    f"data {n}: real\n" for n in ("z", "c", "p", "alpha", "eta", "rho")) + "".join(
    f"data {n}: real<lower=0>\n" for n in ("sigma", "phi", "nu")) + "".join(
    f"data {n}: real[3]\n" for n in ("x", "y", "a", "b", "v", "mu", "beta")) + (
    "data theta: simplex[3]\ndata A: real[3, 3]\ndata B: real[3, 3]\ndata L: real[3, 3]\ndata Sigma: cov[3]\n"
    "data counts: int[3]\ndata Omega: corr[3]\ndata Omega_L: corr_cholesky[3]\ndata Sigma_L: cov_cholesky[3]\n")
_LOG_PROB_VALUES = {"LKJ": "Omega", "LKJCholesky": "Omega_L", "Wishart": "Sigma", "InverseWishart": "Sigma",
                    "WishartCholesky": "Sigma_L", "InverseWishartCholesky": "Sigma_L"}


@pytest.mark.parametrize("name", [name for name, f in FOREIGN_FUNCTIONS.items() if f.spelling is not None])
def test_every_ppl_spelling_checks(name):
    spelling = FOREIGN_FUNCTIONS[name].spelling
    family = spelling.split("(")[0]
    if family in DISTRIBUTIONS:
        value = _LOG_PROB_VALUES.get(family, "counts" if DISTRIBUTIONS[family].support.dtype == "int" else "x")
        spelling = f"{spelling}.log_prob({value})"
    ppl.model(_SPELLING_PRELUDE + f"_result = {spelling}\n")


def test_stan_bar_syntax_gets_the_log_prob_spelling():
    with pytest.raises(ModelSyntaxError) as caught:
        ppl.model("param mu: real\ntarget += normal_lpdf(mu | 0, 1)\n")
    assert "`Normal(mu, sigma).log_prob(y)`" in caught.value.hint
    with pytest.raises(ModelSyntaxError) as caught:   # elsewhere `|` is still `or`
        ppl.model("data a: int\nif a | a:\n    target += 1\n")
    assert caught.value.hint == "write `or`"


# ---- check warnings ------------------------------------------------------------------------

def issued(text, name="model.ppl"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ppl.model(text, name)
    return [w.message for w in caught if isinstance(w.message, ModelWarning)]


def wrow(id, text, where):
    return pytest.param(text, where, id=id)


SCALE_ROWS = [
    wrow("real_scale", "data y: real[3]\nparam mu: real\nparam s: real\ny ~ Normal(mu, s)\n", (4, 16)),
    wrow("negative_lower_bound", "data y: real[3]\nparam s: real<lower=-1>\ny ~ Normal(0, s)\n", (3, 15)),
    wrow("indexed_scale", "data g: int[3]\ndata y: real[3]\nparam s: real[2]\ny ~ Normal(0, s[g])\n", (4, 15)),
    wrow("keyword_rate", "data y: real<lower=0>[3]\nparam r: real\ny ~ Exponential(rate=r)\n", (3, 22)),
    wrow("in_log_prob", "data y: real[3]\nparam s: real<upper=5>\ntarget += Normal(0, s).log_prob(y)\n", (3, 21)),
    wrow("in_a_loop", "data y: real[3]\nparam s: real\nfor i in range(3):\n    y[i] ~ Cauchy(0, s)\n", (4, 22)),
    wrow("in_gen", "param s: real\ntarget += -s * s\ngen z ~ Normal(0, s)\n", (3, 19)),
    wrow("kernel_amplitude", "data x: real[3]\ndata y: real[3]\nparam a: real\n"
                             "y ~ GaussianProcess(ExponentiatedQuadratic(a, 1.0), x, 0.1)\n", (4, 44)),
    wrow("covariance_length_scale", "data x: real[3]\ndata y: real[3]\nparam l: real\n"
                                    "y ~ MVN(zeros(3), exp_quad_cov(x, 1.0, l) + 0.1 * eye(3))\n", (4, 40)),
    wrow("positive", "data y: real[3]\nparam s: real<lower=0>\ny ~ Normal(0, s)\n", None),
    wrow("interval", "data y: real[3]\nparam s: real<lower=0.5, upper=3>\ny ~ Normal(0, s)\n", None),
    wrow("bound_is_an_expression", "data a: real\ndata y: real[3]\nparam s: real<lower=a>\ny ~ Normal(0, s)\n",
         None),
    wrow("positive_ordered", "data y: real[3]\nparam s: positive_ordered[3]\ny ~ Normal(0, s)\n", None),
    wrow("location_is_free", "data y: real[3]\nparam mu: real\ny ~ Normal(mu, 1)\n", None),
    wrow("a_transform_is_not_judged", "data y: real[3]\nparam s: real\ny ~ Normal(0, exp(s))\n", None),
]


@pytest.mark.parametrize("text, where", SCALE_ROWS)
def test_unconstrained_scale_warning(text, where):
    found = issued(text)
    if where is None:
        assert found == []
        return
    assert len(found) == 1 and isinstance(found[0], UnconstrainedScaleWarning)
    warning = found[0]
    assert (warning.line, warning.column) == where
    text = str(warning)
    assert f"model.ppl:{where[0]}:{where[1]}: warning:" in text and "^" in text
    assert "which must be positive" in text and "real<lower=0>" in warning.hint


def test_scale_warning_once_per_param():
    found = issued("data y: real[3]\ndata z: real[3]\nparam s: real\ny ~ Normal(0, s)\nz ~ Normal(1, s)\n")
    assert [w.line for w in found] == [4]


JACOBIAN_ROWS = [
    wrow("log", "param x: real<lower=0>\nlog(x) ~ Normal(0, 1)\n", (2, 1)),
    wrow("exp", "param b: real\nexp(b) ~ Normal(0, 1)\n", (2, 1)),
    wrow("inside_a_sum", "param b: real[3]\nsum(exp(b)) ~ Normal(0, 1)\n", (2, 1)),
    wrow("scaled_by_a_param", "data y: real[3]\nparam mu: real\nparam sigma: real<lower=0>\n"
                              "(y - mu) / sigma ~ Normal(0, 1)\n", (4, 1)),
    wrow("product_of_params", "param a: real\nparam b: real\na * b ~ Normal(0, 1)\n", (3, 1)),
    wrow("power", "param a: real\na ** 2 ~ Normal(0, 1)\n", (2, 1)),
    wrow("indexed_in_a_loop", "param x: real<lower=0>[3]\nfor i in range(3):\n    log(x[i]) ~ Normal(0, 1)\n",
         (3, 5)),
    wrow("plain_param", "param x: real\nx ~ Normal(0, 1)\n", None),
    wrow("affine", "data w: real[3]\nparam b: real[3]\nparam c: real\n2 * b + c - w ~ Normal(0, 1)\n", None),
    wrow("soft_sum_to_zero", "param b: real[3]\nsum(b) ~ Normal(0, 0.01)\n", None),
    wrow("difference_of_neighbours", "param b: real[4]\nb[1:] - b[:-1] ~ Normal(0, 1)\n", None),
    wrow("divided_by_data", "data s: real<lower=0>\nparam b: real\nb / s ~ Normal(0, 1)\n", None),
    wrow("function_of_data", "data y: real<lower=0>[3]\nparam mu: real\nlog(y) ~ Normal(mu, 1)\n", None),
    wrow("deterministic_is_a_name", "param b: real\nm = exp(b)\nm ~ Normal(0, 1)\n", None),
]


@pytest.mark.parametrize("text, where", JACOBIAN_ROWS)
def test_jacobian_warning(text, where):
    found = issued(text)
    if where is None:
        assert found == []
        return
    assert len(found) == 1 and isinstance(found[0], JacobianWarning)
    warning = found[0]
    assert (warning.line, warning.column) == where
    assert "non-linear function of the param" in str(warning) and "^" in str(warning)
    assert "log-Jacobian" in warning.hint and "target +=" in warning.hint


def test_jacobian_hint_gives_the_term_for_log_and_exp():
    assert "`target += -log(x)`" in issued("param x: real<lower=0>\nlog(x) ~ Normal(0, 1)\n")[0].hint
    assert "`target += b`" in issued("param b: real\nexp(b) ~ Normal(0, 1)\n")[0].hint


def test_warnings_come_again_when_the_model_is_loaded_from_the_cache():
    text = "data y: real[3]\nparam s: real\ny ~ Normal(0, s)\n"
    assert len(issued(text, "cached.ppl")) == 1
    assert len(issued(text, "cached.ppl")) == 1


def test_warnings_can_be_silenced_by_class():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=JacobianWarning)
        model = ppl.model("param x: real<lower=0>\nlog(x) ~ Normal(0, 1)\n")
    assert caught == [] and model.ir.warnings


def test_cli_check_prints_located_warnings(tmp_path):
    path = tmp_path / "model.ppl"
    path.write_text("data y: real[3]\nparam mu: real\nparam s: real\nlog(mu) ~ Normal(0, 1)\ny ~ Normal(mu, s)\n")
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and f"{path}: ok" in result.stdout
    assert f"{path}:4:1: warning: the value of this `~` is a non-linear function of the param 'mu'" in result.stderr
    assert f"{path}:5:16: warning: param 's' is Normal's 'scale'" in result.stderr
    assert "    5 | y ~ Normal(mu, s)\n      |                ^" in result.stderr
    assert "Traceback" not in result.stderr
