"""One error family for everything a user can get wrong, and one renderer.

Every stage of the compiler raises a subclass of :class:`ModelError` carrying
the source span of the culprit.  The message a user reads is rendered in one
place (:meth:`ModelError.__str__`) so all errors look alike::

    model.ppl:7:16: error: unknown name 'sigam'
        7 | y ~ Normal(mu, sigam)
          |                ^^^^^
      hint: did you mean 'sigma'?

Problems that are ppl's fault, not the user's, are :class:`InternalError`.
"""

from __future__ import annotations

import difflib
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A region of source text: 1-based lines and columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: "Span") -> "Span":
        """The span from the start of self to the end of other."""
        return Span(self.line, self.column, other.end_line, other.end_column)


@dataclass(frozen=True)
class Source:
    """Model text and the name it is reported under (a path or '<string>')."""

    text: str
    filename: str = "<string>"

    def line_text(self, line: int) -> str:
        lines = source_lines(self.text)
        return lines[line - 1] if 0 < line <= len(lines) else ""


def source_lines(text: str) -> list[str]:
    """The lines of a model as the lexer counts them: split at '\\n' only (with a '\\r' before it
    dropped), so that a form feed or U+2028 inside a line does not shift the line numbers of
    every error below it, as str.splitlines() would."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class LocatedError(Exception):
    """An error with a place in the model's source, rendered as `file:line:col: kind: message`,
    the line with a caret under the span, and notes.  The two families below share it.

    Attributes: ``line`` and ``column`` (1-based, None when the problem has no
    place in the source, e.g. a missing data file), ``hint`` (what to do, or
    None), ``expected`` and ``found`` (what was wanted and what was given).
    """

    kind = "error"

    def __init__(self, message: str, span: Span | None = None, *,
                 expected: str | None = None, found: str | None = None,
                 hint: str | None = None, source: Source | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.expected = expected
        self.found = found
        self.hint = hint
        self.source = source

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        return self.span.column if self.span else None

    @property
    def filename(self) -> str | None:
        return self.source.filename if self.source else None

    def with_source(self, source: Source) -> "LocatedError":
        """Attach the source text (stages raise before they know the file)."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        return render(self)


class ModelError(LocatedError):
    """A located problem in a model: syntax, names, types, shapes or data."""


class ModelSyntaxError(ModelError):
    """The text is not a ppl program: a bad token, layout or statement form."""


class ModelNameError(ModelError):
    """A name is unknown, declared twice, used before it is defined, or misused."""


class ModelTypeError(ModelError):
    """Types, shapes, argument lists, supports or constraints do not fit."""


class ModelStructureError(ModelError):
    """A statement is in a place it cannot be: loop bounds on params, gen in the model, ..."""


class DataError(ModelError):
    """Data given for a model is missing, mis-shaped, non-finite or out of bounds."""


class ModelNotSupportedError(ModelError):
    """The model is valid, but the compiler cannot emit one of its constructs yet."""


class SamplingError(ModelError):
    """Sampling cannot start or go on: no initial point with a finite log density, a bad init."""


class InferenceError(ModelError):
    """Optimisation, Laplace or Pathfinder cannot give an answer: no finite log density at the
    start, a line search that makes no progress, a Hessian at the mode that is not negative definite."""


class BoundError(ModelError):
    """A deterministic or generated quantity outside the bounds it was declared with, met by
    deterministics() or generate() (in the log density such a point has density zero)."""


class InternalError(LocatedError):
    """Something went wrong inside ppl itself: this is a bug in ppl (not a ModelError).

    ``span`` is the statement being compiled when it happened (None when no statement is to
    blame), so that the report says which statement to rewrite while the bug is fixed."""

    kind = "internal error"

    def __init__(self, message: str, span: Span | None = None, source: Source | None = None):
        super().__init__(message, span, source=source,
                         hint="this is a bug in ppl; please report it with the model that triggered it")


class ModelWarning(LocatedError, UserWarning):
    """A model that is valid but probably does not mean what it seems to: issued (with
    ``warnings.warn``) every time the model is compiled, located and rendered like an error
    (``file:line:col: warning: ...``, the line, a caret, a hint).  ``ppl check`` prints them."""

    kind = "warning"


class UnconstrainedScaleWarning(ModelWarning):
    """A param declared without a positivity constraint is given where a distribution needs a
    positive value (a scale, a rate, ...): proposals below zero are rejected one by one."""


class JacobianWarning(ModelWarning):
    """The value of a `~` is a non-linear function of a param: the density is then a density of
    that function, and a density of the param only with its log-Jacobian added to the target."""


