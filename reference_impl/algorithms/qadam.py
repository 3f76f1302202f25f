"""QAdam with error feedback (Chen, Shen, Huang, Wu, Liu 2020, "Quantized Adam with error feedback",
arXiv:2004.14180; [7] of the draft): the baseline the draft contrasts with.

Every worker keeps its own Adam moments of its own gradients and sends the compressed step, with a
worker-side error accumulator (the draft: "each local worker keeps a local copy of moment estimator m and
v, and compresses and transmits m/v as a whole")::

    m_i = beta_1 m_i + (1 - beta_1) g_i,   v_i = beta_2 v_i + (1 - beta_2) g_i^2
    (v_hat_i = max(v_hat_i, v_i) with amsgrad=True)
    p_i = eta_t m_i / sqrt(v_i + eps)  (or / (sqrt(v_i) + eps)) + e_i
    c_i = C(p_i),  e_i <- p_i - c_i,   upload c_i
    server: theta <- theta - (1/n) sum_i c_i,  broadcast theta

This is our reading of QAdam's worker side (the error is kept on the step ``eta_t u_i``, as MEM-SGD keeps
it on ``gamma g``); we did not implement QAdam's optional server-side quantization of the broadcast.
Bits: the compressor's per worker up, ``32 d`` down.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.amsgrad import (check_adaptive, check_compressor, check_eta, check_oracle, eta_at, oracle,
                                               scaled_direction)
from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.validation import require_bool


class QAdamState(NamedTuple):
    k: int
    x: Any
    m: Any       # (N, d)
    v: Any       # (N, d)
    v_hat: Any   # (N, d)
    e: Any       # (N, d)


def qadam(eta, compressor, beta_1=0.9, beta_2=0.999, eps=1e-8, eps_mode: str = "outside", amsgrad: bool = False,
          batch=None, noise=0.0) -> Algorithm:
    """QAdam with worker-side error feedback; arguments as :func:`~reference_impl.algorithms.compams.compams`.

    ``amsgrad=True`` uses the running max of each worker's ``v`` (AMSGrad) instead of ``v`` (Adam).
    """
    check_eta(eta)
    check_compressor(compressor)
    hp = check_adaptive(beta_1, beta_2, eps, eps_mode, False)
    amsgrad = require_bool("amsgrad", amsgrad)
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        z = xp.zeros((problem.N, problem.d))
        return QAdamState(0, problem.x0(xp), z, xp.copy(z), xp.copy(z), xp.copy(z))

    def step(state, problem, xp, rng=None):
        t = state.k + 1
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        b1, b2, one = xp.scalar(beta_1), xp.scalar(beta_2), xp.scalar(1)
        m = b1 * state.m + (one - b1) * G
        v = b2 * state.v + (one - b2) * G * G
        v_hat = xp.maximum(state.v_hat, v) if amsgrad else v
        P = xp.scalar(eta_at(eta, t)) * scaled_direction(xp, m, v_hat, hp) + state.e
        C = compressor(xp, P, rng)
        e = P - C.values
        x_new = state.x - xp.mean(C.values, axis=0)
        info = StepInfo(x=x_new, uplink_bits=np.asarray(C.bits, dtype=np.int64),
                        downlink_bits=full_precision_bits(problem.d), uploads=all_uploads(problem.N),
                        uplink=C.values, downlink=x_new, overflow=int(np.sum(C.overflow)))
        return QAdamState(t, x_new, m, v, v_hat, e), info

    return Algorithm("QAdam (EF)", init, step, dict(eta=eta if not callable(eta) else "schedule",
                                                    compressor=compressor.name, beta_1=beta_1, beta_2=beta_2,
                                                    eps=eps, eps_mode=eps_mode, amsgrad=amsgrad, batch=batch,
                                                    noise=noise))
