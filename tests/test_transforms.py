"""Constraint transforms, each checked against an independent oracle: numerical
Jacobians and finite differences (central, step 1e-6), high-precision SymPy
evaluation, and the constraint's own definition."""

import subprocess
import sys

import numpy as np
import pytest

from ppl.catalogue import constraints
from ppl.transforms import TRANSFORMS, event_transform, transform


def to_elementary(expression):
    from ppl.transforms.scalar import to_elementary as rewrite

    return rewrite(expression)

STEP = 1e-6
EVENT_NAMES = [name for name, t in TRANSFORMS.items() if t.kind == "event"]
SCALAR_NAMES = [name for name, t in TRANSFORMS.items() if t.kind == "scalar"]
EVENT_CASES = [(name, size) for name in EVENT_NAMES for size in (2, 3, 5)]


def central_jacobian(function, point):
    """d function / d point by central differences (function returns a flat array)."""
    columns = []
    for k in range(point.size):
        step = np.zeros_like(point)
        step[k] = STEP
        columns.append((function(point + step) - function(point - step)) / (2 * STEP))
    return np.stack(columns, axis=-1)


def random_unconstrained(name, size, seed=0):
    rng = np.random.default_rng([seed, size, EVENT_NAMES.index(name)])
    return rng.normal(size=event_transform(name).free_size(size))


def constrained(name, size, unconstrained):
    found = event_transform(name)
    value = np.full(found.constrained_shape(size), np.nan)
    log_det_jacobian = found.constrain(unconstrained, value)
    return value, log_det_jacobian


def free_entries(name, value):
    """The coordinates of a constrained value the log-det-Jacobian is taken against."""
    if name == "simplex":
        return value[:-1]
    if name in ("ordered", "positive_ordered"):
        return value
    size = value.shape[0]
    if name in ("corr_cholesky", "corr"):
        return value[np.tril_indices(size, -1)]
    return value[np.tril_indices(size)]    # cov_cholesky, cov


def assert_satisfies(name, value):
    size = value.shape[0]
    if name == "simplex":
        assert np.all(value > 0) and abs(value.sum() - 1.0) < 1e-12
    elif name in ("ordered", "positive_ordered"):
        assert np.all(np.diff(value) > 0)
        assert name == "ordered" or value[0] > 0
    elif name in ("corr_cholesky", "cov_cholesky"):
        assert np.all(np.triu(value, 1) == 0.0) and np.all(np.diag(value) > 0)
        if name == "corr_cholesky":
            np.testing.assert_allclose(np.sum(value**2, axis=1), 1.0, atol=1e-12)
    else:                                   # corr, cov
        assert np.array_equal(value, value.T)
        assert np.all(np.linalg.eigvalsh(value) > 0)
        if name == "corr":
            assert np.all(np.diag(value) == 1.0) and np.all(np.abs(value[np.tril_indices(size, -1)]) < 1)


# ---- the registry -----------------------------------------------------------------------


def test_registry_covers_exactly_the_real_valued_constraints():
    declared = [c for c in vars(constraints).values() if isinstance(c, constraints.Constraint)]
    assert set(TRANSFORMS) == {c.name for c in declared if c.dtype == "real"}
    for constraint in declared:
        if constraint.dtype == "real":
            assert TRANSFORMS[constraint.name].event_rank == constraint.event_rank, constraint.name
            assert TRANSFORMS[constraint.name].kind == ("event" if constraint.event_rank else "scalar")


@pytest.mark.parametrize("name, free_sizes", [
    ("simplex", (1, 2, 4)), ("ordered", (2, 3, 5)), ("positive_ordered", (2, 3, 5)),
    ("corr_cholesky", (1, 3, 10)), ("corr", (1, 3, 10)), ("cov_cholesky", (3, 6, 15)), ("cov", (3, 6, 15)),
    ("lower", (1, 1, 1)),
])
def test_free_size(name, free_sizes):
    assert tuple(transform(name).free_size(size) for size in (2, 3, 5)) == free_sizes