WARNING_CLASSES = {"scale": UnconstrainedScaleWarning, "jacobian": JacobianWarning}


# Generated code checks what the data decide and Numba does not: every index the data set (a loop
# variable, an int data value, a gather's entries) against its axis (an index past the end reads or
# writes beside the array), slice bounds the data set against their axis (the checker's shapes count
# on slices that do not clip), slice steps, and sizes given to zeros/ones/eye.  A failing check
# raises IndexError(tag, line, column, end_line, end_column, value, size), the tag one of those
# below, naming the place in the model.  What they check depends on data only, so the first
# evaluation when data is bound meets any such failure; `data_index_errors` makes it a DataError.
# (codegen/index_ranges.py leaves out the checks that hold whatever the data, and moves those of int
# data read as indices to transformed_data().)
INDEX_OUT_OF_RANGE = "ppl: index out of range"
# an element of int data used as an index, checked once by transformed_data(): the IndexError also
# carries the data's name and the element's position (a tuple), so the error can name both
DATA_INDEX_OUT_OF_RANGE = "ppl: data index out of range"
SLICE_OUT_OF_RANGE = "ppl: slice bound out of range"
SLICE_STEP_ZERO = "ppl: slice step is zero"
NEGATIVE_SIZE = "ppl: negative size"
# a quantity declared with bounds (`theta: real<lower=0>[N]`, `s2: real<lower=0> = ...`) outside them, in
# transformed_data(), deterministics() or generate() (the log density is -inf instead): ValueError(tag, line,
# column, end_line, end_column, name, element, value, bound, "lower" | "upper", stage), the place its
# declaration; codegen/emit_statements.py (_BoundCheck) writes the check
BOUND_VIOLATED = "ppl: value outside its declared bounds"
# a `while` loop whose condition stayed true for WHILE_LIMIT iterations (value: the count, size: the limit)
WHILE_LIMIT_REACHED = "ppl: while loop did not end"
WHILE_LIMIT = 10_000_000
# an ODE solve (`ode_rk45`, `ode_bdf`) that failed where no -inf can stand for it (transformed data,
# deterministics(), generate()): ValueError(tag, status, time, line, column, end_line, end_column, stage),
# the status one of ppl.runtime.ode_system's (its STATUS_MESSAGES word it), the place the call
ODE_FAILED = "ppl: ode solve failed"


def _runtime_data_error(tag: str, value, size, span: Span | None, element: str | None = None) -> "DataError":
    if tag in (INDEX_OUT_OF_RANGE, DATA_INDEX_OUT_OF_RANGE):
        source = f" from the data {element}" if element else ""
        return DataError(f"index {value}{source} is out of range for an axis of size {size}", span,
                         expected=f"an index from {-size} to {size - 1} (indices start at 0)" if size
                         else "none: the axis is empty",
                         hint="the data set this index: are the data's indices 0-based, and do the sizes agree?")
    if tag == SLICE_OUT_OF_RANGE:
        return DataError(f"slice bound {value} is outside an axis of size {size}", span,
                         expected=f"0 <= start <= stop <= {size}",
                         hint="the data set this bound; a slice must lie within its axis (it is not clipped: "
                              "the model's shapes count on its length being stop - start)")
    if tag == WHILE_LIMIT_REACHED:
        return DataError(f"this `while` loop ran {value} times and its condition is still true", span,
                         expected=f"a condition that becomes false within {size} iterations",
                         hint="the data decide when it ends: check that what the condition reads changes "
                              "in the loop's body")
    if tag == SLICE_STEP_ZERO:
        return DataError("a slice step is zero", span, hint="the data set this step; a slice needs a step other than 0")
    return DataError(f"a size is {value} here", span, expected=f"a size of at least {size}",
                     hint="the data set this size")


def _bound_error(name, element, value, bound, side, stage, span) -> "ModelError":
    """`theta[3] = -0.2 is below its lower bound 0`: a DataError for a quantity of data alone
    (transformed data, met when data is bound), else a BoundError."""
    shown = f"{name}[{', '.join(str(int(p)) for p in element)}]" if len(element) else name
    relation = "below its lower" if side == "lower" else "above its upper"
    message = (f"{shown} = {value:g} is {relation} bound {bound:g}" if value == value
               else f"{shown} is NaN, which no bound admits (its {side} bound is {bound:g})")
    if stage == "data":
        return DataError(message, span, hint=f"'{name}' is computed from the data: do the data give it values "
                                             f"within the bounds it is declared with?")
    cause = "this draw of the generated quantities is" if stage == "gen" else "these values of the params put it"
    return BoundError(message, span, hint=f"'{name}' is declared with bounds, checked at every evaluation; "
                                          f"{cause} outside them")


