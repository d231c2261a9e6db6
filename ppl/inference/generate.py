"""`Posterior.generate_quantities`: deterministics and `gen` again on existing draws.

As CmdStan's generate_quantities: the params of each draw of a fit (or of a dict of
constrained param draws [chains, draws, ...]) are kept, and the model, conditioned on
possibly new data (new predictors for the same params), computes its deterministics and
draws its `gen` quantities there.  The model may differ from the one that made the fit
(a `gen` block added or changed) as long as its params have the same names and shapes.

Bit-reproducible: each draw's `gen` has its own seed.  Left to the default, the seeds
are the fit's own (`fit.gen_seeds`, which `sample`, `variational` and `Fit.save` keep),
so on the fit's own data and model the `gen` draws of `sample` come back exactly;
with `seed=...` they are new seeds from that seed's stream (ppl.sampling.rng), the same
for the same seed.

The unconstrained draws of the fit are reused when, under the new data, they constrain
to exactly the fit's params (always, unless a param's bounds depend on data that
changed); otherwise each draw's params are mapped to the unconstrained scale under the
new data.  The returned params are the given ones.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ppl.errors import DataError, did_you_mean
from ppl.results.fit import Fit


def generate_quantities(posterior, fit_or_draws, *, seed=None) -> Fit:
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                             or not 0 <= int(seed) < 2 ** 63):
        raise ValueError(f"seed must be an integer in [0, 2**63), not {seed!r} (leave it out for the fit's own "
                         f"seeds, or a random one)")
    posterior.check_generated_quantities()
    fit = fit_or_draws if isinstance(fit_or_draws, Fit) else None
    params = _param_draws(posterior, fit_or_draws)
    chains, count = next(iter(params.values())).shape[:2] if params else _draw_counts(fit_or_draws)

    own_seeds = fit is not None and fit.gen_seeds is not None and np.shape(fit.gen_seeds) == (chains, count)
    if seed is None and own_seeds:
        seeds, seed_used = np.asarray(fit.gen_seeds, dtype=np.int64), (fit.seed if fit is not None else None)
    else:
        seed_used = int(np.random.SeedSequence().entropy % (2 ** 63)) if seed is None else int(seed)
        seeds = fresh_seeds(seed_used, chains, count)
    if fit is not None:
        stats, method = dict(fit.stats), fit.method
        settings = {**fit.settings, "generate_quantities_seed": seed_used if (seed is not None or not own_seeds)
                    else "the fit's own"}
    else:
        stats, method, settings = None, "generate_quantities", {"generate_quantities_seed": seed_used}

    reused = fit is not None and fit.unconstrained is not None and \
        np.shape(fit.unconstrained) == (chains, count, posterior.dim)
    if reused:
        result = _generated(posterior, np.asarray(fit.unconstrained, dtype=float), seeds, stats, seed_used, method,
                            settings)
        if all(np.array_equal(result[name], params[name]) for name in params):
            return result
    unconstrained = _unconstrained_draws(posterior, params, chains, count)
    result = _generated(posterior, unconstrained, seeds, stats, seed_used, method, settings)
    for name, values in params.items():   # equal to within rounding: the given values, exactly
        result._draws[name] = values
    return result


def fresh_seeds(seed: int, chains: int, count: int) -> np.ndarray:
    """[chains, count] seeds for `gen`: chain c's from stream c of `seed`, as the samplers draw them."""
    from ppl.sampling import rng

    seeds = np.zeros((chains, count), dtype=np.int64)
    for chain in range(chains):
        state = rng.stream_state(seed, chain)
        for draw in range(count):
            seeds[chain, draw] = rng.seed_for_numpy(state)
    return seeds


def _generated(posterior, unconstrained, seeds, stats, seed, method, settings) -> Fit:
    if stats is None:   # draws without a fit: the log density at each, under this data
        stats = {"lp": np.array([[posterior.log_density(u) for u in chain] for chain in unconstrained])}
    return Fit.from_unconstrained(posterior, unconstrained, seeds=seeds, stats=stats, seed=seed, method=method,
                                  settings=settings)


