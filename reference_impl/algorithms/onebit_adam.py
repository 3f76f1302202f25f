"""1-bit Adam (Tang, Gan, Awan, Rajbhandari, Li, Lian, Liu, Zhang, He 2021, "1-bit Adam:
Communication efficient large-scale training with Adam's convergence speed", ICML).

Two stages:

* warm-up, ``t <= warmup``: full-precision distributed Adam (the workers upload ``g_i`` in float32, the
  server averages and updates ``m`` and ``v``);
* compression stage: ``v`` is frozen at its warm-up value (the "variance is stable" observation of the
  paper) and only the momentum is exchanged, compressed, with error feedback on both sides::

      m_i = beta_1 m + (1 - beta_1) g_i                       (each worker, from the last shared m)
      c_i = C(m_i + e_i),  e_i <- m_i + e_i - c_i             worker error feedback, upload c_i
      c   = C((1/n) sum_i c_i + e_s),  e_s <- ... - c         server error feedback, broadcast c
      m <- c,  theta <- theta - eta_t m / sqrt(v + eps)       (or / (sqrt(v) + eps))

The paper uses the scaled sign (1 bit per coordinate plus a scale) both ways; any compressor is allowed
here. Bits: warm-up ``32 d`` up per worker and ``32 d`` down; then the compressor's bits both ways.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.amsgrad import (check_adaptive, check_compressor, check_eta, check_oracle, eta_at, oracle,
                                               scaled_direction)
from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.validation import require_int_in_range


class OneBitAdamState(NamedTuple):
    k: int
    x: Any
    m: Any      # (d,) shared momentum
    v: Any      # (d,) second moment (frozen after the warm-up)
    e: Any      # (N, d) worker errors
    e_s: Any    # (d,) server error


def onebit_adam(eta, compressor, warmup: int, beta_1=0.9, beta_2=0.999, eps=1e-8, eps_mode: str = "outside",
                batch=None, noise=0.0) -> Algorithm:
    """1-bit Adam with ``warmup`` >= 0 full-precision Adam steps, then compressed momentum with two-sided EF."""
    check_eta(eta)
    check_compressor(compressor)
    hp = check_adaptive(beta_1, beta_2, eps, eps_mode, False)
    warmup = require_int_in_range("warmup", warmup, 0, spec="an integer >= 0 (full-precision Adam steps)")
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        z = xp.zeros((problem.d,))
        return OneBitAdamState(0, problem.x0(xp), z, xp.copy(z), xp.zeros((problem.N, problem.d)), xp.copy(z))

    def step(state, problem, xp, rng=None):
        t = state.k + 1
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        b1, b2, one = xp.scalar(beta_1), xp.scalar(beta_2), xp.scalar(1)
        full = full_precision_bits(problem.d)
        if t <= warmup:
            g = xp.mean(G, axis=0)
            m = b1 * state.m + (one - b1) * g
            v = b2 * state.v + (one - b2) * g * g
            e, e_s = state.e, state.e_s
            up, down, uplink = np.full(problem.N, full, dtype=np.int64), full, G
        else:
            M = b1 * state.m[None, :] + (one - b1) * G
            P = M + state.e
            C = compressor(xp, P, rng)
            e = P - C.values
            ps = xp.mean(C.values, axis=0) + state.e_s
            Cs = compressor(xp, ps[None, :], rng)
            m, e_s, v = Cs.values[0], ps - Cs.values[0], state.v
            up, down, uplink = np.asarray(C.bits, dtype=np.int64), int(Cs.bits[0]), C.values
        x_new = state.x - xp.scalar(eta_at(eta, t)) * scaled_direction(xp, m, v, hp)
        info = StepInfo(x=x_new, uplink_bits=up, downlink_bits=down, uploads=all_uploads(problem.N),
                        uplink=uplink, downlink=m)
        return OneBitAdamState(t, x_new, m, v, e, e_s), info

    return Algorithm("1-bit Adam", init, step, dict(eta=eta if not callable(eta) else "schedule",
                                                    compressor=compressor.name, warmup=warmup, beta_1=beta_1,
                                                    beta_2=beta_2, eps=eps, eps_mode=eps_mode, batch=batch,
                                                    noise=noise))