def _ode_error(status, time, line, column, end_line, end_column, stage) -> "ModelError":
    """A failed solve at its call: a DataError when the data alone decide it, else a SamplingError."""
    from ppl.runtime.ode_system import STATUS_MESSAGES

    message = STATUS_MESSAGES[int(status)].format(time=f"{float(time):.17g}")
    span = Span(line, column, end_line, end_column) if line else None
    if stage == "data":
        return DataError(message, span, hint="this solve depends on the data only: check the data it reads, "
                                             "or raise max_steps / loosen rtol and atol")
    return SamplingError(message, span, hint="the solve failed for these values of the params; raise max_steps, "
                                             "loosen rtol and atol, or use ode_bdf for a stiff system")


@contextmanager
def data_index_errors(source: Source):
    """Inside: the checks generated code makes are located errors: an IndexError for what the data
    got wrong is a DataError at its place, a quantity outside its declared bounds a DataError
    (transformed data) or BoundError at its declaration."""
    try:
        yield
    except ValueError as error:
        if len(error.args) == 8 and error.args[0] == ODE_FAILED:
            raise _ode_error(*error.args[1:]).with_source(source) from None
        if len(error.args) != 11 or error.args[0] != BOUND_VIOLATED:
            raise
        line, column, end_line, end_column, *details = error.args[1:]
        raise _bound_error(*details, Span(line, column, end_line, end_column)).with_source(source) from None
    except IndexError as error:
        tag, *place = error.args if len(error.args) in (7, 9) else (None,)
        if tag not in (INDEX_OUT_OF_RANGE, DATA_INDEX_OUT_OF_RANGE, SLICE_OUT_OF_RANGE, SLICE_STEP_ZERO,
                       NEGATIVE_SIZE, WHILE_LIMIT_REACHED) or (len(place) == 8) != (tag == DATA_INDEX_OUT_OF_RANGE):
            raise
        line, column, end_line, end_column, value, size, *named = place
        element = f"{named[0]}[{', '.join(str(int(p)) for p in named[1])}]" if named else None
        span = Span(line, column, end_line, end_column) if line else None
        raise _runtime_data_error(tag, value, size, span, element).with_source(source) from None


def render(error: LocatedError) -> str:
    """Format an error as `file:line:col: error: message`, the line, a caret, and notes."""
    where = error.source.filename if error.source else "<model>"
    out = []
    if error.span is not None:
        out.append(f"{where}:{error.span.line}:{error.span.column}: {error.kind}: {error.message}")
        if error.source is not None:
            out.extend(_excerpt(error.source, error.span))
    else:
        prefix = f"{where}: " if error.source else ""
        out.append(f"{prefix}{error.kind}: {error.message}")
    if error.expected is not None:
        out.append(f"  expected: {error.expected}")
    if error.found is not None:
        out.append(f"  found:    {error.found}")
    if error.hint:
        out.append(f"  hint: {error.hint}")
    return "\n".join(out)


def _excerpt(source: Source, span: Span) -> list[str]:
    text = source.line_text(span.line).rstrip("\n").replace("\t", " ")
    number = str(span.line)
    gutter = " " * len(number)
    if span.end_line == span.line and span.end_column > span.column:
        width = span.end_column - span.column
    else:
        width = max(1, len(text) - span.column + 1)
    width = max(1, min(width, max(1, len(text) - span.column + 1)))
    caret = " " * (span.column - 1) + "^" * width
    return [f"    {number} | {text}", f"    {gutter} | {caret}"]


def closest(name: str, candidates) -> str | None:
    """The candidate nearest to name by edit similarity, if any is close enough."""
    candidates = list(candidates)
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {c.lower(): c for c in candidates}
    return lowered.get(name.lower())


def did_you_mean(name: str, candidates) -> str | None:
    match = closest(name, candidates)
    return f"did you mean '{match}'?" if match else None


class CacheWarning(UserWarning):
    """The model cache was damaged and has been rebuilt, or its folder cannot be used (see
    docs/compiler.md, "The disk cache"): one line saying which model and what was rebuilt."""


def utf8_error_position(raw: bytes, error: UnicodeDecodeError) -> tuple[int, int]:
    """The 1-based line and column (in characters, as an editor counts them) of the byte at
    which decoding raw as UTF-8 failed: lines split at '\\n', as source_lines splits them."""
    line_start = raw.rfind(b"\n", 0, error.start) + 1
    line = raw.count(b"\n", 0, error.start) + 1
    column = len(raw[line_start:error.start].decode("utf-8", errors="replace")) + 1
    return line, column
