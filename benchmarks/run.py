"""ppl against its peers on the example gallery, every figure measured in the same run.

    python -m benchmarks [--models linreg,garch11] [--peers numpyro,stan,nutpie] [--quick]
                         [--chain-mode users|sequential]
    python benchmarks/run.py ...

For every example model (examples/*.ppl with its data) it measures, for ppl and for each peer
that is installed (NumPyro with JAX; Stan through PyStan 3; nutpie with PyMC models):

- cold compile: a fresh process with empty caches, time to a compiled, conditioned model plus
  one gradient (ppl: ``ppl.compile(path).condition(data)`` + ``log_density_gradient``, with
  ``PPL_CACHE_DIR`` empty but Numba's cache of the sampler library as installed; once per run,
  for one model, also with ``NUMBA_CACHE_DIR`` empty too: "library cold");
- warm compile: the same in a second fresh process sharing the first one's cache;
- time to first draw, cold and warm: in those processes, from before the system's import to the
  return of a first 1-chain, 1-warmup, 1-draw ``sample`` call;
- NUTS, 4 chains x 1000 warmup x 1000 draws, each system's default metric, target acceptance 0.8, max tree
  depth 10, chains as each system's users run them (``--chain-mode users``, the default) or one
  after another on one core (``sequential``; see benchmarks/peers/worker.py for what each means
  for the timing): sampling seconds, gradient evaluations/s (leapfrog steps of the sampling
  phase / sampling seconds), the minimum bulk-ESS over all param elements
  (``ppl.diagnostics.ess_bulk`` on every system's draws), ESS/s = that / sampling seconds, ESS
  per gradient, and the share of draws at the maximum tree depth;
- the ratios ours / peer and ours / the best peer, and a check that the peer samples the same
  posterior (the largest |mean difference| over param elements in Monte-Carlo standard errors).

Writes benchmarks/results/latest.json and latest.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RESULTS = Path(__file__).resolve().parent / "results"
PEERS = ("numpyro", "stan", "nutpie")
TARGETS = {"cold_compile_s": 5.0, "warm_compile_s": 0.5, "best_peer_ess_ratio": 2.0, "hard_tree_depth_saturation": 0.05}
# the models that are hard for a diagonal metric (issue 13): the max-tree-depth target is read on these
HARD_MODELS = ("correlated_regression", "tight_gaussian", "funnel", "eight_schools_centered")


# ------------------------------------------------------------------------------ environment

def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def peer_available(peer) -> tuple[bool, str]:
    if peer == "numpyro":
        if importlib.util.find_spec("numpyro") and importlib.util.find_spec("jax"):
            return True, f"numpyro {_version('numpyro')}, jax {_version('jax')}"
        return False, "numpyro/jax not installed (pip install 'ppl[bench]')"
    if peer == "stan":
        if importlib.util.find_spec("stan") and importlib.util.find_spec("httpstan"):
            if not shutil.which(os.environ.get("CXX", "g++")):
                return False, "pystan installed but no C++ compiler (g++) on PATH"
            return True, f"pystan {_version('pystan')}, httpstan {_version('httpstan')}, Stan {_stan_version()}"
        note = "pystan not installed (pip install pystan)"
        if importlib.util.find_spec("cmdstanpy"):
            note += "; cmdstanpy is installed but not used (it needs a CmdStan install)"
        return False, note
    if peer == "nutpie":
        if importlib.util.find_spec("nutpie") and importlib.util.find_spec("pymc"):
            return True, f"nutpie {_version('nutpie')}, pymc {_version('pymc')}, pytensor {_version('pytensor')}"
        return False, "nutpie/pymc not installed (pip install 'ppl[bench]')"
    return False, f"unknown peer {peer!r}"


def _stan_version():
    spec = importlib.util.find_spec("httpstan")
    if not spec or not spec.origin:
        return None
    header = Path(spec.origin).parent / "include" / "stan" / "version.hpp"
    try:
        text = header.read_text()
    except OSError:
        return None
    parts = {}
    for key in ("MAJOR", "MINOR", "PATCH"):
        for line in text.splitlines():
            if line.startswith(f"#define STAN_{key} "):
                parts[key] = line.split()[-1]
    return ".".join(parts.get(k, "?") for k in ("MAJOR", "MINOR", "PATCH"))


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        gxx = subprocess.run([os.environ.get("CXX", "g++"), "--version"], capture_output=True, text=True,
                             timeout=10).stdout.splitlines()[0]
    except Exception:  # noqa: BLE001
        gxx = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "numba": _version("numba"),
        "jax": _version("jax"),
        "jaxlib": _version("jaxlib"),
        "numpyro": _version("numpyro"),
        "pystan": _version("pystan"),
        "nutpie": _version("nutpie"),
        "pymc": _version("pymc"),
        "pytensor": _version("pytensor"),
        "httpstan": _version("httpstan"),
        "stan": _stan_version(),
        "g++": gxx,
    }


# ---------------------------------------------------------------------------------- workers

def worker(system, model, mode, settings, env_extra, timeout=1800, dim=0):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(env_extra)
    command = [sys.executable, "-m", "benchmarks.peers.worker", system, model, mode, out,
               "--chains", str(settings["chains"]), "--warmup", str(settings["warmup"]),
               "--draws", str(settings["draws"]), "--seed", str(settings["seed"]), "--dim", str(dim),
               "--chain-mode", settings["chain_mode"]]
    start = time.perf_counter()
    try:
        completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    try:
        if completed.returncode != 0:
            return {"error": (completed.stderr or completed.stdout).strip().splitlines()[-1:] or ["failed"],
                    "stderr_tail": completed.stderr[-2000:]}
        result = json.loads(Path(out).read_text())
        result["process_seconds"] = time.perf_counter() - start
        return result
    finally:
        Path(out).unlink(missing_ok=True)


def figures(result) -> dict:
    """Derived figures from a worker's sample result."""
    if "error" in result or "sampling_seconds" not in result:
        return {}
    # users mode: wall-clock of the sampling phase; sequential: the sum of the chains' phases
    sampling = float(result.get("sampling_wall_seconds") or sum(result["sampling_seconds"]))
    warmup = float(sum(result["warmup_seconds"]))
    ess, where = math.inf, ""
    for entry in result["params"].values():
        for label, value in zip(entry["labels"], entry["ess"]):
            if value is not None and value < ess:
                ess, where = value, label
    return {
        "sampling_seconds": sampling,
        "warmup_seconds": warmup,
        "gradients_per_second": result["leapfrog_steps"] / sampling if sampling > 0 else math.nan,
        "ess_min": ess,
        "ess_min_at": where,
        "ess_per_second": ess / sampling if sampling > 0 else math.nan,
        "ess_per_gradient": ess / result["leapfrog_steps"] if result["leapfrog_steps"] else math.nan,
        "tree_depth_saturation": result.get("tree_depth_saturation"),
        "divergences": result.get("divergences"),
        "chain_spread": _spread(result),
    }


