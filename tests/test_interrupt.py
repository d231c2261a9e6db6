"""Ctrl-C during sampling (issue #9, item 5): every chain stops within about half a second,
`sample` returns the draws made so far (marked interrupted, with a warning), and `ppl sample`
prints its summary and exits 130 without a traceback.  Each case is a subprocess sent SIGINT."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = "param mu: real\nparam sigma: real<lower=0>\nmu ~ Normal(0, 1)\nsigma ~ HalfNormal(1)\n"


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
                               text=True, env=env, cwd=tmp_path)
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


def test_a_second_ctrl_c_leaves_at_once(tmp_path):
    process = _start(tmp_path, """
        fit = model.sample({}, chains=2, warmup=100, draws=2_000_000, thin=20, seed=2, progress=False)
    """)
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    time.sleep(0.02)   # two signals sent at once may arrive as one
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "KeyboardInterrupt" in err
