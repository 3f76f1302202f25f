"""LENA rounds per second on MNIST (one label per node, full local batches, d = 7840) for M = 10, 100, 500,
beside the cost of one plain batched full-gradient pass over the same nodes (not a test).

One LENA round is one batched gradient pass plus O(M d) vector work (filter, memory, momentum), so the
two columns should be close. Run: ``python -m benchmarks.bench_lena`` (``--rounds N``, ``--ms 10,100``).
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.algorithms.lena import lena
from reference_impl.backends import NUMPY
from reproductions.lena import mnist_one_label_per_node


def bench(M: int, rounds: int) -> tuple[float, float]:
    prob, _, _ = mnist_one_label_per_node(M)
    X = prob.broadcast(NUMPY, np.zeros(prob.d))
    prob.worker_grads(NUMPY, X)                                   # warm-up
    t = time.perf_counter()
    for _ in range(rounds):
        prob.worker_grads(NUMPY, X)
    grad_s = (time.perf_counter() - t) / rounds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        algo = lena(1 / float(np.mean(prob.L_i)), 40, "momentum", gamma=0.5, initial="gradient",
                    threshold="alpha_squared")
        state = algo.init(prob, NUMPY)
    rng = np.random.default_rng(0)
    state, _ = algo.step(state, prob, NUMPY, rng)
    t = time.perf_counter()
    for _ in range(rounds):
        state, _ = algo.step(state, prob, NUMPY, rng)
    return (time.perf_counter() - t) / rounds, grad_s


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ms", default="10,100,500")
    args = ap.parse_args(argv)
    print(f"{'M':>5} {'LENA rounds/s':>14} {'gradient passes/s':>18} {'LENA / gradient time':>21}")
    for M in (int(m) for m in args.ms.split(",")):
        lena_s, grad_s = bench(M, args.rounds)
        print(f"{M:>5} {1 / lena_s:>14.3g} {1 / grad_s:>18.3g} {lena_s / grad_s:>21.2f}")


if __name__ == "__main__":
    main()
