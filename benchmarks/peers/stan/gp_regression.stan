// examples/gp_regression.ppl: K = amplitude^2 exp(-d^2 / (2 length_scale^2)) + sigma^2 I.
data {
  int<lower=1> N;
  array[N] real x;
  vector[N] y;
}
parameters {
  real<lower=0> amplitude;
  real<lower=0> length_scale;
  real<lower=0> sigma;
}
model {
  matrix[N, N] cov = add_diag(gp_exp_quad_cov(x, amplitude, length_scale), square(sigma));
  amplitude ~ normal(0, 2);
  length_scale ~ inv_gamma(5, 5);
  sigma ~ normal(0, 1);
  y ~ multi_normal(rep_vector(0, N), cov);
}
