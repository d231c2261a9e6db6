"""The base of every library class whose family the catalogue declares.

A catalogue declaration (``ppl/catalogue/distributions/<family>.py``) names
the parameters in TFP's order, each with its domain and event letters, the
alternatives (exactly one of ``logits=`` / ``probs=``), the support and the
log density as a SymPy expression, its cdf where it has a closed form, and
its sampler.  A library class adds only what the declaration does not carry
(moments, and the cdfs built on the incomplete gamma and beta functions) and
derives the rest here:

* which parameters were given, and TFP's defaults for the others
  (``Uniform()`` is on [0, 1));
* validation: each parameter against its declared domain
  (``ppl.distributions.domains``), ParameterError naming it;
* batch shape: the parameters' batch parts broadcast (their event axes, from
  the declared letters, stay on the right); event shape: the declared event
  letters, sized from the parameters (a Dirichlet's K is the last axis of
  its concentration);
* ``log_prob``: the catalogue's own expression, lambdified to NumPy by
  ``ppl.catalogue.density.numpy_log_density`` on first use (that module
  imports SymPy, so it is imported here lazily: ``import ppl.distributions``
  stays SymPy-free), and -inf outside the declared support;
* ``log_cdf``, ``cdf``, ``log_survival_function``, ``survival_function``: the
  declaration's ``log_cdf`` / ``log_survival`` lambdified the same way, for the
  families that declare a cdf (``ppl.catalogue.density.numpy_distribution_function``);
* ``sample``: the declaration's sampler (Numba-compatible, ``np.random``),
  compiled by ``ppl.catalogue.draws``: a scalar family's as a ufunc over the
  broadcast parameters, an event family's called once per batch element with
  the parameters' event arrays; Numba's generator is seeded from the ``seed``
  given (an int or a ``np.random.Generator``), so that the library and `gen`
  statements draw with one definition.
"""

from __future__ import annotations

import numpy as np

from ppl.catalogue.distributions import DISTRIBUTIONS
from ppl.distributions import domains
from ppl.distributions.base import Distribution, ParameterError, broadcast_parameters


