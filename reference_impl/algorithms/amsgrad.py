"""Distributed AMSGrad (full precision) and the server's AMSGrad update shared by the 002 algorithms.

Reddi, Kale, Kumar 2018 ("On the convergence of Adam and beyond", [25] of the draft), run on n workers
with a parameter server: every worker uploads its stochastic gradient ``g_{t,i}`` (float32, ``32 d``
bits), the server averages them, ``g_bar = (1/n) sum_i g_{t,i}``, and updates (Algorithm 1 of 002, lines
13-16)::

    m_t     = beta_1 m_{t-1} + (1 - beta_1) g_bar
    v_t     = beta_2 v_{t-1} + (1 - beta_2) g_bar^2
    v_hat_t = max(v_hat_{t-1}, v_t)
    theta_t = theta_{t-1} - eta_t m_t / sqrt(v_hat_t + eps)        eps_mode="inside"  (the draft)
    theta_t = theta_{t-1} - eta_t m_t / (sqrt(v_hat_t) + eps)      eps_mode="outside" (the authors' code)

and broadcasts ``theta_t`` (``32 d`` bits). ``bias_correction=True`` divides ``m_t`` by ``1 - beta_1^t``
and ``v_t`` by ``1 - beta_2^t`` before the max (as optax's ``scale_by_amsgrad``); the draft and the
authors' code have none (the default).

A coordinate with ``v_hat = 0`` has seen only zero gradients, so its ``m`` is 0 too: the direction is
then 0 (also with ``eps = 0``, which the exact backend needs; see below).

Square roots: on float backends the backend's ``sqrt``. On :data:`~reference_impl.backends.EXACT` the
root is taken exactly when the argument is the square of a rational (e.g. ``beta_2 = 0``, ``eps = 0``,
outside: ``sqrt(v_hat) = max |g|``) and :class:`~reference_impl.backends.NotRational` is raised otherwise.

:func:`server_update` (the lines above) and the hyper-parameter checks are shared by
:mod:`~reference_impl.algorithms.compams`, :mod:`~reference_impl.algorithms.compams_single`,
:mod:`~reference_impl.algorithms.qadam` and :mod:`~reference_impl.algorithms.onebit_adam`.
"""
from __future__ import annotations

import inspect
import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import (Algorithm, StepInfo, all_uploads, full_precision_bits, require,
                                            warn_if)
from reference_impl.backends import NotRational
from reference_impl.validation import (finite_float, is_real, require_bool, require_choice, require_int_in_range,
                                       require_nonnegative_finite, require_real)

EPS_MODES = ("inside", "outside")


class AdaptiveParams(NamedTuple):
    beta_1: Any
    beta_2: Any
    eps: Any
    eps_mode: str
    bias_correction: bool


