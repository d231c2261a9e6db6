"""Many fits at once: simulation-based calibration of the tour's regression
(examples/linreg.ppl) run serially, on local threads, and on a Dask LocalCluster.

    python benchmarks/many.py [--replicates 200] [--threads 1 2 4] [--workers 2] [--repeats 1]

Each fit is `ppl.sbc`'s default: one chain, 500 warmup iterations (`--warmup`), 198
draws thinned to 99.  "serial" is a pool of one thread (fits one after another, as sbc ran before
ppl.many); "threads N" runs N fits at once, each on one core; "dask" runs them on a
LocalCluster of `--workers` processes with one thread each, timed once cold (each
worker loads the model and the sampler from the disk cache on its first task) and
once warm; the cluster's start-up is timed apart.  Every mode must give the same ranks
(checked), since fit k's seed depends on k only.  Prints wall seconds, fits per second,
the speed-up over serial, the CPU seconds all processes spent (client and workers: what
parallel running adds, whatever the load), and the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ppl  # noqa: E402


def timed_sbc(model, data, replicates, client=None, **settings):
    """(wall seconds, CPU seconds, the SBCResult); the CPU time is this process's (client, and
    a LocalCluster's scheduler) plus each Dask worker's, so it does not depend on how many
    cores the machine could give (it may be shared), while the wall time does."""
    def workers_cpu():
        return sum(client.run(time.process_time).values()) if client is not None else 0.0

    started, started_cpu, started_workers = time.perf_counter(), time.process_time(), workers_cpu()
    result = ppl.sbc(model, data, replicates, seed=11, progress=False, client=client, **settings)
    cpu = time.process_time() - started_cpu + workers_cpu() - started_workers
    return time.perf_counter() - started, cpu, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=500, help="warmup iterations per fit (longer fits)")
    parser.add_argument("--repeats", type=int, default=1, help="timings per mode; the fastest is shown")
    parser.add_argument("--no-dask", action="store_true")
    arguments = parser.parse_args(argv)

    model = ppl.compile(ROOT / "examples" / "linreg.ppl")
    data = json.loads((ROOT / "examples" / "linreg.data.json").read_text())
    data.pop("y")
    ppl.sbc(model, data, 2, progress=False)   # compile and load everything once, outside the timings

    rows = []
    reference = None

    def record(mode, seconds, cpu, result):
        nonlocal reference
        if result.failures:
            raise SystemExit(f"{mode}: {len(result.failures)} fits failed; the first: {result.failures[0]}")
        if reference is None:
            reference = result
        same = all(np.array_equal(result.ranks[name], reference.ranks[name]) for name in reference.ranks)
        if not same:
            raise SystemExit(f"{mode}: the ranks differ from the serial run's")
        rows.append((mode, seconds))
        print(f"{mode:28s} {seconds:8.2f} s  {arguments.replicates / seconds:7.1f} fits/s  "
              f"x{rows[0][1] / seconds:5.2f}   CPU {cpu:7.2f} s ({1000 * cpu / arguments.replicates:6.1f} ms/fit)",
              flush=True)

    def best(**settings):
        runs = [timed_sbc(model, data, arguments.replicates, warmup=arguments.warmup, **settings)
                for _ in range(arguments.repeats)]
        return min(runs, key=lambda run: run[0])

    print(f"SBC of linreg, {arguments.replicates} fits of {arguments.warmup} warmup iterations; "
          f"{os.cpu_count()} cores; load average "
          f"{', '.join(f'{value:.1f}' for value in os.getloadavg())}")
    record("serial (threads=1)", *best(threads=1))
    for threads in arguments.threads:
        record(f"threads={threads}", *best(threads=threads))
    if not arguments.no_dask:
        from distributed import Client, LocalCluster

        started = time.perf_counter()
        cluster = LocalCluster(n_workers=arguments.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
        print(f"{'(LocalCluster start-up)':28s} {time.perf_counter() - started:8.2f} s")
        record(f"dask {arguments.workers} workers, cold", *timed_sbc(model, data, arguments.replicates,
                                                                    warmup=arguments.warmup, client=client))
        record(f"dask {arguments.workers} workers, warm", *best(client=client))
        client.close()
        cluster.close()
    print(f"load average after: {', '.join(f'{value:.1f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
