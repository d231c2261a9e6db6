"""The progress bar tells the truth: the phase, each chain's progress, and divergences after
warmup apart from warmup's, on a terminal (a fake one here) or as HTML in a notebook."""

import io
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import ppl
from ppl.progress import ChainProgress, ProgressBar, in_notebook, render_html, render_text

EXAMPLES = Path(__file__).parent.parent / "examples"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def progress(iterations, divergences, warmup_divergences, started=None):
    count = len(iterations)
    return ChainProgress(np.array(iterations), np.array(divergences), np.array(warmup_divergences),
                         np.ones(count, dtype=bool) if started is None else np.array(started))


def test_warmup_phase_per_chain_progress_and_divergences_so_far_all_in_warmup():
    text = render_text(progress([50, 100, 0], [2, 1, 0], [-1, -1, -1], [True, True, False]),
                       warmup=200, draws=200, elapsed=1.0)
    assert text.startswith("warmup ")
    assert "chains W 12%, W 25%, queued" in text
    assert "0 divergent (3 in warmup)" in text
    assert " 12% |" in text                     # 150 of 1200 iterations
    assert "150 it/s" in text


def test_sampling_counts_only_the_divergences_after_warmup():
    # chain 0 had 4 divergences in warmup and 1 after; chain 1 is done with 2 after its 3
    text = render_text(progress([300, 400], [5, 5], [4, 3]), warmup=200, draws=200, elapsed=2.0)
    assert text.startswith("sampling ")
    assert "chains S 75%, done" in text
    assert "3 divergent (7 in warmup)" in text


def test_finished_and_many_chains():
    finished = render_text(progress([400] * 2, [0, 0], [0, 0]), warmup=200, draws=200, elapsed=1.0)
    assert finished.startswith("done ") and "100%" in finished and "[" + "#" * 30 + "]" in finished
    many = render_text(progress([50] * 6 + [300] * 4, [0] * 10, [-1] * 6 + [0] * 4), warmup=200, draws=200,
                       elapsed=1.0)
    assert "chains 6 warmup, 4 sampling |" in many


def test_a_narrow_terminal_gets_a_shorter_line_that_keeps_phase_and_divergences():
    state = progress([50, 100, 300, 400], [2, 1, 5, 0], [-1, -1, 3, 0])
    wide = render_text(state, warmup=200, draws=200, elapsed=1.0)
    assert len(wide) > 100 and render_text(state, 200, 200, 1.0, columns=200) == wide
    for columns in (100, 80, 60):
        text = render_text(state, warmup=200, draws=200, elapsed=1.0, columns=columns)
        assert len(text) <= columns, text
        assert text.startswith("warmup ") and "2 divergent (6 in warmup)" in text
    assert "chains W 12%, W 25%, S 75%, done | 850 it/s" in render_text(state, 200, 200, 1.0, columns=100)
    assert "it/s" not in render_text(state, 200, 200, 1.0, columns=95)


def test_a_terminal_gets_the_line_in_place_and_other_streams_nothing(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    terminal = _Terminal()
    bar = ProgressBar(2, 100, 100, True, terminal, notebook=False)
    bar.update(progress([50, 150], [1, 2], [-1, 1]))
    bar.update(progress([60, 160], [1, 2], [-1, 1]))
    written = terminal.getvalue()
    assert written.count("\r") == 2 and "1 divergent (2 in warmup)" in written
    bar.close()
    assert terminal.getvalue().endswith("\r")
    pipe = io.StringIO()
    ProgressBar(2, 100, 100, True, pipe, notebook=False).update(progress([1, 1], [0, 0], [-1, -1]))
    assert pipe.getvalue() == ""
    quiet = _Terminal()
    ProgressBar(2, 100, 100, False, quiet, notebook=False).update(progress([1, 1], [0, 0], [-1, -1]))
    assert quiet.getvalue() == ""


def test_a_notebook_gets_an_html_bar_updated_in_place(monkeypatch):
    shown = []

    class Handle:
        def update(self, item):
            shown.append(("update", item.data))

    def display(item, display_id=False):
        assert display_id is True
        shown.append(("display", item.data))
        return Handle()

    class HTML:
        def __init__(self, data):
            self.data = data

    display_module = types.ModuleType("IPython.display")
    display_module.display, display_module.HTML = display, HTML
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    bar = ProgressBar(2, 100, 100, True, io.StringIO(), notebook=True)
    bar.update(progress([50, 150], [1, 2], [-1, 1]))
    bar.update(progress([100, 200], [1, 2], [1, 1]))
    assert [kind for kind, _ in shown] == ["display", "update"]
    assert '<progress value="300" max="400"' in shown[1][1]
    assert "sampling: 300/400 iterations" in shown[1][1] and "1 divergent (2 in warmup)" in shown[1][1]
    assert render_html(progress([1], [0], [-1]), 100, 100, 1.0).count("<progress") == 1


def test_notebook_detection_needs_a_kernel_and_never_imports_ipython(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not in_notebook() and "IPython" not in sys.modules
    shell = types.SimpleNamespace(kernel=None)
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert not in_notebook()                 # a terminal IPython: no kernel
    shell.kernel = object()
    assert in_notebook()


@pytest.mark.filterwarnings("ignore::ppl.results.fit.SamplerWarning")
def test_sampling_reports_the_divergences_its_diagnosis_counts(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    model = ppl.compile(EXAMPLES / "funnel.ppl")
    fit = model.sample(EXAMPLES / "funnel.data.json", chains=2, warmup=150, draws=150, seed=5, save_warmup=True,
                       target_accept=0.6)
    lines = [line for line in terminal.getvalue().split("\r") if line.startswith("done")]
    assert lines, terminal.getvalue()
    after, during = map(int, re.search(r"(\d+) divergent \((\d+) in warmup\)", lines[-1]).groups())
    assert after == fit.num_divergent
    assert during == int(fit.warmup_stats["diverging"].sum())
    assert during > 0                        # the funnel diverges while warmup adapts
