"""The summary a person reads: params first and by default, deterministics and `gen`
quantities on request, a long quantity as its first elements and a count line, the
same in the notebook's HTML; every row still in the table.  Built on hand-made Fits
(no sampling), the numbers checked against NumPy."""

import numpy as np
import pytest

from ppl.results.fit import Fit
from ppl.results.summary import ELEMENTS_SHOWN

CHAINS, DRAWS = 4, 200


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(5)
    draws = {"mu": rng.normal(size=(CHAINS, DRAWS, 25)),            # a deterministic, declared first
             "theta": rng.normal(size=(CHAINS, DRAWS, 3)),
             "y_rep": rng.poisson(3.0, size=(CHAINS, DRAWS, 25)),
             "sigma": rng.gamma(2.0, size=(CHAINS, DRAWS))}
    draws["mu"][0, :, 20:] += 4.0    # mu[20..24]: one chain elsewhere, flagged (and hidden)
    kinds = {"mu": "deterministic", "theta": "param", "y_rep": "generated", "sigma": "param"}
    stats = {"accept_stat": rng.uniform(size=(CHAINS, DRAWS)), "step_size": np.full((CHAINS, DRAWS), 0.5),
             "tree_depth": np.full((CHAINS, DRAWS), 3), "n_leapfrog": np.full((CHAINS, DRAWS), 7),
             "diverging": np.zeros((CHAINS, DRAWS), dtype=bool), "energy": rng.normal(size=(CHAINS, DRAWS)),
             "lp": rng.normal(size=(CHAINS, DRAWS))}
    return Fit(draws, stats, kinds=kinds, method="nuts", settings={"max_treedepth": 10})


def test_params_first_and_by_default(fit):
    rows = fit.summary().to_dict()
    assert list(rows) == ["theta[0]", "theta[1]", "theta[2]", "sigma"]
    every = list(fit.summary(include="all").to_dict())
    assert every[:4] == ["theta[0]", "theta[1]", "theta[2]", "sigma"]            # params first ...
    assert every[4:29] == [f"mu[{k}]" for k in range(25)]                         # ... then deterministics
    assert every[29:] == [f"y_rep[{k}]" for k in range(25)]                       # ... then gen


def test_include_takes_kinds_and_names(fit):
    assert list(fit.summary(include="gen").to_dict()) == [f"y_rep[{k}]" for k in range(25)]
    assert set(fit.summary(include=["deterministics"]).to_dict()) == {f"mu[{k}]" for k in range(25)}
    picked = list(fit.summary(include=["param", "y_rep"]).to_dict())
    assert picked[:4] == ["theta[0]", "theta[1]", "theta[2]", "sigma"] and picked[4] == "y_rep[0]"
    with pytest.raises(KeyError, match="did you mean 'theta'"):
        fit.summary(include=["thetta"])


def test_names_still_pick_exactly_in_their_order(fit):
    assert list(fit.summary(names=["sigma", "mu"]).to_dict())[:2] == ["sigma", "mu[0]"]
    assert len(fit.summary(names="mu")) == 25
    with pytest.raises(KeyError, match="sigma"):
        fit.summary(names=["sigmaa"])


def test_a_long_quantity_prints_its_first_elements_and_a_count_line(fit):
    summary = fit.summary(include="all")
    text = str(summary)
    shown = [f"mu[{k}]" for k in range(ELEMENTS_SHOWN)]
    hidden = [f"mu[{k}]" for k in range(ELEMENTS_SHOWN, 25)]
    lines = text.splitlines()
    assert all(any(line.startswith(name + " ") for line in lines) for name in shown)
    assert not any(line.startswith(name + " ") for line in lines for name in hidden)
    assert f"... {25 - ELEMENTS_SHOWN} more elements of mu (5 of them flagged)" in text
    assert f"... {25 - ELEMENTS_SHOWN} more elements of y_rep" in text
    assert "theta[2]" in text                                     # short quantities in full
    everything = summary.to_string(max_elements=None)
    assert "mu[24]" in everything and "more elements" not in everything
    # the hidden rows are in the table, with the numbers NumPy gives
    row = summary["mu[20]"]
    pooled = fit["mu"][:, :, 20].reshape(-1)
    assert row["mean"] == pytest.approx(pooled.mean())
    assert row["sd"] == pytest.approx(pooled.std(ddof=1))
    assert row["q5"] == pytest.approx(np.quantile(pooled, 0.05))
    assert "r_hat > 1.01" in summary.flags["mu[20]"]


def test_the_default_says_what_it_left_out(fit):
    text = str(fit.summary())
    assert text.splitlines()[-1].startswith("not shown: mu (deterministic), y_rep (generated)")
    assert "include=\"all\"" in text
    assert "not shown" not in str(fit.summary(include="all"))
    assert "not shown" not in str(fit.summary(names=["theta"]))


def test_the_html_table_is_the_same_view(fit):
    html = fit.summary(include="all")._repr_html_()
    assert html.count("<tr") == 1 + 4 + 2 * (ELEMENTS_SHOWN + 1)      # header, params, two shortened quantities
    assert f"... {25 - ELEMENTS_SHOWN} more elements of mu (5 of them flagged)" in html
    assert "<td>mu[9]</td>" in html and "<td>mu[10]</td>" not in html
    assert "not shown: mu (deterministic)" in fit.summary()._repr_html_()


def test_diagnose_still_reads_the_params_only(fit):
    report = fit.diagnose()
    assert "R-hat: at most 1.01 for every param." in report     # mu's disagreeing chain is not a param
    assert "mu[" not in report
