"""The target registry (reproductions.targets): statuses computed from stored numbers, checks that can fail,
the paper's numbers written once, ``repro targets`` and ``reproductions.load_results``."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from reproductions import load_results
from reproductions import targets as T
from reproductions.figures import RESULTS, all_figures
from reproductions.results_frame import NoStoredResults
from reproductions.targets.registry import MISSING_KINDS, Measured, Target, Tolerance

ROOT = Path(__file__).resolve().parent.parent


def _stored(figure: str, tmp: Path, results: dict, status: str = "completed") -> Path:
    """A results root under ``tmp`` holding one completed full-mode summary of ``figure`` with ``results``
    (synthetic numbers, so that these tests do not depend on what a rerun stores)."""
    path = tmp / "full" / figure / "summary.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(dict(meta=dict(figure=figure, mode="full", commit="test", status=status),
                                    results=results)))
    return tmp


def _convex(ds: str, finals: dict) -> dict:
    return {ds: dict(rows={a: dict(final=v, std=0.05) for a, v in finals.items()}, runs=5, epochs=450,
                     setting=dict(batch=50))}


# --- the registry as a whole ------------------------------------------------------------------------------------
def test_every_work_has_targets_and_every_status_is_computed():
    evaluations = T.evaluate_all()
    papers = {e.target.paper for e in evaluations}
    assert papers == set(T.PAPER_MODULES)
    for e in evaluations:
        assert e.status in T.STATUSES, e.target.id
        if e.status == T.MISSING:
            assert e.cause and e.cause.startswith(MISSING_KINDS), (e.target.id, e.cause)
        else:
            assert e.ours is not None and e.within is not None, e.target.id
            assert e.run.get("commit"), e.target.id          # read from a stored run that records its commit
        if e.status == T.GAP:
            assert e.cause, e.target.id
        if e.status == T.SUBSTITUTE:
            assert e.target.substitute, e.target.id
    assert sum(T.counts(evaluations).values()) == len(evaluations)


def test_every_registered_figure_has_a_target():
    used = {t.figure for t in T.all_targets().values() if t.figure}
    assert set(all_figures()) <= used, sorted(set(all_figures()) - used)
    assert used - set(all_figures()) == set(), "a target names a figure that is not registered"


def test_a_target_needs_a_measure_or_a_reason():
    tol = Tolerance("abs", 0.1, "test")
    with pytest.raises(ValueError, match="needs a figure and a measure"):
        Target("iade.x", "iade", "s", "w", 1.0, "p", "o", tol)
    with pytest.raises(ValueError, match="missing reason starts with"):
        Target("iade.x", "iade", "s", "w", 1.0, "p", "o", tol, missing="not run")
    with pytest.raises(ValueError, match="must start with"):
        Target("mcm.x", "iade", "s", "w", 1.0, "p", "o", tol, missing="data: none")
    with pytest.raises(ValueError, match="needs its reason"):
        Tolerance("abs", 0.1, "")


# --- statuses flip when the stored numbers move (checks that can fail) ------------------------------------------
def test_convex_table_cell_moved_outside_the_tolerance_flips_the_status(tmp_path):
    target = T.get("mcm.convex-table.a9a")
    paper, tol = target.paper_value, target.tolerance.size
    inside = {a: v + 0.9 * tol for a, v in paper.items()}
    assert T.evaluate(target, _stored("mcm-convex-table", tmp_path / "a", _convex("a9a", inside))).status == T.REPRODUCED
    moved = dict(inside, MCM=paper["MCM"] + tol + 0.01)
    e = T.evaluate(target, _stored("mcm-convex-table", tmp_path / "b", _convex("a9a", moved)))
    assert e.status == T.GAP and e.cause == "not established"
    assert e.per_key["MCM"] == pytest.approx(tol + 0.01)
    e = T.evaluate(T.get("mcm.convex-table.w8a"), _stored("mcm-convex-table", tmp_path / "c",
                                                          _convex("w8a", {"SGD": -2.6, "DIANA": -3.0, "MCM": -2.5,
                                                                          "Dore": -1.75})))
    assert e.status == T.GAP and "F*" in e.cause          # w8a's gap carries the cause the notes established


def test_a_gap_moved_inside_the_tolerance_becomes_reproduced(tmp_path):
    target = T.get("lena.figure-2b.bits-DIANA")
    far = _stored("lena-fig2", tmp_path / "far", dict(bits_to_target=dict(DIANA=target.paper_value / 7)))
    assert T.evaluate(target, far).status == T.GAP
    near = _stored("lena-fig2", tmp_path / "near", dict(bits_to_target=dict(DIANA=1.5 * target.paper_value)))
    assert T.evaluate(target, near).status == T.REPRODUCED   # a factor 1.5 is inside the factor-2 tolerance


def test_a_substitute_that_stops_agreeing_says_so(tmp_path):
    target = T.get("compams.figure-1.ef-fixes-topk-a9a")

    def configs(no_ef_gap):
        return dict(configs={c: dict(results={"AMSGrad": dict(final_gap=2.5e-3),
                                              "COMP-AMS Top-k EF": dict(final_gap=2.6e-3),
                                              "Top-k AMSGrad (no EF)": dict(final_gap=no_ef_gap)})
                             for c in target.paper_value})

    e = T.evaluate(target, _stored("compams-a9a", tmp_path / "a", configs(0.1)))
    assert e.status == T.SUBSTITUTE and e.within is True
    e = T.evaluate(target, _stored("compams-a9a", tmp_path / "b", configs(2.6e-3)))
    assert e.status == T.SUBSTITUTE and e.within is False and e.per_key["iid-k2"] == 1.0


def _transient(t_at_half: float) -> dict:
    rows = [dict(method="NEOLITHIC", n=4, k=k, delta=k / 16, transient=t) for k, t in ((2, 1746.0), (4, 364.0),
                                                                                         (8, t_at_half))]
    return dict(table=rows, config=dict(T_grid=[128, 256, 512]), slopes={"NEOLITHIC": {"1/delta": 1.9}},
                fits={"NEOLITHIC": {"delta_exponent": 2.5}})


def test_a_censored_fit_is_a_gap_even_inside_the_tolerance(tmp_path):
    target = T.get("neolithic.table.transient-delta")
    e = T.evaluate(target, _stored("neolithic-transient", tmp_path / "a", _transient(128.0)))
    assert e.within and e.status == T.GAP and "censored" in e.cause and "delta = 0.5" in e.cause
    e = T.evaluate(target, _stored("neolithic-transient", tmp_path / "b", _transient(200.0)))
    assert e.status == T.REPRODUCED


def test_no_stored_run_means_missing_with_a_compute_reason(tmp_path):
    for e in T.evaluate_all(root=tmp_path):
        assert e.status == T.MISSING
        if e.target.missing is None:
            assert e.cause.startswith("compute: no completed full-mode run of " + e.target.figure)


def test_an_interrupted_run_is_not_read(tmp_path):
    root = _stored("mcm-convex-table", tmp_path, _convex("a9a", T.paper_value("mcm.convex-table.a9a")),
                   status="interrupted")
    assert T.evaluate(T.get("mcm.convex-table.a9a"), root).status == T.MISSING


# --- tolerances ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,size,paper,ours,within", [
    ("abs", 0.2, -2.7, -2.85, True), ("abs", 0.2, -2.7, -2.95, False),
    ("log10", 0.3, 51.3e6, 100e6, True), ("log10", 0.3, 51.3e6, 110e6, False), ("log10", 0.3, 1.0, 0.0, False),
    ("at_most", 0.6, 3.0, 1.1, True), ("at_most", 0.6, 3.0, 3.7, False),
    ("holds", 0, True, True, True), ("holds", 0, True, False, False),
    ("holds", 0, {10: True, 50: False}, {10: True, 50: True}, False),
    ("abs", 0.2, {"SGD": -3.5}, {}, False),                         # a key we do not have counts as outside
])
def test_tolerance_kinds(kind, size, paper, ours, within):
    got, dev, _ = Tolerance(kind, size, "test").compare(paper, ours)
    assert got is within and (dev >= 0 or math.isinf(dev))


# --- the paper's numbers are written once --------------------------------------------------------------------------
def test_paper_numbers_elsewhere_agree_with_the_registry():
    from reproductions import lena, mcm
    from reproductions.neolithic import claimed_transient_exponents
    from reproductions.targets import compams as TC
    from reproductions.targets import lena as TL
    from reproductions.targets import mcm as TM
    from reproductions.targets import neolithic as TN
    from theory.registry import get

    # the experiment modules use the registry's objects themselves (the paper's number is written once)
    assert mcm.PAPER_TABLE is TM.CONVEX_TABLE and mcm.BATCH is TM.CONVEX_BATCH
    assert all(lena.PAPER_VALUES[f"fig2b_{k}"] is v for k, v in TL.FIG2B.items())
    assert lena.PAPER_VALUES["fig2b_bits_LENA_3trigger"] == TL.FIG2B["bits_LENA_3trigger"]
    assert claimed_transient_exponents() == TN.TRANSIENT
    assert float(get("compams.exp-matches-full").resolve_params()["tolerance"]) == TC.MATCH_POINTS
    assert float(get("compams.exp-ef-fixes-topk").resolve_params()["margin"]) == TC.EF_MARGIN_POINTS
    assert T.paper_value("mcm.convex-table.w8a") == {"SGD": -3.5, "DIANA": -3.0, "MCM": -2.5, "Dore": -1.75}
    with pytest.raises(KeyError, match="unknown target"):
        T.paper_value("mcm.no-such-target")


def test_measured_caveat_and_none():
    t = Target("iade.t", "iade", "s", "w", 1.0, "p", "o", Tolerance("abs", 0.1, "t"), figure="iade-bits",
               measure=lambda r: Measured(1.0, caveat="few points"))
    assert T.evaluate(t).status == T.GAP
    t = Target("iade.t", "iade", "s", "w", 1.0, "p", "o", Tolerance("abs", 0.1, "t"), figure="iade-bits",
               measure=lambda r: None)
    assert T.evaluate(t).status == T.MISSING


# --- repro targets -----------------------------------------------------------------------------------------------
def _repro(*args):
    return subprocess.run([sys.executable, "-m", "reference_impl.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_cli_lists_targets_as_text_and_json():
    out = _repro("targets", "--paper", "mcm", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    ids = [t["id"] for t in data["targets"]]
    assert ids and all(i.startswith("mcm.") for i in ids) and "mcm.convex-table.w8a" in ids
    assert sum(data["counts"].values()) == len(ids)
    text = _repro("targets")
    assert text.returncode == 0 and text.stdout.rstrip().splitlines()[-1].startswith(f"{len(T.all_targets())} targets:")


def test_cli_bad_paper_is_one_line_exit_2():
    out = _repro("targets", "--paper", "nope")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "invalid choice: 'nope'" in out.stderr and "iade" in out.stderr


# --- load_results -------------------------------------------------------------------------------------------------
def test_load_results_has_one_row_per_run_and_record_with_sidecar_columns():
    df = load_results("iade-bits")
    folder = RESULTS / "full" / "iade-bits"
    csvs = sorted(folder.glob("*.csv"))
    assert df["run"].nunique() == len(csvs)
    assert len(df) == sum(len(p.read_text().strip().splitlines()) - 1 for p in csvs)
    row = df[df["algorithm"] == "IADE"].iloc[0]
    sidecar = json.loads((folder / "bits_iade.csv.json").read_text())
    assert row["seed"] == str(sidecar["seed"]) and row["commit"] == sidecar["commit"]
    assert row["status"] == "completed" and row["param_eta"] == sidecar["params"]["eta"]
    assert set(df["mode"]) == {"full"}


def test_load_results_reads_series_stored_in_the_summary():
    df = load_results("lena-fig2")
    assert {"k", "acc", "cum_bits", "run"} <= set(df.columns) and df["run"].nunique() >= 4


def test_load_results_without_a_stored_run_says_how_to_make_one(tmp_path):
    with pytest.raises(NoStoredResults, match="repro run mcm-convex-table --full"):
        load_results("mcm-convex-table", root=tmp_path)


# --- the version: one number for the package, the CLI, the citation file and the site ----------------------
def test_version_is_the_same_everywhere():
    import re

    import yaml

    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text())["version"] == version
    out = _repro("--version")
    assert out.returncode == 0 and version in out.stdout, (version, out.stdout)
    sys.path.insert(0, str(ROOT / "book"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "book"))
    assert generate.package_version() == version
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


# --- the deep-learning targets read the results their figures will store --------------------------------------
def test_deep_substitutes_are_scored_from_their_stored_shape(tmp_path):
    def row(acc, loss=0.05):
        return dict(test_accuracy=acc, train_loss=loss)

    mcm_rows = {a: row(v / 100) for a, v in T.paper_value("mcm.nonconvex-table.mnist-accuracy").items()}
    root = _stored("mcm-mnist-cnn", tmp_path / "mcm", dict(rows=mcm_rows, config=dict(rows=500, batch=32,
                                                                                      iterations=1500), epochs=96))
    e = T.evaluate(T.get("mcm.nonconvex-table.mnist-accuracy"), root)
    assert e.status == T.SUBSTITUTE and e.within and "500 images per worker" in e.note
    e = T.evaluate(T.get("mcm.nonconvex-table.mnist-train-loss"), root)
    assert e.status == T.SUBSTITUTE and e.within is False            # 0.05 everywhere is not the slide's 0.025..0.075

    topk = {r: {"P-SGD": row(0.99), "MEM-SGD": row(0.985), "Double Squeeze": row(0.984), "EF21-SGD": row(0.9),
                "NEOLITHIC": row(0.986)} for r in ("5%", "1%")}
    quant = {"P-SGD": row(0.99), "QSGD": row(0.985), "MEM-SGD": row(0.986), "Double Squeeze": row(0.984),
             "NEOLITHIC": row(0.986)}
    sweep = {str(R): row(0.99 - 0.002 * R) for R in (1, 2, 3, 4, 5)}
    root = _stored("neolithic-dl-substitute", tmp_path / "neo", dict(topk=topk, quant=quant, r_sweep=sweep))
    for tid in ("neolithic.cifar10.table-1-topk", "neolithic.cifar10.table-2-quantized", "neolithic.cifar10.r-table-dl"):
        e = T.evaluate(T.get(tid), root)
        assert e.status == T.SUBSTITUTE and e.within, (tid, e.per_key)
    topk["1%"]["EF21-SGD"] = row(0.999)                                  # EF21 no longer the least accurate
    root = _stored("neolithic-dl-substitute", tmp_path / "neo2", dict(topk=topk, quant=quant, r_sweep=sweep))
    e = T.evaluate(T.get("neolithic.cifar10.table-1-topk"), root)
    assert e.within is False and e.per_key["1%/EF21-SGD the least accurate"] == 1.0


def test_mcm_figure_targets_flip_with_their_stored_numbers(tmp_path):
    final = {"MCM": -2.4, "Rand-MCM": -2.41, "Rand-MCM (PP 0.5)": -2.43, "Rand-MCM (PP 0.5, single memory)": -2.32}
    e = T.evaluate(T.get("mcm.rand-mcm.single-memory"), _stored("mcm-rand-mcm", tmp_path / "a", dict(final=final)))
    assert e.status == T.SUBSTITUTE and e.within
    e = T.evaluate(T.get("mcm.rand-mcm.single-memory"),
                   _stored("mcm-rand-mcm", tmp_path / "b", dict(final=dict(final, **{"Rand-MCM": -2.0}))))
    assert e.within is False and e.per_key["Rand-MCM within 0.1 of MCM"] == 1.0
    limit = dict(gamma_L=[0.5, 0.25, 0.125], ratio={"MCM": [1.6, 1.2, 1.1], "Artemis": [5.0, 4.2, 3.8]}, fit_c=0.05)
    assert T.evaluate(T.get("mcm.summary.limit-variance"), _stored("mcm-limit-variance", tmp_path / "c", limit)).status \
        == T.REPRODUCED
    limit["ratio"]["MCM"][-1] = 1.4                                     # MCM's plateau no longer near DIANA's
    assert T.evaluate(T.get("mcm.summary.limit-variance"), _stored("mcm-limit-variance", tmp_path / "d", limit)).status \
        == T.GAP
