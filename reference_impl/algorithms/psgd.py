"""P-SGD: vanilla parallel stochastic gradient descent, full precision (the baseline of 001).

Slide "Vanilla parallel stochastic gradient descent (PSGD)" of 001 (Huang, Chen, Yin, Yuan 2022,
"Lower Bounds and Nearly Optimal Algorithms in Distributed Learning with Communication Compression")::

    g_i = O_i(x_k; zeta_i)                  every worker queries its stochastic gradient oracle
    x_{k+1} = x_k - gamma * (1/n) sum_i g_i  all nodes average (global communication)

Messages: every worker uploads ``g_i`` as float32 (``32 d`` bits) and the server broadcasts the
average as float32 (``32 d`` bits). No compression, so one communication round per iteration
(``compression_rounds_per_iteration = 1`` in ``Algorithm.params``).

This module also holds what the algorithms of 001 share (:func:`oracle`, the parameter checks):

* The **gradient oracle** ``O_i(x; zeta)`` of Assumption 2 (slide "Function class and gradient oracle
  class"): the exact ``grad f_i`` (``batch=None``), or a minibatch estimate from ``batch`` distinct
  rows of worker i's data drawn with the explicit generator
  (``problem.sample_batch(rng, batch, replace=False)``, then ``problem.stochastic_worker_grads``; the
  sampling of :func:`~reference_impl.algorithms.bidirectional.local_gradients`, so that the Double
  Squeeze backbone and NEOLITHIC draw the same minibatches), plus, optionally, additive Gaussian noise
  ``noise * xi`` with ``xi ~ N(0, I_d)``, so ``E||O_i(x) - grad f_i(x)||^2 = noise^2 d`` on top of the
  minibatch variance.
* **R-batch gradient accumulation** (NEOLITHIC, slide "NEOLITHIC: A nearly optimal algorithm",
  change 2): ``(1/R) sum_r O_i(x; zeta_i^(k,r))`` with independent ``zeta``: R independent minibatches
  (R draws), whose mean gradient is the minibatch gradient over their ``R * batch`` rows taken
  together (one evaluation); the Gaussian noise is the mean of R independent standard normal draws.

With ``batch=None`` and ``noise=0`` P-SGD is :func:`~reference_impl.algorithms.gd.gradient_descent`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, require, warn_if
from reference_impl.algorithms.bidirectional import stackable
from reference_impl.algorithms.gd import full_precision_info
from reference_impl.validation import (require_int_in_range, require_minibatch_problem, require_nonnegative_finite,
                                       require_positive_finite)


class PSGDState(NamedTuple):
    k: int
    x: Any


# -- shared checks ------------------------------------------------------------------------------
def check_gamma(gamma) -> None:
    """The learning rate gamma must be a finite real number > 0 (ValueError naming gamma otherwise)."""
    require_positive_finite("learning rate gamma", gamma)


def check_steps(gamma) -> None:
    """:func:`check_gamma`, or R per-run learning rates (a non-empty 1-D sequence, one per stacked run,
    :func:`step_size`) that each pass it."""
    check_each(check_gamma, gamma)


def per_run(gamma) -> bool:
    """True when ``gamma`` holds per-run step sizes (a list, a tuple or a numpy array with ndim >= 1)."""
    return isinstance(gamma, (list, tuple)) or (isinstance(gamma, np.ndarray) and gamma.ndim >= 1)


def check_each(check, gamma, name: str = "gamma") -> None:
    """``check(gamma)`` for one step size; for per-run step sizes, a 1-D non-empty sequence whose every
    entry passes ``check`` (ValueError naming ``name`` otherwise)."""
    if not per_run(gamma):
        check(gamma)
        return
    values = np.asarray(gamma, dtype=object)
    require(values.ndim == 1 and values.size >= 1,
            f"step size {name}: per-run step sizes (one per stacked run) must be a 1-D non-empty sequence, "
            f"got shape {values.shape}")
    for g in values.tolist():
        check(g)


def step_size(xp, gamma, like, name: str = "gamma"):
    """``gamma`` as a factor of the array ``like``: a backend scalar for one step size; for R per-run step
    sizes (a 1-D sequence, the runs of a step-size sweep advanced stacked, issue 10) an (R, 1, ..., 1)
    array against ``like``'s leading run axis. ValueError when ``like`` has no run axis of length R."""
    if not per_run(gamma):
        return xp.scalar(gamma)
    g = np.asarray(gamma, dtype=np.float64)
    shape = tuple(like.shape)
    require(len(shape) >= 2 and shape[0] == g.size,
            f"step size {name}: {g.size} per-run step sizes must advance exactly {g.size} stacked runs (a "
            f"leading run axis of that length), got an array of shape {shape}")
    return xp.asarray(g.reshape((g.size,) + (1,) * (len(shape) - 1)))


