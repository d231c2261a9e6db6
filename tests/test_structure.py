"""The shape of the house: stage boundaries, the transformer's coverage, packaging."""

import ast as python_ast
import subprocess
import sys
import tomllib
from dataclasses import fields, is_dataclass
from pathlib import Path

import lark

from codegen import ast
from codegen.parse import _parser, _ToAst, parse
from ppl.errors import Source

ROOT = Path(__file__).parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = python_ast.parse(path.read_text())
    names = set()
    for node in python_ast.walk(tree):
        if isinstance(node, python_ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, python_ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_ir_imports_nothing_from_the_front_end_or_emitter():
    forbidden = {"codegen.parse", "codegen.ast", "codegen.check", "codegen.check_exprs", "codegen.check_calls",
                 "codegen.unparse", "codegen.syntax_errors", "lark"}
    assert not imported_modules(ROOT / "codegen" / "ir.py") & forbidden


def test_catalogue_does_not_import_the_compiler():
    for path in (ROOT / "ppl" / "catalogue").rglob("*.py"):
        assert not any(m.startswith("codegen") for m in imported_modules(path)), path


def test_every_grammar_rule_has_an_ast_conversion():
    rules = {rule.origin.name for rule in _parser().rules}
    rules |= {rule.alias for rule in _parser().rules if rule.alias}
    # rules Lark inlines (leading underscore) or expands (?rule with one child) never reach the transformer
    reaching = {r for r in rules if not str(r).startswith("_")}
    missing = [r for r in reaching if not hasattr(_ToAst, str(r))
               and str(r) not in ("expr", "or_expr", "and_expr", "not_expr", "comparison", "sum", "term",
                                  "factor", "power", "postfix", "atom", "argument")]
    assert not missing


def test_an_unconverted_rule_is_an_error_not_a_silent_copy():
    import pytest
    from ppl.errors import InternalError

    with pytest.raises(InternalError, match="no AST conversion"):
        _ToAst().transform(lark.Tree("mystery_rule", []))


def _walk(node):
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _walk(item)
    elif is_dataclass(node):
        for f in fields(node):
            yield from _walk(getattr(node, f.name))


def test_no_raw_tree_or_token_reaches_the_ast():
    for path in sorted((ROOT / "examples").glob("*.ppl")):
        program = parse(Source(path.read_text(), str(path)))
        for node in _walk(program):
            assert not isinstance(node, (lark.Tree, lark.Token)), (path, node)


def test_ast_nodes_carry_spans():
    program = parse(Source((ROOT / "examples" / "garch11.ppl").read_text()))
    for node in _walk(program):
        if is_dataclass(node) and hasattr(node, "span") and not isinstance(node, ast.Slice):
            assert node.span.line > 0, node


def test_every_package_is_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in ROOT.glob("ppl/**/__init__.py")}
    on_disk |= {".".join(p.parent.relative_to(ROOT).parts) for p in ROOT.glob("codegen/**/__init__.py")}
    assert on_disk <= listed
    assert "codegen.grammar" in listed


def test_importing_ppl_does_not_import_the_compiler():
    code = "import sys, ppl; print(sorted(m for m in ('lark', 'sympy', 'codegen.parse') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
