"""EF21-SGD: error feedback by compressed gradient differences (Markov compressor), unidirectional.

Richtárik, Sokolov, Fatkhullin 2021, "EF21: A New, Simpler, Theoretically Better, and Practically
Faster Error Feedback" (NeurIPS), Algorithm 1, with the stochastic gradients of EF21-SGD, its stochastic-gradient
extension (Fatkhullin, Sokolov, Gorbunov, Li, Richtárik 2021, "EF21 with Bells & Whistles"). Listed among the upper bounds of 001 (slides "Existing convergence rates (non-convex)":
EF21-SGD, unidirectional, contractive; no linear speedup). Every worker keeps an estimate ``g_i`` of
its gradient and the server keeps ``g = (1/n) sum_i g_i``::

    c_i = C(O_i(x_k) - g_i)        worker i uploads the compressed change of its estimate
    g_i <- g_i + c_i
    g   <- g + (1/n) sum_i c_i     (so g = (1/n) sum_i g_i at every step)
    x_{k+1} = x_k - gamma * g      the server broadcasts g (full precision)

Initialisation: ``g_i = 0``, so the first round sends ``c_i = C(O_i(x_0))``: EF21's choice
``g_i^0 = C(grad f_i(x^0))``, with ``x_1 = x_0 - gamma g^0`` (the paper's first step). With the
identity compressor ``g_i = O_i(x_k)`` after every round and EF21-SGD is P-SGD, i.e. gradient descent
with exact gradients (:func:`~reference_impl.algorithms.gd.gradient_descent`; exact on the rational
backend).

Compressors: contractive as they are; an omega-unbiased one as ``C/(1+omega)``
(:func:`~reference_impl.algorithms.mem_sgd.as_contractive`). Bits: the measured bits of each
``c_i``; the broadcast is ``32 d`` bits (float32).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits
from reference_impl.algorithms.mem_sgd import as_contractive
from reference_impl.algorithms.bidirectional import run_total, stackable
from reference_impl.algorithms.psgd import check_oracle, check_steps, oracle, step_size, warn_gamma
from reference_impl.compressors.base import Compressor


class EF21State(NamedTuple):
    k: int
    x: Any
    g_workers: Any  # (N, d) the estimates g_i
    g: Any          # (d,) the server's aggregate (1/n) sum_i g_i


def ef21_sgd(gamma, compressor: Compressor, batch=None, noise=0.0, scale_unbiased: bool = True) -> Algorithm:
    """EF21-SGD with learning rate ``gamma`` > 0 and compressor ``compressor``.

    Args:
        gamma: learning rate, > 0 (a warning when >= 2/L).
        compressor: a contractive or unbiased :class:`~reference_impl.compressors.base.Compressor`
            (unbiased ones are scaled by ``1/(1+omega)`` unless ``scale_unbiased`` is False).
        batch: rows per minibatch gradient (None: exact gradients, i.e. EF21).
        noise: standard deviation of additive Gaussian gradient noise (>= 0).

    ``gamma`` may be R per-run step sizes for R stacked runs (:func:`~reference_impl.algorithms.psgd.step_size`);
    the step is run-agnostic when the compressor is (issue 10).
    """
    check_steps(gamma)
    check_oracle(batch, noise)
    comp = as_contractive(compressor, scale_unbiased)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        warn_gamma(gamma, problem, "EF21-SGD")
        return EF21State(0, problem.x0(xp), xp.zeros((problem.N, problem.d)), xp.zeros((problem.d,)))

    @stackable(comp)
    def step(state, problem, xp, rng=None):
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        C = comp(xp, G - state.g_workers, rng)
        g_workers = state.g_workers + C.values
        g = state.g + xp.mean(C.values, axis=-2)
        x_new = state.x - step_size(xp, gamma, g) * g
        info = StepInfo(x=x_new, uplink_bits=np.asarray(C.bits, dtype=np.int64),
                        downlink_bits=full_precision_bits(problem.d), uploads=all_uploads(problem.N),
                        uplink=C.values, downlink=g, overflow=run_total(C.overflow))
        return EF21State(state.k + 1, x_new, g_workers, g), info

    return Algorithm("EF21-SGD", init, step, dict(gamma=gamma, compressor=comp.name, batch=batch, noise=noise,
                                                  compression_rounds_per_iteration=1,
                                                  oracle_queries_per_iteration=1))
