"""Validation of user parameters, shared by algorithms, compressors and problems.

Every check raises :class:`ValueError` with a message that names the parameter and its allowed range,
``"<name> must be <range>, got <value>"`` (e.g. ``"step eta must be a finite real number > 0, got nan"``),
so that a bad input never ends in a traceback from deep inside (a ZeroDivisionError, an OverflowError
when a huge int is turned into a float, a numpy error) or, worse, in a silent acceptance of NaN/inf or a
negative size. The helpers return the value unchanged (integers as ``int``, flags as ``bool``).

* :func:`require` - the primitive: ``ValueError(message)`` unless ``condition``.
* :func:`require_real`, :func:`require_positive_finite`, :func:`require_nonnegative_finite`,
  :func:`require_probability` - real numbers (int, float, Fraction, numpy and sympy scalars; not bool)
  in an interval, finite (an int too large for a float64 counts as infinite).
* :func:`require_int_in_range` - integers (not bool, not an integral float) in ``[low, high]``.
* :func:`require_bool`, :func:`require_choice`, :func:`require_compressor`.
* :func:`require_minibatch_problem` - a minibatch size that the problem can serve.
* :func:`parameter_context` - a ValueError raised deep inside (a quantizer's sigma too small) re-raised
  with the caller's own parameters in front, so the message names what the user can change.
* :func:`require_finite_rows` - data (features, labels, matrices) free of NaN/inf, naming the worker and
  the first bad row.

A parameter that is valid but outside a theorem's range is not an error: the algorithms warn with
:class:`~reference_impl.algorithms.base.TheoryRangeWarning` instead.
"""
from __future__ import annotations

import contextlib
import inspect
import math
import numbers
from typing import Any, Iterable

import numpy as np

__all__ = ["require", "is_real", "is_int", "finite_float", "require_real", "require_positive_finite",
           "require_nonnegative_finite", "require_probability", "require_int_in_range", "require_bool",
           "require_choice", "require_compressor", "require_finite_rows", "interval_text",
           "parameter_context", "require_minibatch_problem"]


def require(condition: bool, message: str) -> None:
    """Raise ValueError(message) unless condition (bad input names the parameter and its range)."""
    if not condition:
        raise ValueError(message)


def is_real(value: Any) -> bool:
    """A real number: int, float, Fraction, numpy or sympy real scalar; not a bool, not an array."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_int(value: Any) -> bool:
    """An integer (Python or numpy); not a bool, not an integral float such as ``2.0``."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def finite_float(value: Any) -> float:
    """``float(value)``, with values too large for a float64 (``10**400``) mapped to +-inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def interval_text(low=None, high=None, low_open: bool = False, high_open: bool = False) -> str:
    """``"> 0"``, ``">= 1"``, ``"in (0, 1]"`` ... for an interval (None: unbounded)."""
    if high is None:
        return "any value" if low is None else f"{'>' if low_open else '>='} {low}"
    if low is None:
        return f"{'<' if high_open else '<='} {high}"
    return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def require_real(name: str, value: Any, *, low=None, high=None, low_open: bool = False, high_open: bool = False,
                 allow_none: bool = False, spec: str | None = None):
    """``value`` must be a finite real number in the interval (``None`` too when ``allow_none``).

    ``name`` is the parameter as the message shows it (``"step eta"``); ``spec`` replaces the default
    range text (``"a finite real number > 0"``). Returns ``value`` unchanged.
    """
    if value is None and allow_none:
        return None
    if spec is None:
        spec = f"a finite real number {interval_text(low, high, low_open, high_open)}"
        if allow_none:
            spec = "None or " + spec
    ok = is_real(value) and math.isfinite(finite_float(value))
    if ok and low is not None:
        ok = bool(value > low) if low_open else bool(value >= low)
    if ok and high is not None:
        ok = bool(value < high) if high_open else bool(value <= high)
    if not ok:
        raise ValueError(f"{name} must be {spec}, got {_got(value)}")
    return value


def require_positive_finite(name: str, value: Any, *, allow_none: bool = False, spec: str | None = None):
    """A finite real number > 0 (a step size, a quantization level, a constant)."""
    return require_real(name, value, low=0, low_open=True, allow_none=allow_none, spec=spec)


def require_nonnegative_finite(name: str, value: Any, *, allow_none: bool = False, spec: str | None = None):
    """A finite real number >= 0 (a noise level, a regularisation, a radius)."""
    return require_real(name, value, low=0, allow_none=allow_none, spec=spec)


def require_probability(name: str, value: Any, *, low_open: bool = False, high_open: bool = False,
                        allow_none: bool = False, spec: str | None = None):
    """A real number in [0, 1], (0, 1], (0, 1) or [0, 1) (a probability, a rate, a target factor)."""
    return require_real(name, value, low=0, high=1, low_open=low_open, high_open=high_open,
                        allow_none=allow_none, spec=spec)


def require_int_in_range(name: str, value: Any, low: int | None = 1, high: int | None = None, *,
                         allow_none: bool = False, spec: str | None = None):
    """An integer in ``[low, high]`` (None: unbounded); returns ``int(value)`` (or None when allowed)."""
    if value is None and allow_none:
        return None
    if spec is None:
        if high is None:
            spec = f"an integer {interval_text(low, None)}" if low is not None else "an integer"
        else:
            spec = f"an integer in [{low}, {high}]"
        if allow_none:
            spec = "None or " + spec
    ok = is_int(value) and (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        raise ValueError(f"{name} must be {spec}, got {_got(value)}")
    return int(value)


def require_bool(name: str, value: Any) -> bool:
    """A flag: True or False (numpy bools too); strings, None and numbers are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {_got(value)}")
    return bool(value)


