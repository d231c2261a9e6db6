// examples/dirichlet_simplex.ppl; y is 0-based in the data file, shifted here.
data {
  int<lower=2> K;
  int<lower=1> N;
  vector<lower=0>[K] alpha;
  array[N] int<lower=0, upper=K - 1> y;
}
parameters {
  simplex[K] theta;
}
model {
  theta ~ dirichlet(alpha);
  for (n in 1:N)
    y[n] + 1 ~ categorical(theta);
}