# -- hyper-parameter checks ------------------------------------------------------------------------------
def _got(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_real(x) -> bool:
    """A finite real number (not a bool); an int or Fraction too large for a float64 counts as infinite."""
    return is_real(x) and math.isfinite(finite_float(x))


def check_eta(eta, name: str = "eta") -> None:
    """``eta`` is a finite real > 0 or a callable ``t -> eta_t`` (t = 1, 2, ...; checked at each step).

    ``name`` is the parameter as the factory calls it (``"gamma"`` for compressed SGD). A class (``float``,
    ``object``) is callable but no schedule: refused."""
    if callable(eta) and not inspect.isclass(eta):
        return
    require(_is_real(eta), f"step size {name} must be a finite real number > 0 or a callable t -> {name}_t, "
                           f"got {_got(eta)}")
    require(eta > 0, f"step size {name} must be > 0, got {eta}")


def eta_at(eta, t: int, name: str = "eta"):
    """``eta_t`` for iteration ``t`` >= 1 (ValueError naming eta when a schedule returns a bad value)."""
    value = eta(t) if callable(eta) else eta
    require(_is_real(value) and value > 0,
            f"step size {name}_t must be a finite real > 0, got {name}_{t}={_got(value)}")
    return value


def check_adaptive(beta_1, beta_2, eps, eps_mode, bias_correction) -> AdaptiveParams:
    """Validated AMSGrad hyper-parameters: beta_1, beta_2 in [0, 1), eps >= 0 (warned when 0), eps_mode."""
    for name, b in (("beta_1", beta_1), ("beta_2", beta_2)):
        require_real(name, b, low=0, high=1, high_open=True, spec="a real number in [0, 1)")
    require_nonnegative_finite("eps", eps)
    require_choice("eps_mode", eps_mode, EPS_MODES)
    bias_correction = require_bool("bias_correction", bias_correction)
    warn_if(eps == 0, "eps = 0: the draft's Lemma 1 and the published theorem need eps > 0 (1/eps appears in "
                      "the bounds); allowed for exact-arithmetic tests")
    warn_if(beta_1 > 0 and beta_1 ** 2 >= beta_2,
            f"beta_1^2 = {float(beta_1) ** 2:.4g} >= beta_2 = {float(beta_2):.4g}: AMSGrad analyses (Reddi et al. 2018; "
            "COMP-AMS) assume beta_1 < sqrt(beta_2)")
    return AdaptiveParams(beta_1, beta_2, eps, eps_mode, bias_correction)


def check_oracle(batch, noise, problem=None) -> None:
    """``batch`` None or an integer in [1, smallest worker size] (on a problem with minibatch gradients);
    ``noise`` a finite real >= 0. ValueError naming the parameter and its range otherwise."""
    require_int_in_range("batch", batch, 1, allow_none=True, spec="None (exact gradients) or an integer >= 1")
    require_nonnegative_finite("gradient noise", noise)
    if problem is None or batch is None:
        return
    require(hasattr(problem, "stochastic_worker_grads") and hasattr(problem, "sample_batch"),
            f"batch={batch} needs stochastic gradients, which {problem.name} does not provide")
    sizes = getattr(problem, "sizes", None)
    if sizes is not None:
        require(batch <= int(np.min(sizes)), f"batch must be in [1, {int(np.min(sizes))}] (the smallest worker's "
                                             f"size), got {batch}")


def oracle(problem, xp, X, rng, batch=None, noise=0.0):
    """(N, d) stochastic gradients at the worker points X: exact (``batch=None``) or a minibatch of ``batch``
    distinct rows per worker (drawn from ``rng``), plus Gaussian noise of standard deviation ``noise``."""
    if batch is None:
        G = problem.worker_grads(xp, X)
    else:
        G = problem.stochastic_worker_grads(xp, X, problem.sample_batch(rng, int(batch), replace=False))
    if noise:
        G = G + xp.scalar(noise) * xp.from_numpy_random(rng.standard_normal((problem.N, problem.d)))
    return G


COMPRESSOR_KINDS = ("unbiased", "contractive")


def check_compressor(compressor, name: str = "compressor") -> None:
    """A :class:`~reference_impl.compressors.base.Compressor` *instance* called as ``C(xp, X, rng)``: of kind
    unbiased or contractive (an absolute-error quantizer needs ``sigma``/``radius`` the algorithms do not pass)."""
    from reference_impl.compressors.base import Compressor

    if inspect.isclass(compressor):
        raise ValueError(f"{name} must be a Compressor instance, got the class {compressor.__name__} "
                         f"(build one, e.g. {compressor.__name__}(...))")
    require(isinstance(compressor, Compressor),
            f"{name} must be a Compressor instance (see reference_impl.compressors), got {_got(compressor)}")
    require(getattr(compressor, "kind", None) in COMPRESSOR_KINDS,
            f"{name} must be a Compressor of kind {' or '.join(COMPRESSOR_KINDS)} (called as C(xp, X, rng)), "
            f"got {_got(compressor)} of kind {getattr(compressor, 'kind', None)!r}")


# -- arithmetic -----------------------------------------------------------------------------------------
def _as_bool(xp, cond):
    return cond if getattr(xp, "torch", None) is not None else np.asarray(cond).astype(bool)


def exact_or_backend_sqrt(xp, x):
    """``sqrt(x)`` elementwise; exact on the exact backend when every entry is a rational square."""
    if not xp.exact:
        return xp.sqrt(x)
    out = np.empty(np.shape(x), dtype=object)
    for idx, v in np.ndenumerate(np.asarray(x, dtype=object)):
        v = Fraction(v)
        a, b = math.isqrt(v.numerator), math.isqrt(v.denominator)
        if a * a != v.numerator or b * b != v.denominator:
            raise NotRational(f"AMSGrad needs sqrt({v}), which is irrational: use the numpy or torch backend, or "
                              "an instance with rational roots (e.g. beta_2 = 0, eps = 0, eps_mode='outside')")
        out[idx] = Fraction(a, b)
    return out


def scaled_direction(xp, m, v_hat, hp: AdaptiveParams):
    """``m / sqrt(v_hat + eps)`` (inside) or ``m / (sqrt(v_hat) + eps)`` (outside); 0 where the denominator is 0."""
    eps = xp.scalar(hp.eps)
    denom = exact_or_backend_sqrt(xp, v_hat + eps) if hp.eps_mode == "inside" else exact_or_backend_sqrt(xp, v_hat) + eps
    positive = _as_bool(xp, denom > xp.scalar(0))
    return xp.where(positive, m / xp.where(positive, denom, xp.scalar(1)), xp.scalar(0))


def server_update(xp, m, v, v_hat, g_bar, t: int, hp: AdaptiveParams):
    """Lines 13-15 of Algorithm 1 and the direction of line 16: ``(m, v, v_hat, direction)``."""
    b1, b2 = xp.scalar(hp.beta_1), xp.scalar(hp.beta_2)
    one = xp.scalar(1)
    m = b1 * m + (one - b1) * g_bar
    v = b2 * v + (one - b2) * g_bar * g_bar
    if hp.bias_correction:
        m_use = m / (one - b1 ** t)
        v_use = v / (one - b2 ** t)
    else:
        m_use, v_use = m, v
    v_hat = xp.maximum(v_hat, v_use)
    return m, v, v_hat, scaled_direction(xp, m_use, v_hat, hp)


# -- distributed AMSGrad -------------------------------------------------------------------------------
class AMSGradState(NamedTuple):
    k: int
    x: Any
    m: Any
    v: Any
    v_hat: Any


def amsgrad(eta, beta_1=0.9, beta_2=0.999, eps=1e-8, eps_mode: str = "outside", bias_correction: bool = False,
            batch=None, noise=0.0) -> Algorithm:
    """Full-precision distributed AMSGrad (the uncompressed baseline of 002).

    Args:
        eta: step size > 0, or a callable ``t -> eta_t``.
        beta_1, beta_2: moment rates in [0, 1) (a warning when beta_1^2 >= beta_2).
        eps: >= 0 (a warning at 0); ``eps_mode``: "inside" (the draft) or "outside" (the authors' code).
        bias_correction: Adam's bias correction of m and v (default False, as the draft and the code).
        batch: rows per minibatch gradient per worker (None: exact local gradients).
        noise: standard deviation of additive Gaussian gradient noise (>= 0).
    """
    check_eta(eta)
    hp = check_adaptive(beta_1, beta_2, eps, eps_mode, bias_correction)
    check_oracle(batch, noise)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        z = xp.zeros((problem.d,))
        return AMSGradState(0, problem.x0(xp), z, xp.copy(z), xp.copy(z))

    def step(state, problem, xp, rng=None):
        t = state.k + 1
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        g_bar = xp.mean(G, axis=0)
        m, v, v_hat, direction = server_update(xp, state.m, state.v, state.v_hat, g_bar, t, hp)
        x_new = state.x - xp.scalar(eta_at(eta, t)) * direction
        info = StepInfo(x=x_new, uplink_bits=np.full(problem.N, full_precision_bits(problem.d), dtype=np.int64),
                        downlink_bits=full_precision_bits(problem.d), uploads=all_uploads(problem.N),
                        uplink=G, downlink=x_new)
        return AMSGradState(t, x_new, m, v, v_hat), info

    return Algorithm("AMSGrad", init, step, dict(eta=eta if not callable(eta) else "schedule", beta_1=beta_1,
                                                 beta_2=beta_2, eps=eps, eps_mode=eps_mode,
                                                 bias_correction=bias_correction, batch=batch, noise=noise))

