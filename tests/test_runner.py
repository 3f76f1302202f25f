"""The runner: per-iteration records, incremental CSV with a metadata sidecar, name-derived seeds."""
import csv
import json

import numpy as np
import pytest

from reference_impl.algorithms.iade_sgd import iade_sgd
from reference_impl.algorithms.iade import iade
from reference_impl.problems import make_quadratic
from reference_impl.runner import COLUMNS, run, seed_from_names
from reproductions.iade import interpolating_least_squares


def test_seed_from_names_is_stable_and_distinct():
    assert seed_from_names("a", 1) == seed_from_names("a", 1)
    assert seed_from_names("a", 1) != seed_from_names("a", 2)
    assert 0 <= seed_from_names("x") < 2**63


def test_csv_and_metadata(tmp_path):
    p = make_quadratic(6, 3, 10.0, np.random.default_rng(0))
    path = tmp_path / "out" / "iade.csv"
    hist = run(iade(eta=1 / p.L, c_prime=0.95, s=1.0), p, 40, csv_path=path)
    rows = list(csv.reader(path.open()))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 41
    meta = json.loads((tmp_path / "out" / "iade.csv.json").read_text())
    for key in ("seed", "commit", "wall_time_s", "device", "params", "completed_iterations"):
        assert key in meta
    assert meta["completed_iterations"] == 40
    assert np.all(np.diff(hist["cum_uplink_bits"]) == hist["uplink_bits"][1:])
    assert hist["dist"][-1] < hist["dist"][0]


def test_stochastic_runs_replay_bit_for_bit():
    problem, rhoL = interpolating_least_squares(4, 3, 10)
    algo = iade_sgd(rho=rhoL / problem.L, c_prime=0.999, s=1.0)
    a = run(algo, problem, 30, seed=7)
    b = run(algo, problem, 30, seed=7)
    c = run(algo, problem, 30, seed=8)
    assert np.array_equal(a["dist"], b["dist"]) and np.array_equal(a["uplink_bits"], b["uplink_bits"])
    assert not np.array_equal(a["dist"], c["dist"])


def test_bad_iterations():
    p = make_quadratic(3, 2, 5.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="iterations"):
        run(iade(eta=0.5, c_prime=0.95, s=1.0), p, 0)


# ------------------------------------------------------------------------------------------------
# Statuses, atomic files, argument checks, resume (section 3 of issue 7)
# ------------------------------------------------------------------------------------------------
import warnings  # noqa: E402

from reference_impl.algorithms.base import Algorithm, StepInfo  # noqa: E402
from reference_impl.runner import (COMPLETED, DIVERGED, FAILED, INTERRUPTED, NON_FINITE,  # noqa: E402
                                   DivergedWarning, NonFiniteWarning, load_csv, session, sidecar_path)
import reference_impl.runner as R  # noqa: E402


def scripted_gd(eta, on_step=None, noise=0.0, name="scripted-GD"):
    """GD (plus optional noise from the run's generator); ``on_step(k, x)`` may raise or return a new x."""

    def init(problem, xp):
        return (0, problem.x0(xp))

    def step(state, problem, xp, rng=None):
        k, x = state
        x = x - eta * problem.grad(xp, x)
        if noise:
            x = x + noise * rng.standard_normal(problem.d)
        if on_step is not None:
            new = on_step(k + 1, x)
            x = x if new is None else new
        return (k + 1, x), StepInfo(x=x, uplink_bits=np.full(problem.N, 32 * problem.d), downlink_bits=32 * problem.d,
                                    uploads=np.ones(problem.N, dtype=bool))

    return Algorithm(name, init, step, dict(eta=eta, noise=noise))


@pytest.fixture
def quad():
    return make_quadratic(5, 2, 10.0, np.random.default_rng(0))


def _meta(path):
    return json.loads(sidecar_path(path).read_text())


