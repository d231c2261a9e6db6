// examples/funnel.ppl: centred on purpose.
data {
  int<lower=1> K;
}
parameters {
  real v;
  vector[K] x;
}
model {
  v ~ normal(0, 3);
  x ~ normal(0, exp(v / 2));
}
