"""`Fit`: the result of sampling.

    fit["w"]                 # draws, [chains, draws, *shape] (params constrained,
                             # deterministics, generated quantities)
    fit.stats["diverging"]   # per-draw sampler statistics, [chains, draws]
    fit.warmup["w"]          # warmup draws, with save_warmup=True
    fit.timing               # seconds of warmup and sampling, gradient evaluations, per chain
    fit.summary()            # a table per scalar element of the params
    fit.summary(include="all")   # ... and of the deterministics and generated quantities

Statistics follow Stan's names without the trailing underscores:
accept_stat, step_size, tree_depth, n_leapfrog, diverging, energy, lp
(lp is the log density on the unconstrained scale, with the Jacobian, as
Stan's lp__).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ppl.errors import data_index_errors, did_you_mean

STAT_DTYPES = {"tree_depth": np.int64, "n_leapfrog": np.int64, "diverging": bool}


class Fit:
    def __init__(self, draws: dict, stats: dict, *, kinds: dict, warmup: dict | None = None,
                 warmup_stats: dict | None = None, timing: dict | None = None, step_size=None,
                 inverse_metric=None, seed=None, method="nuts", settings=None, model_name="model",
                 unconstrained=None, provenance=None, observed_data=None, constant_data=None, gen_seeds=None):
        self._draws = draws
        self.stats = stats
        self.kinds = kinds                       # name → "param" | "deterministic" | "generated"
        self.warmup = warmup
        self.warmup_stats = warmup_stats
        self.timing = timing or {}
        self.step_size = step_size               # adapted step size per chain
        self.inverse_metric = inverse_metric     # adapted inverse metric per chain
        self.seed = seed
        self.method = method
        self.settings = settings or {}
        self.model_name = model_name
        self.unconstrained = unconstrained       # [chains, draws, dim]
        self.gen_seeds = gen_seeds               # [chains, draws]: each draw's `gen` seed (generate_quantities)
        self.provenance = provenance or {}       # model_text, data_hash, versions (for save/load)
        self.observed_data = observed_data       # data on the left of a `~`, for ArviZ
        self.constant_data = constant_data       # the rest of the data, for ArviZ
        self.posterior = None                    # the conditioned model that made the draws (this process only)
        self._log_likelihood = None

    # ---- access ------------------------------------------------------------

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._draws[name]
        except KeyError:
            suggestion = did_you_mean(name, self._draws)
            known = ", ".join(self._draws) or "none"
            raise KeyError(f"no quantity named {name!r} in this fit{'; ' + suggestion if suggestion else ''} "
                           f"(known: {known})") from None

    def __contains__(self, name) -> bool:
        return name in self._draws

    def __iter__(self):
        return iter(self._draws)

    def keys(self):
        return self._draws.keys()

    def names(self, kind: str | None = None) -> list[str]:
        return [name for name, k in self.kinds.items() if kind is None or k == kind]

    @property
    def num_chains(self) -> int:
        return next(iter(self.stats.values())).shape[0]

    @property
    def num_draws(self) -> int:
        return next(iter(self.stats.values())).shape[1]

    @property
    def num_divergent(self) -> int:
        """Divergent transitions after warmup (0 for draws that no sampler made, e.g. `laplace`)."""
        return int(self.stats["diverging"].sum()) if "diverging" in self.stats else 0

    def __repr__(self) -> str:
        return (f"<ppl.Fit of {self.model_name!r}: {self.num_chains} chains x {self.num_draws} draws, "
                f"{len(self.names('param'))} params, method={self.method!r}>")

    # ---- reports -----------------------------------------------------------

    def summary(self, names=None, include="params"):
        """A table of one row per scalar element (see ppl.results.summary.Summary): the params
        by default; include="all" adds the deterministics and `gen` quantities, a list picks
        kinds ("param", "deterministic", "generated") and names; `names` lists exactly the
        quantities to show."""
        from ppl.results.summary import summarize

        return summarize(self, names=names, include=include)

    @property
    def interrupted(self) -> bool:
        """Whether sampling was stopped early (Ctrl-C): the draws are those made until then."""
        return bool(self.settings.get("interrupted"))

    def diagnose(self) -> str:
        """A report in the spirit of CmdStan's diagnose (see ppl.results.report)."""
        from ppl.results.report import diagnose

        return diagnose(self)

    # ---- outputs -----------------------------------------------------------

    def plot_trace(self, names=None):
        """Traces and per-chain densities (a matplotlib Figure; see ppl.results.plots)."""
        from ppl.results.plots import plot_trace

        return plot_trace(self, names)

    def plot_posterior(self, names=None):
        """Pooled posterior histograms with the mean and 90% interval (a Figure)."""
        from ppl.results.plots import plot_posterior

        return plot_posterior(self, names)

    def plot_pair(self, names=None):
        """Pairwise scatter plots, divergent draws in red (a Figure)."""
        from ppl.results.plots import plot_pair

        return plot_pair(self, names)

    def to_arviz(self, prior=None):
        """An ArviZ data set (ArviZ is optional; groups in ppl.results.export); `prior`: the Fit of
        `model.sample_prior_predictive(...)`, whose draws become the `prior` groups."""
        from ppl.results.export import to_arviz

        return to_arviz(self, prior)

    def log_likelihood(self, posterior=None) -> dict[str, np.ndarray]:
        """Each observation's log density at each draw: observed data name → [chains, draws,
        *its batch shape] (see Posterior.log_likelihood).  Computed when first asked, with the
        model that made the draws, or `posterior` (`model.condition(data)`) for a fit read
        from a file."""
        if posterior is not None:
            self.posterior, self._log_likelihood = posterior, None
        if self._log_likelihood is None:
            if self.posterior is None or self.unconstrained is None:
                raise ValueError("this fit has no model to compute its log-likelihood with (it was read from a "
                                 "file): pass fit.log_likelihood(model.condition(data))")
            self._log_likelihood = self.posterior.log_likelihood(self.unconstrained)
        return self._log_likelihood

    def loo(self, **options):
        """PSIS-LOO cross-validation through ArviZ (`arviz.loo` on `to_arviz()`, options passed
        on; its warning about large Pareto k-hat values passes through)."""
        from ppl.results.export import loo

        return loo(self, **options)

    def waic(self, **options):
        """WAIC through ArviZ (`arviz.waic` on `to_arviz()`, options passed on)."""
        from ppl.results.export import waic

        return waic(self, **options)

    def to_csv(self, path) -> None:
        """Every draw as a CSV row (see ppl.results.io); `ppl.read_csv(path)` reads it back."""
        from ppl.results.io import to_csv

        to_csv(self, path)

    def to_cmdstan_csv(self, directory, *, data_file=None) -> list:
        """One CmdStan CSV file per chain in `directory` (see ppl.results.cmdstan_csv), for
        `arviz.from_cmdstan`, `cmdstanpy.from_csv` and `ppl.read_cmdstan_csv`; returns the paths."""
        from ppl.results.cmdstan_csv import to_cmdstan_csv

        return to_cmdstan_csv(self, directory, data_file=data_file)

    def save(self, path) -> None:
        """Everything, losslessly, as .npz (see ppl.results.io); `ppl.load_fit(path)` reads it back."""
        from ppl.results.io import save

        save(self, path)

    def sampler_warnings(self) -> list[str]:
        """One line per problem Stan would warn about after sampling."""
        lines = []
        total = self.num_chains * self.num_draws
        divergent = self.num_divergent
        if divergent:
            from ppl.results.report import bounds_note

            lines.append(f"{divergent} of {total} draws ({100.0 * divergent / total:.1f}%) ended with a divergence: "
                         f"try target_accept=0.95 or a non-centred parameterisation" + bounds_note(self.settings))
        if self.method == "nuts":
            depth = self.settings.get("max_treedepth", 10)
            saturated = int((self.stats["tree_depth"] >= depth).sum())
            if saturated:
                from ppl.results.report import low_rank_advice

                lines.append(f"{saturated} of {total} draws ({100.0 * saturated / total:.1f}%) hit the maximum "
                             f"tree depth {depth}: try {low_rank_advice(self.settings)}max_treedepth={depth + 2} or a better "
                             f"parameterisation")
        return lines

    # ---- construction ------------------------------------------------------

    @classmethod
    def read_csv(cls, path) -> "Fit":
        """The Fit `to_csv` wrote (`ppl.read_csv`); the statistics get their dtypes back."""
        from ppl.results.io import read_csv_fields

        fields = read_csv_fields(path)
        fields["stats"] = {name: values.astype(STAT_DTYPES.get(name, float))
                           for name, values in fields["stats"].items()}
        return cls(**fields)

    @classmethod
    def read_cmdstan_csv(cls, paths) -> "Fit":
        """The Fit in CmdStan CSV files, ours or CmdStan's (`ppl.read_cmdstan_csv`)."""
        from ppl.results.cmdstan_csv import read_cmdstan_csv_fields

        return cls(**read_cmdstan_csv_fields(paths))

    @classmethod
    def load(cls, path) -> "Fit":
        """The Fit `save` wrote, exactly (`ppl.load_fit`)."""
        from ppl.results.io import load_fields

        return cls(**load_fields(path))

    @classmethod
    def from_chains(cls, posterior, results: list[dict], *, stat_names, seed, method, settings) -> "Fit":
        """Map each chain's saved unconstrained draws through the model's compiled
        constrain, deterministics and generate functions; `stat_names` name the first
        columns of each chain's statistics (the sampler's, passed in so that results do
        not depend on the sampler)."""
        kinds = {name: "param" for name in posterior.params}
        kinds.update({name: "deterministic" for name in posterior._facts.deterministics})
        kinds.update({name: "generated" for name in posterior._facts.generated})

        layout = _saved_layout(posterior, results)
        bounded = bounded_in_model(posterior.model.ir)
        if bounded:
            settings = {**settings, "bounded_quantities": bounded}

        def quantities(prefix):
            unconstrained = np.stack([r[prefix + "draws"] for r in results])
            seeds = np.stack([r[prefix + "seeds"] for r in results])
            return unconstrained, _saved_quantities(posterior, layout, unconstrained, seeds), \
                {name: np.stack([r[prefix + "stats"][:, k] for r in results]).astype(STAT_DTYPES.get(name, float))
                 for k, name in enumerate(stat_names)}

        unconstrained, draws, stats = quantities("")
        warmup = warmup_stats = None
        if settings.get("save_warmup"):
            _, warmup, warmup_stats = quantities("warmup_")
        timing = {"warmup_seconds": np.array([r["warmup_seconds"] for r in results]),
                  "sampling_seconds": np.array([r["sampling_seconds"] for r in results]),
                  "gradient_evaluations": np.array([r["gradient_evaluations"] for r in results])}
        fit = cls(draws, stats, kinds=kinds, warmup=warmup, warmup_stats=warmup_stats, timing=timing,
                  step_size=np.array([r["step_size"] for r in results]),
                  inverse_metric=np.stack([r["inverse_metric"] for r in results]), seed=seed, method=method,
                  settings=settings, model_name=posterior.model.name,
                  unconstrained=unconstrained, provenance=_provenance(posterior), **_data_of(posterior),
                  gen_seeds=np.stack([r["seeds"] for r in results]))
        fit.posterior = posterior
        for line in fit.sampler_warnings():
            warnings.warn(line, SamplerWarning, stacklevel=4)
        return fit


    @classmethod
    def from_unconstrained(cls, posterior, unconstrained: np.ndarray, *, seeds: np.ndarray, stats: dict,
                           seed, method: str, settings: dict) -> "Fit":
        """A Fit from draws that did not come out of a sampler (an optimiser's mode, a
        normal approximation, a variational family): `unconstrained` [chains, draws, dim]
        are mapped through the same compiled constrain, deterministics and `gen` as
        `from_chains`; `seeds` [chains, draws] seed each draw's `gen`; `stats` name →
        [chains, draws] are whatever the method reports per draw (e.g. "lp", "log_q")."""
        unconstrained = np.ascontiguousarray(unconstrained, dtype=float)
        seeds = np.ascontiguousarray(seeds, dtype=np.int64)
        kinds = {name: "param" for name in posterior.params}
        kinds.update({name: "deterministic" for name in posterior._facts.deterministics})
        kinds.update({name: "generated" for name in posterior._facts.generated})
        layout = _saved_layout(posterior, [{"draws": unconstrained.reshape(math.prod(unconstrained.shape[:2]),
                                                                            unconstrained.shape[2]),
                                            "seeds": seeds.reshape(-1)}])
        draws = _saved_quantities(posterior, layout, unconstrained, seeds)
        fit = cls(draws, {name: np.asarray(value) for name, value in stats.items()}, kinds=kinds, seed=seed,
                  method=method, settings=settings, model_name=posterior.model.name, unconstrained=unconstrained,
                  provenance=_provenance(posterior), **_data_of(posterior), gen_seeds=seeds)
        fit.posterior = posterior
        return fit


