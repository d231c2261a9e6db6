"""Von Mises distribution of an angle, with mean direction `loc` and `concentration` (kappa).

    log p(x) = kappa cos(x - loc) - log(2 pi) - log I0(kappa)

I0 is the modified Bessel function of order 0; log I0(kappa) is computed as
log(i0e(kappa)) + kappa (``log_bessel_i0``), finite where I0 overflows, with derivative
I1(kappa) / I0(kappa).  The density is periodic: it integrates to 1 over any interval of
length 2 pi, so any real value is scored (as in Stan); draws lie in [loc - pi, loc + pi].
"""

import math

import numpy as np

from ppl.catalogue.constraints import REAL, POSITIVE
from ppl.catalogue.declare import Distribution, Parameter


def log_density(x, *, loc, concentration):
    import sympy
    from ppl.catalogue.sympy_functions import log_bessel_i0

    return concentration * sympy.cos(x - loc) - sympy.log(2 * sympy.pi) - log_bessel_i0(concentration)


def sample(loc, concentration):
    """Best and Fisher's (1979) rejection draw around 0.  NumPy's np.random.vonmises returns it
    on [-pi, pi], Numba's (Python's random.vonmisesvariate) on [0, 2 pi): it is brought to
    [-pi, pi] here so that both give the same angle."""
    angle = np.random.vonmises(0.0, concentration)
    if angle > math.pi:
        angle -= 2.0 * math.pi
    return loc + angle


VON_MISES = Distribution(
    name="VonMises",
    parameters=(Parameter("loc", REAL), Parameter("concentration", POSITIVE)),
    support=REAL,
    log_density=log_density,
    sampler=sample,
)
