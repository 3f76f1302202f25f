"""LENA: distributed learning with self-triggered gradient uploads (Ghadikolaei, Stich, Jaggi, AISTATS
2021; work 003, Algorithm 1 and eqs. (3)-(7)).

Round t, node m (``g = g_m^t`` its gradient at the broadcast ``w^t``, exact or a minibatch)::

    u = e_m^t + alpha g                                   the memory plus the new step
    trigger if ||u - r_m||^2 >= beta ||g_ref||^2           the significance filter (line 8)
    upload:    v_m^t = Estimate(u) (u itself by default), q_m^t = drift(...)   (line 9, 10)
    otherwise: q_m^t = q_m^{t-1}, v_m^t = q_m^t                               (line 12)
    e_m^{t+1} = u - v_m^t                                  (line 14)
    server:    w^{t+1} = w^t - (1/M) sum_m v_m^t           (line 16)

The text is not consistent in three places; each reading is a parameter (defaults: as printed in
Algorithm 1, which is what the experiments of Section 5 describe):

* ``trigger_norm``: ``"current"`` compares with ``beta ||g_m^t||^2`` (Algorithm 1, line 8);
  ``"previous"`` with ``beta ||g_m^{t-1}||^2`` (eq. (4); at t = 0, ``g_m^{-1} = 0``).
* ``trigger_reference``: what ``u`` is compared with. ``"v_prev"``: ``v_m^{t-1}`` (as printed, line 8
  and eq. (4)); ``"drift"``: ``q_m^{t-1}``, the drift the server applies if nothing is uploaded. They
  coincide for the drift ``q = v`` and differ right after an upload for every other drift. Only the
  ``"drift"`` reading guarantees ``||e_m^{t+1}||^2 <= beta ||g_ref||^2`` for an *arbitrary* drift,
  which is what the constant ``C`` of Proposition 1 needs (see ``lena.algorithm-1-error-bound`` in
  :mod:`theory.claims.lena`).
* ``uniform_formula`` (drift ``"uniform"``, eq. (7)): ``"corrected"`` uses the average of the
  ``n = t_{i+1} - t_i`` steps since the last upload, ``(v + (n - 1) q) / n``, which is what eq. (7)
  is meant to give (derived from eq. (5)); ``"printed"`` uses eq. (7) as printed, ``v - (n - 1) q``.

Drifts (``drift``), computed at an upload and held until the next one; the server knows them:

* ``"zero"``: q = 0 (LENA-0, Figure 4 (c), (d)); one vector per upload.
* ``"gradient"``: q = alpha g_m^t (LENA-g); two vectors per upload (v and q).
* ``"v"``: q = v_m^t (LENA-v); one vector (the server has v).
* ``"momentum"``: q = m_m^{t+1}, ``m^{t+1} = (1 - gamma) m^t + gamma alpha g^t`` updated every round on
  the node (eq. (6), LENA-m, the default of the experiments); two vectors.
* ``"uniform"``: the uniform average of the steps between uploads, eq. (7), computed on the server
  from v alone; one vector.
* ``"fixed"``: the constant ``q_value`` in every coordinate, from ``q^{-1}`` on ("any arbitrary choice
  of q", Section 3); used by the claim checks, not by the experiments.

Other options: ``triggers_needed = K`` uploads only once the condition has held K times since the
last upload (Section 5.1's "upload once the condition in line 8 is satisfied for 3 times": K = 3);
``compressor``: the quantization extension of Section 3, ``v = C(u)`` for a contractive compressor
(``e^{t+1} = u - C(u)``, so ``||e^{t+1}||^2 <= (1 - delta) ||u||^2``); ``batch``: minibatch size.

Bits: an upload costs ``32 d`` bits per vector sent (v, and q for the two-vector drifts), or the
measured bits of ``compressor`` for v; skipped uploads cost 0 and ``StepInfo.uploads`` records who
uploaded. The broadcast of ``w`` costs ``32 d`` bits.

Reductions (tested exactly on rationals, ``tests/test_lena_algorithms.py``): ``beta = 0`` uploads every
round and is distributed gradient descent; when every round triggers, all drifts give the same iterates.
Everything runs on the xp backend (numpy, exact Fractions, torch); only squared norms are used, so the
exact backend runs LENA exactly (a compressor with norms, such as QSGD, is not rational).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, full_precision_bits, require, warn_if
from reference_impl.algorithms.bidirectional import check_batch, check_batch_problem, local_gradients
from reference_impl.validation import require_compressor

DRIFTS = ("zero", "gradient", "v", "momentum", "uniform")
#: ``"fixed"``: q is the constant ``q_value`` (an "arbitrary choice of q", Section 3), not in DRIFTS
ALL_DRIFTS = DRIFTS + ("fixed",)
#: vectors sent per upload for each drift (v, plus q when the server cannot compute q itself)
VECTORS_PER_UPLOAD = {"zero": 1, "gradient": 2, "v": 1, "momentum": 2, "uniform": 1, "fixed": 1}
#: the labels of Figure 4 (c), (d): LENA-0, LENA-g, LENA-v, LENA-m (and LENA-u for eq. (7))
SHORT_NAMES = {"zero": "0", "gradient": "g", "v": "v", "momentum": "m", "uniform": "u", "fixed": "c"}
THRESHOLDS = ("printed", "alpha_squared")
INITS = ("zero", "gradient")
TRIGGER_NORMS = ("current", "previous")
TRIGGER_REFERENCES = ("v_prev", "drift")
UNIFORM_FORMULAS = ("corrected", "printed")


class LenaState(NamedTuple):
    k: int
    w: Any              # (d,) the server's model
    e: Any              # (M, d) error memories e_m^t
    v_prev: Any         # (M, d) v_m^{t-1}
    q: Any              # (M, d) drifts q_m^{t-1}
    mom: Any            # (M, d) momentum m_m^t (drift "momentum"), else None
    g_prev: Any         # (M, d) g_m^{t-1} (trigger_norm "previous"), else None
    count: np.ndarray   # (M,) times the condition held since the last upload
    last: np.ndarray    # (M,) round of the last upload (-1: none yet)


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (OverflowError, ValueError):
        return False


def check_lena_params(alpha, beta, drift, gamma, triggers_needed, trigger_norm, trigger_reference,
                      uniform_formula, threshold="printed") -> None:
    require(_is_real(alpha) and _finite(alpha) and alpha > 0,
            f"step size alpha must be a finite real number in (0, inf), got {alpha!r}")
    require(_is_real(beta) and _finite(beta) and beta >= 0,
            f"beta must be a finite real number in [0, inf), got {beta!r}")
    require(drift in ALL_DRIFTS, f"drift must be one of {ALL_DRIFTS}, got {drift!r}")
    require(threshold in THRESHOLDS, f"threshold must be one of {THRESHOLDS}, got {threshold!r}")
    require(_is_real(gamma) and _finite(gamma) and 0 < gamma <= 1,
            f"momentum gamma must be a real number in (0, 1], got {gamma!r}")
    require(isinstance(triggers_needed, (int, np.integer)) and not isinstance(triggers_needed, bool)
            and triggers_needed >= 1, f"triggers_needed must be an integer in [1, inf), got {triggers_needed!r}")
    require(trigger_norm in TRIGGER_NORMS, f"trigger_norm must be one of {TRIGGER_NORMS}, got {trigger_norm!r}")
    require(trigger_reference in TRIGGER_REFERENCES,
            f"trigger_reference must be one of {TRIGGER_REFERENCES}, got {trigger_reference!r}")
    require(uniform_formula in UNIFORM_FORMULAS,
            f"uniform_formula must be one of {UNIFORM_FORMULAS}, got {uniform_formula!r}")


def new_drift(xp, drift, v, q, k, last, aG=None, mom=None, uniform_formula="corrected", q_value=0):
    """The drift q an upload sets (Algorithm 1 line 10; eq. (6) momentum, eq. (7) uniform), rows (M, d).

    ``v``: the uploaded estimates, ``q``: the old drifts, ``k``/``last``: this round and each node's
    last upload round (-1: none), for the uniform average of eq. (7); ``aG`` (alpha g) and ``mom`` are
    needed only by the drifts ``"gradient"`` and ``"momentum"``. Shared by :func:`lena`'s step and by the
    server of :mod:`reference_impl.distributed`, which knows v, q, k and last but not the gradients.
    """
    if drift == "zero":
        return xp.zeros(tuple(v.shape))
    if drift == "gradient":
        return aG
    if drift == "v":
        return v
    if drift == "momentum":
        return mom
    if drift == "fixed":
        return xp.zeros(tuple(v.shape)) + xp.scalar(q_value)
    # uniform average since the last upload, eq. (7), from v and the old drift alone
    n = np.where(last >= 0, k - last, k + 1).astype(np.int64)
    n_b = xp.asarray(n[:, None])
    if uniform_formula == "corrected":
        return (v + (n_b - 1) * q) / n_b
    return v - (n_b - 1) * q


def mean_smoothness(problem) -> float:
    """``L_bar = (1/M) sum_m L_m`` (Assumption 1) when the problem has per-worker constants, else L."""
    L_i = getattr(problem, "L_i", None)
    return float(np.mean(np.asarray(L_i, dtype=float))) if L_i is not None else float(problem.L)


def host_mask(cond) -> np.ndarray:
    """A backend boolean array as a numpy bool array (exact comparisons stay exact: no float cast)."""
    if hasattr(cond, "detach"):
        return cond.detach().cpu().numpy().astype(bool)
    return np.asarray(cond, dtype=bool)


def select_rows(xp, mask: np.ndarray, a, b):
    """Row-wise ``a if mask else b`` for (M, d) arrays."""
    if mask.all():
        return a
    if not mask.any():
        return b
    return xp.where(mask[:, None], a, b)


def lena(alpha, beta, drift="momentum", *, gamma=0.1, triggers_needed=1, batch=None, compressor=None,
         trigger_norm="current", trigger_reference="v_prev", uniform_formula="corrected", threshold="printed",
         q_value=0, initial="zero") -> Algorithm:
    """LENA (Algorithm 1 of 003) with step ``alpha`` and significance threshold ``beta``.

    Args:
        alpha: step size > 0; a TheoryRangeWarning above ``1/(2 L_bar)`` (the largest step size of
            Proposition 1, C3; C1 and C2 ask ``alpha <= 1/(4 L_bar)``).
        beta: threshold >= 0 (0: upload every round). Algorithm 1 states ``0 < beta <= 1`` while the
            experiments use 40; a value above 1 is allowed with a TheoryRangeWarning.
        drift: one of ``DRIFTS`` (or ``"fixed"``, see ``q_value``).
        gamma: momentum parameter of eq. (6), in (0, 1] (drift ``"momentum"`` only).
        triggers_needed: K >= 1; upload once the condition held K times since the last upload.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        compressor: None, or a compressor applied to the uploaded ``u`` (quantization extension).
        trigger_norm, trigger_reference, uniform_formula: the readings described in the module docstring.
        threshold: ``"printed"`` (``beta ||g||^2``) or ``"alpha_squared"`` (``beta alpha^2 ||g||^2``: the
            memory then scales with the step size, as the error-feedback proofs need; see
            ``lena.proposition-1-c2`` in :mod:`theory.claims.lena`).
        q_value: the constant drift of ``drift="fixed"`` (a number, every coordinate).
        initial: ``"zero"`` (``q^{-1} = v^{-1} = 0``, ``m^0 = 0``; the first upload waits for the filter) or
            ``"gradient"`` (every node uploads at round 0, ``v^0 = alpha g^0``, and the momentum starts at
            ``m^0 = alpha g^0``, so the drift starts at the first step). Algorithm 1 leaves the initial drift
            and gradient estimate open; the experiments need ``"gradient"`` for LENA-B to follow DGD from
            the start (Figure 1), with ``"zero"`` the server applies nothing until the memory reaches the
            threshold (about ``sqrt(beta) ||g|| / alpha`` rounds at beta = 40) and then jumps.
    """
    require(initial in INITS, f"initial must be one of {INITS}, got {initial!r}")
    check_lena_params(alpha, beta, drift, gamma, triggers_needed, trigger_norm, trigger_reference,
                      uniform_formula, threshold)
    require(_is_real(q_value) and _finite(q_value), f"q_value must be a finite real number, got {q_value!r}")
    check_batch(batch)
    if compressor is not None:
        require_compressor("compressor", compressor, kinds=("contractive", "unbiased"), allow_none=True)
    warn_if(beta > 1, f"LENA: beta={float(beta):g} is outside Algorithm 1's input range 0 < beta <= 1 "
                      "(the experiments of Section 5 use beta = 40)")
    n_vec = VECTORS_PER_UPLOAD[drift]
    K = int(triggers_needed)

    def init(problem, xp):
        check_batch_problem(batch, problem)
        L_bar = mean_smoothness(problem)
        warn_if(float(alpha) > 1 / (2 * L_bar),
                f"LENA: alpha={float(alpha):.6g} is above 1/(2 L_bar) = {1 / (2 * L_bar):.6g}, the largest "
                "step size of Proposition 1 (003)")
        M, d = problem.N, problem.d
        zeros = xp.zeros((M, d))
        q0 = xp.copy(zeros) if drift != "fixed" else zeros + xp.scalar(q_value)
        return LenaState(0, problem.x0(xp), zeros, xp.copy(zeros), q0,
                         xp.copy(zeros) if drift == "momentum" else None,
                         xp.copy(zeros) if trigger_norm == "previous" else None,
                         np.zeros(M, dtype=np.int64), np.full(M, -1, dtype=np.int64))

    def step(state, problem, xp, rng):
        M, d = problem.N, problem.d
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w), rng, batch)
        aG = G if alpha == 1 else xp.scalar(alpha) * G
        u = state.e + aG
        ref = state.v_prev if trigger_reference == "v_prev" else state.q
        diff = u - ref
        g_ref = G if trigger_norm == "current" else state.g_prev
        lhs = xp.sqnorm(diff, axis=1)
        rhs = xp.sqnorm(g_ref, axis=1)
        scale = beta * alpha * alpha if threshold == "alpha_squared" else beta
        if scale != 1:
            rhs = xp.scalar(scale) * rhs
        held = host_mask(lhs >= rhs)
        count = state.count + held.astype(np.int64)
        up = count >= K
        first = initial == "gradient" and state.k == 0
        if first:
            up = np.ones(M, dtype=bool)
        count = np.where(up, 0, count)
        # momentum of eq. (6), updated every round on the node
        mom = None
        if drift == "momentum":
            mom = aG if first else state.mom + xp.scalar(gamma) * (aG - state.mom)
        # what an upload sends
        bits = np.zeros(M, dtype=np.int64)
        if compressor is not None and up.any():
            idx = np.flatnonzero(up)
            msg = compressor(xp, u[idx], rng)
            sent = xp.copy(u)
            sent[idx] = msg.values
            bits[idx] = np.asarray(msg.bits, dtype=np.int64) + (n_vec - 1) * full_precision_bits(d)
        else:
            sent = u
            bits[up] = n_vec * full_precision_bits(d)
        v = select_rows(xp, up, sent, state.q)
        # the new drift of the nodes that uploaded
        q_new = new_drift(xp, drift, v, state.q, state.k, state.last, aG=aG, mom=mom,
                          uniform_formula=uniform_formula, q_value=q_value)
        q = select_rows(xp, up, q_new, state.q)
        e = u - v
        w = state.w - xp.mean(v, axis=0)
        last = np.where(up, state.k, state.last)
        info = StepInfo(x=w, uplink_bits=bits, downlink_bits=full_precision_bits(d), uploads=up.copy(),
                        uplink=v, downlink=w)
        return LenaState(state.k + 1, w, e, v, q, mom, G if trigger_norm == "previous" else None,
                         count, last), info

    name = "LENA-" + SHORT_NAMES[drift]
    return Algorithm(name, init, step,
                     dict(alpha=alpha, beta=beta, drift=drift, gamma=gamma, triggers_needed=K, batch=batch,
                          compressor=compressor, trigger_norm=trigger_norm, trigger_reference=trigger_reference,
                          uniform_formula=uniform_formula, threshold=threshold, q_value=q_value, initial=initial))
