"""run_batch in several processes (issue 10): the algorithms are shared out among forked processes and
every run's trajectory, bits and files are those of one process. The recorded F of a dense problem is
one matrix product per process (another BLAS call shape), compared at 1e-12 relative as in
test_batched.py; through sparse rows F is computed point by point (reference_impl.sparse_rows), so
there every column is exact."""
import warnings

import numpy as np
import pytest

from reference_impl.algorithms.base import Algorithm, TheoryRangeWarning
from reference_impl.batched import Job, _parts, run_batch
from reference_impl.processes import default_processes
from reference_impl.compressors.qsgd import QSGD
from reference_impl.problems import LogisticProblem
from reference_impl.runner import COMPLETED, load_csv, seed_from_names, session
from reproductions import mcm

EXACT_COLUMNS = ("k", "dist", "uplink_bits", "downlink_bits", "uploads", "cum_uplink_bits", "cum_downlink_bits")


def small_logistic():
    rng = np.random.default_rng(0)
    sizes, d = (30, 41, 25, 37), 6
    feats = [np.hstack([np.ones((n, 1)), rng.standard_normal((n, d - 1))]) for n in sizes]
    labels = [np.where(rng.random(n) < 0.5, -1.0, 1.0) for n in sizes]
    return LogisticProblem(feats, labels, 0.05, name="small-logistic")


def table_jobs(tmp_path, runs=2, batch=5):
    q = QSGD(1)
    algos = {name: mcm.make_algorithm(name, 0.5, up=q, down=q, batch=batch)
             for name in ("SGD", "DIANA", "Artemis", "Dore", "MCM", "Rand-MCM")}
    return [Job(a, seed_from_names("processes", n, r), tmp_path / f"{n}-{r}.csv") for n, a in algos.items()
            for r in range(runs)]


def test_parts_are_whole_algorithms_and_halves_when_processes_would_idle(tmp_path):
    jobs = table_jobs(tmp_path, runs=3)
    parts = _parts(jobs, 2)
    assert sorted(i for p in parts for i in p) == list(range(len(jobs)))
    assert len(parts) == 6 and all(len({id(jobs[i].algorithm) for i in p}) == 1 for p in parts)
    assert [len(p) for p in _parts(jobs[:3], 2)] == [2, 1]          # one algorithm, 2 processes: halved
    assert [len(p) for p in _parts(jobs[:3], 4)] == [1, 1, 1]
    assert _parts(jobs[:1], 2) == [[0]]


def test_two_processes_give_the_runs_of_one(tmp_path):
    p = small_logistic()
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        with session() as s1:
            a = run_batch(table_jobs(one), p, 30, record_every=5, processes=1)
        with session() as s2:
            b = run_batch(table_jobs(two), p, 30, record_every=5, processes=2)
    assert len(s1.records) == len(s2.records) == 12    # the parts' records come back to the session
    for x, y in zip(a, b):
        assert x.status == y.status == COMPLETED
        for col in EXACT_COLUMNS:
            assert np.array_equal(x[col], y[col]), col
        np.testing.assert_allclose(x["loss_gap"], y["loss_gap"], rtol=1e-12, atol=1e-15)
    for j, h in zip(table_jobs(two), b):               # the forked processes wrote every run's CSV
        assert np.array_equal(load_csv(j.csv_path)["dist"], h["dist"])


def test_through_sparse_rows_every_column_is_exact_in_any_number_of_processes(tmp_path):
    from test_sparse_rows import sparse_problem

    p, X, idx = sparse_problem(seed=4)
    p.use_sparse_rows(X, idx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        a = run_batch(table_jobs(tmp_path / "a", batch=4), p, 24, record_every=3, processes=1)
        b = run_batch(table_jobs(tmp_path / "b", batch=4), p, 24, record_every=3, processes=2)
    for x, y in zip(a, b):
        for col in EXACT_COLUMNS + ("loss_gap",):
            assert np.array_equal(x[col], y[col]), col


def test_a_failing_run_in_one_process_is_raised_here(tmp_path):
    p = small_logistic()
    good = table_jobs(tmp_path)[0].algorithm

    def init(problem, xp):
        return good.init(problem, xp)

    def step(state, problem, xp, rng):
        raise RuntimeError("step exploded")

    bad = Algorithm("exploding", init, step, {})
    jobs = [Job(good, 1, tmp_path / "good.csv"), Job(bad, 2, tmp_path / "bad.csv")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        with pytest.raises(RuntimeError, match="step exploded"):
            run_batch(jobs, p, 10**6, processes=2)


def test_bad_process_counts_are_refused(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="processes"):
        run_batch(table_jobs(tmp_path), small_logistic(), 5, processes=0)
    monkeypatch.setenv("REPRO_WORKERS", "two")
    with pytest.raises(ValueError, match="REPRO_WORKERS must be a positive integer, got 'two'"):
        default_processes()
    monkeypatch.setenv("REPRO_WORKERS", "3")
    assert default_processes() == 3
