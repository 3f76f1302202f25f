"""Deep-learning experiments of 004 (MCM) and 001 (NEOLITHIC) on one neural-network problem.

Every run trains a :class:`~reference_impl.nn_problem.NeuralNetworkProblem` with an algorithm file of
:mod:`reference_impl.algorithms`, unchanged, through :func:`reference_impl.runner.run` (atomic CSVs,
statuses, resume); the test accuracy of the final model is stored beside each run's CSV
(``<label>.eval.json``, written atomically, keyed by the run's ``run_key``).

* :func:`mcm_mnist_table` - 004's nonconvex table, MNIST column: SGD, DIANA, MCM, Artemis, Dore with
  QSGD s = 4 (l2 norm) both ways, on the authors' MNIST CNN (``d = 21840``), N = 20 i.i.d. workers,
  minibatch 128 per worker, step 0.1, no momentum (the authors' public code,
  ``src/deeplearning/NonConvexSettings.py`` and ``main_DL.py``: ``nb_devices = 20``, ``batch_sizes["mnist"]
  = 128``, ``optimal_steps_size["mnist"] = 0.1``, ``momentums["mnist"] = 0``, ``quantization_levels["mnist"]
  = 4``, ``norm_quantization = 2``, 300 epochs). Quick and full mode shrink the data, batch and length
  (``MCM_CONFIG``).
* :func:`neolithic_tables` - 001's CIFAR-10 tables on the MNIST substitute: P-SGD, MEM-SGD, Double
  Squeeze, EF21-SGD, NEOLITHIC (R = 2) with top-k 5% and 1%; P-SGD, QSGD, MEM-SGD, Double Squeeze,
  NEOLITHIC with 4-bit quantization (QSGD, s = 16 levels); NEOLITHIC's R sweep. 8 workers. The same
  budget rule as the CPU substitute of :func:`reproductions.neolithic.r_sweep`: a budget of T compression
  rounds (= oracle queries) per worker; NEOLITHIC with R runs ``T // R`` iterations, each accumulating
  R minibatches. Network: a ResNet-20-style network (:func:`reference_impl.models.resnet20`) in full mode;
  LeNet-5 in quick mode (a ResNet on 2 CPU cores does not fit the notebook's time; see
  ``NEOLITHIC_CONFIG``).
"""
from __future__ import annotations

import contextlib
import json
import math
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from reference_impl.algorithms.base import Algorithm, TheoryRangeWarning
from reference_impl.backends import torch_backend
from reference_impl.nn_problem import NeuralNetworkProblem, mnist_problem
from reference_impl.runner import atomic_write, run, seed_from_names
from reproductions.figures import Figure

PAPER_MCM, PAPER_NEOLITHIC = "mcm", "neolithic"

#: 004's MNIST setting as the authors' code runs it, and our quick / full sizes. ``rows``: training
#: images per worker (the authors: 60000 / 20 = 3000); ``iterations``: rounds (the authors: 300 epochs
#: of 3000 / 128 = 23.4 rounds, i.e. about 7000 rounds).
MCM_AUTHORS = dict(model="mnist-cnn", N=20, split="iid", rows=3000, batch=128, gamma=0.1, levels=4, epochs=300)
MCM_CONFIG = {
    False: dict(model="mnist-cnn", N=10, split="iid", rows=64, batch=32, gamma=0.1, levels=4, iterations=100,
                record_every=50, test_rows=2000),
    True: dict(model="mnist-cnn", N=20, split="iid", rows=300, batch=32, gamma=0.1, levels=4, iterations=500,
               record_every=100, test_rows=10000),
}
MCM_ALGORITHMS = ("SGD", "DIANA", "MCM", "Artemis", "Dore")

#: 001's CIFAR-10 setting (8 workers, minibatch 128, R = 2, top-k 5% / 1%, 4-bit quantization) and our
#: substitute sizes. ``rounds``: the budget T of compression rounds per worker.
NEOLITHIC_SLIDES = dict(model="ResNet-18 / ResNet-20", data="CIFAR-10", N=8, batch=128, R=2, ratios=(0.05, 0.01),
                        qsgd_levels=16)
