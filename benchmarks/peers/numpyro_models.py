"""The example gallery (examples/*.ppl) written in NumPyro, faithfully: same priors, same
parameterisation, same data (0-based indices as in the data files), same parameter names.

A param with no prior statement in the ppl model is flat on its support there (as in Stan);
here it is ``ImproperUniform`` over the same support.  ``MODELS[name] = (model, arguments)``
where ``arguments(data)`` turns the Stan-format JSON dict into the model's keyword arguments.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from numpyro.distributions import constraints


def _flat(name, support, shape=()):
    return numpyro.sample(name, dist.ImproperUniform(support, (), shape))


def ar_k(K, T, y):
    alpha = _flat("alpha", constraints.real)
    beta = _flat("beta", constraints.real, (K,))
    sigma = numpyro.sample("sigma", dist.HalfCauchy(2.5))
    # lags[t - K, k] = y[t - K + k] for t in K..T-1
    index = jnp.arange(K, T)[:, None] - K + jnp.arange(K)[None, :]
    numpyro.sample("y", dist.Normal(alpha + y[index] @ beta, sigma), obs=y[K:])


def censored_survival(N_obs, N_cens, t_obs, t_cens):
    concentration = numpyro.sample("concentration", dist.LogNormal(0.0, 1.0))
    scale = numpyro.sample("scale", dist.LogNormal(2.0, 1.0))
    numpyro.sample("t_obs", dist.Weibull(scale, concentration), obs=t_obs)
    numpyro.factor("t_cens", -jnp.sum((t_cens / scale) ** concentration))   # Weibull's log survival function


def correlated_mvn(N, K, Y):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0).expand([K]))
    sigma = numpyro.sample("sigma", dist.HalfCauchy(2.5).expand([K]))
    L = numpyro.sample("L", dist.LKJCholesky(K, concentration=2.0))
    numpyro.sample("Y", dist.MultivariateNormal(mu, scale_tril=sigma[:, None] * L), obs=Y)


def correlated_regression(N, K, X, y):
    alpha = numpyro.sample("alpha", dist.Normal(0.0, 10.0))
    beta = numpyro.sample("beta", dist.Normal(0.0, 10.0).expand([K]))
    sigma = numpyro.sample("sigma", dist.HalfNormal(2.0))
    numpyro.sample("y", dist.Normal(alpha + X @ beta, sigma), obs=y)


def dirichlet_simplex(K, N, alpha, y):
    theta = numpyro.sample("theta", dist.Dirichlet(alpha))
    numpyro.sample("y", dist.Categorical(probs=theta), obs=y)


def eight_schools_centered(J, y, sigma):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    theta = numpyro.sample("theta", dist.Normal(mu, tau).expand([J]))
    numpyro.sample("y", dist.Normal(theta, sigma), obs=y)


def eight_schools_noncentered(J, y, sigma):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    theta_tilde = numpyro.sample("theta_tilde", dist.Normal(0.0, 1.0).expand([J]))
    numpyro.sample("y", dist.Normal(mu + tau * theta_tilde, sigma), obs=y)


def funnel(K):
    v = numpyro.sample("v", dist.Normal(0.0, 3.0))
    numpyro.sample("x", dist.Normal(0.0, jnp.exp(v / 2)).expand([K]))


def garch11(T, r, sigma1):
    mu = _flat("mu", constraints.real)
    alpha0 = _flat("alpha0", constraints.positive)
    alpha1 = _flat("alpha1", constraints.unit_interval)
    # beta1 is flat on [0, 1 - alpha1]: sample it as a fraction of that interval and add the
    # interval's length as the Jacobian (NumPyro's param-dependent supports do not give Stan's density)
    beta1_fraction = _flat("beta1_fraction", constraints.unit_interval)
    beta1 = numpyro.deterministic("beta1", (1.0 - alpha1) * beta1_fraction)
    numpyro.factor("beta1_jacobian", jnp.log1p(-alpha1))

    def step(previous_sigma, previous_r):
        sigma = jnp.sqrt(alpha0 + alpha1 * (previous_r - mu) ** 2 + beta1 * previous_sigma ** 2)
        return sigma, sigma

    _, rest = jax.lax.scan(step, jnp.asarray(sigma1, dtype=r.dtype), r[:-1])
    sigma = jnp.concatenate([jnp.asarray([sigma1], dtype=r.dtype), rest])
    numpyro.sample("r", dist.Normal(mu, sigma), obs=r)


def exponential_smoothing(T, y):
    alpha = numpyro.sample("alpha", dist.Beta(2.0, 2.0))
    level0 = numpyro.sample("level0", dist.Normal(0.0, 10.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(5.0))

    def step(level, observed):
        return alpha * observed + (1.0 - alpha) * level, level

    _, levels = jax.lax.scan(step, level0, y)   # the level before each observation
    numpyro.sample("y", dist.Normal(levels, sigma), obs=y)


def gp_regression(N, x, y):
    amplitude = numpyro.sample("amplitude", dist.HalfNormal(2.0))
    length_scale = numpyro.sample("length_scale", dist.InverseGamma(5.0, 5.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    distance = x[:, None] - x[None, :]
    cov = amplitude ** 2 * jnp.exp(-0.5 * distance ** 2 / length_scale ** 2) + jnp.eye(N) * sigma ** 2
    numpyro.sample("y", dist.MultivariateNormal(jnp.zeros(N), covariance_matrix=cov), obs=y)


def linreg(N, x, y):
    w = numpyro.sample("w", dist.Normal(0.0, 1.0).expand([3]))
    sigma = numpyro.sample("sigma", dist.LogNormal(1.0, 5.0))
    mu = w[0] + w[1:] @ x
    numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


def linreg_known_noise(N, x, y):
    w = numpyro.sample("w", dist.Normal(0.0, 1.0).expand([3]))
    numpyro.sample("y", dist.Normal(w[0] + w[1:] @ x, 0.5), obs=y)


def logistic_regression(N, K, X, y):
    alpha = numpyro.sample("alpha", dist.Normal(0.0, 2.5))
    beta = numpyro.sample("beta", dist.Normal(0.0, 2.5).expand([K]))
    numpyro.sample("y", dist.Bernoulli(logits=alpha + X @ beta), obs=y)


def lotka_volterra(N, ts, y_init, y):
    from jax.experimental.ode import odeint   # adaptive Dormand–Prince, adjoint gradients

    theta = numpyro.sample("theta", dist.TruncatedNormal(jnp.array([1.0, 0.05, 1.0, 0.05]),
                                                         jnp.array([0.5, 0.05, 0.5, 0.05]), low=0.0))
    z_init = numpyro.sample("z_init", dist.LogNormal(jnp.log(10.0), 1.0).expand([2]))
    sigma = numpyro.sample("sigma", dist.LogNormal(-1.0, 1.0).expand([2]))

    def dz_dt(z, t, theta):
        return jnp.stack([(theta[0] - theta[1] * z[1]) * z[0], (-theta[2] + theta[3] * z[0]) * z[1]])

    z = odeint(dz_dt, z_init, jnp.concatenate([jnp.zeros(1), ts]), theta, rtol=1e-5, atol=1e-3, mxstep=10000)[1:]
    numpyro.deterministic("z", z)
    numpyro.sample("y_init", dist.LogNormal(jnp.log(z_init), sigma), obs=y_init)
    numpyro.sample("y", dist.LogNormal(jnp.log(z), sigma), obs=y)


def one_compartment(N, times, D, V, C_hat):
    from jax.experimental.ode import odeint   # not a stiff solver: JAX has none built in

    k_a = numpyro.sample("k_a", dist.LogNormal(jnp.log(5.0), 1.0))
    K_m = numpyro.sample("K_m", dist.LogNormal(jnp.log(2.0), 1.0))
    V_m = numpyro.sample("V_m", dist.LogNormal(jnp.log(5.0), 1.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.5))

    def derivative(state, t, k_a, K_m, V_m):
        absorbed = k_a * state[0]
        return jnp.stack([-absorbed, absorbed / V - V_m * state[1] / (K_m + state[1])])

    state = odeint(derivative, jnp.array([D, 0.0]), jnp.concatenate([jnp.zeros(1), times]), k_a, K_m, V_m,
                   rtol=1e-6, atol=1e-6, mxstep=1000000)[1:]
    C = numpyro.deterministic("C", state[:, 1])
    numpyro.sample("C_hat", dist.LogNormal(jnp.log(C), sigma), obs=C_hat)


def normal_mixture(N, y):
    mu = _flat("mu", constraints.ordered_vector, (2,))
    numpyro.factor("mu_prior", dist.Normal(0.0, 10.0).log_prob(mu).sum())
    sigma = numpyro.sample("sigma", dist.HalfNormal(5.0).expand([2]))
    weights = numpyro.sample("weights", dist.Dirichlet(jnp.array([2.0, 2.0])))
    mixture = dist.MixtureSameFamily(dist.Categorical(probs=weights), dist.Normal(mu, sigma))
    numpyro.sample("y", mixture, obs=y)


def ordinal_regression(N, K, D, X, y):
    beta = numpyro.sample("beta", dist.Normal(0.0, 2.5).expand([D]))
    cutpoints = _flat("cutpoints", constraints.ordered_vector, (K - 1,))
    numpyro.factor("cutpoints_prior", dist.Normal(0.0, 5.0).log_prob(cutpoints).sum())
    numpyro.sample("y", dist.OrderedLogistic(X @ beta, cutpoints), obs=y)


def radon_hierarchical(N, J, county, floor, log_radon):
    mu_a = numpyro.sample("mu_a", dist.Normal(0.0, 10.0))
    sigma_a = numpyro.sample("sigma_a", dist.HalfNormal(5.0))
    a = numpyro.sample("a", dist.Normal(mu_a, sigma_a).expand([J]))
    b = numpyro.sample("b", dist.Normal(0.0, 10.0))
    sigma_y = numpyro.sample("sigma_y", dist.HalfNormal(5.0))
    numpyro.sample("log_radon", dist.Normal(a[county] + b * floor, sigma_y), obs=log_radon)


def tight_gaussian(D, mu, L):
    numpyro.sample("x", dist.MultivariateNormal(mu, scale_tril=L))


def _real(value):
    return jnp.asarray(value, dtype=jnp.float64)


def _int(value):
    return jnp.asarray(value, dtype=jnp.int32)


def zero_inflated_counts(N, x, y):
    alpha = numpyro.sample("alpha", dist.Normal(0.0, 2.0))
    beta = numpyro.sample("beta", dist.Normal(0.0, 1.0))
    gate = numpyro.sample("gate", dist.Beta(1.0, 1.0))
    numpyro.sample("y", dist.ZeroInflatedPoisson(gate=gate, rate=jnp.exp(alpha + beta * x)), obs=y)


_KINDS = {
    "ar_k": {"K": int, "T": int, "y": _real},
    "censored_survival": {"N_obs": int, "N_cens": int, "t_obs": _real, "t_cens": _real},
    "correlated_mvn": {"N": int, "K": int, "Y": _real},
    "correlated_regression": {"N": int, "K": int, "X": _real, "y": _real},
    "dirichlet_simplex": {"K": int, "N": int, "alpha": _real, "y": _int},
    "eight_schools_centered": {"J": int, "y": _real, "sigma": _real},
    "eight_schools_noncentered": {"J": int, "y": _real, "sigma": _real},
    "funnel": {"K": int},
    "exponential_smoothing": {"T": int, "y": _real},
    "garch11": {"T": int, "r": _real, "sigma1": float},
    "gp_regression": {"N": int, "x": _real, "y": _real},
    "linreg": {"N": int, "x": _real, "y": _real},
    "linreg_known_noise": {"N": int, "x": _real, "y": _real},
    "logistic_regression": {"N": int, "K": int, "X": _real, "y": _int},
    "lotka_volterra": {"N": int, "ts": _real, "y_init": _real, "y": _real},
    "normal_mixture": {"N": int, "y": _real},
    "one_compartment": {"N": int, "times": _real, "D": float, "V": float, "C_hat": _real},
    "ordinal_regression": {"N": int, "K": int, "D": int, "X": _real, "y": _int},
    "radon_hierarchical": {"N": int, "J": int, "county": _int, "floor": _real, "log_radon": _real},
    "tight_gaussian": {"D": int, "mu": _real, "L": _real},
    "zero_inflated_counts": {"N": int, "x": _real, "y": _int},
}

MODELS = {
    name: (globals()[name], (lambda kinds: lambda data: {k: f(data[k]) for k, f in kinds.items()})(kinds))
    for name, kinds in _KINDS.items()
}
