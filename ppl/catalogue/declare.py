"""The vocabulary in which distributions are declared (one file each, in
``ppl/catalogue/distributions/``).

A declaration gives what the rest of ppl derives from: parameter names in
TensorFlow Probability's positional order, each with its domain and the
letters naming its event axes; which parameters are alternatives (exactly one
of `logits=` / `probs=`); the support; and the letters of the event shape.
The checker unifies letters across parameters (an MVNTriL's `loc` [K] and
`scale_tril` [K, K] must agree on K), so a new vector-valued distribution
needs no new shape code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ppl.catalogue.constraints import Constraint


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

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def alternative_group(self, name: str) -> tuple[str, ...] | None:
        for group in self.alternatives:
            if name in group:
                return group
        return None
