"""Every algorithm's reduction, in one table (issue 13, section 6: "identity compressor == gradient descent,
bit for bit on rationals").

:data:`REDUCTIONS` has one or more rows per algorithm factory of :mod:`reference_impl.algorithms`
(:func:`algorithm_factories` finds them all; ``tests/test_algorithm_reductions.py`` fails when a factory
has no row). A row builds the algorithm with compression switched off (identity compressors, no
memory, R = 1, trigger threshold 0, ...) and the algorithm it must then equal, on a named problem of
:data:`PROBLEMS`; :func:`check_reduction` runs both for a few steps with the same seed and compares the
iterates:

* ``exact=True``: on the exact backend (:data:`~reference_impl.backends.EXACT`), every iterate equal as
  Fractions (no tolerance: any difference is a real one);
* ``exact=False``: float64, for rows that cannot run on rationals (the row's ``reason``: a square root, a
  constant computed in float64) or that exercise minibatches, with the relative tolerance ``rel_tol``
  (0 where both sides run the same floating-point operations, so bit for bit; ``1e-12`` where a memory
  update such as ``h + (g - h)`` rounds: a few ulps per step over 10 steps, observed below ``4e-16``,
  kept with a margin for other CPUs and BLAS).

References: gradient descent (:func:`~reference_impl.algorithms.gd.gradient_descent`); minibatch SGD
with the same seed (:func:`~reference_impl.algorithms.sgd.sgd`) for stochastic variants; Nesterov for
AIADE; distributed AMSGrad for the adaptive methods of 002 (their uncompressed version); for the anchors
themselves (GD, Nesterov, AMSGrad) a special case reducing to GD, or the gradient step written out
(:func:`plain_gradient_step`).

Algorithms without an identity-compressor argument are switched off by substitution, stated in their
row: IADE takes :class:`LosslessQuantizer` (``Q(v, sigma) = v``, error 0 <= sigma) as its quantizers;
AIADE and IADE-SGD build their quantizer inside the factory, so the row builds them while
:func:`substituted` replaces that class in the algorithm's module by :class:`LosslessQuantizer`
(nothing in the algorithm is edited); QSGD (levels only) runs in dimension 1, where its level
``s |x| / |x| = s`` is deterministic and the quantization lossless.

To add an algorithm: append a :class:`Reduction` row (see ``book/check_your_compressor.md``,
"Check your algorithm").
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import pkgutil
import warnings
from fractions import Fraction as F
from typing import Any, Callable
from unittest import mock

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, TheoryRangeWarning
from reference_impl.backends import EXACT, NUMPY
from reference_impl.compressors.base import Compressed, Compressor, check_batch
from reference_impl.compressors.sparsification import Identity, TopK
from reference_impl.problems import LeastSquaresProblem, QuadraticProblem


# -- the switched-off compressors ------------------------------------------------------------------------
class LosslessQuantizer(Compressor):
    """``Q(v, sigma) = v``: an absolute-error quantizer with error 0 (<= any sigma), 32 bits a coordinate.
    Consumes no random numbers, so a stochastic algorithm's other draws stay those of its reference."""

    kind = "absolute-error"
    biased = False
    name = "lossless"

    def constant(self, d: int):
        return None

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        return Compressed(values=xp.copy(X), bits=np.full(N, 32 * d, dtype=np.int64), overflow=np.zeros(N, dtype=bool))


@contextlib.contextmanager
def substituted(module_name: str, attribute: str, replacement):
    """``module.attribute`` replaced by ``replacement`` while the block runs (an algorithm's factory that
    builds its quantizer inside, e.g. AIADE's ``UniformQuantizer()``), restored afterwards."""
    with mock.patch.object(importlib.import_module(module_name), attribute, replacement):
        yield


def _with(module_name: str, attribute: str, replacement, make: Callable[[], Algorithm]) -> Algorithm:
    with substituted(module_name, attribute, replacement):
        return make()


