"""LENA, LAG and the network cost model (003): exact reductions on rationals, bits, validation."""
import warnings
from fractions import Fraction as Fr

import numpy as np
import pytest

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.algorithms.gd import gradient_descent
from reference_impl.algorithms.lag import lag
from reference_impl.algorithms.lena import DRIFTS, VECTORS_PER_UPLOAD, lena
from reference_impl.algorithms.lena_network import (draw_bandwidths, tdma_latency, wan_latency)
from reference_impl.backends import EXACT, NUMPY
from reference_impl.compressors.sparsification import TopK
from reference_impl.problems import LeastSquaresProblem, QuadraticProblem

A = [[[Fr(2), Fr(1, 2)], [Fr(1, 2), Fr(1)]], [[Fr(1), 0], [0, Fr(3)]], [[Fr(3, 2), 0], [0, Fr(1, 2)]]]
B = [[Fr(1), Fr(-1)], [Fr(2), Fr(1, 3)], [Fr(-1), Fr(1)]]
PROBLEM = QuadraticProblem(A, B)   # 3 nodes, d = 2, rational: everything below is exact


def run(algo, problem=PROBLEM, xp=EXACT, T=8, seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, xp)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(T):
        state, info = algo.step(state, problem, xp, rng)
        out.append((info, state))
    return out


def same_iterates(a, b) -> bool:
    return all(np.array_equal(np.asarray(x[0].x, dtype=object), np.asarray(y[0].x, dtype=object)) for x, y in zip(a, b))


@pytest.mark.parametrize("drift", DRIFTS)
def test_lena_beta_zero_is_dgd_exactly(drift):
    gd = run(gradient_descent(Fr(1, 5)))
    ln = run(lena(Fr(1, 5), 0, drift))
    assert same_iterates(gd, ln)
    for info, state in ln:
        assert info.uploads.all()
        assert (info.uplink_bits == VECTORS_PER_UPLOAD[drift] * 32 * PROBLEM.d).all()
        assert all(v == 0 for v in np.asarray(state.e).ravel())          # memory cleared by every upload


def test_drift_never_used_all_variants_identical():
    """Every round triggers (beta = 0, and the 'drift' reading of the filter): the drift is never applied."""
    runs = [run(lena(Fr(1, 4), 0, drift, trigger_reference=ref, trigger_norm=norm))
            for drift in DRIFTS for ref in ("v_prev", "drift") for norm in ("current", "previous")]
    assert all(same_iterates(runs[0], r) for r in runs[1:])


@pytest.mark.parametrize("rule", ["WK", "PS"])
def test_lag_threshold_zero_is_dgd_exactly(rule):
    assert same_iterates(run(gradient_descent(Fr(1, 5))), run(lag(Fr(1, 5), rule, xi=0)))


@pytest.mark.parametrize("drift", DRIFTS)
def test_skipped_uploads_count_zero_bits_and_server_applies_drift(drift):
    out = run(lena(Fr(1, 5), Fr(1, 2), drift, gamma=Fr(1, 2)), T=25)
    skipped = 0
    prev_q = None
    for info, state in out:
        assert ((info.uplink_bits > 0) == info.uploads).all()
        if prev_q is not None:
            for m in np.flatnonzero(~info.uploads):             # the server used the stored drift
                assert all(a == b for a, b in zip(info.uplink[m], prev_q[m]))
        skipped += int((~info.uploads).sum())
        prev_q = np.array(state.q, dtype=object)
    assert skipped > 0                                           # the filter does skip at beta = 1/2


