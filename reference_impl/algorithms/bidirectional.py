"""Shared pieces of the bidirectional-compression algorithms of 004 (MCM) and their baselines.

Every algorithm of :mod:`~reference_impl.algorithms.diana`, :mod:`~reference_impl.algorithms.artemis`,
:mod:`~reference_impl.algorithms.dore`, :mod:`~reference_impl.algorithms.double_squeeze`,
:mod:`~reference_impl.algorithms.mcm`, :mod:`~reference_impl.algorithms.rand_mcm`,
:mod:`~reference_impl.algorithms.ghost` and :mod:`~reference_impl.algorithms.first_attempts` is built
from the few update rules below, each written once:

* :func:`compress_shifted`, the one compression rule. With a shift (memory) ``s``, a memory rate
  ``alpha`` and optionally an error-feedback term ``e`` scaled by ``eta``::

      v  = target - s + eta e        m = C(v)        (the message; its bits are measured)
      recon = s + m                  s <- s + alpha m                e <- v - m

  It is DIANA's uplink (``s = h_i``, 004 slide "The memory mechanism", Mishchenko et al. 2019), MCM's
  downlink (``target = w_{k+1}``, ``s = H_k``: ``w_hat = H_k + C(Omega)``, ``H <- H + alpha_down C(Omega)``,
  004 eq. (3)), Artemis's downlink (``target = g``), Dore's downlink error feedback and Double Squeeze's
  two error feedbacks (``s = 0``, ``alpha = 0``).
* :func:`uplink`: every participating worker compresses ``g_i - h_i`` with :func:`compress_shifted`; the
  server rebuilds ``h_i + C_up(g_i - h_i)`` with its copy of the memories. As in the authors' code (see
  the notes ``mcm-convex-setting.md``) a worker's memory starts at its *first* gradient: that first
  upload is the full-precision gradient (``32 d`` bits, counted), after which both sides hold
  ``h_i = g_i``. ``memory_init="zero"`` gives DIANA's original ``h_i = 0`` instead.
* :func:`aggregate`: the server's estimate ``(1/N) sum_i (h_i + C_up(g_i - h_i))``; with partial
  participation ``(1/(pN)) sum_{i in S_k} (...)``, as in the authors' code (Artemis, Philippenko and
  Dieuleveut 2020, partial participation).
* :func:`downlink_model`: MCM's downlink of the model difference ``Omega = w - H`` on ``M`` channels
  (``M = 1``: MCM, one broadcast; ``M = G``: Rand-MCM-G; ``M = N``: Rand-MCM, one message per worker,
  004 eq. (4)), and :func:`downlink_single_memory` for Rand-MCM with one averaged memory.

Everything is vectorised over the worker axis ``(N, d)``; randomness only through the explicit
``numpy.random.Generator``; only backend (``xp``) operations, so the same code runs on numpy, exact
rationals and torch. Subsets of workers are handled by gathering their rows (``X[..., idx, :]``),
compressing them in one call, and scattering the results back.

The run axis (issue 10, :mod:`reference_impl.batched`): every rule here is also written for R runs
stacked on a leading axis, worker arrays ``(R, N, d)``, server vectors ``(R, d)``, bits ``(R, N)``, with
a :class:`~reference_impl.backends.RunStreams` as ``rng``: the worker axis is -2, the coordinates -1, and
per-run totals (:func:`run_total`) are taken over the last axis. An algorithm whose step only uses these
rules (and run-agnostic compressors) says so with :func:`stackable`; the batched runner then advances R
runs of it as one computation. What depends on each run's data (partial participation: who takes part,
hence how many messages are drawn) stays single-run: such steps are not marked, and the helpers refuse
a run axis there instead of guessing.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import full_precision_bits, require, warn_if
from reference_impl.backends import RunStreams
from reference_impl.validation import (is_real, require_choice, require_compressor, require_int_in_range,  # noqa: F401
                                       require_minibatch_problem, require_positive_finite, require_probability)
from theory import mcm as T

MEMORY_INITS = ("gradient", "zero")


# -- the run axis ---------------------------------------------------------------------------------------
def stackable(*compressors, when: bool = True):
    """Decorator of a step written run-agnostically (only the rules of this module, worker axis -2, bits
    summed with :func:`run_total`): it may advance R stacked runs at once (:mod:`reference_impl.batched`).

    ``compressors``: the ones the step calls; all must declare ``run_axis = True`` (they draw per-run
    shapes, ``rng.random(X.shape[-2:])``). ``when``: False for a configuration that is not
    run-agnostic (e.g. partial participation). Sets ``step.run_axis``.
    """
    def mark(step):
        step.run_axis = bool(when) and all(getattr(c, "run_axis", False) for c in compressors)
        return step
    return mark


def run_total(values):
    """Sum over the last axis (workers, or messages): an int for one run, an (R,) int64 array for R runs."""
    total = np.asarray(values, dtype=np.int64).sum(axis=-1)
    return int(total) if total.ndim == 0 else total


def one_run_only(mask, what: str) -> np.ndarray:
    """A per-worker mask that must belong to one run (ValueError for a run axis)."""
    mask = np.asarray(mask, dtype=bool)
    require(mask.ndim == 1, f"{what} differs between runs: it cannot advance stacked runs (run it per run)")
    return mask


# -- validation ---------------------------------------------------------------------------------------
def check_gamma(gamma) -> None:
    """gamma must be a finite real number > 0 (ValueError naming gamma and the range otherwise)."""
    require_positive_finite("step size gamma", gamma, spec="a finite real number in (0, inf)")


def check_rate(value, name: str, allow_none: bool = True) -> None:
    """A memory rate (``alpha_up``, ``alpha_down``) or a fraction must be None (default) or in (0, 1]."""
    require_probability(name, value, low_open=True, allow_none=allow_none,
                        spec="None or a real number in (0, 1]" if allow_none else "a real number in (0, 1]")


def check_batch(batch) -> None:
    """batch is None (exact local gradients) or an integer >= 1 (minibatch without replacement)."""
    require_int_in_range("batch", batch, 1, allow_none=True,
                         spec="None (exact gradients) or an integer in [1, smallest worker size]")


def check_batch_problem(batch, problem) -> None:
    """At init: a minibatch needs ``stochastic_worker_grads`` and at most the smallest worker's rows."""
    require_minibatch_problem(batch, problem)


