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

import builtins
import itertools
import keyword
from dataclasses import dataclass, field

from codegen import ir
from codegen.shapes import Dim, Minimum, SliceLength


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


# the imports of every generated module (codegen/emit_model.py writes them at its top)
MODULE_IMPORTS = ("import math", "", "import numba", "import numpy as np", "",
                  "from ppl.catalogue import draws",
                  "from ppl.runtime import data, event_kernels, incomplete, linear_algebra, matrix_densities, special, "
                  "symmetric_eigen",
                  "from ppl.transforms import matrix, vector")
# the generated functions and their arguments and accumulators
GENERATED_FUNCTIONS = ("transformed_data", "log_density", "log_density_without_jacobian", "log_density_gradient",
                       "constrain", "unconstrain", "deterministics", "generate", "dimension", "log_density_terms",
                       "saved_draws")
FUNCTION_LOCALS = ("u", "grad_out", "real_data", "int_data", "u_out", "seed", "lp", "lp_after")

# Generated names are made from a model name and one of these suffixes (`mu_adj`, `w_offset`,
# `w_u`), or start with one of these prefixes (`_a_l21_t3_matmul`, `_a_l21_term`, `_i0_1`, `_k`).
GENERATED_SUFFIXES = ("_adj", "_offset", "_u")
GENERATED_PREFIXES = ("_", "t_", "leaf_", "common_")


def _imported_names(imports) -> set[str]:
    names = set()
    for line in imports:
        words = line.replace(",", " ").split()
        if words[:1] == ["import"]:
            names.add(words[-1])          # `import numpy as np` binds np
        elif words[:1] == ["from"]:
            names.update(words[3:])       # `from ppl import a, b` binds a and b
    return names


RESERVED = frozenset(_imported_names(MODULE_IMPORTS) | {"ode_solvers"} | set(GENERATED_FUNCTIONS) | set(FUNCTION_LOCALS)
                     | set(dir(builtins)) | set(keyword.kwlist))


class Names:
    """Python names for model names, and fresh temporaries.

    A model name is kept as written when it cannot meet a generated name: not reserved, not
    starting with a generated prefix, not ending with a generated suffix or with `_`.  Any other
    gets a trailing `_` (`np` → `np_`, `Rt_adj` → `Rt_adj_`).  The map is one-to-one, and no
    generated name ends with `_`, so user names and generated names never meet."""

    def __init__(self):
        self.counter = itertools.count()

    @staticmethod
    def of(name: str) -> str:
        if (name in RESERVED or name.startswith(GENERATED_PREFIXES) or name.endswith(GENERATED_SUFFIXES)
                or name.endswith("_")):
            return f"{name}_"
        return name

    def temporary(self, statement_prefix: str, hint: str = "") -> str:
        """`_a_l21_t3_matmul`: the statement's prefix, a counter, what the value is."""
        return f"{statement_prefix}_t{next(self.counter)}" + (f"_{hint}" if hint else "")


def indent(lines: list[str], depth: int = 1) -> list[str]:
    pad = "    " * depth
    return [pad + line if line else line for line in lines]


def dim_code(dim: Dim, names: dict[str, "Value"]) -> str:
    """A size as Python text in the generated function's local names, parenthesised when it is a
    sum (so `D * (K - 1)` stays one).  Opaque terms (`sum(m)`, `N // 2`) are written from their
    definitions."""
    definitions = dim.opaque_terms

    def local(symbol: str) -> str:
        if not symbol.isidentifier():
            return _opaque_code(definitions.get(symbol), names, dim)
        value = names.get(symbol)
        return symbol if value is None else value.code

    text = dim.render(local)
    return f"({text})" if dim.is_sum else text


_SIZE_OPERATORS = ("+", "-", "*", "//", "%")
_SIZE_REDUCTIONS = {"sum": "np.sum", "max": "np.max", "min": "np.min", "argmax": "np.argmax", "argmin": "np.argmin",
                    "prod": "np.prod"}


def _opaque_code(definition, names, dim) -> str:
    if isinstance(definition, Minimum):
        return f"min({dim_code(definition.first, names)}, {dim_code(definition.second, names)})"
    if isinstance(definition, SliceLength):
        parts = ["None" if p is None else _size_expression_code(p, names, dim)
                 for p in (definition.start, definition.stop, definition.step)]
        return f"len(range(*slice({', '.join(parts)}).indices({dim_code(definition.size, names)})))"
    if definition is None:
        raise NotSupportedYet(f"a size the compiler cannot express yet: {dim}")
    return _size_expression_code(definition, names, dim)


def _size_expression_code(expr, names, dim) -> str:
    """Python text of an int expression of data and loop variables used as a size."""
    if isinstance(expr, ir.Constant) and expr.type.dtype == "int":
        return repr(int(expr.value))
    if isinstance(expr, ir.Variable):
        value = names.get(expr.name)
        return expr.name if value is None else value.code
    if isinstance(expr, ir.UnaryOp) and expr.op in ("-", "+"):
        return f"({expr.op}{_size_expression_code(expr.operand, names, dim)})"
    if isinstance(expr, ir.BinaryOp) and expr.op in _SIZE_OPERATORS:
        return (f"({_size_expression_code(expr.left, names, dim)} {expr.op} "
                f"{_size_expression_code(expr.right, names, dim)})")
    if isinstance(expr, ir.Call) and not expr.options and expr.function in _SIZE_REDUCTIONS:
        return f"{_SIZE_REDUCTIONS[expr.function]}({_size_expression_code(expr.args[0], names, dim)})"
    if isinstance(expr, ir.Call) and expr.function == "size":
        return f"{_size_expression_code(expr.args[0], names, dim)}.size"
    if isinstance(expr, ir.IndexOp) and all(isinstance(item, ir.ScalarIndex) for item in expr.items):
        indices = ", ".join(_size_expression_code(item.index, names, dim) for item in expr.items)
        return f"{_size_expression_code(expr.value, names, dim)}[{indices}]"
    raise NotSupportedYet(f"a size the compiler cannot express yet: {dim}")


class SizeCode:
    """Python text of an integer size that arithmetic builds on, so that a size formula written
    once for ints (a transform's `free_size`, in ppl.transforms) also writes its code:
    `free_size(SizeCode("K"))` is `(K * (K - 1)) // 2`."""

    def __init__(self, text: str):
        self.text = text

    def _combine(self, operator: str, other) -> "SizeCode":
        other_text = other.text if isinstance(other, SizeCode) else repr(int(other))
        return SizeCode(f"({self.text} {operator} {other_text})")

    def __add__(self, other):
        return self._combine("+", other)

    def __sub__(self, other):
        return self._combine("-", other)

    def __mul__(self, other):
        return self._combine("*", other)

    def __floordiv__(self, other):
        return self._combine("//", other)

    __radd__ = __add__
    __rmul__ = __mul__

    def __str__(self) -> str:
        return self.text


def shape_code(shape, names) -> str:
    parts = [dim_code(d, names) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def zeros_like(value: Value) -> str:
    if value.is_scalar:
        return f"{value.adjoint} = 0.0"
    return f"{value.adjoint} = np.zeros({value.code}.shape)"


def lines_of(ops: list[Op], kind: str) -> list[str]:
    """The lines of one kind (forward, recompute, adjoint_init, reverse, without_jacobian) of a list of Ops."""
    lines: list[str] = []
    for op in ops:
        if kind == "recompute":
            lines += op.recompute_lines()
        elif kind == "without_jacobian":
            lines += op.forward if op.without_jacobian is None else op.without_jacobian
        else:
            lines += getattr(op, kind)
    return lines
