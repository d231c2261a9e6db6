"""Stage 4: typed IR → readable Python source of Numba functions.

The log density's gradient is generated in reverse mode without a tape:

* a **forward sweep** computes every value once, in named variables;
* an **adjoint sweep** visits the same operations in reverse order, each
  adding its inputs' share of the gradient into their ``_adj`` variables.

Every operation is an :class:`Op` carrying its lines for both sweeps.
Elementwise arithmetic, elementwise built-ins and the log densities of `~`
statements are *fused*: a maximal elementwise expression becomes one SymPy
expression of its leaves (codegen/fuse.py), emitted as one loop, and its
partial derivatives come from SymPy — so `y ~ Normal(mu, sigma)` is a single
loop with no N-sized temporaries.  Everything else (indexing, `@`,
reductions, list literals) has one hand-written forward rule and its adjoint
rule side by side (codegen/structural.py).  A loop's adjoint runs backwards,
first recomputing its body's locals (arrays are written once, so what they
read has not changed).
"""

from __future__ import annotations

import itertools
import keyword
from dataclasses import dataclass, field

from codegen import ir
from codegen.shapes import Dim


class NotSupportedYet(NotImplementedError):
    """A construct the compiler back end cannot emit yet (the front end accepted it).
    `span` is the statement it came from, set as the error leaves that statement."""

    span = None


@dataclass
class Value:
    """A quantity in the generated code."""
    code: str            # the Python name (or literal) holding it
    type: ir.Type
    active: bool         # depends on params: has an adjoint `<code>_adj`

    @property
    def adjoint(self) -> str:
        return f"{self.code}_adj"

    @property
    def is_scalar(self) -> bool:
        return not self.type.shape


@dataclass
class Op:
    """One operation's lines in the forward sweep, its recomputation in a
    reversed loop (values only, no side effects), its adjoint variables'
    initialisation, and its adjoint rule."""
    forward: list[str] = field(default_factory=list)
    recompute: list[str] | None = None          # None: the same as forward
    adjoint_init: list[str] = field(default_factory=list)
    reverse: list[str] = field(default_factory=list)
    without_jacobian: list[str] | None = None   # forward lines for log_prob (constrained, no Jacobian)
    gradient_forward: list[str] | None = None   # forward lines in the gradient function, when they differ
                                                # (a target term that also adds its partials)

    def recompute_lines(self) -> list[str]:
        return self.forward if self.recompute is None else self.recompute


_GENERATED = {"u", "grad_out", "real_data", "int_data", "lp", "np", "math", "numba", "special",
              "vector", "matrix", "data", "draws", "event_kernels"}
_PYTHON_BUILTINS = {"abs", "min", "max", "sum", "range", "len", "int", "float", "print", "round", "pow",
                    "list", "tuple", "dict", "set", "type", "id", "input", "open", "object", "map",
                    "filter", "zip", "all", "any", "iter", "next", "hash", "format", "bool", "str"}


class Names:
    """Python names for model names (kept as written unless they clash) and fresh temporaries."""

    def __init__(self):
        self.counter = itertools.count()

    @staticmethod
    def of(name: str) -> str:
        if keyword.iskeyword(name) or name in _GENERATED or name in _PYTHON_BUILTINS or name.startswith("t_"):
            return f"{name}_"
        return name

    def temporary(self, hint: str = "") -> str:
        return f"t_{next(self.counter)}" + (f"_{hint}" if hint else "")


def indent(lines: list[str], depth: int = 1) -> list[str]:
    pad = "    " * depth
    return [pad + line if line else line for line in lines]


def dim_code(dim: Dim, names: dict[str, "Value"]) -> str:
    """A size as Python text in the generated function's local names."""
    if dim.opaque is not None:
        raise NotSupportedYet(f"a size the compiler cannot express yet: {dim}")
    text = str(dim)
    for name in sorted(dim.names, key=len, reverse=True):
        value = names.get(name)
        if value is not None and value.code != name:
            text = text.replace(name, value.code)
    return text


def shape_code(shape, names) -> str:
    parts = [dim_code(d, names) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def zeros_like(value: Value) -> str:
    if value.is_scalar:
        return f"{value.adjoint} = 0.0"
    return f"{value.adjoint} = np.zeros({value.code}.shape)"
