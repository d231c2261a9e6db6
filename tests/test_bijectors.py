"""ppl.bijectors against independent oracles: one generic body per row of the tables.

* `inverse(forward(x)) == x`, with the inverse taken by a fresh bijector on a copy of y,
  so that the cache cannot answer and the inverse map itself is tested;
* `forward_log_det_jacobian` against log|det| of a central-difference Jacobian of the
  forward map.  For maps between spaces of different dimension the Jacobian is taken, as
  TFP defines it, from the input's free coordinates onto the output's free coordinates:
  the entries of the triangle (FillTriangular, FillScaleTriL, CholeskyOuterProduct), the
  strictly lower entries (CorrelationCholesky: the diagonal follows from unit rows), the
  first K elements of the simplex (SoftmaxCentered: the last is one minus their sum);
* `inverse_log_det_jacobian(y) == -forward_log_det_jacobian(x)`;
* batching over x and summing over `event_ndims`, broadcasting of batched parameters;
* the (x, y) cache, counting calls to the underlying `_forward` / `_inverse`;
* TransformedDistribution: Exp()(Normal(0, 1)) against scipy.stats.lognorm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import scipy.stats

import ppl.bijectors as tfb
import ppl.distributions
from ppl.bijectors.base import CACHE_SIZE
from ppl.distributions.base import Distribution, ShapeError
from ppl.distributions.transformed import TransformedDistribution


class _NormalForTests(Distribution):
    """A scalar Normal(loc, scale), used only if ppl.distributions has no Normal of its own."""

    def __init__(self, loc, scale):
        self.loc, self.scale = np.broadcast_arrays(np.asarray(loc, float), np.asarray(scale, float))
        super().__init__("Normal", self.loc.shape, ())

    def _sample(self, count, rng):
        return self.loc + self.scale * rng.standard_normal((count,) + self.batch_shape)

    def _log_prob(self, x):
        return -0.5 * ((x - self.loc) / self.scale) ** 2 - np.log(self.scale) - 0.5 * np.log(2 * np.pi)


Normal = getattr(ppl.distributions, "Normal", _NormalForTests)


class _StandardNormalVectorForTests(Distribution):
    """Independent standard normals as one event of shape [size] (a vector base distribution)."""

    def __init__(self, size):
        super().__init__("StandardNormalVector", (), (size,))

    def _sample(self, count, rng):
        return rng.standard_normal((count,) + self.event_shape)

    def _log_prob(self, x):
        return np.sum(scipy.stats.norm.logpdf(x), axis=-1)


# ---- helpers for the free coordinates of triangular matrices -------------------------------


def _lower_entries(matrix):
    return matrix[np.tril_indices(matrix.shape[-1])]


def _strictly_lower_entries(matrix):
    return matrix[np.tril_indices(matrix.shape[-1], -1)]


def _upper_entries(matrix):
    return matrix[np.triu_indices(matrix.shape[-1])]


def _lower_from_entries(entries, size):
    matrix = np.zeros((size, size))
    matrix[np.tril_indices(size)] = entries
    return matrix


def _random_cholesky_factor(rng, size):
    factor = np.tril(rng.normal(size=(size, size)), -1)
    factor[np.diag_indices(size)] = rng.uniform(0.5, 2.0, size)
    return factor


# ---- the table ----------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    make: Callable[[], tfb.Bijector]
    draw: Callable[[np.random.Generator, tuple], np.ndarray]   # (rng, batch_shape) -> x
    event_ndims: int                                           # of x in the tests
    free_of_input: Callable = field(default=lambda x: x.ravel())
    input_of_free: Callable | None = None                      # default: reshape to x's shape
    free_of_output: Callable = field(default=lambda y: y.ravel())


def _normal(event_shape):
    return lambda rng, batch: rng.normal(size=batch + event_shape)


def _positive(event_shape):
    return lambda rng, batch: np.exp(rng.normal(size=batch + event_shape))


def _away_from_zero(event_shape):
    return lambda rng, batch: (rng.choice([-1.0, 1.0], size=batch + event_shape)
                               * rng.uniform(0.5, 2.0, size=batch + event_shape))


def _increasing(event_shape):
    return lambda rng, batch: np.cumsum(rng.uniform(0.2, 2.0, size=batch + event_shape), axis=-1) - 2.0


def _cholesky_factors(size):
    def draw(rng, batch):
        factors = np.empty(batch + (size, size))
        for index in np.ndindex(*batch):
            factors[index] = _random_cholesky_factor(rng, size)
        return factors
    return draw


def _fixed_scale_tril():
    return _random_cholesky_factor(np.random.default_rng(7), 3) - np.eye(3) * 0.1


CASES = [
    Case("Identity", tfb.Identity, _normal((3,)), 1),
    Case("Exp", tfb.Exp, _normal((3,)), 1),
    Case("Log", tfb.Log, _positive((3,)), 1),
    Case("Softplus", tfb.Softplus, _normal((3,)), 1),
    Case("Softplus(hinge_softness=0.3)", lambda: tfb.Softplus(hinge_softness=0.3), _normal((3,)), 1),
    Case("Sigmoid", tfb.Sigmoid, _normal((3,)), 1),
    Case("Sigmoid(-2, 5)", lambda: tfb.Sigmoid(-2.0, 5.0), _normal((3,)), 1),
    Case("Tanh", tfb.Tanh, _normal((3,)), 1),
    Case("NormalCDF", tfb.NormalCDF, _normal((3,)), 1),
    Case("Shift", lambda: tfb.Shift(1.5), _normal((3,)), 1),
    Case("Scale", lambda: tfb.Scale(-2.5), _normal((3,)), 1),
    Case("Power(2.5)", lambda: tfb.Power(2.5), _positive((3,)), 1),
    Case("Power(3)", lambda: tfb.Power(3.0), _away_from_zero((3,)), 1),
    Case("ScaleMatvecTriL", lambda: tfb.ScaleMatvecTriL(_fixed_scale_tril()), _normal((3,)), 1),
    Case("Chain([Exp, Shift])", lambda: tfb.Chain([tfb.Exp(), tfb.Shift(1.0)]), _normal((3,)), 1),
    Case("Chain([Scale, Tanh, Shift])", lambda: tfb.Chain([tfb.Scale(2.0), tfb.Tanh(), tfb.Shift(-0.5)]),
         _normal((3,)), 1),
    Case("Invert(Softplus)", lambda: tfb.Invert(tfb.Softplus()), _positive((3,)), 1),
    Case("Reshape([2, 3])", lambda: tfb.Reshape([2, 3]), _normal((6,)), 1),
    Case("Reshape([-1], [2, 3])", lambda: tfb.Reshape([-1], [2, 3]), _normal((2, 3)), 2),
    Case("Ordered", tfb.Ordered, _increasing((4,)), 1),
    Case("SoftmaxCentered", tfb.SoftmaxCentered, _normal((3,)), 1, free_of_output=lambda y: y[:-1]),
    Case("CorrelationCholesky", tfb.CorrelationCholesky, _normal((6,)), 1,
         free_of_output=_strictly_lower_entries),
    Case("FillTriangular", tfb.FillTriangular, _normal((6,)), 1, free_of_output=_lower_entries),
    Case("FillTriangular(upper)", lambda: tfb.FillTriangular(upper=True), _normal((6,)), 1,
         free_of_output=_upper_entries),
    Case("FillScaleTriL", tfb.FillScaleTriL, _normal((6,)), 1, free_of_output=_lower_entries),
    Case("FillScaleTriL(Exp, no shift)", lambda: tfb.FillScaleTriL(tfb.Exp(), diag_shift=None), _normal((6,)), 1,
         free_of_output=_lower_entries),
    Case("TransformDiagonal(Exp)", lambda: tfb.TransformDiagonal(tfb.Exp()), _normal((3, 3)), 2),
    Case("CholeskyOuterProduct", tfb.CholeskyOuterProduct, _cholesky_factors(3), 2,
         free_of_input=_lower_entries, input_of_free=lambda free: _lower_from_entries(free, 3),
         free_of_output=_lower_entries),
    Case("Chain([CholeskyOuterProduct, FillScaleTriL])",
         lambda: tfb.Chain([tfb.CholeskyOuterProduct(), tfb.FillScaleTriL()]), _normal((6,)), 1,
         free_of_output=_lower_entries),
]


def _inverse_event_ndims(bijector, event_ndims):
    return event_ndims + bijector.inverse_min_event_ndims - bijector.forward_min_event_ndims


def _numerical_log_det_jacobian(case, bijector, x, step=1e-6):
    """log|det| of the central-difference Jacobian from x's free coordinates onto y's."""
    free = case.free_of_input(x).astype(float)
    input_of_free = case.input_of_free or (lambda values: values.reshape(x.shape))
    columns = []
    for k in range(free.size):
        plus, minus = free.copy(), free.copy()
        plus[k] += step
        minus[k] -= step
        columns.append((case.free_of_output(bijector.forward(input_of_free(plus)))
                        - case.free_of_output(bijector.forward(input_of_free(minus)))) / (2 * step))
    jacobian = np.stack(columns, axis=1)
    assert jacobian.shape[0] == jacobian.shape[1], f"{case.name}: the free coordinates must match in number"
    return np.linalg.slogdet(jacobian)[1]


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_inverse_undoes_forward(case, rng):
    x = case.draw(rng, (5,))
    y = case.make().forward(x)
    recovered = case.make().inverse(y.copy())          # a fresh bijector: no cache to answer
    np.testing.assert_allclose(recovered, x, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_forward_log_det_jacobian_matches_a_numerical_jacobian(case, rng):
    bijector = case.make()
    for _ in range(3):
        x = case.draw(rng, ())
        expected = _numerical_log_det_jacobian(case, bijector, x)
        actual = bijector.forward_log_det_jacobian(x, event_ndims=case.event_ndims)
        assert np.shape(actual) == ()
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_inverse_log_det_jacobian_is_minus_the_forward_one(case, rng):
    x = case.draw(rng, (4,))
    bijector = case.make()
    y = bijector.forward(x)
    inverse_event_ndims = _inverse_event_ndims(bijector, case.event_ndims)
    forward = bijector.forward_log_det_jacobian(x, case.event_ndims)
    inverse = case.make().inverse_log_det_jacobian(y.copy(), inverse_event_ndims)
    np.testing.assert_allclose(inverse, -forward, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_batches_of_x_and_event_ndims_summing(case, rng):
    bijector = case.make()
    batch_shape = (4, 2)
    x = case.draw(rng, batch_shape)
    y = bijector.forward(x)
    assert y.shape == batch_shape + bijector.forward_event_shape(x.shape[len(batch_shape):])
    log_dets = bijector.forward_log_det_jacobian(x, case.event_ndims)
    assert log_dets.shape == batch_shape
    for index in np.ndindex(*batch_shape):
        np.testing.assert_allclose(case.make().forward(x[index]), y[index], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(case.make().forward_log_det_jacobian(x[index].copy(), case.event_ndims),
                                   log_dets[index], rtol=1e-10, atol=1e-10)
    # one more event axis: the log-det is summed over it, the default (minimum) leaves it unsummed
    np.testing.assert_allclose(bijector.forward_log_det_jacobian(x, case.event_ndims + 1), log_dets.sum(axis=-1),
                               rtol=1e-10, atol=1e-10)
    minimal = bijector.forward_log_det_jacobian(x)
    assert minimal.shape == x.shape[:x.ndim - bijector.forward_min_event_ndims]
    np.testing.assert_allclose(minimal.reshape(log_dets.shape + (-1,)).sum(axis=-1), log_dets,
                               rtol=1e-10, atol=1e-10)
    with pytest.raises(ValueError, match="event_ndims"):
        bijector.forward_log_det_jacobian(x, bijector.forward_min_event_ndims - 1)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_cache_answers_without_recomputing(case, rng):
    bijector = case.make()
    calls = {"_forward": 0, "_inverse": 0}
    for method in calls:
        original = getattr(bijector, method)

        def counted(value, method=method, original=original):
            calls[method] += 1
            return original(value)
        setattr(bijector, method, counted)

    x = case.draw(rng, (3,))
    y = bijector.forward(x)
    assert bijector.inverse(y) is x and bijector.forward(x) is y
    assert calls == {"_forward": 1, "_inverse": 0}
    bijector.inverse(y.copy())                          # an equal array, but not the one remembered
    assert calls == {"_forward": 1, "_inverse": 1}
    other_y = case.make().forward(case.draw(rng, (3,)))
    other_x = bijector.inverse(other_y)
    assert bijector.forward(other_x) is other_y
    assert calls == {"_forward": 1, "_inverse": 2}


def test_the_cache_is_bounded(rng):
    bijector = tfb.Exp()
    first_x = rng.normal(size=3)
    first_y = bijector.forward(first_x)
    for _ in range(CACHE_SIZE):
        bijector.forward(rng.normal(size=3))
    assert bijector.inverse(first_y) is not first_x
    np.testing.assert_allclose(bijector.inverse(first_y), first_x)
    bijector.clear_cache()
    last_x = rng.normal(size=3)
    assert bijector.inverse(bijector.forward(last_x)) is last_x


def test_tour_cholesky_outer_product_inverse_comes_from_the_cache(rng):
    """The TFP tour: a 2500 x 2500 CholeskyOuterProduct, whose inverse (a Cholesky
    factorisation) is free when y came from forward.  Times are printed (pytest -s), not asserted."""
    size = 2500
    factor = np.tril(rng.normal(size=(size, size)) / np.sqrt(size), -1) + np.diag(rng.uniform(1.0, 2.0, size))
    bijector = tfb.CholeskyOuterProduct()
    calls = []
    original_inverse = bijector._inverse
    bijector._inverse = lambda y: calls.append(1) or original_inverse(y)
    covariance = bijector.forward(factor)
    started = time.perf_counter()
    cached = bijector.inverse(covariance)
    cached_seconds = time.perf_counter() - started
    assert cached is factor and calls == []
    started = time.perf_counter()
    uncached = bijector.inverse(covariance.copy())
    uncached_seconds = time.perf_counter() - started
    assert calls == [1]
    np.testing.assert_allclose(uncached, factor, atol=1e-8)
    started = time.perf_counter()
    log_det = bijector.inverse_log_det_jacobian(covariance)    # -fldj(cached factor): no factorisation
    log_det_seconds = time.perf_counter() - started
    assert calls == [1]
    np.testing.assert_allclose(log_det, -bijector.forward_log_det_jacobian(factor))
    print(f"\nCholeskyOuterProduct {size}x{size}: cached inverse {cached_seconds * 1e6:.1f} us, "
          f"uncached inverse {uncached_seconds * 1e3:.1f} ms, cached inverse_log_det_jacobian "
          f"{log_det_seconds * 1e3:.2f} ms")


# ---- batched parameters: each batch member against the bijector of its own parameter ---------------


@dataclass
class BatchCase:
    name: str
    make_batched: Callable[[], tfb.Bijector]
    make_members: list                      # one factory per batch member, along the batch axis
    draw: Callable                          # rng -> x, whose batch broadcasts against the parameters'
    event_ndims: int
    expected_shape: tuple                   # of y


_SCALE_TRILS = [_fixed_scale_tril(), 2.0 * np.eye(3) + np.tril(np.ones((3, 3)), -1)]

BATCH_CASES = [
    BatchCase("Softplus(hinge_softness=[1, .5, .1]) (the tour)",
              lambda: tfb.Softplus(hinge_softness=[1.0, 0.5, 0.1]),
              [lambda c=c: tfb.Softplus(c) for c in (1.0, 0.5, 0.1)],
              lambda rng: np.linspace(-5.0, 5.0, 200)[:, np.newaxis], 0, (200, 3)),
    BatchCase("Shift([-1, 0, 2])", lambda: tfb.Shift([-1.0, 0.0, 2.0]),
              [lambda s=s: tfb.Shift(s) for s in (-1.0, 0.0, 2.0)], lambda rng: rng.normal(size=(5, 1)), 0, (5, 3)),
    BatchCase("Scale([0.5, -3])", lambda: tfb.Scale([0.5, -3.0]),
              [lambda s=s: tfb.Scale(s) for s in (0.5, -3.0)], lambda rng: rng.normal(size=(5, 1)), 0, (5, 2)),
    BatchCase("Sigmoid(low=[0, -1], high=[1, 4])", lambda: tfb.Sigmoid([0.0, -1.0], [1.0, 4.0]),
              [lambda lo=lo, hi=hi: tfb.Sigmoid(lo, hi) for lo, hi in ((0.0, 1.0), (-1.0, 4.0))],
              lambda rng: rng.normal(size=(5, 1)), 0, (5, 2)),
    BatchCase("Power([2, 0.5])", lambda: tfb.Power([2.0, 0.5]),
              [lambda p=p: tfb.Power(p) for p in (2.0, 0.5)], lambda rng: np.exp(rng.normal(size=(5, 1))), 0, (5, 2)),
    BatchCase("ScaleMatvecTriL(batch of 2)", lambda: tfb.ScaleMatvecTriL(np.stack(_SCALE_TRILS)),
              [lambda m=m: tfb.ScaleMatvecTriL(m) for m in _SCALE_TRILS],
              lambda rng: rng.normal(size=(5, 1, 3)), 1, (5, 2, 3)),
]


@pytest.mark.parametrize("case", BATCH_CASES, ids=lambda case: case.name)
def test_batched_parameters_broadcast_like_numpy(case, rng):
    bijector = case.make_batched()
    x = case.draw(rng)
    y = bijector.forward(x)
    assert y.shape == case.expected_shape
    log_dets = bijector.forward_log_det_jacobian(x, case.event_ndims)
    assert log_dets.shape == case.expected_shape[:len(case.expected_shape) - case.event_ndims]
    member_axis = len(case.expected_shape) - case.event_ndims - 1
    member_x = np.take(x, 0, axis=member_axis)
    for position, make_member in enumerate(case.make_members):
        member = make_member()
        np.testing.assert_allclose(np.take(y, position, axis=member_axis), member.forward(member_x), rtol=1e-12)
        np.testing.assert_allclose(np.take(log_dets, position, axis=member_axis),
                                   member.forward_log_det_jacobian(member_x, case.event_ndims), rtol=1e-12)
    np.testing.assert_allclose(case.make_batched().inverse(y.copy()), np.broadcast_to(x, y.shape), rtol=1e-9)
    assert bijector.batch_shape == case.expected_shape[1:len(case.expected_shape) - case.event_ndims]


# ---- composition ------------------------------------------------------------------------------------


def test_chain_applies_right_to_left_as_tfp():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(tfb.Chain([tfb.Exp(), tfb.Shift(1.0)]).forward(x), np.exp(x + 1.0))
    np.testing.assert_allclose(tfb.Chain([tfb.Shift(1.0), tfb.Exp()]).forward(x), np.exp(x) + 1.0)
    called = tfb.Exp()(tfb.Shift(1.0))
    assert isinstance(called, tfb.Chain)
    np.testing.assert_allclose(called.forward(x), np.exp(x + 1.0))
    np.testing.assert_allclose(tfb.Exp()(x), np.exp(x))
    assert tfb.Chain([tfb.Exp(), tfb.Shift(1.0)]).name == "chain_of_exp_of_shift"


def test_chain_event_ranks_follow_the_parts():
    chain = tfb.Chain([tfb.CholeskyOuterProduct(), tfb.FillScaleTriL()])
    assert (chain.forward_min_event_ndims, chain.inverse_min_event_ndims) == (1, 2)
    assert chain.forward_event_shape((6,)) == (3, 3) and chain.inverse_event_shape((3, 3)) == (6,)
    elementwise_after = tfb.Chain([tfb.Exp(), tfb.FillTriangular()])
    assert (elementwise_after.forward_min_event_ndims, elementwise_after.inverse_min_event_ndims) == (1, 2)
    empty = tfb.Chain([])
    x = np.arange(3.0)
    assert empty.forward(x) is x and empty.forward_log_det_jacobian(x).shape == (3,)
    inverted = tfb.Invert(tfb.FillTriangular())
    assert (inverted.forward_min_event_ndims, inverted.inverse_min_event_ndims) == (2, 1)


# ---- one source of truth: the catalogue's transforms --------------------------------------------------


def test_exp_sigmoid_ordered_are_the_catalogue_transforms(rng):
    from ppl.transforms import event_transform, transform

    u = rng.normal(size=7)
    positive = transform("positive").numpy()
    np.testing.assert_array_equal(tfb.Exp().forward_log_det_jacobian(u), positive.constrain(u)[1])
    interval = transform("interval").numpy()
    np.testing.assert_array_equal(tfb.Sigmoid(-1.0, 3.0).forward_log_det_jacobian(u),
                                  interval.constrain(u, -1.0, 3.0)[1])
    ordered = np.empty(7)
    log_det = event_transform("ordered").constrain(u, ordered)
    np.testing.assert_array_equal(tfb.Ordered().inverse(u), ordered)
    np.testing.assert_allclose(tfb.Ordered().inverse_log_det_jacobian(u), log_det)


def test_cholesky_outer_product_log_det_is_the_catalogue_cov_transforms(rng):
    """log|J| of u -> X (cov) minus that of u -> L (cov_cholesky) is the L -> X part."""
    from ppl.transforms import event_transform

    size = 4
    u = rng.normal(size=size * (size + 1) // 2)
    factor, covariance = np.empty((size, size)), np.empty((size, size))
    cholesky_log_det = event_transform("cov_cholesky").constrain(u, factor)
    cov_log_det = event_transform("cov").constrain(u, covariance)
    bijector = tfb.CholeskyOuterProduct()
    np.testing.assert_allclose(bijector.forward(factor), covariance, rtol=1e-12)
    np.testing.assert_allclose(bijector.forward_log_det_jacobian(factor), cov_log_det - cholesky_log_det, rtol=1e-12)


# ---- TFP's documented values and numerical stability ---------------------------------------------------


def test_documented_values_and_extremes():
    np.testing.assert_allclose(tfb.CholeskyOuterProduct().forward(np.array([[1.0, 0.0], [2.0, 1.0]])),
                               [[1.0, 2.0], [2.0, 5.0]])
    np.testing.assert_allclose(tfb.FillTriangular().forward(np.arange(1.0, 7.0)),
                               [[4, 0, 0], [6, 5, 0], [3, 2, 1]])
    np.testing.assert_allclose(tfb.FillTriangular(upper=True).forward(np.arange(1.0, 7.0)),
                               [[1, 2, 3], [0, 5, 6], [0, 0, 4]])
    np.testing.assert_allclose(tfb.SoftmaxCentered().forward(np.log([2.0, 3.0])), [1 / 3, 1 / 2, 1 / 6])
    np.testing.assert_allclose(tfb.Softplus().inverse(np.array([1000.0, 1e-10])), [1000.0, np.log(1e-10)], rtol=1e-9)
    assert np.isfinite(tfb.Softplus().forward_log_det_jacobian(np.array([-800.0, 800.0]))).all()
    np.testing.assert_allclose(tfb.Tanh().forward_log_det_jacobian(np.array([50.0, -50.0])),
                               2 * (np.log(2.0) - 50.0), rtol=1e-12)
    assert np.isfinite(tfb.SoftmaxCentered().forward_log_det_jacobian(np.array([800.0, -800.0, 0.0])))
    np.testing.assert_allclose(tfb.NormalCDF().inverse(np.array([1e-300, 0.5])), scipy.stats.norm.ppf([1e-300, 0.5]),
                               rtol=1e-10)
    with pytest.raises(ShapeError, match="Incompatible shapes"):
        tfb.Softplus(hinge_softness=[1.0, 0.5, 0.1]).forward(np.zeros(200))


# ---- TransformedDistribution ---------------------------------------------------------------------------


def test_exp_of_a_normal_is_scipy_lognormal(rng):
    log_normal = tfb.Exp()(Normal(0.0, 1.0))
    assert isinstance(log_normal, TransformedDistribution)
    assert (log_normal.batch_shape, log_normal.event_shape) == ((), ())
    y = np.exp(rng.normal(size=50))
    np.testing.assert_allclose(log_normal.log_prob(y), scipy.stats.lognorm(s=1.0).logpdf(y), rtol=1e-10)
    samples = log_normal.sample(200_000, seed=1)
    assert samples.shape == (200_000,) and (samples > 0).all()
    np.testing.assert_allclose(samples.mean(), np.exp(0.5), rtol=0.02)
    np.testing.assert_allclose(np.log(samples).mean(), 0.0, atol=0.01)
    np.testing.assert_allclose(np.log(samples).std(), 1.0, rtol=0.01)
    assert "TransformedDistribution" in repr(log_normal) and "exp" in repr(log_normal)


def test_transformed_distribution_batches_from_the_bijector(rng):
    softplus_normal = tfb.Softplus(hinge_softness=[1.0, 0.5, 0.1])(Normal(0.0, 1.0))
    assert softplus_normal.batch_shape == (3,)
    samples = softplus_normal.sample(4, seed=2)
    assert samples.shape == (4, 3) and (samples > 0).all()
    y = np.array([0.5, 1.0, 2.0])
    for position, softness in enumerate((1.0, 0.5, 0.1)):
        x = tfb.Softplus(softness).inverse(y[position])
        expected = scipy.stats.norm.logpdf(x) + tfb.Softplus(softness).inverse_log_det_jacobian(y[position])
        np.testing.assert_allclose(softplus_normal.log_prob(y)[position], expected, rtol=1e-10)
    # scale a batch of normals, then shift: log_prob by the change of variables against scipy
    shifted = tfb.Chain([tfb.Shift(1.0), tfb.Scale(2.0)])(Normal([0.0, 1.0], 1.0))
    np.testing.assert_allclose(shifted.log_prob(np.array([0.3, -0.7])),
                               scipy.stats.norm(loc=[1.0, 3.0], scale=2.0).logpdf([0.3, -0.7]), rtol=1e-10)


def test_transformed_vector_events_against_scipy(rng):
    factor = _fixed_scale_tril()
    correlated = tfb.ScaleMatvecTriL(factor)(_StandardNormalVectorForTests(3))
    assert (correlated.batch_shape, correlated.event_shape) == ((), (3,))
    y = rng.normal(size=(5, 3))
    np.testing.assert_allclose(correlated.log_prob(y),
                               scipy.stats.multivariate_normal(np.zeros(3), factor @ factor.T).logpdf(y), rtol=1e-10)
    samples = correlated.sample(100_000, seed=3)
    np.testing.assert_allclose(np.cov(samples.T), factor @ factor.T, atol=0.05)
    # a change of event shape: vectors of 3 onto the 4-simplex, log_prob by the change of variables
    simplex = tfb.SoftmaxCentered()(_StandardNormalVectorForTests(3))
    assert simplex.event_shape == (4,)
    draws = simplex.sample(6, seed=4)
    assert draws.shape == (6, 4)
    np.testing.assert_allclose(draws.sum(axis=-1), 1.0)
    x = tfb.SoftmaxCentered().inverse(draws.copy())
    expected = (scipy.stats.norm.logpdf(x).sum(axis=-1)
                - tfb.SoftmaxCentered().forward_log_det_jacobian(x))
    np.testing.assert_allclose(simplex.log_prob(draws), expected, rtol=1e-10)


def test_a_bijector_needs_whole_base_events():
    with pytest.raises(ShapeError, match="events"):
        tfb.CorrelationCholesky()(Normal(0.0, 1.0))


def test_the_exported_names_are_the_bijectors():
    import inspect
    import pkgutil

    exported = set(tfb.__all__)
    assert all(hasattr(tfb, name) for name in exported)
    defined = set()
    for module_info in pkgutil.iter_modules(tfb.__path__):
        module = __import__(f"ppl.bijectors.{module_info.name}", fromlist=["_"])
        defined |= {name for name, value in vars(module).items()
                    if inspect.isclass(value) and issubclass(value, tfb.Bijector) and value.__module__ == module.__name__}
    assert defined == exported
