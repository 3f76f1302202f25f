"""Dore: double residual compression (Liu, Li, Tang and Yan 2020, "A Double Residual Compression
Algorithm for Efficient Distributed Learning", AISTATS), a baseline of 004 (table "Features of the
main existing algorithms": uplink memory h_i, downlink error feedback E_k, degraded update).

Liu et al.'s Algorithm 1 in model units: the server compresses the model residual
``q_k = -gamma g_k + eta e_k``, broadcasts ``q_hat = C_down(q_k)``, keeps ``e_{k+1} = q_k - q_hat`` and
everyone sets ``x_{k+1} = x_k + beta q_hat``. As in the authors' code of 004 (notes
``mcm-convex-setting.md``: "Dore = Artemis + downlink error feedback (error scaled by gamma)") we run
it in gradient units, with the error ``e`` of the compressed gradient::

    worker i:  Delta_i = C_up(g_i - h_i),  h_i <- h_i + alpha_up Delta_i          (DIANA's uplink)
    server:    g = (1/N) sum_i (h_i + Delta_i)
               v = g + eta e;   Omega = C_down(v);   e <- v - Omega              broadcast Omega
    everyone:  w_{k+1} = w_k - beta gamma Omega

For a compressor that commutes in law with scaling (``C(-gamma v) ~ -gamma C(v)``: QSGD, rand-k) this
is Liu et al.'s algorithm with the same ``beta`` and residual weight ``eta``. ``eta=None`` (default)
takes ``eta = gamma``, the authors' "error scaled by gamma"; ``beta = 1`` as in their experiments.

Memory rate ``alpha_up = 1/(2(omega_up + 1))`` by default and uplink memories start at the first
gradient (full-precision first upload, counted), as in the notes; shared rules in
:mod:`reference_impl.algorithms.bidirectional`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo
from reference_impl.algorithms.bidirectional import (UplinkState, aggregate, check_batch,
                                                     check_batch_problem, check_compressor, check_gamma,
                                                     check_memory_init, check_rate, compress_shifted,
                                                     init_uplink, local_gradients, resolve_alpha, run_total,
                                                     stackable, uplink, warn_gamma, warn_theory_gamma)
from reference_impl.validation import require_nonnegative_finite


class DoreState(NamedTuple):
    k: int
    w: Any
    up: UplinkState
    e: Any            # (1, d) the server's downlink error (gradient units)
    alpha_up: Any


def dore(gamma, up, down, alpha_up=None, batch=None, *, eta=None, beta=1, up_memory_init="gradient") -> Algorithm:
    """Dore with step ``gamma`` and unbiased compressors ``up``, ``down``.

    Args:
        gamma: step size, > 0; a warning above the degraded framework's limit ``gamma_max_dore =
            1/(8L(1 + omega_down)(1 + omega_up/N))`` of :mod:`theory.mcm` (and when gamma >= 2/L).
        up, down: unbiased compressors (uplink, downlink).
        alpha_up: uplink memory rate in (0, 1]; None: ``1/(2(omega_up + 1))``.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        eta: weight of the downlink error, >= 0; None: ``eta = gamma`` (the authors' code).
        beta: model step on the compressed residual, in (0, 1].
        up_memory_init: ``"gradient"`` (first upload in full precision) or ``"zero"``.
    """
    check_gamma(gamma)
    check_compressor(up, "up")
    check_compressor(down, "down")
    check_rate(alpha_up, "alpha_up")
    check_rate(beta, "beta", allow_none=False)
    require_nonnegative_finite("eta", eta, allow_none=True, spec="None (eta = gamma) or a finite number in [0, inf)")
    check_batch(batch)
    check_memory_init(up_memory_init)
    eta_value = gamma if eta is None else eta

    def init(problem, xp):
        check_batch_problem(batch, problem)
        warn_gamma(gamma, problem, "Dore")
        warn_theory_gamma(gamma, problem, "Dore", "gamma_max_dore", up.constant(problem.d),
                          down.constant(problem.d))
        return DoreState(0, problem.x0(xp), init_uplink(xp, problem.N, problem.d, True, up_memory_init),
                         xp.zeros((1, problem.d)), resolve_alpha(alpha_up, up, problem.d))

    @stackable(up, down)
    def step(state, problem, xp, rng):
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w), rng, batch)
        ul = uplink(xp, up, G, state.up, state.alpha_up, rng)
        g = aggregate(xp, ul.rows)
        dl = compress_shifted(xp, down, g[..., None, :], None, 0, rng, error=state.e, error_scale=eta_value)
        w = state.w - xp.scalar(beta) * xp.scalar(gamma) * dl.recon[..., 0, :]
        info = StepInfo(x=w, uplink_bits=ul.bits, downlink_bits=run_total(dl.bits), uploads=ul.uploads,
                        uplink=ul.values, downlink=dl.values[..., 0, :], overflow=ul.overflow + dl.overflow)
        return DoreState(state.k + 1, w, ul.state, dl.error, state.alpha_up), info

    return Algorithm("Dore", init, step, dict(gamma=gamma, up=up, down=down, alpha_up=alpha_up, batch=batch,
                                             eta=eta, beta=beta, up_memory_init=up_memory_init))
