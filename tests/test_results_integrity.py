"""Results that cannot be mistaken for complete ones (issue 7, section 3).

A test-only figure (four short noisy-GD runs, defined below) is run in subprocesses that this file
starts as ``python tests/test_results_integrity.py cli ...``. A hook in the algorithm's step writes
an event file at a chosen (run, iteration) and then waits: the test sends SIGTERM / SIGINT only once
that file exists, so the kill lands at a known point (no sleep-and-hope). Checked: statuses after
SIGTERM and SIGINT, no partial CSV under its final name, no stale summary.json during a rerun, the
per-folder lock, ``--resume`` after a kill giving the same results as an uninterrupted run, and the
one-line exit-2 error for a missing or corrupt data file.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
FIGURE_ID = "test-integrity"
ITERATIONS = 120
N_RUNS = 4
HOOK_ENV, EVENT_ENV = "INTEGRITY_HOOK", "INTEGRITY_EVENT"
WAIT_S = 60          # upper bound on any wait: a broken test fails instead of hanging

_current = {"label": None}


def _hook(label: str, k: int) -> None:
    """At the (label, k) named by $INTEGRITY_HOOK ("r2:50"): write $INTEGRITY_EVENT, then wait."""
    spec = os.environ.get(HOOK_ENV)
    if not spec or spec != f"{label}:{k}":
        return
    Path(os.environ[EVENT_ENV]).write_text(str(os.getpid()))
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        time.sleep(0.01)          # the signal arrives here
    raise RuntimeError("integrity hook: nobody signalled this process")


def noisy_gd(eta: float, noise: float = 1e-2):
    from reference_impl.algorithms.base import Algorithm, StepInfo

    def init(problem, xp):
        return (0, problem.x0(xp))

    def step(state, problem, xp, rng=None):
        k, x = state
        x = x - eta * problem.grad(xp, x) + noise * rng.standard_normal(problem.d)
        _hook(_current["label"], k + 1)
        return (k + 1, x), StepInfo(x=x, uplink_bits=np.full(problem.N, 32 * problem.d),
                                    downlink_bits=32 * problem.d, uploads=np.ones(problem.N, dtype=bool))

    return Algorithm("noisy-GD", init, step, dict(eta=eta, noise=noise))


def _figure_run(full: bool, out: Path) -> dict:
    from reference_impl.problems import make_quadratic
    from reference_impl.runner import run, seed_from_names

    problem = make_quadratic(5, 2, 10.0, np.random.default_rng(0))
    res = {}
    for r in range(N_RUNS):
        label = _current["label"] = f"r{r}"
        h = run(noisy_gd(0.5 / float(problem.L)), problem, ITERATIONS, seed=seed_from_names("integrity", r),
                csv_path=out / "runs" / f"{label}.csv", extra_meta=dict(label=label))
        res[label] = dict(final_gap=float(h["loss_gap"][-1]), dist=h["dist"], status=h.meta["status"],
                          wall_time_s=h.meta["wall_time_s"])
    return res


def integrity_figure():
    from reproductions.figures import Figure

    return Figure(FIGURE_ID, "test", "integrity test figure", "none", _figure_run)


def _child_main(argv: list[str]) -> int:
    """``cli ARGS``: ``repro ARGS`` with only the test figure registered."""
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even if started with SIGINT ignored
    import reproductions.figures as F
    from reference_impl import cli

    fig = integrity_figure()
    F.all_figures = lambda: {fig.id: fig}
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[2:]))


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
def _start(tmp_path: Path, out: Path, *extra: str, hook: str | None = None) -> tuple[subprocess.Popen, Path]:
    event = tmp_path / f"event-{time.monotonic_ns()}"
    env = dict(os.environ)
    env.pop(HOOK_ENV, None)
    if hook:
        env.update({HOOK_ENV: hook, EVENT_ENV: str(event)})
    proc = subprocess.Popen([sys.executable, str(HERE), "cli", "run", FIGURE_ID, "--out", str(out), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, event


def _wait_for(event: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_S
    while not event.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child exited {proc.returncode} before the hook: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the hook was never reached")
        time.sleep(0.01)


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=WAIT_S)
    return proc.returncode, out, err


def _sidecar(out: Path, label: str) -> dict:
    return json.loads((out / "runs" / f"{label}.csv.json").read_text())


def _strip_wall_times(obj):
    if isinstance(obj, dict):
        return {k: _strip_wall_times(v) for k, v in obj.items() if "wall_time" not in k}
    if isinstance(obj, list):
        return [_strip_wall_times(v) for v in obj]
    return obj


def _kill_at(tmp_path, out, sig, hook, *extra):
    proc, event = _start(tmp_path, out, *extra, hook=hook)
    _wait_for(event, proc)
    os.kill(proc.pid, sig)
    return _finish(proc)


# ------------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------------
def test_sigterm_mid_run_then_resume_equals_an_uninterrupted_run(tmp_path):
    # the reference: one uninterrupted run
    ref = tmp_path / "ref"
    code, stdout, err = _finish(_start(tmp_path, ref)[0])
    assert code == 0, err
    assert "it/s" not in err and "%|" not in err, err      # no progress bar: stderr is not a terminal
    assert "figure: " in stdout and (ref / "figure.png").is_file() and (ref / "figure.svg").is_file()
    assert f"summary: {ref / 'summary.json'}" in stdout
    reference = json.loads((ref / "summary.json").read_text())
    assert reference["meta"]["status"] == "completed" and reference["meta"]["runs"]["total"] == N_RUNS

    # killed with SIGTERM in the middle of run r2
    out = tmp_path / "killed"
    code, _, err = _kill_at(tmp_path, out, signal.SIGTERM, "r2:50")
    assert code == 143, err
    assert "interrupted by SIGTERM" in err and "--resume" in err and "Traceback" not in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["status"] == "interrupted" and summary["results"] is None
    assert summary["meta"]["signal"] == "SIGTERM"
    assert [_sidecar(out, f"r{r}")["status"] for r in range(3)] == ["completed", "completed", "interrupted"]
    m2 = _sidecar(out, "r2")
    assert m2["completed_iterations"] == 49 and m2["signal"] == "SIGTERM" and m2["iterations"] == ITERATIONS
    assert not (out / "runs" / "r2.csv").exists() and (out / "runs" / "r2.csv.partial").is_file()
    assert not (out / "runs" / "r3.csv.json").exists() and not (out / ".repro.lock").exists()
    assert not list(out.rglob("*.part"))

    # resumed: r0 and r1 reused, r2 and r3 computed, same results as the uninterrupted run
    code, stdout, err = _finish(_start(tmp_path, out, "--resume", "--no-progress")[0])
    assert code == 0, err
    assert "2 reused" in stdout
    resumed = json.loads((out / "summary.json").read_text())
    assert resumed["meta"]["status"] == "completed" and resumed["meta"]["runs"]["reused"] == 2
    assert _strip_wall_times(resumed["results"]) == _strip_wall_times(reference["results"])
    assert not (out / "runs" / "r2.csv.partial").exists()
    for r in range(N_RUNS):
        assert (out / "runs" / f"r{r}.csv").read_bytes() == (ref / "runs" / f"r{r}.csv").read_bytes()


def test_sigint_rerun_removes_the_old_summary_first(tmp_path):
    out = tmp_path / "res"
    code, _, err = _finish(_start(tmp_path, out)[0])
    assert code == 0, err and (out / "summary.json").is_file()
    proc, event = _start(tmp_path, out, hook="r1:30")
    _wait_for(event, proc)
    # a rerun in progress: no summary (the old one is gone), the rerun's run r1 not under its final name
    assert not (out / "summary.json").exists()
    assert not (out / "runs" / "r1.csv").exists() and _sidecar(out, "r1")["status"] == "running"
    assert int((out / ".repro.lock").read_text()) == proc.pid
    os.kill(proc.pid, signal.SIGINT)
    code, _, err = _finish(proc)
    assert code == 130, err
    assert "interrupted by SIGINT" in err and "Traceback" not in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["status"] == "interrupted" and summary["meta"]["signal"] == "SIGINT"
    m1 = _sidecar(out, "r1")
    assert m1["status"] == "interrupted" and m1["completed_iterations"] == 29 and m1["signal"] == "SIGINT"


def test_a_second_run_of_the_same_folder_is_refused(tmp_path):
    import pytest

    from reproductions.figures import ResultsLocked, run_figure

    out = tmp_path / "res"
    proc, event = _start(tmp_path, out, hook="r0:10")
    try:
        _wait_for(event, proc)
        with pytest.raises(ResultsLocked) as info:
            run_figure(integrity_figure(), out_dir=out)
        assert str(out) in str(info.value) and f"pid {proc.pid}" in str(info.value)
        # the same through the command line: exit 2, one line, nothing written by the second run
        second = subprocess.run([sys.executable, str(HERE), "cli", "run", FIGURE_ID, "--out", str(out)], cwd=ROOT,
                                capture_output=True, text=True, timeout=WAIT_S,
                                env={k: v for k, v in os.environ.items() if k != HOOK_ENV})
        assert second.returncode == 2, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "in use by another run" in lines[0] and f"pid {proc.pid}" in lines[0], lines
        assert _sidecar(out, "r0")["status"] == "running" and not (out / "runs" / "r1.csv.json").exists()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        code, _, err = _finish(proc)
    assert code == 143, err
    # the lock went with the process: the folder is free again
    assert json.loads(run_figure(integrity_figure(), out_dir=out).read_text())["meta"]["status"] == "completed"


def test_lock_is_free_after_the_holder_dies_and_exclusive_otherwise(tmp_path):
    import pytest

    from reproductions.figures import ResultsLocked, results_lock

    with results_lock(tmp_path) as lock:
        assert int(lock.read_text()) == os.getpid()
        child = subprocess.run([sys.executable, "-c", (
            "import sys; from pathlib import Path; from reproductions.figures import results_lock, ResultsLocked\n"
            "try:\n    results_lock(Path(sys.argv[1])).__enter__()\nexcept ResultsLocked as e:\n    print(e); sys.exit(3)"),
            str(tmp_path)], capture_output=True, text=True, timeout=WAIT_S)
        assert child.returncode == 3 and f"pid {os.getpid()}" in child.stdout
        with pytest.raises(ResultsLocked):
            results_lock(tmp_path).__enter__()
    assert not (tmp_path / ".repro.lock").exists()
    (tmp_path / ".repro.lock").write_text("999999\n")           # left behind by a SIGKILLed run: not a lock
    with results_lock(tmp_path):
        pass


def test_summary_of_a_failed_figure_and_load_summary(tmp_path):
    import pytest

    from reproductions.figures import Figure, load_summary, run_figure

    def broken(full, out):
        raise ArithmeticError("no")

    ok = run_figure(integrity_figure(), out_dir=tmp_path / "ok")
    assert load_summary(ok)["meta"]["status"] == "completed" and load_summary(tmp_path / "ok") is not None
    with pytest.raises(ArithmeticError):
        run_figure(Figure("broken", "test", "t", "none", broken), out_dir=tmp_path / "bad")
    s = json.loads((tmp_path / "bad" / "summary.json").read_text())
    assert s["meta"]["status"] == "failed" and "ArithmeticError: no" in s["meta"]["error"]
    assert load_summary(tmp_path / "bad") is None


def test_plot_fallback(tmp_path):
    from reproductions.figures import Figure, plot_figure, run_figure

    run_figure(integrity_figure(), out_dir=tmp_path / "res")
    written = plot_figure(integrity_figure(), tmp_path / "res", tmp_path / "plots")
    assert [p.name for p in written] == ["figure.png", "figure.svg"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in written[1].read_bytes()[:400]
    other = Figure("x", "t", "t", "none", _figure_run)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "labels.csv").write_text("method,error\nA,1\nB,2\n")      # not all numeric: not drawn
    assert plot_figure(other, empty) == []
    (empty / "curve.csv").write_text("k,err\n0,1\n1,0.5\n2,0.25\n")    # a numeric table: drawn
    assert [p.name for p in plot_figure(other, empty)] == ["figure.png", "figure.svg"]


def _repro(args, data_dir):
    env = dict(os.environ, REPRO_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "reference_impl.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_missing_data_file_is_one_line_exit_2(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    res = _repro(["run", "iade-bits", "--out", str(tmp_path / "out")], data)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert str(data / "libsvm" / "a9a") in lines[0] and "REPRO_DATA_DIR" in lines[0] and "https://" in lines[0]



def test_corrupt_data_file_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    from reference_impl import cli

    data = tmp_path / "data"
    (data / "libsvm").mkdir(parents=True)
    (data / "libsvm" / "a9a").write_text("-1 3:1 11:1\n")       # not the real file: fails its checksum
    monkeypatch.setenv("REPRO_DATA_DIR", str(data))
    assert cli.main(["run", "iade-bits", "--out", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "checksum" in lines[0], lines
    assert str(data / "libsvm" / "a9a") in lines[0] and "REPRO_DATA_DIR" in lines[0] and "https://" in lines[0]
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["meta"]["status"] == "failed"


def test_data_folder_resolution(monkeypatch, tmp_path):
    from reference_impl import data as D

    monkeypatch.delenv(D.ENV_VAR, raising=False)
    if D.SHARED_DATA_DIR.is_dir():
        assert D.data_dir() == D.SHARED_DATA_DIR
    assert D.SHARED_DATA_DIR == ROOT.parent / "shared" / "data"
    monkeypatch.setattr(D, "SHARED_DATA_DIR", tmp_path / "no-such-folder")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert D.data_dir() == tmp_path / "home" / ".cache" / "commeff-repro" / "data"
    monkeypatch.setenv(D.ENV_VAR, str(tmp_path / "x"))
    assert D.data_dir() == tmp_path / "x"



def test_progress_bar_in_a_terminal_unless_no_progress(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    def in_terminal(*extra):
        pid, fd = pty.fork()
        if pid == 0:  # the child: stdout and stderr are the terminal
            os.execv(sys.executable, [sys.executable, str(HERE), "cli", "run", FIGURE_ID, "--out",
                                      str(tmp_path / "res"), *extra])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))   # tqdm needs a width
        out = bytearray()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out.extend(chunk)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), out.decode(errors="replace")

    code, text = in_terminal()
    assert code == 0 and f"0/{ITERATIONS}" in text and "it/s" in text, text[-2000:]
    code, text = in_terminal("--no-progress")
    assert code == 0 and "it/s" not in text and "results: " in text, text[-2000:]
