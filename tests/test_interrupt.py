"""Ctrl-C during sampling (issue #9, item 5): every chain stops within about half a second,
`sample` returns the draws made so far (marked interrupted, with a warning), and `ppl sample`
prints its summary and exits 130 without a traceback (each a subprocess sent SIGINT); a second
Ctrl-C leaves at once.  And the wait itself: it ends when the last chain does, not at the
bar's next redraw (issue #13, item 1), with chain functions standing in for the native chains."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = "param mu: real\nparam sigma: real<lower=0>\nmu ~ Normal(0, 1)\nsigma ~ HalfNormal(1)\n"


def _default_sigint():
    """A pytest started in the background by a shell without job control has SIGINT ignored, and a
    child Python that inherits that installs no KeyboardInterrupt handler: give the child the default
    disposition, as a user's terminal does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path, body):
    (tmp_path / "model.ppl").write_text(MODEL)
    script = textwrap.dedent(f"""
        import sys, warnings
        import ppl
        model = ppl.compile({str(tmp_path / 'model.ppl')!r})
        model.sample({{}}, chains=2, warmup=20, draws=20, seed=1, progress=False)   # warm: the samplers load
        print("ready", flush=True)
    """) + textwrap.dedent(body)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, cwd=tmp_path, preexec_fn=_default_sigint)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def _interrupt(process, after=2.0, timeout=60):
    time.sleep(after)
    sent = time.perf_counter()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=timeout)
    return out, err, time.perf_counter() - sent


def test_sample_returns_the_draws_made_before_ctrl_c(tmp_path):
    process = _start(tmp_path, """
        import time
        started = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.sample({}, chains=2, warmup=100, draws=2_000_000, thin=20, seed=2, progress=False)
        print("returned after", time.perf_counter() - started, flush=True)
        print("interrupted", fit.interrupted, fit.num_chains, fit.num_draws, fit["mu"].shape)
        print("held", fit.settings["draws_held"])
        print("warnings", [str(w.message) for w in caught if "interrupted" in str(w.message)])
        print("diagnose", fit.diagnose().splitlines()[0])
    """)
    out, err, seconds = _interrupt(process)
    assert process.returncode == 0, err
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    flag, chains, draws, shape = lines["interrupted"].split(" ", 3)
    assert flag == "True" and chains == "2"
    assert 0 < int(draws) < 100_000                   # the run was cut short, and kept what it had
    assert shape == f"(2, {draws})"
    held = eval(lines["held"])
    assert min(held) == int(draws) and len(held) == 2
    assert "sampling was interrupted" in lines["warnings"]
    assert lines["diagnose"].startswith("Interrupted:")
    assert "Traceback" not in err


def test_ppl_sample_prints_its_summary_and_exits_130(tmp_path):
    process = _start(tmp_path, f"""
        from ppl.cli import main
        sys.exit(main(["sample", {str(tmp_path / 'model.ppl')!r}, "--draws", "2000000", "--thin", "20",
                       "--chains", "2", "--seed", "3", "--no-progress", "--output", "draws.csv"]))
    """)
    out, err, seconds = _interrupt(process, after=3.0)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert "mu" in out and "r_hat" in out            # the summary of what it has
    assert "Interrupted:" in out
    assert (tmp_path / "draws.csv").exists()


class _Bar:
    """A progress bar that counts its redraws."""
    enabled = True

    def __init__(self):
        self.redraws = 0

    def update(self, progress):
        self.redraws += 1


def _chains_run(chains, cores, run, refresh, bar=None):
    from ppl.sampling import chain as native
    from ppl.sampling.run import _run_chains

    progress = np.zeros((chains, native.PROGRESS_SLOTS), dtype=np.int64)
    return _run_chains(run, chains, cores, progress, bar or _Bar(), native, refresh=refresh)


def test_the_wait_ends_when_the_last_chain_does_not_at_a_redraw():
    # with a redraw every 30 s, a wait that ended by its timeout would show in woken_by_timeout
    threads = _chains_run(4, 2, lambda index: {"chain": index}, refresh=30.0)
    assert threads.done.is_set()
    assert threads.woken_by_timeout == 0
    assert threads.results == [{"chain": k} for k in range(4)]


def test_the_bar_is_redrawn_while_the_chains_run():
    bar = _Bar()

    def run(index):
        _wait_until(lambda: bar.redraws >= 3)
        return index

    threads = _chains_run(2, 2, run, refresh=0.01, bar=bar)
    assert bar.redraws >= 3 and threads.woken_by_timeout >= 3
    assert threads.results == [0, 1]


def _wait_until(condition, limit=60.0):
    end = time.monotonic() + limit
    while not condition() and time.monotonic() < end:
        time.sleep(0.005)


def test_a_chain_error_reaches_the_caller():
    def run(index):
        if index == 1:
            raise RuntimeError("chain 1 failed")
        return index

    with pytest.raises(RuntimeError, match="chain 1 failed"):
        _chains_run(3, 2, run, refresh=30.0)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill")
def test_a_second_ctrl_c_leaves_at_once():
    # chains that ignore the stop request (as one in a very long iteration would): the first
    # Ctrl-C asks them to stop and keeps waiting, the second leaves while they still run
    release = threading.Event()
    bar = _Bar()

    def run(index):
        release.wait(timeout=60)
        return index

    from ppl.sampling import chain as native
    from ppl.sampling.run import _run_chains

    main = threading.get_ident()
    progress = np.zeros((2, native.PROGRESS_SLOTS), dtype=np.int64)

    def interrupt_twice():
        _wait_until(lambda: bar.redraws >= 1)          # the caller is in its waiting loop
        signal.pthread_kill(main, signal.SIGINT)
        _wait_until(lambda: (progress[:, native.STOP] == 1).all())
        signal.pthread_kill(main, signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)   # as in _default_sigint
    sender = threading.Thread(target=interrupt_twice)
    sender.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            _run_chains(run, 2, 2, progress, bar, native, refresh=0.01)
        assert not release.is_set()                    # the chains were still running
        assert (progress[:, native.STOP] == 1).all()   # and had been asked to stop
    finally:
        release.set()
        sender.join()
        signal.signal(signal.SIGINT, previous)
