"""Iterations per second of COMP-AMS (Algorithm 1) on the MNIST substitute of 002, N = 20 workers.

    python benchmarks/bench_compams.py [--iterations 100] [--repeats 3] [--threads 1]

For each scale (the notebook's quick mode: 14 x 14 images, batch 32; full mode: 28 x 28 images, batch
128) and model (softmax regression, two-layer MLP), times ``step`` in a loop for full-precision AMSGrad,
COMP-AMS with Top-k (density 1%) and with Block-Sign. Top-k's cost is numpy's partition over
``(20, d)``; the gradient is a batched matmul. Prints the numbers (best of ``--repeats``); not a test.
"""
from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="cap the BLAS threads (0: leave as is)")
    args = parser.parse_args()
    from reference_impl.backends import NUMPY
    from reproductions import compams as R

    def bench():
        print(f"{platform.machine()}, numpy {np.__version__}, {args.iterations} iterations, best of {args.repeats}")
        for scale_name, scale in (("quick", R.QUICK), ("full", R.FULL)):
            for model in ("softmax", "mlp"):
                prob, _, _ = R.mnist_problem(model, "iid", pool=scale["pool"], n_train=scale["n_train"],
                                             n_test=10)
                for name in ("AMSGrad", "COMP-AMS Top-k EF", "COMP-AMS Block-Sign EF"):
                    best = np.inf
                    for _ in range(args.repeats):
                        algo = R.make_algorithm(name, prob, 0.01, batch=scale["batch"], iterations=args.iterations)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            state = algo.init(prob, NUMPY)
                        rng = np.random.default_rng(0)
                        start = time.perf_counter()
                        for _ in range(args.iterations):
                            state, _ = algo.step(state, prob, NUMPY, rng)
                        best = min(best, time.perf_counter() - start)
                    print(f"{scale_name:<6} {model:<8} d={prob.d:<6} {name:<24} {args.iterations / best:8.1f} it/s")

    if args.threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.threads):
            bench()
    else:
        bench()


if __name__ == "__main__":
    main()
