"""`fit.to_arviz()`: an arviz.InferenceData, so that a ppl fit drops into ArviZ's
plots and comparisons.  ArviZ is optional (`pip install 'ppl[arviz]'`).

Groups: `posterior` (params and deterministics), `sample_stats` (with
ArviZ's names: diverging, tree_depth, energy, lp, step_size,
acceptance_rate, n_steps), `posterior_predictive` (the generated
quantities), `observed_data` (the data that appear on the left of a `~`),
and `warmup_posterior` / `warmup_sample_stats` when warmup was saved.  An
array quantity `theta` of shape [8] gets the dimension `theta_dim_0` with
coordinates 0..7 (0-based like the language)."""

from __future__ import annotations

import numpy as np

ARVIZ_STAT_NAMES = {"diverging": "diverging", "tree_depth": "tree_depth", "energy": "energy", "lp": "lp",
                    "step_size": "step_size", "accept_stat": "acceptance_rate", "n_leapfrog": "n_steps"}


def _dims(arrays: dict, leading: int) -> tuple[dict, dict]:
    dims, coords = {}, {}
    for name, value in arrays.items():
        names = [f"{name}_dim_{k}" for k in range(np.ndim(value) - leading)]
        dims[name] = names
        for k, dim in enumerate(names):
            coords[dim] = np.arange(np.shape(value)[leading + k])
    return dims, coords


def to_arviz(fit):
    try:
        import arviz
    except ImportError:
        raise ImportError("fit.to_arviz() needs ArviZ: pip install arviz (or pip install 'ppl[arviz]')") from None
    posterior = {name: fit[name] for name in fit.names() if fit.kinds[name] in ("param", "deterministic")}
    predictive = {name: fit[name] for name in fit.names("generated")}
    stats = {ARVIZ_STAT_NAMES.get(name, name): value for name, value in fit.stats.items()}
    observed = dict(fit.observed_data or {})
    arrays = {**posterior, **predictive}
    dims, coords = _dims(arrays, 2)
    for name in set(dims) & set(stats):   # ArviZ applies dims to every group: a param named like a
        del dims[name]                    # statistic (`lp`) keeps its dims by ArviZ's default names
    observed_dims, observed_coords = _dims(observed, 0)
    dims.update({name: [f"{name}_obs_dim_{k}" for k in range(len(d))] for name, d in observed_dims.items()})
    coords.update({dim.replace("_dim_", "_obs_dim_"): value for dim, value in observed_coords.items()})
    groups = {"posterior": posterior, "sample_stats": stats}
    if predictive:
        groups["posterior_predictive"] = predictive
    if observed:
        groups["observed_data"] = observed
    if fit.warmup is not None:
        groups["warmup_posterior"] = {name: fit.warmup[name] for name in posterior}
        groups["warmup_sample_stats"] = {ARVIZ_STAT_NAMES.get(n, n): v for n, v in fit.warmup_stats.items()}
        if predictive:
            groups["warmup_posterior_predictive"] = {name: fit.warmup[name] for name in predictive}
    return arviz.from_dict(**groups, coords=coords, dims=dims, save_warmup=fit.warmup is not None,
                           attrs={"inference_library": "ppl", "model": fit.model_name, "seed": fit.seed,
                                  "method": fit.method})


def observed_data_of(program, values: dict) -> dict:
    """The data that some `~` statement observes, by name."""
    from codegen import ir

    observed = {}

    def visit(statements):
        for statement in statements:
            if isinstance(statement, ir.SampleStatement) and statement.stage != "gen":
                for node in ir.walk_expr(statement.value):
                    if isinstance(node, ir.Variable) and node.name in values and node.role == "data":
                        observed[node.name] = np.asarray(values[node.name])
            for block in ("body", "then_body", "else_body"):
                visit(getattr(statement, block, ()))

    visit(program.statements)
    return observed
