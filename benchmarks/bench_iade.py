"""IADE-SGD's Monte Carlo (000, Theorem 5.2; notebook iade_3): R runs one at a time against R batched runs.

    python benchmarks/bench_iade.py [--runs 40] [--iterations 150]

The experiment of :func:`reproductions.iade.iade_sgd_mean_sq_dist` (interpolating least squares,
d = 10, N = 4, n = 50): ``--runs`` independent runs of IADE-SGD. Prints, in one run: the floor (one
plain full-gradient pass of the problem, times the iterations and runs), the runs one at a time through
:func:`reference_impl.runner.run` (as before issue 10: F and the gradient norm recorded every
iteration), and the same runs through :func:`reference_impl.batched.run_batch` (F of all runs as one
matrix product, no gradient norm), whose trajectories are the same bit for bit. Not a test.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--iterations", type=int, default=150)
    args = parser.parse_args()

    from reference_impl.algorithms.iade_sgd import iade_sgd
    from reference_impl.backends import NUMPY
    from reference_impl.batched import Job, run_batch
    from reference_impl.runner import run, seed_from_names
    from reproductions.iade import PAPER, interpolating_least_squares
    from theory import iade as T

    problem, rhoL = interpolating_least_squares(10, 4, 50)
    rho = rhoL / problem.L
    c = T.numeric("c_sgd", mu=problem.mu, rho=rho, L=problem.L)
    algo = iade_sgd(rho=rho, c_prime=c + 0.5 * (1 - c), s=1.0)
    R, K = args.runs, args.iterations
    seeds = [seed_from_names(PAPER, "iade-sgd-mc", r) for r in range(R)]
    print(f"IADE-SGD on {problem.name}: {R} runs x {K} iterations; load {os.getloadavg()[0]:.1f}")

    t = time.perf_counter()
    x = np.zeros(problem.d)
    for _ in range(200):
        problem.grad(NUMPY, x)
    floor = (time.perf_counter() - t) / 200 * R * K
    t = time.perf_counter()
    separate = [run(algo, problem, K, seed=s) for s in seeds]
    t_sep = time.perf_counter() - t
    t = time.perf_counter()
    batched = run_batch([Job(algo, s) for s in seeds], problem, K, grad_norm=False)
    t_bat = time.perf_counter() - t
    same = all(np.array_equal(a["dist"], b["dist"]) for a, b in zip(separate, batched))
    print(f"floor (full-gradient passes): {floor:.2f} s")
    print(f"one at a time (runner.run):   {t_sep:.2f} s  ({1e3 * t_sep / (R * K):.3f} ms per run-iteration)")
    print(f"batched (run_batch):          {t_bat:.2f} s  ({1e3 * t_bat / (R * K):.3f} ms per run-iteration); "
          f"speed-up {t_sep / t_bat:.2f} x; trajectories identical: {same}")


if __name__ == "__main__":
    main()
