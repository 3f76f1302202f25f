"""Compressed distributed SGD with or without error feedback: the SGD baseline of 002's experiments.

The same compressors as :func:`~reference_impl.algorithms.compams.compams`, on plain SGD steps::

    error_feedback=True:   p_i = gamma_t g_i + e_i,  c_i = C(p_i),  e_i <- p_i - c_i,  theta -= mean_i c_i
    error_feedback=False:  c_i = C(g_i),  theta -= gamma_t mean_i c_i

With error feedback this is MEM-SGD (:func:`~reference_impl.algorithms.mem_sgd.mem_sgd`) for a constant
step and a contractive compressor; this file adds the step schedule and the no-memory variant. Bits: the
compressor's per worker up, ``32 d`` down (the model).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.amsgrad import check_compressor, check_eta, check_oracle, eta_at, oracle
from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.validation import require_bool


class CompressedSGDState(NamedTuple):
    k: int
    x: Any
    e: Any


def compressed_sgd(gamma, compressor, error_feedback: bool = True, batch=None, noise=0.0) -> Algorithm:
    """Compressed SGD with step ``gamma`` > 0 (or a callable ``t -> gamma_t``) and compressor ``compressor``."""
    check_eta(gamma, "gamma")
    check_compressor(compressor)
    error_feedback = require_bool("error_feedback", error_feedback)
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        return CompressedSGDState(0, problem.x0(xp), xp.zeros((problem.N, problem.d)))

    def step(state, problem, xp, rng=None):
        t = state.k + 1
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        gam = xp.scalar(eta_at(gamma, t, "gamma"))
        if error_feedback:
            P = gam * G + state.e
            C = compressor(xp, P, rng)
            e, x_new = P - C.values, state.x - xp.mean(C.values, axis=0)
        else:
            C = compressor(xp, G, rng)
            e, x_new = state.e, state.x - gam * xp.mean(C.values, axis=0)
        info = StepInfo(x=x_new, uplink_bits=np.asarray(C.bits, dtype=np.int64),
                        downlink_bits=full_precision_bits(problem.d), uploads=all_uploads(problem.N),
                        uplink=C.values, downlink=x_new, overflow=int(np.sum(C.overflow)))
        return CompressedSGDState(t, x_new, e), info

    return Algorithm("SGD (EF)" if error_feedback else "SGD (compressed, no EF)", init, step,
                     dict(gamma=gamma if not callable(gamma) else "schedule", compressor=compressor.name,
                          error_feedback=error_feedback, batch=batch, noise=noise))
