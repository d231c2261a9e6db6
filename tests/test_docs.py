"""The language reference names every distribution, kernel, built-in and constraint in the catalogue."""

import re
from pathlib import Path

from ppl.catalogue.builtins import BUILTINS
from ppl.catalogue.constraints import DECLARABLE_SHAPES
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.kernels import KERNELS

REFERENCE = (Path(__file__).parent.parent / "docs" / "language.md").read_text()
WORDS = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", REFERENCE))


def test_reference_lists_the_whole_catalogue():
    names = set(DISTRIBUTIONS) | set(KERNELS) | set(BUILTINS) | set(DECLARABLE_SHAPES)
    assert sorted(names - WORDS) == []
