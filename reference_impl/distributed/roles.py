"""The stand-ins through which one algorithm file runs on a server rank and on worker ranks.

Every algorithm's ``step`` reaches the outside world only through the problem (gradients, minibatch
draws) and its compressor objects. A rank therefore runs the library's own ``step`` unchanged, with those
two replaced:

* on a **worker** rank ``i`` (N = 1): :class:`WorkerProblem` computes only worker i's gradient from its
  own shard; an uplink compressor is a :class:`Sender` (compresses the rank's row, encodes it with the
  compressor's real encoder, queues the bytes for the server); a downlink compressor is a
  :class:`Listener` (receives the server's broadcast and decodes it);
* on the **server** rank 0 (the full worker axis N): :class:`ServerProblem` receives the N uploads
  where the step asks for gradients; an uplink compressor is a :class:`Receiver` (hands the decoded
  uploads to the step's own update rules); a downlink compressor is a :class:`Broadcaster`.

Randomness: the simulation draws from one ``numpy.random.Generator``, vectorised over the worker axis
(``rng.random((N, d))``, ``sample_batch`` drawing keys for all N workers). Every rank holds a replica of
that generator (same seed) and makes exactly the simulation's calls with the simulation's shapes: a
Sender compresses an (N, d) batch whose row i is the rank's vector and whose other rows are zero, and
keeps row i; a Receiver / Listener replays the compressor's draws (:meth:`~reference_impl.distributed.codecs.Codec.replay`); minibatch rows
are drawn for all N workers from the shard sizes only, and row i is kept. This is exact for compressors
that act row by row and whose draws do not depend on the values (true of Identity, Top-k, Rand-k and
QSGD; ``tests/test_distributed.py`` checks it; 000's lattice quantizer draws nothing).

IADE's round 0 (``announce_radius_round``): the radius of a worker's code is the norm of its vector,
which the worker announces (32 bits, counted by the simulation); :class:`ServerProblem` hands the step a
row of that norm, so the server's step derives the same radii. The server's downlink radius (the
largest norm plus sigma) is announced back by the :class:`Broadcaster`; the simulation does not count
that message, so it is recorded as ``uncounted_bytes``. The price: every rank generates the N x d random
numbers of a round (not N x the gradient work); per-worker streams would avoid it but would change
the simulation's random numbers, which this package keeps fixed.
"""
from __future__ import annotations

import numpy as np

from reference_impl.algorithms.double_encoding import row_norms
from reference_impl.compressors.base import Compressed, Compressor, check_batch
from reference_impl.distributed.codecs import (IdentityCodec, apply_residual, bits_to_bytes, bytes_to_bits,
                                               residual_of, row_kwargs)
from reference_impl.compressors.sparsification import Identity

TAG_FULL, TAG_COMPRESSED, TAG_NORM = 0, 1, 2   # full-precision row, compressor message, announced norm


class Outbox(list):
    """Messages a worker queued during its step: ``(tag, nbits, payload, residual)``."""


def encode_row(codec, msg, expected_bits: int, residual: bool, replayed=None, row: int = 0):
    """``(nbits, payload, residual bytes)`` of one row; the bit length must equal the simulation's."""
    bits = codec.encode(msg)
    if len(bits) != int(expected_bits):
        raise RuntimeError(f"{codec.compressor!r}: the encoder wrote {len(bits)} bits where the simulation counts "
                           f"{int(expected_bits)} (e.g. a row outside the radius the receiver expects)")
    payload = bits_to_bytes(bits)
    res = b""
    if residual:
        decoded = codec.decode(bits, len(msg.values), replayed, row, **(msg.kw or {}))
        res = residual_of(msg.values, decoded)
    return len(bits), payload, res


def decode_row(codec, nbits: int, payload: bytes, res: bytes, d: int, replayed=None, row: int = 0, **kw):
    decoded = codec.decode(bytes_to_bits(payload, nbits), d, replayed, row, **kw)
    return apply_residual(decoded, res)


class _StandIn(Compressor):
    """A compressor object that looks like ``codec.compressor`` to the factories (kind, constant)."""

    def __init__(self, codec):
        c = codec.compressor
        self.codec, self.kind, self.biased, self.name = codec, c.kind, c.biased, c.name

    def constant(self, d):
        return self.codec.compressor.constant(d)

    def constant_exact(self, d):
        return self.codec.compressor.constant_exact(d)

    def __getattr__(self, attr):          # k, levels, ...
        return getattr(self.__dict__["codec"].compressor, attr)


class Sender(_StandIn):
    """Worker i's uplink compressor: compress row i inside the simulation's (N, d) call; queue its bytes."""

    def __init__(self, codec, outbox: Outbox, n_workers: int, rank_row: int, residual: bool):
        super().__init__(codec)
        self.outbox, self.N, self.i, self.residual = outbox, n_workers, rank_row, residual

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        M, d = check_batch(xp, X)
        if M != 1:
            raise ValueError(f"a worker rank compresses its own row only, got {M} rows")
        full = xp.zeros((self.N, d))
        full[self.i] = X[0]
        for k, v in kwargs.items():          # a per-row argument (the radius): row i's value for every row
            if np.ndim(v) and np.size(v) == 1:
                kwargs[k] = np.full(self.N, float(np.asarray(v).ravel()[0]))
        out, rows = self.codec.compress(xp, full, rng, **kwargs)
        nbits, payload, res = encode_row(self.codec, rows[self.i], out.bits[self.i], self.residual,
                                         _masks(rows), self.i)
        self.outbox.append((TAG_COMPRESSED, nbits, payload, res))
        sl = slice(self.i, self.i + 1)
        return Compressed(values=out.values[sl], bits=np.asarray(out.bits)[sl], overflow=np.asarray(out.overflow)[sl])