def require_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """One of the given strings."""
    choices = tuple(choices)
    if not (isinstance(value, str) and value in choices):
        raise ValueError(f"{name} must be one of {choices}, got {_got(value)}")
    return value


def require_compressor(name: str, value: Any, kinds: Iterable[str] | None = None, *, allow_none: bool = False,
                       unbiased: bool = False):
    """A compressor *object* (an instance, not a class), callable as ``C(xp, X, rng)``, with a ``kind``
    in ``kinds`` (None: any) and, with ``unbiased``, not flagged ``biased``."""
    if value is None and allow_none:
        return None
    what = "a compressor object (see reference_impl.compressors)"
    if kinds is not None:
        kinds = tuple(kinds)
        what = f"a compressor of kind {' or '.join(kinds)} (see reference_impl.compressors)"
    ok = (not inspect.isclass(value) and callable(value) and hasattr(value, "constant")
          and isinstance(getattr(value, "kind", None), str))
    if ok and kinds is not None:
        ok = value.kind in kinds
    if ok and unbiased:
        ok = not getattr(value, "biased", False)
    if not ok:
        raise ValueError(f"{name} must be {what}, got {_got(value)}")
    return value


def require_finite_rows(what: str, array: Any, worker: int | None = None) -> np.ndarray:
    """``array`` as a float64 array with no NaN/inf; otherwise ValueError naming the worker and the
    first row holding a non-finite value (and its column for a matrix)."""
    prefix = f"worker {worker}: " if worker is not None else ""
    try:
        out = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"{prefix}{what} must be an array of finite real numbers ({err})") from None
    if np.all(np.isfinite(out)):
        return out
    if out.ndim == 0:
        raise ValueError(f"{prefix}{what} must be finite, got {out}")
    bad = np.argwhere(~np.isfinite(out))[0]
    where = f"row {bad[0]}" + (f", column {bad[1]}" if out.ndim >= 2 else "")
    raise ValueError(f"{prefix}{what} must be finite, got {out[tuple(bad)]} in {where}")


@contextlib.contextmanager
def parameter_context(prefix: str):
    """Re-raise a ValueError from inside the block as ``ValueError(f"{prefix}: {message}")``.

    For limits met inside a building block (a lattice code, an underflow) at the user's parameter
    values: ``prefix`` names those parameters (``"AIADE (eps=1e-300) at iteration k=3"``).
    """
    try:
        yield
    except ValueError as err:
        raise ValueError(f"{prefix}: {err}") from err


def require_minibatch_problem(batch, problem, *, replace: bool = False) -> None:
    """At ``init``: a minibatch of ``batch`` rows needs ``stochastic_worker_grads`` / ``sample_batch`` and,
    drawn without replacement, at most the smallest worker's rows. ``batch=None`` (exact gradients) passes."""
    if batch is None:
        return
    require(hasattr(problem, "stochastic_worker_grads") and hasattr(problem, "sample_batch"),
            f"batch={batch} needs stochastic gradients, which {problem.name} does not provide")
    sizes = getattr(problem, "sizes", None)
    if not replace and sizes is not None:
        n_min = int(np.min(sizes))
        require(batch <= n_min, f"batch must be in [1, {n_min}] (the smallest worker's size), got {batch}")