def _spread(result):
    """max / min over chains of sampling seconds per leapfrog step: 1 on a quiet machine."""
    per = [t / n for t, n in zip(result["sampling_seconds"], result.get("leapfrog_per_chain", [])) if n and t > 0]
    return max(per) / min(per) if len(per) > 1 else None


def agreement(ours, peer) -> float | None:
    """Largest |mean_ours - mean_peer| / MCSE over the param elements both have."""
    worst = None
    for name, a in ours.get("params", {}).items():
        b = peer.get("params", {}).get(name)
        if b is None or len(b["mean"]) != len(a["mean"]):
            continue
        for i in range(len(a["mean"])):
            if a["ess"][i] is None or b["ess"][i] is None:
                continue
            se = math.sqrt(a["sd"][i] ** 2 / max(a["ess"][i], 1) + b["sd"][i] ** 2 / max(b["ess"][i], 1))
            if se > 0:
                z = abs(a["mean"][i] - b["mean"][i]) / se
                worst = z if worst is None else max(worst, z)
    return worst


def best_peer(row, peers):
    """The peer with the highest min-ESS/s on this model (None if no peer has a figure)."""
    scored = [(row[p]["ess_per_second"], p) for p in peers
              if not row[p].get("error") and isinstance(row[p].get("ess_per_second"), float)
              and math.isfinite(row[p]["ess_per_second"])]
    return max(scored)[1] if scored else None


