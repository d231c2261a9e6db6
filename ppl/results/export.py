"""`fit.to_arviz()`: an ArviZ data set, so that a ppl fit drops into ArviZ's plots,
diagnostics and model comparison (`az.loo`, `az.waic`, `az.compare`).  ArviZ is optional
(`pip install 'ppl[arviz]'`).

Groups (ArviZ's InferenceData schema):

* `posterior`: params, deterministics and the `gen` quantities that are not predictions;
* `posterior_predictive`: each `gen` quantity that predicts an observed data name, under that
  name (the rule is `predicted_name`: `gen y_rep` or `gen y_pred` of y's shape predicts `y`), so
  that `az.plot_ppc` and `az.loo_pit` pair it with the data without `data_pairs`;
* `log_likelihood`: one variable per observed data name, each observation's log density at each
  draw (`Posterior.log_likelihood`, from the model's compiled `log_likelihood_draws`);
* `sample_stats`: the sampler's statistics under ArviZ's names (`lp`, `acceptance_rate`,
  `step_size`, `tree_depth`, `n_steps`, `diverging`, `energy`);
* `observed_data`: the data on the left of a `~`; `constant_data`: the rest of the data;
* `warmup_posterior`, `warmup_posterior_predictive`, `warmup_sample_stats` when warmup was saved;
* `prior`, `prior_predictive` from `model.sample_prior_predictive(...)`: that Fit's own export,
  or `fit.to_arviz(prior=prior_fit)` to have both in one data set.

An array quantity `theta` of shape [8] gets the dimension `theta_dim_0` with coordinates
0..7 (0-based like the language); a data array `y` gets `y_obs_dim_0` in every group where
it appears (observed data, its predictions and its log-likelihood share it).

ArviZ 1.x returns an xarray DataTree instead of an InferenceData, with the same groups;
`to_arviz` calls `from_dict` in the form each major version takes (docs/api.md).
"""

from __future__ import annotations

import numpy as np

ARVIZ_STAT_NAMES = {"diverging": "diverging", "tree_depth": "tree_depth", "energy": "energy", "lp": "lp",
                    "step_size": "step_size", "accept_stat": "acceptance_rate", "n_leapfrog": "n_steps"}

# suffixes of a `gen` quantity that predicts the observed data named by the rest of its name
PREDICTION_SUFFIXES = ("_rep", "_pred")


def predicted_name(name: str, shape: tuple, observed: dict) -> str | None:
    """The observed data name a `gen` quantity predicts: `y_rep` or `y_pred` whose shape (per
    draw) is y's own.  None for every other quantity."""
    for suffix in PREDICTION_SUFFIXES:
        stem = name[:-len(suffix)]
        if name.endswith(suffix) and stem in observed and tuple(shape) == np.shape(observed[stem]):
            return stem
    return None


def _stats(stats: dict) -> dict:
    return {ARVIZ_STAT_NAMES.get(name, name): value for name, value in stats.items()}


def _split_generated(fit, observed: dict) -> tuple[dict, dict]:
    """(name → draws for the posterior, observed name → draws of its prediction); the first
    declared prediction of a name wins, a second one stays in the posterior."""
    kept, predictions = {}, {}
    for name in fit.names("generated"):
        target = predicted_name(name, fit[name].shape[2:], observed)
        if target is not None and target not in predictions:
            predictions[target] = name
        else:
            kept[name] = name
    return kept, predictions


def groups_of(fit, prior=None) -> dict[str, dict[str, np.ndarray]]:
    """Every group's variables, as plain arrays: what `to_arviz` hands to ArviZ (and what a
    test can check without ArviZ's conventions in the way)."""
    observed = dict(fit.observed_data or {})
    constant = dict(fit.constant_data or {})
    kept, predictions = _split_generated(fit, observed)
    variables = [name for name in fit.names() if fit.kinds[name] in ("param", "deterministic")] + list(kept)
    prior_fit = fit.method == "prior"
    draws_group, predictive_group = ("prior", "prior_predictive") if prior_fit else \
        ("posterior", "posterior_predictive")
    groups = {draws_group: {name: fit[name] for name in variables},
              predictive_group: {target: fit[name] for target, name in predictions.items()}}
    if not prior_fit:
        groups["sample_stats"] = _stats(fit.stats)
        log_likelihood = fit.log_likelihood() if fit.posterior is not None else {}
        groups["log_likelihood"] = log_likelihood
    groups["observed_data"] = observed
    groups["constant_data"] = constant
    if fit.warmup is not None:
        groups["warmup_" + draws_group] = {name: fit.warmup[name] for name in variables}
        groups["warmup_" + predictive_group] = {target: fit.warmup[name] for target, name in predictions.items()}
        groups["warmup_sample_stats"] = _stats(fit.warmup_stats or {})
    if prior is not None:
        if prior.method != "prior":
            raise ValueError("to_arviz(prior=...) takes the Fit of model.sample_prior_predictive(...), "
                             f"not one made by {prior.method!r}")
        prior_groups = groups_of(prior)
        groups["prior"], groups["prior_predictive"] = prior_groups["prior"], prior_groups["prior_predictive"]
    return {name: variables for name, variables in groups.items() if variables}


