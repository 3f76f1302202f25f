"""004 (MCM) reproductions: the data preparation of the convex table, F*, the epoch, the harness.

The setting is the one of the project notes ``mcm-convex-setting.md`` (real LIBSVM data from
REPRO_DATA_DIR); every check here is fast (the whole file runs in well under 30 s).
"""
import json
import math
import warnings

import numpy as np
import pytest

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.backends import NUMPY
from reproductions import mcm

A9A_SIZES = [1059, 1645, 1627, 2180, 973, 535, 2065, 3225, 938, 2509, 3185, 2396, 1475, 809, 750, 669, 1092,
             2721, 1141, 1567]


@pytest.fixture(scope="module")
def a9a():
    return mcm.convex_setting("a9a")


@pytest.fixture(scope="module")
def phishing():
    return mcm.convex_setting("phishing")


def test_a9a_preparation_matches_the_notes(a9a):
    p = a9a.problem
    assert p.d == 124 and p.N == 20
    assert list(a9a.sizes) == A9A_SIZES and p.sizes.tolist() == A9A_SIZES
    assert abs(a9a.L_frobenius - mcm.NOTES_L_FROBENIUS_A9A) < 1e-4
    assert a9a.gamma == 1 / a9a.L_frobenius
    assert abs(a9a.L_spectral["mean"] - 7.14) < 0.01          # the notes: "the spectral norm would give 7.14"
    assert a9a.L_spectral["F"] <= a9a.L_spectral["mean"] <= a9a.L_spectral["max"]
    assert a9a.batch == 50 and a9a.rounds_per_epoch == 535 // 50 == 10
    assert a9a.omega == pytest.approx(math.sqrt(124)) and a9a.alpha == pytest.approx(1 / (2 * (math.sqrt(124) + 1)))
    F = p.F[0, : p.sizes[0]]
    assert np.all(F[:, 0] == 1.0)                               # the bias column
    assert p.lam == 0.0 and np.all(p.x0(NUMPY) == 0)


