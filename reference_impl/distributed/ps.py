"""Parameter-server execution: rank 0 is the server, ranks 1..N are the workers (one each).

Each rank runs the algorithm's own ``(init, step)`` from :mod:`reference_impl.algorithms`, with the
problem and the compressors replaced by the stand-ins of :mod:`reference_impl.distributed.roles`. The
server's run goes through :func:`reference_impl.runner.run` (CSV + JSON sidecar written atomically, the
usual statuses); it also writes every iterate (``iterates.npy``) and what crossed the wire per round
(``wire.json``: per round and worker the bits and payload bytes of every message, the downlink's, the
residual bytes; totals of payload, residual and header bytes sent and received).

Per algorithm, ``ALGORITHMS`` (:mod:`reference_impl.distributed.config`) says how the server's model reaches the workers:

* ``model_field`` (DIANA: ``w``, EF21-SGD, COMP-AMS: ``x``): the step's downlink is a full-precision broadcast;
  after each step the server sends the new model (``32 d`` bits, what the simulation counts for the
  broadcast) and each worker puts it into that field of its state;
* otherwise (MCM, bidirectional NEOLITHIC) the downlink is a compressor call inside the step (a
  Broadcaster / Listener).

LENA has explicit halves instead (``server`` and ``worker_messages`` of its ``Spec``;
:mod:`reference_impl.distributed.lena_roles`).

``server_only`` fields (MCM's preserved model ``w``, EF21's aggregate ``g``, COMP-AMS's moments) are set to NaN on the
workers: a worker never holds them, and NaN there proves its step does not use them.
"""
from __future__ import annotations

import dataclasses
import json
import signal
import sys
from pathlib import Path

import numpy as np

from reference_impl.algorithms.base import Algorithm, full_precision_bits
from reference_impl.backends import get_backend
from reference_impl.distributed.codecs import RowMessage, codec_for
from reference_impl.distributed.config import ALGORITHMS, RunConfig, SamplingMeta, build_problem, compressors, shard
from reference_impl.distributed.roles import (FULL, TAG_FULL, TAG_NORM, Broadcaster, Listener, Outbox, Receiver,
                                              Sender, ServerProblem, WorkerProblem, decode_row, encode_row)
from reference_impl.distributed.wire import KIND_END, KIND_STOP, Channel, PeerLost
from reference_impl.runner import Terminated, atomic_write, run as run_recorded, sidecar_path


# -- the link: one rank's side of the messages ---------------------------------------------------------
class RunStopped(Exception):
    """The server told this worker the run is over."""


class WorkerLost(Terminated):
    """A worker died or stalled: the server's run stops with status ``interrupted`` (signal SIGPIPE:
    the other end is gone), its finished rounds kept."""

    def __init__(self, lost: PeerLost):
        super().__init__(signal.SIGPIPE)
        self.lost = lost
        self.args = (str(lost),)


