"""Where the posteriordb reference posteriors live (data and summaries of long Stan runs,
BSD-3, copied from ../shared/reference-posteriors) and which ppl model each belongs to."""

from pathlib import Path

ROOT = Path(__file__).parent.parent
REFERENCES = ROOT / "tests" / "posteriors" / "reference"
# model file (tests/posteriors/NAME.ppl) → its posteriordb folder
FOLDERS = {
    "arK": "arK-arK",
    "eight_schools_noncentered": "eight_schools-eight_schools_noncentered",
    "gp_regr": "gp_pois_regr-gp_regr",
    "kidscore_interaction": "kidiq-kidscore_interaction",
    "low_dim_gauss_mix": "low_dim_gauss_mix-low_dim_gauss_mix",
    "blr": "sblrc-blr",
}


def data_path(name: str) -> Path:
    return REFERENCES / FOLDERS[name] / "data.json"