def check_memory_init(memory_init) -> None:
    require_choice("up_memory_init", memory_init, MEMORY_INITS)


def check_compressor(compressor, name: str, unbiased: bool = True) -> None:
    """A compressor object ``C(xp, X, rng) -> Compressed`` (unbiased or contractive); unbiased (with
    omega) where the theory needs it."""
    require_compressor(name, compressor, ("unbiased", "contractive"))
    if unbiased:
        require(getattr(compressor, "kind", None) == "unbiased" and not getattr(compressor, "biased", False),
                f"{name} must be an unbiased compressor (E[C(x)] = x, constant omega), got {compressor!r}")


def warn_gamma(gamma, problem, name: str) -> None:
    """Every algorithm here reduces to gradient descent without compression: warn when gamma >= 2/L."""
    warn_if(not float(gamma) < 2 / float(problem.L),
            f"{name}: step size gamma={float(gamma):.6g} is >= 2/L = {2 / float(problem.L):.6g}; "
            "even uncompressed gradient descent may diverge")


def theory_gamma_limit(constant: str, problem, omega_up, omega_down=0) -> float:
    """A step-size limit of :mod:`theory.mcm` (``"gamma_max"``, ``"gamma_max_up"``, ``"gamma_max_dore"``)
    at the problem's ``L`` (the largest worker smoothness constant) and ``N``.

    With ``omega_down = 0`` (no downlink compression) the downlink components of ``gamma_max`` are
    infinite, so MCM's limit is then ``gamma_max_up``.
    """
    values = dict(L=float(problem.L), N=float(problem.N), omega_up=float(omega_up), omega_down=float(omega_down))
    if constant == "gamma_max" and float(omega_down) == 0:
        constant = "gamma_max_up"
    return T.numeric(constant, **values)


def warn_theory_gamma(gamma, problem, name: str, constant: str, omega_up, omega_down=0) -> None:
    """TheoryRangeWarning when gamma exceeds :func:`theory_gamma_limit` (allowed: the experiments of
    004 run with gamma = 1/L, above every such limit)."""
    limit = theory_gamma_limit(constant, problem, omega_up, omega_down)
    warn_if(float(gamma) > limit,
            f"{name}: step size gamma={float(gamma):.6g} is above the theory's {constant}={limit:.6g} "
            "(004, slide 'Comparison to previous results: Limit learning rate')")


