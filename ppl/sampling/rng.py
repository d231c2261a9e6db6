"""The samplers' random numbers: xoshiro256** (Blackman and Vigna 2018), one
stream per chain, its state a uint64[4] array that native code advances.

Why not Numba's `np.random`: its state is per thread, so a chain's draws
would depend on which thread ran it and on whatever else (the generated
quantities' own generator) drew from that thread in between.  An explicit
state per chain makes a seed give bit-identical draws whatever the number of
cores.  Streams are seeded with splitmix64 from (seed, chain), the seeding
its authors recommend.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_MASK = (1 << 64) - 1


def _splitmix64(value: int) -> tuple[int, int]:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    mixed = value
    mixed = ((mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    mixed = ((mixed ^ (mixed >> 27)) * 0x94D049BB133111EB) & _MASK
    return value, mixed ^ (mixed >> 31)


def stream_state(seed: int, stream: int) -> np.ndarray:
    """The generator state of stream `stream` (a chain) under `seed`."""
    value = (int(seed) * 0x100000001B3 + int(stream) * 0xD1B54A32D192ED03 + 1) & _MASK
    words = []
    for _ in range(4):
        value, word = _splitmix64(value)
        words.append(word)
    return np.array(words, dtype=np.uint64)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _rotate_left(x, k):
    return (x << numba.uint64(k)) | (x >> numba.uint64(64 - k))


@numba.njit(cache=True, error_model="numpy")
def next_uint64(state):
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    result = _rotate_left(s1 * numba.uint64(5), 7) * numba.uint64(9)
    t = s1 << numba.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotate_left(s3, 45)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3
    return result


@numba.njit(cache=True, error_model="numpy")
def uniform(state):
    """A double in [0, 1) from the top 53 bits."""
    return float(next_uint64(state) >> numba.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, error_model="numpy")
def standard_normal(state):
    """Marsaglia's polar method (one of the pair is discarded: no hidden state)."""
    while True:
        a = 2.0 * uniform(state) - 1.0
        b = 2.0 * uniform(state) - 1.0
        radius = a * a + b * b
        if 0.0 < radius < 1.0:
            return a * math.sqrt(-2.0 * math.log(radius) / radius)


@numba.njit(cache=True, error_model="numpy")
def seed_for_numpy(state):
    """A seed for the generated quantities' generator (np.random inside generated code)."""
    return np.int64(next_uint64(state) >> numba.uint64(33))
