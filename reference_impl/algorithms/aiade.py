"""AIADE: Accelerated IADE (Algorithm 2 of 000).

Nesterov's method ``x_{k+1} = y_k - v_k / L``, ``y_{k+1} = x_{k+1} + tau (x_{k+1} - x_k)`` with
``v_k ~ grad f(y_k)`` from the double encoding of gradient differences, quantization error
``eps c^{k+1} / (2k + 2)``, ``c = sqrt(1 - sqrt(mu/L))``, ``tau = (sqrt L - sqrt mu)/(sqrt L + sqrt mu)``
(constants from :mod:`theory.iade`). On the exact backend c and tau must be rational
(e.g. mu/L = 49/256 gives c = 3/4, tau = 9/23).

Radii for the bits (k >= 1), from Appendix B: ``||y_j - x*|| <= 3 c^j G(j)`` with
``G(j) = sqrt(2/mu) sqrt(Delta + g(j) + h(j))`` and the recursions of g and h (the h recursion as
corrected: the paper prints g on its left-hand side), ``Delta <= ||grad f(x_0)||^2 / mu``; so
``||g_k^i - s_{k-1}^i|| <= L (||y_k - x*|| + ||y_{k-1} - x*||) + sigma_{k-1}`` and the server's vector
is within ``sigma_k + L(...) + 2 sigma_{k-1}``. The radius/error ratio grows like (k+1) ln k, so the
bits per iteration grow like d log(k ln k) (Theorem 4.1 (2)).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, require
from reference_impl.algorithms.double_encoding import (EncodingState, double_encode, init_encoding,
                                                       row_norms)
from reference_impl.compressors.uniform import RADIUS_ANNOUNCE_BITS, UniformQuantizer
from reference_impl.validation import parameter_context, require_positive_finite
from theory import iade as T


class AIADEState(NamedTuple):
    k: int
    x: Any
    y: Any
    enc: EncodingState
    consts: dict
    y_bounds: tuple   # float bounds on ||y_{k-1} - x*||, ||y_k - x*||
    gh: tuple         # (g(k), h(k)) of Appendix B


def _constant(xp, name, problem):
    if xp.exact:
        return T.exact(name, L=Fraction(problem.L), mu=Fraction(problem.mu))
    return T.numeric(name, L=problem.L, mu=problem.mu)


def aiade(eps) -> Algorithm:
    """Algorithm 2 of 000 with quantization scale ``eps`` > 0 (the epsilon of l(k) = eps/(k+1))."""
    require_positive_finite("AIADE's quantization scale eps", eps)
    quantizer = UniformQuantizer()

    def init(problem, xp):
        c, tau = _constant(xp, "c_acc", problem), _constant(xp, "tau", problem)
        x0 = problem.x0(xp)
        grad_norm = float(np.linalg.norm(problem.grad(_np(), xp.to_numpy(x0))))
        mu, L = float(problem.mu), float(problem.L)
        consts = dict(c=c, tau=tau, eta=1 / (Fraction(problem.L) if xp.exact else problem.L),
                      Delta=grad_norm**2 / mu, L=L, mu=mu, cf=float(c))
        bound0 = grad_norm / mu  # ||y_0 - x*|| = ||x_0 - x*|| <= ||grad f(x_0)|| / mu
        return AIADEState(0, x0, xp.copy(x0), init_encoding(xp, problem.N, problem.d), consts,
                          (bound0, bound0), (0.0, 0.0))

    def sigma_at(xp, c, k):
        return xp.scalar(Fraction(eps) if xp.exact else eps) * c ** (k + 1) / (2 * k + 2)

    def step(state, problem, xp, rng=None):
        k, C = state.k, state.consts
        sigma = sigma_at(xp, C["c"], k)
        require(sigma > 0, f"AIADE: the quantization error eps c^(k+1)/(2k+2) underflows to 0 at iteration "
                           f"k={k} (eps={eps}); eps must be larger or the run shorter")
        G = problem.worker_grads(xp, problem.broadcast(xp, state.y))
        extra_up = 0
        if k == 0:
            r_up = row_norms(xp, G) * (1 + 1e-12) + 1e-300
            r_down = float(r_up.max()) + float(sigma)
            extra_up = RADIUS_ANNOUNCE_BITS
        else:
            sigma_prev = float(sigma_at(xp, C["c"], k - 1))
            move = C["L"] * (state.y_bounds[0] + state.y_bounds[1])
            r_up = move + sigma_prev
            r_down = float(sigma) + move + 2 * sigma_prev
        with parameter_context(f"AIADE (eps={eps}) at iteration k={k}"):
            rnd = double_encode(xp, state.enc, G,
                                lambda V: quantizer(xp, V, sigma=sigma, radius=r_up),
                                lambda V: quantizer(xp, V, sigma=sigma, radius=r_down))
        x_new = state.y - C["eta"] * rnd.state.v
        y_new = x_new + C["tau"] * (x_new - state.x)
        try:
            gh = _next_gh(C, k, eps, *state.gh)
            y_bound = 3 * C["cf"] ** (k + 1) * T.numeric("G", mu=C["mu"], Delta=C["Delta"], g=gh[0], h=gh[1]) \
                if gh != (0.0, 0.0) else state.y_bounds[1]
        except (OverflowError, ZeroDivisionError, ValueError):
            y_bound = math.inf
        require(math.isfinite(y_bound), f"AIADE: the bound G(k) of Appendix B overflows float64 at iteration "
                                        f"k={k} (eps={eps}); eps must be smaller")
        info = StepInfo(x=x_new, uplink_bits=rnd.up.bits + extra_up, downlink_bits=int(rnd.down.bits[0]),
                        uploads=all_uploads(problem.N), uplink=rnd.up.values, downlink=rnd.state.v,
                        overflow=int(rnd.up.overflow.sum() + rnd.down.overflow.sum()))
        return AIADEState(k + 1, x_new, y_new, rnd.state, C, (state.y_bounds[1], y_bound), gh), info

    return Algorithm("AIADE", init, step, dict(eps=eps))


def _next_gh(C: dict, k: int, eps: float, g: float, h: float) -> tuple[float, float]:
    """g(k+1), h(k+1) from g(k), h(k) with l(k) = eps/(k+1) (Appendix B; h corrected)."""
    vals = dict(ell=float(eps) / (k + 1), Delta=C["Delta"], g=g, h=h, c=C["cf"], L=C["L"], mu=C["mu"])
    return g + T.numeric("g_increment", **vals), h + T.numeric("h_increment", **vals)


def aiade_G_sequence(L: float, mu: float, eps: float, Delta: float, K: int) -> np.ndarray:
    """G(0..K) of Theorem 4.1 (1): ||x_k - x*|| <= c^k G(k), from the recursions of Appendix B."""
    C = dict(L=L, mu=mu, Delta=Delta, cf=T.numeric("c_acc", L=L, mu=mu))
    g = h = 0.0
    out = []
    for k in range(K + 1):
        out.append(T.numeric("G", mu=mu, Delta=Delta, g=g, h=h))
        g, h = _next_gh(C, k, eps, g, h)
    return np.array(out)


def _np():
    from reference_impl.backends import NUMPY

    return NUMPY
