"""Bad input: every malformed model gets a located, helpful error.

Each row of ROWS is a small realistic model with one mistake and the place a
careful modeller would expect the caret: (id, source, error class, line,
column, phrase).  ``phrase`` (a string, or a tuple of strings that must all
occur) is what the rendered message must say.  Rows where ppl's output is not
yet what a modeller needs are marked ``xfail(strict=True)`` with the reason.

Golden files (tests/golden/bad/NAME.ppl + NAME.expected) pin the full rendered
message of a dozen rows; ``pytest --update-golden`` rewrites the .expected
files.  The last test runs ``python -m ppl.cli check`` on each golden model.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import ppl
from ppl import ModelError
from ppl.errors import ModelNameError, ModelStructureError, ModelSyntaxError, ModelTypeError

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "bad"

Syn, Name, Type, Struct = ModelSyntaxError, ModelNameError, ModelTypeError, ModelStructureError


def gap(reason):
    """Mark a row whose current output is not what a modeller needs."""
    return pytest.mark.xfail(strict=True, reason=reason)


def row(id, source, error, line, column, phrase, xfail=None):
    marks = [gap(xfail)] if xfail else []
    return pytest.param(source, error, line, column, phrase, id=id, marks=marks)


ROWS = [
    # ---- syntax ---------------------------------------------------------------
    row("truncation_with_one_bound",
        "param mu: real\n"
        "mu ~ Normal(0, 1) T[0]\n",
        Syn, 2, 22, "`T[...]` takes a lower and an upper bound, separated by a comma"),
    row("form_feed_in_a_comment_keeps_line_numbers",
        "param mu: real\n"
        "# a page break \x0c inside a comment\n"
        "mu ~ Nrmal(0, 1)\n",
        Name, 3, 6, "'Normal'"),
    row("for_missing_colon",
        "data N: int\n"
        "param mu: real\n"
        "for i in range(N)\n"
        "    target += mu\n",
        Syn, 3, 18, "':'"),
    row("if_missing_colon",
        "data N: int\n"
        "data flag: int\n"
        "param mu: real\n"
        "if flag == 1\n"
        "    mu ~ Normal(0, 1)\n",
        Syn, 4, 13, "':'"),
    row("unclosed_bracket_at_end",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "y ~ Normal(mu, 1\n",
        Syn, 4, 11, "'('"),
    row("unclosed_bracket_nested_then_more_lines",
        "param mu: real\n"
        "param sigma: real<lower=0>\n"
        "mu ~ Normal(0, exp(sigma)\n"
        "sigma ~ HalfNormal(1)\n",
        Syn, 3, 12, "'('"),
    row("stray_bracket",
        "param mu: real\n"
        "mu ~ Normal(0, 1))\n",
        Syn, 2, 18, "')'"),
    row("missing_operand_at_line_end",
        "data y: real\n"
        "param a: real\n"
        "mu = a +\n"
        "y ~ Normal(mu, 1)\n",
        Syn, 3, 9, "incomplete"),
    row("missing_operand_in_call",
        "data y: real\n"
        "param a: real\n"
        "y ~ Normal(a * , 1)\n",
        Syn, 3, 16, "incomplete"),
    row("two_values_no_operator",
        "data x: real\n"
        "param a: real\n"
        "param b: real\n"
        "x ~ Normal(a b, 1)\n",
        Syn, 4, 14, "operator"),
    row("semicolon_at_line_end",
        "param mu: real\n"
        "mu ~ Normal(0, 1);\n",
        Syn, 2, 18, "';'"),
    row("stan_declaration_vector",
        "data N: int\n"
        "data vector[N] y\n"
        "param mu: real\n"
        "y ~ Normal(mu, 1)\n",
        Syn, 2, 12, "Stan declaration"),
    row("stan_declaration_top_level",
        "data N: int\n"
        "vector[N] y\n",
        Syn, 2, 11, "Stan declaration"),
    row("stan_declaration_bounded_top_level",
        "data N: int\n"
        "real<lower=0> y\n",
        Syn, 2, 15, "Stan declaration"),
    row("stan_declaration_bounded_param",
        "param real<lower=0> sigma\n"
        "sigma ~ HalfNormal(1)\n",
        Syn, 1, 11, "Stan declaration"),
    row("assignment_in_if_condition",
        "data K: int\n"
        "param mu: real\n"
        "if K = 1:\n"
        "    mu ~ Normal(0, 1)\n",
        Syn, 3, 6, "'=='"),
    row("braces_for_block",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range(N) {\n"
        "    y[i] ~ Normal(mu, 1)\n"
        "}\n",
        Syn, 4, 19, "indent"),
    row("bounds_without_name",
        "param sigma: real<0>\n"
        "sigma ~ HalfNormal(1)\n",
        Syn, 1, 19, "<lower=..., upper=...>"),
    row("target_assigned_not_incremented",
        "param mu: real\n"
        "target = Normal(0, 1).log_prob(mu)\n",
        Syn, 2, 8, "target +="),
    row("missing_type_after_colon",
        "data N: int\n"
        "param mu:\n"
        "mu ~ Normal(0, 1)\n",
        Syn, 2, 10, "expected a type after ':'"),
    row("range_without_arguments",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range():\n"
        "    y[i] ~ Normal(mu, 1)\n",
        Syn, 4, 16, "range(stop)"),
    row("range_too_many_arguments",
        "data N: int\n"
        "param mu: real\n"
        "for i in range(0, N, 1, 2):\n"
        "    target += mu\n",
        Syn, 3, 25, "1 to 3 arguments"),
    row("stan_style_for",
        "data N: int\n"
        "param mu: real\n"
        "for (i in 1:N) {\n"
        "    target += mu\n"
        "}\n",
        Syn, 3, 5, "range("),
    row("while_loop",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "i = 0\n"
        "while i < N:\n"
        "    y[i] ~ Normal(mu, 1)\n",
        Struct, 5, 1, "never ends"),
    row("chained_comparison",
        "data a: int\n"
        "data b: int\n"
        "data c: int\n"
        "param mu: real\n"
        "if a < b < c:\n"
        "    mu ~ Normal(0, 1)\n",
        Syn, 5, 10, "chain"),
    row("else_without_if",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range(N):\n"
        "    if i > 0:\n"
        "        y[i] ~ Normal(mu, 1)\n"
        "else:\n"
        "    y[0] ~ Normal(0, 1)\n",
        Syn, 7, 1, "if"),
    row("elif_without_if",
        "data K: int\n"
        "param mu: real\n"
        "elif K > 1:\n"
        "    mu ~ Normal(0, 1)\n",
        Syn, 3, 1, "if"),
    row("empty_block",
        "data N: int\n"
        "param mu: real\n"
        "for i in range(N):\n"
        "mu ~ Normal(0, 1)\n",
        Syn, 4, 1, "line 3"),
    # ---- layout ---------------------------------------------------------------
    row("tab_in_indentation",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range(N):\n"
        "\ty[i] ~ Normal(mu, 1)\n",
        Syn, 5, 1, "tab"),
    row("inconsistent_dedent",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range(N):\n"
        "        y[i] ~ Normal(mu, 1)\n"
        "    mu ~ Normal(0, 1)\n",
        Syn, 6, 1, "matches no enclosing block"),
    row("unexpected_indent",
        "param mu: real\n"
        "    mu ~ Normal(0, 1)\n",
        Syn, 2, 1, "unexpected indentation"),
    # ---- names ----------------------------------------------------------------
    row("unknown_name_suggestion",
        "data y: real\n"
        "param mu: real\n"
        "param sigma: real<lower=0>\n"
        "y ~ Normal(mu, sigam)\n",
        Name, 4, 16, "did you mean 'sigma'?"),
    row("unknown_name_in_loop_nested",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "param sigma: real<lower=0>\n"
        "for i in range(N):\n"
        "    y[i] ~ Normal(mu, 2 * sigam)\n",
        Name, 6, 27, "did you mean 'sigma'?"),
    row("unknown_name_in_declaration",
        "data n_obs: int\n"
        "data y: real[n_ob]\n",
        Name, 2, 14, "did you mean 'n_obs'?"),
    row("unknown_distribution_typo",
        "param mu: real\n"
        "mu ~ Normall(0, 1)\n",
        Name, 2, 6, "did you mean 'Normal'?"),
    row("unknown_distribution_lowercase",
        "data y: real\n"
        "param mu: real\n"
        "y ~ normal(mu, 1)\n",
        Name, 3, 5, "'Normal'"),
    row("unknown_function_stan_name",
        "data N: int\n"
        "data y: int<lower=0, upper=1>[N]\n"
        "param a: real\n"
        "y ~ Bernoulli(probs=Phi_approx(a))\n",
        Name, 4, 21, "ppl calls it 'Phi'"),
    row("stan_log1m_inv_logit_is_not_log1m",
        "data N: int\n"
        "data y: int<lower=0, upper=1>[N]\n"
        "param a: real\n"
        "target += sum(y) * log_sigmoid(a) + (N - sum(y)) * log1m_inv_logit(a)\n",
        Name, 4, 52, ("`log1m_inv_logit(x)` is `log_sigmoid(-x)` in ppl",)),
    row("real_modulo_of_a_param",
        "param phase: real\n"
        "target += -square(phase % 6.28)\n",
        Type, 2, 19, ("'%' of reals that depend on the params ('phase')", "in `gen`")),
    row("stan_bernoulli_means_probs",
        "data N: int\n"
        "data y: int<lower=0, upper=1>[N]\n"
        "param theta: real<lower=0, upper=1>\n"
        "y ~ bernoulli(theta)\n",
        Name, 4, 5, "`Bernoulli(probs=theta)`"),
    row("use_before_definition",
        "data y: real\n"
        "param a: real\n"
        "y ~ Normal(mu, 1)\n"
        "mu = 2 * a\n",
        Name, 3, 12, "line 4"),
    row("bound_uses_later_param",
        "param beta: real<lower=0, upper=1 - alpha>\n"
        "param alpha: real<lower=0, upper=1>\n",
        Name, 1, 37, "line 2"),
    row("redefined_param",
        "param mu: real\n"
        "param mu: real<lower=0>\n",
        Name, 2, 7, "line 1"),
    row("redefined_deterministic",
        "param a: real\n"
        "s = exp(a)\n"
        "s = 2 * s\n",
        Name, 3, 1, "line 2"),
    row("loop_variable_reuses_name",
        "data N: int\n"
        "data y: real[N]\n"
        "param t: real\n"
        "for t in range(N):\n"
        "    y[t] ~ Normal(0, 1)\n",
        Name, 4, 5, "line 3"),
    row("fill_undeclared_array",
        "data N: int\n"
        "param a: real\n"
        "for i in range(N):\n"
        "    z[i] = a * i\n",
        Name, 4, 5, "z: real["),
    # ---- calls ----------------------------------------------------------------
    row("unknown_keyword_argument",
        "param mu: real\n"
        "mu ~ Normal(0, scal=1)\n",
        Type, 2, 16, "did you mean 'scale'?"),
    row("missing_argument",
        "param mu: real\n"
        "mu ~ Normal(0)\n",
        Type, 2, 6, "scale"),
    row("missing_argument_gamma",
        "param sigma: real<lower=0>\n"
        "sigma ~ Gamma(2)\n",
        Type, 2, 9, "rate"),
    row("too_many_arguments",
        "param mu: real\n"
        "mu ~ Normal(0, 1, 2)\n",
        Type, 2, 19, "takes at most 2 arguments, but 3 were given"),
    row("both_logits_and_probs",
        "data N: int\n"
        "data y: int<lower=0, upper=1>[N]\n"
        "param a: real\n"
        "y ~ Bernoulli(logits=a, probs=0.5)\n",
        Type, 4, 25, "Bernoulli(logits | probs)"),
    row("neither_logits_nor_probs",
        "data K: int\n"
        "data y: int<lower=0, upper=K - 1>\n"
        "param theta: simplex[K]\n"
        "y ~ Categorical()\n",
        Type, 4, 5, "Categorical(logits | probs)"),
    row("negative_constant_scale",
        "param mu: real\n"
        "mu ~ Normal(0, -1)\n",
        Type, 2, 16, "hint:"),
    row("negative_constant_scale_expression",
        "param mu: real\n"
        "mu ~ Normal(0, -2 * 3)\n",
        Type, 2, 16, "scale"),
    # ---- shapes and indexing ---------------------------------------------------
    row("shape_mismatch_add",
        "data N: int\n"
        "data K: int\n"
        "data x: real[N]\n"
        "param b: real[N + 1]\n"
        "mu = x + b\n",
        Type, 5, 6, ("[N]", "[N + 1]")),
    row("shape_mismatch_add_nested",
        "data N: int\n"
        "data K: int\n"
        "data y: real[N]\n"
        "param a: real[N]\n"
        "param b: real[N + 1]\n"
        "y ~ Normal(exp(a + b), 1)\n",
        Type, 6, 16, ("[N]", "[N + 1]")),
    row("matmul_inner_mismatch",
        "data N: int\n"
        "data K: int\n"
        "data X: real[N, K]\n"
        "param beta: real[K + 1]\n"
        "mu = X @ beta\n",
        Type, 5, 6, ("[N, K]", "[K + 1]")),
    row("too_many_indices",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range(N):\n"
        "    y[i, 0] ~ Normal(mu, 1)\n",
        Type, 5, 5, ("shape [N]", "2 indices")),
    row("constant_index_out_of_range",
        "param w: real[3]\n"
        "w ~ Normal(0, 1)\n"
        "mu = w[3]\n",
        Type, 3, 8, "out of range"),
    row("real_literal_index",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real[N]\n"
        "y ~ Normal(mu[1.5], 1)\n",
        Type, 4, 15, "int"),
    row("real_array_index",
        "data N: int\n"
        "data x: real[N]\n"
        "param a: real[N]\n"
        "mu = a[x]\n",
        Type, 4, 8, "int"),
    row("mvn_trill_scale_event_mismatch",
        "data N: int\n"
        "data K: int\n"
        "data Y: real[N, K]\n"
        "param mu: real[K]\n"
        "param L: corr_cholesky[K + 1]\n"
        "Y ~ MVNTriL(mu, L)\n",
        Type, 6, 17, ("[K]", "[K + 1, K + 1]")),
    row("mvn_trill_value_event_mismatch",
        "data N: int\n"
        "data K: int\n"
        "data Y: real[N, K - 1]\n"
        "param mu: real[K]\n"
        "param L: corr_cholesky[K]\n"
        "Y ~ MVNTriL(mu, L)\n",
        Type, 6, 1, ("[N, K - 1]", "[K]")),
    # ---- types and constraints --------------------------------------------------
    row("stan_type_vector",
        "param beta: vector[3]\n"
        "beta ~ Normal(0, 1)\n",
        Type, 1, 13, "real[N]` for a vector of N reals"),
    row("unsupported_unit_vector",
        "param u: unit_vector[3]\n"
        "target += -0.5 * dot(u, u)\n",
        Type, 1, 10, "unit_vector"),
    row("bounds_on_constrained_shape",
        "data K: int\n"
        "param theta: simplex<lower=0>[K]\n",
        Type, 2, 22, "simplex already fixes its values"),
    row("unknown_bound_name",
        "param sigma: real<low=0>\n"
        "sigma ~ HalfNormal(1)\n",
        Type, 1, 19, "'lower'"),
    row("int_param",
        "data N: int\n"
        "data y: int<lower=0>[N]\n"
        "param k: int<lower=0>\n"
        "y ~ Poisson(k)\n",
        Type, 3, 10, "marginalise"),
    row("negative_constant_size",
        "param mu: real[-1]\n"
        "mu ~ Normal(0, 1)\n",
        Type, 1, 16, "size"),
    row("unbounded_param_under_halfnormal",
        "param s: real\n"
        "s ~ HalfNormal(1)\n",
        Type, 2, 1, "real<lower=0>"),
    row("half_cauchy_param_below_location",
        "param s: real<lower=-1>\n"
        "s ~ HalfCauchy(0, 5)\n",
        Type, 2, 1, "real<lower=0>"),
    row("uniform_param_without_upper_bound",
        "param s: real<lower=0>\n"
        "s ~ Uniform(0, 10)\n",
        Type, 2, 1, "real<lower=0, upper=10>"),
    row("lower_bounded_param_under_beta",
        "param p: real<lower=0>\n"
        "p ~ Beta(2, 2)\n",
        Type, 2, 1, "upper=1"),
    row("upper_bounded_param_under_halfnormal",
        "param s: real<upper=0>\n"
        "s ~ HalfNormal(1)\n",
        Type, 2, 1, "real<lower=0>"),
    row("real_data_poisson",
        "data N: int\n"
        "data y: real[N]\n"
        "param lam: real<lower=0>\n"
        "y ~ Poisson(lam)\n",
        Type, 4, 1, "int"),
    row("real_data_bernoulli",
        "data N: int\n"
        "data y: real[N]\n"
        "param a: real\n"
        "y ~ Bernoulli(logits=a)\n",
        Type, 4, 1, "int"),
    row("real_data_categorical_in_loop",
        "data N: int\n"
        "data K: int\n"
        "data y: real[N]\n"
        "param theta: simplex[K]\n"
        "for n in range(N):\n"
        "    y[n] ~ Categorical(probs=theta)\n",
        Type, 6, 5, "int"),
    row("distribution_as_value",
        "param mu: real\n"
        "x = Normal(mu, 1)\n",
        Type, 2, 5, "~"),
    row("sample_non_distribution",
        "data y: real\n"
        "param mu: real\n"
        "y ~ mu + 1\n",
        Type, 3, 5, "distribution"),
    row("sample_function_not_distribution",
        "data y: real\n"
        "param mu: real\n"
        "y ~ exp(mu)\n",
        Type, 3, 5, "distribution"),
    # ---- structure --------------------------------------------------------------
    row("assign_to_data",
        "data N: int\n"
        "data y: real[N]\n"
        "y = y * 2\n",
        Struct, 3, 1, "data"),
    row("assign_to_data_element_in_loop",
        "data N: int\n"
        "data y: real[N]\n"
        "for i in range(N):\n"
        "    y[i] = 0.0\n",
        Struct, 4, 5, "data"),
    row("assign_to_param",
        "param mu: real\n"
        "mu = 0.5\n",
        Struct, 2, 1, "param"),
    row("loop_bound_on_param",
        "data N: int\n"
        "data y: real[N]\n"
        "param n: real<lower=0>\n"
        "for i in range(n):\n"
        "    y[i] ~ Normal(0, 1)\n",
        Struct, 4, 16, "param"),
    row("loop_bound_on_param_int",
        "data N: int\n"
        "data y: real[N]\n"
        "param mu: real\n"
        "for i in range(N * (mu > 0)):\n"
        "    y[i] ~ Normal(0, 1)\n",
        Struct, 4, 16, "depends on a param ('mu')"),
    row("if_on_param",
        "data y: real\n"
        "param mu: real\n"
        "if mu > 0:\n"
        "    y ~ Normal(mu, 1)\n",
        Struct, 3, 4, "depends on a param ('mu')"),
    row("elif_on_param",
        "data K: int\n"
        "param mu: real\n"
        "if K > 1:\n"
        "    mu ~ Normal(0, 1)\n"
        "elif mu > 0:\n"
        "    mu ~ Normal(0, 2)\n",
        Struct, 5, 6, "depends on a param ('mu')"),
    row("gen_used_in_sample",
        "data y: real\n"
        "param mu: real\n"
        "gen mu2 = mu * mu\n"
        "y ~ Normal(mu2, 1)\n",
        Struct, 4, 12, "gen"),
    row("gen_used_in_target",
        "param mu: real\n"
        "gen z ~ Normal(mu, 1)\n"
        "target += -0.5 * z ** 2\n",
        Struct, 3, 18, "gen"),
    row("gen_used_in_deterministic",
        "data y: real\n"
        "param mu: real\n"
        "gen y_rep ~ Normal(mu, 1)\n"
        "resid = y - y_rep\n",
        Struct, 4, 13, "gen resid"),
    row("data_inside_loop",
        "data N: int\n"
        "for i in range(N):\n"
        "    data x: real\n",
        Struct, 3, 5, "top level"),
    row("param_inside_if",
        "data K: int\n"
        "if K > 1:\n"
        "    param mu: real\n",
        Struct, 3, 5, "top level"),
    row("function_reads_a_model_name",
        "data y: real\n"
        "param mu: real\n"
        "def shifted(x: real) -> real:\n"
        "    return x + mu\n"
        "y ~ Normal(shifted(0.5), 1)\n",
        Name, 4, 16, "not one of its arguments"),
    row("function_argument_shape",
        "def centred(x: real[N]) -> real[N]:\n"
        "    return x - mean(x)\n"
        "data J: int\n"
        "param theta: real[J, 2]\n"
        "theta[:, 0] ~ Normal(centred(theta), 1)\n",
        Type, 5, 30, ("the argument 'x' of 'centred'", "real[N]")),
]


def caught(source, filename="<string>"):
    with pytest.raises(ModelError) as info:
        ppl.model(source, filename)
    return info.value


def assert_rendered_at(error, source, line, column):
    """str(error) shows `N | source line` and a caret line starting under `column`."""
    text = str(error)
    src = source.split("\n")[line - 1].replace("\t", " ")   # lines as the lexer counts them
    shown = f"    {line} | {src}"
    assert shown in text.splitlines(), f"source line not shown:\n{text}"
    gutter = " " * len(str(line))
    carets = [l for l in text.splitlines() if re.fullmatch(rf"    {gutter} \| *\^+", l)]
    assert carets, f"no caret line:\n{text}"
    assert carets[0].index("^") - len(f"    {gutter} | ") == column - 1, f"caret not at column {column}:\n{text}"


@pytest.mark.parametrize("source, error_class, line, column, phrase", ROWS)
def test_bad_model(source, error_class, line, column, phrase):
    error = caught(source)
    assert type(error) is error_class, f"{type(error).__name__}: {error}"
    assert (error.line, error.column) == (line, column), str(error)
    phrases = (phrase,) if isinstance(phrase, str) else phrase
    for p in phrases:
        assert p in str(error), f"{p!r} not in:\n{error}"
    assert_rendered_at(error, source, line, column)


def test_at_least_45_rows():
    assert len(ROWS) >= 45
    assert len({p.id for p in ROWS}) == len(ROWS)


# ---- golden files ---------------------------------------------------------------

GOLDEN_NAMES = [  # rows whose full rendered message was judged good
    "for_missing_colon",
    "unclosed_bracket_nested_then_more_lines",
    "two_values_no_operator",
    "inconsistent_dedent",
    "unknown_name_in_loop_nested",
    "unknown_distribution_lowercase",
    "unknown_function_stan_name",
    "unknown_keyword_argument",
    "shape_mismatch_add_nested",
    "matmul_inner_mismatch",
    "unbounded_param_under_halfnormal",
    "half_cauchy_param_below_location",
    "uniform_param_without_upper_bound",
    "real_data_categorical_in_loop",
    "function_reads_a_model_name",
    "function_argument_shape",
]


def golden_path(name: str) -> str:
    """The file name errors are reported under: relative to the repository root."""
    return f"tests/golden/bad/{name}.ppl"


def golden_source(name: str) -> str:
    return next(p.values[0] for p in ROWS if p.id == name)


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_message(name, update_golden):
    source = golden_source(name)
    model_file = ROOT / golden_path(name)
    expected_file = GOLDEN / f"{name}.expected"
    if update_golden:
        model_file.write_text(source)
    assert model_file.read_text() == source, f"{model_file} differs from the row {name!r}"
    rendered = str(caught(model_file.read_text(), golden_path(name))) + "\n"
    if update_golden:
        expected_file.write_text(rendered)
    assert rendered == expected_file.read_text()


def test_golden_files_are_all_listed():
    on_disk = sorted(p.stem for p in GOLDEN.glob("*.ppl"))
    assert on_disk == sorted(GOLDEN_NAMES)
    assert sorted(p.stem for p in GOLDEN.glob("*.expected")) == sorted(GOLDEN_NAMES)


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_cli_check_on_bad_model(name):
    result = subprocess.run([sys.executable, "-m", "ppl.cli", "check", golden_path(name)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr == (GOLDEN / f"{name}.expected").read_text()
