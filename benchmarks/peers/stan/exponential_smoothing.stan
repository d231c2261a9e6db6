// examples/exponential_smoothing.ppl: the level is a local variable carried through the loop.
data {
  int<lower=1> T;
  vector[T] y;
}
parameters {
  real<lower=0, upper=1> alpha;
  real level0;
  real<lower=0> sigma;
}
model {
  real level = level0;
  alpha ~ beta(2, 2);
  level0 ~ normal(0, 10);
  sigma ~ normal(0, 5);
  for (t in 1:T) {
    y[t] ~ normal(level, sigma);
    level = alpha * y[t] + (1 - alpha) * level;
  }
}
generated quantities {
  real forecast;
  {
    real level = level0;
    for (t in 1:T)
      level = alpha * y[t] + (1 - alpha) * level;
    forecast = level;
  }
}
