"""Sampling against published reference posteriors (posteriordb: long Stan runs that
nobody here wrote), with the fair check of ../shared/reference-posteriors/README.md:
for every parameter element, the mean within 5 combined Monte Carlo standard errors
(ours from our ESS, the reference's own) or 0.05 reference sd, whichever is larger;
the sd within 15%; max rank-normalised R-hat below 1.01; no divergences."""

import json
import re

import numpy as np
import pytest

import ppl
from ppl import diagnostics
from reference_posteriors import FOLDERS, REFERENCES, ROOT, data_path

# model file → sampler settings the reference run used where they differ from the defaults
SETTINGS = {"eight_schools_noncentered": {"target_accept": 0.95}}

pytestmark = pytest.mark.filterwarnings("ignore:ppl. data not used by the model")


def _element(fit, stan_name):
    """Our draws [chains, draws] of a Stan-named element (1-based `theta[1]` → theta[0])."""
    match = re.fullmatch(r"(\w+)(?:\[([\d,\s]+)\])?", stan_name)
    name, index = match.group(1), match.group(2)
    draws = fit[name]
    if index:
        draws = draws[(slice(None), slice(None)) + tuple(int(i) - 1 for i in index.split(","))]
    return draws


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_reference_posterior(name):
    settings = SETTINGS.get(name, {})
    reference = json.loads((REFERENCES / FOLDERS[name] / "reference.json").read_text())
    model = ppl.compile(ROOT / "tests" / "posteriors" / f"{name}.ppl")
    fit = model.sample(data_path(name), chains=4, warmup=1000, draws=1000, seed=20261201,
                       progress=False, **settings)
    assert fit.num_divergent == 0
    problems = []
    for stan_name, row in reference["params"].items():
        draws = _element(fit, stan_name)
        mcse = float(diagnostics.mcse_mean(draws))
        tolerance = max(5 * np.hypot(mcse, row["mcse_mean_pdb"]), 0.05 * row["sd"])
        mean, sd, rhat = draws.mean(), draws.std(ddof=1), float(diagnostics.rhat(draws))
        if abs(mean - row["mean"]) > tolerance:
            problems.append(f"{stan_name}: mean {mean:.4g}, reference {row['mean']:.4g} (tolerance {tolerance:.2g})")
        if abs(sd / row["sd"] - 1) > 0.15:
            problems.append(f"{stan_name}: sd {sd:.4g}, reference {row['sd']:.4g}")
        if not rhat < 1.01:
            problems.append(f"{stan_name}: r_hat {rhat:.4f}")
    assert not problems, "\n".join(problems)