def _ratio(a, b):
    try:
        return a / b if b and not math.isnan(a) and not math.isnan(b) else None
    except TypeError:
        return None


# -------------------------------------------------------------------------------------- run

def run(models, peers, settings, library_cold_model, log=print):
    scratch = Path(tempfile.mkdtemp(prefix="ppl-bench-"))
    rows = {}
    library_cold = None
    try:
        for model in models:
            log(f"[{model}] ppl")
            row = {"model": model}
            ppl_cache = scratch / f"ppl-{model}"
            cold = worker("ppl", model, "compile", settings, {"PPL_CACHE_DIR": str(ppl_cache)})
            warm = worker("ppl", model, "sample", settings, {"PPL_CACHE_DIR": str(ppl_cache)})
            row["ppl"] = {"cold_compile_seconds": cold.get("compile_seconds"),
                          "warm_compile_seconds": warm.get("compile_seconds"),
                          "cold_first_draw_seconds": cold.get("first_draw_seconds"),
                          "warm_first_draw_seconds": warm.get("first_draw_seconds"),
                          "dim": warm.get("dim"), "raw": warm, **figures(warm)}
            if "error" in cold or "error" in warm:
                row["ppl"]["error"] = cold.get("error") or warm.get("error")
            if model == library_cold_model:
                log(f"[{model}] ppl, library cold (empty NUMBA_CACHE_DIR: minutes)")
                library_cold = worker("ppl", model, "compile-library", settings,
                                      {"PPL_CACHE_DIR": str(scratch / f"ppl-lib-{model}"),
                                       "NUMBA_CACHE_DIR": str(scratch / "numba-cache")})
                library_cold["model"] = model
            dim = warm.get("dim") or 0
            for peer in peers:
                log(f"[{model}] {peer}")
                cache = scratch / f"{peer}-{model}"
                cache.mkdir()
                env = {"numpyro": {"BENCH_JAX_CACHE": str(cache)},
                       "stan": {"XDG_CACHE_HOME": str(cache)},
                       "nutpie": {"PYTENSOR_FLAGS": f"base_compiledir={cache}"}}[peer]
                peer_cold = worker(peer, model, "compile", settings, env, dim=dim)
                peer_warm = worker(peer, model, "sample", settings, env, dim=dim)
                entry = {"cold_compile_seconds": peer_cold.get("compile_seconds"),
                         "warm_compile_seconds": peer_warm.get("compile_seconds"),
                         "cold_first_draw_seconds": peer_cold.get("first_draw_seconds"),
                         "warm_first_draw_seconds": peer_warm.get("first_draw_seconds"),
                         "raw": peer_warm, **figures(peer_warm)}
                if "error" in peer_cold or "error" in peer_warm:
                    entry["error"] = peer_cold.get("error") or peer_warm.get("error")
                    entry["stderr_tail"] = peer_cold.get("stderr_tail") or peer_warm.get("stderr_tail")
                ours = row["ppl"]
                entry["ratio_ess_per_second"] = _ratio(ours.get("ess_per_second"), entry.get("ess_per_second"))
                entry["ratio_gradients_per_second"] = _ratio(ours.get("gradients_per_second"),
                                                             entry.get("gradients_per_second"))
                entry["ratio_sampling_seconds"] = _ratio(ours.get("sampling_seconds"), entry.get("sampling_seconds"))
                entry["ratio_cold_compile"] = _ratio(ours.get("cold_compile_seconds"), entry.get("cold_compile_seconds"))
                entry["ratio_warm_compile"] = _ratio(ours.get("warm_compile_seconds"), entry.get("warm_compile_seconds"))
                entry["agreement_max_z"] = agreement(ours.get("raw", {}), peer_warm)
                row[peer] = entry
            row["best_peer"] = best_peer(row, peers)
            if row["best_peer"]:
                row["ratio_ess_per_second_best_peer"] = _ratio(row["ppl"].get("ess_per_second"),
                                                               row[row["best_peer"]]["ess_per_second"])
            rows[model] = row
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, library_cold


# ---------------------------------------------------------------------------------- output

def _f(value, digits=3):
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def _ratio_cell(value, target=None):
    if value is None:
        return "—"
    text = f"{value:.2f}×"
    if target is not None and value < target:
        text = f"**{text}**"
    return text


