// examples/zero_inflated_counts.ppl: the zero-inflated Poisson written by cases.
data {
  int<lower=1> N;
  vector[N] x;
  array[N] int<lower=0> y;
}
parameters {
  real alpha;
  real beta;
  real<lower=0, upper=1> gate;
}
model {
  vector[N] log_rate = alpha + beta * x;
  alpha ~ normal(0, 2);
  beta ~ normal(0, 1);
  gate ~ beta(1, 1);
  for (n in 1:N) {
    if (y[n] == 0)
      target += log_sum_exp(log(gate), log1m(gate) + poisson_log_lpmf(0 | log_rate[n]));
    else
      target += log1m(gate) + poisson_log_lpmf(y[n] | log_rate[n]);
  }
}