def bounded_in_model(program) -> list[str]:
    """`sigma2 (line 7)` for each quantity whose declared bounds the log density checks."""
    from codegen import ir

    return [f"{s.name} (line {s.span.line})" for s in program.statements
            if isinstance(s, ir.BoundCheck) and s.stage == "model"]


def _data_of(posterior) -> dict:
    from ppl.results.export import data_groups

    observed, constant = data_groups(posterior)
    return {"observed_data": observed, "constant_data": constant}


def _provenance(posterior) -> dict:
    import hashlib

    import numba

    from ppl.version import __version__

    digest = hashlib.sha256(posterior.real_data.tobytes() + posterior.int_data.tobytes()).hexdigest()
    return {"model_text": posterior.model.source.text, "data_hash": digest,
            "versions": {"ppl": __version__, "numba": numba.__version__, "numpy": np.__version__}}


class SamplerWarning(UserWarning):
    """Divergences or tree-depth saturation after sampling."""


def _saved_layout(posterior, results: list[dict]) -> list[tuple[str, tuple, bool]]:
    """(name, shape, integer?) of every saved quantity, in the order of the model's
    `saved_draws` rows, from one evaluation at a saved draw (shapes depend on data only).
    Integer values go to the integer row, everything else (floats, bools) to the real one,
    the rule of ppl.runtime.data.save_value."""
    module, real_data, int_data = posterior._module, posterior.real_data, posterior.int_data
    held = next((r for r in results if len(r["draws"])), None)
    u = np.ascontiguousarray(held["draws"][0]) if held is not None else np.zeros(posterior.dim)
    seed = int(held["seeds"][0]) if held is not None else 0
    facts = posterior._facts
    groups = [(posterior.params, module.constrain(u, real_data, int_data))]
    with data_index_errors(posterior.model.source):
        if facts.deterministics:
            groups.append((facts.deterministics, module.deterministics(u, real_data, int_data)))
        if facts.generated:
            groups.append((facts.generated, module.generate(u, real_data, int_data, seed)))
    return [(name, np.shape(value), np.issubdtype(np.asarray(value).dtype, np.integer))
            for names, values in groups for name, value in zip(names, values)]


