"""Distributed gradient descent with exact, full-precision gradients (the uncompressed baseline).

``x_{k+1} = x_k - eta * (1/N) sum_i grad f_i(x_k)``. Messages: every worker uploads its gradient as
float32 (``32 d`` bits); the server broadcasts the average gradient as float32 (``32 d`` bits), from
which every worker updates its copy of x. The arithmetic itself runs in the backend's precision
(float64, exact rationals or torch): the bit count is what a float32 wire format would cost.

For L-smooth, mu-strongly convex f, GD converges for ``0 < eta < 2/L`` (Nesterov, "Introductory
Lectures on Convex Optimization", 2004, Theorem 2.1.15 gives the rate for eta <= 2/(L+mu)); a step
``eta >= 2/L`` is allowed with a :class:`~reference_impl.algorithms.base.TheoryRangeWarning`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits, warn_if
from reference_impl.validation import require_positive_finite


class GDState(NamedTuple):
    k: int
    x: Any


def check_step(eta) -> None:
    """eta must be a finite real number > 0 (ValueError naming eta otherwise)."""
    require_positive_finite("step eta", eta)


def warn_step(eta, problem, name: str) -> None:
    """Warn when eta >= 2/L (gradient descent may diverge)."""
    warn_if(not float(eta) < 2 / float(problem.L),
            f"{name}: step eta={float(eta):.6g} is >= 2/L = {2 / float(problem.L):.6g}; "
            "gradient descent may diverge")


def full_precision_info(x_new, G, g, N: int, d: int) -> StepInfo:
    """StepInfo of one round in which every worker uploads G_i and the server broadcasts g, in float32."""
    return StepInfo(x=x_new, uplink_bits=np.full(N, full_precision_bits(d), dtype=np.int64),
                    downlink_bits=full_precision_bits(d), uploads=all_uploads(N), uplink=G, downlink=g)


def gradient_descent(eta) -> Algorithm:
    """Gradient descent with step ``eta`` > 0 (warning if eta >= 2/L); full-precision messages."""
    check_step(eta)

    def init(problem, xp):
        warn_step(eta, problem, "gradient descent")
        return GDState(0, problem.x0(xp))

    def step(state, problem, xp, rng=None):
        G = problem.worker_grads(xp, problem.broadcast(xp, state.x))
        g = xp.mean(G, axis=0)
        x_new = state.x - xp.scalar(eta) * g
        return GDState(state.k + 1, x_new), full_precision_info(x_new, G, g, problem.N, problem.d)

    return Algorithm("GD", init, step, dict(eta=eta))