# -- problems --------------------------------------------------------------------------------------------
def rational_quadratic() -> QuadraticProblem:
    """N = 3 workers, d = 3, different rational Hessians and linear terms (L < 4, so steps 1/5, 1/4 < 2/L)."""
    A = [[[2, 0, 0], [0, 1, 0], [0, 0, 3]],
         [[3, 1, 0], [1, 2, 0], [0, 0, 1]],
         [[1, 0, F(1, 2)], [0, 3, 0], [F(1, 2), 0, 2]]]
    b = [[1, 0, -2], [0, F(3, 2), 1], [-1, 1, F(1, 3)]]
    return QuadraticProblem(A, b, name="rational-quadratic(N=3, d=3)")


def one_worker_quadratic() -> QuadraticProblem:
    """N = 1 (the one-worker reductions: a worker's own moments are the server's)."""
    return QuadraticProblem([[[2, 1, 0], [1, 3, 0], [0, 0, 1]]], [[1, -2, 3]], name="rational-quadratic(N=1, d=3)")


def scalar_problem() -> QuadraticProblem:
    """d = 1, f_i(x) = L (x - a_i)^2 / 2 with L = 2, a = (1, 2, 6): mu = L, minimiser 3 (``scalar_quadratic``
    of :mod:`theory.claims._exact`)."""
    from theory.claims._exact import scalar_quadratic

    return scalar_quadratic(F(2), [F(1), F(2), F(6)])


def nesterov_problem() -> QuadraticProblem:
    """mu/L = 49/256, so Nesterov's and AIADE's constants are rational (c = 3/4, tau = 9/23); N = 2, d = 2."""
    A = [[[F(49, 256), 0], [0, 1]]] * 2
    return QuadraticProblem(A, [[1, -1], [F(1, 2), 2]], mu=F(49, 256), L=F(1), name="quadratic(mu/L=49/256)")


def least_squares() -> LeastSquaresProblem:
    """Float64 least squares with N = 3 workers of 10-14 rows, d = 4 (minibatch rows)."""
    rng = np.random.default_rng(0)
    feats = [rng.standard_normal((10 + 2 * i, 4)) for i in range(3)]
    targets = [f @ rng.standard_normal(4) + 0.1 * rng.standard_normal(len(f)) for f in feats]
    return LeastSquaresProblem(feats, targets, lam=0.1, name="least-squares(N=3, d=4)")


#: The problems a row may name: rational ones for the exact rows, least squares for minibatch rows.
PROBLEMS: dict[str, Callable[[], Any]] = {
    "quadratic": rational_quadratic, "one-worker": one_worker_quadratic, "scalar": scalar_problem,
    "nesterov": nesterov_problem, "least-squares": least_squares}


# -- references written out ----------------------------------------------------------------------------
def plain_gradient_step(eta) -> Algorithm:
    """``x_{k+1} = x_k - eta grad f(x_k)`` on the problem's (single-machine) gradient: GD's anchor."""

    def init(problem, xp):
        return (0, problem.x0(xp))

    def step(state, problem, xp, rng=None):
        x = state[1] - xp.scalar(eta) * problem.grad(xp, state[1])
        return (state[0] + 1, x), StepInfo(x=x, uplink_bits=np.zeros(problem.N, dtype=np.int64), downlink_bits=0,
                                           uploads=np.ones(problem.N, dtype=bool))

    return Algorithm("x - eta grad f(x)", init, step, dict(eta=eta))


def sgd_with_replacement(gamma, batch: int) -> Algorithm:
    """Minibatch SGD whose rows are drawn with replacement (``problem.sample_batch(rng, batch)``), the
    oracle of QSGD and IADE-SGD (:func:`~reference_impl.algorithms.qsgd.worker_gradients`)."""
    from reference_impl.algorithms.gd import full_precision_info
    from reference_impl.algorithms.qsgd import worker_gradients

    def init(problem, xp):
        return (0, problem.x0(xp))

    def step(state, problem, xp, rng):
        G = worker_gradients(problem, xp, state[1], rng, batch)
        g = xp.mean(G, axis=0)
        x = state[1] - xp.scalar(gamma) * g
        return (state[0] + 1, x), full_precision_info(x, G, g, problem.N, problem.d)

    return Algorithm("SGD (with replacement)", init, step, dict(gamma=gamma, batch=batch))


def _first_gradient_size(problem) -> F:
    """|grad f(x_0)| on the scalar problem (exact)."""
    return abs(problem.grad(EXACT, problem.x0(EXACT))[0])