class CataloguedDistribution(Distribution):
    """A Distribution whose parameters, shapes, validation and log density come from
    the catalogue declaration named by the class attribute ``family``."""

    family: str = ""
    dtype_of_draws = np.float64

    def __init__(self, name: str | None = None, validate_args: bool = True, **given_parameters):
        declaration = DISTRIBUTIONS[self.family]
        self.declaration = declaration
        given = {key: value for key, value in given_parameters.items() if value is not None}
        for group in declaration.alternatives:
            chosen = [key for key in group if key in given]
            if len(chosen) != 1:
                raise ParameterError(f"{declaration.name} takes exactly one of "
                                     f"{' or '.join(f'{key}=' for key in group)}; got "
                                     f"{', '.join(f'{key}=' for key in chosen) or 'neither'}")
        in_groups = {key for group in declaration.alternatives for key in group}
        values = {}
        for parameter in declaration.parameters:
            if parameter.name in given:
                values[parameter.name] = given[parameter.name]
            elif parameter.name not in in_groups:
                if parameter.default is None:
                    raise ParameterError(f"{declaration.name} needs its parameter {parameter.name}")
                values[parameter.name] = parameter.default
        event_ranks = {key: len(declaration.parameter(key).event) for key in values}
        arrays, batch_shape = broadcast_parameters(values, event_ranks)
        if validate_args:
            for key, array in arrays.items():
                domains.validate_parameter(declaration.parameter(key).domain, key, array)
        letter_sizes = {}
        for key, array in arrays.items():
            letters = declaration.parameter(key).event
            for letter, size in zip(letters, array.shape[array.ndim - len(letters):]):
                if letter_sizes.setdefault(letter, size) != size:
                    raise ParameterError(f"{declaration.name}: {key}'s axis {letter} has size {size}, "
                                         f"but another parameter gives {letter_sizes[letter]}")
        self._given = tuple(values)
        self._event_size = letter_sizes.get("K")
        for parameter in declaration.parameters:
            # a parameter named as a method (NegativeBinomial2's `mean`) is left in `parameters`
            # only, so that `mean()` stays the method
            if not callable(getattr(type(self), parameter.name, None)):
                setattr(self, parameter.name, arrays.get(parameter.name))
        event_shape = tuple(letter_sizes[letter] for letter in declaration.event)
        super().__init__(name or declaration.name, batch_shape, event_shape, dtype=self.dtype_of_draws,
                         parameters=dict(arrays))

    def _sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """The declaration's sampler, compiled by Numba and broadcast over the parameters;
        Numba's generator is seeded from ``rng``, so a seed reproduces the draws."""
        from ppl.catalogue import draws

        if self.declaration.sampler is None:
            raise NotImplementedError(f"{self.declaration.name} declares no sampler")

        shape = (count,) + self.batch_shape
        sampler = self.declaration.sampler_for(self._given)
        seed = int(rng.integers(2 ** 32))
        if self._needs_size():
            ranks = [len(self.declaration.parameter(key).event) for key in self._given]
            return draws.draw_events(sampler, [self.parameters[key] for key in self._given], ranks, shape,
                                     self.event_shape, self.dtype_of_draws, seed)
        arguments = [np.broadcast_to(self.parameters[key], shape) for key in self._given]
        return draws.draw_array(sampler, arguments, seed=seed)

    def _log_prob(self, value: np.ndarray) -> np.ndarray:
        from ppl.catalogue.density import numpy_log_density

        size = self._event_size if self._needs_size() else None
        log_density = numpy_log_density(self.family, self._given, size=size)
        parameters = {key: self.parameters[key] for key in self._given}
        result = log_density(value, **parameters)
        bounds = tuple(self.parameters[key] for key in self.declaration.support_bounds)
        with np.errstate(invalid="ignore"):
            inside = domains.in_support(self.declaration.support, value, bounds, categories=self._event_size)
        return np.where(inside, result, -np.inf)

    def _log_cdf(self, value: np.ndarray) -> np.ndarray:
        """The declaration's log cdf where it has one; else a class's own `_cdf`, if written."""
        if self.declaration.has_cdf:
            return self._declared_function("log_cdf", value)
        if type(self)._cdf is not Distribution._cdf:
            with np.errstate(divide="ignore"):
                return np.log(self._cdf(value))
        raise NotImplementedError(f"{self.declaration.name} has no log_cdf")

    def _log_survival_function(self, value: np.ndarray) -> np.ndarray:
        """The declaration's log survival function where it has a cdf, else log(1 - cdf)."""
        if self.declaration.has_cdf:
            return self._declared_function("log_survival_function", value)
        from ppl.catalogue.special_functions import log1mexp

        return log1mexp(self._log_cdf(value))

    def _declared_function(self, method: str, value: np.ndarray) -> np.ndarray:
        """A distribution function from the declaration (``density.numpy_distribution_function``);
        a count family's at the integer part of the value, as TFP's (P(X <= floor(x))), and at
        ±inf the limits (which a count family's incomplete gamma of k + 1 = inf does not reach)."""
        from ppl.catalogue.density import numpy_distribution_function

        if self.declaration.support.dtype == "int":
            value = np.floor(value)
        function = numpy_distribution_function(self.family, self._given, method)
        result = function(value, **{key: self.parameters[key] for key in self._given})
        below, above = (-np.inf, 0.0) if method == "log_cdf" else (0.0, -np.inf)
        return np.where(value == -np.inf, below, np.where(value == np.inf, above, result))

    def _needs_size(self) -> bool:
        return bool(self.declaration.event) or any(p.event for p in self.declaration.parameters)


def declared_class(declaration) -> type:
    """The library class of a catalogue family that has none written for it (a new file in
    ``ppl/catalogue/distributions/`` is enough): parameters by position in TFP's order or by
    keyword, validation, shapes, ``log_prob`` and ``sample``, all from the declaration; no
    moments until a class written in ``ppl/distributions/`` adds them (a declared cdf comes with it)."""

    def __init__(self, *arguments, validate_args=True, name=None, **parameters):
        names = declaration.parameter_names
        if len(arguments) > len(names):
            raise TypeError(f"{declaration.name} takes at most {len(names)} parameters ({', '.join(names)})")
        for key, value in zip(names, arguments):
            if key in parameters:
                raise TypeError(f"{declaration.name} got {key} twice")
            parameters[key] = value
        CataloguedDistribution.__init__(self, name or declaration.name, validate_args, **parameters)

    return type(declaration.name, (CataloguedDistribution,),
                {"family": declaration.name, "__init__": __init__, "__module__": "ppl.distributions",
                 "__doc__": f"{declaration.name}({', '.join(declaration.parameter_names)}), from its "
                            f"catalogue declaration."})
