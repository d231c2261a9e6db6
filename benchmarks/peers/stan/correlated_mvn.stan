// examples/correlated_mvn.ppl
data {
  int<lower=1> N;
  int<lower=2> K;
  array[N] vector[K] Y;
}
parameters {
  vector[K] mu;
  vector<lower=0>[K] sigma;
  cholesky_factor_corr[K] L;
}
model {
  mu ~ normal(0, 10);
  sigma ~ cauchy(0, 2.5);
  L ~ lkj_corr_cholesky(2.0);
  Y ~ multi_normal_cholesky(mu, diag_pre_multiply(sigma, L));
}
