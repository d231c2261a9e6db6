"""Bad data, one row each: a small model, its data, and what must happen (issue #12).

Every row ends in one of:

* ``bad``: binding the data raises ``DataError`` (the values, the shapes, the bounds) with a
  phrase and the line of the statement or declaration to blame;
* ``rejected``: the model itself is refused by the checker (a param declared outside the
  support of what scores it) with a phrase, a line and a hint naming the constraint to declare;
* ``binds``: the data are fine for this model (a branch not taken, a loop that does not run);
* ``density``: the data bind and the compiled log density at ``u`` is the value scipy gives
  (exactly -inf outside a support that only the values can decide, the limit at the edge of a
  probability or a rate, never NaN), its gradient that of finite differences where it is finite.

Rows that share a model share its compilation, so most density rows reuse a handful of models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import scipy.stats as st

import ppl
import ppl.distributions as tfd
from ppl.errors import DataError, ModelError, ModelTypeError


@dataclass(frozen=True)
class Row:
    id: str
    model: str
    data: dict = field(default_factory=dict)
    kind: str = "bad"                      # bad | rejected | binds | density
    phrase: str = ""
    line: int | None = None
    error: type = DataError
    u: tuple = ()
    expected: float | Callable | None = None


def bad(id, model, data, phrase, line):
    return Row(id, model, data, "bad", phrase, line)


def rejected(id, model, phrase, line, hint):
    return Row(id, model, {}, "rejected", phrase + "\n" + hint, line, ModelTypeError)


def binds(id, model, data):
    return Row(id, model, data, "binds")


def density(id, model, data, u, expected):
    return Row(id, model, data, "density", u=tuple(u), expected=expected)


def logit(p):
    return math.log(p) - math.log1p(-p)


# ---- models shared by several rows --------------------------------------------------------

COUNTS = "data N: int\ndata y: int[N]\nparam rate: real<lower=0>\n"
REALS = "data N: int\ndata y: real[N]\nparam s: real<lower=0>\n"
BERNOULLI_EDGE = "data q: real\ndata y: int\ny ~ Bernoulli(probs=q)\n"
BINOMIAL_EDGE = "data n: int\ndata q: real\ndata y: int\ny ~ Binomial(n, probs=q)\n"
NEGBIN_EDGE = "data q: real\ndata y: int\ny ~ NegativeBinomial(3, probs=q)\n"
POISSON_EDGE = "data r: real\ndata N: int\ndata y: int[N]\ny ~ Poisson(r)\n"
BETA_EDGE = "data a: real\ndata b: real\ndata y: real\ny ~ Beta(a, b)\n"
CATEGORICAL_EDGE = "data w: simplex[3]\ndata y: int\ny ~ Categorical(probs=w)\n"
DIRICHLET_EDGE = "data a: real[3]\ndata x: simplex[3]\nx ~ Dirichlet(a)\n"
HALF_CAUCHY_LOC = "param m: real\nparam s: real<lower=0>\nm ~ Normal(0, 1)\ns ~ HalfCauchy(m, 1)\n"
SHIFTED = "data N: int\ndata y: real[N]\nparam m: real\nm ~ Normal(0, 1)\n"
UNIFORM_PARAMS = ("data N: int\ndata y: real[N]\nparam a: real\nparam w: real<lower=0>\n"
                  "a ~ Normal(0, 1)\nw ~ Exponential(1)\ny ~ Uniform(a, a + w)\n")
UNIFORM_BOUND_EXPRESSION = "data c: real\nparam s: real<lower=0, upper=c>\ns ~ Uniform(0, 10)\n"
FILLED = ("data N: int\ndata y: int[N]\nk: int[N]\nfor n in range(N):\n    k[n] = y[n] - 1\n"
          "param rate: real<lower=0>\nk ~ Poisson(rate)\n")
PROBABILITY_PARAM = "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\ny ~ Bernoulli(probs=p)\n"
BINOMIAL_PARAM = "data n: int\ndata y: int\nparam p: real<lower=0, upper=1>\ny ~ Binomial(n, probs=p)\n"
MIXTURE_LOCATIONS = ("data N: int\ndata y: real[N]\nparam w: simplex[2]\n"
                     "y ~ MixtureSameFamily(Categorical(probs=w), HalfCauchy([0.0, 2.0], [1.0, 1.0]))\n")
NORMAL_WITH_TARGET = "data N: int\ndata y: real[N]\nparam r: real<lower=0>\ntarget += Exponential(r).log_prob(y)\n"


def normal_prior(m):
    return st.norm(0, 1).logpdf(m)


ROWS = [
    # ---- every family's support, data outside it: a DataError at the `~` ----------------
    bad("bernoulli-2", "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\ny ~ Bernoulli(probs=p)\n",
        {"N": 4, "y": [1, 0, 0, 2]}, "y ~ Bernoulli(probs=p): y[3] = 2 is outside the support {0, 1}", 4),
    bad("bernoulli-negative", "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\ny ~ Bernoulli(probs=p)\n",
        {"N": 3, "y": [-1, 0, 1]}, "y[0] = -1 is outside the support {0, 1}", 4),
    bad("bernoulli-logits", "data N: int\ndata y: int[N]\nparam a: real\ny ~ Bernoulli(logits=a)\n",
        {"N": 3, "y": [0, 1, 3]}, "y[2] = 3 is outside the support {0, 1}", 4),
    bad("bernoulli-one-based", "data N: int\ndata y: int[N]\nparam a: real\ny ~ Bernoulli(a)\n",
        {"N": 3, "y": [1, 2, 2]}, "y[1] = 2 is outside the support {0, 1}", 4),
    bad("binomial-above-total", "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\ny ~ Binomial(5, p)\n",
        {"N": 3, "y": [5, 6, 0]}, "y[1] = 6 is outside the support {0, 1, ..., 5}", 4),
    bad("binomial-negative", "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\ny ~ Binomial(5, p)\n",
        {"N": 3, "y": [0, -1, 0]}, "y[1] = -1 is outside the support {0, 1, ..., 5}", 4),
    bad("binomial-data-totals", "data N: int\ndata n: int[N]\ndata y: int[N]\nparam p: real<lower=0, upper=1>\n"
        "y ~ Binomial(n, p)\n", {"N": 3, "n": [4, 3, 9], "y": [4, 4, 9]},
        "y[1] = 4 is outside the support {0, 1, ..., n} (n = 3)", 5),
    bad("binomial-logits", "data n: int\ndata y: int\nparam a: real\ny ~ Binomial(n, logits=a)\n",
        {"n": 2, "y": 3}, "y = 3 is outside the support {0, 1, ..., n} (n = 2)", 4),
    bad("binomial-loop-totals", "data N: int\ndata n: int[N]\ndata y: int[N]\nparam p: real<lower=0, upper=1>\n"
        "for i in range(N):\n    y[i] ~ Binomial(n[i], p)\n", {"N": 3, "n": [4, 3, 9], "y": [4, 3, 10]},
        "y[2] = 10 is outside the support {0, 1, ..., n[i]} (n[i] = 9)", 6),
    bad("beta-binomial-above", "data N: int\ndata y: int[N]\nparam a: real<lower=0>\ny ~ BetaBinomial(3, a, a)\n",
        {"N": 2, "y": [3, 4]}, "y[1] = 4 is outside the support {0, 1, ..., 3}", 4),
    bad("beta-binomial-negative", "data N: int\ndata y: int[N]\nparam a: real<lower=0>\ny ~ BetaBinomial(3, a, a)\n",
        {"N": 2, "y": [-2, 1]}, "y[0] = -2 is outside the support {0, 1, ..., 3}", 4),
    bad("poisson-negative", COUNTS + "y ~ Poisson(rate)\n", {"N": 3, "y": [0, 4, -1]},
        "y ~ Poisson(rate): y[2] = -1 is outside the support {0, 1, 2, ...}", 4),
    bad("poisson-log-rate", "data N: int\ndata y: int[N]\nparam a: real\ny ~ Poisson(log_rate=a)\n",
        {"N": 2, "y": [-3, 1]}, "y[0] = -3 is outside the support {0, 1, 2, ...}", 4),
    bad("negative-binomial", COUNTS + "y ~ NegativeBinomial(rate, probs=0.5)\n", {"N": 2, "y": [2, -1]},
        "y[1] = -1 is outside the support {0, 1, 2, ...}", 4),
    bad("negative-binomial-logits", COUNTS + "y ~ NegativeBinomial(rate, logits=0.0)\n", {"N": 2, "y": [-5, 1]},
        "y[0] = -5 is outside the support {0, 1, 2, ...}", 4),
    bad("categorical-K", "data y: int\nparam eta: real[3]\ny ~ Categorical(logits=eta)\n", {"y": 3},
        "y ~ Categorical(logits=eta): y = 3 is outside the support {0, 1, 2} (3 categories)", 3),
    bad("categorical-negative", "data N: int\ndata y: int[N]\nparam eta: real[3]\ny ~ Categorical(logits=eta)\n",
        {"N": 2, "y": [0, -1]}, "y[1] = -1 is outside the support {0, 1, 2}", 4),
    bad("categorical-data-size", "data K: int\ndata N: int\ndata y: int[N]\nparam eta: real[K]\n"
        "y ~ Categorical(logits=eta)\n", {"K": 4, "N": 3, "y": [1, 4, 0]},
        "y[1] = 4 is outside the support {0, 1, ..., 3} (4 categories)", 5),
    bad("categorical-probs", "data N: int\ndata y: int[N]\nparam w: simplex[2]\ny ~ Categorical(probs=w)\n",
        {"N": 2, "y": [2, 1]}, "y[0] = 2 is outside the support {0, 1} (2 categories)", 4),
    bad("categorical-one-based", "data N: int\ndata y: int<lower=1, upper=3>[N]\nparam eta: real[3]\n"
        "y ~ Categorical(logits=eta)\n", {"N": 3, "y": [1, 2, 3]}, "numbered from 0", 4),
    bad("exponential-negative", "data N: int\ndata y: real[N]\nparam r: real<lower=0>\ny ~ Exponential(r)\n",
        {"N": 2, "y": [1.0, -1.0]}, "y ~ Exponential(r): y[1] = -1 is outside the support x >= 0", 4),
    bad("half-normal-negative", REALS + "y ~ HalfNormal(s)\n", {"N": 2, "y": [-0.5, 1.0]},
        "y[0] = -0.5 is outside the support x >= 0", 4),
    bad("gamma-zero", REALS + "y ~ Gamma(2, s)\n", {"N": 2, "y": [1.0, 0.0]},
        "y[1] = 0 is outside the support x > 0", 4),
    bad("gamma-negative", REALS + "y ~ Gamma(2, s)\n", {"N": 2, "y": [-1.0, 1.0]},
        "y[0] = -1 is outside the support x > 0", 4),
    bad("inverse-gamma-zero", REALS + "y ~ InverseGamma(2, s)\n", {"N": 1, "y": [0.0]},
        "y[0] = 0 is outside the support x > 0", 4),
    bad("log-normal-zero", REALS + "y ~ LogNormal(0, s)\n", {"N": 3, "y": [1.0, 2.0, 0.0]},
        "y[2] = 0 is outside the support x > 0", 4),
    bad("log-normal-negative", REALS + "y ~ LogNormal(0, s)\n", {"N": 1, "y": [-2.5]},
        "y[0] = -2.5 is outside the support x > 0", 4),
    bad("weibull-negative", REALS + "y ~ Weibull(2, s)\n", {"N": 2, "y": [0.0, -0.1]},
        "y[1] = -0.1 is outside the support x >= 0", 4),
    bad("chi2-negative", REALS + "y ~ Chi2(s)\n", {"N": 2, "y": [-3.0, 0.0]},
        "y[0] = -3 is outside the support x >= 0", 4),
    bad("beta-above-one", REALS + "y ~ Beta(s, 2)\n", {"N": 2, "y": [0.5, 1.5]},
        "y[1] = 1.5 is outside the support 0 <= x <= 1", 4),
    bad("beta-negative", REALS + "y ~ Beta(2, s)\n", {"N": 2, "y": [-0.1, 0.5]},
        "y[0] = -0.1 is outside the support 0 <= x <= 1", 4),
    bad("half-cauchy-constant-loc", REALS + "y ~ HalfCauchy(2, s)\n", {"N": 2, "y": [2.0, 1.5]},
        "y ~ HalfCauchy(2, s): y[1] = 1.5 is outside the support x >= 2", 4),
    bad("half-cauchy-data-loc", "data N: int\ndata m: real\ndata y: real[N]\nparam s: real<lower=0>\n"
        "y ~ HalfCauchy(m, s)\n", {"N": 2, "m": 1.0, "y": [3.0, 0.5]},
        "y[1] = 0.5 is outside the support x >= m (m = 1)", 5),
    bad("half-student-t-loc", REALS + "y ~ HalfStudentT(3, 1, s)\n", {"N": 2, "y": [0.0, 4.0]},
        "y[0] = 0 is outside the support x >= 1", 4),
    bad("uniform-at-high", "data N: int\ndata y: real[N]\nparam m: real\ny ~ Uniform(0, 1)\nm ~ Normal(0, 1)\n",
        {"N": 2, "y": [0.0, 1.0]}, "y[1] = 1 is outside the support 0 <= x < 1", 4),
    bad("uniform-below", "data N: int\ndata y: real[N]\nparam m: real\ny ~ Uniform(-1, 1)\nm ~ Normal(0, 1)\n",
        {"N": 2, "y": [-1.5, 0.0]}, "y[0] = -1.5 is outside the support -1 <= x < 1", 4),
    bad("uniform-data-bounds", "data N: int\ndata lo: real[N]\ndata hi: real[N]\ndata y: real[N]\nparam m: real\n"
        "y ~ Uniform(lo, hi)\nm ~ Normal(0, 1)\n", {"N": 2, "lo": [0.0, 1.0], "hi": [1.0, 2.0], "y": [0.5, 0.5]},
        "y[1] = 0.5 is outside the support lo <= x < hi (lo = 1, hi = 2)", 6),
    bad("dirichlet-not-summing", "data N: int\ndata Y: real[N, 3]\nparam a: real<lower=0>\n"
        "Y ~ Dirichlet([a, a, a])\n", {"N": 2, "Y": [[0.2, 0.3, 0.5], [0.2, 0.3, 0.6]]},
        "Y[1] = [0.2, 0.3, 0.6] is outside the support K non-negative reals summing to 1", 4),
    bad("dirichlet-negative-entry", "data Y: real[3]\nparam a: real<lower=0>\nY ~ Dirichlet([a, a, a])\n",
        {"Y": [1.2, -0.2, 0.0]}, "Y = [1.2, -0.2, 0] is outside the support K non-negative reals summing to 1", 3),
    bad("lkj-not-correlation", "data R: real[2, 2]\nparam eta: real<lower=0>\nR ~ LKJ(2, eta)\n",
        {"R": [[1.0, 0.5], [0.4, 1.0]]}, "R ~ LKJ(2, eta): R = [[1, 0.5], [0.4, 1]] is outside the support", 3),
    bad("lkj-unit-diagonal", "data R: real[2, 2]\nparam eta: real<lower=0>\nR ~ LKJ(2, eta)\n",
        {"R": [[2.0, 0.5], [0.5, 1.0]]}, "K x K correlation matrix", 3),
    bad("lkj-cholesky-upper", "data L: real[2, 2]\nparam eta: real<lower=0>\nL ~ LKJCholesky(2, eta)\n",
        {"L": [[1.0, 0.1], [0.0, 1.0]]}, "Cholesky factor of a K x K correlation matrix", 3),
    bad("lkj-cholesky-rows", "data L: real[2, 2]\nparam eta: real<lower=0>\nL ~ LKJCholesky(2, eta)\n",
        {"L": [[1.0, 0.0], [0.5, 0.5]]}, "Cholesky factor of a K x K correlation matrix", 3),
    bad("multinomial-total", "data y: int[3]\nparam w: simplex[3]\ny ~ Multinomial(5, probs=w)\n",
        {"y": [1, 2, 3]}, "y = [1, 2, 3] is outside the support K non-negative integers summing to total_count", 3),
    bad("multinomial-negative", "data y: int[3]\nparam w: simplex[3]\ny ~ Multinomial(5, probs=w)\n",
        {"y": [6, -1, 0]}, "is outside the support K non-negative integers summing to total_count", 3),
    bad("mixture-components", "data N: int\ndata y: real[N]\nparam w: simplex[2]\nparam r: real<lower=0>[2]\n"
        "y ~ MixtureSameFamily(Categorical(probs=w), Exponential(r))\n", {"N": 2, "y": [1.0, -2.0]},
        "y[1] = -2 is outside the support x >= 0", 5),

    # ---- where the values are: loops, slices, elements, transformed data, branches ----------
    bad("loop-element", COUNTS + "for n in range(N):\n    y[n] ~ Poisson(rate)\n", {"N": 4, "y": [0, 1, -1, 2]},
        "y[n] ~ Poisson(rate): y[2] = -1 is outside the support {0, 1, 2, ...}", 5),
    bad("loop-from-one", COUNTS + "for n in range(1, N):\n    y[n] ~ Poisson(rate)\n", {"N": 3, "y": [5, 1, -2]},
        "y[2] = -2 is outside", 5),
    bad("loop-step", COUNTS + "for n in range(0, N, 2):\n    y[n] ~ Poisson(rate)\n", {"N": 5, "y": [0, -9, 1, -9, -3]},
        "y[4] = -3 is outside", 5),
    binds("loop-step-skips", COUNTS + "for n in range(0, N, 2):\n    y[n] ~ Poisson(rate)\n",
          {"N": 4, "y": [0, -9, 1, -9]}),
    bad("loop-previous", COUNTS + "for n in range(1, N):\n    y[n - 1] ~ Poisson(rate)\n", {"N": 3, "y": [0, -1, 2]},
        "y[1] = -1 is outside", 5),
    bad("nested-loops", "data I: int\ndata J: int\ndata Y: int[I, J]\nparam p: real<lower=0, upper=1>\n"
        "for i in range(I):\n    for j in range(J):\n        Y[i, j] ~ Bernoulli(probs=p)\n",
        {"I": 2, "J": 3, "Y": [[0, 1, 1], [1, 0, 3]]}, "Y[i, j] ~ Bernoulli(probs=p): Y[1, 2] = 3 is outside", 7),
    bad("loop-row", "data I: int\ndata Y: int[I, 2]\nparam p: real<lower=0, upper=1>\nfor i in range(I):\n"
        "    Y[i] ~ Bernoulli(probs=p)\n", {"I": 2, "Y": [[0, 1], [2, 0]]}, "Y[1, 0] = 2 is outside", 5),
    bad("loop-column", "data I: int\ndata Y: int[2, I]\nparam p: real<lower=0, upper=1>\nfor i in range(I):\n"
        "    Y[:, i] ~ Bernoulli(probs=p)\n", {"I": 2, "Y": [[0, 1], [1, 5]]}, "Y[1, 1] = 5 is outside", 5),
    bad("loop-local", COUNTS + "for n in range(N):\n    k = y[n] - 1\n    k ~ Poisson(rate)\n",
        {"N": 3, "y": [1, 0, 2]}, "k ~ Poisson(rate): k = -1 is outside the support {0, 1, 2, ...}, where n = 1", 6),
    bad("loop-gather", "data N: int\ndata g: int[N]\ndata y: int[N]\nparam eta: real[2, 3]\nfor n in range(N):\n"
        "    y[n] ~ Categorical(logits=eta[g[n]])\n", {"N": 2, "g": [0, 1], "y": [2, 3]},
        "y[1] = 3 is outside the support {0, 1, 2}", 6),
    bad("slice-tail", COUNTS + "y[1:] ~ Poisson(rate)\n", {"N": 3, "y": [1, 0, -1]},
        "y[1:] ~ Poisson(rate): y[2] = -1 is outside", 4),
    binds("slice-skips-the-bad-head", COUNTS + "y[1:] ~ Poisson(rate)\n", {"N": 3, "y": [-1, 0, 1]}),
    bad("slice-step", COUNTS + "y[::2] ~ Poisson(rate)\n", {"N": 5, "y": [1, -1, 0, -1, -4]}, "y[4] = -4 is outside", 4),
    bad("single-element", COUNTS + "y[2] ~ Poisson(rate)\n", {"N": 3, "y": [-1, -1, -7]}, "y[2] = -7 is outside", 4),
    bad("negative-index", COUNTS + "y[-1] ~ Poisson(rate)\n", {"N": 3, "y": [0, 0, -1]}, "y[-1] = -1 is outside", 4),
    bad("gathered", "data N: int\ndata idx: int[2]\ndata y: int[N]\nparam rate: real<lower=0>\ny[idx] ~ Poisson(rate)\n",
        {"N": 3, "idx": [0, 2], "y": [0, 0, -1]}, "(y[idx])[1] = -1 is outside", 5),
    bad("transformed-data", COUNTS + "z = y - 1\nz ~ Poisson(rate)\n", {"N": 3, "y": [1, 0, 2]},
        "z ~ Poisson(rate): z[1] = -1 is outside the support {0, 1, 2, ...}", 5),
    bad("expression-value", COUNTS + "(y - 1) ~ Poisson(rate)\n", {"N": 3, "y": [1, 1, 0]},
        "(y - 1)[2] = -1 is outside", 4),
    bad("transformed-real", "data N: int\ndata x: real[N]\nparam s: real<lower=0>\nz = x - 2\nz ~ Exponential(s)\n",
        {"N": 2, "x": [3.0, 1.0]}, "z[1] = -1 is outside the support x >= 0", 5),
    bad("branch-taken", COUNTS + "data flag: int\nif flag == 1:\n    y ~ Poisson(rate)\n",
        {"N": 2, "y": [0, -1], "flag": 1}, "y[1] = -1 is outside", 6),
    binds("branch-not-taken", COUNTS + "data flag: int\nif flag == 1:\n    y ~ Poisson(rate)\n",
          {"N": 2, "y": [0, -1], "flag": 0}),
    bad("else-branch", COUNTS + "data flag: int\nif flag == 1:\n    rate ~ Exponential(1)\nelse:\n"
        "    y ~ Poisson(rate)\n", {"N": 2, "y": [0, -1], "flag": 0}, "y[1] = -1 is outside", 8),
    binds("loop-does-not-run", COUNTS + "for n in range(N, N):\n    y[n] ~ Poisson(rate)\n", {"N": 2, "y": [-1, -1]}),
    bad("matrix-whole", "data Y: int[2, 2]\nparam p: real<lower=0, upper=1>\nY ~ Bernoulli(probs=p)\n",
        {"Y": [[0, 1], [4, 1]]}, "Y[1, 0] = 4 is outside", 3),
    bad("broadcast-total", "data y: int[3]\ndata n: int\nparam p: real<lower=0, upper=1>\ny ~ Binomial(n, p)\n",
        {"y": [0, 1, 3], "n": 2}, "y[2] = 3 is outside the support {0, 1, ..., n} (n = 2)", 4),
    bad("mixture-in-loop", "data N: int\ndata y: real[N]\nparam w: simplex[2]\nparam s: real<lower=0>[2]\n"
        "for n in range(N):\n    y[n] ~ MixtureSameFamily(Categorical(probs=w), HalfNormal(s))\n",
        {"N": 2, "y": [0.5, -0.5]}, "y[1] = -0.5 is outside the support x >= 0", 6),

    # ---- arguments known from data, against their parameters' domains ----------------------
    bad("probs-above-one", "data N: int\ndata y: int[N]\ndata q: real[N]\ny ~ Bernoulli(probs=q)\n",
        {"N": 3, "y": [0, 1, 1], "q": [0.5, 1.5, 0.2]},
        "y ~ Bernoulli(probs=q): probs = q[1] = 1.5 is outside its domain 0 <= x <= 1", 4),
    bad("probs-in-loop", "data N: int\ndata y: int[N]\ndata q: real[N]\nfor n in range(N):\n"
        "    y[n] ~ Bernoulli(probs=q[n])\n", {"N": 2, "y": [0, 1], "q": [-0.5, 0.5]},
        "probs = q[0] = -0.5 is outside its domain 0 <= x <= 1", 5),
    bad("scale-zero", "data N: int\ndata y: real[N]\ndata s: real[N]\nparam mu: real\ny ~ Normal(mu, s)\n",
        {"N": 2, "y": [0.0, 1.0], "s": [1.0, 0.0]}, "scale = s[1] = 0 is outside its domain x > 0", 5),
    bad("scale-negative-transformed", "data N: int\ndata y: real[N]\nparam mu: real\ns = y - 1\nmu ~ Normal(0, s[0])\n",
        {"N": 2, "y": [0.5, 3.0]}, "scale = s[0] = -0.5 is outside its domain x > 0", 5),
    bad("rate-negative", "data N: int\ndata y: int[N]\ndata r: real\ny ~ Poisson(r)\n", {"N": 1, "y": [0], "r": -1.0},
        "rate = r = -1 is outside its domain x >= 0", 4),
    bad("total-count-negative", "data y: int\ndata n: int\nparam p: real<lower=0, upper=1>\ny ~ Binomial(n, p)\n",
        {"y": 0, "n": -2}, "total_count = n = -2 is outside its domain {0, 1, 2, ...}", 4),
    bad("concentration-zero", "data x: simplex[2]\ndata a: real[2]\nx ~ Dirichlet(a)\n",
        {"x": [0.5, 0.5], "a": [1.0, 0.0]}, "concentration = a[1] = 0 is outside its domain x > 0", 3),
    bad("probs-not-simplex", "data y: int\ndata w: real[3]\ny ~ Categorical(probs=w)\n",
        {"y": 0, "w": [0.2, 0.2, 0.2]}, "probs = w = [0.2, 0.2, 0.2] is outside its domain K non-negative reals", 3),
    bad("covariance-not-positive-definite", "data y: real[2]\ndata C: real[2, 2]\nparam mu: real[2]\n"
        "y ~ MultivariateNormalFullCovariance(mu, C)\n", {"y": [0.0, 0.0], "C": [[1.0, 2.0], [2.0, 1.0]]},
        "covariance_matrix = C = [[1, 2], [2, 1]] is outside its domain K x K symmetric positive-definite", 4),
    bad("scale-tril-diagonal", "data y: real[2]\ndata L: real[2, 2]\nparam mu: real[2]\n"
        "y ~ MultivariateNormalTriL(mu, L)\n", {"y": [0.0, 0.0], "L": [[1.0, 0.0], [0.3, -1.0]]},
        "scale_tril = L", 4),

    # ---- ints given as reals and reals as ints -------------------------------------------------
    bad("int-given-fraction", COUNTS + "y ~ Poisson(rate)\n", {"N": 2, "y": [1, 2.5]},
        "data 'y' is declared int but holds a non-integer at [1]", 2),
    bad("size-given-fraction", COUNTS + "y ~ Poisson(rate)\n", {"N": 2.5, "y": [1, 2]},
        "data 'N' is declared int but holds a non-integer", 1),
    bad("integral-floats-then-support", "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\n"
        "y ~ Bernoulli(probs=p)\n", {"N": 2, "y": [0.0, 2.0]}, "y[1] = 2 is outside the support {0, 1}", 4),
    binds("integral-floats-accepted", COUNTS + "y ~ Poisson(rate)\n", {"N": 2.0, "y": np.array([0.0, 3.0])}),
    bad("int-data-continuous-support", "data N: int\ndata y: int[N]\nparam r: real<lower=0>\ny ~ Exponential(r)\n",
        {"N": 2, "y": [1, -1]}, "y[1] = -1 is outside the support x >= 0", 4),
    Row("real-data-count-family", "data N: int\ndata y: real[N]\nparam rate: real<lower=0>\ny ~ Poisson(rate)\n",
        kind="rejected", phrase="Poisson is a distribution over integers, but y is real", line=4,
        error=ModelTypeError),
    Row("real-transformed-count-family", "data N: int\ndata y: int[N]\nparam p: real<lower=0, upper=1>\n"
        "z = y / 2\nz ~ Bernoulli(probs=p)\n", kind="rejected",
        phrase="Bernoulli is a distribution over integers, but z is real", line=5, error=ModelTypeError),
    Row("real-total-count", "data n: real\ndata y: int\nparam p: real<lower=0, upper=1>\ny ~ Binomial(n, p)\n",
        kind="rejected", phrase="Binomial's 'total_count' must be an integer", line=4, error=ModelTypeError),
    bad("int-given-nan", COUNTS + "y ~ Poisson(rate)\n", {"N": 2, "y": [1, float("nan")]},
        "data 'y' is declared int but holds a non-finite value at [1]", 2),
    bad("string-data", COUNTS + "y ~ Poisson(rate)\n", {"N": 2, "y": ["1", "2"]}, "data 'y' is not numeric", 2),

    # ---- shapes ---------------------------------------------------------------------------------
    bad("vector-too-long", COUNTS + "y ~ Poisson(rate)\n", {"N": 2, "y": [1, 2, 3]}, "data 'y' has the wrong shape", 2),
    bad("scalar-for-vector", COUNTS + "y ~ Poisson(rate)\n", {"N": 1, "y": 3}, "data 'y' has the wrong shape", 2),
    bad("matrix-for-vector", COUNTS + "y ~ Poisson(rate)\n", {"N": 2, "y": [[1, 2]]}, "data 'y' has the wrong shape", 2),
    bad("ragged", "data N: int\ndata Y: int[N, 2]\nparam p: real<lower=0, upper=1>\nY ~ Bernoulli(probs=p)\n",
        {"N": 2, "Y": [[0, 1], [1]]}, "data 'Y' is not a rectangular array", 2),
    bad("sizes-differ", "data K: int\ndata y: real[K]\nparam mu: real[2]\ny ~ MultivariateNormalDiag(mu, [1.0, 1.0])\n",
        {"K": 3, "y": [0.0, 0.0, 0.0]}, "has size K = 3", 4),
    bad("missing", COUNTS + "y ~ Poisson(rate)\n", {"N": 2}, "missing data 'y'", 2),
    bad("missing-size", COUNTS + "y ~ Poisson(rate)\n", {"y": [1, 2]}, "missing data 'N'", 1),

    # ---- declared bounds --------------------------------------------------------------------------
    bad("below-declared-lower", "data N: int\ndata y: int<lower=0>[N]\nparam rate: real<lower=0>\ny ~ Poisson(rate)\n",
        {"N": 2, "y": [0, -1]}, "data 'y' is out of bounds at [1]", 2),
    bad("above-declared-expression", "data K: int\ndata N: int\ndata y: int<lower=0, upper=K - 1>[N]\n"
        "param eta: real[K]\ny ~ Categorical(logits=eta)\n", {"K": 3, "N": 2, "y": [0, 3]},
        "data 'y' is out of bounds at [1]", 3),
    bad("vector-bound-of-another-size", "data K: int\ndata N: int\ndata y: int<lower=0, upper=[K, K] - 1>[N]\n"
        "param mu: real\nmu ~ Normal(0, 1)\n", {"K": 3, "N": 5, "y": [0, 1, 2, 0, 1]},
        "the upper bound of 'y' does not fit its shape", 3),
    binds("vector-bound-of-the-same-size", "data K: int\ndata N: int\ndata y: int<lower=0, upper=[K, K] - 1>[N]\n"
          "param mu: real\nmu ~ Normal(0, 1)\n", {"K": 3, "N": 2, "y": [2, 1]}),
    bad("declared-bounds-wider-than-support", "data N: int\ndata y: int<lower=-5>[N]\nparam rate: real<lower=0>\n"
        "y ~ Poisson(rate)\n", {"N": 2, "y": [0, -1]}, "y[1] = -1 is outside the support", 4),
    bad("negative-size", COUNTS + "y ~ Poisson(rate)\n", {"N": -1, "y": []}, "data 'y' has the wrong shape", 2),

    # ---- NaN and inf, given or computed -------------------------------------------------------------
    bad("nan-real", REALS + "y ~ Exponential(s)\n", {"N": 2, "y": [1.0, float("nan")]}, "data 'y' is not finite at [1]", 2),
    bad("inf-real", REALS + "y ~ Exponential(s)\n", {"N": 2, "y": [float("inf"), 1.0]}, "data 'y' is not finite at [0]", 2),
    bad("minus-inf-scalar", "data x: real\nparam mu: real\nx ~ Normal(mu, 1)\n", {"x": float("-inf")},
        "data 'x' is not finite", 1),
    bad("log-of-zero", "data N: int\ndata y: real[N]\nparam mu: real\nz = log(y)\nz ~ Normal(mu, 1)\n",
        {"N": 3, "y": [1.0, 0.0, 2.0]}, "z ~ Normal(mu, 1): z[1] = -inf is outside the support finite reals", 5),
    bad("nan-computed", "data N: int\ndata y: real[N]\nparam r: real<lower=0>\nz = y / y\nz ~ Exponential(r)\n",
        {"N": 2, "y": [1.0, 0.0]}, "z[1] = nan is outside the support x >= 0", 5),
    bad("overflow-computed", "data x: real\nparam mu: real\nz = exp(x)\nz ~ Normal(mu, 1)\n", {"x": 1000.0},
        "z = inf is outside the support finite reals", 4),
    bad("log-in-expression", "data N: int\ndata y: real[N]\nparam mu: real\nlog(y) ~ Normal(mu, 1)\n",
        {"N": 2, "y": [-1.0, 1.0]}, "(log(y))[0] = nan is outside the support finite reals", 4),

    # ---- params against supports: the checker ---------------------------------------------------------
    rejected("half-cauchy-lower-minus-one", "param s: real<lower=-1>\ns ~ HalfCauchy(0, 5)\n",
             "param 's' is declared with values outside the support of HalfCauchy (x >= 0)", 2,
             "declare `param s: real<lower=0>`"),
    rejected("uniform-unbounded-above", "param s: real<lower=0>\ns ~ Uniform(0, 10)\n",
             "param 's' is declared with values outside the support of Uniform (0 <= x < 10)", 2,
             "declare `param s: real<lower=0, upper=10>`"),
    rejected("half-cauchy-location", "param s: real<lower=0>\ns ~ HalfCauchy(1, 5)\n",
             "outside the support of HalfCauchy (x >= 1)", 2, "declare `param s: real<lower=1>`"),
    rejected("half-normal-unconstrained", "param s: real\ns ~ HalfNormal(1)\n",
             "param 's' is unconstrained, but HalfNormal has support x >= 0", 2, "declare `param s: real<lower=0>`"),
    rejected("exponential-below", "param s: real<lower=-2>\ns ~ Exponential(1)\n",
             "outside the support of Exponential (x >= 0)", 2, "declare `param s: real<lower=0>`"),
    rejected("beta-unbounded", "param p: real<lower=0>\np ~ Beta(2, 2)\n", "outside the support of Beta (0 <= x <= 1)", 2,
             "declare `param p: real<lower=0, upper=1>`"),
    rejected("beta-too-wide", "param p: real<lower=0, upper=2>\np ~ Beta(2, 2)\n", "outside the support of Beta", 2,
             "declare `param p: real<lower=0, upper=1>`"),
    rejected("gamma-upper", "param s: real<upper=0>\ns ~ Gamma(2, 2)\n", "outside the support of Gamma (x > 0)", 2,
             "declare `param s: real<lower=0>`"),
    rejected("uniform-data-bounds-unconstrained", "data a: real\ndata b: real\nparam s: real\ns ~ Uniform(a, b)\n",
             "param 's' is unconstrained, but Uniform has support a <= x < b", 4,
             "declare `param s: real<lower=a, upper=b>`"),
    rejected("element-of-unconstrained", "data K: int\nparam s: real[K]\nfor k in range(K):\n    s[k] ~ HalfNormal(1)\n",
             "param 's' is unconstrained, but HalfNormal has support x >= 0", 4, "declare `param s: real<lower=0>[K]`"),
    rejected("dirichlet-on-reals", "param x: real[3]\nx ~ Dirichlet([1.0, 1.0, 1.0])\n",
             "Dirichlet is a distribution over simplex values, but param 'x' is declared real", 2,
             "declare `param x: simplex[...]`"),
    rejected("lkj-on-cov", "param R: cov[3]\nR ~ LKJ(3, 2)\n",
             "LKJ is a distribution over corr values, but param 'R' is declared cov", 2, "declare `param R: corr[...]`"),
    rejected("mixture-components-support", "param w: simplex[2]\nparam s: real<lower=-1>\n"
             "s ~ MixtureSameFamily(Categorical(probs=w), HalfNormal([1.0, 2.0]))\n",
             "outside the support of the mixture's HalfNormal components (x >= 0)", 3, "declare `param s: real<lower=0>`"),
    rejected("probs-literal-above-one", "data y: int\ny ~ Bernoulli(probs=1.5)\n",
             "Bernoulli's 'probs' must be between 0 and 1", 2, "give Bernoulli a probs that is between 0 and 1"),
    rejected("rate-literal-negative", "data y: int\ny ~ Poisson(-2)\n", "Poisson's 'rate' must be non-negative", 2,
             "give Poisson a rate"),
    binds("probs-literal-one", "data y: int\ny ~ Bernoulli(probs=1)\n", {"y": 1}),
    binds("half-cauchy-inside-location", "param s: real<lower=2>\ns ~ HalfCauchy(1, 5)\n", {}),
    binds("uniform-same-bounds", "data a: real\ndata b: real\nparam s: real<lower=a, upper=b>\ns ~ Uniform(a, b)\n",
          {"a": 0.0, "b": 2.0}),
    binds("simplex-on-beta", "param w: simplex[3]\nw ~ Beta(1, 1)\n", {}),

    # ---- the edges of probabilities and rates: Stan's limit, never NaN ----------------------------------
    density("bernoulli-p1-y1", BERNOULLI_EDGE, {"q": 1.0, "y": 1}, [], 0.0),
    density("bernoulli-p1-y0", BERNOULLI_EDGE, {"q": 1.0, "y": 0}, [], -math.inf),
    density("bernoulli-p0-y0", BERNOULLI_EDGE, {"q": 0.0, "y": 0}, [], 0.0),
    density("bernoulli-p0-y1", BERNOULLI_EDGE, {"q": 0.0, "y": 1}, [], -math.inf),
    density("bernoulli-inside", BERNOULLI_EDGE, {"q": 0.3, "y": 1}, [], lambda: st.bernoulli(0.3).logpmf(1)),
    density("bernoulli-param-at-one", PROBABILITY_PARAM, {"N": 3, "y": [1, 1, 1]}, [40.0],
            lambda: -40.0 - 2 * math.log1p(math.exp(-40.0))),
    density("bernoulli-param-at-zero", PROBABILITY_PARAM, {"N": 2, "y": [0, 0]}, [-40.0],
            lambda: -40.0 - 2 * math.log1p(math.exp(-40.0)) + 2 * math.log1p(-1 / (1 + math.exp(40.0)))),
    density("binomial-p1-all", BINOMIAL_EDGE, {"n": 5, "q": 1.0, "y": 5}, [], 0.0),
    density("binomial-p1-fewer", BINOMIAL_EDGE, {"n": 5, "q": 1.0, "y": 4}, [], -math.inf),
    density("binomial-p0-none", BINOMIAL_EDGE, {"n": 5, "q": 0.0, "y": 0}, [], 0.0),
    density("binomial-p0-some", BINOMIAL_EDGE, {"n": 5, "q": 0.0, "y": 2}, [], -math.inf),
    density("binomial-no-trials", BINOMIAL_EDGE, {"n": 0, "q": 0.7, "y": 0}, [], 0.0),
    density("binomial-inside", BINOMIAL_EDGE, {"n": 7, "q": 0.25, "y": 3}, [], lambda: st.binom(7, 0.25).logpmf(3)),
    density("binomial-param-at-one", BINOMIAL_PARAM, {"n": 4, "y": 4}, [40.0],
            lambda: -40.0 - 2 * math.log1p(math.exp(-40.0))),
    density("negative-binomial-p0-y0", NEGBIN_EDGE, {"q": 0.0, "y": 0}, [], 0.0),
    density("negative-binomial-p0-y2", NEGBIN_EDGE, {"q": 0.0, "y": 2}, [], -math.inf),
    density("negative-binomial-p1", NEGBIN_EDGE, {"q": 1.0, "y": 2}, [], -math.inf),
    density("negative-binomial-inside", NEGBIN_EDGE, {"q": 0.4, "y": 2}, [], lambda: st.nbinom(3, 0.6).logpmf(2)),
    density("poisson-rate0-y0", POISSON_EDGE, {"r": 0.0, "N": 3, "y": [0, 0, 0]}, [], 0.0),
    density("poisson-rate0-y1", POISSON_EDGE, {"r": 0.0, "N": 2, "y": [0, 1]}, [], -math.inf),
    density("poisson-inside", POISSON_EDGE, {"r": 2.5, "N": 2, "y": [0, 4]}, [],
            lambda: st.poisson(2.5).logpmf([0, 4]).sum()),
    density("beta-1-1-at-0", BETA_EDGE, {"a": 1.0, "b": 1.0, "y": 0.0}, [], lambda: st.beta(1, 1).logpdf(0.0)),
    density("beta-1-2-at-0", BETA_EDGE, {"a": 1.0, "b": 2.0, "y": 0.0}, [], lambda: st.beta(1, 2).logpdf(0.0)),
    density("beta-2-2-at-0", BETA_EDGE, {"a": 2.0, "b": 2.0, "y": 0.0}, [], -math.inf),
    density("beta-2-1-at-1", BETA_EDGE, {"a": 2.0, "b": 1.0, "y": 1.0}, [], lambda: st.beta(2, 1).logpdf(1.0)),
    density("beta-half-at-0", BETA_EDGE, {"a": 0.5, "b": 0.5, "y": 0.0}, [], math.inf),
    density("beta-inside", BETA_EDGE, {"a": 2.5, "b": 0.7, "y": 0.3}, [], lambda: st.beta(2.5, 0.7).logpdf(0.3)),
    density("categorical-zero-probability-hit", CATEGORICAL_EDGE, {"w": [0.5, 0.0, 0.5], "y": 1}, [], -math.inf),
    density("categorical-zero-probability-elsewhere", CATEGORICAL_EDGE, {"w": [0.5, 0.0, 0.5], "y": 2}, [],
            math.log(0.5)),
    density("categorical-certain", CATEGORICAL_EDGE, {"w": [0.0, 1.0, 0.0], "y": 1}, [], 0.0),
    density("dirichlet-zero-entry-flat", DIRICHLET_EDGE, {"a": [1.0, 2.0, 3.0], "x": [0.0, 0.5, 0.5]}, [],
            lambda: math.lgamma(6.0) - math.lgamma(2.0) - math.lgamma(3.0) + 3 * math.log(0.5)),
    density("dirichlet-zero-entry", DIRICHLET_EDGE, {"a": [2.0, 2.0, 3.0], "x": [0.0, 0.5, 0.5]}, [], -math.inf),
    density("dirichlet-inside", DIRICHLET_EDGE, {"a": [2.0, 2.0, 3.0], "x": [0.2, 0.3, 0.5]}, [],
            lambda: st.dirichlet([2.0, 2.0, 3.0]).logpdf([0.2, 0.3, 0.5])),
    density("exponential-at-zero", "data N: int\ndata y: real[N]\ndata r: real\ny ~ Exponential(r)\n",
            {"N": 2, "y": [0.0, 1.0], "r": 2.0}, [], lambda: st.expon(scale=0.5).logpdf([0.0, 1.0]).sum()),
    density("uniform-at-low", "data y: real\ny ~ Uniform(-1, 1)\n", {"y": -1.0}, [], math.log(0.5)),

    # ---- supports that only the values decide: -inf in the compiled log density -----------------------
    density("half-cauchy-below-loc", HALF_CAUCHY_LOC, {}, [2.0, 0.0], -math.inf),
    density("half-cauchy-above-loc", HALF_CAUCHY_LOC, {}, [-1.0, 0.5],
            lambda: normal_prior(-1.0) + st.halfcauchy(-1.0, 1).logpdf(math.exp(0.5)) + 0.5),
    density("half-normal-shifted-below", SHIFTED + "(y - m) ~ HalfNormal(1)\n", {"N": 2, "y": [1.0, 3.0]}, [1.5],
            -math.inf),
    density("half-normal-shifted-inside", SHIFTED + "(y - m) ~ HalfNormal(1)\n", {"N": 2, "y": [1.0, 3.0]}, [0.5],
            lambda: normal_prior(0.5) + st.halfnorm().logpdf([0.5, 2.5]).sum()),
    density("exponential-shifted-below", SHIFTED + "(y - m) ~ Exponential(2)\n", {"N": 2, "y": [1.0, 2.0]}, [1.5],
            -math.inf),
    density("exponential-shifted-inside", SHIFTED + "(y - m) ~ Exponential(2)\n", {"N": 2, "y": [1.0, 2.0]}, [-0.5],
            lambda: normal_prior(-0.5) + st.expon(scale=0.5).logpdf([1.5, 2.5]).sum()),
    density("gamma-shifted-below", SHIFTED + "(y - m) ~ Gamma(2, 1)\n", {"N": 1, "y": [1.0]}, [2.0], -math.inf),
    density("log-normal-shifted-below", SHIFTED + "(y - m) ~ LogNormal(0, 1)\n", {"N": 1, "y": [1.0]}, [3.0],
            -math.inf),
    density("log-normal-shifted-inside", SHIFTED + "(y - m) ~ LogNormal(0, 1)\n", {"N": 1, "y": [1.0]}, [0.25],
            lambda: normal_prior(0.25) + st.lognorm(1).logpdf(0.75)),
    density("beta-scaled-outside", SHIFTED + "(y * m) ~ Beta(2, 2)\n", {"N": 1, "y": [0.5]}, [3.0], -math.inf),
    density("beta-scaled-inside", SHIFTED + "(y * m) ~ Beta(2, 2)\n", {"N": 1, "y": [0.5]}, [0.5],
            lambda: normal_prior(0.5) + st.beta(2, 2).logpdf(0.25)),
    density("half-student-t-loc-param", SHIFTED + "y ~ HalfStudentT(3, m, 1)\n", {"N": 2, "y": [1.0, 2.0]}, [1.5],
            -math.inf),
    density("uniform-params-outside", UNIFORM_PARAMS, {"N": 2, "y": [0.5, 2.0]}, [0.0, 0.0], -math.inf),
    density("uniform-params-inside", UNIFORM_PARAMS, {"N": 2, "y": [0.5, 2.0]}, [0.0, math.log(3.0)],
            lambda: normal_prior(0.0) + st.expon().logpdf(3.0) + math.log(3.0) + 2 * st.uniform(0, 3).logpdf(1.0)),
    density("uniform-bound-expression-far", UNIFORM_BOUND_EXPRESSION, {"c": 1e7}, [-5.0], -math.inf),
    density("uniform-bound-expression-inside", UNIFORM_BOUND_EXPRESSION, {"c": 1e7}, [-15.0],
            lambda: -math.log(10.0) + math.log(1e7) - 15.0 - 2 * math.log1p(math.exp(-15.0))),
    density("filled-int-array", FILLED, {"N": 2, "y": [1, 0]}, [0.0], -math.inf),
    density("filled-int-array-inside", FILLED, {"N": 2, "y": [1, 3]}, [0.0],
            lambda: st.poisson(1.0).logpmf([0, 2]).sum()),
    density("log-prob-outside", NORMAL_WITH_TARGET, {"N": 2, "y": [1.0, -1.0]}, [0.0], -math.inf),
    density("log-prob-inside", NORMAL_WITH_TARGET, {"N": 2, "y": [1.0, 0.5]}, [0.3],
            lambda: st.expon(scale=1 / math.exp(0.3)).logpdf([1.0, 0.5]).sum() + 0.3),
    density("mixture-union-of-supports", MIXTURE_LOCATIONS, {"N": 2, "y": [1.0, 3.0]}, [0.0],
            lambda: math.log(0.25) + sum(math.log(0.5 * st.halfcauchy(0, 1).pdf(v) + 0.5 * st.halfcauchy(2, 1).pdf(v))
                                         for v in (1.0, 3.0))),
    density("mixture-outside-every-component", MIXTURE_LOCATIONS, {"N": 2, "y": [1.0, -0.5]}, [0.0], -math.inf),
    density("mixture-shifted-outside", "data y: real\nparam w: simplex[2]\nparam m: real\nm ~ Normal(0, 1)\n"
            "(y - m) ~ MixtureSameFamily(Categorical(probs=w), Exponential([1.0, 2.0]))\n", {"y": 1.0}, [0.0, 2.0],
            -math.inf),
]


def _ids(rows):
    return [row.id for row in rows]


ERROR_ROWS = [row for row in ROWS if row.kind in ("bad", "rejected", "binds")]
DENSITY_ROWS = [row for row in ROWS if row.kind == "density"]


def test_the_table_is_large_and_its_ids_unique():
    assert len(ROWS) >= 120
    assert len(set(_ids(ROWS))) == len(ROWS)


@pytest.mark.parametrize("row", ERROR_ROWS, ids=_ids(ERROR_ROWS))
def test_bad_data_is_named_and_located(row):
    if row.kind == "binds":
        ppl.model(row.model, "model.ppl").check_data(row.data)
        return
    if row.kind == "rejected":
        phrase, _, hint = row.phrase.partition("\n")
        with pytest.raises(row.error) as caught:
            ppl.model(row.model, "model.ppl")
    else:
        phrase, hint = row.phrase, ""
        model = ppl.model(row.model, "model.ppl")
        with pytest.raises(row.error) as caught:
            model.check_data(row.data)
    error = caught.value
    text = str(error)
    assert phrase in text, text
    assert hint in text, text
    assert error.line == row.line, text
    assert "model.ppl" in text and "^" in text


def _expected(row) -> float:
    value = row.expected() if callable(row.expected) else row.expected
    return float(np.asarray(value))


@pytest.mark.parametrize("row", DENSITY_ROWS, ids=_ids(DENSITY_ROWS))
def test_log_density_outside_and_at_the_edges_of_supports(row):
    posterior = ppl.model(row.model, "model.ppl").condition(row.data)
    u = np.array(row.u, dtype=np.float64)
    value, gradient = posterior.log_density_gradient(u)
    expected = _expected(row)
    assert not math.isnan(value)
    if math.isinf(expected):
        assert value == expected
        assert posterior.log_density(u) == expected
        return
    assert value == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert posterior.log_density(u) == pytest.approx(value, rel=1e-12, abs=1e-12)
    step = 1e-6
    for k in range(u.size):
        shift = np.zeros_like(u)
        shift[k] = step
        numeric = (posterior.log_density(u + shift) - posterior.log_density(u - shift)) / (2 * step)
        assert gradient[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6), k


# ---- the library gives what the language gives ------------------------------------------------------

LIBRARY_EDGES = [
    (lambda: tfd.Bernoulli(probs=1.0), [0.0, 1.0], st.bernoulli(1.0).logpmf),
    (lambda: tfd.Bernoulli(probs=0.0), [0.0, 1.0], st.bernoulli(0.0).logpmf),
    (lambda: tfd.Binomial(5.0, probs=1.0), [4.0, 5.0], st.binom(5, 1.0).logpmf),
    (lambda: tfd.Binomial(5.0, probs=0.0), [0.0, 1.0], st.binom(5, 0.0).logpmf),
    (lambda: tfd.NegativeBinomial(3.0, probs=0.0), [0.0, 2.0], lambda k: np.where(np.asarray(k) == 0, 0.0, -np.inf)),
    (lambda: tfd.Poisson(rate=0.0), [0.0, 1.0], st.poisson(0.0).logpmf),
    (lambda: tfd.Beta(1.0, 2.0), [0.0, 1.0, 0.5], st.beta(1, 2).logpdf),
    (lambda: tfd.Beta(2.0, 1.0), [0.0, 1.0, 0.5], st.beta(2, 1).logpdf),
    (lambda: tfd.Beta(0.5, 0.5), [0.0, 1.0], st.beta(0.5, 0.5).logpdf),
    (lambda: tfd.Exponential(2.0), [-1.0, 0.0], st.expon(scale=0.5).logpdf),
    (lambda: tfd.HalfCauchy(1.0, 2.0), [0.5, 1.0, 3.0], st.halfcauchy(1.0, 2.0).logpdf),
    (lambda: tfd.Uniform(0.0, 10.0), [-1.0, 0.0, 1e6], st.uniform(0, 10).logpdf),
]


@pytest.mark.parametrize("make, points, oracle", LIBRARY_EDGES)
def test_the_library_takes_the_same_limits(make, points, oracle):
    np.testing.assert_allclose(make().log_prob(np.array(points)), oracle(np.array(points)), rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")   # divergences at the hard edge
def test_a_sampled_uniform_stays_inside_its_support():
    """Issue #12: `s ~ Uniform(0, 10)` with a bound that is an expression had the same density
    at 1 and 1e6, and sampling gave a mean of inf."""
    model = ppl.model(UNIFORM_BOUND_EXPRESSION, "model.ppl")
    fit = model.sample({"c": 20.0}, chains=1, warmup=300, draws=300, seed=3)
    draws = fit["s"]
    assert np.all(draws < 10.0) and abs(float(np.mean(draws)) - 5.0) < 1.0


def test_errors_are_model_errors():
    assert issubclass(DataError, ModelError)


def test_a_data_bound_of_another_shape_points_at_the_bound_and_names_both_shapes():
    model = ppl.model("data K: int\ndata N: int\ndata y: int<lower=0, upper=[K, K] - 1>[N]\n"
                      "param mu: real\nmu ~ Normal(0, 1)\n", "model.ppl")
    with pytest.raises(DataError) as caught:
        model.check_data({"K": 3, "N": 5, "y": [0, 1, 2, 0, 1]})
    error = caught.value
    assert (error.line, error.column) == (3, 28)
    assert "expected: a scalar or shape [5], as 'y'" in str(error)
    assert "found:    shape [2]" in str(error)
