"""MEM-SGD: parallel SGD with error feedback (memory), unidirectional compression.

Stich, Cordonnier, Jaggi 2018, "Sparsified SGD with Memory" (NeurIPS), Algorithm 1, run on n
workers with a parameter server, as listed among the upper bounds of 001 (slides "Communication
compression algorithms" and "Existing convergence rates (non-convex)": MEM-SGD, unidirectional,
contractive). Every worker keeps a memory ``e_i`` (``e_i = 0`` at the start)::

    p_i = e_i + gamma * O_i(x_k)      add the step to the memory
    c_i = C(p_i)                      worker i uploads c_i
    e_i <- p_i - c_i                  keep what was not sent
    x_{k+1} = x_k - (1/n) sum_i c_i   the server broadcasts the average (full precision)

Compressors: contractive ones are used as they are. An omega-unbiased compressor ``C`` is used as
``C / (1 + omega)`` (:func:`as_contractive`, with
:class:`~reference_impl.compressors.fcc.ScaledUnbiased`), which is (1/(1+omega))-contractive: the standard
reduction of the class U_omega to C_delta, by which 001 runs its contractive-compressor algorithms
(NEOLITHIC, slide "NEOLITHIC: A nearly optimal algorithm": "compatible with both unbiased and
contractive compression") on unbiased compressors. Error feedback with an unscaled rand-k
(``||C(x) - x||^2`` up to ``(d/k - 1) ||x||^2``) can diverge. ``scale_unbiased=False`` uses C as it
is.

Bits: the measured bits of each ``c_i``; the broadcast is ``32 d`` bits (float32).
With the identity compressor the memory stays 0 and MEM-SGD is P-SGD
(:func:`~reference_impl.algorithms.psgd.psgd`). The uplink-only Double Squeeze
(:func:`~reference_impl.algorithms.double_squeeze.double_squeeze` with ``bidirectional=False``)
keeps its error before the step size (``u_i = C(g_i + delta_i)``, ``x <- x - gamma mean u_i``); for a
constant gamma and a positively homogeneous C (top-k, rand-k, QSGD: ``C(a v) = a C(v)``, a > 0, with
the same random draws) the two are the same iteration with ``e_i = gamma delta_i`` (tested, up to
rounding).

:func:`as_contractive` is shared by the error-feedback methods of
001 (:mod:`~reference_impl.algorithms.cser`, :mod:`~reference_impl.algorithms.ef21_sgd`,
:mod:`~reference_impl.algorithms.neolithic`).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, all_uploads, full_precision_bits, require
from reference_impl.algorithms.bidirectional import run_total, stackable
from reference_impl.algorithms.psgd import check_oracle, check_steps, oracle, step_size, warn_gamma
from reference_impl.compressors.base import Compressor
from reference_impl.compressors.fcc import ScaledUnbiased
from reference_impl.validation import require_bool, require_compressor


def as_contractive(compressor: Compressor, scale_unbiased: bool = True, name: str = "compressor") -> Compressor:
    """The compressor an error-feedback method uses: contractive ones as they are, an omega-unbiased
    one as ``C/(1+omega)`` (:class:`~reference_impl.compressors.fcc.ScaledUnbiased`); C as it is when
    ``scale_unbiased`` is False. Absolute-error compressors are rejected (ValueError naming ``name``)."""
    scale_unbiased = require_bool("scale_unbiased", scale_unbiased)
    require(isinstance(compressor, Compressor), f"{name} must be a Compressor object, got {compressor!r}")
    require_compressor(name, compressor, ("unbiased", "contractive"))
    kind = compressor.kind
    if kind == "contractive" or not scale_unbiased:
        return compressor
    return ScaledUnbiased(compressor)


class MemSGDState(NamedTuple):
    k: int
    x: Any
    e: Any  # (N, d) memories


def mem_sgd(gamma, compressor: Compressor, batch=None, noise=0.0, scale_unbiased: bool = True) -> Algorithm:
    """MEM-SGD (error feedback) with learning rate ``gamma`` > 0 and compressor ``compressor``.

    Args:
        gamma: learning rate, > 0 (a warning when >= 2/L).
        compressor: a contractive or unbiased :class:`~reference_impl.compressors.base.Compressor`
            (unbiased ones are scaled by ``1/(1+omega)`` unless ``scale_unbiased`` is False).
        batch: rows per minibatch gradient (None: exact gradients).
        noise: standard deviation of additive Gaussian gradient noise (>= 0).

    ``gamma`` may be R per-run step sizes for R stacked runs (:func:`~reference_impl.algorithms.psgd.step_size`);
    the step is run-agnostic when the compressor is (issue 10).
    """
    check_steps(gamma)
    check_oracle(batch, noise)
    comp = as_contractive(compressor, scale_unbiased)

    def init(problem, xp):
        check_oracle(batch, noise, problem)
        warn_gamma(gamma, problem, "MEM-SGD")
        return MemSGDState(0, problem.x0(xp), xp.zeros((problem.N, problem.d)))

    @stackable(comp)
    def step(state, problem, xp, rng=None):
        G = oracle(problem, xp, problem.broadcast(xp, state.x), rng, batch, noise)
        P = state.e + step_size(xp, gamma, G) * G
        C = comp(xp, P, rng)
        e_new = P - C.values
        g = xp.mean(C.values, axis=-2)
        x_new = state.x - g
        info = StepInfo(x=x_new, uplink_bits=np.asarray(C.bits, dtype=np.int64),
                        downlink_bits=full_precision_bits(problem.d), uploads=all_uploads(problem.N),
                        uplink=C.values, downlink=g, overflow=run_total(C.overflow))
        return MemSGDState(state.k + 1, x_new, e_new), info

    return Algorithm("MEM-SGD", init, step, dict(gamma=gamma, compressor=comp.name, batch=batch, noise=noise,
                                                 compression_rounds_per_iteration=1,
                                                 oracle_queries_per_iteration=1))

