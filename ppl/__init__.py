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


def sbc(model, data, n_sims=100, **settings):
    """Simulation-based calibration of a model (see ppl.calibration)."""
    from ppl.calibration import sbc as calibrate

    return calibrate(model, data, n_sims, **settings)


def load_fit(path):
    """A Fit from a file written by `Fit.save` (see ppl.results.io)."""
    from ppl.results.fit import Fit

    return Fit.load(path)


__all__ = ["BoundError", "CacheWarning", "DataError", "InferenceError", "InternalError", "JacobianWarning", "Model",
           "ModelError", "ModelNameError",
           "ModelNotSupportedError", "ModelStructureError", "ModelSyntaxError", "ModelTypeError", "ModelWarning",
           "SamplingError", "UnconstrainedScaleWarning", "compile", "load_fit", "model", "read_csv", "sbc",
           "__version__"]
