"""DQGD: distributed gradient descent with quantized gradient differences (memory on each worker).

Source: Khirirat, Feyzmahdavian, Johansson 2018, "Distributed learning with compressed gradients"
(arXiv:1806.06573), as described in 000 (Section 1.2: DQGD "quantizes the difference of gradients
between two consecutive updates instead of quantizing the gradient in one single update") and in
Mishchenko et al. 2019 (DIANA), who list it among methods compressing updates. The paper's own text
was not available to us, so the update below is our reading of that description, not a transcription:

    worker i:  g_i = grad f_i(x_k)
               q_i = Q(g_i - h_i)                 uploaded (Q unbiased, QSGD(levels) by default)
               h_i <- h_i + q_i                   memory: the last reconstructed gradient, h_i(0) = 0
    server:    h_i <- h_i + q_i  (same memories), g = (1/N) sum_i h_i
               x_{k+1} = x_k - eta g,             broadcast in full precision (32 d bits)

This is the memory update of DIANA with shift step alpha = 1; the memory error
``e_k = h_i - g_i`` satisfies ``E||e_k||^2 <= omega ||g_i(x_k) - h_i(k-1)||^2``, so it contracts
when omega < 1 (e.g. QSGD with s >= sqrt(d) levels: omega = d/s^2). With the identity compressor
DQGD is gradient descent (tested exactly). Uplink: the measured bits of the compressed differences.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits, require
from reference_impl.algorithms.gd import check_step, warn_step
from reference_impl.algorithms.qsgd import check_levels
from reference_impl.compressors.base import Compressor
from reference_impl.compressors.qsgd import QSGD
from reference_impl.validation import require_compressor


class DQGDState(NamedTuple):
    k: int
    x: Any
    h: Any    # (N, d) the workers' memories = last reconstructed gradients (the server holds copies)


def dqgd(eta, levels=None, *, compressor: Compressor | None = None) -> Algorithm:
    """DQGD with step ``eta`` > 0 and either QSGD(``levels``) or an unbiased ``compressor``."""
    check_step(eta)
    require((levels is None) != (compressor is None),
            f"give exactly one of levels (QSGD) and compressor, got levels={levels!r}, compressor={compressor!r}")
    if compressor is None:
        check_levels(levels)
        compressor = QSGD(int(levels))
    require_compressor("compressor", compressor, ("unbiased",), unbiased=True)

    def init(problem, xp):
        warn_step(eta, problem, "DQGD")
        return DQGDState(0, problem.x0(xp), xp.zeros((problem.N, problem.d)))

    def step(state, problem, xp, rng):
        G = problem.worker_grads(xp, problem.broadcast(xp, state.x))
        C = compressor(xp, G - state.h, rng)
        h = state.h + C.values
        g = xp.mean(h, axis=0)
        x_new = state.x - xp.scalar(eta) * g
        info = StepInfo(x=x_new, uplink_bits=C.bits, downlink_bits=full_precision_bits(problem.d),
                        uploads=all_uploads(problem.N), uplink=C.values, downlink=g,
                        overflow=int(C.overflow.sum()))
        return DQGDState(state.k + 1, x_new, h), info

    return Algorithm("DQGD", init, step, dict(eta=eta, levels=levels, compressor=repr(compressor)))