def test_scalar_and_event_lookups_are_distinct():
    with pytest.raises(KeyError, match="scalar transform"):
        event_transform("lower")
    with pytest.raises(KeyError, match="did you|known"):
        transform("simplexx")
    with pytest.raises(TypeError):
        TRANSFORMS["interval"].constrain


def test_importing_transforms_does_not_import_sympy():
    code = ("import sys, ppl.transforms as t; t.TRANSFORMS['simplex'].free_size(3); "
            "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ---- event transforms ------------------------------------------------------------------------


@pytest.mark.parametrize("name, size", EVENT_CASES)
def test_event_log_det_jacobian_matches_numerical_jacobian(name, size):
    unconstrained = random_unconstrained(name, size)
    _, log_det_jacobian = constrained(name, size, unconstrained)
    jacobian = central_jacobian(lambda u: free_entries(name, constrained(name, size, u)[0]), unconstrained)
    assert jacobian.shape[0] == jacobian.shape[1]
    sign, numerical_log_det = np.linalg.slogdet(jacobian)
    assert sign != 0
    assert abs(log_det_jacobian - numerical_log_det) < 1e-6


@pytest.mark.parametrize("name, size", EVENT_CASES)
def test_event_round_trip_and_constraint(name, size):
    unconstrained = random_unconstrained(name, size, seed=1)
    value, _ = constrained(name, size, unconstrained)
    assert_satisfies(name, value)
    recovered = np.full_like(unconstrained, np.nan)
    event_transform(name).unconstrain(value, recovered)
    np.testing.assert_allclose(recovered, unconstrained, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name, size", EVENT_CASES)
def test_event_constrain_vjp_matches_finite_differences(name, size):
    unconstrained = random_unconstrained(name, size, seed=2)
    found = event_transform(name)
    rng = np.random.default_rng([3, size, EVENT_NAMES.index(name)])
    x_adjoint = rng.normal(size=found.constrained_shape(size))

    def objective(u):
        value, log_det_jacobian = constrained(name, size, u)
        return np.array([np.sum(x_adjoint * value) + log_det_jacobian])

    expected = central_jacobian(objective, unconstrained)[0]
    already_there = rng.normal(size=unconstrained.size)
    unconstrained_adjoint = already_there.copy()
    found.constrain_vjp(unconstrained, x_adjoint, unconstrained_adjoint)
    np.testing.assert_allclose(unconstrained_adjoint - already_there, expected,
                               rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_simplex_at_zero_is_uniform_and_extremes_stay_finite():
    value, _ = constrained("simplex", 4, np.zeros(3))
    np.testing.assert_allclose(value, 0.25, atol=1e-15)
    for name in EVENT_NAMES:
        if name in ("cov", "cov_cholesky", "ordered", "positive_ordered"):
            continue                        # exp(u) itself overflows for u far out: not a defect
        for extreme in (-40.0, 40.0):
            value, log_det_jacobian = constrained(name, 3, np.full(transform(name).free_size(3), extreme))
            assert np.isfinite(log_det_jacobian) and np.all(np.isfinite(value)), (name, extreme)


# ---- scalar transforms --------------------------------------------------------------------------

SCALAR_BOUNDS = {"real": {}, "positive": {}, "nonnegative": {}, "unit_interval": {}, "probability": {},
                 "lower": {"lower": -1.3}, "upper": {"upper": 2.1}, "interval": {"lower": -0.7, "upper": 1.9}}
MODERATE = np.random.default_rng(4).normal(scale=2.0, size=7)
EXTREME = np.array([-30.0, 30.0])


def test_every_scalar_transform_has_bounds_for_the_tests():
    assert set(SCALAR_BOUNDS) == set(SCALAR_NAMES)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_scalar_inverse_undoes_forward_symbolically(name):
    import sympy

    expressions = transform(name).expressions()
    composed = to_elementary(expressions.inverse.subs(expressions.constrained, expressions.forward))
    assert sympy.simplify(sympy.expand_log(composed, force=True) - expressions.unconstrained) == 0


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_scalar_stable_log_det_equals_the_derived_one(name):
    import sympy

    expressions = transform(name).expressions()
    difference = to_elementary(expressions.log_det_jacobian - expressions.log_det_jacobian_derived)
    assert sympy.simplify(sympy.expand_log(difference, force=True)) == 0


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_scalar_log_det_jacobian_and_round_trip(name):
    numpy_transform = transform(name).numpy()
    bounds = SCALAR_BOUNDS[name]
    value, log_det_jacobian = numpy_transform.constrain(MODERATE, **bounds)
    numerical_derivative = (numpy_transform.constrain(MODERATE + STEP, **bounds)[0]
                            - numpy_transform.constrain(MODERATE - STEP, **bounds)[0]) / (2 * STEP)
    np.testing.assert_allclose(log_det_jacobian, np.log(np.abs(numerical_derivative)), rtol=0, atol=1e-6)
    np.testing.assert_allclose(numpy_transform.unconstrain(value, **bounds), MODERATE, rtol=0, atol=1e-10)
    lower_bound, upper_bound = {"positive": (0, np.inf), "nonnegative": (0, np.inf),
                                "unit_interval": (0, 1), "probability": (0, 1)}.get(name, (bounds.get("lower", -np.inf),
                                                                    bounds.get("upper", np.inf)))
    assert np.all((value > lower_bound) & (value < upper_bound))


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_scalar_log_det_jacobian_is_stable_at_extremes(name):
    import sympy

    expressions = transform(name).expressions()
    numpy_transform = transform(name).numpy()
    bounds = SCALAR_BOUNDS[name]
    with np.errstate(all="raise"):
        value, log_det_jacobian = numpy_transform.constrain(EXTREME, **bounds)
    assert np.all(np.isfinite(value))
    # far out, x itself may overflow (exp(800)), but log|dx/du| must not
    far_out = np.array([-800.0, 800.0])
    with np.errstate(over="ignore"):
        far_log_det_jacobian = numpy_transform.constrain(far_out, **bounds)[1]
    # oracle: the unsimplified log|dx/du| evaluated with 50 digits
    substitutions = {expressions.lower: bounds.get("lower", 0), expressions.upper: bounds.get("upper", 0)}
    derived = to_elementary(expressions.log_det_jacobian_derived).subs(substitutions)
    for u, computed in zip(np.concatenate([EXTREME, far_out]), np.concatenate([log_det_jacobian,
                                                                              far_log_det_jacobian])):
        exact = float(derived.subs(expressions.unconstrained, sympy.Float(u, 50)).evalf(50))
        assert np.isfinite(computed) and abs(computed - exact) <= 1e-12 * max(1.0, abs(exact)), (u, computed)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_scalar_gradients_match_finite_differences(name):
    numpy_transform = transform(name).numpy()
    bounds = SCALAR_BOUNDS[name]
    arguments = [MODERATE, np.full_like(MODERATE, bounds.get("lower", 0.0)),
                 np.full_like(MODERATE, bounds.get("upper", 0.0))]
    forward_gradient = numpy_transform.forward_gradient(*arguments)
    log_det_jacobian_gradient = numpy_transform.log_det_jacobian_gradient(*arguments)
    for position in range(3):
        plus = [a + STEP * (i == position) for i, a in enumerate(arguments)]
        minus = [a - STEP * (i == position) for i, a in enumerate(arguments)]
        (value_plus, log_det_plus), (value_minus, log_det_minus) = (numpy_transform.constrain(*plus),
                                                                     numpy_transform.constrain(*minus))
        np.testing.assert_allclose(forward_gradient[position], (value_plus - value_minus) / (2 * STEP),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(log_det_jacobian_gradient[position],
                                   (log_det_plus - log_det_minus) / (2 * STEP), rtol=1e-6, atol=1e-8)


def test_scalar_transform_needs_the_bounds_it_reads():
    with pytest.raises(TypeError, match="upper"):
        transform("interval").numpy().constrain(0.0, lower=0.0)
    assert transform("positive").numpy().constrain(0.0)[0] == 1.0