def test_status_completed_and_stop_reason(tmp_path, quad):
    path = tmp_path / "a.csv"
    h = run(scripted_gd(1 / quad.L), quad, 30, csv_path=path)
    m = _meta(path)
    assert m["status"] == h.meta["status"] == COMPLETED and m["stop_reason"] == "iterations"
    assert m["completed_iterations"] == 30 and m["csv_sha256"]
    h = run(scripted_gd(1 / quad.L), quad, 10_000, csv_path=path, stop_dist=1e-3)
    m = _meta(path)
    assert m["status"] == COMPLETED and m["stop_reason"] == "stop_dist" and m["completed_iterations"] < 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.csv.json"]


def test_status_non_finite_stops_with_a_warning(tmp_path, quad):
    def nan_at_7(k, x):
        return np.full(quad.d, np.nan) if k >= 7 else None

    path = tmp_path / "nan.csv"
    with pytest.warns(NonFiniteWarning, match="iteration 7"):
        h = run(scripted_gd(1 / quad.L, nan_at_7), quad, 50, csv_path=path)
    m = _meta(path)
    assert m["status"] == NON_FINITE and m["completed_iterations"] == 7 and h.status == NON_FINITE
    assert path.is_file() and np.isnan(load_csv(path)["dist"][-1])   # a result: final name


def test_status_diverged_is_finite_growth_past_the_factor(tmp_path, quad):
    path = tmp_path / "div.csv"
    with pytest.warns(DivergedWarning, match="diverged"):
        h = run(scripted_gd(3 / quad.L), quad, 500, csv_path=path, diverge_factor=1e3)
    m = _meta(path)
    assert m["status"] == DIVERGED and 1 < m["completed_iterations"] < 500
    assert np.isfinite(h["dist"][-1]) and h["dist"][-1] > 1e3 * np.linalg.norm(quad.x_star)
    # below the default factor (1e100) the same growth is recorded, not stopped
    with warnings.catch_warnings():
        warnings.simplefilter("error", R.RunStoppedWarning)
        h = run(scripted_gd(3 / quad.L), quad, 40)
    assert h.status == COMPLETED and h["dist"][-1] > 1e3 * np.linalg.norm(quad.x_star)


def test_interrupted_run_keeps_partial_rows_not_under_the_final_name(tmp_path, quad):
    path = tmp_path / "int.csv"
    run(scripted_gd(1 / quad.L), quad, 20, csv_path=path)            # an old finished run at the same path

    def ctrl_c_at_12(k, x):
        if k == 12:
            assert not path.exists(), "a running run must not leave a CSV under the final name"
            assert _meta(path)["status"] == "running"
            raise KeyboardInterrupt
        return None

    with pytest.raises(KeyboardInterrupt):
        run(scripted_gd(1 / quad.L, ctrl_c_at_12), quad, 40, csv_path=path)
    m = _meta(path)
    assert m["status"] == INTERRUPTED and m["signal"] == "SIGINT" and m["completed_iterations"] == 11
    assert not path.exists() and m["partial_csv"] == "int.csv.partial"
    partial = list(csv.reader((tmp_path / "int.csv.partial").open()))
    assert len(partial) == 12 and partial[-1][0] == "11"
    assert not list(tmp_path.glob("*.part"))


def test_failed_run(tmp_path, quad):
    def boom(k, x):
        if k == 3:
            raise ArithmeticError("boom")

    path = tmp_path / "f.csv"
    with pytest.raises(ArithmeticError):
        run(scripted_gd(1 / quad.L, boom), quad, 10, csv_path=path)
    m = _meta(path)
    assert m["status"] == FAILED and "boom" in m["error"] and not path.exists()


def test_sigterm_handler_installed_only_during_the_run(quad):
    import signal

    seen = []

    def look(k, x):
        seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    run(scripted_gd(1 / quad.L, look), quad, 2)
    assert signal.getsignal(signal.SIGTERM) is before and seen and seen[0] is not before


