"""Evaluate a data-only IR expression with NumPy (bounds and sizes of data
when binding).  NumPy's semantics are the language's, so each IR node maps
onto one NumPy operation.  `can_evaluate` says beforehand whether an
expression is made only of what `evaluate` knows; `size_value` evaluates a
symbolic size (codegen/shapes.py)."""

from __future__ import annotations

import numpy as np

from codegen import ir
from codegen.shapes import Dim, Minimum, SliceLength
from ppl.catalogue import special_functions as special

_BINARY = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "//": np.floor_divide,
    "%": np.mod, "**": np.power, "@": np.matmul, "==": np.equal, "!=": np.not_equal, "<": np.less,
    "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "and": np.logical_and, "or": np.logical_or,
}


def _logsumexp(x, axis=None, keepdims=False):
    x = np.asarray(x, dtype=np.float64)
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    total = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return total if keepdims else (total.reshape(()) if axis is None else np.squeeze(total, axis=axis))


_ELEMENTWISE = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt,
    "square": np.square, "abs": np.abs, "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
    "sigmoid": special.sigmoid, "logit": lambda x: np.log(x) - np.log1p(-x),
    "softplus": special.softplus, "log_sigmoid": special.log_sigmoid,
    "erf": special.erf, "lgamma": special.lgamma, "Phi": special.ndtr,
    "pow": np.power, "where": lambda c, a, b: np.where(np.asarray(c) != 0, a, b),
    "log_mix": lambda theta, a, b: np.logaddexp(np.log(theta) + a, np.log1p(-theta) + b),
    "log10": np.log10, "log2": np.log2, "log1m": lambda x: np.log1p(-np.asarray(x)),
    "log1m_exp": special.log1mexp, "log_diff_exp": lambda a, b: a + special.log1mexp(np.subtract(b, a)),
    "lbeta": lambda a, b: special.lgamma(a) + special.lgamma(b) - special.lgamma(np.add(a, b)),
    "lchoose": lambda n, k: (special.lgamma(np.add(n, 1)) - special.lgamma(np.add(k, 1))
                             - special.lgamma(np.subtract(n, k) + 1)),
    "digamma": special.digamma, "inv_logit": special.sigmoid,
    "fmin": lambda a, b: np.where(np.less_equal(a, b), a, b),
    "fmax": lambda a, b: np.where(np.greater_equal(a, b), a, b),
    "clip": lambda x, low, high: np.where(np.less(x, low), low, np.where(np.greater(x, high), high, x)),
}

# the functions evaluate applies elementwise (NumPy's broadcasting)
ELEMENTWISE_FUNCTIONS = frozenset(_ELEMENTWISE)

_REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min,
               "sd": lambda x, axis=None: np.std(x, axis=axis, ddof=1), "logsumexp": _logsumexp}

# along one axis (the last unless `axis=` says otherwise), the shape kept
_ALONG_AXIS = {"cumsum": np.cumsum,
               "softmax": lambda x, axis: np.exp(x - _logsumexp(x, axis, keepdims=True)),
               "log_softmax": lambda x, axis: x - _logsumexp(x, axis, keepdims=True)}


def elementwise_numpy(name: str, args: list[float]):
    """An elementwise built-in of float64 numbers, as NumPy computes it (None if not in the table)."""
    if name not in _ELEMENTWISE:
        return None
    with np.errstate(all="ignore"):
        return _ELEMENTWISE[name](*[np.float64(a) for a in args])


def evaluate(expr, values: dict):
    """The value of a data-only expression given the bound data."""
    if isinstance(expr, ir.Constant):
        return expr.value
    if isinstance(expr, ir.Variable):
        if expr.name not in values:
            raise NotImplementedError(f"evaluating '{expr.name}' ({expr.role}) while binding data is not supported yet")
        return values[expr.name]
    if isinstance(expr, ir.UnaryOp):
        operand = evaluate(expr.operand, values)
        return {"-": np.negative, "+": np.positive, "not": np.logical_not}[expr.op](operand)
    if isinstance(expr, ir.BinaryOp):
        left, right = evaluate(expr.left, values), evaluate(expr.right, values)
        if expr.type.dtype == "real":   # `N ** -1` of ints is real (0.5), as in Python; NumPy's int power raises
            left, right = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
        with np.errstate(all="ignore"):   # 0.0 / 0.0 is NaN, as in the generated code, without a warning
            return _BINARY[expr.op](left, right)
    if isinstance(expr, ir.IndexOp):
        return np.asarray(evaluate(expr.value, values))[_index(expr.items, values)]
    if isinstance(expr, ir.Stack):
        return np.array([evaluate(item, values) for item in expr.items])
    if isinstance(expr, ir.Call):
        return _call(expr, values)
    raise NotImplementedError(f"evaluating {type(expr).__name__} while binding data is not supported yet")


def _index(items, values):
    out = []
    for item in items:
        if isinstance(item, ir.ScalarIndex):   # an array of indices where loops are evaluated at once
            index = evaluate(item.index, values)
            out.append(int(index) if np.ndim(index) == 0 else np.asarray(index))
        elif isinstance(item, ir.GatherIndex):
            out.append(np.asarray(evaluate(item.indices, values)))
        else:
            parts = [None if p is None else int(evaluate(p, values)) for p in (item.start, item.stop, item.step)]
            out.append(slice(*parts))
    return tuple(out)


