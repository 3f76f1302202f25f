"""Double Squeeze: error feedback on both directions (Tang, Yu, Lian, Zhang and Liu 2019,
"DoubleSqueeze: Parallel Stochastic Gradient Descent with Double-pass Error-Compensated
Compression", ICML; identical to Dist-EF-SGD of Zheng, Huang and Kwok 2019), a baseline of 004
(table "Features of the main existing algorithms": e_k^i and E_k, degraded update).

Round k (gradients ``g_i`` at the shared model ``w_k``, exact or a minibatch)::

    worker i:  v_i = g_i + delta_i;   u_i = C_up(v_i);   delta_i <- v_i - u_i       upload u_i
    server:    v = (1/N) sum_i u_i + delta;   u = C_down(v);   delta <- v - u     broadcast u
    everyone:  w_{k+1} = w_k - gamma u

Any compressors work (unbiased or contractive/biased, e.g. top-k): error feedback is what makes
biased compressors converge. ``bidirectional=False`` is the uplink-only version (error feedback on
the workers only, the server broadcasts ``(1/N) sum_i u_i`` in full precision, ``32 d`` bits; the
error-compensated SGD of Stich et al. 2018 / Karimireddy et al. 2019 in its distributed form), reused
by work 001. No memories, so no full-precision first upload. With identity compressors the errors stay
exactly 0 and the algorithm is SGD bit for bit. The compression rule is
:func:`~reference_impl.algorithms.bidirectional.compress_shifted` (no shift, error scale 1).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, full_precision_bits, require
from reference_impl.algorithms.bidirectional import (check_batch, check_batch_problem, check_compressor,
                                                     check_gamma, compress_shifted, local_gradients,
                                                     run_total, stackable, warn_gamma)
from reference_impl.algorithms.psgd import check_each, largest, step_size
from reference_impl.validation import require_bool


class DoubleSqueezeState(NamedTuple):
    k: int
    w: Any
    delta_up: Any     # (N, d) the workers' errors
    delta_down: Any   # (1, d) the server's error (None when uplink-only)


def double_squeeze(gamma, up, down=None, batch=None, *, bidirectional=True) -> Algorithm:
    """Double Squeeze with step ``gamma`` and compressors ``up``, ``down`` (any kind).

    Args:
        gamma: step size, > 0 (a warning when gamma >= 2/L).
        up: uplink compressor (unbiased or contractive).
        down: downlink compressor; required when ``bidirectional``, must be None otherwise.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        bidirectional: False for the uplink-only version (full-precision broadcast).

    ``gamma`` may be R per-run step sizes for R stacked runs (a step-size sweep advanced as one
    computation, :func:`~reference_impl.algorithms.psgd.step_size`).
    """
    check_each(check_gamma, gamma)
    check_compressor(up, "up", unbiased=False)
    if require_bool("bidirectional", bidirectional):
        check_compressor(down, "down", unbiased=False)
    else:
        require(down is None, f"down must be None when bidirectional=False (uplink only), got {down!r}")
    check_batch(batch)
    name = "DoubleSqueeze" if bidirectional else "EF-SGD"

    def init(problem, xp):
        check_batch_problem(batch, problem)
        warn_gamma(largest(gamma), problem, name)
        return DoubleSqueezeState(0, problem.x0(xp), xp.zeros((problem.N, problem.d)),
                                  xp.zeros((1, problem.d)) if bidirectional else None)

    @stackable(up, *([down] if bidirectional else []))
    def step(state, problem, xp, rng):
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w), rng, batch)
        ul = compress_shifted(xp, up, G, None, 0, rng, error=state.delta_up)
        g = xp.mean(ul.recon, axis=-2)
        if bidirectional:
            dl = compress_shifted(xp, down, g[..., None, :], None, 0, rng, error=state.delta_down)
            u, down_bits, delta_down, overflow = dl.recon[..., 0, :], run_total(dl.bits), dl.error, dl.overflow
        else:
            u, down_bits, delta_down, overflow = g, full_precision_bits(problem.d), None, 0
        w = state.w - step_size(xp, gamma, u) * u
        info = StepInfo(x=w, uplink_bits=ul.bits, downlink_bits=down_bits,
                        uploads=np.ones(problem.N, dtype=bool), uplink=ul.values, downlink=u,
                        overflow=ul.overflow + overflow)
        return DoubleSqueezeState(state.k + 1, w, ul.error, delta_down), info

    return Algorithm(name, init, step, dict(gamma=gamma, up=up, down=down, batch=batch,
                                           bidirectional=bidirectional))
