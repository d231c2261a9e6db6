"""ppl.bijectors: invertible maps with log-det-Jacobians, as TensorFlow Probability's `tfb`.

    import ppl.bijectors as tfb
    tfb.Exp()(normal)                       # a TransformedDistribution (log-normal)
    tfb.Chain([tfb.Exp(), tfb.Shift(1.)])   # x -> exp(x + 1): applied right to left
    tfb.Softplus(hinge_softness=[1., .5, .1]).forward(xs)   # parameters broadcast

The shape rules, the log-det summing over `event_ndims`, the (x, y) cache and
composition (`Chain`, `Invert`, and calling one bijector on another) are in
`ppl.bijectors.base`; one module per family:

    elementwise   Identity, Exp, Log, Sigmoid, Softplus, Tanh, NormalCDF, Power
    affine        Shift, Scale, ScaleMatvecTriL
    reshape       Reshape
    vector        Ordered, SoftmaxCentered
    triangular    FillTriangular, TransformDiagonal, FillScaleTriL
    cholesky      CholeskyOuterProduct, CorrelationCholesky

Exp, Sigmoid and Ordered are the catalogue's constraint transforms
(`ppl.transforms`), so their derivatives have one source of truth.
"""

from ppl.bijectors.affine import Scale, ScaleMatvecTriL, Shift
from ppl.bijectors.base import Bijector, Chain, Invert
from ppl.bijectors.cholesky import CholeskyOuterProduct, CorrelationCholesky
from ppl.bijectors.elementwise import Exp, Identity, Log, NormalCDF, Power, Sigmoid, Softplus, Tanh
from ppl.bijectors.reshape import Reshape
from ppl.bijectors.triangular import FillScaleTriL, FillTriangular, TransformDiagonal
from ppl.bijectors.vector import Ordered, SoftmaxCentered

__all__ = ["Bijector", "Chain", "CholeskyOuterProduct", "CorrelationCholesky", "Exp", "FillScaleTriL",
           "FillTriangular", "Identity", "Invert", "Log", "NormalCDF", "Ordered", "Power", "Reshape", "Scale",
           "ScaleMatvecTriL", "Shift", "Sigmoid", "SoftmaxCentered", "Softplus", "Tanh", "TransformDiagonal"]
