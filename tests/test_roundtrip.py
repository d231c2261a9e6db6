"""Printing the AST back as source and parsing it again gives the same AST."""

from pathlib import Path

import pytest

from codegen.parse import parse
from codegen.unparse import program_text
from ppl.errors import Source

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.ppl"))

SNIPPETS = {
    "precedence": "x = -a ** 2 + b * (c - d) / e // f % g @ h\n",
    "power_right_assoc": "x = a ** b ** c\ny = (a ** b) ** c\nz = (-a) ** 2\nw = 2 ** -a\n",
    "boolean": "if a < b and not c == d or e >= f:\n    x = 1\n",
    "nested_bool": "if a and (b or c):\n    x = 1\nelif not (a and b):\n    x = 2\nelse:\n    x = 3\n",
    "indexing": "x = a[0, -1, 1:, :3, ::2, 1:-1:2, :, idx]\ny = a[[0, 2], :][::-1]\n",
    "calls": "y ~ Bernoulli(logits=a + b @ c)\nt = Normal(mu[k], 1).log_prob(y[t])\ns = sum(x, axis=0)\n",
    "lists_transpose": "m = [[1, 2.5], [3e-3, 4.0]].T\n",
    "declarations": ("data N: int<lower=1>\ndata x: real<lower=-1, upper=1>[2, N]\n"
                    "param b: real<lower=0, upper=1 - a>\nparam s: simplex[J, K]\nz: real[N]\ngen q: int[N]\n"),
    "loops": "for i in range(N):\n    for j in range(1, K, 2):\n        z[i] = x[i, j]\n    target += z[i]\n",
    "gen": "gen y_rep ~ Normal(mu, sigma)\ngen m = mean(y_rep)\n",
    "unary_chain": "x = --a\ny = -(a - b)\nz = a - (b - c)\nw = a - b - c\n",
    "comparison_operands": "x = (a < b) * 2\ny = a + (b == c)\n",
}


def roundtrip(text):
    first = parse(Source(text))
    printed = program_text(first)
    second = parse(Source(printed))
    return first, second, printed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_roundtrip(path):
    first, second, printed = roundtrip(path.read_text())
    assert first == second, printed


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippets_roundtrip(name):
    first, second, printed = roundtrip(SNIPPETS[name])
    assert first == second, printed
    assert program_text(second) == printed   # printing is a fixed point


def test_equality_ignores_spans_but_not_structure():
    a = parse(Source("x = a - (b - c)\n"))
    b = parse(Source("x   =   a-(b-c)   # spaced out\n"))
    c = parse(Source("x = a - b - c\n"))
    assert a == b
    assert a != c
