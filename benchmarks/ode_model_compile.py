"""What compiling a model with an ODE solve costs once the solvers are in Numba's disk cache.

    python benchmarks/ode_model_compile.py [--model examples/lotka_volterra.ppl] [--data DATA.json] [--repeats 3]

(`--data` defaults to the model's `.data.json`; give another model with the same data, e.g. the
same model with the solve replaced by a closed form, to see what the solve itself adds.)

Each measurement runs in a fresh process, with the Numba cache of this checkout (the solvers,
samplers and runtime, compiled once by a first process that imports ppl.runtime.ode_solvers):

- *cold model*: an empty model cache (PPL_CACHE_DIR), so the model is parsed, checked, emitted
  and its generated module compiled by Numba: `ppl.compile` + `condition` (which compiles every
  generated function it calls, the right-hand side, Jacobian and `log_density_gradient`
  included) + one gradient;
- *warm model*: the same again, with the model's cache filled by the cold run.

Times are the process's CPU time (time.process_time: what it costs, whatever else runs on the
machine) and wall time, the best of `--repeats`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = """
import json, time
start_wall, start_cpu = time.perf_counter(), time.process_time()
import numpy as np
import ppl
model = ppl.compile({model!r})
posterior = model.condition({data!r})
posterior.log_density_gradient(np.zeros(posterior.dim))
print(json.dumps({{"cpu": time.process_time() - start_cpu, "wall": time.perf_counter() - start_wall}}))
"""


def run(code: str, environment: dict) -> dict:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env=environment, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="examples/lotka_volterra.ppl")
    parser.add_argument("--data", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    model = str(ROOT / arguments.model)
    data = str(ROOT / arguments.data) if arguments.data else model.removesuffix(".ppl") + ".data.json"
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", "import ppl.runtime.ode_solvers"], check=True, env=environment)
    code = MEASURE.format(model=model, data=data)
    cold, warm = [], []
    for _ in range(arguments.repeats):
        with tempfile.TemporaryDirectory() as cache:
            environment["PPL_CACHE_DIR"] = cache
            cold.append(run(code, environment))
            warm.append(run(code, environment))
    for name, runs in (("cold model (solvers cached)", cold), ("warm model", warm)):
        best = min(runs, key=lambda r: r["cpu"])
        each = ", ".join(f"{r['cpu']:.2f}" for r in runs)
        print(f"{arguments.model}: {name}: {best['cpu']:.2f} s CPU, {best['wall']:.2f} s wall "
              f"(best of {len(runs)}; CPU of each: {each})")


if __name__ == "__main__":
    main()
