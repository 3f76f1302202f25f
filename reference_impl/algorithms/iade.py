"""IADE: Increasing Accuracy and Double Encoding (Algorithm 1 of 000).

Gradient descent ``x_{k+1} = x_k - eta v_k`` where ``v_k`` approximates ``grad f(x_k)`` through the
double encoding of gradient differences (:mod:`reference_impl.algorithms.double_encoding`), every
quantization with absolute error ``s c'^{k+1} / 2`` (:class:`~reference_impl.compressors.uniform.UniformQuantizer`).

Bits: the receiver must know a ball containing the vector. For k >= 1 the radii are the bounds of
the proof of Theorem 3.1 (``radius_worker``/``radius_server`` of :mod:`theory.iade`, times c'^{k+1},
with the corrected xi, see erratum ``iade.theorem-3.1``), so the radius/error ratio and therefore the
bits per encoding are constant in k. At k = 0 each worker announces the norm of its gradient (32 bits).
A vector outside its promised radius is counted in ``StepInfo.overflow`` (a failed theory check).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, require, warn_if
from reference_impl.algorithms.double_encoding import (EncodingState, double_encode, init_encoding,
                                                       row_norms)
from reference_impl.compressors.uniform import RADIUS_ANNOUNCE_BITS, UniformQuantizer
from reference_impl.validation import (parameter_context, require_compressor, require_positive_finite,
                                       require_probability)
from theory import iade as T


class IADEState(NamedTuple):
    k: int
    x: Any
    enc: EncodingState
    consts: dict


def _scalar(xp, value):
    return xp.scalar(Fraction(value) if xp.exact else value)


def iade(eta, c_prime, s, dist0=None, *, up_quantizer=None, down_quantizer=None) -> Algorithm:
    """Algorithm 1 of 000.

    Args:
        eta: step size, in (0, 2/(L+mu)) for Theorem 3.1 (outside: allowed, with a warning).
        c_prime: the target rate c' with c = 1 - eta mu < c' < 1 (error otherwise).
        s: quantization level (error scale), > 0.
        dist0: an upper bound on ||x_0 - x*|| used for the radii (default ||grad f(x_0)|| / mu).
        up_quantizer, down_quantizer: the workers' and the server's ``Q(v, sigma)`` (default: the
            :class:`~reference_impl.compressors.uniform.UniformQuantizer`; :mod:`reference_impl.distributed`
            passes its message-carrying stand-ins).
    """
    require_positive_finite("step eta", eta)
    require_positive_finite("quantization level s", s)
    require_probability("c_prime", c_prime, low_open=True, high_open=True,
                        spec="a real number in (c, 1) with c = 1 - eta*mu")
    require_positive_finite("dist0 (an upper bound on ||x_0 - x*||)", dist0, allow_none=True)
    for name, q in (("up_quantizer", up_quantizer), ("down_quantizer", down_quantizer)):
        require_compressor(name, q, ("absolute-error",), allow_none=True)
    q_up = UniformQuantizer() if up_quantizer is None else up_quantizer
    q_down = UniformQuantizer() if down_quantizer is None else down_quantizer

    def init(problem, xp):
        c = 1 - eta * problem.mu
        require(c < c_prime, f"c_prime must be in (c, 1) with c = 1 - eta*mu = {float(c):.6g}; got c_prime={c_prime}")
        warn_if(not eta < 2 / (problem.L + problem.mu),
                f"eta={float(eta):.6g} is outside Theorem 3.1's range (0, 2/(L+mu)) = "
                f"(0, {2 / (float(problem.L) + float(problem.mu)):.6g})")
        x0 = problem.x0(xp)
        dist = dist0 if dist0 is not None else float(
            np.linalg.norm(problem.grad(_np(), xp.to_numpy(x0)))) / float(problem.mu)
        params = dict(L=float(problem.L), mu=float(problem.mu), eta=float(eta), c=float(c),
                      c_prime=float(c_prime), s=float(s), x0=float(dist))
        consts = {"c": c, "R_up": _float_or_inf("radius_worker", params),
                  "R_down": _float_or_inf("radius_server", params)}
        require(all(math.isfinite(consts[r]) and consts[r] >= 0 for r in ("R_up", "R_down")),
                f"IADE: the radii of Theorem 3.1 overflow float64 at eta={eta}, c_prime={c_prime}, s={s}, "
                f"dist0={dist0}; eta, s and dist0 must be smaller, c_prime further from 1")
        return IADEState(0, x0, init_encoding(xp, problem.N, problem.d), consts)

    def step(state, problem, xp, rng=None):
        k, x = state.k, state.x
        sigma = _scalar(xp, s) * _scalar(xp, c_prime) ** (k + 1) / 2
        require(sigma > 0, f"IADE: the quantization error s c'^(k+1)/2 underflows to 0 at iteration k={k} "
                           f"(s={s}, c_prime={c_prime}); s must be larger or the run shorter")
        G = problem.worker_grads(xp, problem.broadcast(xp, x))
        extra_up = 0
        if k == 0:  # no theory radius yet: every worker announces the norm of its vector
            r_up = row_norms(xp, G) * (1 + 1e-12) + 1e-300
            r_down = float(r_up.max()) + float(sigma)
            extra_up = RADIUS_ANNOUNCE_BITS
        else:
            scale = float(c_prime) ** (k + 1)
            r_up, r_down = state.consts["R_up"] * scale, state.consts["R_down"] * scale
        with parameter_context(f"IADE (eta={eta}, c_prime={c_prime}, s={s}, dist0={dist0}) at iteration k={k}"):
            rnd = double_encode(xp, state.enc, G,
                                lambda V: q_up(xp, V, sigma=sigma, radius=r_up),
                                lambda V: q_down(xp, V, sigma=sigma, radius=r_down))
        x_new = x - _scalar(xp, eta) * rnd.state.v
        info = StepInfo(x=x_new, uplink_bits=rnd.up.bits + extra_up, downlink_bits=int(rnd.down.bits[0]),
                        uploads=all_uploads(problem.N), uplink=rnd.up.values, downlink=rnd.state.v,
                        overflow=int(rnd.up.overflow.sum() + rnd.down.overflow.sum()))
        return IADEState(k + 1, x_new, rnd.state, state.consts), info

    return Algorithm("IADE", init, step, dict(eta=eta, c_prime=c_prime, s=s))


def _float_or_inf(name: str, params: dict) -> float:
    """A constant of :mod:`theory.iade` in float64; inf where its evaluation overflows."""
    try:
        return T.numeric(name, **params)
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.inf


def _np():
    from reference_impl.backends import NUMPY

    return NUMPY
