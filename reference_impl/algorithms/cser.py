"""CSER: communication-efficient SGD with error reset (partial synchronisation), unidirectional.

Xie, Zheng, Koyejo, Gupta, Li, Lin 2020, "CSER: Communication-efficient SGD with Error Reset"
(NeurIPS), listed among the upper bounds of 001 (slides "Communication compression algorithms" and
"Existing convergence rates (non-convex)": CSER, unidirectional, contractive). Without momentum.

*Partial synchronisation* of vectors ``v_i`` with a compressor C: the compressed parts are averaged
over the workers, the residuals stay local::

    PSync(v_i, C) = (1/n) sum_j C(v_j) + (v_i - C(v_i))

so the average over workers is preserved exactly. The workers hold *local* models ``x_i`` (all equal
to ``x_0`` at the start) and local residual errors ``e_i = 0``, with ``x_i - e_i`` the same on every
worker. One iteration k (gradient compressor C_g, error-reset compressor C_e, period H)::

    p_i = gamma * O_i(x_i)                         local stochastic gradient at the local model
    x_i <- x_i - PSync(p_i, C_g)                   worker i uploads C_g(p_i)
    e_i <- e_i - (p_i - C_g(p_i))                  the part of the step that stayed local
    every H-th iteration ((k + 1) mod H == 0), error reset:
        x_i <- x_i - e_i + PSync(e_i, C_e)         worker i uploads C_e(e_i)
        e_i <- e_i - C_e(e_i)                      the residual of the reset stays local

The iterate reported (and at which ``||grad f||`` is measured) is the average model
``(1/n) sum_i x_i``, the sequence of the convergence theorem of Xie et al.; it follows
``xbar_{k+1} = xbar_k - gamma (1/n) sum_i O_i(x_i)``. With ``H = 1`` and an identity error-reset
compressor all local models equal the average after every iteration and CSER is P-SGD
(:func:`~reference_impl.algorithms.psgd.psgd`), whatever C_g.

Compressors: contractive as they are; an omega-unbiased one as ``C/(1+omega)``
(:func:`~reference_impl.algorithms.mem_sgd.as_contractive`). Bits: the measured bits of ``C_g(p_i)``
every iteration plus those of ``C_e(e_i)`` at a reset; the server broadcasts the average of the
compressed parts in float32 (``32 d`` bits, twice at a reset). ``compression_rounds_per_iteration``
is 1 (the gradient round); a reset adds one more compression round every H iterations, whose bits
are counted in :class:`~reference_impl.algorithms.base.StepInfo` (whose ``uplink``/``downlink``
hold the messages of the gradient round).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.algorithms.mem_sgd import as_contractive
from reference_impl.algorithms.psgd import check_gamma, check_oracle, check_positive_int, oracle, warn_gamma
from reference_impl.compressors.base import Compressor


class CSERState(NamedTuple):
    k: int
    x: Any        # (d,) the average model (1/n) sum_i x_i
    x_local: Any  # (N, d) the local models x_i
    e: Any        # (N, d) the local residual errors e_i


def cser(gamma, compressor: Compressor, period: int = 1, reset_compressor: Compressor | None = None,
         batch=None, noise=0.0, scale_unbiased: bool = True) -> Algorithm:
    """CSER with learning rate ``gamma`` > 0, gradient compressor ``compressor`` and error reset
    every ``period`` = H iterations with ``reset_compressor`` (default: ``compressor``).

    Args:
        gamma: learning rate, > 0 (a warning when >= 2/L).
        compressor: compressor of the gradient partial synchronisation (contractive or unbiased;
            unbiased ones are scaled by ``1/(1+omega)`` unless ``scale_unbiased`` is False).
        period: H, an integer >= 1: the errors are reset every H iterations.
        reset_compressor: compressor of the error reset (default: the same as ``compressor``).
        batch: rows per minibatch gradient (None: exact gradients).
        noise: standard deviation of additive Gaussian gradient noise (>= 0).
    """
    check_gamma(gamma)
    check_positive_int(period, "error-reset period H (period)")
    check_oracle(batch, noise)
    comp_g = as_contractive(compressor, scale_unbiased)
    comp_e = as_contractive(reset_compressor if reset_compressor is not None else compressor, scale_unbiased,
                            "reset_compressor" if reset_compressor is not None else "compressor")

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        warn_gamma(gamma, problem, "CSER")
        x0 = problem.x0(xp)
        return CSERState(0, x0, problem.broadcast(xp, x0), xp.zeros((problem.N, problem.d)))

    def step(state, problem, xp, rng=None):
        N, d = problem.N, problem.d
        P = xp.scalar(gamma) * oracle(problem, xp, state.x_local, rng, batch, noise)
        Cg = comp_g(xp, P, rng)
        local = P - Cg.values
        mean_g = xp.mean(Cg.values, axis=0)
        x_local = state.x_local - mean_g - local
        e = state.e - local
        up_bits = np.asarray(Cg.bits, dtype=np.int64)
        down_bits = full_precision_bits(d)
        overflow = int(np.sum(Cg.overflow))
        if (state.k + 1) % period == 0:
            Ce = comp_e(xp, e, rng)
            mean_e = xp.mean(Ce.values, axis=0)
            x_local = x_local - Ce.values + mean_e
            e = e - Ce.values
            up_bits = up_bits + np.asarray(Ce.bits, dtype=np.int64)
            down_bits += full_precision_bits(d)
            overflow += int(np.sum(Ce.overflow))
        x_new = xp.mean(x_local, axis=0)
        info = StepInfo(x=x_new, uplink_bits=up_bits, downlink_bits=down_bits, uploads=all_uploads(N),
                        uplink=Cg.values, downlink=mean_g, overflow=overflow)
        return CSERState(state.k + 1, x_new, x_local, e), info

    return Algorithm("CSER", init, step, dict(gamma=gamma, compressor=comp_g.name, period=period,
                                              reset_compressor=comp_e.name, batch=batch, noise=noise,
                                              compression_rounds_per_iteration=1,
                                              oracle_queries_per_iteration=1))
