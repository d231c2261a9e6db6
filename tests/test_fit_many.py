"""Many fits at once (ppl/many.py): `ppl.fit_many` and `ppl.sbc` on local threads and on
a Dask LocalCluster of two worker processes (loopback only).  The oracle for every fit is
the serial path: `model.sample` with the seed fit_many derives for that data set, and
the cluster must give exactly the local results, a killed worker notwithstanding."""

import json
import os
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl.many import FitFailure, FitManyWarning, FitSummary, ModelReference, derived_seeds
from ppl.progress import CountLine

EXAMPLES = Path(__file__).parent.parent / "examples"
SETTINGS = dict(chains=2, warmup=150, draws=100)
SEED = 20


@pytest.fixture(scope="module")
def model():
    return ppl.compile(EXAMPLES / "linreg.ppl")


@pytest.fixture(scope="module")
def datasets():
    """Eight regressions keyed by name; "region-5" has a NaN observation and must fail."""
    rng = np.random.default_rng(4)
    sets = {}
    for k in range(8):
        x = rng.normal(size=(2, 30))
        y = 0.5 * k + x[0] - 2 * x[1] + rng.normal(size=30)
        sets[f"region-{k}"] = {"N": 30, "x": x, "y": y}
    sets["region-5"]["y"][3] = np.nan
    return sets


@pytest.fixture(scope="module")
def local_fits(model, datasets):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitManyWarning)
        return ppl.fit_many(model, datasets, seed=SEED, threads=2, progress=False, **SETTINGS)


def assert_same_fit(fit, other):
    assert list(fit.keys()) == list(other.keys())
    for name in fit.keys():
        np.testing.assert_array_equal(fit[name], other[name])
    for name in fit.stats:
        np.testing.assert_array_equal(fit.stats[name], other.stats[name])
    assert fit.seed == other.seed


def test_each_fit_is_the_serial_fit_with_its_derived_seed(model, datasets, local_fits):
    assert list(local_fits) == list(datasets)              # a dict in, the same keys in order out
    seeds = derived_seeds(SEED, len(datasets))
    assert derived_seeds(SEED, 3) == seeds[:3]             # fit k's seed depends on k, not on the count
    assert len(set(seeds)) == len(seeds) and all(0 <= s < 2 ** 63 for s in seeds)
    for k in (0, 7):
        key = f"region-{k}"
        serial = model.sample(datasets[key], seed=seeds[k], progress=False, cores=1, **SETTINGS)
        assert_same_fit(local_fits[key], serial)
    # each data set's own posterior: the intercepts were set to 0.5 k
    assert abs(local_fits["region-7"]["w"][..., 0].mean() - 3.5) < 0.6


def test_a_failing_data_set_is_reported_in_its_slot_and_the_rest_come_back(model, datasets, local_fits):
    failure = local_fits["region-5"]
    assert isinstance(failure, FitFailure) and failure.key == "region-5"
    assert failure.error_type == "DataError"
    assert "linreg.ppl:6:" in failure.message and "'y' is not finite" in failure.message
    assert all(isinstance(fit, ppl.results.fit.Fit) for key, fit in local_fits.items() if key != "region-5")
    with pytest.warns(FitManyWarning, match="1 of 2 fits failed"):
        ppl.fit_many(model, [datasets["region-5"], datasets["region-0"]], seed=1, progress=False, **SETTINGS)


def test_keep_summary_and_disk_return_the_summary_rows_and_save_the_fit(model, datasets, local_fits, tmp_path):
    chosen = {key: datasets[key] for key in ("region-0", "region-1")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitManyWarning)
        # the same seeds as local_fits for these two: they are data sets 0 and 1 of both calls
        saved = ppl.fit_many(model, chosen, seed=SEED, keep="disk", output_dir=tmp_path, progress=False, **SETTINGS)
        summaries = ppl.fit_many(model, [chosen["region-0"]], seed=SEED, keep="summary", progress=False,
                                 **SETTINGS)
    for key, result in saved.items():
        assert isinstance(result, FitSummary) and result.path == str(tmp_path / f"{key}.npz")
        assert result.summary.to_dict() == local_fits[key].summary().to_dict()
        assert result.num_divergent == local_fits[key].num_divergent
        assert_same_fit(result.load(), local_fits[key])
    assert summaries[0].path is None and summaries[0].summary.to_dict() == local_fits["region-0"].summary().to_dict()
    with pytest.raises(ValueError, match="only keep='disk'"):
        summaries[0].load()


def test_bad_calls_fail_at_once_with_what_to_do(model, datasets):
    data = [datasets["region-0"]]
    with pytest.raises(TypeError, match="did you mean 'warmup'"):
        ppl.fit_many(model, data, warmpu=10)
    with pytest.raises(ValueError, match="chains must be an integer >= 1"):
        ppl.fit_many(model, data, chains=0)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\)"):
        ppl.fit_many(model, data, seed=-1)
    with pytest.raises(ValueError, match="keep must be one of"):
        ppl.fit_many(model, data, keep="draws")
    with pytest.raises(ValueError, match="give output_dir"):
        ppl.fit_many(model, data, keep="disk")
    with pytest.raises(ValueError, match="same file name"):
        ppl.fit_many(model, {"a b": data[0], "a_b": data[0]}, keep="disk", output_dir="unused")
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        ppl.fit_many(model, data, threads=0)
    with pytest.raises(TypeError, match="a list or a dict of data sets"):
        ppl.fit_many(model, "examples/linreg.data.json")
    with pytest.raises(TypeError, match="dask.distributed.Client"):
        ppl.fit_many(model, data, client="tcp://127.0.0.1:8786")