# -- the table -----------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Reduction:
    """One reduction: ``build(problem)`` (compression off) must equal ``reference(problem)``."""

    name: str
    factories: tuple[str, ...]      # "module:function" of every factory the row exercises
    build: Callable[[Any], Algorithm]
    reference: Callable[[Any], Algorithm]
    statement: str
    problem: str = "quadratic"
    exact: bool = True
    reason: str = ""                # why float64, when not exact
    rel_tol: float = 0.0            # float64 rows: relative tolerance (0 = bit for bit)
    steps: int = 6
    seed: int = 0


#: The identity compressor, as an unbiased (omega = 0) and as a contractive (delta = 1) one.
ID, IDC = Identity(), Identity("contractive")
#: AMSGrad hyper-parameters with rational iterates: beta_2 = 0 and eps = 0 outside give ``sqrt(v_hat) = max |g|``.
ADAPTIVE = dict(beta_1=F(1, 2), beta_2=0, eps=0, eps_mode="outside")
G5, ETA = F(1, 5), F(1, 20)     # steps below 2/L on the rational problems


def _gd(eta):
    from reference_impl.algorithms.gd import gradient_descent

    return lambda p: gradient_descent(eta)


def _sgd(gamma, batch=None):
    from reference_impl.algorithms.sgd import sgd

    return lambda p: sgd(gamma, batch=batch)


def _amsgrad(eta, **kw):
    from reference_impl.algorithms.amsgrad import amsgrad

    return lambda p: amsgrad(eta, **{**ADAPTIVE, **kw})


