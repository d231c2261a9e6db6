"""What `target_log_prob_fn` may be, and how each becomes the one native signature
the samplers call, `(u, grad_out, real_data, int_data) -> log density`.

- **A compiled posterior** (`model.condition(data)`): its generated gradient is
  called directly from native code; the state is the unconstrained vector
  [*chain_shape, dim].  The fastest target by far (no Python per step).
- **A Python callable returning (value, gradient)** — `fn(*parts) -> (value,
  [gradient of each part])`, or `(value, gradient)` for a single part: called
  from native code through Numba's object mode, once per leapfrog step (tens of
  microseconds of overhead per call).  ppl has no autodiff for Python code, so
  the gradient is the caller's.
- Inside a **TransformedTransitionKernel**, a callable target is seen on the
  unconstrained space through elementwise bijectors; the chain rule's factors
  dx/du and d log|dx/du| / du are taken by central differences of the
  bijector (h = 1e-6 scaled).  An inexact gradient costs efficiency, never
  correctness: leapfrog stays reversible and volume-preserving for any
  gradient field, and the accept step uses the exact target.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ppl.sampling.hamiltonian import LOG_DENSITY_GRADIENT

_NO_REALS = np.zeros(1)
_NO_INTS = np.zeros(1, dtype=np.int64)


class NativeTarget:
    """A target in native form: the function, its data buffers, and how one chain's flat
    state maps to and from the user's parts."""

    def __init__(self, function, real_data, int_data, part_shapes, chain_shape, to_user=None, from_user=None):
        self.function = function
        self.real_data = real_data
        self.int_data = int_data
        self.part_shapes = part_shapes            # event shape of each part (one chain)
        self.chain_shape = chain_shape
        self.to_user = to_user or (lambda parts: parts)         # unconstrained parts → the user's parts
        self.from_user = from_user or (lambda parts: parts)
        self.dim = sum(math.prod(shape) for shape in part_shapes)


def split(flat: np.ndarray, part_shapes) -> list[np.ndarray]:
    """Views of a [..., dim] array as the parts [..., *shape]."""
    parts, offset = [], 0
    for shape in part_shapes:
        size = math.prod(shape)
        parts.append(flat[..., offset:offset + size].reshape(flat.shape[:-1] + tuple(shape)))
        offset += size
    return parts


def join(parts, chain_shape) -> np.ndarray:
    return np.concatenate([np.asarray(p, dtype=np.float64).reshape(chain_shape + (-1,)) for p in parts], axis=-1)


def _through_object_mode(python_function):
    """python_function(u, grad_out) -> float, as a native function of the fixed signature."""

    @numba.njit(LOG_DENSITY_GRADIENT.signature)
    def log_density_gradient(u, grad_out, real_data, int_data):
        with numba.objmode(value="float64"):
            value = python_function(u, grad_out)
        return value

    return log_density_gradient


