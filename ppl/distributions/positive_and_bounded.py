"""Continuous families on the positive half-line and on bounded intervals.

Exponential, Gamma, InverseGamma, Chi2 and Weibull live on x > 0 (or x >= 0);
Beta on (0, 1); Uniform on [low, high).  Log densities and samplers are the
catalogue's (see ``CataloguedDistribution``).  The Gamma-like cdfs are the
regularised incomplete gamma P(a, x) or its complement Q, Beta's is I_x(a, b)
(``special_functions.log_incomplete_gamma`` / ``log_incomplete_beta``); each
log cdf is the logarithm those return, so it stays finite where the cdf
underflows.
"""

from __future__ import annotations

import numpy as np

from ppl.catalogue import special_functions as special
from ppl.distributions.base import ParameterError
from ppl.distributions.catalogued import CataloguedDistribution


class Exponential(CataloguedDistribution):
    """Exponential(rate): density rate exp(-rate x); mean 1/rate, variance 1/rate²,
    cdf 1 - exp(-rate x) (as -expm1, accurate near 0)."""

    family = "Exponential"

    def __init__(self, rate, validate_args=True, name="Exponential"):
        super().__init__(name, validate_args, rate=rate)

    def _mean(self):
        return 1.0 / self.rate

    def _stddev(self):
        return 1.0 / self.rate

    def _mode(self):
        return np.zeros(self.batch_shape)


class Gamma(CataloguedDistribution):
    """Gamma(concentration, rate): mean α/β, variance α/β², mode (α - 1)/β for α >= 1
    (NaN below, as TFP with allow_nan_stats); cdf P(α, β x)."""

    family = "Gamma"

    def __init__(self, concentration, rate, validate_args=True, name="Gamma"):
        super().__init__(name, validate_args, concentration=concentration, rate=rate)

    def _mean(self):
        return self.concentration / self.rate

    def _variance(self):
        return self.concentration / self.rate ** 2

    def _mode(self):
        return np.where(self.concentration >= 1, (self.concentration - 1) / self.rate, np.nan)


class InverseGamma(CataloguedDistribution):
    """InverseGamma(concentration α, scale β): 1/Y for Y ~ Gamma(α, rate=β).
    Mean β/(α - 1) for α > 1, variance β²/((α - 1)² (α - 2)) for α > 2, mode β/(α + 1);
    cdf Q(α, β/x)."""

    family = "InverseGamma"

    def __init__(self, concentration, scale, validate_args=True, name="InverseGamma"):
        super().__init__(name, validate_args, concentration=concentration, scale=scale)

    def _mean(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.concentration > 1, self.scale / (self.concentration - 1), np.nan)

    def _variance(self):
        alpha = self.concentration
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(alpha > 2, self.scale ** 2 / ((alpha - 1) ** 2 * (alpha - 2)), np.nan)

    def _mode(self):
        return self.scale / (self.concentration + 1)


class Chi2(CataloguedDistribution):
    """Chi2(df): Gamma(df/2, rate=1/2); mean df, variance 2 df, mode df - 2 for df >= 2;
    cdf P(df/2, x/2)."""

    family = "Chi2"

    def __init__(self, df, validate_args=True, name="Chi2"):
        super().__init__(name, validate_args, df=df)

    def _mean(self):
        return self.df

    def _variance(self):
        return 2.0 * self.df

    def _mode(self):
        return np.where(self.df >= 2, self.df - 2, np.nan)


class Weibull(CataloguedDistribution):
    """Weibull(concentration k, scale λ): cdf 1 - exp(-(x/λ)^k); mean λ Γ(1 + 1/k),
    variance λ² (Γ(1 + 2/k) - Γ(1 + 1/k)²), mode λ ((k - 1)/k)^(1/k) for k > 1, else 0."""

    family = "Weibull"

    def __init__(self, concentration, scale, validate_args=True, name="Weibull"):
        super().__init__(name, validate_args, concentration=concentration, scale=scale)

    def _mean(self):
        return self.scale * special.gamma(1 + 1 / self.concentration)

    def _variance(self):
        k = self.concentration
        return self.scale ** 2 * (special.gamma(1 + 2 / k) - special.gamma(1 + 1 / k) ** 2)

    def _mode(self):
        k = self.concentration
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(k > 1, self.scale * ((k - 1) / k) ** (1 / k), 0.0)


class Beta(CataloguedDistribution):
    """Beta(concentration1 a, concentration0 b) on (0, 1): mean a/(a + b), variance
    ab/((a + b)² (a + b + 1)), mode (a - 1)/(a + b - 2) when a, b > 1 (NaN otherwise);
    cdf I_x(a, b)."""

    family = "Beta"

    def __init__(self, concentration1, concentration0, validate_args=True, name="Beta"):
        super().__init__(name, validate_args, concentration1=concentration1, concentration0=concentration0)

    def _mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    def _variance(self):
        a, b = self.concentration1, self.concentration0
        return a * b / ((a + b) ** 2 * (a + b + 1))

    def _mode(self):
        a, b = self.concentration1, self.concentration0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((a > 1) & (b > 1), (a - 1) / (a + b - 2), np.nan)


class Uniform(CataloguedDistribution):
    """Uniform(low=0, high=1) on [low, high): cdf (x - low)/(high - low) clipped to [0, 1];
    mean (low + high)/2, variance (high - low)²/12."""

    family = "Uniform"

    def __init__(self, low=0.0, high=1.0, validate_args=True, name="Uniform"):
        super().__init__(name, validate_args, low=low, high=high)
        if validate_args and not np.all(self.low < self.high):
            raise ParameterError(f"Uniform needs low < high; got low={self.low.tolist()}, high={self.high.tolist()}")

    def _mean(self):
        return (self.low + self.high) / 2

    def _variance(self):
        return (self.high - self.low) ** 2 / 12