def _dims(groups: dict) -> tuple[dict, dict]:
    """Each group's dims, and the coords of all: `theta_dim_k` for quantities, `y_obs_dim_k`
    for data and for what is indexed like it (its predictions; its log-likelihood, which for
    an event family has only the data's leading axes)."""
    dims, coords = {}, {}
    data_groups = ("observed_data", "constant_data")
    data_names = {name for group in data_groups for name in groups.get(group, {})}
    for group, variables in groups.items():
        leading = 0 if group in data_groups else 2
        dims[group] = {}
        for name, value in variables.items():
            shape = np.shape(value)[leading:]
            kind = "obs_dim" if name in data_names and not group.endswith("sample_stats") else "dim"
            names = [f"{name}_{kind}_{k}" for k in range(len(shape))]
            dims[group][name] = names
            for dim, size in zip(names, shape):
                coords[dim] = np.arange(size)
    return dims, coords


def to_arviz(fit, prior=None):
    try:
        import arviz
    except ImportError:
        raise ImportError("fit.to_arviz() needs ArviZ: pip install arviz (or pip install 'ppl[arviz]')") from None
    groups = groups_of(fit, prior)
    dims, coords = _dims(groups)
    attrs = {"inference_library": "ppl", "model": fit.model_name, "seed": fit.seed, "method": fit.method}
    datasets = {}
    version_one = _major_version(arviz) >= 1
    for group, variables in groups.items():
        used = {dim for names in dims[group].values() for dim in names}
        data_group = group in ("observed_data", "constant_data")
        options = dict(attrs=attrs, dims=dims[group], coords={dim: coords[dim] for dim in used})
        if group == "sample_stats" and "escalated_at" in fit.settings:
            # metric="auto": per chain, the warmup iterations before it switched to the low rank (-1: never)
            options["attrs"] = {**attrs, "escalated_at": list(fit.settings["escalated_at"])}
        if version_one:   # arviz_base.dict_to_dataset: sample_dims, and a DataTree of the groups
            datasets[group] = arviz.dict_to_dataset(variables, sample_dims=[] if data_group else None, **options)
        else:
            datasets[group] = arviz.dict_to_dataset(variables, default_dims=[] if data_group else None, **options)
    if version_one:
        import xarray

        return xarray.DataTree.from_dict(datasets)
    return arviz.InferenceData(**datasets)


def _major_version(module) -> int:
    try:
        return int(str(module.__version__).split(".")[0])
    except ValueError:
        return 0


def loo(fit, **options):
    """PSIS-LOO through ArviZ (its Pareto k-hat warnings pass through)."""
    import arviz

    return arviz.loo(_with_log_likelihood(fit, options, "loo"), **options)


def waic(fit, **options):
    """WAIC through ArviZ."""
    import arviz

    return arviz.waic(_with_log_likelihood(fit, options, "waic"), **options)


def _with_log_likelihood(fit, options: dict, method: str):
    if fit.posterior is None:
        raise ValueError("this fit has no model to compute its log-likelihood with (it was read from a file): "
                         "use fit.log_likelihood(model.condition(data)) first")
    if not fit.posterior.observed_shapes:
        raise ValueError(f"model {fit.model_name!r} observes no data (no `~` with data on its left): "
                         "LOO and WAIC need a log-likelihood")
    observed = list(fit.posterior.observed_shapes)
    if len(observed) > 1 and options.get("var_name") is None:
        # ArviZ would raise a bare TypeError; which observations to leave out is the user's choice
        raise ValueError(f"model {fit.model_name!r} observes {len(observed)} data names "
                         f"({', '.join(observed)}): say whose observations to leave out, e.g. "
                         f"fit.{method}(var_name={observed[-1]!r})")
    return to_arviz(fit)


def data_groups(posterior) -> tuple[dict, dict]:
    """(observed data, constant data) of a conditioned model: the data names some `~` observes
    (Posterior.observed_shapes, from the compiler's `observed_names`), and the others."""
    observed = {name: np.asarray(value) for name, value in posterior.data.items() if name in posterior.observed_shapes}
    constant = {name: np.asarray(value) for name, value in posterior.data.items() if name not in observed}
    return observed, constant
