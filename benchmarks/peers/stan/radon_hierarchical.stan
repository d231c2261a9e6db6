// examples/radon_hierarchical.ppl; county is 0-based in the data file, shifted here.
data {
  int<lower=1> N;
  int<lower=1> J;
  array[N] int<lower=0, upper=J - 1> county;
  vector[N] floor;
  vector[N] log_radon;
}
parameters {
  real mu_a;
  real<lower=0> sigma_a;
  vector[J] a;
  real b;
  real<lower=0> sigma_y;
}
model {
  vector[N] y_hat;
  for (n in 1:N)
    y_hat[n] = a[county[n] + 1] + b * floor[n];
  mu_a ~ normal(0, 10);
  sigma_a ~ normal(0, 5);
  a ~ normal(mu_a, sigma_a);
  b ~ normal(0, 10);
  sigma_y ~ normal(0, 5);
  log_radon ~ normal(y_hat, sigma_y);
}
