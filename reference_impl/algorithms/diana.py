"""DIANA: uplink compression of gradient differences with a memory per worker (Mishchenko, Gorbunov,
Takac and Richtarik 2019, "Distributed Learning with Compressed Gradient Differences"), the
unidirectional baseline of 004 (slide "The memory mechanism"; table "Summary of rates").

Round k, worker i (``g_i`` its gradient at the shared model ``w_k``, exact or a minibatch)::

    Delta_i = C_up(g_i - h_i)              uploaded (measured bits)
    h_i    <- h_i + alpha_up Delta_i       (the server updates its copy of h_i the same way)

server: ``g = (1/N) sum_i (h_i + Delta_i)``, ``w_{k+1} = w_k - gamma g``, broadcast in full precision
(``32 d`` bits: DIANA compresses only the uplink).

As in the authors' code (notes ``mcm-convex-setting.md``): ``alpha_up = 1/(2 (omega_up + 1))`` by
default, and each memory starts at the worker's first gradient; that first upload is the
full-precision gradient, ``32 d`` bits, counted (so round 0 is an exact gradient step).
``up_memory_init="zero"`` starts from ``h_i = 0`` instead (DIANA's paper allows any h_i^0).
The shared rules are in :mod:`reference_impl.algorithms.bidirectional`.

With the identity compressor (omega = 0) DIANA is SGD / gradient descent (tested exactly on rationals).
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo, full_precision_bits
from reference_impl.algorithms.bidirectional import (UplinkState, aggregate, check_batch, check_batch_problem,
                                                     check_compressor, check_gamma, check_memory_init,
                                                     check_rate, init_uplink, local_gradients,
                                                     resolve_alpha, stackable, uplink, warn_gamma,
                                                     warn_theory_gamma)


class DianaState(NamedTuple):
    k: int
    w: Any
    up: UplinkState
    alpha_up: Any


def diana(gamma, up, alpha_up=None, batch=None, *, up_memory_init="gradient") -> Algorithm:
    """DIANA with step ``gamma`` and the unbiased uplink compressor ``up``.

    Args:
        gamma: step size, > 0; a warning above the unidirectional limit ``gamma_max_up =
            1/(2L(1 + omega_up/N))`` of :mod:`theory.mcm` (and when gamma >= 2/L).
        up: unbiased compressor for the uplink (its ``constant(d)`` is omega_up).
        alpha_up: memory rate in (0, 1]; None: ``1/(2(omega_up + 1))``.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        up_memory_init: ``"gradient"`` (first upload in full precision) or ``"zero"``.
    """
    check_gamma(gamma)
    check_compressor(up, "up")
    check_rate(alpha_up, "alpha_up")
    check_batch(batch)
    check_memory_init(up_memory_init)

    def init(problem, xp):
        check_batch_problem(batch, problem)
        warn_gamma(gamma, problem, "DIANA")
        warn_theory_gamma(gamma, problem, "DIANA", "gamma_max_up", up.constant(problem.d))
        return DianaState(0, problem.x0(xp), init_uplink(xp, problem.N, problem.d, True, up_memory_init),
                          resolve_alpha(alpha_up, up, problem.d))

    @stackable(up)
    def step(state, problem, xp, rng):
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w), rng, batch)
        ul = uplink(xp, up, G, state.up, state.alpha_up, rng)
        g = aggregate(xp, ul.rows)
        w = state.w - xp.scalar(gamma) * g
        info = StepInfo(x=w, uplink_bits=ul.bits, downlink_bits=full_precision_bits(problem.d),
                        uploads=ul.uploads, uplink=ul.values, downlink=g, overflow=ul.overflow)
        return DianaState(state.k + 1, w, ul.state, state.alpha_up), info

    return Algorithm("DIANA", init, step, dict(gamma=gamma, up=up, alpha_up=alpha_up, batch=batch,
                                              up_memory_init=up_memory_init))
