"""Algorithms of 002 (COMP-AMS Algorithms 1 and 2, distributed AMSGrad, QAdam, 1-bit Adam, compressed SGD)
and the sign compressors: reductions, exact arithmetic, backends, bits, input checks.

Bit-for-bit comparisons use ``np.array_equal`` (the code paths do the same float operations in the same
order). AMSGrad has a square root: the exact-backend tests use beta_2 = 0, eps = 0 and eps outside the root,
where sqrt(v_hat) = max_s |g_s| is rational; the general case is compared between numpy and torch float64
(relative 1e-12: the two libraries may sum in different orders, each sum then differs by a few ulps).
"""
from __future__ import annotations

import warnings
from fractions import Fraction as F

import numpy as np
import pytest

from reference_impl.algorithms.amsgrad import amsgrad
from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.algorithms.compams import compams
from reference_impl.algorithms.compams_sgd import compressed_sgd
from reference_impl.algorithms.compams_single import compams_single
from reference_impl.algorithms.onebit_adam import onebit_adam
from reference_impl.algorithms.qadam import qadam
from reference_impl.algorithms.sgd import sgd
from reference_impl.backends import EXACT, NUMPY, NotRational
from reference_impl.compressors.sign import BlockSign, ScaledSign
from reference_impl.compressors.sparsification import Identity, RandK, TopK
from reference_impl.problems import LeastSquaresProblem, QuadraticProblem


def ls_problem(N=3, d=6, n=30, seed=0):
    rng = np.random.default_rng(seed)
    F_ = [rng.standard_normal((n, d)) for _ in range(N)]
    t = [f @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n) for f in F_]
    return LeastSquaresProblem(F_, t, name=f"ls(N={N}, d={d})")


def rational_quadratic(N=2):
    """f_i(x) = x^T A_i x / 2 - b_i^T x with small integer data (exact gradients on Fractions)."""
    A = [[[2, 1, 0], [1, 3, 0], [0, 0, 1]], [[1, 0, 0], [0, 2, 1], [0, 1, 2]]][:N]
    b = [[1, -2, 3], [-1, 1, 2]][:N]
    return QuadraticProblem(A, b, name="rational-quadratic")


def trajectory(algo, problem, steps, xp=NUMPY, seed=3):
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, xp)
    xs = []
    for _ in range(steps):
        state, info = algo.step(state, problem, xp, rng)
        xs.append(info.x)
    return state, xs


# -- reductions ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("eps_mode", ["inside", "outside"])
@pytest.mark.parametrize("batch", [None, 4])
def test_identity_with_error_feedback_is_distributed_amsgrad_bit_for_bit(eps_mode, batch):
    p = ls_problem()
    a = compams(0.05, Identity(), eps_mode=eps_mode, batch=batch)
    b = amsgrad(0.05, eps_mode=eps_mode, batch=batch)
    sa, xa = trajectory(a, p, 40)
    sb, xb = trajectory(b, p, 40)
    assert all(np.array_equal(u, w) for u, w in zip(xa, xb))
    assert np.array_equal(sa.v_hat, sb.v_hat) and not np.any(sa.e)


def test_one_worker_algorithm_1_is_algorithm_2_bit_for_bit():
    p = ls_problem(N=1)
    for comp, ef in ((TopK(2), True), (TopK(2), False), (BlockSign([2, 4]), True), (RandK(3, scaled=False), True)):
        a = compams(0.03, comp, batch=5, error_feedback=ef, eps_mode="inside")
        b = compams_single(0.03, comp, batch=5, error_feedback=ef, eps_mode="inside")
        sa, xa = trajectory(a, p, 30)
        sb, xb = trajectory(b, p, 30)
        assert all(np.array_equal(u, w) for u, w in zip(xa, xb)), comp
        assert np.array_equal(sa.e[0], sb.e)


def test_topk_with_k_equal_d_is_the_identity():
    p = ls_problem()
    _, xa = trajectory(compams(0.05, TopK(p.d), batch=4), p, 30)
    _, xb = trajectory(compams(0.05, Identity(), batch=4), p, 30)
    assert all(np.array_equal(u, w) for u, w in zip(xa, xb))


