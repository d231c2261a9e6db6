"""Symbolic array dimensions: sizes known only once data is bound.

A dimension is a polynomial with integer coefficients over *size symbols*: the names of
integer data, transformed data and loop variables (`N`, `2*N`, `T - K`, `N*K`), and *opaque
terms*, the size expressions the polynomial algebra cannot look inside (`N // 2`, `sum(m)`,
the length of `x[::2]`).  An opaque term is a symbol named by its text and carries its
definition (the IR expression, or a `SliceLength` / `Minimum` rule), so that `[sum(m) - 1]`
and `[sum(m) - 1 - 0]` are the same size, and the term can be evaluated when data is bound
and written as code.

Two sizes compare three ways (`compare`): *equal* (the same polynomial), *different* whatever
the data (their difference is a non-zero constant: `[2]` and `[3]`, `[N]` and `[N + 1]`), or
*unknown* (`[K]` and `[2]`, `[N]` and `[K]`): the data decide, so the checker defers such a
comparison to a size check made when data is bound (`ir.SizeCheck`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

Monomial = tuple[str, ...]  # sorted symbols, repeated for powers; () is the constant

EQUAL, DIFFERENT, UNKNOWN = "equal", "different", "unknown"


@dataclass(frozen=True)
class SliceLength:
    """The length of `x[start:stop:step]` along an axis of size `size` (bounds are IR expressions
    or None), as `len(range(size)[start:stop:step])`."""
    size: "Dim"
    start: object
    stop: object
    step: object


@dataclass(frozen=True)
class Minimum:
    """min(first, second): the diagonal of a matrix not known to be square."""
    first: "Dim"
    second: "Dim"


@dataclass(frozen=True)
class Dim:
    terms: tuple[tuple[Monomial, int], ...] = ()
    # opaque symbol → its definition (an IR expression, SliceLength, Minimum, or None when it
    # cannot be evaluated); not part of equality, which the symbols' texts decide
    definitions: tuple[tuple[str, object], ...] = field(default=(), compare=False)

    # construction
    @staticmethod
    def constant(value: int) -> "Dim":
        return Dim(((((), int(value)),) if value else ()))

    @staticmethod
    def name(name: str) -> "Dim":
        return Dim((((name,), 1),))

    @staticmethod
    def unknown(text: str, definition=None) -> "Dim":
        """An opaque size: a symbol named by its text (never a bare name, which is a plain symbol)."""
        symbol = f"({text})" if text.isidentifier() else text
        return Dim((((symbol,), 1),), ((symbol, definition),))

    def _with(self, terms: dict[Monomial, int], *others: "Dim") -> "Dim":
        definitions = dict(self.definitions)
        for other in others:
            definitions.update(other.definitions)
        kept = tuple(sorted((m, c) for m, c in terms.items() if c != 0))
        used = {symbol for monomial, _ in kept for symbol in monomial}
        return Dim(kept, tuple(sorted((s, d) for s, d in definitions.items() if s in used)))

    # arithmetic
    def __add__(self, other: "Dim") -> "Dim":
        terms = dict(self.terms)
        for monomial, coefficient in other.terms:
            terms[monomial] = terms.get(monomial, 0) + coefficient
        return self._with(terms, other)

    def __neg__(self) -> "Dim":
        return self._with({m: -c for m, c in self.terms})

    def __sub__(self, other: "Dim") -> "Dim":
        return self + (-other)

    def __mul__(self, other: "Dim") -> "Dim":
        terms: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                monomial = tuple(sorted(m1 + m2))
                terms[monomial] = terms.get(monomial, 0) + c1 * c2
        return self._with(terms, other)

    # queries
    @property
    def is_constant(self) -> bool:
        return all(m == () for m, _ in self.terms)

    @property
    def value(self) -> int | None:
        if not self.is_constant:
            return None
        return self.terms[0][1] if self.terms else 0

    @property
    def symbols(self) -> frozenset[str]:
        """Every symbol: names and opaque terms."""
        return frozenset(symbol for monomial, _ in self.terms for symbol in monomial)

    @property
    def names(self) -> frozenset[str]:
        """The plain names among the symbols (not the opaque terms)."""
        return frozenset(s for s in self.symbols if s.isidentifier())

    @property
    def opaque_terms(self) -> dict:
        """Opaque symbol → its definition."""
        return dict(self.definitions)

    @property
    def is_sum(self) -> bool:
        """Whether the text has a sign between terms (or in front), or an operator inside an
        opaque term, so needs parentheses in a product."""
        return (len(self.terms) > 1 or any(c < 0 for _, c in self.terms)
                or any(" " in symbol for symbol in self.symbols))

    def compare(self, other: "Dim") -> str:
        """EQUAL, DIFFERENT (whatever the data) or UNKNOWN (the data decide)."""
        difference = self - other
        if not difference.terms:
            return EQUAL
        return DIFFERENT if difference.is_constant else UNKNOWN

    def provably_equal(self, other: "Dim") -> bool:
        return self.compare(other) == EQUAL

    def provably_different(self, other: "Dim") -> bool:
        """True when the two sizes differ whatever the data (`[2]` and `[3]`, `[N]` and `[N + 1]`)."""
        return self.compare(other) == DIFFERENT

    def __str__(self) -> str:
        return self.render(lambda name: name)

    def render(self, name_text) -> str:
        """The size as text, each symbol written as `name_text(symbol)` says (in generated code:
        the local variable holding it, or the code computing an opaque term)."""
        if not self.terms:
            return "0"
        parts = []
        for monomial, coefficient in sorted(self.terms, key=lambda t: (-len(t[0]), t[0])):
            magnitude = abs(coefficient)
            alone = len(monomial) == 1 and magnitude == 1 and coefficient > 0
            factors = []
            for symbol in monomial:
                text = name_text(symbol)
                if not symbol.isidentifier() and " " in text and not alone:
                    text = f"({text})"
                factors.append(text)
            body = "*".join(factors)
            if not body:
                text = str(magnitude)
            elif magnitude == 1:
                text = body
            else:
                text = f"{magnitude}*{body}"
            sign = "-" if coefficient < 0 else "+"
            parts.append((sign, text))
        first_sign, first = parts[0]
        out = ("-" if first_sign == "-" else "") + first
        for sign, text in parts[1:]:
            out += f" {sign} {text}"
        return out

    def __repr__(self) -> str:
        return f"Dim({self})"


Shape = tuple[Dim, ...]
ONE = Dim.constant(1)


def shape_str(shape: Iterable[Dim]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def is_one(dim: Dim) -> bool:
    return dim.value == 1


def broadcast_dims(a: Dim, b: Dim) -> Dim | None:
    """The broadcast of two sizes, or None when they differ whatever the data.  Sizes the data
    decide (`K` and `2`) broadcast to one of them (a constant if there is one): the checker has
    recorded a size check that makes them equal before any generated code runs."""
    if is_one(a):
        return b
    if is_one(b):
        return a
    relation = a.compare(b)
    if relation == DIFFERENT:
        return None
    if relation == UNKNOWN and b.is_constant and not a.is_constant:
        return b
    return a


def broadcast_shapes(*shapes: Shape, unproven: list | None = None) -> Shape | None:
    """NumPy broadcasting over symbolic shapes; None when they cannot broadcast whatever the data.

    `unproven` (a list), when given, receives one `(dim, (operand, axis), other_dim, (operand,
    axis))` per pair of sizes the data decide, axes counted in each operand's own shape."""
    rank = max((len(s) for s in shapes), default=0)
    result: list[Dim] = []
    for axis in range(rank):
        dim, owner = ONE, None
        for position, shape in enumerate(shapes):
            offset = axis - (rank - len(shape))
            if offset < 0 or is_one(shape[offset]):
                continue
            other = shape[offset]
            if owner is None:
                dim, owner = other, (position, offset)
                continue
            relation = dim.compare(other)
            if relation == DIFFERENT:
                return None
            if relation == UNKNOWN:
                if unproven is not None:
                    unproven.append((dim, owner, other, (position, offset)))
                if other.is_constant and not dim.is_constant:
                    dim, owner = other, (position, offset)
        result.append(dim)
    return tuple(result)