def default_alpha(omega):
    """The memory rate of the authors' code, ``alpha = 1 / (2 (omega + 1))``; exact when omega is rational."""
    if isinstance(omega, (int, np.integer, Fraction)) and not isinstance(omega, bool):
        return Fraction(1) / (2 * (Fraction(omega) + 1))
    return 1.0 / (2.0 * (float(omega) + 1.0))


def resolve_alpha(alpha, compressor, d: int):
    """``alpha`` if given, else :func:`default_alpha` of the compressor's omega in dimension d."""
    return default_alpha(compressor.constant(d)) if alpha is None else alpha


# -- gradients -----------------------------------------------------------------------------------------
def local_gradients(problem, xp, X, rng, batch):
    """(N, d) gradients of each worker at its own point ``X[i]``: exact (``batch=None``) or a minibatch
    of ``batch`` distinct rows per worker (``problem.sample_batch(rng, batch, replace=False)``)."""
    if batch is None:
        return problem.worker_grads(xp, X)
    return problem.stochastic_worker_grads(xp, X, problem.sample_batch(rng, int(batch), replace=False))


def sample_participants(rng, n_workers: int, p):
    """Partial participation: each worker takes part with probability p, independently (Bernoulli
    draws from ``rng``), drawn again while nobody does (as in the authors' code). ``None`` when p = 1
    (everyone, and no random draw, so p = 1 replays full participation bit for bit)."""
    if p is None or p == 1:
        return None
    require(not isinstance(rng, RunStreams), "partial participation draws per run: it cannot advance "
                                             "stacked runs (run it per run)")
    while True:
        mask = rng.random(n_workers) < float(p)
        if mask.any():
            return mask


# -- row helpers (gather / scatter on any backend) -------------------------------------------------------
def take_rows(X, idx: np.ndarray):
    """Rows ``idx`` of an (M, d) backend array (a copy); of each run's (M, d) block for (R, M, d)."""
    return X[..., idx, :]


def put_rows(xp, X, idx: np.ndarray, values):
    """A copy of ``X`` with rows ``idx`` (of each run's block) replaced by ``values``."""
    out = xp.copy(X)
    out[..., idx, :] = values
    return out


def repeat_row(xp, x, n: int):
    """The (n, d) batch whose rows all equal x (d,); (R, n, d) for x (R, d)."""
    return xp.stack([x] * n, axis=-2) if xp.exact else x[..., None, :] * xp.asarray(np.ones((n, 1)))


# -- the one compression rule ------------------------------------------------------------------------------
class Shifted(NamedTuple):
    recon: Any        # (M, d) shift + C(v): what the receiver reconstructs     (all: (R, ...) with R runs)
    shift: Any        # (M, d) the updated shift (memory), or None when there is none
    error: Any        # (M, d) the new error-feedback term v - C(v), or None
    values: Any       # (M, d) the decoded messages C(v)
    bits: np.ndarray  # (M,) measured bits of each message
    overflow: Any     # messages over the promised radius: int, or (R,) per run


def compress_shifted(xp, compressor, target, shift, alpha, rng, error=None, error_scale=1) -> Shifted:
    """Compress ``v = target - shift + error_scale * error`` row by row (one compressor call).

    ``shift=None`` means no memory (``recon = C(v)``); ``alpha`` (0 for a frozen memory) is the memory
    rate: ``shift <- shift + alpha C(v)``; ``error=None`` means no error feedback, otherwise the new
    error ``v - C(v)`` is returned.
    """
    v = target if shift is None else target - shift
    if error is not None:
        v = v + (error if error_scale == 1 else xp.scalar(error_scale) * error)
    msg = compressor(xp, v, rng)
    recon = msg.values if shift is None else shift + msg.values
    if shift is None or alpha == 0:
        new_shift = shift
    else:
        new_shift = shift + (msg.values if alpha == 1 else xp.scalar(alpha) * msg.values)
    new_error = None if error is None else v - msg.values
    return Shifted(recon, new_shift, new_error, msg.values, np.asarray(msg.bits, dtype=np.int64),
                   run_total(msg.overflow))


# -- uplink with memory ------------------------------------------------------------------------------------
class UplinkState(NamedTuple):
    h: Any              # (N, d) memories h_i (workers and server hold the same copies)
    ready: np.ndarray   # (N,) bool: memory initialised (False until a worker's first upload)
    memory: bool        # False: no memory (h = 0, plain C_up(g_i))


