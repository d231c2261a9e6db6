"""The example gallery (examples/*.ppl) written in PyMC, for nutpie: same priors, same
parameterisation, same data files (0-based indices as stored), same param names.

Each function takes the example's JSON data dict and returns a ``pm.Model``; ``MODELS`` maps
the example's name to it. A param with no prior statement in the ppl model is flat on its
support there (as in Stan): ``pm.Flat`` / ``pm.HalfFlat`` here, and an interval whose bound is
a param gets a potential that cancels ``pm.Uniform``'s 1/width, so that it is flat as well.
Variables that are not ppl params (a helper the PyMC idiom needs) have names starting with
``_``; the benchmark worker leaves them out, as ppl does with such names.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt


def _real(value):
    return np.asarray(value, dtype=np.float64)


def _int(value):
    return np.asarray(value, dtype=np.int64)


def ar_k(data):
    K, T, y = data["K"], data["T"], _real(data["y"])
    # lags[t - K, k] = y[t - K + k] for t in K..T-1, as in the ppl model's y[t - K:t]
    lags = y[np.arange(K, T)[:, None] - K + np.arange(K)[None, :]]
    with pm.Model() as model:
        alpha = pm.Flat("alpha")
        beta = pm.Flat("beta", shape=K)
        sigma = pm.HalfCauchy("sigma", 2.5)
        pm.Normal("y", alpha + pt.dot(lags, beta), sigma, observed=y[K:])
    return model


def censored_survival(data):
    t_obs, t_cens = _real(data["t_obs"]), _real(data["t_cens"])
    with pm.Model() as model:
        concentration = pm.LogNormal("concentration", 0.0, 1.0)
        scale = pm.LogNormal("scale", 2.0, 1.0)
        pm.Weibull("t_obs", concentration, scale, observed=t_obs)
        pm.Potential("t_cens", -pt.sum((t_cens / scale) ** concentration))   # Weibull's log survival function
    return model


def correlated_mvn(data):
    K, Y = data["K"], _real(data["Y"])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 10.0, shape=K)
        # LKJCholeskyCov is PyMC's way to write independent scales times an LKJ correlation
        # Cholesky factor: its density is LKJ(eta) on the correlations times sd_dist on the scales
        chol, _, scales = pm.LKJCholeskyCov("_chol", n=K, eta=2.0, sd_dist=pm.HalfCauchy.dist(2.5, shape=K),
                                            compute_corr=True)
        pm.Deterministic("sigma", scales)
        pm.Deterministic("L", chol / scales[:, None])
        pm.MvNormal("Y", mu, chol=chol, observed=Y)
    return model


def correlated_regression(data):
    K, X, y = data["K"], _real(data["X"]), _real(data["y"])
    with pm.Model() as model:
        alpha = pm.Normal("alpha", 0.0, 10.0)
        beta = pm.Normal("beta", 0.0, 10.0, shape=K)
        sigma = pm.HalfNormal("sigma", 2.0)
        pm.Normal("y", alpha + pt.dot(X, beta), sigma, observed=y)
    return model


def dirichlet_simplex(data):
    with pm.Model() as model:
        theta = pm.Dirichlet("theta", _real(data["alpha"]))
        pm.Categorical("y", p=theta, observed=_int(data["y"]))
    return model


def eight_schools_centered(data):
    J, y, sigma = data["J"], _real(data["y"]), _real(data["sigma"])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 5.0)
        tau = pm.HalfCauchy("tau", 5.0)
        theta = pm.Normal("theta", mu, tau, shape=J)
        pm.Normal("y", theta, sigma, observed=y)
    return model


def eight_schools_noncentered(data):
    J, y, sigma = data["J"], _real(data["y"]), _real(data["sigma"])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 5.0)
        tau = pm.HalfCauchy("tau", 5.0)
        theta_tilde = pm.Normal("theta_tilde", 0.0, 1.0, shape=J)
        pm.Normal("y", mu + tau * theta_tilde, sigma, observed=y)
    return model


def funnel(data):
    with pm.Model() as model:
        v = pm.Normal("v", 0.0, 3.0)
        pm.Normal("x", 0.0, pt.exp(v / 2), shape=data["K"])
    return model


def garch11(data):
    r, sigma1 = _real(data["r"]), float(data["sigma1"])
    with pm.Model() as model:
        mu = pm.Flat("mu")
        alpha0 = pm.HalfFlat("alpha0")
        alpha1 = pm.Uniform("alpha1", 0.0, 1.0)            # density 1: flat on (0, 1)
        beta1 = pm.Uniform("beta1", 0.0, 1.0 - alpha1)
        pm.Potential("_beta1_flat", pt.log1p(-alpha1))     # cancels Uniform's 1 / (1 - alpha1)

        def step(previous_r, previous_sigma, alpha0, alpha1, beta1, mu):
            return pt.sqrt(alpha0 + alpha1 * (previous_r - mu) ** 2 + beta1 * previous_sigma ** 2)

        # the params enter the scan as non_sequences: PyMC cannot transform (log, interval) values
        # that the inner function reads from its closure
        rest, _ = pytensor.scan(step, sequences=[pt.as_tensor(r[:-1])], outputs_info=[pt.as_tensor(sigma1)],
                                non_sequences=[alpha0, alpha1, beta1, mu])
        sigma = pt.concatenate([pt.as_tensor([sigma1]), rest])
        pm.Normal("r", mu, sigma, observed=r)
    return model


def exponential_smoothing(data):
    y = _real(data["y"])
    with pm.Model() as model:
        alpha = pm.Beta("alpha", 2.0, 2.0)
        level0 = pm.Normal("level0", 0.0, 10.0)
        sigma = pm.HalfNormal("sigma", 5.0)

        def step(observed, level, weight):
            return weight * observed + (1.0 - weight) * level

        after, _ = pytensor.scan(step, sequences=[pt.as_tensor(y[:-1])], outputs_info=[level0],
                                 non_sequences=[alpha])
        levels = pt.concatenate([pt.stack([level0]), after])   # the level before each observation
        pm.Normal("y", levels, sigma, observed=y)
    return model


def gp_regression(data):
    N, x, y = data["N"], _real(data["x"]), _real(data["y"])
    squared_distance = (x[:, None] - x[None, :]) ** 2
    with pm.Model() as model:
        amplitude = pm.HalfNormal("amplitude", 2.0)
        length_scale = pm.InverseGamma("length_scale", 5.0, 5.0)
        sigma = pm.HalfNormal("sigma", 1.0)
        cov = amplitude ** 2 * pt.exp(-0.5 * squared_distance / length_scale ** 2) + pt.eye(N) * sigma ** 2
        pm.MvNormal("y", np.zeros(N), cov=cov, observed=y)
    return model


def linreg(data):
    x, y = _real(data["x"]), _real(data["y"])
    with pm.Model() as model:
        w = pm.Normal("w", 0.0, 1.0, shape=3)
        sigma = pm.LogNormal("sigma", 1.0, 5.0)
        pm.Normal("y", w[0] + pt.dot(w[1:], x), sigma, observed=y)
    return model


def linreg_known_noise(data):
    x, y = _real(data["x"]), _real(data["y"])
    with pm.Model() as model:
        w = pm.Normal("w", 0.0, 1.0, shape=3)
        pm.Normal("y", w[0] + pt.dot(w[1:], x), 0.5, observed=y)
    return model


def logistic_regression(data):
    K, X, y = data["K"], _real(data["X"]), _int(data["y"])
    with pm.Model() as model:
        alpha = pm.Normal("alpha", 0.0, 2.5)
        beta = pm.Normal("beta", 0.0, 2.5, shape=K)
        pm.Bernoulli("y", logit_p=alpha + pt.dot(X, beta), observed=y)
    return model


def lotka_volterra(data):
    ts, y_init, y = _real(data["ts"]), _real(data["y_init"]), _real(data["y"])

    def dz_dt(z, t, theta):
        return [(theta[0] - theta[1] * z[1]) * z[0], (-theta[2] + theta[3] * z[0]) * z[1]]

    # PyMC's ODE op (SciPy's odeint with forward sensitivities); t0 = 0 is the initial time
    equation = pm.ode.DifferentialEquation(func=dz_dt, times=ts, n_states=2, n_theta=4, t0=0)
    with pm.Model() as model:
        theta = pm.TruncatedNormal("theta", mu=[1.0, 0.05, 1.0, 0.05], sigma=[0.5, 0.05, 0.5, 0.05], lower=0.0,
                                   shape=4)
        z_init = pm.LogNormal("z_init", np.log(10.0), 1.0, shape=2)
        sigma = pm.LogNormal("sigma", -1.0, 1.0, shape=2)
        z = pm.Deterministic("z", equation(y0=z_init, theta=theta))
        pm.LogNormal("y_init", pt.log(z_init), sigma, observed=y_init)
        pm.LogNormal("y", pt.log(z), sigma, observed=y)
    return model


def one_compartment(data):
    times, D, V, C_hat = _real(data["times"]), float(data["D"]), float(data["V"]), _real(data["C_hat"])

    def derivative(state, t, theta):
        absorbed = theta[0] * state[0]
        return [-absorbed, absorbed / V - theta[2] * state[1] / (theta[1] + state[1])]

    equation = pm.ode.DifferentialEquation(func=derivative, times=times, n_states=2, n_theta=3, t0=0)
    with pm.Model() as model:
        k_a = pm.LogNormal("k_a", np.log(5.0), 1.0)
        K_m = pm.LogNormal("K_m", np.log(2.0), 1.0)
        V_m = pm.LogNormal("V_m", np.log(5.0), 1.0)
        sigma = pm.HalfNormal("sigma", 0.5)
        state = equation(y0=[D, 0.0], theta=pt.stack([k_a, K_m, V_m]))
        C = pm.Deterministic("C", state[:, 1])
        pm.LogNormal("C_hat", pt.log(C), sigma, observed=C_hat)
    return model


def normal_mixture(data):
    y = _real(data["y"])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 10.0, shape=2, transform=pm.distributions.transforms.ordered,
                       initval=np.array([-1.0, 1.0]))
        sigma = pm.HalfNormal("sigma", 5.0, shape=2)
        weights = pm.Dirichlet("weights", np.array([2.0, 2.0]))
        pm.NormalMixture("y", w=weights, mu=mu, sigma=sigma, observed=y)
    return model


def ordinal_regression(data):
    D, K, X, y = data["D"], data["K"], _real(data["X"]), _int(data["y"])
    with pm.Model() as model:
        beta = pm.Normal("beta", 0.0, 2.5, shape=D)
        cutpoints = pm.Normal("cutpoints", 0.0, 5.0, shape=K - 1, transform=pm.distributions.transforms.ordered,
                              initval=np.linspace(-1.0, 1.0, K - 1))
        pm.OrderedLogistic("y", eta=pt.dot(X, beta), cutpoints=cutpoints, observed=y)
    return model


def radon_hierarchical(data):
    J, county = data["J"], _int(data["county"])
    floor, log_radon = _real(data["floor"]), _real(data["log_radon"])
    with pm.Model() as model:
        mu_a = pm.Normal("mu_a", 0.0, 10.0)
        sigma_a = pm.HalfNormal("sigma_a", 5.0)
        a = pm.Normal("a", mu_a, sigma_a, shape=J)
        b = pm.Normal("b", 0.0, 10.0)
        sigma_y = pm.HalfNormal("sigma_y", 5.0)
        pm.Normal("log_radon", a[county] + b * floor, sigma_y, observed=log_radon)
    return model


def tight_gaussian(data):
    with pm.Model() as model:
        pm.MvNormal("x", _real(data["mu"]), chol=_real(data["L"]))
    return model


MODELS = {name: function for name, function in globals().items()
          if callable(function) and not name.startswith("_") and getattr(function, "__module__", None) == __name__}


def zero_inflated_counts(data):
    x, y = _real(data["x"]), _int(data["y"])
    with pm.Model() as model:
        alpha = pm.Normal("alpha", 0.0, 2.0)
        beta = pm.Normal("beta", 0.0, 1.0)
        gate = pm.Beta("gate", 1.0, 1.0)
        # PyMC's psi is the probability of the Poisson part, 1 - gate
        pm.ZeroInflatedPoisson("y", psi=1.0 - gate, mu=pt.exp(alpha + beta * x), observed=y)
    return model
