"""NEOLITHIC: the nearly optimal algorithm of 001 (Double Squeeze with FCC and R-batch accumulation).

Huang, Chen, Yin, Yuan 2022, "Lower Bounds and Nearly Optimal Algorithms in Distributed Learning
with Communication Compression" (NeurIPS; arXiv 2206.03665), slides "NEOLITHIC: A nearly optimal
algorithm" (Algorithm 1 there). NEOLITHIC is Double Squeeze (Tang et al. 2019, slide "The backbone:
Double Squeeze"; :mod:`~reference_impl.algorithms.double_squeeze`) with two changes:

1. every compression is an R-round FCC (slide "Fast compressed communication (FCC)";
   :class:`~reference_impl.compressors.fcc.FCC`): ``c^(r) = C(v* - v^(r))``, ``v^(r+1) = v^(r) + c^(r)``,
   the receiver gets ``v^(R) = sum_r c^(r)`` with ``E||v^(R) - v*||^2 <= (1 - delta)^R ||v*||^2``
   (Lemma 1);
2. R-batch gradient accumulation balances the R compressions: ``g_i = (1/R) sum_r O_i(x; zeta_i^(k,r))``
   (:func:`~reference_impl.algorithms.psgd.oracle` with ``accumulate=R``).

One iteration k (``v_i = v = 0`` at the start)::

    on every worker:  g_i  = (1/R) sum_{r<R} O_i(x_k; zeta_i^(k,r))     gradient accumulation
                      gt_i = g_i + v_i                                    error compensation
                      c_i  = FCC(gt_i, C_i, R)  -> server                 R compressed messages
                      v_i <- gt_i - c_i
    on the server:    gt = (1/n) sum_i c_i + v
                      c  = FCC(gt, C_0, R)      -> all workers            (bidirectional)
                      v <- gt - c
    on every worker:  x_{k+1} = x_k - gamma * c

Unidirectional (``bidirectional=False``, ``C_0 = I``): ``c = gt = (1/n) sum_i c_i`` is broadcast in
float32 (``32 d`` bits, once: FCC with the identity sends everything in its first round and zeros
after) and ``v`` stays 0. Bidirectional: the server's message goes through
FCC with ``server_compressor`` (default: ``compressor``), its bits measured.

Compressors (slide "NEOLITHIC: A nearly optimal algorithm": "compatible with both unbiased and
contractive compression"): contractive ones as they are; an omega-unbiased ``C`` as the
(1/(1+omega))-contractive ``C/(1+omega)``
(:class:`~reference_impl.compressors.fcc.ScaledUnbiased`, via
:func:`~reference_impl.algorithms.mem_sgd.as_contractive`), so Theorem 4's ``1 + omega`` plays the
role of Theorem 3's ``1/delta``.

Budget (slide "NEOLITHIC: A nearly optimal algorithm", third version): each iteration makes R
gradient queries and R compression rounds, so a budget of T rounds is ``T/R`` iterations
(``compression_rounds_per_iteration = oracle_queries_per_iteration = R`` in
``Algorithm.params``). Uplink bits per iteration are the sum of
the R rounds' measured bits. With ``R = 1`` NEOLITHIC is Double Squeeze, step for step.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.algorithms.mem_sgd import as_contractive
from reference_impl.algorithms.bidirectional import run_total, stackable
from reference_impl.algorithms.psgd import (check_oracle, check_steps, check_positive_int, oracle, step_size,
                                            warn_gamma)
from reference_impl.compressors.base import Compressor
from reference_impl.compressors.fcc import FCC, MAX_ROUNDS
from reference_impl.validation import require_bool


class NeolithicState(NamedTuple):
    k: int
    x: Any
    v_workers: Any  # (N, d) the workers' errors v_i
    v_server: Any   # (d,) the server's error v (0 when unidirectional)


def neolithic(gamma, compressor: Compressor, rounds: int, bidirectional: bool = False,
              server_compressor: Compressor | None = None, batch=None, noise=0.0) -> Algorithm:
    """NEOLITHIC with learning rate ``gamma`` > 0, ``rounds`` = R >= 1 FCC rounds per compression.

    Args:
        gamma: learning rate, > 0 (a warning when >= 2/L).
        compressor: the workers' compressor C_i (contractive, or unbiased: then scaled by
            ``1/(1+omega)``, as FCC needs a contractive compressor).
        rounds: R, an integer >= 1: FCC rounds per message and gradient queries per iteration.
        bidirectional: compress the server's broadcast with FCC too (``C_0 = server_compressor``).
        server_compressor: C_0 when bidirectional (default: ``compressor``).
        batch: rows per minibatch oracle query (None: exact gradients).
        noise: standard deviation of additive Gaussian gradient noise per oracle query (>= 0).

    ``gamma`` may be R per-run step sizes for R stacked runs (:func:`~reference_impl.algorithms.psgd.step_size`);
    the step is run-agnostic when the compressors are (issue 10: worker axis -2, per-run bit totals).
    """
    check_steps(gamma)
    check_positive_int(rounds, "compression rounds R (rounds)", MAX_ROUNDS)
    check_oracle(batch, noise)
    R = int(rounds)
    up = FCC(as_contractive(compressor), R)
    down = None
    if server_compressor is not None:
        as_contractive(server_compressor, name="server_compressor")
    if require_bool("bidirectional", bidirectional):
        down = FCC(as_contractive(server_compressor if server_compressor is not None else compressor), R)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        warn_gamma(gamma, problem, "NEOLITHIC")
        return NeolithicState(0, problem.x0(xp), xp.zeros((problem.N, problem.d)), xp.zeros((problem.d,)))

    @stackable(up, *([down] if down is not None else []))
    def step(state, problem, xp, rng=None):
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise, accumulate=R)
        Gt = G + state.v_workers
        U = up(xp, Gt, rng)
        v_workers = Gt - U.values
        mean_up = xp.mean(U.values, axis=-2)
        overflow = run_total(U.overflow)
        if down is None:
            c, v_server, down_bits = mean_up, state.v_server, full_precision_bits(problem.d)
        else:
            gt = mean_up + state.v_server
            D = down(xp, gt[..., None, :], rng)
            c = D.values[..., 0, :]
            v_server = gt - c
            down_bits = run_total(D.bits)
            overflow = overflow + run_total(D.overflow)
        x_new = state.x - step_size(xp, gamma, c) * c
        info = StepInfo(x=x_new, uplink_bits=np.asarray(U.bits, dtype=np.int64), downlink_bits=down_bits,
                        uploads=all_uploads(problem.N), uplink=U.values, downlink=c, overflow=overflow)
        return NeolithicState(state.k + 1, x_new, v_workers, v_server), info

    name = "NEOLITHIC" + (" (bidirectional)" if bidirectional else "")
    return Algorithm(name, init, step, dict(gamma=gamma, rounds=R, compressor=up.name, bidirectional=bidirectional,
                                            server_compressor=down.name if down is not None else None,
                                            batch=batch, noise=noise, compression_rounds_per_iteration=R,
                                            oracle_queries_per_iteration=R))