def _draw_counts(fit_or_draws) -> tuple[int, int]:
    """(chains, draws) of a model without params: from the fit's statistics."""
    if isinstance(fit_or_draws, Fit):
        return fit_or_draws.num_chains, fit_or_draws.num_draws
    raise DataError("this model has no params: give a Fit (its chains and draws say how many draws to generate)")


def _param_draws(posterior, fit_or_draws) -> dict[str, np.ndarray]:
    """name → [chains, draws, *shape] float64 for every param of the model, checked against
    the model's params (names, shapes) and against each other (chains, draws)."""
    source = posterior.model.source
    declarations = {declaration.name: declaration for declaration in posterior.model.ir.params}
    if isinstance(fit_or_draws, Fit):
        given = {name: fit_or_draws[name] for name in fit_or_draws.names("param")}
        what = "the fit"
        for name in given:
            if name not in declarations:
                hint = did_you_mean(name, list(declarations)) or \
                    f"the model's params are {', '.join(map(repr, declarations)) or '(none)'}"
                raise DataError(f"the fit has draws of param {name!r}, which this model does not declare",
                                hint=hint + "; the model must have the fit's params").with_source(source)
    elif isinstance(fit_or_draws, Mapping):
        posterior._check_param_names(fit_or_draws)
        given, what = dict(fit_or_draws), "the draws"
    else:
        raise DataError(f"generate_quantities needs a ppl.Fit or a dict of param draws, not "
                        f"{type(fit_or_draws).__name__}",
                        hint="e.g. {" + ", ".join(f"'{name}': array[chains, draws, ...]" for name in declarations)
                             + "}").with_source(source)

    params, leading = {}, None
    for name, declaration in declarations.items():
        if name not in given:
            raise DataError(f"{what} {'have' if what == 'the draws' else 'has'} no values of param {name!r}",
                            declaration.span,
                            hint="give the draws of every param of the model, by name").with_source(source)
        try:
            values = np.asarray(given[name], dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        shape = posterior.param_shapes[name]
        if values is None or values.ndim != 2 + len(shape) or values.shape[2:] != shape:
            found = "not numbers" if values is None else f"shape {list(values.shape)}"
            raise DataError(f"the draws of param {name!r} have the wrong shape", declaration.span,
                            expected=f"shape [chains, draws{''.join(', ' + str(size) for size in shape)}]",
                            found=found, hint="the model's params must have the shapes of the fit's"
                            ).with_source(source)
        if leading is not None and values.shape[:2] != leading[1]:
            raise DataError(f"the draws of param {name!r} are [{values.shape[0]} chains, {values.shape[1]} draws], "
                            f"those of {leading[0]!r} [{leading[1][0]} chains, {leading[1][1]} draws]",
                            declaration.span, hint="give every param the same chains and draws").with_source(source)
        leading = leading or (name, values.shape[:2])
        params[name] = values
    return params


def _unconstrained_draws(posterior, params, chains, count) -> np.ndarray:
    """Each draw's params on the unconstrained scale under the posterior's data; a param
    outside its constraint (under this data) is a DataError naming the draw."""
    unconstrained = np.zeros((chains, count, posterior.dim))
    names = list(params)
    module, real_data, int_data = posterior._module, posterior.real_data, posterior.int_data
    for chain in range(chains):
        for draw in range(count):
            arguments = [float(params[name][chain, draw]) if params[name].ndim == 2
                         else np.ascontiguousarray(params[name][chain, draw]) for name in names]
            module.unconstrain(real_data, int_data, unconstrained[chain, draw], *arguments)
            if not np.all(np.isfinite(unconstrained[chain, draw])):
                try:
                    posterior.unconstrain({name: params[name][chain, draw] for name in names})
                except DataError as error:
                    error.message = f"chain {chain}, draw {draw}: {error.message}"
                    error.args = (error.message,)
                    raise
                raise DataError(f"chain {chain}, draw {draw}: the params have no finite unconstrained value"
                                ).with_source(posterior.model.source)
    return unconstrained
