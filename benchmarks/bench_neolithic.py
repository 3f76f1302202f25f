"""Milliseconds per iteration of NEOLITHIC's quick-mode runs (001): one run, R stacked runs, R runs one by
one, beside a full-gradient and oracle-call floor; optionally the notebooks' whole sweeps both ways.

    python benchmarks/bench_neolithic.py [--rounds 400] [--repeats 2] [--runs 8] [--sweeps]

Prints, in one run and on the same machine state (timings interleaved, the minimum over ``--repeats``,
BLAS on one thread as the sweeps' jobs run it, :func:`reproductions.mcm.single_threaded_blas`):

* the floor, per problem of the quick notebooks: one full gradient ``grad f(x)``
  (:func:`reproductions.neolithic.gradient_function`, the per-iterate measure the synthetic runs record)
  and one stochastic oracle call (every worker's minibatch gradient: one row for the synthetic problems,
  16 images for the MLP);
* per method (``make_method``: rand-1, R = 4 on the synthetic problems; top-5%, R = 2 on the MLP), ms per
  iteration and run: **one run** (``run_budget`` / ``run_classification``), **R stacked runs** with R step
  sizes (``run_budget_stack`` / ``run_classification_stack``, issue 10: what the sweeps run now) and the
  **per-run path** (the same R runs one after the other, what the sweeps ran before); the speed-up is
  per-run over stacked;
* top-k's threshold on the MLP's shapes: a full ``np.partition`` (before) against
  :func:`~reference_impl.compressors.sparsification.kth_largest` (now);
* with ``--sweeps``: the wall time of each quick notebook's sweep (``synthetic_comparison``,
  ``transient_experiment``, ``r_sweep``), stacked and per run, with the default worker processes.

One NEOLITHIC iteration costs R compression rounds and R oracle queries, so its ms per iteration is
about R times the others'. Not a test: the numbers depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import functools
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


def _sweeps(NL) -> None:
    """The quick notebooks' sweeps, stacked and per run (interleaved), default worker processes."""
    variants = {
        "synthetic_comparison (neolithic_1)": lambda: NL.synthetic_comparison(**NL.synthetic_config(False)),
        "transient_experiment (neolithic_2)": lambda: NL.transient_experiment(False),
        "r_sweep (neolithic_3)": lambda: NL.r_sweep(**NL.r_sweep_config(False)),
    }
    run_jobs, run_cls = NL.run_jobs, NL.run_classification_jobs
    print(f"\nquick sweeps, {NL.default_workers()} worker processes: wall time stacked / per run")
    try:
        for name, fn in variants.items():
            times = {}
            for stack in (True, False):
                NL.run_jobs = functools.partial(run_jobs, stack=stack)
                NL.run_classification_jobs = functools.partial(run_cls, stack=stack)
                times[stack] = _best(fn, 1)
            print(f"  {name:<38}{times[True]:>8.1f} s{times[False]:>9.1f} s   x{times[False] / times[True]:.1f}")
    finally:
        NL.run_jobs, NL.run_classification_jobs = run_jobs, run_cls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400, help="compression rounds per timed run (budget T)")
    parser.add_argument("--repeats", type=int, default=2, help="timings per variant (the minimum is printed)")
    parser.add_argument("--runs", type=int, default=8, help="R, the stacked runs (step sizes) per method")
    parser.add_argument("--sweeps", action="store_true", help="also time the quick notebooks' whole sweeps")
    args = parser.parse_args()
    if args.rounds < 8 or args.repeats < 1 or args.runs < 2:
        parser.error("--rounds must be >= 8, --repeats >= 1 and --runs >= 2")

    from threadpoolctl import threadpool_limits

    import reference_impl.batched  # noqa: F401  (imported before the timings: the stacked path uses it)
    from reference_impl.algorithms.base import TheoryRangeWarning
    from reference_impl.backends import NUMPY
    from reference_impl.compressors.sparsification import kth_largest
    from reproductions import neolithic as NL

    warnings.filterwarnings("ignore", category=TheoryRangeWarning)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}; budget {args.rounds} rounds per run, R = {args.runs} stacked runs "
          f"(2 on the MLP: its sweep stacks 2 to 4), BLAS on 1 thread, minimum of {args.repeats}")

    problems = {name: (spec, ("rand", 1), 4, 1) for name, spec in NL.synthetic_problems().items()}
    mlp_spec = NL.problem_spec("mlp")
    mlp_d = NL.build_problem(mlp_spec).d
    problems["MLP on MNIST (r_sweep)"] = (mlp_spec, ("top", int(np.ceil(0.05 * mlp_d))), 2, 16)

    with threadpool_limits(limits=1):
        for pname, (spec, comp, R, batch) in problems.items():
            problem = NL.build_problem(spec)
            x0 = np.asarray(problem.x0(NUMPY), dtype=float)
            grad_fn = NL.gradient_function(problem)
            rng = np.random.default_rng(0)
            X = problem.broadcast(NUMPY, x0)
            rows = problem.sample_batch(rng, batch)
            mlp = pname.startswith("MLP")
            runs = 2 if mlp else args.runs
            print(f"\n{problem.name}: n = {problem.N}, d = {problem.d}, compressor {comp[0]}-{comp[1]}, R = {R}, "
                  f"batch {batch}")
            print(f"  floor: full gradient {_per_call_ms(lambda: grad_fn(x0)):.3f} ms, oracle call (all workers) "
                  f"{_per_call_ms(lambda: problem.stochastic_worker_grads(NUMPY, X, rows)):.3f} ms")
            print(f"  {'ms per iteration and run':<24}{'one run':>10}{f'{runs} stacked':>12}{'per run':>10}{'speed-up':>10}")
            for method in (("P-SGD", "NEOLITHIC") if mlp else NL.METHODS + NL.EXTRA_METHODS):
                base = 0.1 if mlp else NL.method_queries(method, R) * 2.0 ** -5 / problem.L
                gammas = [base * 2.0 ** -(j % 4) for j in range(runs)]
                make = functools.partial(NL.make_method, method, compressor_spec=comp, rounds=R, batch=batch)
                K = args.rounds // NL.rounds_per_iteration(make(base))
                seeds = list(range(1, runs + 1))
                if mlp:
                    def one():
                        NL.run_classification(make(base), problem, args.rounds, seed=1)

                    def stacked():
                        NL.run_classification_stack(make, problem, gammas, args.rounds, seeds)

                    def separate():
                        for g, s in zip(gammas, seeds):
                            NL.run_classification(make(g), problem, args.rounds, s)
                else:
                    def one():
                        NL.run_budget(make(base), problem, args.rounds, seed=1, grad_fn=grad_fn)

                    def stacked():
                        NL.run_budget_stack(make, problem, gammas, [args.rounds] * runs, seeds)

                    def separate():
                        for g, s in zip(gammas, seeds):
                            NL.run_budget(make(g), problem, args.rounds, s, grad_fn=grad_fn)
                t = {"one": [], "stacked": [], "separate": []}
                for _ in range(args.repeats):          # interleaved, so that all three meet the same load
                    t["one"].append(_best(one, 1))
                    t["stacked"].append(_best(stacked, 1))
                    t["separate"].append(_best(separate, 1))
                ms = {k: min(v) / K * 1e3 / (1 if k == "one" else runs) for k, v in t.items()}
                print(f"  {method:<24}{ms['one']:>10.3f}{ms['stacked']:>12.3f}{ms['separate']:>10.3f}"
                      f"{ms['separate'] / ms['stacked']:>9.1f}x")

        k = int(np.ceil(0.05 * mlp_d))
        print(f"\ntop-k threshold, k = {k} of d = {mlp_d} (the MLP's top-5%), per call:")
        for shape in ((8, mlp_d), (32, mlp_d)):
            A = np.abs(np.random.default_rng(1).standard_normal(shape))
            full = _per_call_ms(lambda: np.partition(A, mlp_d - k, axis=-1)[..., mlp_d - k:mlp_d - k + 1])
            fast = _per_call_ms(lambda: kth_largest(A, k))
            print(f"  {shape[0]:>2} rows: np.partition {full:.3f} ms (before), kth_largest {fast:.3f} ms (now), "
                  f"x{full / fast:.1f}")
    if args.sweeps:
        _sweeps(NL)


if __name__ == "__main__":
    main()
