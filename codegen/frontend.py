"""The front end as one call: text → AST → typed IR.  Later stages (derive,
emit) chain after it in the same way; each stage is a pure function."""

from __future__ import annotations

from dataclasses import dataclass

from codegen import ast, ir
from codegen.check import check
from codegen.parse import parse
from ppl.errors import Source


@dataclass(frozen=True)
class FrontEndResult:
    source: Source
    syntax: ast.Program
    program: ir.Program


def front_end(source: Source) -> FrontEndResult:
    syntax = parse(source)
    program = check(syntax, source)
    return FrontEndResult(source, syntax, program)
