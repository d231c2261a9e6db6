"""The compiler, one stage after another (docs/compiler.md walks through each):

    parse    text → AST                     codegen/parse.py       ppl show --ast
    check    AST → typed IR                 codegen/check.py       ppl show --ir
    analyse  IR → what each statement is for codegen/dataflow.py   ppl show --lowered
    emit     IR + analysis → Python source  codegen/emit_model.py  ppl show --code
             (expressions, statements, params: codegen/emit_expressions.py, emit_statements.py, emit_params.py)
    build    source → loaded Numba module   codegen/build.py       (the disk cache)

Each stage is a pure function of the previous stage's value, or raises a
located ModelError.  Anything else that escapes a stage is a bug in ppl and
leaves as an InternalError naming the statement being compiled.  The stages
recurse over expressions, so they run on a deep stack (codegen/deep_stack.py):
a model line nested a few hundred levels deep is valid and compiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from codegen.deep_stack import on_deep_stack
from ppl.errors import InternalError, ModelError, ModelStructureError, Source, Span

MAX_NESTING = 2000   # levels of one expression; beyond it a located error, not a stack overflow


@dataclass(frozen=True)
class FrontEnd:
    syntax: object    # codegen.ast.Program
    program: object   # codegen.ir.Program


def front_end(source: Source) -> FrontEnd:
    """parse → check → lint (the warnings are kept in the program, issued when it is loaded)."""
    from codegen.check import check
    from codegen.lint import lint
    from codegen.parse import parse

    def stages():
        syntax = parse(source)
        _check_nesting(syntax)
        program = check(syntax, source)
        return FrontEnd(syntax, replace(program, warnings=lint(program)))

    return _located(source, stages)


def back_end(source: Source, program):
    """analyse → emit → build: (the loaded module, its ModelFacts), from the cache when it holds them."""
    from codegen import build

    generated = build.load_generated(source.text)
    if generated is None:
        generated = _located(source, lambda: emit(program, analyse(program)))
        build.store_generated(source.text, *generated)
    try:
        module = build.import_generated(source.text)
    except Exception as error:   # Numba could not compile what the emitter wrote: a bug in ppl
        raise compile_failure(error, generated[0], program).with_source(source) from error
    return module, generated[1]


def analyse(program):
    from codegen.dataflow import analyse as analysis_of

    return analysis_of(program)


def emit(program, analysis):
    """(the module's source, its ModelFacts)."""
    from codegen.build import not_supported
    from codegen.emit import NotSupportedYet
    from codegen.emit_model import emit_module

    try:
        return emit_module(program, analysis)
    except NotSupportedYet as error:
        raise not_supported(str(error), error.span) from None


def dump(source: Source, program, stage: str) -> str:
    """`ppl show --<stage>`: one stage's value as text."""
    if stage == "ast":
        from codegen.parse import parse
        from codegen.unparse import program_text

        return _located(source, lambda: program_text(parse(source)))
    if stage == "ir":
        from codegen.ir_print import program_text

        return program_text(program)
    if stage == "lowered":
        from codegen.dataflow import analysis_text

        return analysis_text(program, analyse(program))
    if stage == "code":
        back_end(source, program)
        from codegen.build import model_folder

        return (model_folder(source.text) / "model.py").read_text()
    raise ValueError(f"no stage {stage!r}; the stages are ast, ir, lowered, code")


def compile_failure(error: Exception, generated_source: str, program) -> InternalError:
    """An InternalError for generated code Numba refused, naming the model statement whose code it
    was (the `# line N:` comment above the generated line Numba names), when it can tell."""
    span = None
    found = re.search(r'model\.py", line (\d+)', str(error))
    if found:
        generated_lines = generated_source.splitlines()[:int(found.group(1))]
        for line in reversed(generated_lines):
            marker = re.match(r"\s*# line (\d+):", line)
            if marker:
                span = _statement_at(program, int(marker.group(1)))
                break
    first = str(error).strip().splitlines()
    return InternalError(f"Numba could not compile the generated code ({type(error).__name__}: "
                         f"{first[0] if first else ''})", span)


def _statement_at(program, line: int):
    from codegen.ir import walk_statements

    for statement in walk_statements(program.statements):
        if statement.span is not None and statement.span.line == line:
            return statement.span
    return None


def _located(source: Source, stages):
    """Run stages on a deep stack; a ModelError gets the source, anything unexpected becomes an
    InternalError."""
    try:
        return on_deep_stack(stages)
    except (ModelError, InternalError) as error:
        raise error.with_source(source)
    except RecursionError as error:
        raise InternalError("the compiler ran out of stack on this model").with_source(source) from error
    except Exception as error:
        raise InternalError(f"the compiler failed ({type(error).__name__}: {error})").with_source(source) \
            from error


def _check_nesting(syntax) -> None:
    """A located error for an expression nested deeper than MAX_NESTING (walked without recursion)."""
    from dataclasses import fields, is_dataclass

    stack = [(syntax, 0, None)]
    while stack:
        node, depth, span = stack.pop()
        span = getattr(node, "span", None) or span
        if depth > MAX_NESTING:
            raise ModelStructureError(f"this expression is nested more than {MAX_NESTING} levels deep", span,
                                      hint="split it into named deterministics")
        if is_dataclass(node):
            children = [getattr(node, f.name) for f in fields(node)]
        elif isinstance(node, (list, tuple)):
            children = list(node)
        else:
            continue
        for child in children:
            if (is_dataclass(child) and not isinstance(child, Span)) or isinstance(child, (list, tuple)):
                stack.append((child, depth + 1, span))
