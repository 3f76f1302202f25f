"""Fast simulation (issue 10): batched runs give the trajectories of separate runs; the O(batch) sampler
draws uniform subsets; F on the stacked real rows equals the per-worker objective; one optimum solver.

The run axis: R runs of one algorithm advanced as one stacked computation (reference_impl.batched) must
give every run exactly its separate trajectory: the states (every array, every mask) and the bits are
compared bit for bit (exact equality on numpy float64 and torch, exact Fractions on the exact backend);
only the recorded F, which a batch computes for all runs with one matrix product (another BLAS kernel than
a mat-vec), is compared with a tolerance (1e-12 relative: F ~ 1 on these problems, and the two kernels
round each of their O(n d) terms at 1e-16).
"""
import itertools
import math
import warnings

import numpy as np
import pytest
import scipy.stats

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.backends import NUMPY, torch_backend
from reference_impl.batched import Job, run_batch
from reference_impl.compressors.qsgd import QSGD
from reference_impl.problems import LeastSquaresProblem, LogisticProblem, distinct_rows
from reference_impl.runner import COMPLETED, NON_FINITE, NonFiniteWarning, run, seed_from_names
from reproductions import mcm


def small_logistic(lam=0.0, seed=0, sizes=(30, 41, 25, 37), d=6):
    rng = np.random.default_rng(seed)
    feats = [np.hstack([np.ones((n, 1)), rng.standard_normal((n, d - 1))]) for n in sizes]
    labels = [np.where(rng.random(n) < 0.5, -1.0, 1.0) for n in sizes]   # random labels: not separable
    return LogisticProblem(feats, labels, lam, name=f"small-logistic(lam={lam})")


def table_algorithms(batch=5):
    q = QSGD(1)
    return {name: mcm.make_algorithm(name, 0.5, up=q, down=q, batch=batch)
            for name in ("SGD", "DIANA", "Artemis", "Dore", "MCM", "Rand-MCM")}


