// examples/linreg.ppl (without the generated quantity y_rep, which ppl draws after sampling).
data {
  int<lower=1> N;
  matrix[2, N] x;
  vector[N] y;
}
parameters {
  vector[3] w;
  real<lower=0> sigma;
}
model {
  vector[N] mu = w[1] + (w[2:3]' * x)';
  w ~ normal(0, 1);
  sigma ~ lognormal(1, 5);
  y ~ normal(mu, sigma);
}
