"""Positive-semidefinite kernels usable as a GaussianProcess's `kernel` in the
language, with TFP's names and parameters (``tfp.math.psd_kernels``).

With r = |x - x'| / length_scale:

* ExponentiatedQuadratic: amplitude**2 exp(-r**2 / 2)
* Matern12: amplitude**2 exp(-r)
* Matern32: amplitude**2 (1 + sqrt(3) r) exp(-sqrt(3) r)
* Matern52: amplitude**2 (1 + sqrt(5) r + 5 r**2 / 3) exp(-sqrt(5) r)
* RationalQuadratic: amplitude**2 (1 + r**2 / (2 scale_mixture_rate))**(-scale_mixture_rate)
* ExpSinSquared: amplitude**2 exp(-2 sin(pi |x - x'| / period)**2 / length_scale**2)
"""

from __future__ import annotations

from ppl.catalogue.constraints import POSITIVE
from ppl.catalogue.declare import Parameter

_AMPLITUDE = Parameter("amplitude", POSITIVE, default=1.0)
_LENGTH_SCALE = Parameter("length_scale", POSITIVE, default=1.0)

KERNELS: dict[str, tuple[Parameter, ...]] = {
    "ExponentiatedQuadratic": (_AMPLITUDE, _LENGTH_SCALE),
    "Matern12": (_AMPLITUDE, _LENGTH_SCALE),
    "Matern32": (_AMPLITUDE, _LENGTH_SCALE),
    "Matern52": (_AMPLITUDE, _LENGTH_SCALE),
    "RationalQuadratic": (_AMPLITUDE, _LENGTH_SCALE, Parameter("scale_mixture_rate", POSITIVE, default=1.0)),
    "ExpSinSquared": (_AMPLITUDE, _LENGTH_SCALE, Parameter("period", POSITIVE, default=1.0)),
}
