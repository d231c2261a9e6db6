"""The base of ppl.bijectors: event ranks, log-det summing, caching, and composition
(by call, `Chain` and `Invert`, here beside `Bijector.__call__` that makes them).

A bijector is a smooth invertible map y = f(x) with a tractable log-det-Jacobian,
as TensorFlow Probability's `tfb.Bijector`.  Shapes follow TFP:

* `forward_min_event_ndims` is the smallest number of rightmost axes of x that
  one application of f reads (0 for elementwise maps, 1 for a map of vectors, 2
  for a map of matrices); `inverse_min_event_ndims` is the same for y.  Axes to
  the left are batch axes, and NumPy broadcasting pairs them with the batch axes
  of the bijector's parameters (`Softplus(hinge_softness=[1., .5, .1])` on x of
  shape [200, 1] gives y of shape [200, 3]).
* `forward_log_det_jacobian(x, event_ndims)` is log|det df/dx| for events of
  `event_ndims` rightmost axes.  The bijector computes it for its minimal
  events, then sums it over the rightmost `event_ndims - forward_min_event_ndims`
  axes, because the Jacobian of f on a larger event is block diagonal:

      log|det J_event| = sum over the minimal events inside it of log|det J_minimal|

  `event_ndims` defaults to `forward_min_event_ndims` (no summing).
* `inverse_log_det_jacobian(y, event_ndims) = -forward_log_det_jacobian(inverse(y), ...)`;
  a subclass implements whichever of the two is cheaper or more accurate, and the
  base derives the other.

Where f maps between spaces of different dimension (`FillTriangular`:
R^{n(n+1)/2} -> n x n lower-triangular matrices), the Jacobian is that of x onto
the free coordinates of y (the entries that are not fixed zeros, ones or sums),
as TFP defines it.

Caching, as TFP: `y = b.forward(x)` remembers the pair (x, y), so that
`b.inverse(y)`, called with that very array object, returns x without computing
anything (and `b.forward(b.inverse(y))` likewise).  This is what makes a
Cholesky-based inverse free when the value came from the forward map (the
2500 x 2500 `CholeskyOuterProduct` of the TFP tour).  The cache holds the last
`CACHE_SIZE` pairs by strong reference and compares by identity (`is`), so an
object's id cannot be reused while it is held.  Arrays are treated as immutable,
like TFP's tensors: an array changed in place after it went through a bijector
gives stale results from the cache; transform a copy instead.

A subclass implements `_forward(x)`, `_inverse(y)` and one of
`_forward_log_det_jacobian(x)` / `_inverse_log_det_jacobian(y)` on minimal
events (broadcast against its parameters), and, if it changes the event shape,
`_forward_event_shape` / `_inverse_event_shape`.

Composing bijectors: Chain (function composition) and Invert (swapping the
directions).

Chain([f_1, ..., f_k]) is f_1 o ... o f_k: applied right to left, as TFP, so
`Chain([Exp(), Shift(1.)]).forward(x) == exp(x + 1)`.  By the chain rule its
log-det-Jacobian is the sum of the parts' at the points the parts see:

    log|det J(x)| = sum_i log|det J_{f_i}(x_i)|,   x_k = x,  x_{i-1} = f_i(x_i),

each with the event rank that reaches it: a part that turns vectors into matrices
(`FillTriangular`) adds `inverse_min_event_ndims - forward_min_event_ndims` to the
rank of the parts after it.  Each part keeps its own cache, so recomputing the
chain's log-det after `forward(x)` finds every intermediate value remembered.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ppl.distributions.base import ShapeError, as_float_array, broadcast_shapes, shape_text

CACHE_SIZE = 8


class PairCache:
    """The last few (x, y = f(x)) pairs of one bijector, looked up by object identity."""

    def __init__(self, size: int = CACHE_SIZE):
        self._pairs: deque = deque(maxlen=size)

    def output_for(self, x):
        """y if (x, y) is remembered for this very object x, else None."""
        for remembered_input, remembered_output in reversed(self._pairs):
            if remembered_input is x:
                return remembered_output
        return None

    def input_for(self, y):
        """x if (x, y) is remembered for this very object y, else None."""
        for remembered_input, remembered_output in reversed(self._pairs):
            if remembered_output is y:
                return remembered_input
        return None

    def remember(self, x, y) -> None:
        self._pairs.append((x, y))

    def clear(self) -> None:
        self._pairs.clear()


def float_array(value) -> np.ndarray:
    """value as a float64 array: the same object when it already is one (so the cache can find it)."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value
    return as_float_array("the value", value)


