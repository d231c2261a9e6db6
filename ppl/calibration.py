"""Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari, Gelman 2018).

If the sampler (and the compiler) are right, then for parameters drawn from the
prior and data simulated from them, the rank of each true parameter among L
posterior draws is uniform on {0, ..., L}.  `ppl.sbc(model, data, n_sims)`:

1. builds the model's *prior predictive* version: every top-level `y ~ D(...)`
   whose `y` is data missing from `data` becomes `gen y ~ D(...)` (and `y` stops
   being data), so the model's own statements simulate the observations;
2. samples that model with NUTS (one long chain, thinned) for n_sims draws of
   the params from the prior, each with its simulated data set;
3. fits the original model to each simulated data set and ranks the true
   params among L thinned posterior draws;
4. tests the ranks for uniformity (a chi-square test over bins) and draws the
   rank histograms with the binomial band a uniform histogram stays in.

The prior draws come from MCMC, so consecutive simulations are slightly
dependent (each is still a draw from the prior, which is what rank
uniformity needs); the prior is thinned to keep that small.  Params with an
improper (flat) prior cannot be calibrated: their prior cannot be sampled.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ppl.results.fit import SamplerWarning
from ppl.results.summary import _elements


@dataclass
class SBCResult:
    ranks: dict            # element name → ranks [n_sims], each in 0..num_draws
    num_draws: int         # L: posterior draws each rank is taken among
    p_values: dict         # element name → chi-square uniformity p-value
    bins: int
    divergent_fits: int = 0   # simulations whose fit had a divergence
    failures: list = field(default_factory=list)   # ppl.many.FitFailure of each fit that raised

    @property
    def min_p_value(self) -> float:
        return min(self.p_values.values())

    def __repr__(self) -> str:
        rows = [f"{name}: p = {p:.3f}" for name, p in self.p_values.items()]
        return f"<SBCResult: {len(next(iter(self.ranks.values())))} simulations, L = {self.num_draws}; " \
               + "; ".join(rows) + ">"

    def plot_histogram(self, names=None):
        """Rank histograms with the 99% band of a uniform histogram (a matplotlib Figure)."""
        from ppl.results.plots import _figure

        names = list(names or self.ranks)
        columns = min(3, len(names))
        rows = -(-len(names) // columns)
        figure, axes = _figure(rows, columns, height=2.6)
        for k, name in enumerate(names):
            axis = axes[k // columns, k % columns]
            ranks = self.ranks[name]
            counts, edges = np.histogram(ranks, bins=self.bins, range=(0, self.num_draws + 1))
            expected = len(ranks) / self.bins
            low, high = _binomial_band(len(ranks), 1.0 / self.bins)
            axis.axhspan(low, high, color="grey", alpha=0.3)
            axis.axhline(expected, color="grey")
            axis.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="#4c72b0", alpha=0.8)
            axis.set_title(f"{name} (p = {self.p_values[name]:.2f})", fontsize=9)
        for k in range(len(names), rows * columns):
            axes[k // columns, k % columns].set_visible(False)
        return figure


def prior_predictive_source(model, observed: list[str]) -> str:
    """The model's text with each observed `y ~ D(...)` turned into `gen y ~ D(...)`."""
    from codegen import ast
    from codegen.unparse import program_text

    statements, turned = [], set()
    for statement in model.syntax.statements:
        if isinstance(statement, ast.DataDecl) and statement.name in observed:
            continue
        if (isinstance(statement, ast.Sample) and not statement.gen and isinstance(statement.value, ast.Name)
                and statement.value.id in observed):
            statement = ast.Sample(statement.value, statement.distribution, gen=True, span=statement.span)
            turned.add(statement.value.id)
        statements.append(statement)
    missing = [name for name in observed if name not in turned]
    if missing:
        raise NotImplementedError(f"sbc: {', '.join(missing)} must be observed by a top-level `NAME ~ ...` "
                                  f"statement (observations filled in loops are not supported yet)")
    return program_text(ast.Program(tuple(statements), model.syntax.span))