def largest(gamma) -> float:
    """The largest of one or several (per-run) step sizes, for the step-size warnings."""
    return float(np.max(np.asarray(gamma, dtype=np.float64)))


def check_positive_int(value, name: str, high: int | None = None) -> None:
    """``value`` must be an integer in [1, high] (ValueError naming ``name`` and the range otherwise)."""
    require_int_in_range(name, value, 1, high,
                         spec="an integer >= 1" + (f" (at most {high})" if high is not None else ""))


def check_noise(noise) -> None:
    """The standard deviation of the additive gradient noise must be a finite real number >= 0."""
    require_nonnegative_finite("gradient noise", noise, spec="a real number >= 0 (finite)")


def check_oracle(batch, noise, problem=None) -> None:
    """``batch`` is None or an integer in [1, smallest worker size] (on a problem with minibatch
    gradients); ``noise`` >= 0. ValueError naming the parameter and its range otherwise."""
    require_int_in_range("batch", batch, 1, allow_none=True, spec="None (exact gradients) or an integer >= 1")
    check_noise(noise)
    if problem is not None:
        require_minibatch_problem(batch, problem)


def warn_gamma(gamma, problem, name: str) -> None:
    """Warn (:class:`~reference_impl.algorithms.base.TheoryRangeWarning`) when gamma >= 2/L.

    At ``gamma >= 2/L`` even uncompressed gradient descent may diverge; the theorems of 001 need
    smaller steps still (of order ``1/L``, with constants that depend on delta or omega).
    """
    warn_if(not largest(gamma) < 2 / float(problem.L),
            f"{name}: learning rate gamma={largest(gamma):.6g} is >= 2/L = {2 / float(problem.L):.6g}; "
            "the iteration may diverge")


# -- the stochastic gradient oracle, vectorised over workers ---------------------------------------
def oracle(problem, xp, X, rng: np.random.Generator | None, batch=None, noise=0.0, accumulate: int = 1):
    """(N, d) answers of the gradient oracles ``O_i`` at the worker points ``X`` (N, d).

    ``accumulate`` = R averages R independent oracle answers (R-batch gradient accumulation). Random
    numbers are drawn from ``rng`` only when needed (R minibatches of ``batch`` distinct rows, then the
    noise), so an oracle with ``batch=None, noise=0`` consumes none. Run axis: ``X`` (R, N, d) with a
    :class:`~reference_impl.backends.RunStreams` gives (R, N, d), each run's draws from its own stream.
    """
    if batch is None:
        G = problem.worker_grads(xp, X)
    else:
        draws = [problem.sample_batch(rng, int(batch), replace=False) for _ in range(int(accumulate))]
        rows = draws[0] if len(draws) == 1 else np.concatenate(draws, axis=-1)
        G = problem.stochastic_worker_grads(xp, X, rows)
    if noise:
        Z = rng.standard_normal((int(accumulate), problem.N, problem.d)).mean(axis=-3)
        G = G + xp.scalar(noise) * xp.from_numpy_random(Z)
    return G


def psgd(gamma, batch=None, noise=0.0) -> Algorithm:
    """P-SGD with learning rate ``gamma`` > 0; ``batch`` rows per minibatch oracle (None: exact
    gradients) and additive Gaussian gradient noise of standard deviation ``noise`` >= 0.

    ``gamma`` may also be R step sizes: the step then advances R stacked runs, run r with ``gamma[r]``
    (:func:`step_size`). The step is run-agnostic (``stackable``, issue 10)."""
    check_steps(gamma)
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        warn_gamma(gamma, problem, "P-SGD")
        return PSGDState(0, problem.x0(xp))

    @stackable()
    def step(state, problem, xp, rng=None):
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        g = xp.mean(G, axis=-2)
        x_new = state.x - step_size(xp, gamma, state.x) * g
        return PSGDState(state.k + 1, x_new), full_precision_info(x_new, G, g, problem.N, problem.d)

    return Algorithm("P-SGD", init, step, dict(gamma=gamma, batch=batch, noise=noise,
                                               compression_rounds_per_iteration=1,
                                               oracle_queries_per_iteration=1))
