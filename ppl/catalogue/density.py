"""Each distribution's log density as SymPy builds it, and what follows from it.

A declaration in ``ppl/catalogue/distributions/`` carries one function,
``log_density(x, *, <parameters given>)``, that writes the normalised log
density in SymPy.  Everything numeric is derived here from that one
definition:

* ``log_density_expression(family, given)`` → ``(expression, x, {name: symbol})``,
  the expression in fresh symbols named after TFP's parameters (the compiler
  substitutes its own values for them);
* ``log_density_derivatives(family, given)`` → ``{name: d log p / d name}`` for
  the value ``"x"`` (continuous supports only) and each real parameter,
  simplified; ``log_density_cse`` shares their common subexpressions;
* ``numpy_log_density(family, given)`` and
  ``numpy_log_density_derivatives(family, given)`` → vectorised NumPy
  functions ``f(x, **parameters)``, lambdified from the same expressions with
  NumPy-only special functions (no SciPy at run time).

``given`` names the parameters of a call (one of each alternative group, as
``Bernoulli(logits=...)``); a parameter left out that has a TFP default
(``Uniform``'s ``low=0``, ``high=1``) becomes that constant.

Families with event axes (Categorical, Dirichlet, LKJCholesky) write their
log density once for any size: the value and the parameters with event axes
are ``sympy.IndexedBase`` objects whose shapes are size symbols (K), and
``sympy.Sum`` runs over their entries (``event_form`` gives it as written;
the compiler emits loops from it, ``codegen/event_density.py``).  The
functions above take ``size=K`` for them and write the sums out: a vector
parameter (or value) is then a tuple of K symbols ``name_0 ... name_{K-1}``
(K * K symbols ``name_i_j`` for a matrix), derivatives are keyed
``"name[k]"`` (``"name[i, j]"``), and the NumPy functions take arrays whose
last axes have length K.  Without ``size`` these families raise
``ValueError``.  Families declared with ``log_density=None`` (the
multivariate normals, LKJ, ...) raise ``NotImplementedError``.

Importing this module imports SymPy; nothing on ppl's import path imports it.
"""

from __future__ import annotations

import functools
import itertools
from functools import lru_cache
from typing import Callable

import numpy as np
import sympy

from ppl.catalogue import special_functions
from ppl.catalogue.declare import Distribution
from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.catalogue.sympy_functions import logaddexp

# ---- symbols --------------------------------------------------------------------

# SymPy assumptions for a symbol ranging over a constraint: they let SymPy drop
# absolute values and combine logarithms while simplifying
_ASSUMPTIONS = {
    "positive": {"positive": True},
    "unit_interval": {"positive": True},
    "probability": {"nonnegative": True},
    "positive_integer": {"positive": True},
    "nonnegative": {"nonnegative": True},
    "nonnegative_integer": {"nonnegative": True},
    "binary": {"nonnegative": True},
    "count_up_to_total": {"nonnegative": True},
    "category": {"nonnegative": True, "integer": True},
    "ordinal": {"nonnegative": True, "integer": True},
    "simplex": {"nonnegative": True},    # an entry may be 0 (Dirichlet's xlogy at the edge)
    "multinomial_counts": {"nonnegative": True},
}


def _assumptions(constraint) -> dict:
    return _ASSUMPTIONS.get(constraint.name, {"real": True})


def _symbols(name: str, constraint, size: int | None, rank: int = 1):
    """A scalar symbol, or (size given) the flat tuple of an event's size**rank element symbols
    ``name_k`` (``name_i_j`` for a matrix, row by row)."""
    if size is None:
        return sympy.Symbol(name, **_assumptions(constraint))
    return tuple(sympy.Symbol("_".join([name, *map(str, index)]), **_assumptions(constraint))
                 for index in itertools.product(range(size), repeat=rank))


def family(family_name: str) -> Distribution:
    """The declaration of a family (or alias); KeyError naming it if there is none."""
    try:
        return DISTRIBUTIONS[family_name]
    except KeyError:
        raise KeyError(f"no distribution is called {family_name!r}") from None


def _check_given(declaration: Distribution, given: tuple[str, ...]) -> None:
    names = declaration.parameter_names
    for name in given:
        if name not in names:
            raise ValueError(f"{declaration.name} has no parameter {name!r} (its parameters: {', '.join(names)})")
    if len(set(given)) != len(given):
        raise ValueError(f"{declaration.name}: a parameter is given twice in {given}")
    for group in declaration.alternatives:
        chosen = [name for name in group if name in given]
        if len(chosen) != 1:
            raise ValueError(f"{declaration.name} takes exactly one of {', '.join(group)}; given {given}")