def init_uplink(xp, n_workers: int, d: int, memory: bool = True, memory_init: str = "gradient") -> UplinkState:
    """Memories h_i = 0; with ``memory_init="gradient"`` they are set by each worker's first upload."""
    check_memory_init(memory_init)
    ready = np.full(n_workers, not (memory and memory_init == "gradient"))
    return UplinkState(xp.zeros((n_workers, d)), ready, bool(memory))


class Uplink(NamedTuple):
    rows: Any            # (N, d) the server's rebuilt h_i + C(g_i - h_i) (0 for non-participants)
    state: UplinkState
    bits: np.ndarray     # (N,) measured bits (0 for non-participants); (R, N) with R runs
    uploads: np.ndarray  # (N,) bool
    values: Any          # (N, d) the decoded messages (C(g_i - h_i), or g_i for a first upload)
    overflow: Any        # int, or (R,) per run


def uplink(xp, compressor, G, state: UplinkState, alpha, rng, participants=None) -> Uplink:
    """One uplink round: participating workers send ``C_up(g_i - h_i)`` (memory rate ``alpha``).

    A worker whose memory is not initialised yet uploads ``g_i`` in full precision (``32 d`` bits) and
    both sides set ``h_i = g_i`` (the smart initialisation of the authors' code).
    """
    N, d = G.shape[-2:]
    part = np.ones(N, dtype=bool) if participants is None else np.asarray(participants, dtype=bool)
    shift = state.h if state.memory else None
    rate = alpha if state.memory else 0
    fresh = part & ~state.ready
    comp = part & state.ready
    if comp.all():                       # the hot path: everyone uploads a compressed message
        sh = compress_shifted(xp, compressor, G, shift, rate, rng)
        h = sh.shift if state.memory else state.h
        return Uplink(sh.recon, UplinkState(h, state.ready, state.memory), sh.bits, part, sh.values,
                      sh.overflow)
    if not comp.any():                   # nobody compresses: only first uploads (full precision), no draw
        rows = xp.where(fresh[..., None], G, xp.zeros(tuple(G.shape)))
        h = xp.where(fresh[..., None], G, state.h)
        bits = np.where(fresh, full_precision_bits(d), 0).astype(np.int64)
        return Uplink(rows, UplinkState(h, state.ready | fresh, state.memory), bits, part, rows, 0)
    comp, fresh = one_run_only(comp, "the set of uploading workers"), one_run_only(fresh, "the first uploads")
    rows, values, h = xp.zeros((N, d)), xp.zeros((N, d)), state.h
    bits = np.zeros(N, dtype=np.int64)
    overflow = 0
    idx = np.flatnonzero(comp)
    if idx.size:
        sh = compress_shifted(xp, compressor, take_rows(G, idx),
                              None if shift is None else take_rows(shift, idx), rate, rng)
        rows, values = put_rows(xp, rows, idx, sh.recon), put_rows(xp, values, idx, sh.values)
        if state.memory:
            h = put_rows(xp, h, idx, sh.shift)
        bits[idx] = sh.bits
        overflow = sh.overflow
    new = np.flatnonzero(fresh)
    if new.size:
        g_new = take_rows(G, new)
        rows, values, h = (put_rows(xp, rows, new, g_new), put_rows(xp, values, new, g_new),
                           put_rows(xp, h, new, g_new))
        bits[new] = full_precision_bits(d)
    return Uplink(rows, UplinkState(h, state.ready | fresh, state.memory), bits, part, values, overflow)


def aggregate(xp, rows, participants=None, p=1):
    """The server's gradient estimate: the mean of the N rows, or ``(1/(pN)) sum_{i in S}`` rows."""
    if participants is None:
        return xp.mean(rows, axis=-2)
    idx = np.flatnonzero(one_run_only(participants, "the set of participants"))
    return xp.sum(take_rows(rows, idx), axis=-2) / (xp.scalar(p) * rows.shape[-2])


# -- MCM's downlink: model difference with memory ------------------------------------------------------------
def channel_map(n_workers: int, channels: int) -> np.ndarray:
    """Worker i listens to channel ``i // (N / M)`` (contiguous groups of equal size)."""
    return np.arange(n_workers) // (n_workers // channels)


class Downlink(NamedTuple):
    w_hat: Any           # (N, d) the workers' local models
    H: Any               # (M, d) the downlink memories
    values: Any          # (N, d) the decoded message each worker received (0 if none)
    bits: Any            # total downlink bits of the round (int; (R,) with R runs)
    overflow: Any


