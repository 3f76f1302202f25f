"""The uniform signature of every algorithm: an ``(init, step)`` pair over explicit state.

In the style of optax's gradient transformations: a factory takes the hyper-parameters, validates
them (clear errors; a step size above a theorem's limit is allowed with a warning) and returns an
:class:`Algorithm`::

    algo = iade(eta=..., c_prime=..., s=...)
    state = algo.init(problem, xp)            # explicit state (a NamedTuple), no hidden mutation
    state, info = algo.step(state, problem, xp, rng)

``info`` is a :class:`StepInfo`: the iterate to record and the messages of the round, with their
measured bit counts, uplink (one entry per worker, 0 for a skipped upload) and downlink (the server's
broadcast, counted once) kept apart, so communication is accounted for by construction.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, NamedTuple

import numpy as np

from reference_impl.validation import require  # noqa: F401  (re-exported: the algorithms' one check primitive)


class StepInfo(NamedTuple):
    x: Any                    # the iterate after the step (backend array, shape (d,))
    uplink_bits: np.ndarray   # (N,) bits each worker sent this round (0 = no upload)
    downlink_bits: int        # bits the server broadcast this round
    uploads: np.ndarray       # (N,) bool, which workers uploaded
    uplink: Any = None        # (N, d) the decoded uploaded messages
    downlink: Any = None      # (d,) or (N, d) the decoded broadcast message(s)
    overflow: int = 0         # messages that did not fit the radius the theory promised


class Algorithm(NamedTuple):
    name: str
    init: Callable[..., Any]
    step: Callable[..., tuple[Any, StepInfo]]
    params: dict


FLOAT32_BITS = 32


def full_precision_bits(d: int) -> int:
    """Bits of an uncompressed float32 vector of dimension d."""
    return FLOAT32_BITS * d


def warn_if(condition: bool, message: str) -> None:
    """A parameter outside a theorem's range is allowed, but warned about."""
    if condition:
        warnings.warn(message, TheoryRangeWarning, stacklevel=3)


class TheoryRangeWarning(UserWarning):
    """A parameter lies outside the range in which the paper's theorem applies."""


def all_uploads(n_workers: int) -> np.ndarray:
    return np.ones(n_workers, dtype=bool)
