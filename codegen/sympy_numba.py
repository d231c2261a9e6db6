"""SymPy expressions → lines of Numba-compatible Python.

The one place where symbolic maths becomes source code.  Three steps:

1. **Stable rewrites**: log(1 + x) → log1p(x), exp(x) - 1 → expm1(x),
   log(exp(a) + exp(b)) → logaddexp(a, b), log(1 + exp(x)) → softplus(x),
   log(1 - exp(x)) → log1m_exp(x) (SymPy's ``codegen.rewriting`` plus our own).
2. **Common subexpressions** shared with ``sympy.cse`` across all outputs,
   each bound to a named temporary, one statement per line.
3. **Printing** with an explicit table of functions Numba can call (the math
   module, ``ppl.runtime.special`` and ``ppl.runtime.incomplete``).  Anything outside the table raises
   ``UnsupportedExpression`` naming it: generated code never guesses.
"""

from __future__ import annotations

import math

import sympy
from ppl.catalogue.sympy_functions import expm1, log1m_exp, log1p, logaddexp, softplus
from sympy.codegen.rewriting import ReplaceOptim, logaddexp_opt, optimize
from sympy.printing.pycode import PythonCodePrinter


def as_float(value) -> float:
    """A number as float64, as NumPy would hold it: an integer beyond float range is ±inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def float_code(value) -> str:
    """Python source of a float64 value: `2.5`, `math.inf`, `-math.inf`, `math.nan`."""
    value = as_float(value)
    if math.isnan(value):
        return "math.nan"
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(value)


class UnsupportedExpression(Exception):
    """A SymPy construct with no Numba translation in the table (a bug in ppl's catalogue)."""


# SymPy function → the Numba-callable name it prints as
_FUNCTIONS = {
    "exp": "math.exp", "log": "math.log", "sqrt": "math.sqrt", "sin": "math.sin", "cos": "math.cos",
    "tan": "math.tan", "tanh": "math.tanh", "sinh": "math.sinh", "cosh": "math.cosh", "atan": "math.atan", "atan2": "math.atan2",
    "asin": "math.asin", "acos": "math.acos", "erf": "math.erf", "erfc": "math.erfc",
    "loggamma": "math.lgamma", "log1p": "math.log1p", "expm1": "math.expm1",
    "softplus": "special.softplus", "log1m_exp": "special.log1m_exp", "logaddexp": "special.logaddexp",
    "log_sigmoid": "special.log_sigmoid", "sigmoid": "special.sigmoid", "digamma": "special.digamma",
    "trigamma": "special.trigamma", "Phi": "special.Phi", "lbeta": "special.lbeta", "sign": "special.sign",
    "log_ndtr": "special.log_ndtr", "log_normal_mass": "special.log_normal_mass",
    "log_bessel_i0": "special.log_bessel_i0", "bessel_i1_i0_ratio": "special.bessel_i1_i0_ratio",
    "log_gamma_p": "incomplete.log_gamma_p", "log_gamma_q": "incomplete.log_gamma_q",
    "log_gamma_p_da": "incomplete.log_gamma_p_da", "log_gamma_q_da": "incomplete.log_gamma_q_da",
    "log_inc_beta": "incomplete.log_inc_beta", "log1m_inc_beta": "incomplete.log1m_inc_beta",
    "log_inc_beta_da": "incomplete.log_inc_beta_da", "log_inc_beta_db": "incomplete.log_inc_beta_db",
    "log1m_inc_beta_da": "incomplete.log1m_inc_beta_da", "log1m_inc_beta_db": "incomplete.log1m_inc_beta_db",
    "log_student_t_cdf": "incomplete.log_student_t_cdf", "log_student_t_cdf_ddf": "incomplete.log_student_t_cdf_ddf",
}

# SymPy's own log1p rewrite expands its argument ((x - mu)**2 → x**2 - 2 mu x + mu**2), trading
# a rounding error for a catastrophic cancellation; this one only takes the literal 1 out.
_log1p_opt = ReplaceOptim(
    lambda e: isinstance(e, sympy.log) and e.args[0].is_Add and sympy.S.One in e.args[0].args,
    lambda e: log1p(e.args[0] - 1))
# Likewise SymPy's expm1 rewrite cancels whole expressions; this one rewrites exp(z) - 1 only.
_expm1_opt = ReplaceOptim(
    lambda e: e.is_Add and sympy.S.NegativeOne in e.args and any(isinstance(a, sympy.exp) for a in e.args),
    lambda e: _expm1_of_add(e))


def _expm1_of_add(e):
    terms = list(e.args)
    terms.remove(sympy.S.NegativeOne)
    exponential = next(t for t in terms if isinstance(t, sympy.exp))
    terms.remove(exponential)
    return sympy.Add(expm1(exponential.args[0]), *terms)


_softplus_opt = ReplaceOptim(
    lambda e: isinstance(e, log1p) and isinstance(e.args[0], sympy.exp),
    lambda e: softplus(e.args[0].args[0]))
_log1m_exp_opt = ReplaceOptim(
    lambda e: isinstance(e, log1p) and e.args[0].is_Mul and len(e.args[0].args) == 2
    and e.args[0].args[0] == -1 and isinstance(e.args[0].args[1], sympy.exp),
    lambda e: log1m_exp(e.args[0].args[1].args[0]))

STABLE_REWRITES = (logaddexp_opt, _log1p_opt, _expm1_opt, _softplus_opt, _log1m_exp_opt)


def stabilise(expr):
    """Apply the stable rewrites until nothing changes."""
    for _ in range(4):
        rewritten = optimize(expr, STABLE_REWRITES)
        if rewritten == expr:
            return rewritten
        expr = rewritten
    return expr


class NumbaPrinter(PythonCodePrinter):
    """Python source for Numba's nopython mode: math-module scalars, ppl.special, floats."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": False, "standard": "python3"})

    def _print_Function(self, expr):
        name = type(expr).__name__
        if name not in _FUNCTIONS:
            raise UnsupportedExpression(f"no Numba translation for the function {name}() in {expr}")
        return f"{_FUNCTIONS[name]}({', '.join(self._print(a) for a in expr.args)})"

    def _print_known_func(self, expr):
        return self._print_Function(expr)

    _print_known_const = emptyPrinter = None  # replaced below; only the table's names print

    def _print_polygamma(self, expr):
        order, x = expr.args
        if order == 0:
            return f"special.digamma({self._print(x)})"
        if order == 1:
            return f"special.trigamma({self._print(x)})"
        raise UnsupportedExpression(f"no Numba translation for polygamma of order {order}")

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Mul(self, expr):
        # a fractional coefficient prints as one float (-0.5/x, not -(0.5)/x nor -1/2/x)
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient.is_Rational and not coefficient.is_Integer:
            expr = sympy.Mul(sympy.Float(coefficient), rest)
        return super()._print_Mul(expr)

    def _print_Rational(self, expr):
        return float_code(as_float(expr.p) / as_float(expr.q))

    def _print_Float(self, expr):
        return float_code(float(expr))

    def _print_Half(self, expr):
        return "0.5"

    def _print_Integer(self, expr):
        return float_code(int(expr))

    # what SymPy folds a real expression to when it has no real value: NumPy's answer, nan
    # (log(-1) is I*pi in SymPy, nan in NumPy; 1/0 is zoo in SymPy, inf or nan in NumPy)
    def _print_NaN(self, expr):
        return "math.nan"

    def _print_ComplexInfinity(self, expr):
        return "math.nan"

    def _print_ImaginaryUnit(self, expr):
        return "math.nan"

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        if exponent == sympy.Rational(1, 2):
            return f"math.sqrt({self._print(base)})"
        if exponent == -1:
            return f"1.0 / {self.parenthesize(base, 50)}"
        if exponent.is_Integer and 2 <= abs(int(exponent)) <= 4:
            power = f"{self.parenthesize(base, 60)} ** {int(abs(exponent))}"
            return power if exponent > 0 else f"1.0 / ({power})"
        return f"{self.parenthesize(base, 60)} ** {self.parenthesize(exponent, 60)}"

    def _print_Exp1(self, expr):
        return "math.e"

    def _print_Pi(self, expr):
        return "math.pi"

    def _print_Infinity(self, expr):
        return "math.inf"

    def _print_NegativeInfinity(self, expr):
        return "-math.inf"

    def _print_where(self, expr):
        """where(c, a, b) as a conditional expression: only the branch taken is evaluated."""
        condition, a, b = (self._print(arg) for arg in expr.args)
        return f"({a} if {condition} else {b})"

    def _print_Piecewise(self, expr):
        raise UnsupportedExpression(f"piecewise expressions are not emitted: {expr}")

    def _print_Symbol(self, expr):
        return expr.name

    def emptyPrinter(self, expr):  # noqa: F811 - the fallback for every unknown node
        raise UnsupportedExpression(f"no Numba translation for {type(expr).__name__}: {expr}")


# SymPy's Python printer has its own methods for many functions (log → 'log', loggamma →
# 'lgamma', Max, floor, ...); route every one of them through the table so that only
# the table's names print, fully qualified, and anything else fails loudly.
for _method in [m for m in dir(PythonCodePrinter) if m.startswith("_print_")]:
    _node = _method[len("_print_"):]
    if _node in _FUNCTIONS or _node in ("Max", "Min", "floor", "ceiling", "atan2", "Heaviside",
                                         "Mod", "frac", "re", "im", "arg", "conjugate"):
        setattr(NumbaPrinter, _method, NumbaPrinter._print_Function)


def emit_assignments(outputs: dict[str, sympy.Expr], temporary_prefix: str = "common",
                     stable: bool = False) -> list[str]:
    """Lines computing each output name, sharing common subexpressions.

    ``outputs`` maps a target name (a valid Python identifier) to an
    expression in symbols named as the variables in scope where the lines
    will run.  Returns one statement per line, temporaries first.  ``stable``:
    the expressions have been through ``stabilise`` already.
    """
    names = list(outputs)
    expressions = [sympy.sympify(outputs[name]) for name in names]
    if not stable:
        expressions = [stabilise(e) for e in expressions]
    temporaries = sympy.numbered_symbols(f"{temporary_prefix}_")
    shared, reduced = sympy.cse(expressions, symbols=temporaries)
    # an output that is one temporary whole gives the temporary its name (no `name = _c_3` lines)
    renaming = {}
    temporaries_made = {symbol for symbol, _ in shared}
    for name, value in zip(names, reduced):
        if value in temporaries_made and value not in renaming and name.isidentifier():
            renaming[value] = sympy.Symbol(name, real=True)
    if renaming:
        shared = [(renaming.get(symbol, symbol), value.xreplace(renaming)) for symbol, value in shared]
        kept = [(name, value.xreplace(renaming)) for name, value in zip(names, reduced)
                if not (value in renaming and renaming[value].name == name)]
        names, reduced = [name for name, _ in kept], [value for _, value in kept]
    printer = NumbaPrinter()
    lines = [f"{symbol} = {printer.doprint(value)}" for symbol, value in shared]
    lines += [f"{name} = {printer.doprint(value)}" for name, value in zip(names, reduced)]
    return lines


__all__ = ["NumbaPrinter", "UnsupportedExpression", "emit_assignments", "expm1", "log1p", "log1m_exp",
           "logaddexp", "softplus", "stabilise"]
