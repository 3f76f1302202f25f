"""Messages over torch.distributed: a header, the payload bytes, the residual bytes; counted apart.

A message from one rank to another (``dist.send``/``dist.recv``) or from the server to every worker
(the same message to each worker, counted once) is three tensors: a header ``int64[4] = (kind, payload bits, residual bytes, codec
tag)``, the payload (``uint8[ceil(bits / 8)]``: the encoder's real bytes) and the residual (see
:mod:`reference_impl.distributed.codecs`). ``kind`` 0 is a message, 1 ends a worker's uploads of a
round (header only: a skipped upload sends just this), 2 tells a worker the run is over. The counters keep payload, residual and header bytes apart; only the payload is what
the simulation's bit counts describe.

Faults: every receive waits at most ``timeout`` seconds (``Work.wait(timeout)``); a peer that died
(connection closed) or stalled raises :class:`PeerLost`, naming the rank and the round.
"""
from __future__ import annotations

import dataclasses
import datetime
import os
import sys
import time

import numpy as np

HEADER_WORDS = 4
KIND_MESSAGE, KIND_END, KIND_STOP = 0, 1, 2


class PeerLost(RuntimeError):
    """A rank did not answer within the timeout, or its connection closed."""

    def __init__(self, rank: int, round_: int, what: str, cause: BaseException | str):
        self.rank, self.round, self.what = rank, round_, what
        super().__init__(f"rank {rank} lost in round {round_} while receiving its {what}: {cause}")


@dataclasses.dataclass
class Counters:
    payload: int = 0
    residual: int = 0
    header: int = 0
    messages: int = 0


class Channel:
    """Point-to-point and broadcast messages of one rank, with byte counters and receive timeouts."""

    def __init__(self, dist, rank: int, timeout_s: float, device: str = "cpu"):
        import torch

        self.dist, self.torch, self.rank = dist, torch, rank
        self.timeout = datetime.timedelta(seconds=float(timeout_s))
        self.device = device
        self.sent, self.received = Counters(), Counters()
        self.round = 0

    # -- tensors ---------------------------------------------------------------------------------
    def _tensor(self, data: bytes):
        t = self.torch.frombuffer(bytearray(data), dtype=self.torch.uint8) if data else \
            self.torch.zeros(0, dtype=self.torch.uint8)
        return t.to(self.device)

    def _wait(self, start, peer: int, what: str):
        """Start an operation (``start()`` returns a Work) and wait for it at most ``timeout``."""
        try:
            start().wait(self.timeout)
        except Exception as exc:  # gloo: connection closed / timed out
            if os.environ.get("REPRO_DEBUG"):
                print(f"rank {self.rank}: {what} from/to {peer} failed at {time.time():.3f}", file=sys.stderr)
            raise PeerLost(peer, self.round, what, exc) from None

    def _count(self, c: Counters, payload: bytes, residual: bytes):
        c.payload += len(payload)
        c.residual += len(residual)
        c.header += 8 * HEADER_WORDS
        c.messages += 1

    def ready(self):
        """Wait (with the group's start-up timeout, not the per-message one) until every rank has built
        its state, so that a slow start is never mistaken for a stalled peer."""
        self.dist.barrier()

    # -- point to point ----------------------------------------------------------------------------
    def _send_parts(self, dst: int, head, payload: bytes, residual: bytes, what: str):
        self._wait(lambda: self.dist.isend(head, dst), dst, what)
        for data in (payload, residual):
            if data:
                self._wait(lambda: self.dist.isend(self._tensor(data), dst), dst, what)

    def _head(self, kind: int, nbits: int, nres: int, tag: int):
        return self.torch.tensor([kind, nbits, nres, tag],
                                 dtype=self.torch.int64).to(self.device)

    def send(self, dst: int, nbits: int = 0, payload: bytes = b"", residual: bytes = b"", tag: int = 0,
             kind: int = KIND_MESSAGE, what: str = "message"):
        """One message to ``dst`` (a control ``kind`` sends the header only)."""
        if kind != KIND_MESSAGE:
            payload, residual, nbits = b"", b"", 0
        self._send_parts(dst, self._head(kind, nbits, len(residual), tag), payload, residual, what)
        self._count(self.sent, payload, residual)

    def broadcast(self, dsts, nbits: int, payload: bytes, residual: bytes, tag: int = 0):
        """The server's broadcast: the same message to every rank in ``dsts`` (point to point, so a
        failure names the rank), counted once, as the simulation counts a broadcast."""
        head = self._head(KIND_MESSAGE, nbits, len(residual), tag)
        for dst in dsts:
            self._send_parts(dst, head, payload, residual, "broadcast")
        self._count(self.sent, payload, residual)

    def recv(self, src: int, what: str = "message"):
        """``(kind, nbits, payload, residual, tag)`` from ``src``."""
        head = self.torch.zeros(HEADER_WORDS, dtype=self.torch.int64, device=self.device)
        self._wait(lambda: self.dist.irecv(head, src), src, what)
        kind, nbits, nres, tag = (int(v) for v in head.cpu().tolist())
        if kind != KIND_MESSAGE:
            self._count(self.received, b"", b"")
            return kind, 0, b"", b"", tag
        payload = self._recv_bytes(src, (nbits + 7) // 8, what)
        residual = self._recv_bytes(src, nres, what)
        self._count(self.received, payload, residual)
        return kind, nbits, payload, residual, tag

    def _recv_bytes(self, src, n, what) -> bytes:
        if n == 0:
            return b""
        buf = self.torch.zeros(n, dtype=self.torch.uint8, device=self.device)
        self._wait(lambda: self.dist.irecv(buf, src), src, what)
        return bytes(buf.cpu().numpy().tobytes())


def as_float64_row(values) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).reshape(-1))