def _event_rank(declaration: Distribution, name: str) -> int:
    """How many trailing event axes the value ("x") or a parameter has."""
    return len(declaration.event if name == "x" else declaration.parameter(name).event)


def _is_vector(declaration: Distribution) -> bool:
    return bool(declaration.event) or any(p.event for p in declaration.parameters)


@lru_cache(maxsize=None)
def _event_form(family_name: str, given: tuple[str, ...]):
    """The declaration's log density as it writes it, for any event size: ``(expression, x,
    {name: symbol}, {letter: size symbol})``.  The value and the parameters with event axes
    are ``sympy.IndexedBase`` objects whose shapes are the size symbols of their letters,
    scalars are symbols, and a size parameter (LKJ's ``dimension``) is its letter's symbol."""
    declaration = family(family_name)
    if declaration.log_density is None:
        raise NotImplementedError(f"{declaration.name} has no SymPy log density: the compiler gives it "
                                  f"hand-written adjoint rules")
    x, symbols, arguments, sizes = _arguments(family_name, given)
    expression = sympy.sympify(declaration.log_density(x, **arguments))
    return expression, x, symbols, sizes


@lru_cache(maxsize=None)
def _arguments(family_name: str, given: tuple[str, ...]):
    """``(x, {name: symbol}, {name: argument}, {letter: size symbol})``: the symbols of a call's
    value and parameters, and the arguments a declaration's functions are called with (the
    symbols, TFP's defaults for parameters left out, the size symbols of size parameters)."""
    declaration = family(family_name)
    _check_given(declaration, given)
    letters = [*declaration.event, *(letter for p in declaration.parameters for letter in p.event),
               *(p.sets for p in declaration.parameters if p.kind == "size")]
    sizes = {letter: sympy.Symbol(letter, integer=True, positive=True) for letter in dict.fromkeys(letters)}

    def symbol(name, constraint, event):
        if not event:
            return sympy.Symbol(name, **_assumptions(constraint))
        return sympy.IndexedBase(name, shape=tuple(sizes[letter] for letter in event), **_assumptions(constraint))

    in_groups = {name for group in declaration.alternatives for name in group}
    arguments, symbols = {}, {}
    for parameter in declaration.parameters:
        if parameter.kind == "size":
            arguments[parameter.name] = sizes[parameter.sets]
        elif parameter.kind != "value":
            raise NotImplementedError(f"{declaration.name}'s {parameter.name} is not a scalar or array value")
        elif parameter.name in given:
            symbols[parameter.name] = symbol(parameter.name, parameter.domain, parameter.event)
            arguments[parameter.name] = symbols[parameter.name]
        elif parameter.name not in in_groups:
            if parameter.default is None:
                raise ValueError(f"{declaration.name} needs its parameter {parameter.name!r}")
            arguments[parameter.name] = sympy.nsimplify(parameter.default, rational=True)
    x = symbol("x", declaration.support, declaration.event)
    return x, symbols, arguments, sizes


def event_form(family_name: str, given: tuple[str, ...]):
    """``(expression, x, {parameter name: symbol}, {letter: size symbol})``: the log density of
    a family with event axes as its declaration writes it, for any size (``sympy.Sum`` over
    the event's entries, ``x[k]``, ``concentration[k]``); scalar families have no sizes.
    The compiler emits its loops from this form (``codegen/event_density.py``)."""
    expression, x, symbols, sizes = _event_form(family_name, tuple(given))
    return expression, x, dict(symbols), dict(sizes)


# ---- cdfs ----------------------------------------------------------------------------

# the distribution functions of a scalar family, by TFP's method names
DISTRIBUTION_FUNCTIONS = ("log_cdf", "cdf", "log_survival_function", "survival_function")


@lru_cache(maxsize=None)
def _distribution_function(family_name: str, given: tuple[str, ...], method: str):
    declaration = family(family_name)
    if method not in DISTRIBUTION_FUNCTIONS:
        raise ValueError(f"unknown distribution function {method!r} (one of {', '.join(DISTRIBUTION_FUNCTIONS)})")
    if not declaration.has_cdf:
        raise NotImplementedError(f"{declaration.name} declares no cdf")
    from ppl.catalogue.supports import ends
    from ppl.catalogue.sympy_functions import log1m_exp, where

    x, symbols, arguments, _ = _arguments(family_name, given)
    lower_tail = method in ("log_cdf", "cdf")
    declared, other = ((declaration.log_cdf, declaration.log_survival) if lower_tail
                       else (declaration.log_survival, declaration.log_cdf))
    inside = declared(x, **arguments) if declared is not None else log1m_exp(other(x, **arguments))
    # outside the support the cdf is 0 below and 1 above (the survival function the reverse)
    interval = ends(declaration.support, tuple(arguments[name] for name in declaration.support_bounds))
    below, above = (-sympy.oo, 0) if lower_tail else (0, -sympy.oo)
    # the value ranges over all reals here: the symbol x carries the support's assumptions
    # (positive, ...), under which SymPy would decide `x < 0` False
    anywhere = sympy.Symbol("x", real=True)
    expression = sympy.sympify(inside).xreplace({x: anywhere})
    x = anywhere
    if interval.upper is not None:
        expression = where(x > interval.upper, above, expression)
    if interval.lower is not None:
        expression = where(x < interval.lower, below, expression)
    if not method.startswith("log_"):
        expression = sympy.exp(expression)
    return expression, x, symbols


