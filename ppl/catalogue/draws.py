"""Every catalogue family's sampler, compiled by Numba: the one sampler that `gen`
statements and the library's ``sample`` both call.

A declaration's sampler (``ppl/catalogue/distributions/<family>.py``) is a plain
function of ``np.random`` and ``math``; this module compiles each with
``numba.njit`` under ``declare.sampler_name`` (``draws.normal``,
``draws.bernoulli_logits``), which is how generated modules, importing this
module as ``draws``, call them per element.  ``draw_array`` is the library's
form: the same function as a Numba ufunc over broadcast parameter arrays,
drawing from Numba's generator seeded with the caller's seed.

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


def _compile_all() -> dict[str, Callable]:
    compiled = {}
    for declaration in DISTRIBUTIONS.values():
        for sampler in declaration.samplers:
            if sampler_name(sampler) not in compiled:     # aliases share their declaration's
                compiled[sampler_name(sampler)] = numba.njit(cache=True)(sampler)
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
    copy = types.FunctionType(sampler.__code__, sampler.__globals__, sampler.__name__)
    copy.__qualname__ = f"{sampler.__qualname__}_ufunc"
    return numba.vectorize(cache=True)(copy)


def draw_array(sampler: Callable, arguments, seed: int) -> np.ndarray:
    """One draw of ``sampler`` per element of the broadcast ``arguments`` (arrays in the
    sampler's argument order), from Numba's generator (one per thread) seeded with ``seed``."""
    _seed(seed)
    return np.asarray(_ufunc(sampler)(*[np.asarray(a, dtype=np.float64) for a in arguments]))
