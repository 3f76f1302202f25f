"""Issue 10 for 001: the algorithms of 001 advance R stacked runs as one computation, each exactly its run.

P-SGD, QSGD, MEM-SGD, EF21-SGD, Double Squeeze and NEOLITHIC (uni- and bidirectional, FCC of rand-k,
top-k, scaled QSGD) are run-agnostic (``stackable``); stacked runs (the same algorithm for R seeds, or
R per-run step sizes of a step-size sweep) must give every run its separate trajectory bit for bit:
iterates, messages, errors and bits are compared with exact equality (numpy float64 and torch), never
with a tolerance, since a stacked step does elementwise the same float operations as a separate one.
The recorded ||grad f||^2 of :func:`reproductions.neolithic.run_budget_stack` comes from one matrix
product for the R iterates (another BLAS kernel than R mat-vecs): compared at 1e-12 relative.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.backends import NUMPY, RunStreams, torch_backend
from reference_impl.batched import Job, run_batch, stack_states
from reference_impl.compressors.sparsification import TopK
from reference_impl.runner import run
from reproductions import neolithic as N

PROBLEMS = {"least-squares": N.problem_spec("least-squares", n_workers=4, d=6, rows=20),
            "logistic": N.problem_spec("logistic", n_workers=4, d=6, rows=20),
            "quadratics": N.problem_spec("quadratics", n_workers=3, d=6)}
METHODS = N.METHODS + N.EXTRA_METHODS
STEPS = (0.05, 0.1, 0.2)


def method(name, gamma, spec=("rand", 2), noise=0.0, batch=3):
    return N.make_method(name, gamma, spec, rounds=3, batch=batch, noise=noise)


def separate(algo, problem, seed, steps, xp=NUMPY):
    rng = np.random.default_rng(seed)
    state = algo.init(problem, xp)
    out = []
    for _ in range(steps):
        state, info = algo.step(state, problem, xp, rng)
        out.append((state, info))
    return out


def stacked(algo, inits, problem, seeds, steps, xp=NUMPY):
    rng = RunStreams([np.random.default_rng(s) for s in seeds])
    state = stack_states(xp, [a.init(problem, xp) for a in inits])
    out = []
    for _ in range(steps):
        state, info = algo.step(state, problem, xp, rng)
        out.append((state, info))
    return out


def host(xp, v):
    return np.asarray(xp.to_numpy(v)) if hasattr(v, "shape") else np.asarray(v)


def assert_run_equal(xp, stack_out, r, single_out):
    """Run r of the stacked trajectory is the separate one: every state array, x, messages and bits."""
    for (S, I), (s, i) in zip(stack_out, single_out):
        for a, b in zip(S, s):
            if hasattr(b, "shape") and len(tuple(b.shape)):
                assert np.array_equal(host(xp, a)[r], host(xp, b))
            else:
                assert a == b
        assert np.array_equal(host(xp, I.x)[r], host(xp, i.x))
        runs = host(xp, I.x).shape[0]
        assert np.array_equal(np.broadcast_to(I.uplink_bits, (runs,) + np.shape(i.uplink_bits))[r], i.uplink_bits)
        assert np.broadcast_to(I.downlink_bits, (runs,))[r] == i.downlink_bits
        assert np.broadcast_to(I.overflow, (runs,))[r] == i.overflow
        for field in ("uplink", "downlink"):
            assert np.array_equal(host(xp, getattr(I, field))[r], host(xp, getattr(i, field)))


@pytest.mark.parametrize("pname", sorted(PROBLEMS))
@pytest.mark.parametrize("name", METHODS)
def test_stacked_seeds_and_steps_replay_separate_runs(name, pname):
    """R = 3 runs with their own seeds and their own step sizes (one algorithm with per-run gamma)."""
    problem = N.build_problem(PROBLEMS[pname])
    noise = 0.3 if pname == "quadratics" and name not in ("QSGD", "Double Squeeze") else 0.0
    batch = None if pname == "quadratics" else 3
    seeds = (11, 12, 13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        algo = method(name, list(STEPS), noise=noise, batch=batch)
        assert algo.step.run_axis
        singles = [method(name, g, noise=noise, batch=batch) for g in STEPS]
        out = stacked(algo, singles, problem, seeds, 12)
        for r, (a, s) in enumerate(zip(singles, seeds)):
            assert_run_equal(NUMPY, out, r, separate(a, problem, s, 12))
    assert not np.array_equal(out[-1][1].x[0], out[-1][1].x[1])


@pytest.mark.parametrize("name", ["MEM-SGD", "NEOLITHIC", "Double Squeeze", "EF21-SGD"])
def test_stacked_top_k_on_torch(name):
    xp = torch_backend("cpu")
    problem = N.build_problem(PROBLEMS["logistic"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        algo = method(name, list(STEPS[:2]), spec=("top", 2))
        singles = [method(name, g, spec=("top", 2)) for g in STEPS[:2]]
        out = stacked(algo, singles, problem, (5, 6), 10, xp)
        for r, (a, s) in enumerate(zip(singles, (5, 6))):
            assert_run_equal(xp, out, r, separate(a, problem, s, 10, xp))


def test_run_batch_stacks_001_algorithms():
    """The shared batched runner stacks the runs of one (scalar-step) algorithm of 001 and replays them."""
    problem = N.build_problem(PROBLEMS["least-squares"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        algos = [method(m, 0.05) for m in ("NEOLITHIC", "MEM-SGD", "EF21-SGD", "P-SGD")]
        jobs = [Job(a, 100 + r) for a in algos for r in range(2)]
        batched = run_batch(jobs, problem, 9, record_every=3)
        alone = [run(j.algorithm, problem, 9, seed=j.seed, record_every=3) for j in jobs]
    for b, s in zip(batched, alone):
        for col in ("dist", "grad_norm", "uplink_bits", "downlink_bits", "cum_uplink_bits"):
            assert np.array_equal(b[col], s[col]), col


def test_per_run_steps_need_their_stack():
    problem = N.build_problem(PROBLEMS["least-squares"])
    algo = method("NEOLITHIC", [0.1, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, NUMPY)
    with pytest.raises(ValueError, match="2 per-run step sizes must advance exactly 2 stacked runs"):
        algo.step(state, problem, NUMPY, np.random.default_rng(0))
    with pytest.raises(ValueError, match="gamma"):
        method("P-SGD", [0.1, -1.0])
    with pytest.raises(ValueError, match="1-D non-empty"):
        method("MEM-SGD", [])


def test_run_budget_stack_is_run_budget():
    """Stacked budget runs (per-run steps, seeds and budgets) give run_budget's curves and measures."""
    spec = PROBLEMS["quadratics"]
    problem = N.build_problem(spec)
    grad_fn = N.gradient_function(problem)
    steps, seeds, budgets = [0.1, 0.3, 0.2, 40.0], [1, 2, 3, 4], [30, 60, 45, 60]
    opts = dict(spec=("rand", 2), noise=0.5, batch=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        runs = N.run_budget_stack(lambda g: method("NEOLITHIC", g, **opts), problem, steps, budgets, seeds)
        for g, s, T, got in zip(steps, seeds, budgets, runs):
            want = N.run_budget(method("NEOLITHIC", g, **opts), problem, T, s, grad_fn=grad_fn)
            assert got.diverged == want.diverged
            assert np.array_equal(got.rounds, want.rounds)
            np.testing.assert_allclose(got.grad_sq, want.grad_sq, rtol=1e-12)
            np.testing.assert_allclose([got.avg_grad_sq, got.final_grad_sq], [want.avg_grad_sq, want.final_grad_sq],
                                       rtol=1e-12)
    assert runs[3].diverged and not runs[0].diverged     # gamma = 40 / L blows up; the others are unaffected


def test_top_k_tie_rule_and_run_axis():
    """Ties go to the lower index (the cumulative count); an (R, N, d) input selects per row."""
    X = np.array([[1.0, -3.0, 3.0, 3.0, 0.5], [2.0, 2.0, 2.0, 2.0, 2.0]])
    mask = TopK(2).select(NUMPY, X)
    assert mask.tolist() == [[False, True, True, False, False], [True, True, False, False, False]]
    rng = np.random.default_rng(0)
    X3 = np.round(rng.standard_normal((3, 4, 9)), 1)        # rounded: ties are frequent
    for k in (1, 3, 9):
        C = TopK(k)
        out = C(NUMPY, X3)
        assert out.bits.shape == (3, 4)
        for r in range(3):
            assert np.array_equal(out.values[r], C(NUMPY, X3[r]).values)
        xt = torch_backend("cpu")
        assert np.array_equal(xt.to_numpy(C(xt, xt.asarray(X3)).values), out.values)


@pytest.mark.parametrize("pname", sorted(PROBLEMS))
def test_batched_gradient_is_the_gradient(pname):
    """grad f at R points at once: the closed forms and problem.grad agree to 1e-12 relative (kernels)."""
    problem = N.build_problem(PROBLEMS[pname])
    X = np.random.default_rng(3).standard_normal((5, problem.d))
    want = np.stack([np.asarray(problem.grad(NUMPY, x)) for x in X])
    np.testing.assert_allclose(N.batched_gradient_function(problem)(X), want, rtol=1e-12, atol=1e-14)


def tiny_mlp(N_workers=3, m=24, p=7, hidden=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((N_workers, m, p))
    y = rng.integers(0, classes, (N_workers, m))
    d = hidden * p + hidden + classes * hidden + classes
    test = (rng.standard_normal((30, p)), rng.integers(0, classes, 30))
    return N.MLPProblem(F, y, hidden, classes, test, 0.5 * rng.standard_normal(d), name="tiny-mlp")


@pytest.mark.parametrize("name", ["P-SGD", "NEOLITHIC", "MEM-SGD"])
def test_stacked_classification_runs_are_the_separate_runs(name):
    """The MLP takes a run axis: R runs with their own steps and seeds end exactly where each alone ends."""
    problem = tiny_mlp()
    steps, seeds = [0.05, 0.2, 0.1], [4, 5, 6]
    opts = dict(compressor_spec=("top", 6), rounds=2, batch=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        make = lambda g: N.make_method(name, g, **opts)       # noqa: E731
        got = N.run_classification_stack(make, problem, steps, 30, seeds)
        for g, s, r in zip(steps, seeds, got):
            want = N.run_classification(make(g), problem, 30, s)
            assert r[:4] == want[:4]                           # accuracies, loss, iterations: equal
        X = np.random.default_rng(1).standard_normal((2, problem.N, problem.d))
        rows = np.random.default_rng(2).integers(0, 24, (2, problem.N, 4))
        both = problem.stochastic_worker_grads(NUMPY, X, rows)
        for r in range(2):
            assert np.array_equal(both[r], problem.stochastic_worker_grads(NUMPY, X[r], rows[r]))


def test_run_jobs_stacked_equals_per_run():
    """A sweep's jobs (steps, budgets, seeds, two methods) give the same runs stacked and one by one."""
    spec = PROBLEMS["quadratics"]
    opts = (("compressor_spec", ("rand", 2)), ("rounds", 2), ("batch", None), ("noise", 0.5))
    jobs = [N.Job(spec, m, g, opts, T, s) for m in ("NEOLITHIC", "MEM-SGD") for g, T in ((0.1, 40), (0.3, 64), (9.0, 64))
            for s in range(2)]
    stacked, alone = N.run_jobs(jobs, workers=1), N.run_jobs(jobs, workers=1, stack=False)
    assert any(r.diverged for r in alone) and not all(r.diverged for r in alone)
    for a, b in zip(stacked, alone):
        assert a.diverged == b.diverged and np.array_equal(a.rounds, b.rounds)
        np.testing.assert_allclose(a.grad_sq, b.grad_sq, rtol=1e-12)


def test_stacked_neolithic_with_scaled_qsgd():
    """An unbiased compressor through ScaledUnbiased and FCC (the 4-bit rows of 001's tables) stacks too."""
    from reference_impl.algorithms.neolithic import neolithic
    from reference_impl.compressors.qsgd import QSGD

    problem = N.build_problem(PROBLEMS["logistic"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        algo = neolithic([0.1, 0.2], QSGD(4), 2, bidirectional=True, batch=3)
        assert algo.step.run_axis
        singles = [neolithic(g, QSGD(4), 2, bidirectional=True, batch=3) for g in (0.1, 0.2)]
        out = stacked(algo, singles, problem, (8, 9), 8)
        for r, (a, s) in enumerate(zip(singles, (8, 9))):
            assert_run_equal(NUMPY, out, r, separate(a, problem, s, 8))


def test_batched_gradient_on_unequal_workers():
    """Padded rows (workers of different sizes, as the LIBSVM split of full mode) carry no weight."""
    from reference_impl.problems import LogisticProblem

    rng = np.random.default_rng(5)
    sizes = (7, 19, 12)
    feats = [rng.standard_normal((n, 4)) for n in sizes]
    labels = [np.where(rng.random(n) < 0.5, -1.0, 1.0) for n in sizes]
    problem = LogisticProblem(feats, labels, 1e-3)
    X = rng.standard_normal((3, 4))
    want = np.stack([np.asarray(problem.grad(NUMPY, x)) for x in X])
    np.testing.assert_allclose(N.batched_gradient_function(problem)(X), want, rtol=1e-12, atol=1e-14)
