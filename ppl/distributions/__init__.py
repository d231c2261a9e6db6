"""ppl.distributions: TFP-style distribution classes (see base.py for the shape rules)."""

from ppl.distributions.base import Distribution, ParameterError, ShapeError  # noqa: F401
