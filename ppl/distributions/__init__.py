"""ppl.distributions: TFP-style distribution classes (see base.py for the shape rules).

    import ppl.distributions as tfd
    tfd.Normal(loc=[0., 2., 4.], scale=1.).log_prob(xs[..., None])     # [200, 3]

One class per catalogue family (``ppl/catalogue/distributions/``), with TFP's
names and parameter names; log densities and samplers come from the
catalogue's declarations (SymPy imported lazily: importing this package
imports neither SymPy nor SciPy, nor Numba).  A family declared in the
catalogue without a class here gets one made from its declaration alone
(``catalogued.declared_class``).  A test checks ``__all__`` against the
catalogue.
"""

from ppl.distributions.base import Distribution, ParameterError, ShapeError  # noqa: F401
from ppl.distributions.counts import Bernoulli, BetaBinomial, Binomial, NegativeBinomial, Poisson
from ppl.distributions.gaussian_process import GaussianProcess, GaussianProcessRegressionModel
from ppl.distributions.independent import Independent, Sample
from ppl.distributions.lkj import LKJ, LKJCholesky
from ppl.distributions.location_scale import (Cauchy, HalfCauchy, HalfNormal, HalfStudentT, Laplace, Logistic,
                                              LogNormal, Normal, StudentT)
from ppl.distributions.mixture_same_family import MixtureSameFamily
from ppl.distributions.multivariate_normal import (MVN, MultivariateNormalDiag, MultivariateNormalFullCovariance,
                                                   MultivariateNormalTriL, MVNDiag, MVNTriL)
from ppl.distributions.positive_and_bounded import Beta, Chi2, Exponential, Gamma, InverseGamma, Uniform, Weibull
from ppl.distributions.simplex import Categorical, Dirichlet, Multinomial
from ppl.distributions.wishart import InverseWishart, InverseWishartCholesky, Wishart, WishartCholesky

from ppl.distributions.transformed import TransformedDistribution

__all__ = [
    "Distribution", "ParameterError", "ShapeError",
    # scalar continuous
    "Normal", "HalfNormal", "LogNormal", "StudentT", "HalfStudentT", "Cauchy", "HalfCauchy", "Laplace", "Logistic",
    "Exponential", "Gamma", "InverseGamma", "Chi2", "Weibull", "Beta", "Uniform",
    # scalar discrete
    "Bernoulli", "Binomial", "BetaBinomial", "Poisson", "NegativeBinomial",
    # categories and the simplex
    "Categorical", "Multinomial", "Dirichlet",
    # multivariate normals and correlation matrices
    "MultivariateNormalDiag", "MVNDiag", "MultivariateNormalTriL", "MVNTriL",
    "MultivariateNormalFullCovariance", "MVN", "LKJ", "LKJCholesky",
    # covariance matrices and their Cholesky factors
    "Wishart", "InverseWishart", "WishartCholesky", "InverseWishartCholesky",
    # built from other distributions
    "Independent", "Sample", "MixtureSameFamily", "TransformedDistribution",
    # Gaussian processes
    "GaussianProcess", "GaussianProcessRegressionModel",
]


def _classes_of_the_other_families() -> None:
    """A class for every catalogue family (and alias) that has none above, in ``__all__`` too."""
    from ppl.catalogue.distributions import DISTRIBUTIONS
    from ppl.distributions.catalogued import declared_class

    for name, declaration in DISTRIBUTIONS.items():
        if name not in globals():
            globals()[name] = globals().get(declaration.name) or declared_class(declaration)
            __all__.append(name)


_classes_of_the_other_families()
