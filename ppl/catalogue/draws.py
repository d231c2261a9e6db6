"""Every catalogue family's sampler, compiled by Numba: the one sampler that `gen`
statements and the library's ``sample`` both call.

A declaration's sampler (``ppl/catalogue/distributions/<family>.py``) is a plain
function of ``np.random``, ``math`` and NumPy; this module compiles each with
``numba.njit`` under ``declare.sampler_name`` (``draws.normal``,
``draws.bernoulli_logits``, ``draws.dirichlet``), which is how generated modules,
importing this module as ``draws``, call them: once per element of a scalar
family, once per event (batch element) of a family with event axes.  A plain
function of a catalogue module that a sampler calls (``multinomial``'s
``_conditional_binomials``, ``lkj``'s use of ``lkj_cholesky.sample``) is compiled
with it, so samplers can share their steps without the catalogue importing Numba.

The library's forms draw from Numba's generator seeded with the caller's seed:
``draw_array`` broadcasts a scalar family's sampler as a Numba ufunc;
``draw_events`` calls an event family's sampler once per batch element, in a
compiled loop.

Importing this module imports Numba; the catalogue's other modules never do.
"""

from __future__ import annotations

import types
from functools import lru_cache
from typing import Callable

import numba
import numpy as np

from ppl.catalogue.declare import sampler_name
from ppl.catalogue.distributions import DISTRIBUTIONS


def _is_catalogue_function(value) -> bool:
    return isinstance(value, types.FunctionType) and value.__module__.startswith("ppl.catalogue.")


def _with_compiled_helpers(function: Callable, qualname: str) -> Callable:
    """A copy of ``function`` (named ``qualname``) whose globals give Numba the compiled form
    of each catalogue function it calls.  Numba names a function's disk cache after its
    qualified name, so every copy has its own."""
    namespace = dict(function.__globals__)
    for name in function.__code__.co_names:
        if _is_catalogue_function(namespace.get(name)):
            namespace[name] = _compiled(namespace[name])
    copy = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__)
    copy.__qualname__ = qualname
    copy.__module__ = function.__module__
    return copy


@lru_cache(maxsize=None)
def _compiled(function: Callable):
    """A catalogue function (a sampler or a helper it calls) compiled by Numba, once."""
    return numba.njit(cache=True)(_with_compiled_helpers(function, function.__qualname__))


def _compile_all() -> dict[str, Callable]:
    compiled = {}
    for declaration in DISTRIBUTIONS.values():
        for sampler in declaration.samplers:
            if sampler_name(sampler) not in compiled:     # aliases share their declaration's
                compiled[sampler_name(sampler)] = _compiled(sampler)
    return compiled


globals().update(_compile_all())


@numba.njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@lru_cache(maxsize=None)
def _ufunc(sampler: Callable):
    """The sampler as a Numba ufunc.  It is compiled from a copy named ``<name>_ufunc``: Numba
    names a function's disk cache after it, and its njit and vectorize caches of one function
    would overwrite each other.  (Generated code calls the njit form, not this ufunc: inside
    compiled code a ufunc drops the sampler's exceptions.)"""
    return numba.vectorize(cache=True)(_with_compiled_helpers(sampler, f"{sampler.__qualname__}_ufunc"))


def draw_array(sampler: Callable, arguments, seed: int) -> np.ndarray:
    """One draw of ``sampler`` per element of the broadcast ``arguments`` (arrays in the
    sampler's argument order), from Numba's generator (one per thread) seeded with ``seed``."""
    _seed(seed)
    return np.asarray(_ufunc(sampler)(*[np.asarray(a, dtype=np.float64) for a in arguments]))


# One event per call, over a flat batch: the loop reads the sampler from its globals, so that
# each sampler gets its own compiled (and disk-cached) copy of it; a loop taking the sampler
# as an argument would be compiled again in every process (Numba cannot cache that signature).

def _each_1(first, out):
    for i in range(out.shape[0]):
        out[i] = _sampler(first[i])  # noqa: F821 (set in each copy's globals)


def _each_2(first, second, out):
    for i in range(out.shape[0]):
        out[i] = _sampler(first[i], second[i])  # noqa: F821


def _each_3(first, second, third, out):
    for i in range(out.shape[0]):
        out[i] = _sampler(first[i], second[i], third[i])  # noqa: F821


_EACH = {1: _each_1, 2: _each_2, 3: _each_3}


@lru_cache(maxsize=None)
def _event_loop(sampler: Callable):
    loop = _EACH[sampler.__code__.co_argcount]
    namespace = dict(loop.__globals__, _sampler=_compiled(sampler))
    copy = types.FunctionType(loop.__code__, namespace, loop.__name__)
    copy.__qualname__ = f"{sampler.__module__.rpartition('.')[2]}_{sampler.__qualname__}_each"
    return numba.njit(cache=True)(copy)


def draw_events(sampler: Callable, arguments, event_ranks, batch_shape: tuple, event_shape: tuple, dtype,
                seed: int) -> np.ndarray:
    """One draw of an event family's ``sampler`` per element of ``batch_shape``: ``arguments``
    in the sampler's order, each an array whose last ``event_ranks[j]`` axes are its event
    (broadcast over the batch), from Numba's generator seeded with ``seed``.  Returns
    ``[*batch_shape, *event_shape]`` draws of ``dtype``."""
    count = int(np.prod(batch_shape, dtype=np.int64))
    flat = []
    for argument, rank in zip(arguments, event_ranks):
        argument = np.asarray(argument, dtype=np.float64)
        event = argument.shape[argument.ndim - rank:] if rank else ()
        flat.append(np.ascontiguousarray(np.broadcast_to(argument, tuple(batch_shape) + event)
                                         .reshape((count,) + event)))
    out = np.empty((count,) + tuple(event_shape), dtype=dtype)
    _seed(seed)
    _event_loop(sampler)(*flat, out)
    return out.reshape(tuple(batch_shape) + tuple(event_shape))
