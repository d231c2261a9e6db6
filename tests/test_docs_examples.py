"""The documentation's examples are real.

* every ```ppl fenced block in docs/*.md is a model that parses and checks (`ppl.model(text)`);
* every ```python block in docs/api.md whose first line is `# runnable` runs: the runnable
  blocks run in the order they appear, in one shared namespace (like a notebook), from the
  repository root, so a later block may use what an earlier one defined.

Other ```python blocks (sketches, blocks needing optional packages or long runs) are not run.
"""

import os
import re
import warnings
from pathlib import Path

import pytest

import ppl

ROOT = Path(__file__).parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
RUNNABLE = "# runnable"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)


def fenced_blocks(path: Path, language: str):
    """(line number, text) of each fenced block of that language in a Markdown file."""
    text = path.read_text(encoding="utf-8")
    for match in _FENCE.finditer(text):
        if match.group(1) == language:
            yield text.count("\n", 0, match.start()) + 1, match.group(2)


PPL_BLOCKS = [pytest.param(text, id=f"{path.name}:{line}") for path in DOCS for line, text in fenced_blocks(path, "ppl")]


def test_the_docs_have_ppl_blocks():
    assert len(PPL_BLOCKS) >= 6


@pytest.mark.parametrize("text", PPL_BLOCKS)
def test_ppl_block_checks(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ppl.model(text, "doc-example.ppl")


def test_runnable_python_blocks_of_the_api_reference_run(monkeypatch):
    blocks = [(line, text) for line, text in fenced_blocks(ROOT / "docs" / "api.md", "python")
              if text.startswith(RUNNABLE)]
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "docs_api"}
    for line, text in blocks:
        code = compile(text, f"docs/api.md (block at line {line})", "exec")
        exec(code, namespace)  # noqa: S102 - the documentation's own examples
    assert os.getcwd() == str(ROOT)
