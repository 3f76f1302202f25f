"""SPARS-AMS / COMP-AMS: distributed AMSGrad on compressed gradients with error feedback (002, Algorithm 1).

The draft "Sparsified Distributed Adaptive Learning with Error Feedback" (later COMP-AMS, Li, Karimi, Li,
ICLR 2022). The workers only compute gradients; the moments live on the server::

    worker i:  g~_{t,i} = C(g_{t,i} + e_{t,i})              (line 7: TopK in the draft; any compressor here)
               e_{t+1,i} = e_{t,i} + g_{t,i} - g~_{t,i}      (line 8, computed as (g + e) - g~)
               upload g~_{t,i}
    server:    g_bar = (1/n) sum_i g~_{t,i}, then the AMSGrad update of lines 13-16
               (:func:`~reference_impl.algorithms.amsgrad.server_update`), broadcast theta_t.

``error_feedback=False`` is "Top-k AMSGrad without error feedback" (the draft's failing baseline):
``g~ = C(g)`` and no memory. ``eps_mode`` chooses the draft's ``m / sqrt(v_hat + eps)`` ("inside") or
the authors' code's ``m / (sqrt(v_hat) + eps)`` ("outside", the default, with beta = (0.9, 0.999),
eps = 1e-8 and no bias correction, as in ``BelhalK/baiduresearch``).

Bits: the compressor's measured bits per worker up; the model broadcast, ``32 d``, down.

Reductions (tested): the identity compressor with error feedback keeps ``e = 0`` and is distributed
AMSGrad (:func:`~reference_impl.algorithms.amsgrad.amsgrad`) bit for bit; Top-k with ``k = d`` is the
identity; on a one-worker problem it is Algorithm 2 (:mod:`~reference_impl.algorithms.compams_single`).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.amsgrad import (check_adaptive, check_compressor, check_eta, check_oracle, eta_at,
                                               oracle, server_update)
from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.validation import require_bool


class CompAMSState(NamedTuple):
    k: int
    x: Any
    e: Any       # (N, d) worker error accumulators
    m: Any
    v: Any
    v_hat: Any


def compams(eta, compressor, beta_1=0.9, beta_2=0.999, eps=1e-8, eps_mode: str = "outside",
            error_feedback: bool = True, bias_correction: bool = False, batch=None, noise=0.0) -> Algorithm:
    """Algorithm 1 of 002 with compressor ``compressor`` (Top-k, Block-Sign, rand-k, ...).

    Args:
        eta: step size > 0 or a callable ``t -> eta_t`` (the draft's eta_t).
        compressor: a :class:`~reference_impl.compressors.base.Compressor` applied to ``g + e``.
        beta_1, beta_2, eps, eps_mode, bias_correction: as :func:`~reference_impl.algorithms.amsgrad.amsgrad`.
        error_feedback: keep the error accumulators (True, the draft) or compress g alone (False).
        batch: rows per minibatch gradient per worker (None: exact local gradients).
        noise: standard deviation of additive Gaussian gradient noise (>= 0).
    """
    check_eta(eta)
    check_compressor(compressor)
    hp = check_adaptive(beta_1, beta_2, eps, eps_mode, bias_correction)
    error_feedback = require_bool("error_feedback", error_feedback)
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        z = xp.zeros((problem.d,))
        return CompAMSState(0, problem.x0(xp), xp.zeros((problem.N, problem.d)), z, xp.copy(z), xp.copy(z))

    def step(state, problem, xp, rng=None):
        t = state.k + 1
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        if error_feedback:
            P = G + state.e
            C = compressor(xp, P, rng)
            e_new = P - C.values
        else:
            C = compressor(xp, G, rng)
            e_new = state.e
        g_bar = xp.mean(C.values, axis=0)
        m, v, v_hat, direction = server_update(xp, state.m, state.v, state.v_hat, g_bar, t, hp)
        x_new = state.x - xp.scalar(eta_at(eta, t)) * direction
        info = StepInfo(x=x_new, uplink_bits=np.asarray(C.bits, dtype=np.int64),
                        downlink_bits=full_precision_bits(problem.d), uploads=all_uploads(problem.N),
                        uplink=C.values, downlink=x_new, overflow=int(np.sum(C.overflow)))
        return CompAMSState(t, x_new, e_new, m, v, v_hat), info

    name = "COMP-AMS" if error_feedback else "COMP-AMS (no EF)"
    return Algorithm(name, init, step, dict(eta=eta if not callable(eta) else "schedule", compressor=compressor.name,
                                            beta_1=beta_1, beta_2=beta_2, eps=eps, eps_mode=eps_mode,
                                            error_feedback=error_feedback, bias_correction=bias_correction,
                                            batch=batch, noise=noise))
