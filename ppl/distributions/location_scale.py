"""Location-scale families on the real line, and their folded and exponentiated forms.

Each is X = loc + scale Z for a standard Z (normal, Student's t, Cauchy,
Laplace, logistic); HalfNormal, HalfStudentT and HalfCauchy fold Z at 0
(X = loc + scale |Z|, doubling the density on x >= loc), LogNormal is exp of
a Normal.  So the cdf is the standard cdf at z = (x - loc) / scale; the log
densities and samplers are the catalogue's (see ``CataloguedDistribution``).
"""

from __future__ import annotations

import math

import numpy as np

from ppl.catalogue import special_functions as special
from ppl.distributions.catalogued import CataloguedDistribution


class _SymmetricLocationScale(CataloguedDistribution):
    """X = loc + scale Z for a standard Z symmetric about 0 (Normal, Cauchy, Laplace,
    Logistic): mean, mode and sd follow from Z's (a subclass gives `standard_stddev`)."""

    standard_stddev = 1.0

    def __init__(self, loc, scale, validate_args=True, name=None):
        super().__init__(name or self.family, validate_args, loc=loc, scale=scale)

    def _mean(self):
        return self.loc

    def _stddev(self):
        return self.standard_stddev * self.scale

    def _mode(self):
        return self.loc


class Normal(_SymmetricLocationScale):
    """Normal(loc, scale): density exp(-z²/2) / (scale √(2π)), z = (x - loc) / scale;
    cdf Φ(z) = erfc(-z/√2) / 2."""

    family = "Normal"


class HalfNormal(CataloguedDistribution):
    """HalfNormal(scale): |X| for X ~ Normal(0, scale).  Mean scale √(2/π), variance
    scale² (1 - 2/π), cdf erf(x / (scale √2)) for x >= 0."""

    family = "HalfNormal"

    def __init__(self, scale, validate_args=True, name="HalfNormal"):
        super().__init__(name, validate_args, scale=scale)

    def _mean(self):
        return self.scale * math.sqrt(2.0 / math.pi)

    def _variance(self):
        return self.scale ** 2 * (1.0 - 2.0 / math.pi)

    def _mode(self):
        return np.zeros(self.batch_shape)


class LogNormal(CataloguedDistribution):
    """LogNormal(loc, scale): exp(X), X ~ Normal(loc, scale).  Mean exp(loc + scale²/2),
    variance (exp(scale²) - 1) exp(2 loc + scale²), mode exp(loc - scale²),
    cdf Φ((log x - loc) / scale)."""

    family = "LogNormal"

    def __init__(self, loc, scale, validate_args=True, name="LogNormal"):
        super().__init__(name, validate_args, loc=loc, scale=scale)

    def _mean(self):
        return np.exp(self.loc + self.scale ** 2 / 2)

    def _variance(self):
        return np.expm1(self.scale ** 2) * np.exp(2 * self.loc + self.scale ** 2)

    def _mode(self):
        return np.exp(self.loc - self.scale ** 2)


class StudentT(CataloguedDistribution):
    """StudentT(df, loc, scale).  Mean loc for df > 1 (NaN otherwise, as TFP with
    allow_nan_stats); variance scale² df / (df - 2) for df > 2, inf for 1 < df <= 2.
    cdf I_w(df/2, 1/2) / 2 for z < 0 (1 minus it above), w = df / (df + z²)."""

    family = "StudentT"

    def __init__(self, df, loc, scale, validate_args=True, name="StudentT"):
        super().__init__(name, validate_args, df=df, loc=loc, scale=scale)

    def _mean(self):
        return np.where(self.df > 1, self.loc, np.nan)

    def _variance(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            finite = self.scale ** 2 * self.df / (self.df - 2)
        return np.where(self.df > 2, finite, np.where(self.df > 1, np.inf, np.nan))

    def _mode(self):
        return self.loc


def _half_student_t_standard_mean(df):
    """E|T| for T ~ StudentT(df, 0, 1), df > 1: 2 √(df/π) Γ((df+1)/2) / (Γ(df/2) (df - 1))."""
    log_ratio = special.lgamma((df + 1) / 2) - special.lgamma(df / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 2 * np.sqrt(df / math.pi) * np.exp(log_ratio) / (df - 1)


class HalfStudentT(CataloguedDistribution):
    """HalfStudentT(df, loc, scale): loc + scale |T|, T ~ StudentT(df, 0, 1).
    Mean loc + scale E|T| (df > 1); variance scale² (df/(df - 2) - (E|T|)²) (df > 2);
    cdf 1 - I_w(df/2, 1/2) on z >= 0, w = df / (df + z²)."""

    family = "HalfStudentT"

    def __init__(self, df, loc, scale, validate_args=True, name="HalfStudentT"):
        super().__init__(name, validate_args, df=df, loc=loc, scale=scale)

    def _mean(self):
        return np.where(self.df > 1, self.loc + self.scale * _half_student_t_standard_mean(self.df), np.nan)

    def _variance(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            finite = self.scale ** 2 * (self.df / (self.df - 2) - _half_student_t_standard_mean(self.df) ** 2)
        return np.where(self.df > 2, finite, np.where(self.df > 1, np.inf, np.nan))

    def _mode(self):
        return self.loc


class Cauchy(_SymmetricLocationScale):
    """Cauchy(loc, scale): cdf 1/2 + atan(z)/π; no mean or variance (NaN, as TFP)."""

    family = "Cauchy"

    def _mean(self):
        return np.full(self.batch_shape, np.nan)

    def _stddev(self):
        return np.full(self.batch_shape, np.nan)

    def _variance(self):
        return np.full(self.batch_shape, np.nan)


class HalfCauchy(CataloguedDistribution):
    """HalfCauchy(loc, scale): loc + scale |C|, C standard Cauchy; cdf (2/π) atan(z) on
    x >= loc; no mean or variance (NaN)."""

    family = "HalfCauchy"

    def __init__(self, loc, scale, validate_args=True, name="HalfCauchy"):
        super().__init__(name, validate_args, loc=loc, scale=scale)

    def _mean(self):
        return np.full(self.batch_shape, np.nan)

    def _variance(self):
        return np.full(self.batch_shape, np.nan)

    def _mode(self):
        return self.loc


class Laplace(_SymmetricLocationScale):
    """Laplace(loc, scale): variance 2 scale²; cdf exp(z)/2 for z < 0, 1 - exp(-z)/2 after."""

    family = "Laplace"
    standard_stddev = math.sqrt(2.0)


class Logistic(_SymmetricLocationScale):
    """Logistic(loc, scale): cdf sigmoid(z); variance π² scale² / 3."""

    family = "Logistic"
    standard_stddev = math.pi / math.sqrt(3.0)
