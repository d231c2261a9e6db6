"""The base of ppl.distributions: shapes, broadcasting, sampling seeds, repr.

TFP's shape semantics, with NumPy arrays: a distribution has a *batch shape*
(independent, not identically parameterised copies; on the left) and an
*event shape* (the shape of one draw; on the right).  `sample(sample_shape)`
returns `sample_shape + batch_shape + event_shape`; `log_prob(x)` takes `x`
whose rightmost axes are the event and whose leading axes broadcast against
the batch, and returns the broadcast of those leading axes.

A subclass sets `batch_shape` and `event_shape` in `__init__` (through
`Distribution.__init__`) and implements `_sample(n, rng)` (→ `[n, *batch,
*event]`) and `_log_prob(x)` (x already checked and broadcast-compatible);
optionally `_mean`, `_variance` or `_stddev`, `_mode`, `_cdf`, `_log_cdf`,
`_log_survival_function` (the catalogued families get the last three from
their declarations).
"""

from __future__ import annotations

import math

import numpy as np


class ShapeError(ValueError):
    """Shapes that do not broadcast (both are printed, as TFP does)."""


class ParameterError(ValueError):
    """A parameter outside its domain (a negative scale), naming the parameter."""


def shape_text(shape) -> str:
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def broadcast_shapes(*shapes) -> tuple:
    """np.broadcast_shapes with TFP's message: `Incompatible shapes: [200] vs. [3]`."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError("Incompatible shapes: " + " vs. ".join(shape_text(s) for s in shapes)) from None


def as_float_array(name: str, value) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number or an array of numbers, not {value!r}") from None
    return array


def broadcast_parameters(parameters: dict, event_ranks: dict | None = None) -> tuple[dict, tuple]:
    """Broadcast parameters' batch parts together.  `event_ranks[name]` is how many
    rightmost axes of that parameter belong to one event (0 for scalar parameters).
    Returns (parameters with batch axes broadcast, batch_shape)."""
    event_ranks = event_ranks or {}
    arrays = {name: as_float_array(name, value) for name, value in parameters.items()}
    batch_parts = []
    for name, array in arrays.items():
        rank = event_ranks.get(name, 0)
        if array.ndim < rank:
            raise ShapeError(f"{name} must have at least {rank} axes (its event), not shape {shape_text(array.shape)}")
        batch_parts.append(array.shape[:array.ndim - rank])
    batch_shape = broadcast_shapes(*batch_parts) if batch_parts else ()
    broadcast = {}
    for name, array in arrays.items():
        rank = event_ranks.get(name, 0)
        broadcast[name] = np.broadcast_to(array, batch_shape + array.shape[array.ndim - rank:])
    return broadcast, batch_shape


def require(condition, name: str, what: str, value) -> None:
    """Raise ParameterError unless condition holds everywhere (validate_args)."""
    if not np.all(condition):
        shown = np.asarray(value)
        shown = shown.tolist() if shown.size <= 8 else f"an array of shape {shape_text(shown.shape)}"
        raise ParameterError(f"{name} must be {what}; got {shown}")


def random_generator(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Distribution:
    """Shapes and the public methods; subclasses implement the underscored ones."""

    def __init__(self, name: str, batch_shape, event_shape, dtype=np.float64, parameters: dict | None = None):
        self.name = name
        self.batch_shape = tuple(int(s) for s in batch_shape)
        self.event_shape = tuple(int(s) for s in event_shape)
        self.dtype = np.dtype(dtype)
        self.parameters = dict(parameters or {})

    # ---- shapes ------------------------------------------------------------

    @property
    def event_ndims(self) -> int:
        return len(self.event_shape)

    def _value_batch_shape(self, value: np.ndarray) -> tuple:
        """Check the value's event axes; return the shape its log_prob has."""
        rank = self.event_ndims
        if rank:
            if value.ndim < rank or value.shape[value.ndim - rank:] != self.event_shape:
                raise ShapeError(f"the value's rightmost axes must be the event shape "
                                 f"{shape_text(self.event_shape)}; got shape {shape_text(value.shape)}")
        return broadcast_shapes(value.shape[:value.ndim - rank], self.batch_shape)

    # ---- the public methods ------------------------------------------------

    def sample(self, sample_shape=(), seed=None) -> np.ndarray:
        sample_shape = (int(sample_shape),) if np.ndim(sample_shape) == 0 else tuple(int(s) for s in sample_shape)
        count = math.prod(sample_shape)
        draws = np.asarray(self._sample(count, random_generator(seed)))
        return draws.reshape(sample_shape + self.batch_shape + self.event_shape).astype(self.dtype, copy=False)

    def log_prob(self, value) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        shape = self._value_batch_shape(value)
        return np.broadcast_to(self._log_prob(value), shape)

    def prob(self, value) -> np.ndarray:
        return np.exp(self.log_prob(value))

    def cdf(self, value) -> np.ndarray:
        if type(self)._cdf is Distribution._cdf and type(self)._log_cdf is not Distribution._log_cdf:
            return np.exp(self.log_cdf(value))
        value = np.asarray(value, dtype=np.float64)
        return np.broadcast_to(self._cdf(value), self._value_batch_shape(value))

    def log_cdf(self, value) -> np.ndarray:
        if type(self)._log_cdf is Distribution._log_cdf:
            with np.errstate(divide="ignore"):
                return np.log(self.cdf(value))
        value = np.asarray(value, dtype=np.float64)
        return np.broadcast_to(self._log_cdf(value), self._value_batch_shape(value))

    def log_survival_function(self, value) -> np.ndarray:
        """log P(X > value): a subclass's `_log_survival_function` where it has one (kept
        accurate where the cdf is near 1), else log(1 - cdf) from log_cdf."""
        if type(self)._log_survival_function is Distribution._log_survival_function:
            from ppl.catalogue.special_functions import log1mexp

            return log1mexp(self.log_cdf(value))
        value = np.asarray(value, dtype=np.float64)
        return np.broadcast_to(self._log_survival_function(value), self._value_batch_shape(value))

    def survival_function(self, value) -> np.ndarray:
        """P(X > value) = 1 - cdf(value)."""
        return np.exp(self.log_survival_function(value))

    def mean(self) -> np.ndarray:
        return self._broadcast_statistic(self._mean())

    def _has_no_spread(self) -> bool:
        return type(self)._variance is Distribution._variance and type(self)._stddev is Distribution._stddev

    def variance(self) -> np.ndarray:
        if self._has_no_spread():
            raise NotImplementedError(f"{type(self).__name__} has no variance")
        if type(self)._variance is Distribution._variance:
            return self.stddev() ** 2
        return self._broadcast_statistic(self._variance())

    def stddev(self) -> np.ndarray:
        if self._has_no_spread():
            raise NotImplementedError(f"{type(self).__name__} has no stddev")
        if type(self)._stddev is Distribution._stddev:
            return np.sqrt(self.variance())
        return self._broadcast_statistic(self._stddev())

    def mode(self) -> np.ndarray:
        return self._broadcast_statistic(self._mode())

    def _broadcast_statistic(self, value) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), self.batch_shape + self.event_shape)

    # ---- what subclasses provide -------------------------------------------

    def _sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} cannot sample")

    def _log_prob(self, value: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no log_prob")

    def _cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def _log_cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__} has no log_cdf")

    def _log_survival_function(self, value):
        raise NotImplementedError(f"{type(self).__name__} has no log_survival_function")

    def _mean(self):
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    def _variance(self):
        if type(self)._stddev is not Distribution._stddev:
            return self._stddev() ** 2
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    def _stddev(self):
        raise NotImplementedError(f"{type(self).__name__} has no stddev")

    def _mode(self):
        raise NotImplementedError(f"{type(self).__name__} has no mode")

    def __repr__(self) -> str:
        return (f'ppl.distributions.{type(self).__name__}("{self.name}", batch_shape={list(self.batch_shape)}, '
                f'event_shape={list(self.event_shape)}, dtype={self.dtype.name})')