def _rows() -> list[Reduction]:
    from reference_impl.algorithms import (aiade, amsgrad, artemis, compams, compams_single, compams_sgd, cser, diana,
                                           dore, double_squeeze, dqgd, ef21_sgd, first_attempts, gd, ghost, iade,
                                           iade_sgd, lag, lena, mcm, mem_sgd, neolithic, nesterov, onebit_adam, psgd,
                                           qadam, qsgd, rand_mcm, sgd)

    R = Reduction
    gd_ = _gd(G5)
    up_down = lambda f, **kw: (lambda p: f(G5, ID, ID, **kw))   # noqa: E731
    rows = [
        # -- anchors -------------------------------------------------------------------------------
        R("gd", ("gd:gradient_descent",), _gd(G5), lambda p: plain_gradient_step(G5),
          "GD is x - eta grad f(x) (the mean of the workers' gradients is the gradient)"),
        R("sgd", ("sgd:sgd",), _sgd(G5), gd_, "SGD without minibatches is GD"),
        R("psgd", ("psgd:psgd",), lambda p: psgd.psgd(G5), gd_, "P-SGD without minibatches or noise is GD"),
        R("psgd-minibatch", ("psgd:psgd",), lambda p: psgd.psgd(0.05, batch=3), _sgd(0.05, 3),
          "P-SGD with minibatches is 004's SGD (same rows, same seed)", "least-squares", False,
          "minibatch rows (float64 data)", steps=10, seed=5),
        R("nesterov", ("nesterov:nesterov",), lambda p: nesterov.nesterov(F(1, 8)), _gd(F(1, 8)),
          "mu = L: the momentum tau = (sqrt L - sqrt mu)/(sqrt L + sqrt mu) is 0 and Nesterov is GD", "scalar"),
        R("amsgrad", ("amsgrad:amsgrad",), lambda p: amsgrad.amsgrad(F(1, 20), beta_1=0, beta_2=0, eps=0),
          lambda p: gd.gradient_descent(F(1, 20) / _first_gradient_size(p)),
          "beta_1 = beta_2 = eps = 0: the step is eta g_t / max_s |g_s|; on a scalar problem whose |g_t| "
          "decreases it is GD with eta / |g_1|", "scalar"),
        # -- 000 -----------------------------------------------------------------------------------
        R("iade", ("iade:iade",), lambda p: iade.iade(G5, F(9, 10), 1, up_quantizer=LosslessQuantizer(),
                                                      down_quantizer=LosslessQuantizer()), gd_,
          "lossless quantizers: the double encoding passes the mean gradient, IADE is GD"),
        R("aiade", ("aiade:aiade",),
          lambda p: _with("reference_impl.algorithms.aiade", "UniformQuantizer", LosslessQuantizer,
                          lambda: aiade.aiade(1)),
          lambda p: nesterov.nesterov(), "lossless quantizer (substituted for UniformQuantizer): AIADE is Nesterov",
          "nesterov"),
        R("iade-sgd", ("iade_sgd:iade_sgd",),
          lambda p: _with("reference_impl.algorithms.iade_sgd", "StochasticLatticeQuantizer", LosslessQuantizer,
                          lambda: iade_sgd.iade_sgd(2, F(99, 100), 1, batch=2)),
          lambda p: sgd_with_replacement(1 / (2 * p.L), 2),
          "lossless quantizer (substituted): IADE-SGD is SGD with eta = 1/(rho L) on the same rows",
          "least-squares", False, "eta = 1/(rho L) is computed in float64 (theory.iade.numeric) and the "
          "double encoding's s + (g - s) rounds", 1e-12, steps=10, seed=3),
        R("qsgd", ("qsgd:qsgd",), lambda p: qsgd.qsgd(F(1, 4), 2), _gd(F(1, 4)),
          "d = 1: QSGD's level is s |x| / |x| = s, so Q(g) = g and QSGD is GD", "scalar"),
        R("dqgd", ("dqgd:dqgd",), lambda p: dqgd.dqgd(G5, compressor=ID), gd_, "identity: DQGD is GD"),
        # -- 004 -----------------------------------------------------------------------------------
        R("diana", ("diana:diana",), lambda p: diana.diana(G5, ID), gd_, "identity uplink: DIANA is GD"),
        R("diana-minibatch", ("diana:diana",), lambda p: diana.diana(0.05, ID, batch=3), _sgd(0.05, 3),
          "identity uplink with minibatches: SGD (same rows, same seed)", "least-squares", False,
          "minibatch rows (float64 data); the memory's h + (g - h) rounds", 1e-12, steps=10, seed=2),
        R("artemis", ("artemis:artemis",), up_down(artemis.artemis), gd_, "identity both ways: Artemis is GD"),
        R("artemis-memory", ("artemis:artemis",), up_down(artemis.artemis, down_memory=True), gd_,
          "identity both ways, downlink memory: Artemis is GD"),
        R("dore", ("dore:dore",), up_down(dore.dore), gd_, "identity both ways: Dore is GD"),
        R("double-squeeze", ("double_squeeze:double_squeeze",), up_down(double_squeeze.double_squeeze), gd_,
          "identity both ways: Double Squeeze is GD"),
        R("ef-sgd", ("double_squeeze:double_squeeze",),
          lambda p: double_squeeze.double_squeeze(G5, ID, bidirectional=False), gd_,
          "identity uplink, no downlink compression: EF-SGD is GD"),
        R("double-squeeze-minibatch", ("double_squeeze:double_squeeze",),
          lambda p: double_squeeze.double_squeeze(0.05, ID, ID, batch=3), _sgd(0.05, 3),
          "identity both ways with minibatches: SGD (same rows, same seed)", "least-squares", False,
          "minibatch rows (float64 data)", steps=10, seed=7),
        R("ghost", ("ghost:ghost",), up_down(ghost.ghost), gd_, "identity both ways: Ghost is GD"),
        R("update-family", ("ghost:compressed_update_family",),
          lambda p: ghost.compressed_update_family("update", G5, ID, ID, base="local"), gd_,
          "identity both ways, local base: the compressed-update family is GD"),
        R("update-compression", ("first_attempts:update_compression",), up_down(first_attempts.update_compression),
          gd_, "identity both ways: update compression is GD"),
        R("model-compression", ("first_attempts:model_compression",), up_down(first_attempts.model_compression),
          gd_, "identity both ways: model compression is GD"),
        R("model-difference-compression", ("first_attempts:model_difference_compression",),
          up_down(first_attempts.model_difference_compression), gd_,
          "identity both ways: model-difference compression is GD"),
        R("mcm", ("mcm:mcm",), up_down(mcm.mcm), gd_, "identity both ways: MCM is GD"),
        R("mcm-minibatch", ("mcm:mcm",), lambda p: mcm.mcm(0.05, ID, ID, batch=3), _sgd(0.05, 3),
          "identity both ways with minibatches: SGD (same rows, same seed)", "least-squares", False,
          "minibatch rows (float64 data); the memories' H + (w - H) round", 1e-12, steps=10, seed=4),
        R("mcm-family", ("mcm:mcm_family",),
          lambda p: mcm.mcm_family("MCM-G", G5, ID, ID, channels="workers", alpha_up=F(1, 2), alpha_down=F(1, 2)),
          gd_, "identity both ways, one channel per worker: the preserved-model round is GD"),
        R("rand-mcm", ("rand_mcm:rand_mcm",), up_down(rand_mcm.rand_mcm), gd_, "identity both ways: Rand-MCM is GD"),
        R("rand-mcm-groups", ("rand_mcm:rand_mcm",), lambda p: rand_mcm.rand_mcm(G5, ID, ID, groups=3), gd_,
          "identity both ways, 3 groups: Rand-MCM-G is GD"),
        R("rand-mcm-one-memory", ("rand_mcm:rand_mcm",),
          lambda p: rand_mcm.rand_mcm(G5, ID, ID, single_memory=True, reset_every=2), gd_,
          "identity both ways, one averaged memory reset every 2 steps: Rand-MCM is GD"),
        # -- 001 -----------------------------------------------------------------------------------
        R("mem-sgd", ("mem_sgd:mem_sgd",), lambda p: mem_sgd.mem_sgd(G5, ID), _sgd(G5),
          "identity: MEM-SGD's memory stays 0, it is SGD"),
        R("mem-sgd-minibatch", ("mem_sgd:mem_sgd",), lambda p: mem_sgd.mem_sgd(0.05, ID, batch=3), _sgd(0.05, 3),
          "identity with minibatches: SGD (same rows, same seed)", "least-squares", False,
          "minibatch rows (float64 data); gamma g + e - C(gamma g + e) and the order of gamma and the mean round",
          1e-12, steps=10, seed=11),
        R("ef21", ("ef21_sgd:ef21_sgd",), lambda p: ef21_sgd.ef21_sgd(G5, IDC), gd_, "identity: EF21 is GD"),
        R("cser-identity", ("cser:cser",), lambda p: cser.cser(G5, IDC, period=3), lambda p: psgd.psgd(G5),
          "identity gradient compressor: PSync averages, the errors stay 0, CSER is P-SGD"),
        R("cser-reset", ("cser:cser",), lambda p: cser.cser(G5, TopK(1), period=1, reset_compressor=IDC),
          lambda p: psgd.psgd(G5), "H = 1 and an identity error reset: CSER is P-SGD whatever C_g (top-1)"),
        R("neolithic", ("neolithic:neolithic",), lambda p: neolithic.neolithic(G5, ID, rounds=3, bidirectional=True),
          gd_, "identity, R = 3, both ways: NEOLITHIC is GD"),
        # -- 002 -----------------------------------------------------------------------------------
        R("compams", ("compams:compams",), lambda p: compams.compams(ETA, ID, **ADAPTIVE), _amsgrad(ETA),
          "identity with error feedback: COMP-AMS is distributed AMSGrad"),
        R("compams-minibatch", ("compams:compams",), lambda p: compams.compams(0.05, ID, batch=4),
          lambda p: amsgrad.amsgrad(0.05, batch=4),
          "identity with error feedback, minibatches, default betas: AMSGrad (same rows, same seed)",
          "least-squares", False, "sqrt(v_hat) of the default betas is irrational", steps=20, seed=3),
        R("compams-single", ("compams_single:compams_single",),
          lambda p: compams_single.compams_single(ETA, ID, **ADAPTIVE), _amsgrad(ETA),
          "one worker, identity: Algorithm 2 is AMSGrad", "one-worker"),
        R("qadam", ("qadam:qadam",), lambda p: qadam.qadam(ETA, ID, amsgrad=True, **ADAPTIVE), _amsgrad(ETA),
          "one worker, identity, amsgrad=True: QAdam's error stays 0, it is AMSGrad", "one-worker"),
        R("onebit-adam", ("onebit_adam:onebit_adam",),
          lambda p: onebit_adam.onebit_adam(ETA, ID, warmup=1, **ADAPTIVE), _amsgrad(ETA),
          "identity both ways, warm-up 1, beta_2 = 0: the frozen v = g_1^2 is AMSGrad's max_s g_s^2 while |g_t| "
          "decreases (a scalar problem), so 1-bit Adam is AMSGrad", "scalar"),
        R("compressed-sgd", ("compams_sgd:compressed_sgd",),
          lambda p: compams_sgd.compressed_sgd(G5, ID, error_feedback=True), _sgd(G5),
          "identity with error feedback: compressed SGD is SGD"),
        R("compressed-sgd-no-ef", ("compams_sgd:compressed_sgd",),
          lambda p: compams_sgd.compressed_sgd(G5, ID, error_feedback=False), _sgd(G5),
          "identity without error feedback: compressed SGD is SGD"),
        # -- 003 -----------------------------------------------------------------------------------
        R("lag-wk", ("lag:lag",), lambda p: lag.lag(G5, "WK", xi=0), gd_, "trigger threshold xi = 0: LAG-WK is GD"),
        R("lag-ps", ("lag:lag",), lambda p: lag.lag(G5, "PS", xi=0), gd_, "trigger threshold xi = 0: LAG-PS is GD"),
    ]
    rows += [R(f"lena-{drift}", ("lena:lena",), (lambda drift: lambda p: lena.lena(G5, 0, drift))(drift), gd_,
               f"threshold beta = 0 (drift {drift!r}): every node uploads every round, LENA is GD")
             for drift in lena.DRIFTS]
    rows.append(R("lena-identity-quantizer", ("lena:lena",), lambda p: lena.lena(G5, 0, compressor=ID), gd_,
                  "beta = 0 with the identity as the quantization extension's compressor: LENA is GD"))
    return rows