class Link:
    def __init__(self, channel: Channel, n_workers: int, residual: bool):
        self.ch, self.N, self.residual = channel, n_workers, residual
        self.inbox: list[list] = [[] for _ in range(n_workers)]
        self.rounds: list[dict] = []
        self.flushed = 0             # the last round whose uploads a worker has sent

    # server side
    def start_round(self, k: int):
        self.ch.round = k
        self.rounds.append(dict(round=k, uplink_bits=[0] * self.N, uplink_payload_bytes=[0] * self.N,
                                uplink_messages=[[] for _ in range(self.N)], downlink_bits=0,
                                downlink_payload_bytes=0, downlink_messages=[], residual_bytes=0,
                                uncounted_bytes=0))

    def _receive_round(self):
        """Each worker's messages of this round, up to its end-of-uploads marker (recorded)."""
        rec, out = self.rounds[-1], []
        for i in range(self.N):
            mine = []
            while True:
                kind, nbits, payload, res, tag = self.ch.recv(i + 1, "upload")
                if kind == KIND_END:
                    break
                rec["uplink_bits"][i] += nbits
                rec["uplink_payload_bytes"][i] += len(payload)
                rec["uplink_messages"][i].append([nbits, len(payload)])
                rec["residual_bytes"] += len(res)
                mine.append((tag, nbits, payload, res))
            out.append(mine)
        return out

    def collect_uploads(self, xp, d: int):
        """For the stand-ins: full-precision uploads as rows; compressed ones queued for the Receiver."""
        rows = np.zeros((self.N, d))
        for i, mine in enumerate(self._receive_round()):
            for tag, nbits, payload, res in mine:
                if tag == TAG_FULL:
                    rows[i] = decode_row(FULL, nbits, payload, res, d)
                elif tag == TAG_NORM:      # an announced norm: the step sees a row of that norm
                    rows[i, 0] = decode_row(FULL, nbits, payload, res, 1)[0]
                else:
                    self.inbox[i].append((tag, nbits, payload, res))
        return xp.asarray(rows)

    def collect_messages(self, d: int):
        """For split halves: each worker's full-precision rows of this round (an empty list: skipped)."""
        return [[decode_row(FULL, nbits, payload, res, d) for _, nbits, payload, res in mine]
                for mine in self._receive_round()]

    def broadcast_message(self, tag, nbits, payload, res, counted: bool = True):
        """To every worker; ``counted=False``: a message the simulation does not count (recorded apart)."""
        self.ch.broadcast(range(1, self.N + 1), nbits, payload, res, tag)
        if self.rounds and not counted:
            self.rounds[-1]["uncounted_bytes"] += len(payload) + len(res)
        elif self.rounds:
            rec = self.rounds[-1]
            rec["downlink_bits"] += nbits
            rec["downlink_payload_bytes"] += len(payload)
            rec["downlink_messages"].append([nbits, len(payload)])
            rec["residual_bytes"] += len(res)

    def stop_workers(self, skip=()):
        for r in range(1, self.N + 1):
            if r in skip:
                continue
            try:
                self.ch.send(r, kind=KIND_STOP, what="stop")
            except PeerLost:
                pass

    # worker side
    def receive_broadcast(self, what: str):
        kind, nbits, payload, res, tag = self.ch.recv(0, what)
        if kind == KIND_STOP:
            raise RunStopped()
        return tag, nbits, payload, res

    def flush(self, outbox: Outbox):
        """Send the queued uploads and the end-of-uploads marker (once per round)."""
        for tag, nbits, payload, res in outbox:
            self.ch.send(0, nbits, payload, res, tag, what="upload")
        outbox.clear()
        self.ch.send(0, kind=KIND_END, what="end of uploads")
        self.flushed = self.ch.round


def _full_message(xp, row, expected_bits: int, residual: bool):
    return encode_row(FULL, RowMessage(np.asarray(xp.to_numpy(row), dtype=np.float64).reshape(-1), None),
                      expected_bits, residual)


# -- the two roles ---------------------------------------------------------------------------------------
def run_server(cfg: RunConfig, channel: Channel) -> int:
    spec, problem, xp = ALGORITHMS[cfg.algorithm], build_problem(cfg), get_backend(cfg.backend)
    link = Link(channel, cfg.workers, cfg.residual)
    up_c, down_c = compressors(cfg)
    up = Receiver(codec_for(up_c), link.inbox)
    down = Broadcaster(codec_for(down_c), link, cfg.residual, spec.announce_round)
    inner = spec.build(cfg, up, down)
    sproblem = ServerProblem(problem, link, SamplingMeta(problem))
    if spec.server is not None:
        inner, sproblem = spec.server(cfg, inner, link, SamplingMeta(problem)), problem
    iterates: list[np.ndarray] = []

    def step(state, prob, xp_, rng):
        if not iterates and not link.rounds:
            channel.ready()
        link.start_round(len(iterates) + 1)
        try:
            state, info = inner.step(state, prob, xp_, rng)
            if spec.field(cfg) is not None:
                link.broadcast_message(TAG_FULL, *_full_message(xp_, info.x, int(info.downlink_bits), cfg.residual))
        except PeerLost as exc:
            link.rounds.pop()
            raise WorkerLost(exc) from None
        iterates.append(np.asarray(xp_.to_numpy(info.x), dtype=np.float64).copy())
        return state, info

    algo = Algorithm(inner.name, inner.init, step, inner.params)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "run.csv"
    lost = None
    try:
        hist = run_recorded(algo, sproblem, cfg.iterations, xp=xp, seed=cfg.seed, csv_path=csv_path,
                            diverge_factor=None, progress=sys.stderr.isatty(),
                            extra_meta=dict(distributed=True, workers=cfg.workers, up=cfg.up, down=cfg.down,
                                            residual=cfg.residual, timeout_s=cfg.timeout))
        status = hist.meta["status"]
    except WorkerLost as exc:
        lost, status = exc.lost, "interrupted"
    finally:
        _write_outputs(out, iterates, link, cfg, lost)
    if lost is not None:      # no stop message: the server's exit closes its connections, which the
        _amend_sidecar(csv_path, lost)  # other workers see at once (a worker blocked in a send could not read one)
        print(f"error: {lost}; the {len(iterates)} finished rounds are kept in {out} (status interrupted)",
              file=sys.stderr)
        return 3
    link.stop_workers()
    print(f"{cfg.algorithm}: {len(iterates)} rounds, status {status}; results in {out}")
    return 0