def _masks(rows):
    """The masks of a batch's rows (the receiver replays them for shared-randomness rand-k)."""
    if rows and rows[0].mask is not None:
        return np.stack([r.mask for r in rows])
    return None


class Receiver(_StandIn):
    """The server's uplink compressor: replay the draws, return the decoded uploads of this call."""

    def __init__(self, codec, inbox: list):
        super().__init__(codec)
        self.inbox = inbox

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        replayed = self.codec.replay(xp, N, d, rng)
        msgs = [self.inbox[i].pop(0) for i in range(N)]
        bad = [i + 1 for i, m in enumerate(msgs) if m[0] != TAG_COMPRESSED]
        if bad:
            raise RuntimeError(f"ranks {bad} sent a full-precision upload where the step compresses")
        rows = [decode_row(self.codec, m[1], m[2], m[3], d, replayed, i, **row_kwargs(kwargs, i, N))
                for i, m in enumerate(msgs)]
        return Compressed(values=xp.asarray(np.stack(rows)), bits=np.array([m[1] for m in msgs], dtype=np.int64),
                          overflow=np.zeros(N, dtype=bool))


class Broadcaster(_StandIn):
    """The server's downlink compressor: compress, then send each row's bytes to every worker."""

    def __init__(self, codec, link, residual: bool, announce_radius_round: int | None = None):
        super().__init__(codec)
        self.link, self.residual, self.announce = link, residual, announce_radius_round

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        if self.announce is not None and self.link.ch.round == self.announce:
            # the receivers need the radius the server chose (IADE's round 0: the largest announced norm
            # plus sigma); the simulation does not count this message, so it is recorded apart
            r = np.atleast_1d(np.asarray(kwargs["radius"], dtype=np.float64))
            self.link.broadcast_message(TAG_FULL, *encode_row(FULL, _full_row(r), 32 * r.size, True), counted=False)
        out, rows = self.codec.compress(xp, X, rng, **kwargs)
        masks = _masks(rows)
        for r, msg in enumerate(rows):
            nbits, payload, res = encode_row(self.codec, msg, out.bits[r], self.residual, masks, r)
            self.link.broadcast_message(TAG_COMPRESSED, nbits, payload, res)
        return out


class Listener(_StandIn):
    """A worker's downlink compressor: send the uploads queued so far, receive the broadcast row(s),
    replay the draws, decode."""

    def __init__(self, codec, link, outbox: Outbox, announce_radius_round: int | None = None):
        super().__init__(codec)
        self.link, self.outbox, self.announce = link, outbox, announce_radius_round

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        M, d = check_batch(xp, X)
        if self.outbox:            # the server answers uploads made earlier in this step: send them first
            self.link.flush(self.outbox)
        if self.announce is not None and self.link.ch.round == self.announce:
            _, nbits, payload, res = self.link.receive_broadcast("downlink radius")
            kwargs = dict(kwargs, radius=float(decode_row(FULL, nbits, payload, res, nbits // 32)[0]))
        replayed = self.codec.replay(xp, M, d, rng)
        rows, bits = [], []
        for r in range(M):
            _, nbits, payload, res = self.link.receive_broadcast("downlink message")
            rows.append(decode_row(self.codec, nbits, payload, res, d, replayed, r, **row_kwargs(kwargs, r, M)))
            bits.append(nbits)
        return Compressed(values=xp.asarray(np.stack(rows)), bits=np.array(bits, dtype=np.int64),
                          overflow=np.zeros(M, dtype=bool))


#: The codec of full-precision rows (float32 payload, 32 bits per entry).
#:
#: :meta hide-value:
FULL = IdentityCodec(Identity())


def _full_row(values):
    from reference_impl.distributed.codecs import RowMessage
    return RowMessage(np.ascontiguousarray(values, dtype=np.float64), None)


class _Delegating:
    """Attributes not defined here come from the wrapped problem (name, L, mu, d, x0, ...)."""

    def __getattr__(self, attr):
        return getattr(self.__dict__["_base"], attr)


class WorkerProblem(_Delegating):
    """Worker i's view: N = 1, its own shard for gradients, the shard sizes only for minibatch draws."""

    def __init__(self, shard, sampler, rank_row: int, announce=None):
        self._base, self._sampler, self.i = shard, sampler, rank_row
        self.N = 1
        self._announce = announce       # (round, link, outbox): queue the gradient's norm in that round

    def worker_grads(self, xp, X):
        G = self._base.worker_grads(xp, X)
        if self._announce is not None and self._announce[1].ch.round == self._announce[0]:
            # IADE's round 0: the worker announces ||g_i|| (the radius of its code; 32 bits in the simulation)
            norm = row_norms(xp, G)
            self._announce[2].append((TAG_NORM, *encode_row(FULL, _full_row(norm), 32, True)))
        return G

    def sample_batch(self, rng, batch, replace=True):
        return self._sampler.sample_batch(rng, batch, replace)[self.i:self.i + 1]

    @property
    def sizes(self):
        return self._sampler.sizes


class ServerProblem(_Delegating):
    """The server's view: gradients are the N workers' uploads (received here); minibatch draws are
    replayed; loss, x*, f* (for the recorded metrics only) come from the full problem."""

    def __init__(self, problem, link, sampler):
        self._base, self.link, self._sampler = problem, link, sampler

    def worker_grads(self, xp, X):
        return self.link.collect_uploads(xp, self._base.d)

    def stochastic_worker_grads(self, xp, X, rows):
        return self.link.collect_uploads(xp, self._base.d)

    def sample_batch(self, rng, batch, replace=True):
        return self._sampler.sample_batch(rng, batch, replace)
