// examples/ordinal_regression.ppl: Stan's outcomes are 1 .. K, ppl's 0 .. K - 1.
data {
  int<lower=1> N;
  int<lower=2> K;
  int<lower=1> D;
  matrix[N, D] X;
  array[N] int<lower=0, upper=K - 1> y;
}
transformed data {
  array[N] int y_from_1;
  for (n in 1:N)
    y_from_1[n] = y[n] + 1;
}
parameters {
  vector[D] beta;
  ordered[K - 1] cutpoints;
}
model {
  beta ~ normal(0, 2.5);
  cutpoints ~ normal(0, 5);
  y_from_1 ~ ordered_logistic(X * beta, cutpoints);
}
