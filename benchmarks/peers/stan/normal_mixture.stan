// examples/normal_mixture.ppl: the label marginalised out.
data {
  int<lower=1> N;
  vector[N] y;
}
parameters {
  ordered[2] mu;
  vector<lower=0>[2] sigma;
  simplex[2] weights;
}
model {
  mu ~ normal(0, 10);
  sigma ~ normal(0, 5);
  weights ~ dirichlet([2.0, 2.0]');
  for (n in 1:N)
    target += log_sum_exp(log(weights[1]) + normal_lpdf(y[n] | mu[1], sigma[1]),
                          log(weights[2]) + normal_lpdf(y[n] | mu[2], sigma[2]));
}
