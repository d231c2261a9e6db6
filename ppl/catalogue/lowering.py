"""How a family is another family, written as data in its declaration.

Some families are others under a change of parameters: a MultivariateNormalDiag is
a Normal per entry of its event, a MultivariateNormalFullCovariance is a
MultivariateNormalTriL of cholesky(covariance_matrix), a GaussianProcess is a
MultivariateNormalFullCovariance of its kernel's matrix.  The declaration says so
with a ``Lowering``: the target family, each of its parameters as a ``Term`` of the
source's parameters, and whether the source's event axes become batch axes of a
scalar target.  The compiler (``codegen/event_rules.lower``) reads it for `~`,
``.log_prob`` and `gen` draws alike, so a family that lowers needs no log density,
sampler or compiler code of its own.  The catalogue never imports the compiler:
terms are plain data that the compiler turns into its IR.

The terms:

* ``argument(name)``: the source's argument for the parameter ``name``;
* ``constant(value)``: a real number;
* ``call(builtin, term)``: a built-in of the language that keeps its argument's
  shape (``cholesky``);
* ``a + b``, ``a * b``: elementwise, broadcasting;
* ``kernel_matrix(kernel, points)``: the covariance matrix of the kernel argument
  ``kernel`` at the index points ``points`` (its kernel's covariance function,
  ``builtin_expressions.KERNEL_COVARIANCES``);
* ``identity(points)``: the identity matrix of the size of the points' first axis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    operation: str          # argument, constant, call, add, multiply, kernel_matrix, identity
    operands: tuple = ()

    def __add__(self, other) -> Term:
        return Term("add", (self, _as_term(other)))

    def __mul__(self, other) -> Term:
        return Term("multiply", (self, _as_term(other)))

    __radd__ = __add__
    __rmul__ = __mul__


def _as_term(value) -> Term:
    return value if isinstance(value, Term) else constant(value)


def argument(name: str) -> Term:
    return Term("argument", (name,))


def constant(value: float) -> Term:
    return Term("constant", (float(value),))


def call(builtin: str, operand: Term) -> Term:
    return Term("call", (builtin, operand))


def kernel_matrix(kernel: str, points: str) -> Term:
    return Term("kernel_matrix", (kernel, points))


def identity(points: str) -> Term:
    return Term("identity", (points,))


@dataclass(frozen=True)
class Lowering:
    family: str                                 # the family this one is
    arguments: tuple[tuple[str, Term], ...]     # the target's parameters, in terms of this one's
    event_as_batch: bool = False                # this family's event axes are batch axes of the target's


def lowers_to(family: str, *, event_as_batch: bool = False, **arguments: Term) -> Lowering:
    """``lowers_to("MultivariateNormalTriL", loc=argument("loc"), scale_tril=call("cholesky", ...))``."""
    return Lowering(family, tuple(arguments.items()), event_as_batch)
