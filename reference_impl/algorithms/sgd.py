"""Distributed minibatch SGD without compression: the uncompressed baseline of 004's experiments.

Each round every worker computes its gradient at the shared model (exact with ``batch=None``, or a
minibatch of ``batch`` distinct rows of its own data, drawn with the explicit generator) and uploads it
in full precision; the server averages and broadcasts the average in full precision; everyone takes

    ``w_{k+1} = w_k - gamma (1/N) sum_i g_i(w_k)``.

Bits: ``32 d`` per worker up (float32) and ``32 d`` down (one broadcast); the arithmetic itself runs in
the backend's precision. With ``batch=None`` this is gradient descent
(:func:`~reference_impl.algorithms.gd.gradient_descent` with ``eta = gamma``), which the tests check
bit for bit. The step is run-agnostic (:func:`~reference_impl.algorithms.bidirectional.stackable`):
the batched runner advances R runs of it at once.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm
from reference_impl.algorithms.bidirectional import (check_batch, check_batch_problem, check_gamma,
                                                     local_gradients, stackable, warn_gamma)
from reference_impl.algorithms.gd import full_precision_info


class SGDState(NamedTuple):
    k: int
    w: Any


def sgd(gamma, batch=None) -> Algorithm:
    """Distributed (minibatch) SGD with step ``gamma`` > 0 and full-precision messages both ways.

    Args:
        gamma: step size, > 0 (a warning when gamma >= 2/L).
        batch: None for exact local gradients, or the minibatch size (rows drawn without replacement
            on each worker, at most the smallest worker's size).
    """
    check_gamma(gamma)
    check_batch(batch)

    def init(problem, xp):
        check_batch_problem(batch, problem)
        warn_gamma(gamma, problem, "SGD")
        return SGDState(0, problem.x0(xp))

    @stackable()
    def step(state, problem, xp, rng=None):
        G = local_gradients(problem, xp, problem.broadcast(xp, state.w), rng, batch)
        g = xp.mean(G, axis=-2)
        w = state.w - xp.scalar(gamma) * g
        return SGDState(state.k + 1, w), full_precision_info(w, G, g, problem.N, problem.d)

    return Algorithm("SGD", init, step, dict(gamma=gamma, batch=batch))
