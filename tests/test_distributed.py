"""The parameter-server path of reference_impl.distributed equals the simulation bit for bit.

Claims checked (issue 11, part 1):
* codecs: every supported compressor's row travels as its encoder's real bytes, ``ceil(bits / 8)`` of
  them, and the receiver rebuilds the float64 row exactly (payload + residual);
* the precondition of the replayed randomness: a supported compressor's draws do not depend on the
  values it compresses (the generator's state after compressing zeros equals that after real data);
* with gloo and 3-4 processes, DIANA, MCM, EF21-SGD, NEOLITHIC, COMP-AMS, LENA (drifts momentum and
  uniform; skipped uploads send no payload) and IADE (lattice code, round-0 radii announced) give the
  simulation's iterates bit for bit (numpy and torch float64), every message's payload is ``ceil(bits / 8)`` bytes of
  the simulation's bits, and the per-round bit counts equal the simulation's;
* a worker that dies (SIGKILL) or stalls makes the server stop within the timeout with one error
  naming the rank and the round, the finished rounds kept (status interrupted) and equal to the
  simulation's (COMP-AMS with top-k there, so top-k also crosses the wire); the stalled run sends the
  float32 payloads alone (``--no-residual``): its rounds then agree with the simulation to float32
  rounding (relative 1e-6) but not bit for bit.

Processes: two torchrun launches (4 and 3 processes) and two fault launches (3 processes), each with a
wall-clock limit so that a hang fails instead of blocking CI. A dead worker is seen at once (its
connection closes: tens of milliseconds here); a stalled one after ``--timeout`` seconds.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

from reference_impl.backends import NUMPY  # noqa: E402
from reference_impl.distributed.codecs import (apply_residual, bits_to_bytes, bytes_to_bits, codec_for,  # noqa: E402
                                               residual_of)
from reference_impl.distributed.config import RunConfig, parse_compressor, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.filterwarnings("ignore::reference_impl.algorithms.base.TheoryRangeWarning")

PY = sys.executable
LAUNCH_LIMIT_S = 120       # a launch that has not finished by then is a hang: fail, don't block CI
COMPRESSORS = ["identity", "sign", "top-2", "rand-3", "qsgd-1", "qsgd-4"]


# -- codecs and the randomness precondition (no processes) -------------------------------------------------
@pytest.mark.parametrize("name", COMPRESSORS)
def test_codec_round_trip_is_exact_and_sized_by_the_simulated_bits(name):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 7))
    X[1, 2] = 0.0
    codec = codec_for(parse_compressor(name))
    out, rows = codec.compress(NUMPY, X, np.random.default_rng(2))
    masks = np.stack([r.mask for r in rows]) if rows[0].mask is not None else None
    for i, msg in enumerate(rows):
        bits = codec.encode(msg)
        assert len(bits) == out.bits[i]                    # the encoder writes what the simulation counts
        payload = bits_to_bytes(bits)
        assert len(payload) == (int(out.bits[i]) + 7) // 8
        decoded = codec.decode(bytes_to_bits(payload, len(bits)), 7, masks, i)
        # float32 payload: within float32 rounding of the exact row (QSGD: its norm is rounded too)
        assert np.allclose(decoded, out.values[i], rtol=2e-7, atol=0)
        exact = apply_residual(decoded, residual_of(out.values[i], decoded))
        assert np.array_equal(exact.view(np.uint64), np.asarray(out.values[i]).view(np.uint64))


def test_book_page_example_compressor_plugs_into_the_codecs():
    """The compressor and codec of book/distributed.md, run as printed: its rows round-trip exactly."""
    from reference_impl.distributed.codecs import CODECS

    text = (ROOT / "book" / "distributed.md").read_text()
    ns: dict = {}
    exec(text.split("```python\n", 1)[1].split("```", 1)[0], ns)  # noqa: S102 - our own page
    try:
        codec = codec_for(ns["FirstK"](3))
        X = np.random.default_rng(3).standard_normal((2, 6))
        out, rows = codec.compress(NUMPY, X, None)
        assert np.array_equal(out.values[:, 3:], np.zeros((2, 3))) and np.array_equal(out.values[:, :3], X[:, :3])
        for i, msg in enumerate(rows):
            bits = codec.encode(msg)
            assert len(bits) == out.bits[i] == 96
            decoded = codec.decode(bits, 6)
            exact = apply_residual(decoded, residual_of(msg.values, decoded))
            assert np.array_equal(exact, out.values[i])
    finally:
        CODECS.pop(ns.get("FirstK"), None)


def test_lattice_codec_of_iade_round_trips_exactly_without_a_residual():
    from reference_impl.compressors.uniform import UniformQuantizer

    codec = codec_for(UniformQuantizer())
    X = np.random.default_rng(4).standard_normal((2, 5))
    out, rows = codec.compress(NUMPY, X, None, sigma=0.25, radius=np.array([3.0, 4.0]))
    for i, msg in enumerate(rows):
        bits = codec.encode(msg)
        assert len(bits) == out.bits[i]
        decoded = codec.decode(bits, 5, **msg.kw)
        assert residual_of(msg.values, decoded) == b"\x02"      # lattice points decode exactly
        assert np.array_equal(decoded, out.values[i])


def test_residual_falls_back_to_dense_when_the_payload_loses_a_nonzero():
    exact = np.array([1e-300, 0.5, 0.0])        # 1e-300 underflows to 0 in float32
    decoded = np.array([0.0, 0.5, 0.0])
    res = residual_of(exact, decoded)
    assert res[0] == 1 and len(res) == 1 + 8 * 3
    assert np.array_equal(apply_residual(decoded, res), exact)


@pytest.mark.parametrize("name", COMPRESSORS)
def test_draws_do_not_depend_on_the_values(name):
    comp = parse_compressor(name)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    comp(NUMPY, np.zeros((4, 9)), a)
    comp(NUMPY, np.random.default_rng(0).standard_normal((4, 9)), b)
    assert a.bit_generator.state == b.bit_generator.state


def test_repro_distributed_refuses_bad_input_in_one_line(capsys):
    from reference_impl.cli import main

    assert main(["distributed", "--workers", "0"]) == 2
    assert main(["distributed", "--workers", "2", "--iterations", "0"]) == 2
    assert main(["distributed", "--workers", "2", "--up", "wangni"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["repro: error: --workers must be an integer in [1, 64], got 0",
                   "repro: error: iterations must be an integer in [1, 1000000], got 0",
                   "repro: error: compressor must be identity, sign, top-K, rand-K or qsgd-S with an integer K/S "
                   ">= 1, got 'wangni'"]


def test_unsupported_compressor_and_bad_config_name_the_parameter():
    from reference_impl.compressors.sparsification import WangniSparsifier

    with pytest.raises(ValueError, match="no wire codec"):
        codec_for(WangniSparsifier(density=0.5))
    from reference_impl.algorithms.iade import iade

    with pytest.raises(ValueError, match="up_quantizer must be a compressor of kind absolute-error"):
        iade(0.1, 0.99, 1.0, up_quantizer=parse_compressor("top-1"))
    with pytest.raises(ValueError, match="algorithm must be one of"):
        RunConfig(algorithm="adam").check()
    with pytest.raises(ValueError, match=r"batch must be None or an integer in \[1, rows=8\]"):
        RunConfig(batch=9).check()
    with pytest.raises(ValueError, match="compressor must be identity, sign, top-K"):
        RunConfig(up="rand-x").check()


# -- launches ------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    env.pop("REPRO_DEBUG", None)
    return env


def _torchrun(tmp_path, workers, *args):
    cmd = [PY, "-m", "torch.distributed.run", "--standalone", "--nnodes=1", f"--nproc-per-node={workers + 1}",
           "-m", "reference_impl.distributed", "--out", str(tmp_path), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=LAUNCH_LIMIT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _check_against_simulation(out: Path):
    wire = json.loads((out / "wire.json").read_text())
    cfg = RunConfig(**{**wire["config"], "die_at": None, "stall_at": None})
    xs, up_bits, down_bits = simulate(cfg)
    got = np.load(out / "iterates.npy")
    assert got.shape == xs.shape
    assert np.array_equal(got.view(np.uint64), xs.view(np.uint64)), f"{out.name}: iterates differ"
    for k, rec in enumerate(wire["rounds"]):
        assert rec["uplink_bits"] == up_bits[k].tolist()
        assert rec["downlink_bits"] == down_bits[k]
        for msgs in rec["uplink_messages"] + [rec["downlink_messages"]]:
            for nbits, nbytes in msgs:
                assert nbytes == (nbits + 7) // 8               # the payload is the encoder's bytes
        for i, bits in enumerate(up_bits[k]):
            assert (bits == 0) == (rec["uplink_messages"][i] == [])  # a skipped upload sends nothing
    if cfg.algorithm == "lena":                                  # the skipping path was exercised
        assert (up_bits == 0).sum() >= 3 and (up_bits > 0).sum() >= cfg.workers
    side = json.loads((out / "run.csv.json").read_text())
    assert side["status"] == "completed" and side["completed_iterations"] == cfg.iterations
    return cfg


ALGOS = "diana,mcm,ef21-sgd,neolithic,compams,lena,iade"


def test_bitwise_equal_to_simulation_minibatch_rand_k(tmp_path):
    """3 workers, minibatches (the sampling replay), rand-k up and down, numpy and torch."""
    _torchrun(tmp_path, 3, "--algorithm", ALGOS, "--backend", "numpy,torch-cpu", "--up", "rand-2",
              "--down", "rand-3", "--batch", "3", "--iterations", "8")
    done = [_check_against_simulation(p) for p in sorted(tmp_path.iterdir()) if p.is_dir()]
    assert sorted((c.algorithm, c.backend) for c in done) == sorted(
        (a, b) for a in ALGOS.split(",") for b in ("numpy", "torch-cpu"))


def test_bitwise_equal_to_simulation_exact_gradients_qsgd(tmp_path):
    """2 workers, exact gradients, QSGD up (Elias-coded levels) and down."""
    _torchrun(tmp_path, 2, "--algorithm", ALGOS, "--up", "qsgd-2", "--down", "qsgd-1", "--iterations", "8",
              "--dim", "5", "--drift", "uniform")
    done = [_check_against_simulation(p) for p in sorted(tmp_path.iterdir()) if p.is_dir()]
    assert len(done) == 7


# -- faults --------------------------------------------------------------------------------------------------
def _spawn(tmp_path, workers, *args):
    """Server and workers as plain processes (not torchrun, which would tear the group down itself)."""
    port = _free_port()
    procs = []
    for rank in range(workers + 1):
        env = dict(_env(), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                   WORLD_SIZE=str(workers + 1))
        procs.append(subprocess.Popen([PY, "-m", "reference_impl.distributed", "--out", str(tmp_path), *args],
                                      cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return procs


def _finish(procs, limit):
    try:
        out, err = procs[0].communicate(timeout=limit)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=10)
    return procs[0].returncode, err


def _check_interrupted(tmp_path, rank, round_, err, exact=True):
    lines = [ln for ln in err.splitlines() if ln.startswith("error")]
    assert len(lines) == 1, err
    assert f"rank {rank} lost in round {round_}" in lines[0]
    side = json.loads((tmp_path / "run.csv.json").read_text())
    assert side["status"] == "interrupted"
    assert side["completed_iterations"] == round_ - 1
    assert (side["lost_rank"], side["lost_round"]) == (rank, round_)
    assert (tmp_path / "run.csv.partial").exists() and not (tmp_path / "run.csv").exists()
    wire = json.loads((tmp_path / "wire.json").read_text())
    cfg = RunConfig(**{**wire["config"], "die_at": None, "stall_at": None})
    xs, _, _ = simulate(cfg)
    got = np.load(tmp_path / "iterates.npy")
    assert got.shape == (round_ - 1, cfg.d)                      # the finished rounds, kept
    if exact:
        assert np.array_equal(got, xs[: round_ - 1])
    else:   # float32 payloads only: each message is rounded to float32 (relative 6e-8); a few rounds
        assert sum(r["residual_bytes"] for r in wire["rounds"]) == 0
        assert not np.array_equal(got, xs[: round_ - 1])
        assert np.allclose(got, xs[: round_ - 1], rtol=1e-6, atol=1e-9)


def test_dead_worker_stops_the_server_naming_rank_and_round(tmp_path):
    timeout = 20.0
    procs = _spawn(tmp_path, 2, "--algorithm", "compams", "--up", "top-2", "--gamma", "0.05", "--iterations", "8",
                   "--timeout", str(timeout), "--die-at", "2:4")      # (top-k on the wire: rounds 1-3 bitwise)
    start = time.monotonic()
    code, err = _finish(procs, timeout + 60)
    assert procs[2].returncode == -signal.SIGKILL                 # the worker really died
    assert code == 3
    assert time.monotonic() - start < timeout + 60
    _check_interrupted(tmp_path, 2, 4, err)


def test_stalled_worker_times_out_within_the_stated_timeout(tmp_path):
    timeout = 3.0
    procs = _spawn(tmp_path, 2, "--algorithm", "mcm", "--up", "rand-2", "--down", "rand-3", "--iterations", "6",
                   "--timeout", str(timeout), "--stall-at", "1:3", "--no-residual")   # (the deployment's bytes)
    start = time.monotonic()
    code, err = _finish(procs, 90)
    assert code == 3
    _check_interrupted(tmp_path, 1, 3, err, exact=False)
    assert time.monotonic() - start < 60