@pytest.mark.filterwarnings("ignore::reference_impl.algorithms.base.TheoryRangeWarning")  # eps = 0 on purpose
def test_exact_identity_ef_equals_amsgrad_and_beta_zero_closed_form():
    """beta_1 = beta_2 = 0, eps = 0 outside: theta_t = theta_{t-1} - eta g_t / max_{s<=t} |g_s| (coordinatewise)."""
    p = rational_quadratic()
    eta = F(1, 4)
    kw = dict(beta_1=0, beta_2=0, eps=0, eps_mode="outside")
    sa, xa = trajectory(compams(eta, Identity(), **kw), p, 6, xp=EXACT)
    sb, xb = trajectory(amsgrad(eta, **kw), p, 6, xp=EXACT)
    assert all(all(u == w) for u, w in zip(xa, xb))
    x = EXACT.zeros((p.d,))
    vmax = [F(0)] * p.d
    for t in range(6):
        g = p.grad(EXACT, x)
        vmax = [max(a, abs(gj)) for a, gj in zip(vmax, g)]
        x = np.array([xj - (eta * gj / m if m else F(0)) for xj, gj, m in zip(x, g, vmax)], dtype=object)
        assert all(x == xa[t]), t
    assert all(isinstance(v, F) for v in xa[-1])


@pytest.mark.filterwarnings("ignore::reference_impl.algorithms.base.TheoryRangeWarning")  # eps = 0 on purpose
def test_exact_error_feedback_telescopes():
    """sum_t g~_{t,i} + e_{T+1,i} = sum_t g_{t,i} exactly (line 8 of Algorithm 1), Top-k, Fractions."""
    p = rational_quadratic()
    algo = compams(F(1, 8), TopK(1), beta_1=F(1, 2), beta_2=0, eps=0, eps_mode="outside")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(p, EXACT)
    rng = np.random.default_rng(0)
    sent = EXACT.zeros((p.N, p.d))
    grads = EXACT.zeros((p.N, p.d))
    for _ in range(5):
        grads = grads + p.worker_grads(EXACT, p.broadcast(EXACT, state.x))
        state, info = algo.step(state, p, EXACT, rng)
        sent = sent + info.uplink
    assert np.all(sent + state.e == grads)
    assert np.count_nonzero(info.uplink[0]) == 1


@pytest.mark.filterwarnings("ignore::reference_impl.algorithms.base.TheoryRangeWarning")  # eps = 0 on purpose
def test_exact_backend_refuses_an_irrational_root():
    p = rational_quadratic()
    algo = compams(F(1, 4), TopK(1), beta_2=F(999, 1000), eps=0, eps_mode="outside")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(p, EXACT)
    with pytest.raises(NotRational, match="irrational"):
        algo.step(state, p, EXACT, np.random.default_rng(0))


def test_numpy_and_torch_agree():
    torch = pytest.importorskip("torch")
    from reference_impl.backends import torch_backend

    p = ls_problem()
    for algo in (compams(0.05, TopK(2), batch=4), compams(0.05, BlockSign([3, 3]), batch=4, eps_mode="inside"),
                 qadam(0.05, TopK(2), batch=4), onebit_adam(0.05, ScaledSign(), warmup=5, batch=4)):
        _, xa = trajectory(algo, p, 25)
        _, xb = trajectory(algo, p, 25, xp=torch_backend("cpu"))
        xb = [x.numpy() for x in xb]
        np.testing.assert_allclose(xa[-1], xb[-1], rtol=1e-12, atol=1e-14)
    assert torch.get_default_dtype() is not None


def test_replay_with_the_same_seed():
    p = ls_problem()
    algo = compams(0.05, RandK(2, scaled=False), batch=4)
    _, xa = trajectory(algo, p, 20, seed=11)
    _, xb = trajectory(algo, p, 20, seed=11)
    _, xc = trajectory(algo, p, 20, seed=12)
    assert np.array_equal(xa[-1], xb[-1]) and not np.array_equal(xa[-1], xc[-1])


def test_qadam_with_identity_on_one_worker_is_amsgrad():
    p = ls_problem(N=1)
    _, xa = trajectory(qadam(0.05, Identity(), amsgrad=True, batch=4), p, 30)
    _, xb = trajectory(amsgrad(0.05, batch=4), p, 30)
    assert all(np.array_equal(u, w) for u, w in zip(xa, xb))


def test_onebit_adam_warmup_is_adam_and_identity_keeps_no_error():
    p = ls_problem()
    steps, eta, b1, b2, eps = 15, 0.05, 0.9, 0.999, 1e-8
    state, xs = trajectory(onebit_adam(eta, ScaledSign(), warmup=steps), p, steps, seed=0)
    x, m, v = np.zeros(p.d), np.zeros(p.d), np.zeros(p.d)
    for t in range(steps):
        g = p.grad(NUMPY, x)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        x = x - eta * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(xs[t], x, rtol=1e-13, atol=1e-15)   # mean over workers vs grad: ~ulps
    state, _ = trajectory(onebit_adam(eta, Identity(), warmup=3), p, 10)
    assert not np.any(state.e) and not np.any(state.e_s)


