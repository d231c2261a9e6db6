// examples/one_compartment.ppl (without the generated quantity C_rep, which ppl draws after sampling).
functions {
  vector absorption_elimination(real t, vector state, real k_a, real K_m, real V_m, real V) {
    vector[2] dstate;
    real absorbed = k_a * state[1];
    dstate[1] = -absorbed;
    dstate[2] = absorbed / V - V_m * state[2] / (K_m + state[2]);
    return dstate;
  }
}
data {
  int<lower=1> N;
  array[N] real<lower=0> times;
  real<lower=0> D;
  real<lower=0> V;
  vector<lower=0>[N] C_hat;
}
parameters {
  real<lower=0> k_a;
  real<lower=0> K_m;
  real<lower=0> V_m;
  real<lower=0> sigma;
}
transformed parameters {
  array[N] vector[2] state = ode_bdf(absorption_elimination, [D, 0.0]', 0, times, k_a, K_m, V_m, V);
  vector[N] C;
  for (n in 1:N) {
    C[n] = state[n, 2];
  }
}
model {
  k_a ~ lognormal(log(5), 1);
  K_m ~ lognormal(log(2), 1);
  V_m ~ lognormal(log(5), 1);
  sigma ~ normal(0, 0.5);
  C_hat ~ lognormal(log(C), sigma);
}