def downlink_model(xp, compressor, w, H, w_hat, alpha, rng, channel: np.ndarray,
                   receivers=None) -> Downlink:
    """004 eq. (3)/(4): ``Omega_c = w - H_c``; ``w_hat_i = H_c + C_c(Omega_c)``; ``H_c <- H_c + alpha C_c``.

    ``H`` is (M, d) with M channels (1: MCM, G: Rand-MCM-G, N: Rand-MCM); ``channel[i]`` is worker i's
    channel. One compressor call on the rows of the channels that have a receiver (``receivers`` = a
    worker mask, None = all); the bits are the sum over those channels (each channel's message is one
    broadcast to its workers). Workers that receive nothing keep their local model.
    """
    M = H.shape[-2]
    if receivers is None:
        active = np.arange(M)
    else:
        receivers = one_run_only(receivers, "the set of receivers")
        active = np.unique(channel[receivers])
    full = active.size == M
    H_act = H if full else take_rows(H, active)
    sh = compress_shifted(xp, compressor, repeat_row(xp, w, active.size), H_act, alpha, rng)
    H_new = sh.shift if full else put_rows(xp, H, active, sh.shift)
    # map channel messages to workers
    slot = np.full(M, -1)
    slot[active] = np.arange(active.size)
    worker_slot = slot[channel]
    got = worker_slot >= 0 if receivers is None else (worker_slot >= 0) & receivers
    who = np.flatnonzero(got)
    if who.size == w_hat.shape[-2]:
        w_hat_new, values = take_rows(sh.recon, worker_slot), take_rows(sh.values, worker_slot)
    else:
        w_hat_new = put_rows(xp, w_hat, who, take_rows(sh.recon, worker_slot[who]))
        values = put_rows(xp, xp.zeros(tuple(w_hat.shape)), who, take_rows(sh.values, worker_slot[who]))
    return Downlink(w_hat_new, H_new, values, run_total(sh.bits), sh.overflow)


class SingleMemoryDownlink(NamedTuple):
    w_hat: Any           # (N, d)
    H_bar: Any           # (d,) the server's single averaged memory
    H_workers: Any       # (N, d) the workers' own memories
    values: Any          # (N, d)
    bits: Any            # int; (R,) with R runs
    overflow: Any


def downlink_single_memory(xp, compressor, w, H_bar, H_workers, w_hat, alpha, rng, receivers=None,
                           reset: bool = False) -> SingleMemoryDownlink:
    """Rand-MCM with one averaged memory (004, slide "Next step: Rand-MCM", solution 1).

    The server keeps only ``H_bar``; worker i keeps its own ``H^i``. Each receiver gets its own
    compression of the same ``Omega = w - H_bar`` (one compressor call on the repeated rows) and sets
    ``w_hat_i = H^i + C_i(Omega)``, ``H^i <- H^i + alpha C_i(Omega)``; the server sets
    ``H_bar <- H_bar + (alpha / N) sum_i C_i(Omega)`` (so ``H_bar`` stays the average of the ``H^i``
    under full participation). ``reset``: before that, the server sends ``H_bar`` in full precision
    (``32 d`` bits per receiver, counted) and the receivers set ``H^i = H_bar``.
    """
    N, d = H_workers.shape[-2:]
    idx = np.arange(N) if receivers is None else np.flatnonzero(one_run_only(receivers, "the set of receivers"))
    bits = 0
    if reset:
        H_workers = put_rows(xp, H_workers, idx, repeat_row(xp, H_bar, idx.size))
        bits += full_precision_bits(d) * idx.size
    # the difference is taken to H_bar but rebuilt on H^i: not compress_shifted's rule
    msg = compressor(xp, repeat_row(xp, w - H_bar, idx.size), rng)
    H_i = take_rows(H_workers, idx)
    w_hat = put_rows(xp, w_hat, idx, H_i + msg.values)
    values = put_rows(xp, xp.zeros(tuple(H_workers.shape)), idx, msg.values)
    if alpha != 0:
        step = msg.values if alpha == 1 else xp.scalar(alpha) * msg.values
        H_workers = put_rows(xp, H_workers, idx, H_i + step)
        H_bar = H_bar + xp.sum(step, axis=-2) / N
    return SingleMemoryDownlink(w_hat, H_bar, H_workers, values, bits + run_total(msg.bits),
                                run_total(msg.overflow))