def _saved_quantities(posterior, layout, unconstrained: np.ndarray, seeds: np.ndarray) -> dict[str, np.ndarray]:
    """Every saved quantity at each draw: name → [chains, draws, *shape], from one native call
    over all the draws of all chains (the model's `saved_draws`)."""
    chains, count = unconstrained.shape[:2]
    sizes = {name: math.prod(shape) for name, shape, _ in layout}
    reals = np.empty((chains * count, sum(sizes[name] for name, _, integer in layout if not integer)))
    ints = np.empty((chains * count, sum(sizes[name] for name, _, integer in layout if integer)), dtype=np.int64)
    every_draw = np.ascontiguousarray(unconstrained.reshape(chains * count, unconstrained.shape[2]))
    every_seed = np.ascontiguousarray(seeds.reshape(-1), dtype=np.int64)
    with data_index_errors(posterior.model.source):
        posterior._module.saved_draws(every_draw, every_seed, posterior.real_data, posterior.int_data, reals, ints)
    quantities, offsets = {}, [0, 0]
    for name, shape, integer in layout:
        rows, slot = (ints, 1) if integer else (reals, 0)
        start = offsets[slot]
        offsets[slot] += sizes[name]
        quantities[name] = np.ascontiguousarray(rows[:, start:offsets[slot]]).reshape(chains, count, *shape)
    return quantities