PEER_TITLES = {"numpyro": "NumPyro", "stan": "Stan (PyStan 3)", "nutpie": "nutpie (PyMC models)"}

CHAIN_MODES = {
    "users": "chains as each system's users run them: ppl with `cores` = all cores, nutpie with its default "
             "(all cores), Stan with PyStan's default process pool (all cores), NumPyro `chain_method='sequential'` "
             "(one JAX CPU device; 'parallel' where JAX has a device per chain). *Sampling s* is wall-clock: the wall "
             "time of the `sample` call times the sampling phase's share of it (its share of the per-chain phase "
             "times for ppl and Stan; of the leapfrog steps for nutpie, which reports no times; NumPyro sequential: "
             "the sum of its chains' AOT-compiled sampling scans, which is wall-clock)",
    "sequential": "chains one after another on one core in every system (ppl `cores=1`, nutpie `cores=1`, Stan "
                  "through a one-worker process pool, NumPyro `chain_method='sequential'`), so that per-chain times "
                  "are not inflated by chains competing for cores. *Sampling s* is the sum over chains of each "
                  "chain's sampling phase (ppl: `fit.timing`; Stan: its own per-chain elapsed time; NumPyro: each "
                  "chain's ahead-of-time compiled `kernel.sample` scan after `mcmc.warmup()`, compilation excluded; "
                  "nutpie: the wall time of the call times the sampling phase's share of leapfrog steps)",
}


def _percent(value):
    return "—" if value is None else f"{100 * value:.1f}%"