#: The table: one or more rows per factory of :mod:`reference_impl.algorithms`.
REDUCTIONS: list[Reduction] = _rows()


# -- running and comparing -------------------------------------------------------------------------------
def iterates(algorithm: Algorithm, problem, xp, steps: int, seed: int = 0) -> list:
    """The iterates ``info.x`` of ``steps`` steps from one seeded generator (TheoryRangeWarning silenced:
    a reduction may sit outside a theorem's range, e.g. eps = 0)."""
    rng = np.random.default_rng(seed)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algorithm.init(problem, xp)
        for _ in range(steps):
            state, info = algorithm.step(state, problem, xp, rng)
            out.append(np.array(info.x, dtype=object if xp.exact else np.float64, copy=True))
    return out


@dataclasses.dataclass
class ReductionResult:
    row: Reduction
    equal: bool
    first_mismatch: int | None      # step index (0-based) of the first differing iterate
    max_rel_diff: float              # max over steps of ||x - x_ref||_inf / max(||x_ref||_inf, tiny)
    all_rational: bool               # exact rows: every coordinate of every iterate (both sides) a Fraction


def check_reduction(row: Reduction) -> ReductionResult:
    """Run the row's algorithm and its reference on the row's problem; compare every iterate."""
    problem = PROBLEMS[row.problem]()
    xp = EXACT if row.exact else NUMPY
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)      # eps = 0, beta_1^2 >= beta_2 on purpose
        algorithm, reference = row.build(problem), row.reference(problem)
    a = iterates(algorithm, problem, xp, row.steps, row.seed)
    b = iterates(reference, problem, xp, row.steps, row.seed)
    first, worst = None, 0.0
    for k, (x, y) in enumerate(zip(a, b)):
        xf, yf = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        rel = float(np.max(np.abs(xf - yf)) / max(float(np.max(np.abs(yf))), 1e-300))
        worst = max(worst, rel)
        same = all(u == v for u, v in zip(x, y)) if row.exact else rel <= row.rel_tol
        if not same and first is None:
            first = k
    rational = row.exact and all(isinstance(v, F) for x in a + b for v in x)
    return ReductionResult(row, first is None and len(a) == len(b) == row.steps, first, worst, rational)


def algorithm_factories() -> set[str]:
    """Every factory of :mod:`reference_impl.algorithms`: a public function of one of its modules, defined
    there, whose return annotation is ``Algorithm`` (``"module:function"``)."""
    import reference_impl.algorithms as package

    found = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and \
                    inspect.signature(fn).return_annotation in ("Algorithm", Algorithm):
                found.add(f"{info.name}:{name}")
    return found


def covered_factories() -> set[str]:
    return {f for row in REDUCTIONS for f in row.factories}
