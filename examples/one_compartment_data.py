"""Makes examples/one_compartment.data.json: concentrations simulated from the one-compartment
model of examples/one_compartment.ppl (first-order absorption, Michaelis–Menten elimination) with

    k_a = 10 /day, K_m = 2.5 mg/L, V_m = 2 mg/L/day, sigma = 0.1,

a dose D = 30 mg into the gut at t = 0, a volume V = 2 L, and 18 measurements from 0.05 to 10
days (dense early, to see the absorption) with log-normal error.  Absorption (10 /day) is far
faster than elimination near the peak (d elimination / dC = V_m K_m / (K_m + C)^2, about
0.02 /day at C = 15 mg/L): the Jacobian's eigenvalues differ by a factor of several hundred, which
makes the system stiff.  The solution is
SciPy's Radau at rtol = atol = 1e-12; the noise NumPy's default_rng(2026).  Run from the
repository root: `python examples/one_compartment_data.py`.
"""

import json
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

TRUE = {"k_a": 10.0, "K_m": 2.5, "V_m": 2.0, "sigma": 0.1}
DOSE, VOLUME = 30.0, 2.0
TIMES = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])


def right_hand_side(t, state, k_a, K_m, V_m):
    gut, concentration = state
    absorbed = k_a * gut
    return [-absorbed, absorbed / VOLUME - V_m * concentration / (K_m + concentration)]


def main():
    solution = solve_ivp(right_hand_side, (0.0, TIMES[-1]), [DOSE, 0.0], method="Radau", t_eval=TIMES,
                         rtol=1e-12, atol=1e-12, args=(TRUE["k_a"], TRUE["K_m"], TRUE["V_m"]))
    concentration = solution.y[1]
    rng = np.random.default_rng(2026)
    observed = concentration * np.exp(rng.normal(0.0, TRUE["sigma"], size=concentration.shape))
    data = {"N": len(TIMES), "times": [round(float(t), 4) for t in TIMES], "D": DOSE, "V": VOLUME,
            "C_hat": [float(f"{c:.6g}") for c in observed]}
    path = Path(__file__).with_name("one_compartment.data.json")
    path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
