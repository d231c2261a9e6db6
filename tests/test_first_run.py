"""The first run after installing (issue #13, item 6): ppl says, in one line on stderr,
what it is compiling and how long that usually takes, only when Numba's cache does not
hold it, and never on later runs."""

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ppl
from ppl import first_run
from ppl.diagnostics import compile_notice

ROOT = Path(__file__).resolve().parents[1]
# a small library function compiled on first use: its cache state is quick to change
SMALL = compile_notice.Library("ppl.runtime.data", "real_scalar", "a small kernel", "1 s")


def _python(script, numba_cache, ppl_cache=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               NUMBA_CACHE_DIR=str(numba_cache))
    if ppl_cache is not None:
        env["PPL_CACHE_DIR"] = str(ppl_cache)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=900)


def test_the_cache_check_reads_numbas_own_index(tmp_path):
    # cold: nothing in this NUMBA_CACHE_DIR; after one call compiles the function, cached
    script = """
        import numpy as np
        from ppl.diagnostics import compile_notice
        library = compile_notice.Library("ppl.runtime.data", "real_scalar", "a small kernel", "1 s")
        before = compile_notice.cached(library)
        from ppl.runtime import data
        data.real_scalar(np.zeros(1), np.zeros(1, dtype=np.int64), 0)
        compile_notice._cached.clear()
        print(before, compile_notice.cached(library))
    """
    first = _python(script, tmp_path / "numba")
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["False", "True"]
    second = _python(script, tmp_path / "numba")
    assert second.stdout.split() == ["True", "True"]


def test_one_line_names_what_is_cold_and_only_once(monkeypatch):
    monkeypatch.setattr(compile_notice, "_announced", set())
    cold = SMALL._replace(module="ppl.not_imported_yet")
    monkeypatch.setattr(compile_notice, "cached", lambda library: library.module != "ppl.not_imported_yet")
    stream = io.StringIO()
    compile_notice.announce([cold, compile_notice.DIAGNOSTICS], stream)
    compile_notice.announce([cold], stream)
    assert stream.getvalue() == ("ppl: compiling a small kernel: once after installing ppl, usually 1 s; "
                                 "later runs load it from Numba's cache\n")


def test_two_cold_libraries_share_the_line(monkeypatch):
    monkeypatch.setattr(compile_notice, "_announced", set())
    monkeypatch.setattr(compile_notice, "cached", lambda library: False)
    first, second = SMALL._replace(module="ppl.cold_one"), SMALL._replace(module="ppl.cold_two", description="b")
    stream = io.StringIO()
    compile_notice.announce([first, second], stream)
    assert stream.getvalue().startswith(f"ppl: compiling a small kernel and b: once after installing ppl, "
                                        f"usually {compile_notice.TOGETHER_USUALLY};")


def test_sample_announces_unless_progress_is_off(monkeypatch):
    calls = []
    monkeypatch.setattr(first_run, "announce", lambda libraries, stream=None: calls.append(libraries))
    model = ppl.model("param mu: real\nmu ~ Normal(0, 1)\n", "first_run.ppl")
    model.sample({}, chains=1, warmup=10, draws=10, seed=1, progress=False)
    assert calls == []
    model.sample({}, chains=1, warmup=10, draws=10, seed=1, progress=True)
    assert calls == [[first_run.SAMPLERS["stan"], first_run.DIAGNOSTICS]]
    # each warmup adaptation has its own compiled chain: a run announces (and compiles) only its own
    model.sample({}, chains=1, warmup=10, draws=10, seed=1, progress=True, adaptation="fisher")
    assert calls[-1] == [first_run.SAMPLERS["fisher"], first_run.DIAGNOSTICS]


@pytest.mark.slow
def test_a_cold_first_run_says_what_it_compiles_and_a_second_run_does_not(tmp_path):
    script = f"""
        import ppl
        model = ppl.compile({str(ROOT / 'examples' / 'eight_schools_noncentered.ppl')!r})
        fit = model.sample({str(ROOT / 'examples' / 'eight_schools_noncentered.data.json')!r}, chains=2,
                           warmup=50, draws=50, seed=1)
        fit.summary()
        print("done")
    """
    cold = _python(script, tmp_path / "numba", tmp_path / "ppl")
    assert cold.returncode == 0 and cold.stdout.strip() == "done", cold.stderr
    lines = [line for line in cold.stderr.splitlines() if line.startswith("ppl: compiling")]
    assert len(lines) == 1, cold.stderr
    assert "sampler library" in lines[0] and "diagnostics" in lines[0] and "usually" in lines[0]
    warm = _python(script, tmp_path / "numba", tmp_path / "ppl")
    assert warm.returncode == 0 and warm.stdout.strip() == "done", warm.stderr
    assert "ppl: compiling" not in warm.stderr