def distribution_function_expression(family_name: str, given: tuple[str, ...], method: str):
    """(the SymPy expression of ``method`` at x, the symbol x, {parameter name: its symbol}) for a
    scalar family with a declared cdf: ``log_cdf`` (log P(X <= x)), ``cdf``,
    ``log_survival_function`` (log P(X > x)) or ``survival_function``, for every real x (-inf or
    0 outside the support, as the limits).  A side the declaration leaves out is log1m_exp of
    the other.  NotImplementedError for a family without a cdf."""
    expression, x, symbols = _distribution_function(family_name, tuple(given), method)
    return expression, x, dict(symbols)


@lru_cache(maxsize=None)
def _numpy_distribution_function(family_name, given, method):
    expression, x, _ = _distribution_function(family_name, given, method)
    call = _lambdify(family_name, given, None, [expression], value_symbol=x)

    def function(x, **parameters):
        return call(x, **parameters)[0]

    function.__doc__ = f"{method}(x) of {family_name}({', '.join(given)}), vectorised (NumPy broadcasting)."
    return function


def numpy_distribution_function(family_name: str, given: tuple[str, ...], method: str):
    """A vectorised NumPy function f(x, **parameters) of ``distribution_function_expression``
    (no check of the parameters' domains)."""
    return _numpy_distribution_function(family_name, tuple(given), method)


def _logsumexp_of_terms(terms):
    """log Σ exp(terms) as nested pairwise logaddexp: stable, and differentiable by SymPy."""
    total = terms[0]
    for term in terms[1:]:
        total = logaddexp(total, term)
    return total


def is_logsumexp(expression) -> bool:
    """Whether an expression is log(Sum(exp(body), limits)): a log-sum-exp over an event."""
    return (isinstance(expression, sympy.log) and isinstance(expression.args[0], sympy.Sum)
            and isinstance(expression.args[0].function, sympy.exp))


def _expand(expression, sizes: dict, size: int, elements: dict):
    """The event form for one size: sums written out, log-sum-exps as nested logaddexp,
    ``base[i, j]`` as the element symbol, and ``base[c]`` at a symbolic category c as
    sum_j KroneckerDelta(c, j) base_j."""
    expression = expression.xreplace({symbol: sympy.Integer(size) for symbol in sizes.values()})

    def terms(summation):
        (index, start, stop), = summation.limits
        return [summation.function.xreplace({index: sympy.Integer(j)}) for j in range(int(start), int(stop) + 1)]

    expression = expression.replace(is_logsumexp, lambda e: _logsumexp_of_terms(
        [term.args[0] for term in terms(e.args[0])]))
    expression = expression.replace(lambda e: isinstance(e, sympy.Sum), lambda e: sympy.Add(*terms(e)))

    def element(indexed):
        entries = elements[indexed.base.label.name]
        if all(index.is_Integer for index in indexed.indices):
            flat = 0
            for index in indexed.indices:
                flat = flat * size + int(index)
            return entries[flat]
        (category,) = indexed.indices
        return sympy.Add(*[sympy.KroneckerDelta(category, j) * entry for j, entry in enumerate(entries)])

    return expression.replace(lambda e: isinstance(e, sympy.Indexed), element)