def sum_rightmost_axes(values: np.ndarray, count: int) -> np.ndarray:
    """values summed over their rightmost `count` axes."""
    if count == 0:
        return values
    return np.sum(values, axis=tuple(range(-count, 0)))


class Bijector:
    """A smooth invertible map with its log-det-Jacobian (see the module docstring)."""

    name = "bijector"
    forward_min_event_ndims = 0
    inverse_min_event_ndims = 0
    is_constant_jacobian = False

    def __init__(self, parameters: dict | None = None, parameter_event_ranks: dict | None = None):
        """`parameters` maps each parameter's name to its float64 array; `parameter_event_ranks[name]`
        is how many of its rightmost axes belong to one minimal event (2 for `scale_tril`, else 0)."""
        self.parameters = dict(parameters or {})
        self._parameter_event_ranks = dict(parameter_event_ranks or {})
        self._cache = PairCache()

    # ---- shapes ------------------------------------------------------------------

    def experimental_batch_shape(self, x_event_ndims: int | None = None) -> tuple:
        """The batch shape of the bijector on events of `x_event_ndims` axes: each parameter's
        shape less its own event axes and the extra event axes beyond the minimal ones."""
        x_event_ndims = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        extra_event_axes = x_event_ndims - self.forward_min_event_ndims
        parts = []
        for name, array in self.parameters.items():
            kept = array.ndim - self._parameter_event_ranks.get(name, 0) - extra_event_axes
            parts.append(array.shape[:max(kept, 0)])
        return broadcast_shapes(*parts) if parts else ()

    @property
    def batch_shape(self) -> tuple:
        return self.experimental_batch_shape()

    def forward_event_shape(self, input_shape) -> tuple:
        """The event shape of y for an event shape of x."""
        return tuple(int(s) for s in self._forward_event_shape(tuple(int(s) for s in input_shape)))

    def inverse_event_shape(self, output_shape) -> tuple:
        """The event shape of x for an event shape of y."""
        return tuple(int(s) for s in self._inverse_event_shape(tuple(int(s) for s in output_shape)))

    def _forward_event_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def _inverse_event_shape(self, output_shape: tuple) -> tuple:
        return output_shape

    def _check_rank(self, value: np.ndarray, rank: int, what: str) -> None:
        """At least `rank` axes, and batch axes (left of the minimal event) that broadcast against
        the bijector's: `Incompatible shapes: [200] vs. [3]`, as TFP, rather than NumPy's message."""
        if value.ndim < rank:
            raise ShapeError(f"{type(self).__name__}.{what} needs at least {rank} axes; "
                             f"got shape {shape_text(value.shape)}")
        minimal_rank = self.inverse_min_event_ndims if what.startswith("inverse") else self.forward_min_event_ndims
        broadcast_shapes(value.shape[:value.ndim - minimal_rank], self.batch_shape)

    def _event_ndims(self, event_ndims, minimum: int, what: str) -> int:
        if event_ndims is None:
            return minimum
        event_ndims = int(event_ndims)
        if event_ndims < minimum:
            raise ValueError(f"{type(self).__name__}.{what}: event_ndims ({event_ndims}) must be at least "
                             f"the bijector's minimum, {minimum}")
        return event_ndims

    # ---- the maps, through the cache -------------------------------------------------

    def forward(self, x) -> np.ndarray:
        """y = f(x); the remembered y when x came from (or went into) this bijector."""
        remembered = self._cache.output_for(x)
        if remembered is not None:
            return remembered
        x = float_array(x)
        self._check_rank(x, self.forward_min_event_ndims, "forward")
        y = float_array(self._forward(x))
        self._cache.remember(x, y)
        return y

    def inverse(self, y) -> np.ndarray:
        """x = f^{-1}(y); the remembered x when y came from (or went into) this bijector."""
        remembered = self._cache.input_for(y)
        if remembered is not None:
            return remembered
        y = float_array(y)
        self._check_rank(y, self.inverse_min_event_ndims, "inverse")
        x = float_array(self._inverse(y))
        self._cache.remember(x, y)
        return x

    def clear_cache(self) -> None:
        """Forget the remembered (x, y) pairs."""
        self._cache.clear()

    # ---- log-det-Jacobians --------------------------------------------------------------

    def forward_log_det_jacobian(self, x, event_ndims: int | None = None) -> np.ndarray:
        """log|det df/dx| summed over events of `event_ndims` rightmost axes (default: the minimum)."""
        event_ndims = self._event_ndims(event_ndims, self.forward_min_event_ndims, "forward_log_det_jacobian")
        x = float_array(x)
        self._check_rank(x, event_ndims, "forward_log_det_jacobian")
        return sum_rightmost_axes(self._minimal_forward_log_det_jacobian(x),
                                  event_ndims - self.forward_min_event_ndims)

    def inverse_log_det_jacobian(self, y, event_ndims: int | None = None) -> np.ndarray:
        """log|det df^{-1}/dy| summed over events of `event_ndims` rightmost axes (default: the minimum)."""
        event_ndims = self._event_ndims(event_ndims, self.inverse_min_event_ndims, "inverse_log_det_jacobian")
        y = float_array(y)
        self._check_rank(y, event_ndims, "inverse_log_det_jacobian")
        return sum_rightmost_axes(self._minimal_inverse_log_det_jacobian(y),
                                  event_ndims - self.inverse_min_event_ndims)

    def _minimal_forward_log_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        if type(self)._forward_log_det_jacobian is not Bijector._forward_log_det_jacobian:
            return float_array(self._forward_log_det_jacobian(x))
        return -float_array(self._inverse_log_det_jacobian(self.forward(x)))

    def _minimal_inverse_log_det_jacobian(self, y: np.ndarray) -> np.ndarray:
        if type(self)._inverse_log_det_jacobian is not Bijector._inverse_log_det_jacobian:
            return float_array(self._inverse_log_det_jacobian(y))
        return -float_array(self._forward_log_det_jacobian(self.inverse(y)))

    # ---- what subclasses provide ---------------------------------------------------------

    def _forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no forward map")

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no inverse map")

    def _forward_log_det_jacobian(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no log-det-Jacobian")

    def _inverse_log_det_jacobian(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} has no log-det-Jacobian")

    # ---- composition by call, as TFP ------------------------------------------------------

    def __call__(self, value, name: str | None = None):
        """A distribution -> TransformedDistribution(value, self); a bijector -> Chain([self, value]);
        anything else -> forward(value)."""
        from ppl.distributions.base import Distribution

        if isinstance(value, Distribution):
            from ppl.distributions.transformed import TransformedDistribution
            return TransformedDistribution(value, self, name=name)
        if isinstance(value, Bijector):
            return Chain([self, value], name=name)
        return self.forward(value)

    def __repr__(self) -> str:
        return (f"<ppl.bijectors.{type(self).__name__} '{self.name}' batch_shape={list(self.batch_shape)} "
                f"forward_min_event_ndims={self.forward_min_event_ndims} "
                f"inverse_min_event_ndims={self.inverse_min_event_ndims}>")


def parameter_array(name: str, value) -> np.ndarray:
    """A bijector parameter as a float64 array (a ParameterError names it otherwise)."""
    return as_float_array(name, value)


# --------------------------------------------------------------------------------------
# Composition


def _rank_change(bijector: Bijector) -> int:
    return bijector.inverse_min_event_ndims - bijector.forward_min_event_ndims


class Chain(Bijector):
    """f_1 o f_2 o ... o f_k for Chain([f_1, ..., f_k]) (the last is applied first).

    Its forward_min_event_ndims is the smallest input rank at which every part gets
    at least its own minimum: with D_i the rank change of the parts applied before f_i,
    max_i (forward_min_event_ndims(f_i) - D_i), and at least 0.
    """

    def __init__(self, bijectors, name: str | None = None):
        self.bijectors = tuple(bijectors)
        for part in self.bijectors:
            if not isinstance(part, Bijector):
                raise TypeError(f"Chain takes bijectors, not {part!r}")
        self.name = name or "chain_of_" + "_of_".join(part.name for part in self.bijectors)
        super().__init__()
        rank_change_before = 0
        minimum = 0
        for part in reversed(self.bijectors):
            minimum = max(minimum, part.forward_min_event_ndims - rank_change_before)
            rank_change_before += _rank_change(part)
        self.forward_min_event_ndims = minimum
        self.inverse_min_event_ndims = minimum + rank_change_before
        self.is_constant_jacobian = all(part.is_constant_jacobian for part in self.bijectors)

    def _parts_in_application_order(self, event_ndims: int):
        """(part, event rank of its input) from the first applied to the last."""
        for part in reversed(self.bijectors):
            yield part, event_ndims
            event_ndims += _rank_change(part)

    def experimental_batch_shape(self, x_event_ndims: int | None = None) -> tuple:
        x_event_ndims = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        return broadcast_shapes(*(part.experimental_batch_shape(ndims)
                                  for part, ndims in self._parts_in_application_order(x_event_ndims)))

    def _forward_event_shape(self, input_shape):
        for part in reversed(self.bijectors):
            input_shape = part.forward_event_shape(input_shape)
        return input_shape

    def _inverse_event_shape(self, output_shape):
        for part in self.bijectors:
            output_shape = part.inverse_event_shape(output_shape)
        return output_shape

    def _forward(self, x):
        for part in reversed(self.bijectors):
            x = part.forward(x)
        return x

    def _inverse(self, y):
        for part in self.bijectors:
            y = part.inverse(y)
        return y

    def forward_log_det_jacobian(self, x, event_ndims: int | None = None) -> np.ndarray:
        event_ndims = self._event_ndims(event_ndims, self.forward_min_event_ndims, "forward_log_det_jacobian")
        x = float_array(x)
        self._check_rank(x, event_ndims, "forward_log_det_jacobian")
        total = np.zeros(x.shape[:x.ndim - event_ndims])
        for part, ndims in self._parts_in_application_order(event_ndims):
            total = total + part.forward_log_det_jacobian(x, ndims)
            x = part.forward(x)
        return total

    def inverse_log_det_jacobian(self, y, event_ndims: int | None = None) -> np.ndarray:
        event_ndims = self._event_ndims(event_ndims, self.inverse_min_event_ndims, "inverse_log_det_jacobian")
        y = float_array(y)
        self._check_rank(y, event_ndims, "inverse_log_det_jacobian")
        total = np.zeros(y.shape[:y.ndim - event_ndims])
        for part in self.bijectors:
            total = total + part.inverse_log_det_jacobian(y, event_ndims)
            y = part.inverse(y)
            event_ndims -= _rank_change(part)
        return total

    def __repr__(self) -> str:
        parts = ", ".join(type(part).__name__ for part in self.bijectors)
        return f"{super().__repr__()[:-1]} of [{parts}]>"


class Invert(Bijector):
    """The inverse of a bijector: forward is its inverse and the log-det-Jacobians swap,

        log|det d f^{-1}/dy| = -log|det df/dx| at x = f^{-1}(y).
    """

    def __init__(self, bijector: Bijector, name: str | None = None):
        if not isinstance(bijector, Bijector):
            raise TypeError(f"Invert takes a bijector, not {bijector!r}")
        self.bijector = bijector
        self.name = name or "invert_" + bijector.name
        super().__init__()
        self.forward_min_event_ndims = bijector.inverse_min_event_ndims
        self.inverse_min_event_ndims = bijector.forward_min_event_ndims
        self.is_constant_jacobian = bijector.is_constant_jacobian

    def experimental_batch_shape(self, x_event_ndims: int | None = None) -> tuple:
        x_event_ndims = self.forward_min_event_ndims if x_event_ndims is None else int(x_event_ndims)
        return self.bijector.experimental_batch_shape(x_event_ndims - _rank_change(self.bijector))

    def _forward_event_shape(self, input_shape):
        return self.bijector.inverse_event_shape(input_shape)

    def _inverse_event_shape(self, output_shape):
        return self.bijector.forward_event_shape(output_shape)

    def _forward(self, x):
        return self.bijector.inverse(x)

    def _inverse(self, y):
        return self.bijector.forward(y)

    def _forward_log_det_jacobian(self, x):
        return self.bijector.inverse_log_det_jacobian(x, self.bijector.inverse_min_event_ndims)

    def _inverse_log_det_jacobian(self, y):
        return self.bijector.forward_log_det_jacobian(y, self.bijector.forward_min_event_ndims)
