"""ppl: a probabilistic programming system for Python.

    import ppl
    model = ppl.compile("examples/linreg.ppl")    # or ppl.model(source_text)
"""

from ppl.version import __version__
from ppl.errors import (BoundError, CacheWarning, DataError, InferenceError, InternalError,  # noqa: E402
                        JacobianWarning, ModelError, ModelNameError, ModelNotSupportedError, ModelStructureError,
                        ModelSyntaxError, ModelTypeError, ModelWarning, SamplingError, UnconstrainedScaleWarning)
from ppl.model import Model, compile, model  # noqa: E402


def read_csv(path):
    """A Fit from a CSV file written by `Fit.to_csv` (see ppl.results.io)."""
    from ppl.results.fit import Fit

    return Fit.read_csv(path)


def read_cmdstan_csv(paths):
    """A Fit from CmdStan CSV files, one per chain (a list, one path, or a folder): written by
    `Fit.to_cmdstan_csv` / `ppl sample --output-dir`, or by CmdStan (see ppl.results.cmdstan_csv)."""
    from ppl.results.fit import Fit

    return Fit.read_cmdstan_csv(paths)


def sbc(model, data, n_sims=100, **settings):
    """Simulation-based calibration of a model (see ppl.calibration)."""
    from ppl.calibration import sbc as calibrate

    return calibrate(model, data, n_sims, **settings)


def fit_many(model, datasets, **settings):
    """Fit one model to many data sets, on local threads or a Dask cluster (see ppl.many)."""
    from ppl.many import fit_many as fit_each

    return fit_each(model, datasets, **settings)


def load_fit(path):
    """A Fit from a file written by `Fit.save` (see ppl.results.io)."""
    from ppl.results.fit import Fit

    return Fit.load(path)


__all__ = ["BoundError", "CacheWarning", "DataError", "InferenceError", "InternalError", "JacobianWarning", "Model",
           "ModelError", "ModelNameError",
           "ModelNotSupportedError", "ModelStructureError", "ModelSyntaxError", "ModelTypeError", "ModelWarning",
           "SamplingError", "UnconstrainedScaleWarning", "compile", "fit_many", "load_fit", "model", "read_cmdstan_csv", "read_csv", "sbc",
           "__version__"]