def test_without_dask_client_names_the_extra_to_install(model, datasets, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)   # `import distributed` now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'ppl\[dask\]'"):
        ppl.fit_many(model, [datasets["region-0"]], client=object())
    data = {"N": 30, "x": datasets["region-0"]["x"]}
    with pytest.raises(ImportError, match=r"pip install 'ppl\[dask\]'"):
        ppl.sbc(model, data, 2, client=object())


def test_ctrl_c_cancels_the_fits_not_finished_and_returns_those_that_are(model, datasets, monkeypatch):
    original = CountLine.count

    def count_then_interrupt(self, failed=False):
        original(self, failed)
        raise KeyboardInterrupt

    monkeypatch.setattr(CountLine, "count", count_then_interrupt)
    data = [datasets[f"region-{k}"] for k in range(4)]
    with pytest.warns(FitManyWarning, match="interrupted: 1 of 4 fits finished"):
        fits = ppl.fit_many(model, data, seed=SEED, threads=1, progress=False, **SETTINGS)
    assert isinstance(fits[0], ppl.results.fit.Fit)
    assert all(isinstance(fit, FitFailure) and "Ctrl-C" in fit.message for fit in fits[1:])


def test_progress_line_counts_finished_fits():
    class Terminal:
        text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    stream = Terminal()
    line = CountLine(3, True, stream=stream)
    line.count()
    line.count(failed=True)
    assert "2/3 fits done, 1 failed" in stream.text
    assert not CountLine(3, False, stream=stream).enabled


# ---- on a Dask LocalCluster -----------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def compiled_keys():
    import ppl.many

    return sorted(ppl.many._compiled_models)


def test_dask_fits_are_the_local_fits_and_each_worker_compiles_once(model, datasets, local_fits, client):
    with pytest.warns(FitManyWarning, match="1 of 8 fits failed"):
        fits = ppl.fit_many(model, datasets, client=client, seed=SEED, progress=False, **SETTINGS)
    assert list(fits) == list(datasets)
    for key, fit in fits.items():
        if key == "region-5":
            assert fit == local_fits[key]                      # the same FitFailure, text and all
        else:
            assert_same_fit(fit, local_fits[key])
    key = ModelReference.of(model).key
    assert set(map(tuple, client.run(compiled_keys).values())) == {(key,)}


def test_dask_sbc_gives_the_local_ranks(model, client):
    data = json.loads((EXAMPLES / "linreg.data.json").read_text())
    data.pop("y")
    settings = dict(num_draws=19, thin=1, warmup=150, bins=4, seed=3, progress=False)
    local = ppl.sbc(model, data, 20, **settings)
    remote = ppl.sbc(model, data, 20, client=client, **settings)
    assert set(local.ranks) == {"w[0]", "w[1]", "w[2]", "sigma"}
    for name, ranks in local.ranks.items():
        assert ranks.shape == (20,)
        np.testing.assert_array_equal(remote.ranks[name], ranks)
    assert remote.p_values == local.p_values and remote.divergent_fits == local.divergent_fits


def test_dask_ctrl_c_cancels_the_remaining_tasks(model, datasets, local_fits, client, monkeypatch):
    original = CountLine.count

    def count_then_interrupt(self, failed=False):
        original(self, failed)
        raise KeyboardInterrupt

    monkeypatch.setattr(CountLine, "count", count_then_interrupt)
    good = {key: data for key, data in datasets.items() if key != "region-5"}
    with pytest.warns(FitManyWarning, match="interrupted: 1 of 7 fits finished"):
        fits = ppl.fit_many(model, good, client=client, seed=SEED, progress=False, **SETTINGS)
    finished = [key for key, fit in fits.items() if not isinstance(fit, FitFailure)]
    assert len(finished) == 1 and all("Ctrl-C" in fit.message for key, fit in fits.items() if key not in finished)
    deadline = time.monotonic() + 30
    while any(client.processing().values()) and time.monotonic() < deadline:   # the scheduler lets them go
        time.sleep(0.1)
    assert not any(client.processing().values())


def test_dask_survives_a_worker_killed_mid_run(model, datasets, local_fits, client, monkeypatch):
    """After the first fit comes back, a busy worker's process is killed; the nanny starts a new
    one and the scheduler runs that worker's fits again, with the same seeds."""
    killed = []
    original = CountLine.count

    def count_and_kill(self, failed=False):
        original(self, failed)
        if not killed:
            busy = [address for address, keys in client.processing().items() if keys]
            address = (busy or list(client.scheduler_info()["workers"]))[0]
            pid = client.run(os.getpid, workers=[address])[address]
            os.kill(pid, signal.SIGKILL)   # the worker dies as from a crash or the out-of-memory killer
            killed.append(pid)

    monkeypatch.setattr(CountLine, "count", count_and_kill)
    good = {key: data for key, data in datasets.items() if key != "region-5"}
    fits = ppl.fit_many(model, good, client=client, seed=SEED, progress=False, **SETTINGS)
    assert killed
    client.wait_for_workers(2, timeout=60)
    assert killed[0] not in client.run(os.getpid).values()
    # region-0..4 keep their positions, so their seeds and fits are local_fits'; the later ones moved up one
    seeds = derived_seeds(SEED, len(good))
    assert all(isinstance(fit, ppl.results.fit.Fit) for fit in fits.values())
    for k in range(5):
        assert_same_fit(fits[f"region-{k}"], local_fits[f"region-{k}"])
    serial = model.sample(good["region-7"], seed=seeds[6], progress=False, cores=1, **SETTINGS)
    assert_same_fit(fits["region-7"], serial)