def markdown(report) -> str:
    m = report["machine"]
    s = report["settings"]
    mode = s.get("chain_mode", "sequential")
    lines = [
        "# ppl benchmarks",
        "",
        f"{m['date']}; {m['machine']}, {m['cpu_count']} CPUs ({m['cpu']}), {m['system']}; "
        f"load average {report['load_average']['start']} at the start, {report['load_average']['end']} at the end.  ",
        f"Python {m['python']}, NumPy {m['numpy']}, Numba {m['numba']}"
        + (f", JAX {m['jax']}, NumPyro {m['numpyro']}" if m.get("numpyro") else "")
        + (f", PyStan {m['pystan']} (httpstan {m['httpstan']}, Stan {m['stan']}, {m['g++']})" if m.get("pystan") else "")
        + (f", nutpie {m['nutpie']} (PyMC {m['pymc']}, PyTensor {m['pytensor']})" if m.get("nutpie") else "")
        + ".",
        "",
        f"NUTS, {s['chains']} chains × {s['warmup']} warmup × {s['draws']} draws, seed {s['seed']}, each system's default "
        "metric (diagonal; ppl's `auto`: its diagonal, a chain whose warmup trees saturate switching to the low rank), "
        "target acceptance 0.8, max tree depth 10; inits uniform(−2, 2) (nutpie: its own). nutpie keeps its default "
        "adaptation (mass matrix from the variances of draws and gradients) and numba backend. "
        f"Chain mode `{mode}`: {CHAIN_MODES[mode]}. "
        "*grad/s*: leapfrog steps in the sampling phase ÷ sampling s. *ESS/s*: the minimum bulk-ESS "
        "(`ppl.diagnostics.ess_bulk`, every param element, constant elements such as L[0,0] left out) ÷ sampling s. "
        "*ESS/grad*: that minimum ÷ the sampling phase's leapfrog steps. *depth max*: the share of draws whose "
        "trajectory reached the maximum tree depth. *Cold compile*: a fresh process with an empty cache, to a "
        "conditioned model and one gradient (ppl: empty `PPL_CACHE_DIR`, Numba's cache of the sampler library as "
        "installed; NumPyro: `initialize_model` + `jit(value_and_grad)`, empty JAX persistent cache; Stan: "
        "`stan.build` (stanc + g++) + one `grad_log_prob`, empty httpstan cache; nutpie: the PyMC model + "
        "`compile_pymc_model`, empty PyTensor compile folder). *Warm*: a second fresh process with the same cache. "
        "*First draw*: in the same fresh process, from before the import of the system to the return of a first "
        "`sample` call of 1 chain × 1 warmup × 1 draw (import, compile or cache load, the sampler's start-up).",
        "",
    ]
    if report["skipped_peers"]:
        for peer, why in report["skipped_peers"].items():
            lines.append(f"Skipped {peer}: {why}.")
        lines.append("")
    systems = ["ppl"] + list(report["peers"])
    lines += ["## Per model", "",
              "ratio: ppl ÷ the best peer on that model (by min-ESS/s); above 1 means ppl is better. *agree*: the "
              "largest |difference of posterior means| over param elements between ppl and the peer, in Monte-Carlo "
              "standard errors (a faithful peer model gives values below ~4; a sampler that has not converged, as on "
              "the funnel, gives more).", "",
              "| model | system | min-ESS/s | ESS/grad | grad/s | depth max | divergences | first draw cold s "
              "| first draw warm s | cold compile s | warm compile s | min bulk-ESS (at) | sampling s | agree |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for model, row in report["models"].items():
        for system in systems:
            e = row.get(system, {})
            name = PEER_TITLES.get(system, system).split(" (")[0]
            if e.get("error"):
                lines.append(f"| {model} | {name} | error: {e['error']} ||||||||||||")
                continue
            agree = "" if system == "ppl" else _f(e.get("agreement_max_z"), 2)
            best = row.get("best_peer")
            mark = " (best peer)" if system == best else ""
            lines.append(
                f"| {model} | {name}{mark} | {_f(e.get('ess_per_second'))} | {_f(e.get('ess_per_gradient'), 3)} "
                f"| {_f(e.get('gradients_per_second'))} | {_percent(e.get('tree_depth_saturation'))} "
                f"| {e.get('divergences')} | {_f(e.get('cold_first_draw_seconds'))} | {_f(e.get('warm_first_draw_seconds'))} "
                f"| {_f(e.get('cold_compile_seconds'))} | {_f(e.get('warm_compile_seconds'))} "
                f"| {_f(e.get('ess_min'), 4)} ({e.get('ess_min_at')}) | {_f(e.get('sampling_seconds'))} | {agree} |")
    lib = report.get("library_cold")
    if lib and "error" not in lib:
        lines += ["", f"Library cold ({lib['model']}: empty `NUMBA_CACHE_DIR` as well, i.e. the first use after "
                      f"installing): compile + one gradient {_f(lib.get('compile_seconds'))} s, then the first "
                      f"(tiny) `sample` call {_f(lib.get('first_sample_call_seconds'))} s, which compiles the sampler library."]
    elif lib:
        lines += ["", f"Library cold: error {lib.get('error')}"]
    # ratios to every peer
    if report["peers"]:
        header = " | ".join(f"ESS/s ÷ {PEER_TITLES.get(p, p).split(' (')[0]}" for p in report["peers"])
        lines += ["", "## Ratios", "",
                  "ppl ÷ each peer: min-ESS/s (above 1: ppl better), and ppl ÷ the best peer.", "",
                  f"| model | {header} | best peer | **ESS/s ÷ best peer (≥ 2)** |",
                  "|---|" + "---:|" * len(report["peers"]) + "---|---:|"]
        for model, row in report["models"].items():
            cells = [_ratio_cell(row.get(p, {}).get("ratio_ess_per_second")) for p in report["peers"]]
            best = row.get("best_peer")
            lines.append(f"| {model} | {' | '.join(cells)} | {best or '—'} "
                         f"| {_ratio_cell(row.get('ratio_ess_per_second_best_peer'), TARGETS['best_peer_ess_ratio'])} |")
    # targets
    lines += ["", "## Targets", "",
              "Issue 13: min-ESS/s at least 2× the best peer on every model; at most 5% of draws at the maximum tree "
              "depth on the hard models (" + ", ".join(HARD_MODELS) + ") with the default settings. Earlier ones: "
              "cold compile under 5 s; warm under 0.5 s. **Bold**: missed.", "",
              "| model | ESS/s ÷ best peer (≥ 2) | depth max (≤ 5%, hard models) | cold compile s (< 5) "
              "| warm compile s (< 0.5) |",
              "|---|---:|---:|---:|---:|"]
    for model, row in report["models"].items():
        p = row["ppl"]
        saturation = p.get("tree_depth_saturation")
        if model in HARD_MODELS and saturation is not None:
            depth_cell = _percent(saturation)
            if saturation > TARGETS["hard_tree_depth_saturation"]:
                depth_cell = f"**{depth_cell}**"
        else:
            depth_cell = _percent(saturation) + " (not hard)" if saturation is not None else "—"
        cold, warm = p.get("cold_compile_seconds"), p.get("warm_compile_seconds")
        cold_cell = _f(cold) if cold is not None and cold < TARGETS["cold_compile_s"] else f"**{_f(cold)}**"
        warm_cell = _f(warm) if warm is not None and warm < TARGETS["warm_compile_s"] else f"**{_f(warm)}**"
        ratio = _ratio_cell(row.get("ratio_ess_per_second_best_peer"), TARGETS["best_peer_ess_ratio"])
        lines.append(f"| {model} | {ratio} | {depth_cell} | {cold_cell} | {warm_cell} |")
    spreads = sorted(v for row in report["models"].values() for k, e in row.items()
                     if isinstance(e, dict) and (v := e.get("chain_spread")) is not None)
    if spreads:
        lines += ["", "Noise: within one run, the four chains of one model and system should take the same time per "
                      "leapfrog step; the ratio slowest ÷ fastest chain was "
                      f"{spreads[len(spreads) // 2]:.2f} at the median and {spreads[-1]:.2f} at worst "
                      f"(over {len(spreads)} model × system runs; with chains in parallel it also measures how "
                      "unevenly they shared the cores). Figures in the millisecond range are the least stable."]
    lines += ["", f"Total benchmark time {report['total_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def _strip(report):
    """The JSON keeps each worker's raw result, with the per-element ESS/mean/sd."""
    return report


def main(argv=None):
    all_models = sorted(p.name[:-len(".ppl")] for p in EXAMPLES.glob("*.ppl")
                        if (EXAMPLES / (p.name[:-len(".ppl")] + ".data.json")).exists())
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--models", help="comma-separated example names (default: all with data)")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated: numpyro,stan,nutpie (default "
                        "all three; 'none' for ppl only)")
    parser.add_argument("--chain-mode", choices=sorted(CHAIN_MODES), default="users",
                        help="users (default): chains as each system's users run them (ppl and nutpie on all "
                             "cores); sequential: chains one after another on one core in every system")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 warmup, 200 draws")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--draws", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--library-cold-model", default=None,
                        help="model for the 'library cold' compile (empty NUMBA_CACHE_DIR; slow); "
                             "default: the first model; 'none' to skip")
    parser.add_argument("--output", default=str(RESULTS), help="folder for latest.json and latest.md")
    parser.add_argument("--name", default="latest", help="file stem of the outputs (default latest)")
    args = parser.parse_args(argv)

    models = args.models.split(",") if args.models else all_models
    unknown = [m for m in models if m not in all_models]
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {all_models}")
    requested = [] if args.peers in ("", "none") else args.peers.split(",")
    peers, skipped = [], {}
    for peer in requested:
        ok, note = peer_available(peer)
        if ok:
            peers.append(peer)
            print(f"peer {peer}: {note}")
        else:
            skipped[peer] = note
            print(f"skipping peer {peer}: {note}")
    settings = {"chains": args.chains, "warmup": args.warmup or (200 if args.quick else 1000),
                "draws": args.draws or (200 if args.quick else 1000), "seed": args.seed,
                "chain_mode": args.chain_mode}
    library_cold_model = models[0] if args.library_cold_model is None else args.library_cold_model

    load_start = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    rows, library_cold = run(models, peers, settings, library_cold_model)
    report = {
        "machine": machine(),
        "settings": {**settings, "quick": args.quick},
        "peers": peers,
        "skipped_peers": skipped,
        "targets": TARGETS,
        "load_average": {"start": load_start, "end": ", ".join(f"{x:.2f}" for x in os.getloadavg())},
        "library_cold": library_cold,
        "models": rows,
        "total_seconds": time.perf_counter() - start,
    }
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.name}.json").write_text(json.dumps(_strip(report), indent=1, default=float))
    text = markdown(report)
    (out / f"{args.name}.md").write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
