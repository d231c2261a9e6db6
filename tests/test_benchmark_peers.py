"""The benchmark's peer models cover the gallery, the hard models' data is what its seeded
generator makes, and the runner's derived figures follow their definitions.

Nothing here imports a peer (PyMC, NumPyro, Stan): the peer files are read as text, so these
tests run, and fail, whether or not the ``bench`` extra is installed.
"""

import ast
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
PEERS = ROOT / "benchmarks" / "peers"
BENCHMARK_MODELS = sorted(p.stem for p in EXAMPLES.glob("*.ppl") if p.with_suffix(".data.json").exists())


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hard_models = _load(ROOT / "benchmarks" / "hard_models.py", "bench_hard_models")
worker = _load(PEERS / "worker.py", "bench_worker")
runner = _load(ROOT / "benchmarks" / "run.py", "bench_run")


def _public_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def test_the_benchmark_set_has_the_hard_models():
    assert set(runner.HARD_MODELS) <= set(BENCHMARK_MODELS)
    assert {"correlated_regression", "tight_gaussian", "funnel", "eight_schools_centered"} <= set(BENCHMARK_MODELS)


def test_pymc_peer_defines_every_benchmark_model():
    assert _public_functions(PEERS / "pymc_models.py") == set(BENCHMARK_MODELS)


def test_numpyro_peer_defines_every_benchmark_model():
    tree = ast.parse((PEERS / "numpyro_models.py").read_text())
    kinds = next(node.value for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_KINDS")
    assert {key.value for key in kinds.keys} == set(BENCHMARK_MODELS)
    assert set(BENCHMARK_MODELS) <= _public_functions(PEERS / "numpyro_models.py")


def test_stan_peer_defines_every_benchmark_model():
    assert {p.stem for p in (PEERS / "stan").glob("*.stan")} == set(BENCHMARK_MODELS)


@pytest.mark.parametrize("name", sorted(hard_models.GENERATORS))
def test_hard_model_data_matches_its_generator(name):
    stored = json.loads(hard_models.path_of(name).read_text())
    assert hard_models.matches(stored, hard_models.generate(name))


def test_matches_notices_a_changed_value():
    data = hard_models.generate("tight_gaussian")
    changed = json.loads(json.dumps(data))
    changed["L"][1][1] += 1e-4
    assert not hard_models.matches(changed, data)


def test_correlated_regression_is_as_ill_conditioned_as_stated():
    data = json.loads(hard_models.path_of("correlated_regression").read_text())
    x = np.asarray(data["X"])
    assert x.shape == (data["N"], data["K"]) == (5000, 25)
    assert len(data["y"]) == 5000
    assert 0.9e5 < np.linalg.cond(x.T @ x) < 1.1e5
    # the correlation is oblique: rescaling each predictor (what a diagonal metric does) leaves
    # the Gram matrix nearly as ill-conditioned
    scaled = x / x.std(axis=0)
    assert np.linalg.cond(scaled.T @ scaled) > 1e4


def test_tight_gaussian_has_the_stated_correlation():
    data = json.loads(hard_models.path_of("tight_gaussian").read_text())
    scale_tril = np.asarray(data["L"])
    assert np.allclose(scale_tril, np.tril(scale_tril))
    covariance = scale_tril @ scale_tril.T
    sd = np.sqrt(np.diag(covariance))
    assert np.allclose(sd, hard_models.TIGHT_SCALES)
    assert covariance[0, 1] / (sd[0] * sd[1]) == pytest.approx(-0.99999, abs=1e-12)


@pytest.mark.parametrize("depth", range(1, 11))
def test_tree_depth_from_leapfrog_steps(depth):
    # a trajectory of depth d has between 2^(d-1) (stopped one step into its last doubling)
    # and 2^d - 1 (a full tree) leapfrog steps
    steps = np.arange(2 ** (depth - 1), 2 ** depth)
    assert (worker.depth_from_steps(steps) == depth).all()


def test_tree_depth_saturation_counts_draws_at_the_maximum():
    assert worker.tree_depth_saturation([10, 3, 10, 9], max_depth=10) == 0.5


def test_wall_share_splits_by_the_sampling_phase():
    assert worker.wall_share(10.0, [1.0, 3.0], [2.0, 4.0]) == pytest.approx(6.0)
    assert math.isnan(worker.wall_share(10.0, [0.0], [0.0]))


def _sampled(ess, seconds, steps, wall=None):
    result = {"sampling_seconds": seconds, "warmup_seconds": [1.0] * len(seconds), "leapfrog_steps": steps,
              "leapfrog_per_chain": [steps // len(seconds)] * len(seconds),
              "params": {"x": {"labels": ["x[0]", "x[1]"], "ess": ess, "mean": [0.0, 0.0], "sd": [1.0, 1.0]}}}
    if wall is not None:
        result["sampling_wall_seconds"] = wall
    return result


def test_figures_use_the_wall_clock_when_there_is_one():
    sequential = runner.figures(_sampled([400.0, 300.0], [1.0, 2.0], 6000))
    assert sequential["ess_per_second"] == pytest.approx(100.0)       # the sum of the chains' phases
    assert sequential["ess_per_gradient"] == pytest.approx(0.05)
    assert sequential["ess_min_at"] == "x[1]"
    parallel = runner.figures(_sampled([400.0, 300.0], [1.0, 2.0], 6000, wall=1.5))
    assert parallel["ess_per_second"] == pytest.approx(200.0)
    assert parallel["gradients_per_second"] == pytest.approx(4000.0)


def test_best_peer_is_the_one_with_the_highest_ess_per_second():
    row = {"numpyro": {"ess_per_second": 10.0}, "stan": {"ess_per_second": 30.0},
           "nutpie": {"error": "failed"}}
    assert runner.best_peer(row, ["numpyro", "stan", "nutpie"]) == "stan"
    assert runner.best_peer({"stan": {"error": "x"}}, ["stan"]) is None
