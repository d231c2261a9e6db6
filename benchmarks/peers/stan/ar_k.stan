// examples/ar_k.ppl: alpha and beta flat, as in the ppl model.
data {
  int<lower=1> K;
  int<lower=K + 1> T;
  vector[T] y;
}
parameters {
  real alpha;
  vector[K] beta;
  real<lower=0> sigma;
}
model {
  sigma ~ cauchy(0, 2.5);
  for (t in (K + 1):T)
    y[t] ~ normal(alpha + dot_product(beta, y[(t - K):(t - 1)]), sigma);
}