@lru_cache(maxsize=None)
def _expression(family_name: str, given: tuple[str, ...], size: int | None):
    declaration = family(family_name)
    if declaration.log_density is None:
        raise NotImplementedError(f"{declaration.name} has no SymPy log density: the compiler gives it "
                                  f"hand-written adjoint rules")
    _check_given(declaration, given)
    vector = _is_vector(declaration)
    if vector and size is None:
        raise ValueError(f"{declaration.name} has vector parameters: its SymPy log density is written for a "
                         f"fixed size K (pass size=K)")
    if not vector and size is not None:
        raise ValueError(f"{declaration.name} is a scalar family: it takes no size")
    expression, x, event_symbols, sizes = _event_form(family_name, given)
    if not vector:
        return expression, x, event_symbols
    symbols, elements = {}, {}
    for name, symbol in [("x", x), *event_symbols.items()]:
        constraint = declaration.support if name == "x" else declaration.parameter(name).domain
        if isinstance(symbol, sympy.IndexedBase):
            elements[name] = _symbols(name, constraint, size, len(symbol.shape))
        symbols[name] = elements.get(name, symbol)
    expression = _expand(expression, sizes, size, elements)
    return expression, symbols.pop("x"), symbols


def log_density_expression(family_name: str, given: tuple[str, ...], size: int | None = None):
    """(log p(x) as a SymPy expression, the symbol x, {parameter name: its symbol}).

    Symbols are real, positive where the parameter's domain (or the support)
    is; a vector parameter's entry is a tuple of K symbols (``size=K``).
    """
    expression, x, symbols = _expression(family_name, tuple(given), size)
    return expression, x, dict(symbols)


# ---- derivatives ----------------------------------------------------------------

def _differentiation_symbols(family_name, given, size) -> dict[str, sympy.Symbol]:
    """{name: symbol} of everything log p is differentiated by: the value when the
    support is continuous, and each real parameter given."""
    declaration = family(family_name)
    _, x, symbols = _expression(family_name, given, size)
    wrt: dict[str, object] = {}
    if declaration.support.dtype == "real":
        wrt["x"] = x
    for name, symbol in symbols.items():
        if declaration.parameter(name).dtype == "real":
            wrt[name] = symbol
    flat = {}
    for name, symbol in wrt.items():
        if isinstance(symbol, tuple):
            rank = _event_rank(declaration, name)
            indices = itertools.product(range(size), repeat=rank)
            flat.update({f"{name}[{', '.join(map(str, index))}]": entry for index, entry in zip(indices, symbol)})
        else:
            flat[name] = symbol
    return flat


def _tidy(derivative: sympy.Expr) -> sympy.Expr:
    """A cheap, numerically careful simplification of one derivative.

    ``sympy.simplify`` is five times slower over the catalogue (1.5 s against
    0.3 s) and rewrites for brevity, not for floating point: it splits
    (x / scale)**k into x**k / scale**k, which overflows, and spreads
    StudentT's d/d df over one large fraction.  So only the terms over one
    denominator (``together``) and common factors pulled out
    (``factor_terms``) are tried, nothing expanded, and the candidate with
    the fewest operations kept.
    """
    candidates = [derivative, sympy.factor_terms(derivative)]
    candidates.append(sympy.factor_terms(sympy.together(derivative)))
    return min(candidates, key=sympy.count_ops)


@lru_cache(maxsize=None)
def _derivatives(family_name, given, size):
    expression, _, _ = _expression(family_name, given, size)
    return {name: _tidy(sympy.diff(expression, symbol))
            for name, symbol in _differentiation_symbols(family_name, given, size).items()}


def log_density_derivatives(family_name: str, given: tuple[str, ...], size: int | None = None) -> dict:
    """{name: d log p / d name} for "x" (continuous supports) and each real parameter given."""
    return dict(_derivatives(family_name, tuple(given), size))


def log_density_cse(family_name: str, given: tuple[str, ...], size: int | None = None):
    """The log density and its derivatives with common subexpressions shared:
    ``(replacements, {"log_density": ..., name: ...})`` as ``sympy.cse`` gives them."""
    given = tuple(given)
    expression, _, _ = _expression(family_name, given, size)
    outputs = {"log_density": expression, **_derivatives(family_name, given, size)}
    replacements, reduced = sympy.cse(list(outputs.values()),
                                      symbols=sympy.numbered_symbols("common_"))
    return replacements, dict(zip(outputs, reduced))


class _equal(sympy.Function):
    """1 where the arguments are equal, else 0: KroneckerDelta, vectorised for NumPy."""


class _Broadcasting:
    """NumPy's printer writes `a & b` as `logical_and.reduce((a, b))`, which needs arrays of one
    shape; this reduces pairwise, so that the operands broadcast (a scalar bound against an
    array of values)."""

    def __init__(self, ufunc):
        self.ufunc = ufunc

    def reduce(self, operands):
        return functools.reduce(self.ufunc, operands)


# what lambdify calls for each SymPy function that NumPy lacks
NUMPY_FUNCTIONS: dict[str, Callable] = {
    **special_functions.SYMPY_FUNCTIONS,
    "_equal": lambda a, b: np.where(np.equal(a, b), 1.0, 0.0),
    "logical_and": _Broadcasting(np.logical_and),
    "logical_or": _Broadcasting(np.logical_or),
}


