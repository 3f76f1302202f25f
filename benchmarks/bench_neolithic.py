"""Milliseconds per iteration of NEOLITHIC's quick-mode runs (001), beside a plain full-gradient floor.

    python benchmarks/bench_neolithic.py [--rounds 400] [--repeats 2]

Prints, in one run and on the same machine state (timings interleaved, the minimum over ``--repeats``):

* the floor, per problem of the quick notebooks: one full gradient ``grad f(x)`` as
  :func:`reproductions.neolithic.gradient_function` gives it (the per-iterate measure recorded by
  :func:`~reproductions.neolithic.run_budget`), and one stochastic oracle call (every worker's minibatch
  gradient: one row for the synthetic problems, 16 images for the MLP);
* per method (``make_method``: rand-1, R = 4 on the synthetic problems; top-5%, R = 2 on the MLP), ms per
  iteration of one run (``run_budget`` / ``run_classification``, the code paths of the notebooks'
  sweeps) with the BLAS thread count as found ("threads as found") and with one BLAS thread
  (:func:`reproductions.mcm.single_threaded_blas`, what the sweeps' jobs use since issue 10), and the
  share of the recorded ``||grad f(x^(k))||^2`` in a run (the same run with a zero gradient function);
* the quick sweeps' sizes: jobs and iterations, from the configurations the notebooks use.

One NEOLITHIC iteration costs R compression rounds and R oracle queries, so its ms per iteration is
about R times the others'. Not a test: the numbers depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import inspect
import os
import platform
import time
import warnings

import numpy as np


def _best(fn, repeats: int) -> float:
    """Minimum wall time of ``fn()`` over ``repeats`` calls (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _per_call_ms(fn, calls: int = 200) -> float:
    fn()
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400, help="compression rounds per timed run (budget T)")
    parser.add_argument("--repeats", type=int, default=2, help="timings per variant (the minimum is printed)")
    args = parser.parse_args()
    if args.rounds < 8 or args.repeats < 1:
        parser.error("--rounds must be >= 8 and --repeats >= 1")

    from threadpoolctl import threadpool_info, threadpool_limits

    from reference_impl.algorithms.base import TheoryRangeWarning
    from reference_impl.backends import NUMPY
    from reproductions import neolithic as NL

    warnings.filterwarnings("ignore", category=TheoryRangeWarning)
    threads = [i.get("num_threads") for i in threadpool_info()]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, BLAS threads as found "
          f"{threads}, load average {os.getloadavg()[0]:.2f}; budget {args.rounds} rounds per run, "
          f"minimum of {args.repeats}")

    synth = NL.synthetic_problems()
    problems = {name: (spec, ("rand", 1), 4, 1) for name, spec in synth.items()}
    mlp_spec = NL.problem_spec("mlp")
    mlp_d = NL.build_problem(mlp_spec).d
    problems["MLP on MNIST (r_sweep)"] = (mlp_spec, ("top", int(np.ceil(0.05 * mlp_d))), 2, 16)

    for pname, (spec, comp, R, batch) in problems.items():
        problem = NL.build_problem(spec)
        x0 = np.asarray(problem.x0(NUMPY), dtype=float)
        grad_fn = NL.gradient_function(problem)
        rng = np.random.default_rng(0)
        X = problem.broadcast(NUMPY, x0)
        rows = problem.sample_batch(rng, batch)
        print(f"\n{problem.name}: n = {problem.N}, d = {problem.d}, compressor {comp[0]}-{comp[1]}, R = {R}, "
              f"batch {batch}")
        print(f"  floor: full gradient {_per_call_ms(lambda: grad_fn(x0)):.3f} ms, oracle call (all workers) "
              f"{_per_call_ms(lambda: problem.stochastic_worker_grads(NUMPY, X, rows)):.3f} ms")
        mlp = pname.startswith("MLP")
        methods = ("P-SGD", "NEOLITHIC") if mlp else NL.METHODS + NL.EXTRA_METHODS
        print(f"  {'method':<16}{'ms/it (threads as found)':>26}{'ms/it (1 thread)':>18}{'recording share':>17}")
        for method in methods:
            gamma = (0.1 if mlp else NL.method_queries(method, R) * 2.0 ** -5 / problem.L)
            algo = NL.make_method(method, gamma, comp, rounds=R, batch=batch)
            K = args.rounds // NL.rounds_per_iteration(algo)
            if mlp:
                def one():
                    NL.run_classification(algo, problem, args.rounds, seed=1)
            else:
                def one(fn=grad_fn):
                    NL.run_budget(algo, problem, args.rounds, seed=1, grad_fn=fn)
            timings = {"found": [], "one": [], "bare": []}
            for _ in range(args.repeats):          # interleaved: found, one thread, one thread without recording
                timings["found"].append(_best(one, 1))
                with threadpool_limits(limits=1):
                    timings["one"].append(_best(one, 1))
                    if not mlp:
                        zero = np.zeros(problem.d)
                        timings["bare"].append(_best(lambda: NL.run_budget(algo, problem, args.rounds, seed=1,
                                                                          grad_fn=lambda x: zero), 1))
            found, single = min(timings["found"]) / K * 1e3, min(timings["one"]) / K * 1e3
            share = (f"{1 - min(timings['bare']) / min(timings['one']):>16.0%}" if timings["bare"] else f"{'-':>16}")
            print(f"  {method:<16}{found:>26.3f}{single:>18.3f} {share}")

    rs = NL.r_sweep_config(False)
    syn = NL.synthetic_config(False)
    Rs = inspect.signature(NL.r_sweep).parameters["Rs"].default
    jobs_r = rs["seeds"] * (1 + 2 * len(Rs) - (1 in Rs))       # P-SGD, both step rules per R (R = 1 shared)
    jobs_s = len(syn["problems"]) * len(NL.METHODS + NL.EXTRA_METHODS) * 8 * syn["seeds"]
    print(f"\nquick sweeps: r_sweep {jobs_r} runs of {rs['rounds']} rounds; synthetic_comparison {jobs_s} runs of "
          f"{syn['rounds']} rounds (8 step sizes per method; diverging steps stop early)")


if __name__ == "__main__":
    main()