def native_target(target_log_prob_fn, current_state, bijectors=None) -> NativeTarget:
    from ppl.posterior import Posterior

    if isinstance(target_log_prob_fn, Posterior):
        if bijectors is not None:
            raise ValueError("a ppl.Posterior is already on the unconstrained scale: use it without "
                             "TransformedTransitionKernel (its params' constraints are transformed already)")
        state = np.asarray(current_state, dtype=np.float64)
        if state.ndim == 0 or state.shape[-1] != target_log_prob_fn.dim:
            raise ValueError(f"the state of a ppl.Posterior is its unconstrained vector: shape [..., "
                             f"{target_log_prob_fn.dim}] (chains on the left), not {list(state.shape)}")
        return NativeTarget(target_log_prob_fn._module.log_density_gradient, target_log_prob_fn.real_data,
                            target_log_prob_fn.int_data, [(target_log_prob_fn.dim,)], state.shape[:-1])
    if not callable(target_log_prob_fn):
        raise TypeError("target_log_prob_fn must be a ppl.Posterior or a callable returning (value, gradient)")
    single = not isinstance(current_state, (list, tuple))
    parts = [np.asarray(p, dtype=np.float64) for p in ([current_state] if single else current_state)]
    if bijectors is not None:
        bijectors = [bijectors] if not isinstance(bijectors, (list, tuple)) else list(bijectors)
        if len(bijectors) != len(parts):
            raise ValueError(f"one bijector per state part: {len(parts)} parts, {len(bijectors)} bijectors")
        for bijector in bijectors:
            if getattr(bijector, "forward_min_event_ndims", 0) != 0:
                raise NotImplementedError(f"TransformedTransitionKernel supports elementwise bijectors only, "
                                          f"not {type(bijector).__name__}")
    try:
        value, _ = _call(target_log_prob_fn, parts, single)
    except (TypeError, ValueError):
        raise
    except Exception as error:
        shapes = ", ".join(str(list(p.shape)) for p in parts)
        raise ValueError(f"target_log_prob_fn failed on the initial state (shapes {shapes}): as in TFP, it must "
                         f"accept a batch of states (chains on the leading axes) and return one value per "
                         f"chain ({type(error).__name__}: {error})") from error
    chain_shape = np.shape(value)
    part_shapes = []
    for k, part in enumerate(parts):
        if part.shape[:len(chain_shape)] != chain_shape:
            raise ValueError(f"state part {k} has shape {list(part.shape)}, but the target's value has shape "
                             f"{list(chain_shape)}: every part must start with the chain shape")
        part_shapes.append(part.shape[len(chain_shape):])

    def one_chain(flat: np.ndarray, grad_out: np.ndarray) -> float:
        unconstrained = split(flat, part_shapes)
        if bijectors is None:
            value, gradients = _call(target_log_prob_fn, unconstrained, single)
            grad_out[:] = join(gradients, ())
            return _finite(value)
        constrained, slopes, log_det, log_det_slopes = [], [], 0.0, []
        for bijector, u in zip(bijectors, unconstrained):
            x, slope, ldj, ldj_slope = _elementwise(bijector, u)
            constrained.append(x)
            slopes.append(slope)
            log_det += float(np.sum(ldj))
            log_det_slopes.append(ldj_slope)
        value, gradients = _call(target_log_prob_fn, constrained, single)
        grad_out[:] = join([np.asarray(g) * s + d for g, s, d in zip(gradients, slopes, log_det_slopes)], ())
        return _finite(value + log_det)

    if bijectors is None:
        return NativeTarget(_through_object_mode(one_chain), _NO_REALS, _NO_INTS, part_shapes, chain_shape,
                            to_user=lambda ps: ps[0] if single else ps)
    return NativeTarget(_through_object_mode(one_chain), _NO_REALS, _NO_INTS, part_shapes, chain_shape,
                        to_user=lambda ps: _unpack([b.forward(p) for b, p in zip(bijectors, ps)], single),
                        from_user=lambda ps: [b.inverse(p) for b, p in zip(bijectors, ps)])


def _unpack(parts, single):
    return parts[0] if single else parts


def _call(function, parts, single):
    result = function(*parts)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError("target_log_prob_fn must return (value, gradient): ppl has no automatic "
                        "differentiation for Python code; write the model in ppl's language "
                        "(ppl.model(...).condition(data)) to get a compiled gradient")
    value, gradients = result
    gradients = [gradients] if single else list(gradients)
    if len(gradients) != len(parts):
        raise ValueError(f"target_log_prob_fn returned {len(gradients)} gradients for {len(parts)} state parts")
    return value, gradients


def _finite(value) -> float:
    value = float(value)
    return value if math.isfinite(value) else -math.inf


def _elementwise(bijector, u):
    """forward(u), dforward/du, log|dforward/du| and its derivative, elementwise."""
    step = 1e-6 * np.maximum(1.0, np.abs(u))
    x = np.asarray(bijector.forward(u), dtype=np.float64)
    slope = (np.asarray(bijector.forward(u + step)) - np.asarray(bijector.forward(u - step))) / (2 * step)
    ldj = np.asarray(bijector.forward_log_det_jacobian(u, event_ndims=0), dtype=np.float64)
    ldj_slope = (np.asarray(bijector.forward_log_det_jacobian(u + step, event_ndims=0))
                 - np.asarray(bijector.forward_log_det_jacobian(u - step, event_ndims=0))) / (2 * step)
    return x, slope, np.broadcast_to(ldj, u.shape), ldj_slope
