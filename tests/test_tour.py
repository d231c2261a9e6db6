"""The TFP tour on ppl (examples/tour.py) runs end to end and saves its figures."""

import importlib.util
from pathlib import Path

import pytest

TOUR = Path(__file__).parent.parent / "examples" / "tour.py"


@pytest.mark.slow
def test_the_tour_runs_and_saves_every_figure(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("tour", TOUR)
    tour = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tour)
    assert tour.main([str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Incompatible shapes: [200] vs. [3]" in printed
    assert "(200, 3)" in printed and "batch_shape=[2], event_shape=[10, 10]" in printed
    figures = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(figures) == printed.count("[figure: ")
    assert {"gp_regression.png", "lkj_heatmaps.png", "batched_softplus.png", "hmc_traces.png"} <= set(figures)
