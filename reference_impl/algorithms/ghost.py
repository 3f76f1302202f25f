"""Ghost: the hypothetical preserved-model algorithm of 004 (Definition 1, eq. (2); slides "The
non-degraded update" and "Convergence of Ghost").

::

    w_k      = w_{k-1} - gamma (1/N) sum_i C_up(g_i(w_hat_{k-1}))
    w_hat_k  = w_{k-1} - gamma C_down((1/N) sum_i C_up(g_i(w_hat_{k-1})))

The server keeps the exact model ``w``; the workers compute their gradients at ``w_hat``, which is
unbiased around ``w`` (``E[w_hat_k | w_k] = w_k``) and whose variance Proposition 1 bounds.

**Not implementable** ("Update (1) is not feasible in practice"): building ``w_hat_k`` needs
``w_{k-1}``, the server's uncompressed model, on every worker. It is kept as the theoretical
reference of Theorems 2-4. Bits are counted as if ``w_hat_k`` reached the workers compressed, i.e.
as the one broadcast of ``C_down(g)`` (measured bits), plus the uplink messages.

As everywhere in 004's experiments the uplink keeps DIANA's memory (``C_up(g_i - h_i) + h_i``,
``alpha_up = 1/(2(omega_up + 1))``, first upload in full precision, counted; the displayed equation
omits it, ``up_memory=False`` follows it literally).

:func:`compressed_update_family` is the round shared with the "update compression" first attempt
(:func:`~reference_impl.algorithms.first_attempts.update_compression`, which replaces ``w_{k-1}`` by
the workers' own ``w_hat_{k-1}`` and is therefore implementable).
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo
from reference_impl.algorithms.bidirectional import (UplinkState, aggregate, check_batch_problem,
                                                     compress_shifted, init_uplink, local_gradients,
                                                     resolve_alpha, run_total, stackable, uplink,
                                                     warn_gamma, warn_theory_gamma)
from reference_impl.algorithms.mcm import validate


class GhostState(NamedTuple):
    k: int
    w: Any          # (d,) the server's model
    w_hat: Any      # (d,) the workers' (common) local model
    up: UplinkState
    alpha_up: Any


def compressed_update_family(name, gamma, up, down, alpha_up=None, batch=None, *, base="server",
                             up_memory=True, up_memory_init="gradient", theory_limit=False,
                             params=None) -> Algorithm:
    """``w_hat_k = B - gamma C_down(g_k)`` with ``B = w_{k-1}`` (``base="server"``: Ghost) or
    ``B = w_hat_{k-1}`` (``base="local"``: update compression); ``w_k = w_{k-1} - gamma g_k``.

    ``theory_limit``: warn when gamma exceeds Theorem 3's condition ``gamma L (1 + omega_up/N) <= 1/2``
    (``gamma_max_up`` of :mod:`theory.mcm`).
    """

    def init(problem, xp):
        check_batch_problem(batch, problem)
        warn_gamma(gamma, problem, name)
        if theory_limit:
            warn_theory_gamma(gamma, problem, name, "gamma_max_up", up.constant(problem.d))
        w0 = problem.x0(xp)
        return GhostState(0, w0, xp.copy(w0), init_uplink(xp, problem.N, problem.d, up_memory, up_memory_init),
                          resolve_alpha(alpha_up, up, problem.d))

    @stackable(up, down)
    def step(state, problem, xp, rng):
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w_hat), rng, batch)
        ul = uplink(xp, up, G, state.up, state.alpha_up, rng)
        g = aggregate(xp, ul.rows)
        dl = compress_shifted(xp, down, g[..., None, :], None, 0, rng)          # one message
        step_size = xp.scalar(gamma)
        w_hat = (state.w if base == "server" else state.w_hat) - step_size * dl.recon[..., 0, :]
        w = state.w - step_size * g
        info = StepInfo(x=w, uplink_bits=ul.bits, downlink_bits=run_total(dl.bits), uploads=ul.uploads,
                        uplink=ul.values, downlink=dl.values[..., 0, :], overflow=ul.overflow + dl.overflow)
        return GhostState(state.k + 1, w, w_hat, ul.state, state.alpha_up), info

    return Algorithm(name, init, step, params if params is not None else {})


def ghost(gamma, up, down, alpha_up=None, batch=None, *, up_memory=True, up_memory_init="gradient") -> Algorithm:
    """Ghost (004, Definition 1) with step ``gamma`` and unbiased compressors ``up``, ``down``.

    Args:
        gamma: step size, > 0; a warning above Theorem 3's ``1/(2L(1 + omega_up/N))`` (and when
            gamma >= 2/L).
        up, down: unbiased compressors (uplink, downlink).
        alpha_up: uplink memory rate in (0, 1]; None: ``1/(2(omega_up + 1))``.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        up_memory: False drops the uplink memory (eq. (2) as displayed).
        up_memory_init: ``"gradient"`` (first upload in full precision) or ``"zero"``.
    """
    validate(gamma, up, down, alpha_up, None, batch, up_memory_init, up_memory)
    return compressed_update_family("Ghost", gamma, up, down, alpha_up, batch, base="server",
                                    up_memory=up_memory, up_memory_init=up_memory_init, theory_limit=True,
                                    params=dict(gamma=gamma, up=up, down=down, alpha_up=alpha_up, batch=batch,
                                                up_memory=up_memory, up_memory_init=up_memory_init))
