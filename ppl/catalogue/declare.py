"""The vocabulary in which distributions are declared (one file each, in
``ppl/catalogue/distributions/``).

A declaration gives what the rest of ppl derives from: parameter names in
TensorFlow Probability's positional order, each with its domain and the
letters naming its event axes; which parameters are alternatives (exactly one
of `logits=` / `probs=`); the support; and the letters of the event shape.
The checker unifies letters across parameters (an MVNTriL's `loc` [K] and
`scale_tril` [K, K] must agree on K), so a new vector-valued distribution
needs no new shape code.

A declaration also carries its normalised log density, written once as a
function of SymPy symbols: ``log_density(x, *, <the parameters given>)``
returns a SymPy expression for log p(x) inside the support (the support's
bounds are not part of it).  The function imports SymPy itself, so that
importing the catalogue never does.  ``ppl.catalogue.density`` builds the
symbols, the derivatives and the NumPy functions from it.  A family with
event axes writes it for any size: ``x`` and its vector or matrix parameters
are ``sympy.IndexedBase`` objects shaped by size symbols, summed over with
``sympy.Sum`` (``dirichlet.py``).  Families whose log density is a matrix
computation (the multivariate normals, LKJ, GaussianProcess, ...) have
``log_density=None``: the compiler gives them hand-written adjoint rules
instead, or they are another family (below).

And it carries its sampler: one draw of the value given the parameters, a
plain Python function written with ``np.random``, ``math`` and NumPy only, so
that Numba compiles it (the catalogue itself never imports Numba).
``ppl.catalogue.draws`` compiles each one; generated ``gen NAME ~ D(...)``
statements call it (by ``sampler_name``) and so does the library's ``sample``.
A family whose parameters are alternatives has one sampler per alternative
(``sampler={"logits": ..., "probs": ...}``); the arguments are the parameters
of the parameterisation, in declaration order.  A scalar family's sampler
takes numbers and returns one number: it is called once per element.  An
event family's sampler draws one event: each argument is that parameter's
event at one batch element (a float for a scalar parameter, a K-vector for
``concentration``, a K x K array for ``scale_tril``; a size parameter such as
LKJ's ``dimension`` is a number) and it returns an array of the event shape
(or, for Categorical, whose parameters have an event but whose value does
not, a number); callers loop over the batch (``draws.draw_events``, and the
generated loop of ``codegen/event_rules.draw``).  Write it with explicit loops
where NumPy would call BLAS or LAPACK (``@``, ``np.linalg``): Numba needs SciPy
for those, which ppl does not require.  A sampler may call a plain function
of a catalogue module; ``draws`` compiles that function with it.

A family that is another one under a change of parameters (a full-covariance
normal is a TriL normal of the Cholesky factor) carries a ``lowering``
(``ppl.catalogue.lowering``) instead of a log density and sampler: the
compiler rewrites it into the target for `~`, ``.log_prob`` and `gen` alike.

A scalar family with a closed-form cdf declares it as ``log_cdf(x, *, <parameters>)`` and/or
``log_survival(x, ...)`` (SymPy, log P(X <= x) and log P(X > x) inside the support, written in
the form that keeps its digits in the tail it is used for: Normal's ``log_ndtr(z)`` and
``log_ndtr(-z)``).  The language's ``.log_cdf(x)``, ``.cdf(x)``,
``.log_survival_function(x)``, ``.survival_function(x)`` and ``T[low, high]``, and the library's
methods of the same names, all follow from these two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ppl.catalogue.constraints import Constraint
from ppl.catalogue.lowering import Lowering


@dataclass(frozen=True)
class Parameter:
    name: str
    domain: Constraint
    event: tuple[str, ...] = ()     # letters of the trailing axes one event uses
    default: float | None = None    # TFP's default when the argument is omitted
    kind: str = "value"             # "value"; "size" (a data-only int that sets an event letter);
                                    # "distribution" or "kernel" (a nested object)
    sets: str | None = None         # for kind="size": the letter it sets

    @property
    def dtype(self) -> str:
        return self.domain.dtype


@dataclass(frozen=True)
class Distribution:
    name: str
    parameters: tuple[Parameter, ...]
    support: Constraint
    event: tuple[str, ...] = ()                     # letters of the value's event shape
    alternatives: tuple[tuple[str, ...], ...] = ()  # groups of which exactly one is given
    aliases: tuple[str, ...] = ()
    shape_rule: str | None = None                   # a named special rule in the checker
    description: str = ""
    support_bounds: tuple[str, ...] = field(default=())  # parameters bounding the support
    # log_density(x, *, <parameters given>) -> SymPy expression of log p(x) inside the support;
    # None where the compiler has hand-written rules instead (see ppl/catalogue/density.py)
    log_density: Callable | None = field(default=None, compare=False)
    # log_cdf(x, *, <parameters given>) -> SymPy expression of log P(X <= x), and
    # log_survival(x, ...) of log P(X > x), for x inside the support (a scalar family with a closed
    # form; either may be None: it then follows from the other as log1m_exp, see ppl/catalogue/density.py)
    log_cdf: Callable | None = field(default=None, compare=False)
    log_survival: Callable | None = field(default=None, compare=False)
    # sampler(*parameters) -> one draw (np.random, Numba-compatible); a dict by the chosen
    # alternative where the family has alternatives; None where none is declared yet
    sampler: Callable | dict[str, Callable] | None = field(default=None, compare=False)
    # the family this one is under a change of parameters (ppl/catalogue/lowering.py), or None
    lowering: Lowering | None = None

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    @property
    def has_cdf(self) -> bool:
        """Whether the family declares a closed-form cdf (its log_cdf or its log_survival)."""
        return self.log_cdf is not None or self.log_survival is not None

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def alternative_group(self, name: str) -> tuple[str, ...] | None:
        for group in self.alternatives:
            if name in group:
                return group
        return None

    def sampler_for(self, given) -> Callable:
        """The sampler of the parameterisation that gives these parameters (KeyError if none)."""
        if isinstance(self.sampler, dict):
            chosen = [name for group in self.alternatives for name in group if name in given]
            return self.sampler[chosen[0]]
        if self.sampler is None:
            raise KeyError(f"{self.name} declares no sampler")
        return self.sampler

    @property
    def samplers(self) -> tuple[Callable, ...]:
        """Every sampler the declaration carries."""
        if isinstance(self.sampler, dict):
            return tuple(self.sampler.values())
        return () if self.sampler is None else (self.sampler,)


def sampler_name(sampler: Callable) -> str:
    """The name a catalogue sampler is compiled under in ``ppl.catalogue.draws``: its file's
    name, then what follows ``sample`` in its own (``normal``, ``bernoulli_logits``)."""
    return sampler.__module__.rpartition(".")[2] + sampler.__name__.removeprefix("sample")