# ---- NumPy functions --------------------------------------------------------------

def _lambdify(family_name, given, size, expressions, value_symbol=None):
    """A NumPy function f(x, **parameters) of the given expressions (a list); ``value_symbol``
    is the value's symbol where it is not the log density's."""
    declaration = family(family_name)
    _, x, symbols = _expression(family_name, given, size)
    x = x if value_symbol is None else value_symbol
    names = list(symbols)
    flat_arguments = []
    for symbol in (x, *symbols.values()):
        flat_arguments.extend(symbol if isinstance(symbol, tuple) else (symbol,))
    expressions = [sympy.sympify(e).replace(sympy.KroneckerDelta, _equal) for e in expressions]
    compiled = sympy.lambdify(flat_arguments, expressions, modules=[NUMPY_FUNCTIONS, "numpy"], cse=True)
    # each argument's event rank: the number of its trailing axes of length `size`
    ranks = [_event_rank(declaration, name) for name in ("x", *names)]

    def call(x_value, **parameters):
        missing = [name for name in names if name not in parameters]
        unknown = [name for name in parameters if name not in names]
        if missing or unknown:
            raise TypeError(f"{declaration.name}({', '.join(given)}) takes x and {', '.join(names)}; "
                            f"missing {missing}, unexpected {unknown}")
        values = [np.asarray(x_value, dtype=np.float64)]
        values += [np.asarray(parameters[name], dtype=np.float64) for name in names]
        shape = np.broadcast_shapes(*(value.shape[:value.ndim - rank] for value, rank in zip(values, ranks)))
        flat = []
        for value, rank in zip(values, ranks):
            if rank:
                if value.shape[value.ndim - rank:] != (size,) * rank:
                    raise ValueError(f"{declaration.name}: expected {rank} last axes of length {size}, "
                                     f"got shape {value.shape}")
                flat.extend(np.moveaxis(value.reshape(value.shape[:value.ndim - rank] + (-1,)), -1, 0))
            else:
                flat.append(value)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            results = compiled(*flat)
        return [np.broadcast_to(np.asarray(result, dtype=np.float64), shape).copy()[()] for result in results]

    return call


@lru_cache(maxsize=None)
def _numpy_log_density(family_name, given, size):
    expression, _, _ = _expression(family_name, given, size)
    call = _lambdify(family_name, given, size, [expression])

    def log_density(x, **parameters):
        return call(x, **parameters)[0]

    log_density.__doc__ = f"log p(x) of {family_name}({', '.join(given)}), vectorised (NumPy broadcasting)."
    return log_density


def numpy_log_density(family_name: str, given: tuple[str, ...], size: int | None = None):
    """A vectorised NumPy function f(x, **parameters) → log p(x), broadcasting its arguments
    (built once per family, parameterisation and size).

    Like the expression, it is the density inside the support: it does not check that x
    or the parameters are in their domains (a caller wanting -inf outside adds that)."""
    return _numpy_log_density(family_name, tuple(given), size)


@lru_cache(maxsize=None)
def _numpy_log_density_derivatives(family_name, given, size):
    derivatives = _derivatives(family_name, given, size)
    names = list(derivatives)
    call = _lambdify(family_name, given, size, [derivatives[name] for name in names])

    def log_density_derivatives(x, **parameters):
        return dict(zip(names, call(x, **parameters)))

    return log_density_derivatives


def numpy_log_density_derivatives(family_name: str, given: tuple[str, ...], size: int | None = None):
    """A vectorised NumPy function f(x, **parameters) → {name: d log p / d name}, keyed as
    ``log_density_derivatives``."""
    return _numpy_log_density_derivatives(family_name, tuple(given), size)


def parameterisations(declaration: Distribution) -> list[tuple[str, ...]]:
    """Every ``given`` a declaration accepts with all its parameters named: one per choice
    from each alternative group, in declaration order."""
    choices: list[tuple[str, ...]] = [()]
    for group in declaration.alternatives:
        choices = [chosen + (name,) for chosen in choices for name in group]
    in_groups = {name for group in declaration.alternatives for name in group}
    return [tuple(p.name for p in declaration.parameters if p.name not in in_groups or p.name in chosen)
            for chosen in choices]


__all__ = ["DISTRIBUTION_FUNCTIONS", "NUMPY_FUNCTIONS", "distribution_function_expression", "family",
           "numpy_distribution_function", "log_density_cse", "log_density_derivatives", "log_density_expression",
           "numpy_log_density", "numpy_log_density_derivatives", "parameterisations"]
