"""IADE-SGD (Algorithm 3 of 000): IADE with stochastic gradients and unbiased random quantization.

``eta = 1/(rho L)``, ``c = 1 - mu/(rho L)`` (from :mod:`theory.iade`), each quantization unbiased with
squared error at most ``rho^2 L^2 s c'^{k+1} / 2``
(:class:`~reference_impl.compressors.uniform.StochasticLatticeQuantizer`). ``rho`` is the weak growth
constant of Assumption 5.1. Gradients: ``problem.stochastic_worker_grads`` on ``batch`` rows per
worker drawn with the explicit generator.

Bits: the paper gives no explicit radius for Algorithm 3, so every message announces the norm of its
vector (32 bits) and uses the lattice code of that ball; the length is measured per message.
Not rational (square roots in the lattice spacing): numpy/torch backends only.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, require
from reference_impl.algorithms.double_encoding import (EncodingState, double_encode, init_encoding,
                                                       row_norms)
from reference_impl.compressors.uniform import RADIUS_ANNOUNCE_BITS, StochasticLatticeQuantizer
from reference_impl.validation import (parameter_context, require_int_in_range, require_positive_finite,
                                       require_probability)
from theory import iade as T


class IADESGDState(NamedTuple):
    k: int
    x: Any
    enc: EncodingState
    consts: dict


def iade_sgd(rho, c_prime, s, batch: int = 1) -> Algorithm:
    """Algorithm 3 of 000. ``rho`` >= 1... the WGC constant (> 0), ``c`` < ``c_prime`` < 1, ``s`` > 0."""
    require_positive_finite("weak growth constant rho", rho)
    require_positive_finite("quantization level s", s)
    require_probability("c_prime", c_prime, low_open=True, high_open=True,
                        spec="a real number in (c, 1) with c = 1 - mu/(rho L)")
    require_int_in_range("batch", batch, 1)
    quantizer = StochasticLatticeQuantizer()

    def init(problem, xp):
        require(hasattr(problem, "stochastic_worker_grads"),
                f"IADE-SGD needs a problem with stochastic gradients; {problem.name} has none")
        vals = dict(L=problem.L, mu=problem.mu, rho=rho)
        c = T.numeric("c_sgd", **vals)
        require(c < c_prime, f"c_prime must be in (c, 1) with c = 1 - mu/(rho L) = {c:.6g}; got {c_prime}")
        consts = dict(c=c, eta=T.numeric("eta_sgd", **vals), rhoL=float(rho) * problem.L)
        return IADESGDState(0, problem.x0(xp), init_encoding(xp, problem.N, problem.d), consts)

    def step(state, problem, xp, rng):
        k, C = state.k, state.consts
        try:
            eps_sq = C["rhoL"] ** 2 * float(s) * float(c_prime) ** (k + 1) / 2
        except OverflowError:
            eps_sq = math.inf
        rows = problem.sample_batch(rng, batch)
        G = problem.stochastic_worker_grads(xp, problem.broadcast(xp, state.x), rows)

        def quantize(V):
            return quantizer(xp, V, rng, eps_sq=eps_sq, radius=row_norms(xp, V) * (1 + 1e-12))

        with parameter_context(f"IADE-SGD (rho={rho}, c_prime={c_prime}, s={s}) at iteration k={k}"):
            require(0 < eps_sq < math.inf, f"the squared quantization error rho^2 L^2 s c'^(k+1) / 2 must be a "
                                           f"finite number > 0, got {eps_sq}")
            rnd = double_encode(xp, state.enc, G, quantize, quantize)
        x_new = state.x - C["eta"] * rnd.state.v
        info = StepInfo(x=x_new, uplink_bits=rnd.up.bits + RADIUS_ANNOUNCE_BITS,
                        downlink_bits=int(rnd.down.bits[0]) + RADIUS_ANNOUNCE_BITS,
                        uploads=all_uploads(problem.N), uplink=rnd.up.values, downlink=rnd.state.v,
                        overflow=int(rnd.up.overflow.sum() + rnd.down.overflow.sum()))
        return IADESGDState(k + 1, x_new, rnd.state, C), info

    return Algorithm("IADE-SGD", init, step, dict(rho=rho, c_prime=c_prime, s=s, batch=batch))
