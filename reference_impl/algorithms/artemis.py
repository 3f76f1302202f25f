"""Artemis: bidirectional compression with uplink memories and a degraded model (Philippenko and
Dieuleveut 2020, "Artemis: tight convergence guarantees for bidirectional compression in Federated
Learning", arXiv:2006.14591), a baseline of 004 (table "Features of the main existing algorithms";
slide "The non-degraded update": "compress the update sent back to the workers and use it to update
the model").

Round k (gradients ``g_i`` at the shared model ``w_k``, exact or a minibatch)::

    worker i:  Delta_i = C_up(g_i - h_i),  h_i <- h_i + alpha_up Delta_i         (DIANA's uplink)
    server:    g = (1/N) sum_i (h_i + Delta_i)
               Omega = C_down(g)                     broadcast (one message, measured bits)
    everyone:  w_{k+1} = w_k - gamma Omega           (the "degraded" update: the compressed one)

``down_memory=True`` adds the downlink memory of Artemis's bidirectional-memory variant (and of the
authors' code, ``use_down_memory``): ``Omega = C_down(g - H)``, ``w_{k+1} = w_k - gamma (H + Omega)``,
``H <- H + alpha_down Omega``; off by default, as in the notes (``mcm-convex-setting.md``: "Artemis =
Diana + compressed averaged gradient on the way down").

Memory rates default to ``1/(2(omega + 1))`` and each uplink memory starts at the worker's first
gradient (a full-precision first upload, counted), as in the notes; shared rules in
:mod:`reference_impl.algorithms.bidirectional`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo, require
from reference_impl.algorithms.bidirectional import (UplinkState, aggregate, check_batch, check_batch_problem,
                                                     check_compressor, check_gamma, check_memory_init,
                                                     check_rate, compress_shifted, init_uplink,
                                                     local_gradients, resolve_alpha, run_total, stackable,
                                                     uplink, warn_gamma, warn_theory_gamma)
from reference_impl.validation import require_bool


class ArtemisState(NamedTuple):
    k: int
    w: Any
    up: UplinkState
    H: Any            # (1, d) downlink memory, or None without one
    alpha_up: Any
    alpha_down: Any


def artemis(gamma, up, down, alpha_up=None, alpha_down=None, batch=None, *, down_memory=False,
            up_memory_init="gradient") -> Algorithm:
    """Artemis with step ``gamma`` and unbiased compressors ``up``, ``down``.

    Args:
        gamma: step size, > 0; a warning above the degraded framework's limit ``gamma_max_dore =
            1/(8L(1 + omega_down)(1 + omega_up/N))`` of :mod:`theory.mcm` (and when gamma >= 2/L).
        up, down: unbiased compressors (uplink, downlink).
        alpha_up: uplink memory rate in (0, 1]; None: ``1/(2(omega_up + 1))``.
        alpha_down: downlink memory rate in (0, 1] (only with ``down_memory=True``);
            None: ``1/(2(omega_down + 1))``.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        down_memory: use a downlink memory H (off by default).
        up_memory_init: ``"gradient"`` (first upload in full precision) or ``"zero"``.
    """
    check_gamma(gamma)
    check_compressor(up, "up")
    check_compressor(down, "down")
    check_rate(alpha_up, "alpha_up")
    check_rate(alpha_down, "alpha_down")
    require(require_bool("down_memory", down_memory) or alpha_down is None,
            f"alpha_down={alpha_down} needs down_memory=True (Artemis has no downlink memory by default)")
    check_batch(batch)
    check_memory_init(up_memory_init)

    def init(problem, xp):
        check_batch_problem(batch, problem)
        warn_gamma(gamma, problem, "Artemis")
        warn_theory_gamma(gamma, problem, "Artemis", "gamma_max_dore", up.constant(problem.d),
                          down.constant(problem.d))
        H = xp.zeros((1, problem.d)) if down_memory else None
        a_down = resolve_alpha(alpha_down, down, problem.d) if down_memory else 0
        return ArtemisState(0, problem.x0(xp), init_uplink(xp, problem.N, problem.d, True, up_memory_init),
                            H, resolve_alpha(alpha_up, up, problem.d), a_down)

    @stackable(up, down)
    def step(state, problem, xp, rng):
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w), rng, batch)
        ul = uplink(xp, up, G, state.up, state.alpha_up, rng)
        g = aggregate(xp, ul.rows)
        dl = compress_shifted(xp, down, g[..., None, :], state.H, state.alpha_down, rng)   # one message
        w = state.w - xp.scalar(gamma) * dl.recon[..., 0, :]
        info = StepInfo(x=w, uplink_bits=ul.bits, downlink_bits=run_total(dl.bits), uploads=ul.uploads,
                        uplink=ul.values, downlink=dl.values[..., 0, :], overflow=ul.overflow + dl.overflow)
        return ArtemisState(state.k + 1, w, ul.state, dl.shift, state.alpha_up, state.alpha_down), info

    return Algorithm("Artemis", init, step, dict(gamma=gamma, up=up, down=down, alpha_up=alpha_up,
                                                alpha_down=alpha_down, batch=batch, down_memory=down_memory,
                                                up_memory_init=up_memory_init))
