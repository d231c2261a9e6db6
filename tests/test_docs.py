"""The language reference names every distribution, kernel, built-in and constraint in the catalogue, and
its "Not compiled yet" list is exactly what the compiler refuses (one model per entry)."""

import re
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl.catalogue.builtins import BUILTINS
from ppl.catalogue.constraints import DECLARABLE_SHAPES
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.kernels import KERNELS

REFERENCE = (Path(__file__).parent.parent / "docs" / "language.md").read_text()
WORDS = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", REFERENCE))


def test_reference_lists_the_whole_catalogue():
    names = set(DISTRIBUTIONS) | set(KERNELS) | set(BUILTINS) | set(DECLARABLE_SHAPES)
    assert sorted(names - WORDS) == []


# ---- "Not compiled yet": every entry is still not compiled, and says where -----------------------
# (the words of the entry it stands for, model, data, the line the error names, method that raises)
NOT_COMPILED = [
    ("RationalQuadratic", "data x: real[3]\ndata y: real[3]\nparam a: real<lower=0>\n"
     "y ~ GaussianProcess(RationalQuadratic(1.0, a, 2.0), x, observation_noise_variance=0.1)\n",
     {"x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.0]}, 4, "condition"),
    ("of points that depend on params", "param x: real[3]\nparam a: real<lower=0>\nx ~ Normal(0, 1)\n"
     "target += sum(exp_quad_cov(x, 1.0, a))\n", {}, 4, "condition"),
    ("gathers by int arrays of rank above 1", "data g: int<lower=0, upper=1>[2, 2]\nparam b: real[2, 3]\n"
     "target += -sum(square(b[g, 0]))\n", {"g": [[0, 1], [1, 0]]}, 3, "condition"),
    ("`MixtureSameFamily(...).log_prob(x)` as an expression", "data y: real[3]\nparam mu: real[2]\n"
     "target += sum(MixtureSameFamily(Categorical(probs=[0.3, 0.7]), Normal(mu, 1.0)).log_prob(y))\n",
     {"y": [0.0, 1.0, 2.0]}, 3, "condition"),
    ("components have an event shape (`MVNDiag`)", "data y: real[4, 2]\nparam mu: real[2, 2]\n"
     "y ~ MixtureSameFamily(Categorical(probs=[0.3, 0.7]), MVNDiag(mu, ones(2)))\n",
     {"y": np.zeros((4, 2))}, 3, "condition"),
    ("`gen NAME ~ MixtureSameFamily(...)`", "param mu: real[2, 3]\nmu ~ Normal(0, 1)\n"
     "gen z ~ MixtureSameFamily(Categorical(probs=[0.3, 0.7]), MVNDiag(mu, ones(3)))\n", {}, 3, "sample"),
    ("(`simplex[I, J, K]`)", "param t: simplex[2, 2, 3]\n", {}, 1, "condition"),
    ("event distributions over more than one batch axis", "param x: real[2, 2, 3]\n"
     "x ~ MVNTriL(zeros(3), eye(3))\n", {}, 2, "condition"),
    ("and `cholesky` of such a batch of matrices", "param A: real[2, 2, 3, 3]\ntarget += -sum(cholesky(A))\n", {}, 2,
     "condition"),
    ("`@` with an operand of rank above 2", "param A: real[2, 3, 3]\nparam v: real[3]\n"
     "target += -sum(square(A @ v))\n", {}, 3, "condition"),
    ("`dot` of matrices", "param A: real[3, 3]\nparam B: real[3, 3]\ntarget += -dot(A, B)\n", {}, 3, "condition"),
    ("more than three axes", "data X: real[2, 2, 2, 2]\nparam m: real\ntarget += -square(m - sum(X))\n",
     {"X": np.ones((2, 2, 2, 2))}, 1, "condition"),
    ("a `for` loop whose step is not a literal", "data N: int\ndata s: int<lower=1>\nparam m: real[N]\n"
     "for i in range(0, N, s):\n    m[i] ~ Normal(0, 1)\n", {"N": 4, "s": 2}, 4, "condition"),
]


def _not_compiled_section() -> str:
    return REFERENCE.split("## Not compiled yet", 1)[1].split("\n## ", 1)[0]


def test_every_not_compiled_entry_has_a_model_here():
    section = " ".join(_not_compiled_section().split())
    bullets = [line for line in _not_compiled_section().splitlines() if line.startswith("- ")]
    assert len(bullets) == 9
    for words, *_ in NOT_COMPILED:
        assert words in section, words


@pytest.mark.parametrize("words, source, data, line, method", NOT_COMPILED, ids=[row[0] for row in NOT_COMPILED])
def test_not_compiled_entries_raise_a_located_error(words, source, data, line, method):
    model = ppl.model(source, "not_compiled.ppl")
    with pytest.raises(ppl.ModelNotSupportedError) as caught:
        if method == "condition":
            model.condition(data)
        else:
            model.condition(data)          # the log density compiles; the draw does not
            model.sample(data, chains=1, warmup=10, draws=2, progress=False)
    assert caught.value.line == line and f"not_compiled.ppl:{line}:" in str(caught.value), str(caught.value)
    assert "cannot emit this yet" in str(caught.value)