# -- batched == separate --------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_batched_runs_replay_separate_runs_bit_for_bit(backend):
    """Iterates (through ||x - x*||), bits and uploads: identical bit for bit. The recorded losses of a
    batch come from one matrix product (another BLAS kernel than a mat-vec): equal to 1e-12 relative."""
    xp = NUMPY if backend == "numpy" else torch_backend("cpu")
    p = small_logistic()
    algos = table_algorithms()
    jobs = [Job(a, seed_from_names("test-batched", name, r)) for name, a in algos.items() for r in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        batched = run_batch(jobs, p, 30, xp=xp, record_every=3)
        separate = [run(j.algorithm, p, 30, xp=xp, seed=j.seed, record_every=3) for j in jobs]
    for b, s in zip(batched, separate):
        assert b.status == s.status == COMPLETED
        for col in ("k", "dist", "grad_norm", "uplink_bits", "downlink_bits", "uploads", "cum_uplink_bits",
                    "cum_downlink_bits"):
            assert np.array_equal(b[col], s[col]), col
        np.testing.assert_allclose(b["loss_gap"], s["loss_gap"], rtol=1e-12, atol=1e-15)
    # and the runs do differ from each other (the seeds are the runs' own)
    assert not np.array_equal(batched[0]["dist"], batched[1]["dist"])


def test_a_stopped_run_leaves_the_batch_and_the_others_go_on(tmp_path):
    from reference_impl.algorithms.base import Algorithm, StepInfo

    p = small_logistic()

    def blowing_up(at):
        def init(problem, xp):
            return (0, problem.x0(xp))

        def step(state, problem, xp, rng):
            k, x = state
            x = x - 0.5 * problem.grad(xp, x)
            if k + 1 == at:
                x = x * np.nan
            return (k + 1, x), StepInfo(x=x, uplink_bits=np.zeros(problem.N, dtype=np.int64), downlink_bits=0,
                                        uploads=np.ones(problem.N, dtype=bool))
        return Algorithm(f"gd-nan-at-{at}", init, step, dict(at=at))

    jobs = [Job(blowing_up(5), 1, tmp_path / "a.csv"), Job(blowing_up(10**6), 2, tmp_path / "b.csv")]
    with pytest.warns(NonFiniteWarning):
        a, b = run_batch(jobs, p, 12, record_every=1)
    assert a.status == NON_FINITE and a["k"][-1] == 5 and (tmp_path / "a.csv").is_file()
    assert b.status == COMPLETED and b["k"][-1] == 12
    # resuming reuses both finished runs without stepping them
    again = run_batch(jobs, p, 12, record_every=1, resume=True)
    assert all(h.meta.get("reused") for h in again)
    assert np.array_equal(again[1]["dist"], b["dist"])


# -- sampling without replacement at O(batch) ---------------------------------------------------------
def subset_counts(sampler, sizes, batch, draws, seed):
    """Counts of every batch-subset per worker over ``draws`` calls of ``sampler(rng, sizes, batch)``."""
    rng = np.random.default_rng(seed)
    counts = [dict.fromkeys(itertools.combinations(range(n), batch), 0) for n in sizes]
    for _ in range(draws):
        rows = sampler(rng, np.asarray(sizes), batch)
        for i, r in enumerate(rows):
            counts[i][tuple(int(v) for v in r)] += 1
    return [np.array(list(c.values())) for c in counts]


def uniformity_pvalues(sampler, sizes, batch, draws=12000, seed=1):
    """Chi-squared p-value of each worker's subset counts against the uniform distribution over subsets."""
    return [scipy.stats.chisquare(c).pvalue for c in subset_counts(sampler, sizes, batch, draws, seed)]


# Both code paths of distinct_rows: redraw the duplicates (4 batch <= n_min) and the uniform keys.
CASES = [((9, 12), 2), ((8, 10), 2), ((5, 7), 2), ((4, 6), 3)]


@pytest.mark.parametrize("sizes,batch", CASES)
def test_distinct_rows_draws_uniform_subsets(sizes, batch):
    """A uniform distribution over all C(n, b) subsets: chi-squared p-value >= 1e-3 per worker (a correct
    sampler fails this with probability 1e-3 per worker for a random seed; the seed is fixed, so the test is
    deterministic), and each row's inclusion frequency within 5 standard errors of the exact b / n."""
    for p in uniformity_pvalues(distinct_rows, sizes, batch):
        assert p >= 1e-3, p
    rng = np.random.default_rng(2)
    draws = 20000
    hits = [np.zeros(n) for n in sizes]
    for _ in range(draws):
        for i, r in enumerate(distinct_rows(rng, np.asarray(sizes), batch)):
            hits[i][r] += 1
    for n, h in zip(sizes, hits):
        q = batch / n
        assert np.all(np.abs(h / draws - q) <= 5 * math.sqrt(q * (1 - q) / draws)), (h / draws, q)


def test_the_uniformity_check_rejects_a_biased_sampler():
    """The same check fails on a plausible bug: duplicates replaced by the next index instead of redrawn."""
    def biased(rng, sizes, batch):
        rows = (rng.random((len(sizes), batch)) * sizes[:, None]).astype(np.int64)
        out = np.empty_like(rows)
        for i, n in enumerate(sizes):
            chosen = []
            for v in rows[i]:
                while v in chosen:
                    v = (v + 1) % n
                chosen.append(v)
            out[i] = sorted(chosen)
        return out

    assert min(uniformity_pvalues(biased, (9, 12), 2)) < 1e-3


def test_distinct_rows_shapes_and_ranges():
    rng = np.random.default_rng(0)
    sizes = np.array([535, 1000, 3225])
    for batch in (1, 50, 133, 535):
        rows = distinct_rows(rng, sizes, batch)
        assert rows.shape == (3, batch) and rows.dtype == np.int64
        assert np.all(np.diff(rows, axis=1) > 0) and np.all(rows >= 0) and np.all(rows < sizes[:, None])


# -- F on the real rows, the optimum ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["logistic", "least-squares"])
def test_stacked_rows_objective_equals_the_worker_average(kind):
    rng = np.random.default_rng(3)
    if kind == "logistic":
        p = small_logistic(lam=0.1)
    else:
        sizes = (12, 7, 20)
        p = LeastSquaresProblem([rng.standard_normal((n, 4)) for n in sizes], [rng.standard_normal(n) for n in sizes],
                                0.05)
    X = rng.standard_normal((5, p.d))
    for x in X:
        worker = p.worker_losses(NUMPY, p.broadcast(NUMPY, x)).mean()
        assert float(p.loss(NUMPY, x)) == pytest.approx(float(worker), rel=1e-13)
        g_worker = p.worker_grads(NUMPY, p.broadcast(NUMPY, x)).mean(axis=0)
        np.testing.assert_allclose(p.grad(NUMPY, x), g_worker, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(p.losses(X), [float(p.loss(NUMPY, x)) for x in X], rtol=1e-13)


@pytest.mark.parametrize("lam", [0.0, 1e-3, 1.0])
def test_one_optimum_solver_for_regularised_and_plain_logistic(lam):
    """LogisticProblem.x_star is the row-space Newton (the one solver 004's table uses), for lam >= 0; with
    lam > 0 the optimum is unique, so it must match an independent L-BFGS solve of F."""
    import scipy.optimize

    p = small_logistic(lam=lam)
    x = p.x_star
    assert np.linalg.norm(p.grad(NUMPY, x)) <= 1e-11
    ref = scipy.optimize.minimize(lambda v: float(p.loss(NUMPY, v)), np.zeros(p.d), jac=lambda v: p.grad(NUMPY, v),
                                  method="L-BFGS-B", options=dict(gtol=1e-12, ftol=1e-15, maxiter=5000))
    assert p.f_star <= ref.fun + 1e-12
    if lam > 0:
        np.testing.assert_allclose(x, ref.x, atol=1e-5)


def test_float32_torch_runs_follow_their_float64_twins():
    """Gradient descent (SGD with exact gradients: no random draw) in float32 stays within 1e-4 relative
    of float64 over 30 steps (float32 rounding ~6e-8 per operation, contracting iterates); a batched
    compressed run works in float32 and keeps its tensors float32."""
    import torch

    p = small_logistic(lam=0.1)
    gd = mcm.make_algorithm("SGD", 0.5)
    x64 = run(gd, p, 30, xp=torch_backend("cpu"), seed=1)
    x32 = run(gd, p, 30, xp=torch_backend("cpu", "float32"), seed=1)
    np.testing.assert_allclose(x32["dist"], x64["dist"], rtol=1e-4)
    assert x32.meta["backend"] == "torch-cpu-float32"
    xp = torch_backend("cpu", "float32")
    algo = table_algorithms()["MCM"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(p, xp)
        state, info = algo.step(state, p, xp, np.random.default_rng(0))
        hists = run_batch([Job(algo, s) for s in (1, 2)], p, 20, xp=xp, record_every=5)
    assert info.x.dtype == torch.float32 and state.w_hat.dtype == torch.float32
    assert all(h.status == COMPLETED and np.all(np.isfinite(h["loss_gap"])) for h in hists)
    with pytest.raises(ValueError, match="dtype must be one of"):
        torch_backend("cpu", "float16")


# -- the run axis: stacked states and steps --------------------------------------------------------------
from fractions import Fraction  # noqa: E402

from reference_impl.algorithms.base import Algorithm, StepInfo  # noqa: E402
from reference_impl.algorithms.bidirectional import sample_participants, stackable  # noqa: E402
from reference_impl.backends import EXACT, RunStreams  # noqa: E402
from reference_impl.batched import NotStackable, can_stack, select_runs, stack_states  # noqa: E402
from reference_impl.compressors.base import Compressed  # noqa: E402
from reference_impl.problems import QuadraticProblem  # noqa: E402
from reference_impl.runner import DIVERGED, load_csv  # noqa: E402

SIX = ("SGD", "DIANA", "Artemis", "Dore", "MCM", "Rand-MCM")


def backend(name):
    return {"numpy": NUMPY, "torch": torch_backend("cpu") if name == "torch" else None, "exact": EXACT}[name]


def leaves(state):
    """The fields of a (nested) state, flattened in order."""
    if isinstance(state, tuple):
        return [leaf for v in state for leaf in leaves(v)]
    return [state]


def same(a, b) -> bool:
    """Bit-for-bit equality of two leaves (backend arrays on the host; Fractions compare exactly)."""
    if a is None or b is None or not hasattr(a, "shape"):
        return a == b
    a = a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().cpu().numpy() if hasattr(b, "detach") else np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def assert_stack_replays(algo, problem, xp, seeds, steps):
    """Advance len(seeds) runs stacked and separately; after every step the stacked state equals the
    stack of the separate states field by field, and the bits of every run are its own run's."""
    assert can_stack(algo, problem), algo.name
    singles = [algo.init(problem, xp) for _ in seeds]
    rngs = [np.random.default_rng(s) for s in seeds]
    stacked = stack_states(xp, [algo.init(problem, xp) for _ in seeds])
    streams = RunStreams([np.random.default_rng(s) for s in seeds])
    R, N = len(seeds), problem.N
    for k in range(steps):
        stacked, info = algo.step(stacked, problem, xp, streams)
        infos = []
        for r in range(R):
            singles[r], i = algo.step(singles[r], problem, xp, rngs[r])
            infos.append(i)
        expect = stack_states(xp, singles)
        for got, want in zip(leaves(stacked), leaves(expect)):
            assert same(got, want), (algo.name, k)
        assert same(info.x, xp.stack([i.x for i in infos])), (algo.name, k)
        up = np.broadcast_to(np.asarray(info.uplink_bits), (R, N))
        down = np.broadcast_to(np.asarray(info.downlink_bits), (R,))
        for r, i in enumerate(infos):
            assert np.array_equal(up[r], i.uplink_bits) and down[r] == i.downlink_bits, (algo.name, k)
    return singles


def differ(state_a, state_b) -> bool:
    return not all(same(a, b) for a, b in zip(leaves(state_a), leaves(state_b)))


@pytest.mark.parametrize("name,options", [("QSGD", {}), ("Ghost", {}), ("Update compression", {}),
                                          ("Model compression", {}), ("Model-difference compression", {}),
                                          ("Rand-MCM", dict(groups=2)),
                                          ("Rand-MCM", dict(single_memory=True, reset_every=3))],
                         ids=["QSGD", "Ghost", "update", "model", "model-difference", "Rand-MCM-2", "single-memory"])
def test_the_other_run_agnostic_steps_replay_their_separate_runs(name, options):
    """The other 004 algorithms (and Rand-MCM's group and single-memory variants) with QSGD on both links
    are marked stackable too: bit for bit, minibatches."""
    q = QSGD(1)
    algo = mcm.make_algorithm(name, 0.5, up=q, down=q, batch=5, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ends = assert_stack_replays(algo, small_logistic(), NUMPY, seeds=(4, 5), steps=10)
    assert differ(ends[0], ends[1])


def test_double_squeeze_with_a_wrapped_compressor_is_stacked():
    """Double Squeeze runs with QSGD scaled to a contractive compressor: the wrapper (ScaledUnbiased) is
    run-agnostic when its inner compressor is (since 001's stacked sweeps), and the stack replays the runs."""
    q = QSGD(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        assert_stack_replays(mcm.make_algorithm("Double Squeeze", 0.5, up=q, down=q, batch=5), small_logistic(),
                             NUMPY, seeds=(3, 4), steps=8)


@pytest.mark.parametrize("backend_name", ["numpy", "torch"])
@pytest.mark.parametrize("batch", [5, None], ids=["minibatch", "exact-gradients"])
def test_stacked_steps_equal_separate_steps_bit_for_bit(backend_name, batch):
    """Each of the six convex-table algorithms, stacked R = 3, against its separate runs: every state array
    (iterates, local models, memories, masks) and every bit count, exactly, for 12 steps."""
    xp = backend(backend_name)
    p = small_logistic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        for name, algo in table_algorithms(batch=batch).items():
            ends = assert_stack_replays(algo, p, xp, seeds=(11, 12, 13), steps=12)
            # each run has its own stream: the runs differ, except SGD with exact gradients (no draw)
            assert differ(ends[0], ends[1]) == (batch is not None or name != "SGD"), name


class RandOne:
    """rand-1, exact on rationals: ``C(x) = d x_j e_j`` with j uniform per row (``rng.integers``), unbiased
    with omega = d - 1; it draws the per-run shape (N,), so it takes a run axis."""

    kind, biased, run_axis, name = "unbiased", False, True, "rand-1"

    def constant(self, d):
        return d - 1

    def __call__(self, xp, X, rng=None, **kwargs):
        N, d = X.shape[-2:]
        j = rng.integers(0, d, size=N)                                   # (N,) or (R, N)
        chosen = np.arange(d) == j[..., None]
        values = xp.where(chosen, X * xp.scalar(d), xp.zeros(tuple(X.shape)))
        bits = np.full(chosen.shape[:-1], 32 + math.ceil(math.log2(d)), dtype=np.int64)
        return Compressed(values=values, bits=bits, overflow=np.zeros(bits.shape, dtype=bool))


def rational_quadratic():
    """Three workers, d = 3, small integer data: every iterate is an exact Fraction."""
    A = [[[2, 1, 0], [1, 3, 0], [0, 0, 1]], [[4, 0, 1], [0, 1, 0], [1, 0, 2]], [[1, 0, 0], [0, 2, 1], [0, 1, 3]]]
    b = [[1, -2, 0], [0, 1, 3], [-1, 0, 2]]
    return QuadraticProblem(A, b, name="rational-quadratic")


@pytest.mark.parametrize("name", ["MCM", "DIANA", "SGD", "Artemis"])
def test_stacked_steps_are_exact_on_rationals(name):
    """On the exact backend (Fractions) with an exact random compressor, stacked runs equal separate runs
    exactly (every state field a Fraction array, compared with ==)."""
    p = rational_quadratic()
    q = RandOne()
    algo = mcm.make_algorithm(name, Fraction(1, 8), up=q, down=q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        singles = assert_stack_replays(algo, p, EXACT, seeds=(1, 2, 3), steps=6)
    assert differ(singles[0], singles[1]) == (name != "SGD")
    assert all(isinstance(v, Fraction) for v in np.asarray(singles[0].w).ravel())


@pytest.mark.parametrize("backend_name", ["numpy", "torch"])
def test_run_batch_stacks_the_six_and_records_what_separate_runs_record(backend_name, tmp_path):
    """run_batch with 3 runs of each algorithm: one step call per round per algorithm (the stack), and every
    recorded column equals the separate runs' (F within 1e-12 relative, see the module docstring), exact
    gradients; the CSVs hold the same rows."""
    xp = backend(backend_name)
    p = small_logistic(lam=0.05)
    calls = {}

    def counted(algo):
        def step(state, problem, xp, rng):
            calls[algo.name] = calls.get(algo.name, 0) + 1
            return algo.step(state, problem, xp, rng)
        step.run_axis = algo.step.run_axis
        return Algorithm(algo.name, algo.init, step, algo.params)

    algos = {n: counted(a) for n, a in table_algorithms(batch=None).items()}
    jobs = [Job(a, seed_from_names("stack", n, r), tmp_path / f"{n}-{r}.csv") for n, a in algos.items()
            for r in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        batched = run_batch(jobs, p, 20, xp=xp, record_every=4)
        assert calls == dict.fromkeys(SIX, 20)
        separate = [run(j.algorithm, p, 20, xp=xp, seed=j.seed, record_every=4) for j in jobs]
        per_run = run_batch([Job(j.algorithm, j.seed) for j in jobs], p, 20, xp=xp, record_every=4, stack=False)
    assert calls == dict.fromkeys(SIX, 20 + 2 * 3 * 20)         # + separate runs and the per-run batch
    for b, s in zip(batched, per_run):       # the same F product for the same iterates: every column exact
        for col in ("k", "loss_gap", "dist", "cum_uplink_bits", "cum_downlink_bits"):
            assert np.array_equal(b[col], s[col]), col
    for j, b, s in zip(jobs, batched, separate):
        assert b.status == s.status == COMPLETED
        for col in ("k", "dist", "grad_norm", "uplink_bits", "downlink_bits", "uploads", "overflow",
                    "cum_uplink_bits", "cum_downlink_bits"):
            assert np.array_equal(b[col], s[col]), col
        np.testing.assert_allclose(b["loss_gap"], s["loss_gap"], rtol=1e-12, atol=1e-15)
        on_disk = load_csv(j.csv_path)
        assert np.array_equal(on_disk["dist"], b["dist"]) and np.array_equal(on_disk["k"], b["k"])


def test_partial_participation_is_not_stacked_and_still_replays():
    """Who takes part is drawn per run (a redraw loop): Rand-MCM with p < 1 is not marked stackable, runs per
    run inside run_batch, and gives the separate runs; the helper refuses a run axis outright."""
    p = small_logistic()
    q = QSGD(1)
    algo = mcm.make_algorithm("Rand-MCM", 0.5, up=q, down=q, batch=5, participation=0.5)
    assert not can_stack(algo, p)
    jobs = [Job(algo, s) for s in (5, 6)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        batched = run_batch(jobs, p, 12, record_every=3)
        separate = [run(algo, p, 12, seed=j.seed, record_every=3) for j in jobs]
    for b, s in zip(batched, separate):
        assert np.array_equal(b["dist"], s["dist"]) and np.array_equal(b["uploads"], s["uploads"])
    with pytest.raises(ValueError, match="cannot advance stacked runs"):
        sample_participants(RunStreams([np.random.default_rng(0)] * 2), 4, 0.5)


def test_runs_stopped_inside_a_stack_leave_it_and_the_others_replay_exactly():
    """stop_dist stops some MCM runs of a stack and not others (the threshold is the median over the runs of
    their smallest recorded distance, computed here): the stack drops them and every run's rows, the
    stopped ones' and the continuing ones', equal its separate run's."""
    p = small_logistic()
    algo = table_algorithms()["MCM"]
    seeds = [seed_from_names("stop", r) for r in range(5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        free = [run(algo, p, 30, seed=s, record_every=3) for s in seeds]
        threshold = float(np.median([h["dist"].min() for h in free]))
        batched = run_batch([Job(algo, s) for s in seeds], p, 30, record_every=3, stop_dist=threshold)
        separate = [run(algo, p, 30, seed=s, record_every=3, stop_dist=threshold) for s in seeds]
    lengths = {len(h["k"]) for h in separate}
    assert len(lengths) > 1 and max(lengths) == 10          # some stopped early, some ran to the end
    for b, s in zip(batched, separate):
        assert b.meta["stop_reason"] == s.meta["stop_reason"]
        for col in ("k", "dist", "cum_uplink_bits", "cum_downlink_bits"):
            assert np.array_equal(b[col], s[col]), col


def blowing_up_by_draw(threshold):
    """A run-agnostic test algorithm: gradient steps, except that a run whose first uniform draw exceeds
    ``threshold`` is multiplied by 1e200 at every step (it diverges, then overflows)."""
    @stackable()
    def step(state, problem, xp, rng):
        k, x = state
        u = rng.random(())                                   # () per run: a scalar, or (R,)
        grow = np.asarray(u > threshold, dtype=float)[..., None] if k == 0 else state_grow(x)
        x = (x - 0.5 * problem.grad_rows(xp, x)) * (1 + grow * 1e200)
        return (k + 1, x), StepInfo(x=x, uplink_bits=np.zeros(problem.N, dtype=np.int64), downlink_bits=0,
                                    uploads=np.ones(problem.N, dtype=bool))

    def state_grow(x):
        return np.asarray(np.abs(x).max(axis=-1, keepdims=True) > 1e10, dtype=float)

    def init(problem, xp):
        return (0, problem.x0(xp))

    return Algorithm("gd-blowing-up", init, step, dict(threshold=threshold))


class GradRows(LogisticProblem):
    """The small logistic problem with a run-agnostic full gradient at R points (R, d)."""

    def grad_rows(self, xp, x):
        return self.worker_grads(xp, self.broadcast(xp, x)).mean(axis=-2)


def test_a_diverging_run_inside_a_stack_is_reported_as_its_separate_run(tmp_path):
    """One stack, runs whose first draw decides whether they blow up: the blown-up runs stop (diverged or
    non-finite, as their separate runs), the stack goes on with the others, bit for bit."""
    base = small_logistic()
    p = GradRows([base.F[i, :n] for i, n in enumerate(base.sizes)],
                 [base.t[i, :n] for i, n in enumerate(base.sizes)], 0.0, name="grad-rows")
    seeds = list(range(8))
    first = [np.random.default_rng(s).random() for s in seeds]
    threshold = float(np.median(first))
    algo = blowing_up_by_draw(threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = run_batch([Job(algo, s, tmp_path / f"{s}.csv") for s in seeds], p, 12, record_every=2)
        separate = [run(algo, p, 12, seed=s, record_every=2) for s in seeds]
    statuses = [h.status for h in separate]
    assert COMPLETED in statuses and set(statuses) - {COMPLETED} <= {DIVERGED, NON_FINITE} and len(set(statuses)) > 1
    for s, b, h in zip(seeds, batched, separate):
        assert b.status == h.status and np.array_equal(b["k"], h["k"]) and np.array_equal(b["dist"], h["dist"])
        assert (tmp_path / f"{s}.csv").is_file()


def test_resume_reuses_finished_stacked_runs_and_recomputes_a_missing_one(tmp_path):
    """A finished stacked batch is reused on resume; a run whose CSV is gone is recomputed (alone now, by its
    own step) and gives the same rows as in the stack."""
    p = small_logistic()
    algo = table_algorithms()["DIANA"]
    jobs = [Job(algo, s, tmp_path / f"run{s}.csv") for s in (1, 2, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        first = run_batch(jobs, p, 15, record_every=5)
        (tmp_path / "run2.csv").unlink()
        again = run_batch(jobs, p, 15, record_every=5, resume=True)
    assert [bool(h.meta.get("reused")) for h in again] == [True, False, True]
    for a, b in zip(first, again):
        assert np.array_equal(a["dist"], b["dist"]) and np.array_equal(a["cum_uplink_bits"], b["cum_uplink_bits"])


def test_run_streams_draw_what_each_generator_draws():
    gens = [np.random.default_rng(s) for s in (3, 4)]
    twins = [np.random.default_rng(s) for s in (3, 4)]
    rs = RunStreams(gens)
    assert np.array_equal(rs.random((2, 3)), np.stack([g.random((2, 3)) for g in twins]))
    assert np.array_equal(rs.integers(0, 7, size=5), np.stack([g.integers(0, 7, size=5) for g in twins]))
    assert np.array_equal(rs.standard_normal(4), np.stack([g.standard_normal(4) for g in twins]))
    assert np.array_equal(rs.random_ragged([0, 3]), twins[1].random(3))      # run 0 draws nothing
    assert np.array_equal(gens[0].random(2), twins[0].random(2))
    assert rs.select([1]).generators == [gens[1]]
    with pytest.raises(ValueError, match="one per run"):
        RunStreams([])


@pytest.mark.parametrize("sizes,batch", [((40, 61, 35), 5), ((9, 12), 4)])
def test_distinct_rows_per_run_streams_equal_separate_draws(sizes, batch):
    """Both branches of distinct_rows (redraw and keys) with R streams: each run's rows are its own."""
    seeds = range(6)
    rs = RunStreams([np.random.default_rng(s) for s in seeds])
    twins = [np.random.default_rng(s) for s in seeds]
    for _ in range(20):
        rows = distinct_rows(rs, np.asarray(sizes), batch)
        assert rows.shape == (6, len(sizes), batch)
        for r, g in enumerate(twins):
            assert np.array_equal(rows[r], distinct_rows(g, np.asarray(sizes), batch))


def test_stack_states_refuses_states_that_differ_in_a_scalar_and_select_keeps_runs():
    xp = NUMPY
    s1 = (0, np.zeros(3), 0.5)
    with pytest.raises(NotStackable):
        stack_states(xp, [s1, (1, np.zeros(3), 0.5)])
    st = stack_states(xp, [(0, np.full(3, r), 0.5) for r in range(4)])
    assert st[0] == 0 and st[1].shape == (4, 3) and st[2] == 0.5
    kept = select_runs(st, np.array([1, 3]))
    assert np.array_equal(kept[1][:, 0], [1, 3]) and kept[0] == 0


def test_compare_tables_measures_differences_against_run_to_run_noise():
    """Equal tables agree with zero differences; a shift of 4 standard errors is flagged."""
    row = dict(final=-3.0, per_run=[-3.1, -2.9, -3.0], std=0.1, curve=[-1.0, -3.0], bits=[0.0, 100.0])
    table = {"a9a": dict(runs=3, rows={"MCM": row}), "sources": {}}
    same_table = mcm.compare_tables(table, table)["a9a"]["MCM"]
    assert same_table["agrees"] and same_table["difference"] == 0 and same_table["max_curve_difference"] == 0
    se = math.sqrt(2 * 0.1**2) / math.sqrt(3)
    shifted = {"a9a": dict(runs=3, rows={"MCM": dict(row, final=-3.0 + 4 * se)})}
    res = mcm.compare_tables(shifted, table)["a9a"]["MCM"]
    assert not res["agrees"] and res["difference"] == pytest.approx(4 * se)