def sbc(model, data, n_sims: int = 100, *, num_draws: int = 99, thin: int = 2, warmup: int = 500,
        prior_thin: int = 5, bins: int = 10, seed: int = 0, client=None, threads=None,
        progress: bool = True) -> SBCResult:
    """Calibrate `model`: `data` holds every data value except the observations (the
    data that `~` statements observe), which are simulated.  Each fit runs one chain of
    `warmup` iterations and `num_draws * thin` draws, thinned to num_draws.  The fits run
    as ppl.fit_many's do: on `threads` local threads (client=None) or on a Dask client's
    workers, fit k seeded by ppl.many.derived_seeds(seed, n_sims)[k], so the ranks are the
    same either way.  A fit that fails is left out of the ranks and kept in `failures`."""
    from ppl.many import FitFailure, _prepared, derived_seeds, run_tasks
    from ppl.model import model as compile_source

    declared = [d.name for d in model.ir.data]
    given = dict(data)
    observed = [name for name in declared if name not in given]
    if not observed:
        raise ValueError("sbc: leave the observations out of `data` (they are simulated); every declared "
                         "data name was given")
    target = _prepared(model, client)
    prior = compile_source(prior_predictive_source(model, observed), f"{model.name}_prior_predictive.ppl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        prior_fit = prior.sample(given, chains=1, warmup=warmup, draws=n_sims * prior_thin, thin=prior_thin,
                                 seed=seed, progress=False)
    integer_data = {d.name for d in model.ir.data if d.type.dtype == "int"}
    settings = dict(chains=1, warmup=warmup, draws=num_draws * thin, thin=thin, progress=False, cores=1)
    argument_lists = []
    for sim, fit_seed in enumerate(derived_seeds(seed, n_sims)):
        simulated = {name: np.asarray(prior_fit[name][0, sim]) for name in observed}
        simulated = {name: value.astype(np.int64) if name in integer_data else value
                     for name, value in simulated.items()}
        truths = {name: np.asarray(prior_fit[name][0, sim]) for name in prior_fit.names("param")}
        argument_lists.append((target, {**given, **simulated}, {**settings, "seed": fit_seed}, truths))
    results, interrupted = run_tasks(replicate_ranks, argument_lists, list(range(n_sims)), client=client,
                                     threads=threads, progress=progress)
    if interrupted:
        raise KeyboardInterrupt("sbc was interrupted before every fit had finished")
    ranks: dict[str, list] = {}
    failures = [result for result in results if isinstance(result, FitFailure)]
    for result in results:
        if not isinstance(result, FitFailure):
            for element, rank in result["ranks"].items():
                ranks.setdefault(element, []).append(rank)
    if failures:
        warnings.warn(f"sbc: {len(failures)} of {n_sims} fits failed and are left out of the ranks (see "
                      f"SBCResult.failures); the first: {failures[0]}", UserWarning, stacklevel=3)
    divergent_fits = sum(result["divergent"] for result in results if not isinstance(result, FitFailure))
    ranks_arrays = {name: np.array(values) for name, values in ranks.items()}
    p_values = {name: uniformity_p_value(values, num_draws, bins) for name, values in ranks_arrays.items()}
    return SBCResult(ranks_arrays, num_draws, p_values, bins, divergent_fits, failures)


def replicate_ranks(model, data, settings: dict, truths: dict) -> dict:
    """One SBC fit, on a thread or a Dask worker: the rank of each true param element among
    the posterior draws ({"ranks": element → rank, "divergent": bool}), or {"error": ...}."""
    from ppl.many import ModelReference, compiled_model

    try:
        if isinstance(model, ModelReference):
            model = compiled_model(model)
        fit = model.condition(data).sample(**settings)
    except Exception as error:   # reported as this replicate's FitFailure
        return {"error": (type(error).__name__, str(error))}
    ranks = {}
    for name in fit.names("param"):
        truth = truths[name]
        for element, draws in _elements(name, fit[name]):
            index = element[len(name):]
            true_value = truth[tuple(int(i) for i in index.strip("[]").split(","))] if index else truth
            ranks[element] = int(np.sum(draws[0] < true_value))
    return {"ranks": ranks, "divergent": fit.num_divergent > 0}


def uniformity_p_value(ranks: np.ndarray, num_draws: int, bins: int) -> float:
    """Pearson's chi-square test that ranks in 0..num_draws are uniform, over `bins`
    equal bins (num_draws + 1 should be a multiple of bins)."""
    counts, _ = np.histogram(ranks, bins=bins, range=(0, num_draws + 1))
    expected = len(ranks) / bins
    statistic = float(np.sum((counts - expected) ** 2) / expected)
    return chi2_survival(statistic, bins - 1)


def chi2_survival(x: float, degrees: int) -> float:
    """P(X > x) for X ~ chi-square(degrees): the regularised upper incomplete gamma
    Q(k/2, x/2), by its series for small x and Lentz's continued fraction otherwise
    (Numerical Recipes, section 6.2)."""
    a, z = degrees / 2.0, x / 2.0
    if z <= 0:
        return 1.0
    log_prefix = a * math.log(z) - z - math.lgamma(a)
    if z < a + 1:
        term = total = 1.0 / a
        n = a
        while abs(term) > abs(total) * 1e-16:
            n += 1
            term *= z / n
            total += term
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    b = z + 1 - a
    c, d = 1e300, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return math.exp(log_prefix) * h


def _binomial_band(n: int, p: float, coverage: float = 0.99) -> tuple[float, float]:
    """Normal approximation to the binomial's central interval of a bin count."""
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    z = 2.5758293035489  # the 99.5% standard normal quantile
    return max(0.0, mean - z * sd), mean + z * sd