def _call(expr: ir.Call, values):
    args = [evaluate(a, values) for a in expr.args]
    options = dict(expr.options)
    name = expr.function
    with np.errstate(all="ignore"):
        if name in _ELEMENTWISE:
            if expr.type.dtype == "real":   # pow(2, -1) is 0.5
                args = [np.asarray(a, dtype=np.float64) for a in args]
            return _ELEMENTWISE[name](*args)
        if name in _REDUCTIONS:
            return _REDUCTIONS[name](np.asarray(args[0]), axis=options.get("axis"))
        if name in _ALONG_AXIS:
            return _ALONG_AXIS[name](np.asarray(args[0], dtype=np.float64), options.get("axis", -1))
    if name == "size":
        return int(np.size(args[0]))
    if name == "transpose":
        return np.transpose(args[0])
    if name in ("zeros", "ones"):
        return (np.zeros if name == "zeros" else np.ones)(tuple(int(a) for a in args))
    if name == "eye":
        return np.eye(int(args[0]))
    if name == "diag":
        return np.diag(args[0])
    if name == "dot":
        return np.sum(np.multiply(args[0], args[1]), axis=-1)
    if name == "argmax":
        return int(np.argmax(args[0]))
    if name == "concatenate":
        return np.concatenate(args, axis=options.get("axis", 0))
    if name == "full":
        value = np.asarray(args[-1])
        return np.full(tuple(int(a) for a in args[:-1]) + value.shape, value)
    if name in _OTHER_FUNCTIONS:
        return _OTHER_FUNCTIONS[name](*args)
    raise NotImplementedError(f"evaluating {name}() while binding data is not supported yet")


def _rank(x):
    ranks = np.empty(np.shape(x), dtype=np.int64)
    ranks[np.argsort(x, kind="mergesort")] = np.arange(np.size(x))
    return ranks


# NumPy's forms of the structural built-ins (as ppl/catalogue/builtins.py describes them)
_OTHER_FUNCTIONS = {
    "argmin": lambda x: int(np.argmin(x)),
    "prod": np.prod,
    "flatten": np.ravel,
    "sort": lambda x: np.sort(x, kind="mergesort"),
    "rank": _rank,
    "dot_self": lambda x: np.dot(x, x),
    "trace": np.trace,
    "diag_pre_multiply": lambda v, a: np.asarray(v)[:, None] * a,
    "diag_post_multiply": lambda a, v: np.multiply(a, v),
    "quad_form_diag": lambda a, v: np.asarray(v)[:, None] * a * v,
    "quad_form": lambda a, b: np.transpose(b) @ a @ b,
    "multiply_lower_tri_self_transpose": lambda l: np.tril(l) @ np.tril(l).T,
    "solve": np.linalg.solve,
    "solve_lower_triangular": lambda a, b: np.linalg.solve(np.tril(a), b),
    "solve_upper_triangular": lambda a, b: np.linalg.solve(np.triu(a), b),
    "inverse": np.linalg.inv,
    "log_determinant": lambda a: np.linalg.slogdet(a)[1],
    "eigenvalues_sym": lambda a: _symmetric_eigen().eigenvalues_sym(np.asarray(a, dtype=np.float64)),
    "eigenvectors_sym": lambda a: _symmetric_eigen().eigenvectors_sym(np.asarray(a, dtype=np.float64)),
}


def _symmetric_eigen():
    """The compiled code's decomposition (its sign convention is one definition), for data."""
    from ppl.runtime import symmetric_eigen

    return symmetric_eigen

_OTHER_CALLS = {"size", "transpose", "zeros", "ones", "eye", "diag", "dot", "argmax", "concatenate", "full",
                *_OTHER_FUNCTIONS}


def can_evaluate(expr, known) -> bool:
    """Whether `evaluate` can compute expr once the names in `known` have values."""
    for node in ir.walk_expr(expr):
        if isinstance(node, ir.Variable):
            if node.name not in known:
                return False
        elif isinstance(node, ir.UnaryOp):
            if node.op not in ("-", "+", "not"):
                return False
        elif isinstance(node, ir.BinaryOp):
            if node.op not in _BINARY:
                return False
        elif isinstance(node, ir.Call):
            if node.function not in _ELEMENTWISE and node.function not in _REDUCTIONS \
                    and node.function not in _OTHER_CALLS:
                return False
        elif not isinstance(node, (ir.Constant, ir.IndexOp, ir.Stack)):
            return False
    return True


def evaluate_lazily(expr, value_of):
    """evaluate(expr) reading each name's value from `value_of(name)` (which raises KeyError for
    a name with no value) when it is first needed."""
    return evaluate(expr, _Values(value_of))


def size_value(dim: Dim, value_of) -> int:
    """The value of a symbolic size; `value_of(name)` gives a name's value (it may raise KeyError
    for a name with no value yet).  Opaque terms are evaluated from their definitions."""
    definitions = dim.opaque_terms
    total = 0
    for monomial, coefficient in dim.terms:
        term = coefficient
        for symbol in monomial:
            term *= int(value_of(symbol)) if symbol.isidentifier() else _opaque_value(definitions[symbol], value_of)
        total += term
    return total


def _opaque_value(definition, value_of) -> int:
    if isinstance(definition, Minimum):
        return min(size_value(definition.first, value_of), size_value(definition.second, value_of))
    if isinstance(definition, SliceLength):
        parts = [None if p is None else int(evaluate_lazily(p, value_of)) for p in
                 (definition.start, definition.stop, definition.step)]
        return len(range(size_value(definition.size, value_of))[slice(*parts)])
    if definition is None:
        raise NotImplementedError("a size with no definition")
    return int(evaluate_lazily(definition, value_of))


class _Values(dict):
    """The mapping `evaluate` reads names from, backed by a function."""

    def __init__(self, value_of):
        super().__init__()
        self.value_of = value_of

    def __contains__(self, name) -> bool:
        try:
            self[name]
        except KeyError:
            return False
        return True

    def __missing__(self, name):
        value = self.value_of(name)
        self[name] = value
        return value
