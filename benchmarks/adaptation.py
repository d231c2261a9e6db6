"""Warmup adaptations compared by ESS per gradient: Stan's windowed diagonal
(`adaptation="stan"`), nutpie's gradient-based diagonal (`adaptation="fisher"`),
nutpie's low rank (`metric="low_rank"`) and the default, `metric="auto"` (Stan's
diagonal, switching a chain to the low rank after a slow window whose trees hit
the maximum depth; how many chains did is reported).

    python benchmarks/adaptation.py [--models linreg,correlated_regression] [--seeds 1,2,3]
                                    [--chains 4 --warmup 1000 --draws 1000]
                                    [--configurations "stan diag,auto"]

Models: every example with data (examples/*.ppl) plus two hard ones made here:

- correlated_regression_xtx: a linear regression with an intercept, N=5000, K=25,
  predictors whose covariance has condition number 1e5 (eigenvalues from 1 down
  to 1e-5, random orthogonal directions; seed 0), written with its sufficient
  statistics (X'X, X'y, y'y), which leaves the posterior exactly as with the
  5000 rows and makes a gradient cost K^2 instead of N K (ESS per gradient
  depends on the posterior only);
- gaussian_rho: a 3-parameter Gaussian, two coordinates with correlation
  -0.99999, the third independent.

For each (model, configuration, seed): NUTS, target acceptance 0.8, max tree
depth 10; the minimum bulk-ESS over the param elements
(`benchmarks.peers.worker.summarise_draws`, constant elements left out) divided
by the leapfrog steps of the sampling phase (ESS/grad), and by all leapfrog
steps including warmup; the share of draws at the maximum tree depth; wall
seconds.  The table shows each figure's geometric mean over the seeds (the
minimum ESS of a posterior with divergences, a funnel, varies several-fold from
seed to seed).  Writes benchmarks/results/adaptation.json and adaptation.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.peers.worker import ess_minimum, summarise_draws  # noqa: E402

EXAMPLES = ROOT / "examples"
RESULTS = ROOT / "benchmarks" / "results"
CONFIGURATIONS = {"stan diag": dict(metric="diag", adaptation="stan"),
                  "fisher diag": dict(metric="diag", adaptation="fisher"),
                  "fisher low rank": dict(metric="low_rank", adaptation="fisher"),
                  "auto": dict(metric="auto")}

CORRELATED_REGRESSION = """
# y ~ Normal(X beta, sigma) with an intercept column in X, through X'X, X'y and y'y
data N: int
data P: int
data XtX: real[P, P]
data Xty: real[P]
data yty: real
param beta: real[P]
param sigma: real<lower=0>
beta ~ Normal(0, 10)
sigma ~ HalfNormal(5)
target += -N * log(sigma) - (yty - 2 * dot(beta, Xty) + dot(beta, XtX @ beta)) / (2 * square(sigma))
"""

GAUSSIAN_RHO = """
data Sigma: real[3, 3]
param x: real[3]
x ~ MultivariateNormalFullCovariance(zeros(3), Sigma)
"""


def correlated_regression_data(seed=0, rows=5000, predictors=25, condition=1e5):
    rng = np.random.default_rng(seed)
    orthogonal, _ = np.linalg.qr(rng.normal(size=(predictors, predictors)))
    variances = np.logspace(0.0, -math.log10(condition), predictors)
    root = orthogonal @ np.diag(np.sqrt(variances)) @ orthogonal.T
    x = rng.normal(size=(rows, predictors)) @ root
    design = np.column_stack([np.ones(rows), x])
    beta = rng.normal(size=predictors + 1)
    y = design @ beta + rng.normal(size=rows)
    return {"N": rows, "P": predictors + 1, "XtX": design.T @ design, "Xty": design.T @ y, "yty": float(y @ y)}


def gaussian_rho_data(rho=-0.99999):
    return {"Sigma": np.array([[1.0, rho, 0.0], [rho, 1.0, 0.0], [0.0, 0.0, 1.0]])}


def posteriors(names):
    import ppl

    # not "correlated_regression": that is the gallery's (examples/), which this name once hid
    hard = {"correlated_regression_xtx": (CORRELATED_REGRESSION, correlated_regression_data),
            "gaussian_rho": (GAUSSIAN_RHO, gaussian_rho_data)}
    for name in names:
        if name in hard:
            source, data = hard[name]
            yield name, ppl.model(source, name=name).condition(data())
        else:
            yield name, ppl.compile(str(EXAMPLES / f"{name}.ppl")).condition(str(EXAMPLES / f"{name}.data.json"))


def measure(posterior, settings, chains, warmup, draws, seed):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = posterior.sample(chains=chains, warmup=warmup, draws=draws, seed=seed, progress=False, **settings)
    wall = time.perf_counter() - start
    ess, where = ess_minimum(summarise_draws({name: fit[name] for name in fit.names("param")}))
    sampling_steps = int(np.sum(fit.stats["n_leapfrog"]))
    all_steps = int(np.sum(fit.timing["gradient_evaluations"]))
    return {"ess_min": ess, "ess_min_at": where, "leapfrog_sampling": sampling_steps, "leapfrog_all": all_steps,
            "ess_per_gradient": ess / sampling_steps, "ess_per_gradient_all": ess / all_steps,
            "max_treedepth_share": float(np.mean(fit.stats["tree_depth"] >= 10)),
            "divergences": int(np.sum(fit.stats["diverging"])), "wall_seconds": wall,
            "step_size": np.asarray(fit.step_size).tolist(),
            "escalated_chains": sum(at >= 0 for at in fit.settings.get("escalated_at", [])),
            "escalated_at": fit.settings.get("escalated_at")}


def over_seeds(runs):
    """Geometric means over the seeds of the ratios, arithmetic of the rest."""
    keys = ("ess_per_gradient", "ess_per_gradient_all", "max_treedepth_share", "wall_seconds", "divergences",
            "escalated_chains")
    return {key: float(np.exp(np.mean(np.log([r[key] for r in runs])))) if key.startswith("ess")
            else float(np.mean([r[key] for r in runs])) for key in keys}


def markdown(report) -> str:
    names = report["configurations"]
    lines = [f"`{report['command']}` — {report['date']}, {report['machine']}", "",
             "| model | dim | " + " | ".join(f"{n}: ESS/grad (all) · depth-10 share" for n in names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for model, entry in report["models"].items():
        cells = []
        for n in names:
            r = entry[n]["mean"]
            escalated = sum(run["escalated_chains"] for run in entry[n]["seeds"])
            chains = report["chains"] * len(entry[n]["seeds"])
            cells.append(f"{r['ess_per_gradient']:.3g} ({r['ess_per_gradient_all']:.3g}) · "
                         f"{100 * r['max_treedepth_share']:.0f}%"
                         + (f" · {escalated}/{chains} escalated" if n == "auto" else ""))
        lines.append(f"| {model} | {entry['dim']} | " + " | ".join(cells) + " |")
    lines += ["", "Geometric mean over the models of ESS/grad relative to stan diag (sampling phase; all "
              "leapfrog steps): " + "; ".join(f"{n} {report['geometric_mean_ratio'][n][0]:.3g} "
                                              f"({report['geometric_mean_ratio'][n][1]:.3g})" for n in names)
              + (". Models where fisher diag beats stan diag: "
                 f"{report['fisher_diag_wins']} of {len(report['models'])}" if "fisher diag" in names else "")
              + ". The lowest ESS/grad over the set: "
              + "; ".join(f"{n} {report['worst_model'][n][0]:.3g} ({report['worst_model'][n][1]})" for n in names)
              + "."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_models = sorted(p.name[:-len(".data.json")] for p in EXAMPLES.glob("*.data.json")) + [
        "correlated_regression_xtx", "gaussian_rho"]
    parser.add_argument("--models", default=",".join(default_models))
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--name", default="adaptation")
    parser.add_argument("--configurations", default=",".join(CONFIGURATIONS),
                        help="which of the configurations, comma-separated (the ratios need 'stan diag')")
    args = parser.parse_args(argv)
    report = {"command": "python benchmarks/adaptation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "date": datetime.date.today().isoformat(),
              "machine": f"{platform.machine()}, {platform.processor() or platform.platform()}, "
                         f"{__import__('os').cpu_count()} cores",
              "models": {}, "chains": args.chains}
    configurations = {label: CONFIGURATIONS[label] for label in args.configurations.split(",")}
    report["configurations"] = list(configurations)
    for name, posterior in posteriors(args.models.split(",")):
        entry = {"dim": posterior.dim}
        for label, settings in configurations.items():
            runs = [measure(posterior, settings, args.chains, args.warmup, args.draws, int(seed))
                    for seed in args.seeds.split(",")]
            entry[label] = {"seeds": runs, "mean": over_seeds(runs)}
            figures = entry[label]["mean"]
            print(f"{name:24s} {label:16s} ESS/grad {figures['ess_per_gradient']:.4g} "
                  f"(all {figures['ess_per_gradient_all']:.4g}) depth-10 "
                  f"{figures['max_treedepth_share']:.2f} {figures['wall_seconds']:.1f} s"
                  + (f" escalated {sum(r['escalated_chains'] for r in runs)}" if label == "auto" else ""), flush=True)
        report["models"][name] = entry
    report["geometric_mean_ratio"] = {
        label: [float(np.exp(np.mean([np.log(e[label]["mean"][key] / e["stan diag"]["mean"][key])
                                      for e in report["models"].values()])))
                for key in ("ess_per_gradient", "ess_per_gradient_all")] for label in configurations}
    report["worst_model"] = {label: min(((e[label]["mean"]["ess_per_gradient"], model)
                                         for model, e in report["models"].items())) for label in configurations}
    if "fisher diag" in configurations:
        report["fisher_diag_wins"] = sum(e["fisher diag"]["mean"]["ess_per_gradient"]
                                         > e["stan diag"]["mean"]["ess_per_gradient"]
                                         for e in report["models"].values())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(report, indent=1))
    (RESULTS / f"{args.name}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
