"""SPARS-AMS on a single machine (002, Algorithm 2): AMSGrad on compressed gradients with error feedback.

One machine, no communication. Each iteration samples a component ``i_t`` uniformly (the problem's
workers play the components ``f_i`` of the finite sum (1)) and uses its stochastic gradient::

    g_t = g_{t, i_t}  at theta_t
    g~_t = C(g_t + e_t),  e_{t+1} = e_t + g_t - g~_t
    m_t, v_t, v_hat_t and theta_t as lines 7-10 (the AMSGrad update of
    :func:`~reference_impl.algorithms.amsgrad.server_update`)

Randomness: ``i_t`` is drawn with ``rng.integers`` before the gradient, only when the problem has more
than one component; on a one-component problem no draw is made, so Algorithm 2 then consumes the
generator exactly like Algorithm 1 with n = 1 and the two runs are equal bit for bit (tested).
Bits: none are communicated (uplink 0, downlink 0).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.amsgrad import (check_adaptive, check_compressor, check_eta, check_oracle, eta_at,
                                               oracle, server_update)
from reference_impl.algorithms.base import Algorithm, StepInfo
from reference_impl.validation import require_bool


class SingleState(NamedTuple):
    k: int
    x: Any
    e: Any   # (d,)
    m: Any
    v: Any
    v_hat: Any


def compams_single(eta, compressor, beta_1=0.9, beta_2=0.999, eps=1e-8, eps_mode: str = "outside",
                   error_feedback: bool = True, bias_correction: bool = False, batch=None, noise=0.0) -> Algorithm:
    """Algorithm 2 of 002 (arguments as :func:`~reference_impl.algorithms.compams.compams`)."""
    check_eta(eta)
    check_compressor(compressor)
    hp = check_adaptive(beta_1, beta_2, eps, eps_mode, bias_correction)
    error_feedback = require_bool("error_feedback", error_feedback)
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        z = xp.zeros((problem.d,))
        return SingleState(0, problem.x0(xp), xp.copy(z), z, xp.copy(z), xp.copy(z))

    def step(state, problem, xp, rng=None):
        t = state.k + 1
        i_t = int(rng.integers(problem.N)) if problem.N > 1 else 0
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        g = G[i_t:i_t + 1]
        if error_feedback:
            P = g + state.e[None, :]
            C = compressor(xp, P, rng)
            e_new = (P - C.values)[0]
        else:
            C = compressor(xp, g, rng)
            e_new = state.e
        m, v, v_hat, direction = server_update(xp, state.m, state.v, state.v_hat, C.values[0], t, hp)
        x_new = state.x - xp.scalar(eta_at(eta, t)) * direction
        info = StepInfo(x=x_new, uplink_bits=np.zeros(problem.N, dtype=np.int64), downlink_bits=0,
                        uploads=np.zeros(problem.N, dtype=bool), uplink=None, downlink=None)
        return SingleState(t, x_new, e_new, m, v, v_hat), info

    return Algorithm("SPARS-AMS (single machine)", init, step,
                     dict(eta=eta if not callable(eta) else "schedule", compressor=compressor.name, beta_1=beta_1,
                          beta_2=beta_2, eps=eps, eps_mode=eps_mode, error_feedback=error_feedback,
                          bias_correction=bias_correction, batch=batch, noise=noise))