def test_compressed_sgd_with_identity_and_ef_is_sgd():
    p = ls_problem()
    _, xa = trajectory(compressed_sgd(0.05, Identity(), error_feedback=False), p, 20)
    _, xb = trajectory(sgd(0.05), p, 20)
    assert all(np.array_equal(u, w) for u, w in zip(xa, xb))
    _, xc = trajectory(compressed_sgd(0.05, Identity(), error_feedback=True), p, 20)
    np.testing.assert_allclose(xc[-1], xb[-1], rtol=1e-13)   # gamma g summed before the mean: rounding only


def test_error_feedback_helps_topk_on_least_squares():
    """A measured behaviour: with k = 1 of d = 6 the no-EF run stalls far above the EF run's gradient norm."""
    p = ls_problem()
    s_ef, _ = trajectory(compams(0.02, TopK(1)), p, 1500)
    s_no, _ = trajectory(compams(0.02, TopK(1), error_feedback=False), p, 1500)
    g_ef = np.linalg.norm(p.grad(NUMPY, s_ef.x))
    g_no = np.linalg.norm(p.grad(NUMPY, s_no.x))
    assert g_ef < 0.2 * g_no, (g_ef, g_no)


# -- bits and compressors ------------------------------------------------------------------------------
def test_block_sign_bits_encoder_roundtrip_and_constant():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 7))
    X[2, 1] = 0.0
    comp = BlockSign([3, 4])
    C = comp(NUMPY, X)
    for i in range(3):
        bits = comp.encode(X[i])
        assert len(bits) == C.bits[i]
        np.testing.assert_allclose(comp.decode(bits, 7), C.values[i], rtol=1e-7)   # float32 magnitudes
    assert C.bits[0] == 2 * 33 + 7 and C.bits[2] == 2 * 33 + 7 + 3
    assert comp.constant_exact(7) == F(1, 4) and ScaledSign().constant_exact(7) == F(1, 7)
    np.testing.assert_allclose(C.values[0, :3], np.sign(X[0, :3]) * np.abs(X[0, :3]).mean())


def test_block_sign_contraction_exact():
    """||C(x) - x||^2 <= (1 - 1/B) ||x||^2 on random rationals; the sup is approached by one dominant
    coordinate among nonzero ones (sign(0) = 0 makes an exact one-hot vector strictly better)."""
    rng = np.random.default_rng(1)
    comp = BlockSign([2, 3])
    for _ in range(30):
        x = EXACT.asarray([[F(int(v), 7) for v in rng.integers(-9, 10, 5)]])
        c = comp(EXACT, x).values
        err = sum((a - b) ** 2 for a, b in zip(c[0], x[0]))
        assert err <= (1 - F(1, 3)) * sum(v * v for v in x[0])
    x = EXACT.asarray([[0, 0, 5, F(1, 1000), F(1, 1000)]])
    c = comp(EXACT, x).values
    ratio = sum((a - b) ** 2 for a, b in zip(c[0], x[0])) / sum(v * v for v in x[0])
    assert F(99, 100) * F(2, 3) < ratio <= F(2, 3)
    with pytest.raises(ValueError, match="sum to"):
        comp(NUMPY, np.zeros((1, 4)))


# -- input checks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(eta=-1.0), "eta must be > 0"), (dict(eta=float("nan")), "eta must be a finite"),
    (dict(beta_1=1.0), "beta_1 must be a real number in \\[0, 1\\)"), (dict(beta_2=-0.1), "beta_2"),
    (dict(eps=-1e-8), "eps must be"), (dict(eps_mode="middle"), "eps_mode must be one of"),
    (dict(error_feedback=1), "error_feedback must be True or False"), (dict(batch=0), "batch must be None"),
    (dict(noise=-1.0), "noise"), (dict(compressor="top-k"), "compressor must be a Compressor")])
def test_factories_refuse_bad_hyper_parameters(kwargs, match):
    args = dict(eta=0.1, compressor=TopK(1)) | kwargs
    with pytest.raises(ValueError, match=match):
        compams(**args)


def test_other_factories_validate():
    with pytest.raises(ValueError, match="warmup must be an integer >= 0"):
        onebit_adam(0.1, TopK(1), warmup=-1)
    with pytest.raises(ValueError, match="amsgrad must be True or False"):
        qadam(0.1, TopK(1), amsgrad="yes")
    with pytest.raises(ValueError, match="eta_t must be a finite real > 0"):
        trajectory(compams(lambda t: -1.0, TopK(1)), ls_problem(), 1)
    with pytest.warns(TheoryRangeWarning, match="eps = 0"):
        amsgrad(0.1, eps=0)
    with pytest.warns(TheoryRangeWarning, match="beta_1 < sqrt"):
        amsgrad(0.1, beta_1=0.99, beta_2=0.5)
