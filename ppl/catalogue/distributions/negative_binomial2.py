"""Negative binomial distribution by its mean and concentration (Stan's `neg_binomial_2(mu,
phi)`, NumPyro's `NegativeBinomial2`): a Poisson whose rate is Gamma(concentration, rate =
concentration / mean), so the mean is `mean` and the variance mean + mean**2 / concentration
(concentration is Stan's phi, the "inverse overdispersion": large is nearly Poisson).

    log p(k) = lgamma(k + phi) - lgamma(k + 1) - lgamma(phi)
               + k log(mu) - k log(mu + phi) - phi log1p(mu / phi)

It is NegativeBinomial(total_count = phi, probs = mu / (mu + phi)) written in the parameters
that regressions put a log link on.  k log(mu) is 0 where k = 0 (xlogy), so mean = 0 puts all
the mass at 0.
"""

import numpy as np

from ppl.catalogue.constraints import POSITIVE, NONNEGATIVE, NONNEGATIVE_INTEGER
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, mean, concentration):
    import sympy
    from ppl.catalogue.sympy_functions import log1p, xlogy

    phi = concentration
    return (sympy.loggamma(x + phi) - sympy.loggamma(x + 1) - sympy.loggamma(phi)
            + xlogy(x, mean) - x * sympy.log(mean + phi) - phi * log1p(mean / phi))


def log_cdf(x, *, mean, concentration):
    """NegativeBinomial(concentration, probs = mean / (mean + concentration))'s, with
    1 - probs = concentration / (mean + concentration) computed directly."""
    from ppl.catalogue.distributions.binomial import log_beta_tails

    total = mean + concentration
    return log_beta_tails(x + 1, concentration, mean / total, concentration / total)[0]


def log_survival(x, *, mean, concentration):
    from ppl.catalogue.distributions.binomial import log_beta_tails

    total = mean + concentration
    return log_beta_tails(x + 1, concentration, mean / total, concentration / total)[1]


def sample(mean, concentration):
    return np.random.poisson(np.random.gamma(concentration, mean / concentration))


NEGATIVE_BINOMIAL_2 = Distribution(
    name="NegativeBinomial2",
    parameters=(Parameter("mean", NONNEGATIVE), Parameter("concentration", POSITIVE)),
    support=NONNEGATIVE_INTEGER,
    log_density=log_density,
    log_cdf=log_cdf,
    log_survival=log_survival,
    sampler=sample,
)