def _write_outputs(out: Path, iterates, link: Link, cfg: RunConfig, lost):
    with atomic_write(out / "iterates.npy", "wb") as f:
        np.save(f, np.stack(iterates) if iterates else np.zeros((0, cfg.d)))
    wire = dict(config={k: v for k, v in dataclasses.asdict(cfg).items()}, rounds=link.rounds,
                totals=dict(sent=dataclasses.asdict(link.ch.sent), received=dataclasses.asdict(link.ch.received)),
                lost=None if lost is None else dict(rank=lost.rank, round=lost.round, message=str(lost)))
    with atomic_write(out / "wire.json") as f:
        json.dump(wire, f, indent=1)


def _amend_sidecar(csv_path: Path, lost: PeerLost):
    side = sidecar_path(csv_path)
    meta = json.loads(side.read_text()) if side.exists() else {}
    meta["lost_rank"], meta["lost_round"], meta["error"] = lost.rank, lost.round, str(lost)
    with atomic_write(side) as f:
        json.dump(meta, f, indent=1)


def run_worker(cfg: RunConfig, channel: Channel, rank: int) -> int:
    import os
    import time

    spec, xp = ALGORITHMS[cfg.algorithm], get_backend(cfg.backend)
    full = build_problem(cfg)
    i = rank - 1
    mine, sampler = shard(full, i), SamplingMeta(full)
    del full                                   # the worker keeps its shard and the shard sizes only
    link, outbox = Link(channel, cfg.workers, cfg.residual), Outbox()
    up_c, down_c = compressors(cfg)
    up = Sender(codec_for(up_c), outbox, cfg.workers, i, cfg.residual)
    down = Listener(codec_for(down_c), link, outbox, spec.announce_round)
    algo = spec.build(cfg, up, down)
    wproblem = WorkerProblem(mine, sampler, i, None if spec.announce_round is None else
                             (spec.announce_round, link, outbox))
    rng = np.random.default_rng(cfg.seed)
    state = algo.init(wproblem, xp)
    nan = {f: getattr(state, f) * xp.scalar(float("nan")) for f in spec.server_only}
    state = state._replace(**nan)
    channel.ready()
    try:
        for k in range(1, cfg.iterations + 1):
            channel.round = k
            if cfg.die_at == (rank, k):
                os.kill(os.getpid(), signal.SIGKILL)
            if cfg.stall_at == (rank, k):
                time.sleep(10 * cfg.timeout)
            state, info = algo.step(state, wproblem, xp, rng)
            if spec.worker_messages is not None:
                for row in spec.worker_messages(cfg, state, info):
                    outbox.append((TAG_FULL, *_full_message(xp, row, full_precision_bits(cfg.d), cfg.residual)))
            if link.flushed != k:
                if not outbox and bool(info.uploads[0]) and spec.worker_messages is None:  # a first gradient
                    outbox.append((TAG_FULL, *_full_message(xp, info.uplink[0], int(info.uplink_bits[0]),
                                                            cfg.residual)))
                link.flush(outbox)
            if spec.field(cfg) is not None:
                _, nbits, payload, res = link.receive_broadcast("model")
                state = state._replace(**{spec.field(cfg): xp.asarray(decode_row(FULL, nbits, payload, res, cfg.d))})
        link.receive_broadcast("end of run")
    except RunStopped:
        return 0
    except PeerLost as exc:
        print(f"worker {rank}: {exc}", file=sys.stderr)
        return 3
    return 0
