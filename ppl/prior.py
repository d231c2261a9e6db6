"""Draws from the prior and the prior predictive: `model.sample_prior_predictive(data)`.

Each param is drawn from its own `~` statement, with the library's sampler of that family
(`ppl.distributions`, the catalogue's sampler: the same one `gen` draws call), in an order
where what a prior reads (data, params drawn before, deterministics of them) is known:
`theta ~ Normal(mu, tau)` after `mu` and `tau`.  A param's declared bounds truncate its
prior, as they do in the log density (`sigma: real<lower=0>` under `Normal(0, 1)` is a
half-normal): elements outside are drawn again.  Shape constraints (`ordered`, `simplex`,
...) are checked by the compiled `unconstrain`; a draw outside is made again whole.

The draws then go through the model's compiled constrain, deterministics and `gen`
(`Fit.from_unconstrained`), so every `gen` quantity is a prior predictive draw: `gen y_rep ~
Normal(mu, sigma)` at prior draws of mu and sigma is y's prior predictive, which `to_arviz`
puts in the `prior_predictive` group under `y` (ppl/results/export.py).

What cannot be drawn directly is a located `ModelNotSupportedError`: a param with no `~`
(a flat prior), with two, or indexed in a loop (`theta[k] ~ ...`); a `~` on an expression
of params (`log(sigma) ~ ...`); any `target +=` (it may change the prior); a truncated prior.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ppl.errors import ModelNotSupportedError

# redraws of the elements outside a param's bounds, and of whole draws outside a shape constraint
BOUND_TRIES = 1000
CONSTRAINT_TRIES = 100


class Prior(NamedTuple):
    declaration: object   # ir.ParamDeclaration
    statement: object     # its `~` statement, ir.SampleStatement


def prior_statements(program) -> list[Prior]:
    """Each param with the `~` statement to draw it from, in an order that draws what a prior
    reads before it; a located error for a model whose prior cannot be drawn this way."""
    from codegen import ir
    from codegen.log_likelihood import observed_name

    def refuse(message, span):
        return ModelNotSupportedError(f"model.sample_prior_predictive cannot draw this prior: {message}", span,
                                      hint="give each param one `~` statement with the whole param on its left")

    params = {p.name: p for p in program.params}
    found: dict[str, object] = {}
    top_level = set(map(id, program.statements))
    for statement in ir.walk_statements(program.statements):
        if isinstance(statement, ir.TargetIncrement) and statement.stage != "gen":
            raise refuse("a `target +=` statement may change the prior, which then has no sampler", statement.span)
        if not isinstance(statement, ir.SampleStatement) or statement.stage == "gen" or observed_name(statement):
            continue
        value = statement.value
        if not (isinstance(value, ir.Variable) and value.name in params) or id(statement) not in top_level:
            raise refuse("only a whole param on the left of a top-level `~` can be drawn from", statement.span)
        if value.name in found:
            raise refuse(f"param '{value.name}' has a second `~` statement", statement.span)
        if statement.truncation is not None:
            raise refuse("a truncated prior", statement.span)
        found[value.name] = statement
    for name, declaration in params.items():
        if name not in found:
            raise refuse(f"param '{name}' has no `~` statement (an improper flat prior)", declaration.span)

    definitions = {s.name: s.value for s in program.statements if isinstance(s, ir.Assign)}

    def reads(expr, seen=frozenset()) -> set[str]:
        """The params an expression reads, through the deterministics it reads."""
        names = set()
        for node in ir.walk_expr(expr):
            if isinstance(node, ir.Variable):
                if node.name in params:
                    names.add(node.name)
                elif node.name in definitions and node.name not in seen:
                    names |= reads(definitions[node.name], seen | {node.name})
        return names

    # declaration order, each prior moved after the params its distribution reads
    remaining = [Prior(params[name], found[name]) for name in params]
    placed, order = set(), []
    while remaining:
        ready = next((prior for prior in remaining if reads(prior.statement.distribution) <= placed), None)
        if ready is None:
            statement = remaining[0].statement
            raise refuse(f"the prior of '{remaining[0].declaration.name}' reads params whose priors read it",
                         statement.span)
        order.append(ready)
        placed.add(ready.declaration.name)
        remaining.remove(ready)
    return order


def sample_prior_predictive(model, data, draws: int = 1000, seed=None):
    """A Fit of `draws` draws (one chain) from the prior, with the deterministics and `gen`
    quantities at each: the prior predictive.  Its `method` is "prior"; its `to_arviz()` has
    the groups `prior` and `prior_predictive` (or pass it as `fit.to_arviz(prior=...)`)."""
    from codegen import ir

    from ppl.results.fit import Fit

    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws must be a positive integer, not {draws!r}")
    posterior = model.condition(data)
    program = model.ir
    try:
        priors = prior_statements(program)
    except ModelNotSupportedError as error:
        raise error.with_source(model.source) from None
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 63))
    rng = np.random.default_rng(int(seed))
    definitions = {s.name: s.value for s in program.statements if isinstance(s, ir.Assign)}
    unconstrained = np.empty((int(draws), posterior.dim))
    for draw in range(int(draws)):
        for attempt in range(CONSTRAINT_TRIES):
            values = _one_draw(posterior, priors, definitions, rng)
            u = posterior._module.unconstrain(posterior.real_data, posterior.int_data, np.zeros(posterior.dim),
                                              *[_argument(values[p.name]) for p in program.params])
            if np.all(np.isfinite(u)):
                break
        else:
            raise ModelNotSupportedError(
                f"model.sample_prior_predictive made {CONSTRAINT_TRIES} draws of the params and none was inside "
                "the params' declared constraints", program.params[0].span,
                hint="give each constrained param a prior whose support is its constraint "
                     "(e.g. Dirichlet for a simplex)").with_source(model.source)
        unconstrained[draw] = u
    seeds = rng.integers(0, 2 ** 62, size=(1, int(draws)), dtype=np.int64)
    log_density = np.array([[posterior.log_density(u) for u in unconstrained]])
    return Fit.from_unconstrained(posterior, unconstrained[None], seeds=seeds, stats={"lp": log_density},
                                  seed=int(seed), method="prior", settings={"draws": int(draws)})


def _argument(value):
    value = np.asarray(value, dtype=np.float64)
    return float(value) if value.ndim == 0 else np.ascontiguousarray(value)


def _one_draw(posterior, priors, definitions: dict, rng) -> dict:
    """One value of every param, each from its prior given the data and the params drawn
    before (and the deterministics of them it reads: `definitions`, name → expression)."""
    from codegen.evaluate import evaluate_lazily

    import ppl.distributions as library

    values = dict(posterior.data)

    def value_of(name):
        if name in values:
            return values[name]
        if name in definitions:   # a deterministic (or transformed data) that a prior reads
            values[name] = np.asarray(evaluate_lazily(definitions[name], value_of))
            return values[name]
        raise KeyError(name)

    drawn = {}
    for prior in priors:
        declaration, statement = prior.declaration, prior.statement
        try:
            arguments = {name: evaluate_lazily(expr, value_of) for name, expr in statement.distribution.arguments}
            family = getattr(library, statement.distribution.family)(**arguments)
        except (NotImplementedError, KeyError, TypeError, ValueError) as error:
            raise ModelNotSupportedError(f"model.sample_prior_predictive cannot compute this prior's arguments "
                                         f"({error})", statement.span).with_source(posterior.model.source) from None
        shape = posterior.param_shapes[declaration.name]
        covered = len(family.batch_shape) + len(family.event_shape)
        sample_shape = shape[:len(shape) - covered] if len(shape) >= covered else ()
        value = _draw(family, sample_shape, shape, rng)
        bounds = declaration.constraint.bounds
        lower = -np.inf if bounds.lower is None else np.asarray(evaluate_lazily(bounds.lower, value_of))
        upper = np.inf if bounds.upper is None else np.asarray(evaluate_lazily(bounds.upper, value_of))
        value = _within_bounds(value, lower, upper, lambda: _draw(family, sample_shape, shape, rng), prior, posterior)
        values[declaration.name] = drawn[declaration.name] = value
    return drawn


def _draw(family, sample_shape, shape, rng) -> np.ndarray:
    """One draw of the family, as the param's shape (its batch broadcast over the param's)."""
    return np.array(np.broadcast_to(family.sample(sample_shape, seed=rng), shape), dtype=float)


def _within_bounds(value, lower, upper, draw, prior, posterior) -> np.ndarray:
    """The draw with its elements outside the param's declared bounds drawn again (the bounds
    truncate the prior); the elements of a scalar family are independent, so redrawing only
    those keeps the truncated distribution exact."""
    for _ in range(BOUND_TRIES):
        outside = ~((value >= lower) & (value <= upper))
        if not outside.any():
            return value
        value = np.where(outside, draw(), value)
    declaration = prior.declaration
    raise ModelNotSupportedError(f"the prior of '{declaration.name}' put almost no draws inside its declared bounds "
                                 f"({BOUND_TRIES} tries)", prior.statement.span,
                                 hint="give it a prior whose support matches its bounds"
                                 ).with_source(posterior.model.source)