def test_standardised_columns(a9a):
    p = a9a.problem
    X = np.concatenate([p.F[i, : n] for i, n in enumerate(p.sizes)])[:, 1:]
    live = X.std(axis=0) > 0
    assert np.allclose(X.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(X[:, live].std(axis=0), 1)


def test_objective_is_the_plain_average_of_worker_means(phishing):
    p = phishing.problem
    x = np.linspace(-0.1, 0.1, p.d)
    per_worker = [np.mean(np.log1p(np.exp(-p.t[i, :n] * (p.F[i, :n] @ x)))) for i, n in enumerate(p.sizes)]
    assert float(p.loss(NUMPY, x)) == pytest.approx(np.mean(per_worker), rel=1e-12)


def test_f_star_by_newton(a9a, phishing):
    for st in (a9a, phishing):
        p, nt = st.problem, st.newton
        assert nt["grad_norm"] <= 1e-12
        assert float(np.linalg.norm(p.grad(NUMPY, p.x_star))) <= 1e-12
        assert p.f_star == nt["f_star"] < float(p.loss(NUMPY, p.x0(NUMPY)))
    gd = mcm.gd_optimum_gap(phishing.problem, phishing.newton["f_star"], 50)
    assert gd["gap"] > 0                                        # GD's value is above the Newton F*
    assert phishing.rounds_per_epoch == 229 // 50


def test_newton_on_a_dense_problem_with_collinear_columns():
    rng = np.random.default_rng(0)
    feats, labels = [], []
    for _ in range(3):
        Z = rng.standard_normal((40, 3))
        X = np.hstack([np.ones((40, 1)), Z, Z[:, :1] + Z[:, 1:2]])     # an exactly collinear column
        feats.append(X)
        labels.append(np.where(rng.random(40) < 1 / (1 + np.exp(-Z[:, 0])), 1.0, -1.0))
    from reference_impl.problems import LogisticProblem

    p = LogisticProblem(feats, labels, 0.0)
    out = mcm.newton_optimum(p)
    assert out["grad_norm"] <= 1e-12 and out["row_rank"] == 4


def test_harness_writes_results(tmp_path, phishing):
    q = phishing.compressor()
    algos = {"MCM": phishing.algorithm("MCM"), "SGD": phishing.algorithm("SGD")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        res = mcm.run_algorithms(phishing.problem, algos, 2 * phishing.rounds_per_epoch, 2, tag="tiny",
                                 record_every=phishing.rounds_per_epoch, out_dir=tmp_path)
    assert q.levels == mcm.LEVELS
    for label, r in res.items():
        assert r["k"].tolist() == [0, 4, 8] and r["loss_gap"].shape == (2, 3)
        assert np.all(r["loss_gap"][:, -1] < r["loss_gap"][:, 0])
        assert np.all(np.diff(r["bits"], axis=1) > 0)
        for run in range(2):
            path = tmp_path / "tiny" / f"{mcm._slug(label)}_run{run}.csv"
            meta = json.loads((tmp_path / "tiny" / f"{path.name}.json").read_text())
            assert path.is_file() and meta["seed"] == mcm.seed_from_names(mcm.PAPER, "tiny", label, run)
            assert {"commit", "device", "wall_time_s"} <= set(meta)
    assert res["SGD"]["up_bits"][0, -1] == 8 * 20 * 32 * phishing.problem.d
    # seeds from names: the same runs replay bit for bit, the two runs differ
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        again = mcm.run_algorithms(phishing.problem, algos, 8, 2, tag="tiny", record_every=4)
        alone = mcm.run_algorithms(phishing.problem, {"MCM": algos["MCM"]}, 8, 2, tag="tiny", record_every=4)
    assert np.array_equal(again["MCM"]["loss_gap"], res["MCM"]["loss_gap"])
    assert again["MCM"]["loss_gap"][0, -1] != again["MCM"]["loss_gap"][1, -1]
    # MCM batched without SGD: the same trajectories (bits exactly); F of the batch is one matrix product
    # whose BLAS kernel depends on the number of runs, so the losses agree to rounding (1e-12 relative)
    assert np.array_equal(alone["MCM"]["bits"], res["MCM"]["bits"])
    np.testing.assert_allclose(alone["MCM"]["loss_gap"], res["MCM"]["loss_gap"], rtol=1e-12, atol=0)


def test_convex_table_on_a_tiny_budget(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        tab = mcm.convex_table(["phishing"], epochs=2, runs=1, out_dir=tmp_path)
    rows = tab["phishing"]["rows"]
    assert set(rows) == set(mcm.TABLE_ALGORITHMS)
    for name, row in rows.items():
        assert row["paper"] == mcm.PAPER_TABLE["phishing"][name] and np.isfinite(row["final"])
        assert row["epochs"] == [0.0, 1.0, 2.0]
    assert len(list((tmp_path / "table-phishing").glob("*.csv"))) == 4


def test_step_schedule_replays_gradient_descent():
    problem = mcm.toy_least_squares(False, N=2, n=10, d=3)
    sched = mcm.inverse_sqrt_schedule(1 / problem.L)
    algo = mcm.with_step_schedule(lambda g: mcm.make_algorithm("SGD", g), sched)
    state = algo.init(problem, NUMPY)
    x = np.zeros(problem.d)
    for k in range(5):
        state, info = algo.step(state, problem, NUMPY, np.random.default_rng(0))
        x = x - sched(k) * problem.grad(NUMPY, x)
        assert np.allclose(info.x, x, rtol=0, atol=1e-14)
    assert sched(0) == 1 / problem.L and sched(3) == pytest.approx(1 / (2 * problem.L))


def test_toy_least_squares_interpolates_without_noise():
    p = mcm.toy_least_squares(False)
    assert p.d == 21 and p.N == 20 and abs(p.f_star) < 1e-20
    assert np.abs(p.worker_grads(NUMPY, p.broadcast(NUMPY, p.x_star))).max() < 1e-10
    q = mcm.toy_least_squares(True)
    assert q.f_star > 0.01


def test_make_algorithm_names_and_registry():
    from reference_impl.compressors.qsgd import QSGD

    q = QSGD(1)
    for name in mcm.ALGORITHMS:
        assert mcm.make_algorithm(name, 0.1, up=q, down=q, batch=None).init is not None
    with pytest.raises(ValueError, match="unknown algorithm"):
        mcm.make_algorithm("Nope", 0.1)
    with pytest.raises(ValueError, match="unknown data set"):
        mcm.convex_problem("mnist")
    ids = {f.id for f in mcm.FIGURES}
    assert ids == {"mcm-convex-table", "mcm-least-squares", "mcm-rand-mcm", "mcm-limit-variance"}
    from reproductions.figures import NOTEBOOKS

    for fig in mcm.FIGURES:
        assert (NOTEBOOKS / f"{fig.notebook}.py").is_file()
