"""Symbolic array dimensions: sizes known only once data is bound.

A dimension is a polynomial with integer coefficients over the names of
integer data and loop variables (`N`, `2*N`, `T - K`, `N*K`), so that the
checker can prove `[N]` and `[N]` equal, `[N]` and `[K]` different, and
`y[t - K:t]` of length `K` inside a loop.  What is not a polynomial (`N // 2`,
`size(x)`) is an *opaque* dimension: never proven equal or different, checked
when data is bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

Monomial = tuple[str, ...]  # sorted names, repeated for powers; () is the constant


@dataclass(frozen=True)
class Dim:
    terms: tuple[tuple[Monomial, int], ...] = ()
    opaque: str | None = None

    # construction
    @staticmethod
    def constant(value: int) -> "Dim":
        return Dim(((((), int(value)),) if value else ()))

    @staticmethod
    def name(name: str) -> "Dim":
        return Dim((((name,), 1),))

    @staticmethod
    def unknown(text: str) -> "Dim":
        return Dim((), opaque=text)

    @staticmethod
    def _from(terms: dict[Monomial, int]) -> "Dim":
        return Dim(tuple(sorted((m, c) for m, c in terms.items() if c != 0)))

    # arithmetic
    def __add__(self, other: "Dim") -> "Dim":
        if self.opaque or other.opaque:
            return Dim.unknown(f"{self} + {other}")
        terms = dict(self.terms)
        for monomial, coefficient in other.terms:
            terms[monomial] = terms.get(monomial, 0) + coefficient
        return Dim._from(terms)

    def __neg__(self) -> "Dim":
        if self.opaque:
            return Dim.unknown(f"-({self})")
        return Dim(tuple((m, -c) for m, c in self.terms))

    def __sub__(self, other: "Dim") -> "Dim":
        if self.opaque or other.opaque:
            return Dim.unknown(f"{self} - {other}")
        return self + (-other)

    def __mul__(self, other: "Dim") -> "Dim":
        if self.opaque or other.opaque:
            return Dim.unknown(f"({self})*({other})")
        terms: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                monomial = tuple(sorted(m1 + m2))
                terms[monomial] = terms.get(monomial, 0) + c1 * c2
        return Dim._from(terms)

    # queries
    @property
    def is_constant(self) -> bool:
        return self.opaque is None and all(m == () for m, _ in self.terms)

    @property
    def value(self) -> int | None:
        if not self.is_constant:
            return None
        return self.terms[0][1] if self.terms else 0

    @property
    def is_sum(self) -> bool:
        """Whether the text has a sign between terms (or in front), so needs parentheses in a product."""
        return self.opaque is not None or len(self.terms) > 1 or any(c < 0 for _, c in self.terms)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for monomial, _ in self.terms for name in monomial)

    def provably_equal(self, other: "Dim") -> bool:
        return self.opaque is None and other.opaque is None and self.terms == other.terms

    def provably_different(self, other: "Dim") -> bool:
        """True when the two sizes differ for some data (or always, for constants)."""
        if self.opaque or other.opaque:
            return False
        return self.terms != other.terms

    def __str__(self) -> str:
        return self.render(lambda name: name)

    def render(self, name_text) -> str:
        """The size as text, each name written as `name_text(name)` says (in generated code: the
        local variable holding it)."""
        if self.opaque is not None:
            return self.opaque
        if not self.terms:
            return "0"
        parts = []
        for monomial, coefficient in sorted(self.terms, key=lambda t: (-len(t[0]), t[0])):
            body = "*".join(name_text(name) for name in monomial)
            magnitude = abs(coefficient)
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
    """The broadcast of two sizes, or None when they provably cannot broadcast."""
    if is_one(a):
        return b
    if is_one(b):
        return a
    if a.provably_equal(b):
        return a
    if a.opaque:
        return b
    if b.opaque:
        return a
    return None


def broadcast_shapes(*shapes: Shape) -> Shape | None:
    """NumPy broadcasting over symbolic shapes; None when they cannot broadcast."""
    rank = max((len(s) for s in shapes), default=0)
    result: list[Dim] = []
    for axis in range(rank):
        dim = ONE
        for shape in shapes:
            offset = axis - (rank - len(shape))
            if offset < 0:
                continue
            merged = broadcast_dims(dim, shape[offset])
            if merged is None:
                return None
            dim = merged
        result.append(dim)
    return tuple(result)
