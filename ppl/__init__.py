"""ppl: a probabilistic programming system for Python.

    import ppl
    model = ppl.compile("examples/linreg.ppl")    # or ppl.model(source_text)
"""

__version__ = "0.1.0"

from ppl.errors import (DataError, InternalError, ModelError, ModelNameError,  # noqa: E402
                        ModelStructureError, ModelSyntaxError, ModelTypeError)
from ppl.model import Model, compile, model  # noqa: E402

__all__ = ["DataError", "InternalError", "Model", "ModelError", "ModelNameError", "ModelStructureError",
           "ModelSyntaxError", "ModelTypeError", "compile", "model", "__version__"]
