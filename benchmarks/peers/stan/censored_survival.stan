// examples/censored_survival.ppl (without the generated quantity median_survival, which ppl draws after sampling).
data {
  int<lower=0> N_obs;
  int<lower=0> N_cens;
  vector<lower=0>[N_obs] t_obs;
  vector<lower=0>[N_cens] t_cens;
}
parameters {
  real<lower=0> concentration;
  real<lower=0> scale;
}
model {
  concentration ~ lognormal(0, 1);
  scale ~ lognormal(2, 1);
  t_obs ~ weibull(concentration, scale);
  target += weibull_lccdf(t_cens | concentration, scale);
}
