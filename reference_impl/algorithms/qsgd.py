"""Distributed (stochastic) gradient descent with QSGD-compressed uploads (Alistarh et al. 2017).

Each round every worker computes its gradient at the broadcast model (exact, or a minibatch estimate
with ``batch``), compresses it with :class:`~reference_impl.compressors.qsgd.QSGD` (``levels`` = s)
and uploads the Elias-coded message (its measured length); the server averages the decoded vectors
and takes the step ``x_{k+1} = x_k - eta * (1/N) sum_i Q(g_i)``.

Downlink (our choice; the paper's parameter-server variant is not specified bit for bit): the server
broadcasts the average in full precision, ``32 d`` bits.

With exact gradients the compressed average is an unbiased estimate of grad f(x_k) whose variance
does not vanish at x* (the grad f_i(x*) differ), so with a constant step the iterates reach a
neighbourhood of x*, not x* itself (cf. 000, Section 3).
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.algorithms.bidirectional import stackable
from reference_impl.algorithms.gd import check_step, warn_step
from reference_impl.algorithms.psgd import check_each, largest, step_size
from reference_impl.compressors.qsgd import MAX_LEVELS, QSGD
from reference_impl.validation import require_int_in_range, require_minibatch_problem


class QSGDState(NamedTuple):
    k: int
    x: Any


def check_levels(levels) -> None:
    """levels must be an integer in [1, MAX_LEVELS] (ValueError naming levels otherwise)."""
    require_int_in_range("quantization levels", levels, 1, MAX_LEVELS)


def check_batch_size(batch, problem) -> None:
    """batch is None (exact gradients) or an integer >= 1 on a problem with stochastic gradients."""
    require_int_in_range("batch", batch, 1, allow_none=True, spec="None or an integer >= 1")
    if problem is not None:
        require_minibatch_problem(batch, problem, replace=True)


def worker_gradients(problem, xp, x, rng, batch):
    """(N, d) gradients at x: exact, or minibatch estimates from ``batch`` rows drawn with ``rng``."""
    X = problem.broadcast(xp, x)
    if batch is None:
        return problem.worker_grads(xp, X)
    return problem.stochastic_worker_grads(xp, X, problem.sample_batch(rng, batch))


def qsgd(eta, levels, batch=None) -> Algorithm:
    """Distributed GD with QSGD(levels) uploads and step ``eta`` > 0; ``batch`` for minibatch gradients.

    ``eta`` may be R per-run step sizes for R stacked runs (:func:`~reference_impl.algorithms.psgd.step_size`)."""
    check_each(check_step, eta, "eta")
    check_levels(levels)
    check_batch_size(batch, None)
    compressor = QSGD(int(levels))

    def init(problem, xp):
        check_batch_size(batch, problem)
        warn_step(largest(eta), problem, "QSGD")
        return QSGDState(0, problem.x0(xp))

    @stackable(compressor)
    def step(state, problem, xp, rng):
        G = worker_gradients(problem, xp, state.x, rng, batch)
        C = compressor(xp, G, rng)
        g = xp.mean(C.values, axis=-2)
        x_new = state.x - step_size(xp, eta, g, "eta") * g
        info = StepInfo(x=x_new, uplink_bits=C.bits, downlink_bits=full_precision_bits(problem.d),
                        uploads=all_uploads(problem.N), uplink=C.values, downlink=g)
        return QSGDState(state.k + 1, x_new), info

    return Algorithm("QSGD", init, step, dict(eta=eta, levels=levels, batch=batch))