def test_error_feedback_virtual_iterate_is_sgd_exactly():
    """w - mean(e) follows plain gradient steps on the gradients computed at w (error feedback, eq. (3))."""
    algo = lena(Fr(1, 5), Fr(1, 2), "momentum", gamma=Fr(1, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(PROBLEM, EXACT)
    rng = np.random.default_rng(0)
    for _ in range(15):
        x_virtual = state.w - EXACT.mean(state.e, axis=0)
        grad = EXACT.mean(PROBLEM.worker_grads(EXACT, PROBLEM.broadcast(EXACT, state.w)), axis=0)
        state, _ = algo.step(state, PROBLEM, EXACT, rng)
        assert np.array_equal(state.w - EXACT.mean(state.e, axis=0), x_virtual - Fr(1, 5) * grad)


def test_three_trigger_rule_needs_three_holds():
    """Section 5.1's rule: an upload needs the condition to hold 3 times (in 3 distinct rounds) since the
    last upload, so a node's uploads are at least 3 rounds apart; with beta = 0 (always holds) exactly 3."""
    for beta, exact in ((Fr(1, 4), False), (0, True)):
        out = run(lena(Fr(1, 10), beta, "v", triggers_needed=3), T=40)
        ups = np.array([i.uploads for i, _ in out])
        assert ups.any()
        for m in range(PROBLEM.N):
            rounds = np.flatnonzero(ups[:, m])
            gaps = np.diff(np.concatenate([[-1], rounds]))
            assert (gaps == 3).all() if exact else (gaps >= 3).all()


def test_quantization_extension_contracts_the_memory():
    rng = np.random.default_rng(1)
    F = [rng.standard_normal((12, 6)) for _ in range(4)]
    t = [f @ rng.standard_normal(6) for f in F]
    problem = LeastSquaresProblem(F, t)
    comp = TopK(2)
    delta = comp.constant(problem.d)
    algo = lena(0.5 / problem.L, 0.5, "v", compressor=comp)
    state = algo.init(problem, NUMPY)
    for _ in range(30):
        u = state.e + (0.5 / problem.L) * problem.worker_grads(NUMPY, problem.broadcast(NUMPY, state.w))
        state, info = algo.step(state, problem, NUMPY, rng)
        for m in np.flatnonzero(info.uploads):
            assert np.sum(state.e[m] ** 2) <= (1 - delta) * np.sum(u[m] ** 2) * (1 + 1e-12) + 1e-300
            assert info.uplink_bits[m] < 32 * problem.d                    # top-2 of 6 is cheaper


def test_minibatch_replays_bit_for_bit_and_backends_agree():
    rng = np.random.default_rng(2)
    F = [rng.standard_normal((10, 5)) for _ in range(3)]
    problem = LeastSquaresProblem(F, [f @ np.ones(5) for f in F])
    a = run(lena(0.1, 0.5, "momentum", batch=3), problem, NUMPY, T=20, seed=7)
    b = run(lena(0.1, 0.5, "momentum", batch=3), problem, NUMPY, T=20, seed=7)
    assert all(np.array_equal(x[0].x, y[0].x) and np.array_equal(x[0].uploads, y[0].uploads) for x, y in zip(a, b))
    ex = run(lena(Fr(1, 5), Fr(1, 2), "uniform"), T=10)
    fl = run(lena(0.2, 0.5, "uniform"), xp=NUMPY, T=10)
    for x, y in zip(ex, fl):                                           # same decisions, float rounding only
        assert np.array_equal(x[0].uploads, y[0].uploads)
        np.testing.assert_allclose(np.asarray(x[0].x, dtype=float), y[0].x, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(alpha=float("nan"), beta=1), "alpha"), (dict(alpha=-1, beta=1), "alpha"),
    (dict(alpha=0.1, beta=-1), "beta"), (dict(alpha=0.1, beta=float("inf")), "beta"),
    (dict(alpha=0.1, beta=1, drift="nope"), "drift"), (dict(alpha=0.1, beta=1, gamma=0), "gamma"),
    (dict(alpha=0.1, beta=1, triggers_needed=0), "triggers_needed"),
    (dict(alpha=0.1, beta=1, trigger_norm="x"), "trigger_norm"),
    (dict(alpha=0.1, beta=1, trigger_reference="x"), "trigger_reference"),
    (dict(alpha=0.1, beta=1, batch=0), "batch")])
def test_lena_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lena(**kwargs)


def test_lena_theory_range_warnings():
    with pytest.warns(TheoryRangeWarning, match="beta"):
        lena(0.1, 40)
    algo = lena(1.0, 1)
    with pytest.warns(TheoryRangeWarning, match="alpha"):
        algo.init(PROBLEM, NUMPY)


@pytest.mark.parametrize("kwargs, match", [(dict(alpha=0), "alpha"), (dict(alpha=1, rule="XX"), "rule"),
                                           (dict(alpha=1, D=0), "window D"), (dict(alpha=1, xi=-1), "xi")])
def test_lag_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lag(**kwargs)


def test_lag_skips_near_convergence():
    out = run(lag(0.3, "WK"), xp=NUMPY, T=60)
    late = sum(int(i.uploads.sum()) for i, _ in out[30:])
    assert late < 30 * PROBLEM.N and all(((i.uplink_bits > 0) == i.uploads).all() for i, _ in out)


def test_network_models_against_loops():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 3, size=(7, 4)) * 1000
    assert tdma_latency(bits, 1e3)[-1] == pytest.approx(bits.sum() / 1e3, rel=1e-15)
    bw = draw_bandwidths(rng, 4, realisations=5)
    assert set(np.unique(bw)) <= {1e6, 5e6, 1e7, 1e8, 1e9}
    got = wan_latency(bits, bw, header_bits=10, overhead_s=0.27)
    got_round = wan_latency(bits, bw, aggregation="round")
    for r in range(5):
        total = sum((bits[t, m] + 10) / bw[r, m] + 0.27 for t in range(7) for m in range(4) if bits[t, m] > 0)
        assert got[r, -1] == pytest.approx(total, rel=1e-12)
        slow = sum(max(bits[t, m] / bw[r, m] for m in range(4)) for t in range(7))
        assert got_round[r, -1] == pytest.approx(slow, rel=1e-12)
    with pytest.raises(ValueError, match="probs"):
        draw_bandwidths(rng, 3, probs=(0.5, 0.5))
    with pytest.raises(ValueError, match="rate_bps"):
        tdma_latency(bits, 0)
