"""Discrete families on the integers: Bernoulli, Binomial, BetaBinomial, Poisson,
NegativeBinomial.

Families with a success probability take it as ``logits=`` (log-odds) or
``probs=``, exactly one (the catalogue declares them alternatives);
``probs_parameter()`` and ``logits_parameter()`` give either form, as TFP's
do.  Poisson takes ``rate=`` or ``log_rate=``.  Draws are integers; as in TFP,
Bernoulli draws have an integer dtype and the count families float64.

Their cdfs are those of the integer part, F(x) = P(X <= floor(x)), as TFP's:
Poisson's is the incomplete gamma Q(k + 1, rate), Binomial's and
NegativeBinomial's the incomplete beta, BetaBinomial's the running sum of its
masses (``special_functions``).
"""

from __future__ import annotations

import numpy as np

from ppl.catalogue import special_functions as special
from ppl.distributions.catalogued import CataloguedDistribution


class _SuccessProbability:
    """probs = sigmoid(logits), logits = log(probs) - log1p(-probs), whichever was given."""

    def probs_parameter(self):
        if self.probs is not None:
            return np.asarray(self.probs)
        return special.sigmoid(self.logits)

    def logits_parameter(self):
        if self.logits is not None:
            return np.asarray(self.logits)
        return np.log(self.probs) - np.log1p(-self.probs)

    def _success_and_failure(self):
        """(p, 1 - p), each accurate on its own: sigmoid(±logits) when logits were given."""
        if self.probs is not None:
            return np.asarray(self.probs), 1.0 - np.asarray(self.probs)
        return special.sigmoid(self.logits), special.sigmoid(-self.logits)


class Bernoulli(_SuccessProbability, CataloguedDistribution):
    """Bernoulli(logits= or probs=) on {0, 1}: mean p, variance p (1 - p), mode 1 where p > 1/2."""

    family = "Bernoulli"
    dtype_of_draws = np.int64

    def __init__(self, logits=None, probs=None, validate_args=True, name="Bernoulli"):
        super().__init__(name, validate_args, logits=logits, probs=probs)

    def _mean(self):
        return self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return p * (1 - p)

    def _mode(self):
        return (self.probs_parameter() > 0.5).astype(np.float64)


class Binomial(_SuccessProbability, CataloguedDistribution):
    """Binomial(total_count n, logits= or probs=): successes in n trials; mean n p,
    variance n p (1 - p), mode floor((n + 1) p) clipped to n."""

    family = "Binomial"

    def __init__(self, total_count, logits=None, probs=None, validate_args=True, name="Binomial"):
        super().__init__(name, validate_args, total_count=total_count, logits=logits, probs=probs)

    def _mean(self):
        return self.total_count * self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return self.total_count * p * (1 - p)

    def _mode(self):
        return np.minimum(np.floor((self.total_count + 1) * self.probs_parameter()), self.total_count)


class BetaBinomial(CataloguedDistribution):
    """BetaBinomial(total_count n, concentration1 a, concentration0 b): Binomial(n, p),
    p ~ Beta(a, b).  Mean n a/(a + b), variance n a b (a + b + n) / ((a + b)² (a + b + 1))."""

    family = "BetaBinomial"

    def __init__(self, total_count, concentration1, concentration0, validate_args=True, name="BetaBinomial"):
        super().__init__(name, validate_args, total_count=total_count, concentration1=concentration1,
                         concentration0=concentration0)

    def _log_cdf(self, x):
        """log Σ_{j <= floor(x)} p(j): the masses at 0, ..., max(n), summed in log space."""
        support = np.arange(int(np.max(self.total_count)) + 1, dtype=np.float64)
        log_masses = self._log_prob(support.reshape((-1,) + (1,) * len(self.batch_shape)))
        log_masses = np.moveaxis(np.broadcast_to(log_masses, support.shape + self.batch_shape), 0, -1)
        k = np.floor(x)
        return np.where(k >= self.total_count, 0.0, special.log_cumulative_mass(log_masses, k))

    def _cdf(self, x):
        return np.exp(self._log_cdf(x))

    def _mean(self):
        return self.total_count * self.concentration1 / (self.concentration1 + self.concentration0)

    def _variance(self):
        n, a, b = self.total_count, self.concentration1, self.concentration0
        return n * a * b * (a + b + n) / ((a + b) ** 2 * (a + b + 1))


class Poisson(CataloguedDistribution):
    """Poisson(rate= or log_rate=): mean = variance = rate, mode floor(rate)."""

    family = "Poisson"

    def __init__(self, rate=None, log_rate=None, validate_args=True, name="Poisson"):
        super().__init__(name, validate_args, rate=rate, log_rate=log_rate)

    def rate_parameter(self):
        return np.asarray(self.rate) if self.rate is not None else np.exp(self.log_rate)

    def _mean(self):
        return self.rate_parameter()

    def _variance(self):
        return self.rate_parameter()

    def _mode(self):
        return np.floor(self.rate_parameter())


class NegativeBinomial(_SuccessProbability, CataloguedDistribution):
    """NegativeBinomial(total_count r, logits= or probs= p), TFP's convention: the number
    of successes (probability p each) before r failures.  Mean r p/(1 - p), variance
    r p/(1 - p)², mode floor((r - 1) p/(1 - p)) for r > 1, else 0."""

    family = "NegativeBinomial"

    def __init__(self, total_count, logits=None, probs=None, validate_args=True, name="NegativeBinomial"):
        super().__init__(name, validate_args, total_count=total_count, logits=logits, probs=probs)

    def _mean(self):
        return self.total_count * np.exp(self.logits_parameter())

    def _variance(self):
        p = self.probs_parameter()
        return self.total_count * p / (1 - p) ** 2

    def _mode(self):
        odds = np.exp(self.logits_parameter())
        return np.where(self.total_count > 1, np.floor((self.total_count - 1) * odds), 0.0)
