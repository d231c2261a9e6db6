// examples/linreg_known_noise.ppl
data {
  int<lower=1> N;
  matrix[2, N] x;
  vector[N] y;
}
parameters {
  vector[3] w;
}
model {
  w ~ normal(0, 1);
  y ~ normal(w[1] + (w[2:3]' * x)', 0.5);
}
