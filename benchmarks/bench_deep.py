"""One plain training step vs one simulated N-worker step (uncompressed, top-k + EF, QSGD) of a network.

    python benchmarks/bench_deep.py [--model mnist-cnn] [--workers 20] [--batch 32] [--repeats 20]
                                    [--device cpu|cuda] [--threads 0]

Prints, in one run and on the same machine state (median of ``--repeats`` timings after two warm-ups):

* **plain step**: one ``torch.nn`` forward/backward over the N x b images of the round, on one model
  (float32), plus ``torch.optim.SGD``'s update - what a non-distributed trainer does per step;
* **simulated uncompressed step**: the library's SGD (:func:`reference_impl.algorithms.sgd.sgd`) on
  :class:`~reference_impl.nn_problem.NeuralNetworkProblem`: the (N, d) per-worker gradients in one
  ``torch.func.vmap`` pass, the mean, the update (float64 backend, float32 network);
* **simulated compressed steps**: MEM-SGD (error feedback) with top-k 1% and QSGD(s = 4) uploads
  (:func:`reference_impl.algorithms.qsgd.qsgd`), each with measured bits;
* **compression alone** (top-k, QSGD) on the (N, d) float64 matrix against one memory pass over it
  (``X.clone()``: one read, one write).

The issue's goals: a simulated compressed step <= 1.3x the plain step, compression <= 2x one memory pass.
The ratios are printed beside the goals; nothing is asserted. Not a test: the numbers depend on the
machine and its load (a shared machine's load average is printed).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch

GOAL_STEP, GOAL_COMPRESSION = 1.3, 2.0


def timer(fn, repeats: int, sync) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls after two warm-up calls."""
    fn()
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mnist-cnn", help="a name of reference_impl.models.MODELS")
    parser.add_argument("--workers", type=int, default=20, help="N simulated workers")
    parser.add_argument("--batch", type=int, default=32, help="images per worker and step")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from reference_impl.algorithms.mem_sgd import mem_sgd
    from reference_impl.algorithms.qsgd import qsgd
    from reference_impl.algorithms.sgd import sgd
    from reference_impl.algorithms.base import TheoryRangeWarning
    from reference_impl.backends import torch_backend
    from reference_impl.compressors.qsgd import QSGD
    from reference_impl.compressors.sparsification import TopK
    from reference_impl.nn_problem import mnist_problem

    xp = torch_backend(args.device)
    sync = torch.cuda.synchronize if xp.device.type == "cuda" else (lambda: None)
    N, b = args.workers, args.batch
    P = mnist_problem(args.model, N, max(b, 64), test_rows=100, device=args.device, seed_name="bench-deep")
    rng = np.random.default_rng(0)
    rows = P.sample_batch(rng, b, replace=False)
    k = max(1, P.d // 100)
    gamma = 0.01

    # plain step on the same N b images
    w = torch.arange(N, device=xp.device)[:, None]
    idx = torch.as_tensor(rows, device=xp.device)
    imgs, labs = P.images[w, idx].reshape((-1,) + P.images.shape[2:]), P.labels[w, idx].reshape(-1)
    model = P.module
    opt = torch.optim.SGD(model.parameters(), lr=gamma)

    def plain():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(imgs), labs).backward()
        opt.step()

    def library_step(algo):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TheoryRangeWarning)
            state = [algo.init(P, xp)]
        r = np.random.default_rng(1)

        def step():
            state[0] = algo.step(state[0], P, xp, r)[0]
        return step

    t_plain = timer(plain, args.repeats, sync)
    t_sgd = timer(library_step(sgd(gamma, batch=b)), args.repeats, sync)
    t_topk = timer(library_step(mem_sgd(gamma, TopK(k), batch=b)), args.repeats, sync)
    t_qsgd = timer(library_step(qsgd(gamma, 4, batch=b)), args.repeats, sync)
    X = xp.asarray(np.random.default_rng(2).standard_normal((N, P.d)))
    t_mem = timer(lambda: X.clone(), args.repeats, sync)
    t_ctopk = timer(lambda: TopK(k)(xp, X), args.repeats, sync)
    qr = np.random.default_rng(3)
    t_cq = timer(lambda: QSGD(4)(xp, X, qr), args.repeats, sync)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    dev = torch.cuda.get_device_name(0) if xp.device.type == "cuda" else f"{platform.machine()} CPU"
    print(f"{args.model} (d = {P.d}), N = {N} workers x b = {b} images, device {dev}, torch threads "
          f"{torch.get_num_threads()}, load average {load:.1f}, median of {args.repeats}")
    print(f"{'step':44s} {'ms':>9s} {'x plain':>8s}")
    for name, t in (("plain step (one model, N b images)", t_plain), ("simulated SGD (uncompressed)", t_sgd),
                    (f"simulated MEM-SGD, top-k {k} (1%) + EF", t_topk), ("simulated QSGD, s = 4", t_qsgd)):
        print(f"{name:44s} {1e3 * t:9.2f} {t / t_plain:8.2f}")
    print(f"goal: a simulated compressed step <= {GOAL_STEP}x the plain step: top-k + EF "
          f"{t_topk / t_plain:.2f}x, QSGD {t_qsgd / t_plain:.2f}x")
    print(f"{'compression of the (N, d) matrix':44s} {'ms':>9s} {'x pass':>8s}")
    for name, t in (("one memory pass (X.clone())", t_mem), (f"top-k {k}", t_ctopk), ("QSGD s = 4 (with Elias bits)", t_cq)):
        print(f"{name:44s} {1e3 * t:9.2f} {t / t_mem:8.2f}")
    print(f"goal: compression <= {GOAL_COMPRESSION}x one memory pass: top-k {t_ctopk / t_mem:.1f}x, "
          f"QSGD {t_cq / t_mem:.1f}x")


if __name__ == "__main__":
    main()