NEOLITHIC_CONFIG = {
    False: dict(model="lenet", N=8, split="iid", rows=100, batch=16, gamma=0.1, rounds=100, R=2, Rs=(1, 2, 4),
                ratios=(0.05,), qsgd_levels=16, test_rows=2000, record_every=50),
    True: dict(model="resnet20-w8", N=8, split="iid", rows=500, batch=32, gamma=0.05, rounds=600, R=2,
               Rs=(1, 2, 3, 4, 5), ratios=(0.05, 0.01), qsgd_levels=16, test_rows=10000, record_every=60),
}
TOPK_METHODS = ("P-SGD", "MEM-SGD", "Double Squeeze", "EF21-SGD", "NEOLITHIC")
QUANT_METHODS = ("P-SGD", "QSGD", "MEM-SGD", "Double Squeeze", "NEOLITHIC")


def default_backend():
    """torch on CUDA when a GPU is at hand, else on the CPU."""
    import torch

    return torch_backend("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def cpu_threads(n: int = 1):
    """torch's CPU thread count set to ``n`` inside the block (restored after). The networks here are small:
    on 2 shared cores two intra-op threads per process spent 3 to 10 times more CPU time per step than one."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


# -- one run ---------------------------------------------------------------------------------------------------
def keep_final(algorithm: Algorithm) -> tuple[Algorithm, dict]:
    """The same algorithm (same name, parameters, steps) that also keeps its last iterate in ``box["x"]``."""
    box: dict[str, Any] = {}

    def step(state, problem, xp, rng):
        state, info = algorithm.step(state, problem, xp, rng)
        box["x"] = info.x
        return state, info

    return Algorithm(algorithm.name, algorithm.init, step, algorithm.params), box


def train(label: str, algorithm: Algorithm, problem: NeuralNetworkProblem, iterations: int, *, xp=None,
          out_dir: Path | None = None, record_every: int = 50, seed: int | None = None) -> dict:
    """Run ``algorithm`` on ``problem`` for ``iterations`` rounds with the runner; evaluate the final model.

    Returns the final training loss (the runner's last ``loss_gap``: ``f* = 0``), full-gradient norm, test and
    train accuracy, status, wall time and the loss curve. With ``out_dir`` the run's CSV/sidecar and
    ``<label>.eval.json`` go there, and a finished run with the same commit, parameters and seed is reused.
    """
    xp = xp or default_backend()
    seed = seed_from_names(label, problem.name) if seed is None else seed
    wrapped, box = keep_final(algorithm)
    csv = Path(out_dir) / f"{label}.csv" if out_dir else None
    with warnings.catch_warnings(), cpu_threads(1) if xp.device.type == "cpu" else contextlib.nullcontext():
        # L = inf for a network: the step-size warnings (gamma >= 2/L, theory limits) always fire; see nn_problem
        warnings.simplefilter("ignore", TheoryRangeWarning)
        hist = run(wrapped, problem, iterations, xp=xp, seed=seed, csv_path=csv, record_every=record_every,
                   extra_meta=dict(label=label))
        ev = _stored_eval(csv, hist.meta) if hist.meta.get("reused") else None
        if ev is None and "x" not in box:            # reused CSV without its evaluation: recompute the run
            hist = run(wrapped, problem, iterations, xp=xp, seed=seed, csv_path=csv, record_every=record_every,
                       extra_meta=dict(label=label), resume=False)
    if ev is None:
        x = box["x"]
        finite = bool(np.all(np.isfinite(xp.to_numpy(x))))
        ev = dict(run_key=hist.meta["run_key"],
                  test_accuracy=problem.accuracy(x) if finite and problem.test is not None else math.nan,
                  train_accuracy=problem.accuracy(x, "train") if finite else math.nan)
        if csv is not None:
            with atomic_write(_eval_path(csv)) as fh:
                json.dump(ev, fh, indent=2)
    return dict(label=label, algorithm=algorithm.name, status=hist.status, iterations=int(hist["k"][-1]),
                train_loss=float(hist["loss_gap"][-1]), grad_norm=float(hist["grad_norm"][-1]),
                test_accuracy=ev["test_accuracy"], train_accuracy=ev["train_accuracy"],
                uplink_bits=int(hist["cum_uplink_bits"][-1]), downlink_bits=int(hist["cum_downlink_bits"][-1]),
                wall_time_s=float(hist.meta.get("wall_time_s", math.nan)), seed=int(seed),
                k=hist["k"].tolist(), loss=hist["loss_gap"].tolist())


def _eval_path(csv: Path) -> Path:
    return Path(str(csv)[: -len(".csv")] + ".eval.json")


def _stored_eval(csv, meta) -> dict | None:
    try:
        ev = json.loads(_eval_path(Path(csv)).read_text())
    except (OSError, ValueError, TypeError):
        return None
    return ev if ev.get("run_key") == meta.get("run_key") else None


# -- 004: the nonconvex table, MNIST column ----------------------------------------------------------------
def mcm_problem(cfg: dict, xp=None) -> NeuralNetworkProblem:
    xp = xp or default_backend()
    return mnist_problem(cfg["model"], cfg["N"], cfg["rows"], split=cfg["split"], test_rows=cfg["test_rows"],
                         seed_name="mcm-mnist-cnn", device=xp.device.type)


def mcm_algorithm(name: str, cfg: dict, blocks: Sequence[int] | None = None) -> Algorithm:
    """004's algorithm ``name`` (:func:`reproductions.mcm.make_algorithm`) with QSGD(s) up and down; with
    ``blocks`` (the network's parameter tensors) layer-wise, as the authors' code compresses."""
    from reference_impl.compressors.layerwise import Layerwise
    from reference_impl.compressors.qsgd import QSGD
    from reproductions.mcm import make_algorithm

    def comp():
        s = cfg["levels"]
        return QSGD(s) if blocks is None else Layerwise(lambda: QSGD(s), blocks)
    return make_algorithm(name, cfg["gamma"], up=comp(), down=comp(), batch=cfg["batch"])


def mcm_mnist_table(full: bool = False, out_dir: Path | None = None, xp=None,
                    algorithms: Sequence[str] = MCM_ALGORITHMS, cfg: dict | None = None) -> dict:
    """The five algorithms of 004's nonconvex table on the MNIST CNN: final train loss and test accuracy."""
    cfg = dict(cfg or MCM_CONFIG[bool(full)])
    xp = xp or default_backend()
    problem = mcm_problem(cfg, xp)
    rows = {}
    for name in algorithms:
        rows[name] = train(_slug(name), mcm_algorithm(name, cfg, problem.layer_sizes), problem, cfg["iterations"], xp=xp,
                           out_dir=out_dir, record_every=cfg["record_every"],
                           seed=seed_from_names(PAPER_MCM, "mnist-cnn", name))
    epochs = cfg["iterations"] * cfg["batch"] / cfg["rows"]
    return dict(config=cfg, d=problem.d, problem=problem.name, epochs=epochs, rows=rows, device=_device(xp))


# -- 001: the CIFAR-10 tables on the MNIST substitute -------------------------------------------------------
def neolithic_problem(cfg: dict, xp=None) -> NeuralNetworkProblem:
    xp = xp or default_backend()
    return mnist_problem(cfg["model"], cfg["N"], cfg["rows"], split=cfg["split"], test_rows=cfg["test_rows"],
                         seed_name="neolithic-dl-substitute", device=xp.device.type)


def neolithic_algorithm(name: str, gamma: float, compressor, R: int, batch: int) -> Algorithm:
    """001's method ``name`` (:func:`reproductions.neolithic.make_method` for top-k; the same factories with
    a QSGD compressor, scaled to a contractive one where error feedback needs it, for quantization)."""
    from reference_impl.compressors.fcc import ScaledUnbiased
    from reproductions.neolithic import make_method

    if compressor[0] == "top":
        return make_method(name, gamma, compressor, rounds=R, batch=batch)
    from reference_impl.algorithms.double_squeeze import double_squeeze
    from reference_impl.algorithms.mem_sgd import mem_sgd
    from reference_impl.algorithms.neolithic import neolithic
    from reference_impl.compressors.qsgd import QSGD

    levels = int(compressor[1])
    if name in ("P-SGD", "QSGD"):
        return make_method(name, gamma, batch=batch, qsgd_levels=levels)
    if name == "MEM-SGD":
        return mem_sgd(gamma, QSGD(levels), batch=batch)
    if name == "Double Squeeze":
        return double_squeeze(gamma, ScaledUnbiased(QSGD(levels)), ScaledUnbiased(QSGD(levels)), batch=batch)
    if name == "NEOLITHIC":
        return neolithic(gamma, QSGD(levels), int(R), bidirectional=True, batch=batch)
    raise ValueError(f"method must be one of {QUANT_METHODS}, got {name!r}")


def _budget_run(name, compressor, R, cfg, problem, xp, out_dir, cache, gamma=None):
    """One method at the budget of ``cfg["rounds"]`` compression rounds (NEOLITHIC: ``rounds // R`` iterations)."""
    from reproductions.neolithic import rounds_per_iteration

    gamma = cfg["gamma"] if gamma is None else gamma
    key = (name, compressor if name != "P-SGD" else None, R if name == "NEOLITHIC" else None, gamma)
    if key not in cache:
        algo = neolithic_algorithm(name, gamma, compressor, R, cfg["batch"])
        iterations = cfg["rounds"] // rounds_per_iteration(algo)
        label = _slug("-".join(str(k) for k in key if k is not None))
        cache[key] = train(label, algo, problem, iterations, xp=xp, out_dir=out_dir,
                           record_every=max(1, cfg["record_every"] // rounds_per_iteration(algo)),
                           seed=seed_from_names(PAPER_NEOLITHIC, "dl-substitute", label))
    return cache[key]


def neolithic_tables(full: bool = False, out_dir: Path | None = None, xp=None, cfg: dict | None = None) -> dict:
    """Table 1 (top-k 5% / 1%), Table 2 (QSGD s = 16) and the R sweep (top-k 5%, constant step) of 001."""
    cfg = dict(cfg or NEOLITHIC_CONFIG[bool(full)])
    xp = xp or default_backend()
    problem = neolithic_problem(cfg, xp)
    cache: dict = {}
    ks = {r: max(1, math.ceil(r * problem.d)) for r in cfg["ratios"]}
    topk = {f"{round(100 * r)}%": {m: _budget_run(m, ("top", ks[r]), cfg["R"], cfg, problem, xp, out_dir, cache)
                                    for m in TOPK_METHODS if not (m == "P-SGD" and r != cfg["ratios"][0])}
            for r in cfg["ratios"]}
    quant = {m: _budget_run(m, ("qsgd", cfg["qsgd_levels"]), cfg["R"], cfg, problem, xp, out_dir, cache)
             for m in QUANT_METHODS}
    ratio = cfg["ratios"][0]
    r_sweep = {R: _budget_run("NEOLITHIC", ("top", ks[ratio]), R, cfg, problem, xp, out_dir, cache) for R in cfg["Rs"]}
    return dict(config={k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.items()}, d=problem.d,
                problem=problem.name, k={f"{round(100 * r)}%": k for r, k in ks.items()}, topk=topk, quant=quant,
                r_sweep={str(R): v for R, v in r_sweep.items()}, device=_device(xp))


# -- helpers and the figure registry --------------------------------------------------------------------------
def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def _device(xp) -> str:
    from reference_impl.runner import device_description

    return device_description(xp)


def _figure_mcm(full: bool, out: Path) -> dict:
    start = time.perf_counter()
    res = mcm_mnist_table(full, out)
    return dict(res, wall_time_s=time.perf_counter() - start)


def _figure_neolithic(full: bool, out: Path) -> dict:
    start = time.perf_counter()
    res = neolithic_tables(full, out)
    return dict(res, wall_time_s=time.perf_counter() - start)


FIGURES = [
    Figure("mcm-mnist-cnn", PAPER_MCM, "Nonconvex table, MNIST column: SGD, DIANA, MCM, Artemis, Dore on the "
           "authors' MNIST CNN (d = 21840), QSGD s = 4", "mcm_5_mnist_cnn", _figure_mcm),
    Figure("neolithic-dl-substitute", PAPER_NEOLITHIC, "CIFAR-10 tables (top-k 5%/1%, 4-bit quantization, R sweep) "
           "on the MNIST substitute", "neolithic_4_mnist_substitute", _figure_neolithic),
]
