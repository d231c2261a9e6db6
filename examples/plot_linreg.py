"""Sample the tour's regression and save its trace, posterior and pair plots as PNG.

    python examples/plot_linreg.py OUT_FOLDER
"""

import sys
from pathlib import Path

import ppl

HERE = Path(__file__).parent


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fit = ppl.compile(HERE / "linreg.ppl").sample(HERE / "linreg.data.json", seed=1, progress=False)
    print(fit.summary(names=["w", "sigma"]))
    fit.plot_trace(["w", "sigma"]).savefig(folder / "linreg_trace.png", dpi=80)
    fit.plot_posterior(["w", "sigma"]).savefig(folder / "linreg_posterior.png", dpi=80)
    fit.plot_pair(["w", "sigma"]).savefig(folder / "linreg_pair.png", dpi=80)
    print(f"saved linreg_trace.png, linreg_posterior.png, linreg_pair.png in {folder}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/plot_linreg.py OUT_FOLDER")
    main(Path(sys.argv[1]))
