"""Simulated vs distributed (torch.distributed, gloo) rounds, and our DDP hook vs PyTorch's (not a test).

Part 1, parameter server: for N = 4, 8, 16 worker processes (plus the server) on this machine, wall
time per round and bytes per round of the distributed run, beside the simulation of the same run (same
seed, problem, compressors) timed in this process. Bytes: the payload (the encoders' bytes: the
simulation's bits rounded up per message), the float64 residual that makes the run bitwise equal to the
simulation, and the headers. The distributed wall time is the server's loop (the sidecar's
``wall_time_s``; process start-up and rendezvous excluded).

Part 2, DDP: the same small MLP trained for the same steps on 2 processes with plain DDP, PyTorch's fp16
and PowerSGD hooks, and our hook with several compressors (+ error feedback): test accuracy, bytes sent
per rank and step, step time.

Run: ``python -m benchmarks.bench_distributed`` (``--workers 4,8,16 --iterations 30 --ddp-steps 300``,
``--skip-ddp``). On a 2-core machine 17 processes share 2 cores: the distributed times measure mostly the
scheduler, and the table says so only through the numbers it prints.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.distributed.config import RunConfig, simulate

ROOT = Path(__file__).resolve().parents[1]


def torchrun(nproc: int, module: str, *args) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1", f"--nproc-per-node={nproc}",
           "-m", module, *args]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=900)


def bench_ps(workers: int, algorithm: str, iterations: int, tmp: Path) -> dict:
    cfg = RunConfig(algorithm=algorithm, workers=workers, d=50, rows=20, up="rand-5", down="rand-10",
                    iterations=iterations, gamma=0.05)
    out = tmp / f"{algorithm}-{workers}"
    torchrun(workers + 1, "reference_impl.distributed", "--algorithm", algorithm, "--dim", "50", "--rows", "20",
             "--up", "rand-5", "--down", "rand-10", "--iterations", str(iterations), "--gamma", "0.05",
             "--out", str(out))
    side = json.loads((out / "run.csv.json").read_text())
    wire = json.loads((out / "wire.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        t = time.perf_counter()
        xs, up, down = simulate(cfg)
        sim_s = (time.perf_counter() - t) / iterations
    got = np.load(out / "iterates.npy")
    payload = sum(sum(r["uplink_payload_bytes"]) + r["downlink_payload_bytes"] for r in wire["rounds"]) / iterations
    residual = sum(r["residual_bytes"] for r in wire["rounds"]) / iterations
    header = (wire["totals"]["sent"]["header"] + wire["totals"]["received"]["header"]) / iterations
    return dict(N=workers, algorithm=algorithm, dist_ms=1000 * side["wall_time_s"] / iterations, sim_ms=1000 * sim_s,
                payload=payload, sim_bytes=(up.sum() + down.sum()) / 8 / iterations, residual=residual, header=header,
                bitwise=bool(np.array_equal(got, xs)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", default="4,8,16")
    ap.add_argument("--algorithms", default="diana,mcm")
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--ddp-steps", type=int, default=300)
    ap.add_argument("--skip-ddp", action="store_true")
    ap.add_argument("--skip-ps", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'alg':>6} {'N':>3} {'dist ms/round':>13} {'sim ms/round':>12} {'payload B/round':>15} "
              f"{'sim bits/8':>10} {'residual B':>10} {'header B':>8} {'bitwise':>7}")
        for alg in ([] if args.skip_ps else args.algorithms.split(",")):
            for n in (int(v) for v in args.workers.split(",")):
                r = bench_ps(n, alg, args.iterations, Path(tmp))
                print(f"{alg:>6} {n:>3} {r['dist_ms']:>13.2f} {r['sim_ms']:>12.3f} {r['payload']:>15.1f} "
                      f"{r['sim_bytes']:>10.1f} {r['residual']:>10.1f} {r['header']:>8.0f} {str(r['bitwise']):>7}",
                      flush=True)
        if args.skip_ddp:
            return
        torchrun(2, "reference_impl.distributed.ddp_train", "compare", "--out", tmp, "--steps", str(args.ddp_steps))
        res = json.loads((Path(tmp) / "compare.json").read_text())
    print(f"\nDDP, {res['world']} processes, MLP with d = {res['d']} parameters, {res['steps']} SGD steps, batch {res['batch']}")
    print(f"{'hook':>26} {'test acc':>8} {'train loss':>10} {'bytes/step/rank':>15} {'step ms':>8}")
    for label, r in res["runs"].items():
        print(f"{label:>26} {r['test_accuracy']:>8.3f} {r['train_loss']:>10.4f} {r['bytes_per_step']:>15.0f} "
              f"{r['step_ms']:>8.2f}")


if __name__ == "__main__":
    main()