@pytest.mark.parametrize("kwargs, name", [
    (dict(iterations=0), "iterations"), (dict(iterations=2.5), "iterations"), (dict(iterations=float("inf")), "iterations"),
    (dict(iterations=True), "iterations"), (dict(iterations="10"), "iterations"),
    (dict(record_every=0), "record_every"), (dict(record_every=float("nan")), "record_every"),
    (dict(stop_dist=-1.0), "stop_dist"), (dict(stop_dist=float("nan")), "stop_dist"),
    (dict(stop_dist=float("inf")), "stop_dist"), (dict(stop_dist=10**400), "stop_dist"), (dict(seed=-1), "seed"), (dict(seed=2**64), "seed"),
    (dict(seed=1.5), "seed"), (dict(seed=float("nan")), "seed"), (dict(diverge_factor=0), "diverge_factor"),
    (dict(diverge_factor=float("inf")), "diverge_factor"),
])
def test_bad_runner_arguments_name_the_parameter_and_range(quad, kwargs, name):
    args = dict(iterations=5) | kwargs
    iterations = args.pop("iterations")
    with pytest.raises(ValueError, match=rf"^{name} must be .*(integer|number)"):
        run(scripted_gd(0.1), quad, iterations, **args)


def test_load_csv_is_exact(tmp_path, quad):
    path = tmp_path / "x.csv"
    h = run(scripted_gd(1 / quad.L, noise=0.01), quad, 25, csv_path=path, seed=3)
    back = load_csv(path)
    for c in COLUMNS:
        assert back[c].dtype == h[c].dtype and np.array_equal(back[c], h[c]), c
    assert back.meta["seed"] == 3


def test_resume_reuses_only_an_identical_finished_run(tmp_path, quad, monkeypatch):
    path = tmp_path / "r.csv"
    algo = scripted_gd(1 / quad.L, noise=0.01)
    first = run(algo, quad, 25, csv_path=path, seed=3)
    again = run(algo, quad, 25, csv_path=path, seed=3, resume=True)
    assert again.meta.get("reused") and all(np.array_equal(first[c], again[c]) for c in COLUMNS)
    with session(resume=True) as s:                        # the session switches resume on for every run
        run(algo, quad, 25, csv_path=path, seed=3)
        other_seed = run(algo, quad, 25, csv_path=path, seed=4)
        assert not other_seed.meta.get("reused")
        longer = run(algo, quad, 30, csv_path=path, seed=4)
        assert not longer.meta.get("reused")
    assert [r["reused"] for r in s.records] == [True, False, False]
    run(algo, quad, 25, csv_path=path, seed=3)
    assert not run(scripted_gd(0.5 / quad.L, noise=0.01), quad, 25, csv_path=path, seed=3, resume=True).meta.get("reused")
    run(algo, quad, 25, csv_path=path, seed=3)
    path.write_text(path.read_text().replace("\n2,", "\n2,0", 1))          # tampered rows
    assert R.reusable(path, _meta(path)) == "CSV missing or changed"
    assert not run(algo, quad, 25, csv_path=path, seed=3, resume=True).meta.get("reused")
    monkeypatch.setattr(R, "git_commit", lambda: "another-commit")
    assert not run(algo, quad, 25, csv_path=path, seed=3, resume=True).meta.get("reused")


def test_run_many_is_backward_compatible_and_resumable(tmp_path, quad):
    runs = [("a", scripted_gd(1 / quad.L), quad, 10), ("b", scripted_gd(0.5 / quad.L), quad, 10)]
    out = R.run_many(runs, tmp_path)
    assert set(out) == {"a", "b"} and (tmp_path / "a.csv").is_file()
    again = R.run_many(runs, tmp_path, resume=True)
    assert all(h.meta.get("reused") for h in again.values())


def test_atomic_write(tmp_path):
    target = tmp_path / "sub" / "t.csv"
    with pytest.raises(RuntimeError):
        with R.atomic_write(target) as fh:
            fh.write("a,b\n")
            assert not target.exists()
            raise RuntimeError
    assert not target.exists() and not list((tmp_path / "sub").iterdir())
    with R.atomic_write(target) as fh:
        np.savetxt(fh, np.eye(2), delimiter=",", header="a,b", comments="")
    assert target.read_text() == "a,b\n1.000000000000000000e+00,0.000000000000000000e+00\n" \
                                 "0.000000000000000000e+00,1.000000000000000000e+00\n"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["t.csv"]
