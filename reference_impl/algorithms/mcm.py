"""MCM: Model Compression with Memory, a preserved central model (004, slide "The downlink memory
mechanism for MCM", eq. (3); Philippenko and Dieuleveut 2021, NeurIPS).

The server never degrades its model: it updates ``w`` with the exact average of the uplink messages,
and the downlink compresses the *model difference* to a downlink memory ``H``, known to the server and
to every worker::

    w_k        = w_{k-1} - gamma (1/N) sum_i (h_i + C_up(g_i(w_hat_{k-1}) - h_i))   (DIANA's uplink)
    Omega_k    = w_k - H_{k-1}
    w_hat_k    = H_{k-1} + C_down(Omega_k)          (what every worker uses as its model)
    H_k        = H_{k-1} + alpha_down C_down(Omega_k)

Gradients are taken at the random local model ``w_hat`` (``E[w_hat_k | w_k] = w_k``); ``H_0 = w_0``
and ``w_hat_0 = w_0`` (the initial model is known to everyone). As in the authors' code (notes
``mcm-convex-setting.md``): memory rates ``alpha = 1/(2(omega + 1))`` on both sides by default, uplink
memories starting at each worker's first gradient (a full-precision first upload, counted).

One round of this implementation (k = 0, 1, ...): the server sends ``C_down(w_k - H)`` (none at
k = 0, when ``w_hat = H = w_0`` everywhere), every worker computes its gradient at ``w_hat`` (exact,
or a minibatch of ``batch`` distinct rows) and uploads; the server updates ``w``. Sending ``Omega_k``
at the start of round k rather than at the end of round k-1 changes neither the iterates nor the
order of the random draws; it means the last model is not sent and round 0 has no downlink.
``StepInfo.x`` is the server's model ``w_{k+1}``.

Bits: uplink, the measured bits of each ``C_up`` message; downlink, the measured bits of the one
broadcast ``C_down(Omega_k)``, counted once. With the identity downlink MCM is DIANA
(:func:`~reference_impl.algorithms.diana.diana`), which the tests check exactly on rationals.

:func:`mcm_family` is the round shared with Rand-MCM (:mod:`~reference_impl.algorithms.rand_mcm`:
one downlink channel per worker or per group, single averaged memory, partial participation) and
with the first attempts of 004 (:mod:`~reference_impl.algorithms.first_attempts`: ``alpha_down = 0``
and ``alpha_down = 1``). The compression rules are in :mod:`reference_impl.algorithms.bidirectional`.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo, require
from reference_impl.algorithms.bidirectional import (UplinkState, aggregate, channel_map, check_batch,
                                                     check_batch_problem, check_compressor, check_gamma,
                                                     check_memory_init, check_rate, downlink_model,
                                                     downlink_single_memory, init_uplink, local_gradients,
                                                     repeat_row, resolve_alpha, sample_participants,
                                                     stackable, uplink, warn_gamma, warn_theory_gamma)
from reference_impl.validation import require_bool


# A round with partial participation redraws until some worker takes part: at most ~1e6 draws expected.
MIN_PARTICIPATION_PROBABILITY = 1e-6


class MCMState(NamedTuple):
    k: int
    w: Any            # (d,) the server's (preserved) model
    w_hat: Any        # (N, d) the workers' local models
    H: Any            # (M, d) the downlink memories (M = 1: MCM; G groups; N workers; single memory: H_bar)
    H_workers: Any    # (N, d) the workers' own memories in single-memory mode, else None
    up: UplinkState
    alpha_up: Any
    alpha_down: Any


def mcm_family(name, gamma, up, down, alpha_up=None, alpha_down=None, batch=None, *, channels=1,
               single_memory=False, reset_every=None, participation=1, up_memory=True,
               up_memory_init="gradient", theory_limit=False, params=None) -> Algorithm:
    """The preserved-model round of MCM, Rand-MCM(-G) and the model(-difference) compressions.

    Parameters are validated by the public factories (:func:`mcm`,
    :func:`~reference_impl.algorithms.rand_mcm.rand_mcm`, ...). ``channels``: ``1``, ``"workers"``
    (one per worker) or a number of groups ``G`` dividing N. ``alpha_down`` may be 0 here (model
    compression). ``theory_limit``: warn (:class:`~reference_impl.algorithms.base.TheoryRangeWarning`)
    when gamma exceeds MCM's ``gamma_max`` of :mod:`theory.mcm` (Theorems 6-8: MCM and Rand-MCM).
    """

    def init(problem, xp):
        N, d = problem.N, problem.d
        M = N if channels == "workers" else int(channels)
        require(1 <= M <= N and N % M == 0,
                f"groups must divide the number of workers N={N} and lie in [1, {N}], got groups={M}")
        require(participation == 1 or single_memory or M == N,
                f"participation={participation} < 1 needs one downlink memory per worker (groups=None or "
                f"groups=N={N}) or single_memory=True, got groups={M}")
        if participation != 1:             # each round redraws until some worker takes part
            p_some = -math.expm1(N * math.log1p(-float(participation)))
            require(p_some >= MIN_PARTICIPATION_PROBABILITY,
                    f"participation must be large enough that some of the N={N} workers takes part with "
                    f"probability 1-(1-p)^N >= {MIN_PARTICIPATION_PROBABILITY:g}, got participation={participation} "
                    f"(1-(1-p)^N = {p_some:.3g})")
        check_batch_problem(batch, problem)
        warn_gamma(gamma, problem, name)
        if theory_limit:
            warn_theory_gamma(gamma, problem, name, "gamma_max", up.constant(d), down.constant(d))
        w0 = problem.x0(xp)
        a_down = resolve_alpha(alpha_down, down, d)
        H = repeat_row(xp, w0, 1 if single_memory else M)
        H_workers = repeat_row(xp, w0, N) if single_memory else None
        return MCMState(0, w0, repeat_row(xp, w0, N), H, H_workers,
                        init_uplink(xp, N, d, up_memory, up_memory_init),
                        resolve_alpha(alpha_up, up, d), a_down)

    @stackable(up, down, when=participation == 1)      # who takes part is drawn per run: not stacked
    def step(state, problem, xp, rng):
        N = problem.N
        part = sample_participants(rng, N, participation)
        w_hat, H, H_workers = state.w_hat, state.H, state.H_workers
        down_bits, down_values, overflow = 0, None, 0
        if state.k > 0:                      # send C_down(w_k - H) to this round's workers
            if single_memory:
                reset = reset_every is not None and state.k % reset_every == 0
                dl = downlink_single_memory(xp, down, state.w, H[..., 0, :], H_workers, w_hat,
                                            state.alpha_down, rng, part, reset)
                w_hat, H, H_workers = dl.w_hat, dl.H_bar[..., None, :], dl.H_workers
            else:
                dl = downlink_model(xp, down, state.w, H, w_hat, state.alpha_down, rng,
                                    channel_map(N, H.shape[-2]), part)
                w_hat, H = dl.w_hat, dl.H
            down_bits, overflow = dl.bits, dl.overflow
            down_values = dl.values[..., 0, :] if (H.shape[-2] == 1 and not single_memory) else dl.values
        G = local_gradients(problem, xp, w_hat, rng, batch)
        ul = uplink(xp, up, G, state.up, state.alpha_up, rng, part)
        g = aggregate(xp, ul.rows, part, participation)
        w = state.w - xp.scalar(gamma) * g
        info = StepInfo(x=w, uplink_bits=ul.bits, downlink_bits=down_bits, uploads=ul.uploads,
                        uplink=ul.values, downlink=down_values, overflow=ul.overflow + overflow)
        return MCMState(state.k + 1, w, w_hat, H, H_workers, ul.state, state.alpha_up, state.alpha_down), info

    return Algorithm(name, init, step, params if params is not None else {})


def validate(gamma, up, down, alpha_up, alpha_down, batch, up_memory_init, up_memory=True) -> None:
    """The checks shared by the MCM-family factories (ValueError naming the parameter and its range)."""
    check_gamma(gamma)
    require_bool("up_memory", up_memory)
    check_compressor(up, "up")
    check_compressor(down, "down")
    check_rate(alpha_up, "alpha_up")
    check_rate(alpha_down, "alpha_down")
    check_batch(batch)
    check_memory_init(up_memory_init)


def mcm(gamma, up, down, alpha_up=None, alpha_down=None, batch=None, *, up_memory=True,
        up_memory_init="gradient") -> Algorithm:
    """MCM (004, eq. (3)) with step ``gamma`` and unbiased compressors ``up``, ``down``.

    Args:
        gamma: step size, > 0; above the theory's gamma_max a
            :class:`~reference_impl.algorithms.base.TheoryRangeWarning` (also when gamma >= 2/L).
        up, down: unbiased compressors (uplink, downlink).
        alpha_up: uplink memory rate in (0, 1]; None: ``1/(2(omega_up + 1))``.
        alpha_down: downlink memory rate in (0, 1]; None: ``1/(2(omega_down + 1))``.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        up_memory: False drops the uplink memory (plain ``C_up(g_i)``, as eq. (3) is displayed).
        up_memory_init: ``"gradient"`` (first upload in full precision) or ``"zero"``.
    """
    validate(gamma, up, down, alpha_up, alpha_down, batch, up_memory_init, up_memory)
    return mcm_family("MCM", gamma, up, down, alpha_up, alpha_down, batch, up_memory=up_memory,
                      up_memory_init=up_memory_init, theory_limit=True,
                      params=dict(gamma=gamma, up=up, down=down, alpha_up=alpha_up, alpha_down=alpha_down,
                                  batch=batch, up_memory=up_memory, up_memory_init=up_memory_init))

