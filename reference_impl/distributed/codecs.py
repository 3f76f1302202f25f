"""Wire codecs: one row of a compressor's output as the real bytes of that compressor's encoder.

The library's encoders (``Identity.encode``, ``TopK.encode``, ``RandK.encode``, ``QSGD.encode``) write a
bit string whose length is the bit count the simulation records, with the kept values as float32. The
simulation itself computes in float64. So that a distributed run can equal the simulation bit for bit,
each message travels as two parts, counted apart:

* the **payload**: the encoder's bit string packed into ``ceil(bits / 8)`` bytes (what a deployment sends;
  its length is checked against the simulation's bit count at the sender);
* the **residual**: for every position the decoded payload leaves non-zero, the XOR of the float64 bit
  patterns of the exact value and of the decoded (float32-rounded) value, 8 bytes each; it exists only so
  the receiver rebuilds the simulation's float64 values exactly. Dropping it (``residual=False``) is the
  deployment; its bytes are reported separately and never mixed into the payload count.

A codec knows how to encode one row given what its compressor computed (:class:`RowMessage`) and how to
replay that compressor's random draws on a receiving rank (:meth:`Codec.replay`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from reference_impl.compressors.base import Compressed
from reference_impl.compressors.qsgd import QSGD, _host_levels, message_bits
from reference_impl.compressors.sign import BlockSign, ScaledSign
from reference_impl.compressors.sparsification import Identity, RandK, TopK
from reference_impl.compressors.uniform import UniformQuantizer


def bits_to_bytes(bits: str) -> bytes:
    """Pack a '0'/'1' string into ``ceil(len / 8)`` bytes (zero padding at the end)."""
    n = len(bits)
    if n == 0:
        return b""
    padded = bits + "0" * (-n % 8)
    return int(padded, 2).to_bytes(len(padded) // 8, "big")


def bytes_to_bits(data: bytes, nbits: int) -> str:
    """The first ``nbits`` bits of ``data`` as a '0'/'1' string."""
    if nbits == 0:
        return ""
    return bin(int.from_bytes(data, "big"))[2:].zfill(8 * len(data))[:nbits]


def residual_of(exact: np.ndarray, decoded: np.ndarray) -> bytes:
    """Residual bytes: flag byte 0 + XOR words on the decoded row's support, or flag 1 + all d words when
    the exact row is non-zero somewhere the decoded row is zero (e.g. a float32 underflow), or the flag
    byte 2 alone when the decoded row is already exact."""
    x = np.ascontiguousarray(exact, dtype=np.float64).view(np.uint64)
    y = np.ascontiguousarray(decoded, dtype=np.float64).view(np.uint64)
    xor = x ^ y
    if not np.any(xor):
        return b"\x02"                       # the payload is already exact (e.g. lattice points)
    support = decoded != 0
    if np.any(xor[~support]):
        return b"\x01" + xor.astype(">u8").tobytes()
    return b"\x00" + xor[support].astype(">u8").tobytes()


def apply_residual(decoded: np.ndarray, residual: bytes) -> np.ndarray:
    """The exact float64 row from the decoded row and :func:`residual_of`'s bytes."""
    if not residual or residual[0] == 2:
        return decoded
    y = np.ascontiguousarray(decoded, dtype=np.float64).copy().view(np.uint64)
    words = np.frombuffer(residual[1:], dtype=">u8").astype(np.uint64)
    if residual[0] == 1:
        y ^= words
    else:
        y[decoded != 0] ^= words
    return y.view(np.float64)


@dataclasses.dataclass
class RowMessage:
    """What a sender needs to encode one row: the decoded values and the compressor's side facts."""
    values: np.ndarray        # (d,) float64, the row the simulation records
    mask: np.ndarray | None   # (d,) bool for the sparsifiers
    levels: np.ndarray | None = None  # (d,) int64 signed levels for QSGD
    norm: float | None = None
    v_in: np.ndarray | None = None    # (d,) the compressed input (the lattice code ranks the rounded input)
    kw: dict | None = None            # the per-row keyword arguments of the call (sigma, radius)


class Codec:
    """Encode/decode rows of one compressor; compress a batch keeping the facts the encoder needs."""

    def __init__(self, compressor) -> None:
        self.compressor = compressor

    def compress(self, xp, X, rng, **kwargs) -> tuple[Compressed, list[RowMessage]]:
        out = self.compressor(xp, X, rng, **kwargs)
        V = xp.to_numpy(out.values)
        return out, [RowMessage(V[i], None) for i in range(V.shape[0])]

    def replay(self, xp, N: int, d: int, rng):
        """Consume exactly the random numbers one call on an (N, d) batch consumes; return what a
        receiver needs to decode (the masks of shared-randomness rand-k), else None."""
        self.compressor(xp, xp.zeros((N, d)), rng)
        return None

    def encode(self, msg: RowMessage) -> str:
        raise NotImplementedError

    def decode(self, bits: str, d: int, replayed=None, row: int = 0, **kw) -> np.ndarray:
        return np.asarray(self.compressor.decode(bits, d), dtype=np.float64)


class IdentityCodec(Codec):
    def encode(self, msg):
        return self.compressor.encode(msg.values)


class TopKCodec(Codec):
    def compress(self, xp, X, rng, **kwargs):
        out = self.compressor(xp, X, rng, **kwargs)
        V = xp.to_numpy(out.values)
        M = np.asarray(xp.to_numpy(self.compressor.select(xp, X)), dtype=bool)
        return out, [RowMessage(V[i], M[i]) for i in range(V.shape[0])]

    def encode(self, msg):
        return self.compressor.encode(msg.values, msg.mask)


class RandKCodec(Codec):
    """Rand-k: the same draws as ``RandK.__call__`` (``select`` then ``apply``), keeping the masks."""

    def compress(self, xp, X, rng, **kwargs):
        c = self.compressor
        N, d = tuple(X.shape)
        mask = c.select(rng, N, d)
        out = Compressed(values=c.apply(xp, X, mask), bits=np.full(N, 32 * c.k + c.index_bits(d), dtype=np.int64),
                         overflow=np.zeros(N, dtype=bool))
        V = xp.to_numpy(out.values)
        return out, [RowMessage(V[i], mask[i]) for i in range(N)]

    def replay(self, xp, N, d, rng):
        return self.compressor.select(rng, N, d)

    def encode(self, msg):
        return self.compressor.encode(msg.values, msg.mask)

    def decode(self, bits, d, replayed=None, row=0, **kw):
        mask = None if replayed is None else replayed[row]
        return np.asarray(self.compressor.decode(bits, d, mask), dtype=np.float64)


class QSGDCodec(Codec):
    """QSGD: the same draws as ``QSGD.__call__`` (``quantize``), keeping norms and signed levels."""

    def compress(self, xp, X, rng, **kwargs):
        c = self.compressor
        norms, xi = c.quantize(xp, X, rng)
        values = norms[:, None] * xp.sign(X) * xi / xp.scalar(c.levels)
        levels = c.signed_levels(xp, X, xi)
        bits = message_bits(_host_levels(xp, xi))        # as QSGD.__call__
        out = Compressed(values=values, bits=bits, overflow=np.zeros(len(bits), dtype=bool))
        V, nrm = xp.to_numpy(values), np.asarray(xp.to_numpy(norms), dtype=np.float64)
        return out, [RowMessage(V[i], None, levels[i], float(nrm[i])) for i in range(V.shape[0])]

    def encode(self, msg):
        return self.compressor.encode(msg.levels, msg.norm)


class SignCodec(Codec):
    """Block-Sign / scaled sign (002): per block a float32 mean magnitude, a zero flag (and mask), the
    signs; deterministic. The encoder reads the compressed input row."""

    def compress(self, xp, X, rng, **kwargs):
        out = self.compressor(xp, X, rng, **kwargs)
        V, Xin = xp.to_numpy(out.values), xp.to_numpy(X)
        return out, [RowMessage(V[i], None, v_in=Xin[i]) for i in range(V.shape[0])]

    def encode(self, msg):
        return self.compressor.encode(msg.v_in)


def row_kwargs(kwargs: dict, i: int, n: int) -> dict:
    """Row i's keyword arguments of a batch call (a per-row array, e.g. the radii, gives its entry i)."""
    return {k: (np.asarray(v).ravel()[i] if np.ndim(v) and np.size(v) == n else v) for k, v in kwargs.items()}


class LatticeCodec(Codec):
    """000's ``Q(v, sigma)`` (:class:`~reference_impl.compressors.uniform.UniformQuantizer`): the rank of the
    rounded lattice point in the receiver's ball (``code_bits(d, T)`` bits; deterministic, no draws). A
    row outside the ball (an overflow) has no encoder here: the sender then stops with a clear error."""

    def compress(self, xp, X, rng, **kwargs):
        out = self.compressor(xp, X, rng, **kwargs)
        V, Xin, n = xp.to_numpy(out.values), xp.to_numpy(X), X.shape[0]
        return out, [RowMessage(V[i], None, v_in=Xin[i], kw=row_kwargs(kwargs, i, n)) for i in range(n)]

    def replay(self, xp, N, d, rng):
        return None

    def encode(self, msg):
        message, nbits = self.compressor.encode(msg.v_in, **msg.kw)
        return format(message, f"0{nbits}b") if nbits else ""

    def decode(self, bits, d, replayed=None, row=0, **kw):
        return np.asarray(self.compressor.decode(int(bits, 2) if bits else 0, d, **kw), dtype=np.float64)


#: Compressor class -> its :class:`Codec` (register your own here).
#:
#: :meta hide-value:
CODECS = {Identity: IdentityCodec, TopK: TopKCodec, RandK: RandKCodec, QSGD: QSGDCodec,
          BlockSign: SignCodec, ScaledSign: SignCodec, UniformQuantizer: LatticeCodec}


def codec_for(compressor) -> Codec:
    """The wire codec of a compressor; a clear error naming the supported ones otherwise."""
    cls = CODECS.get(type(compressor))
    if cls is None:
        names = ", ".join(c.__name__ for c in CODECS)
        raise ValueError(f"compressor {compressor!r} has no wire codec yet; supported: {names} "
                         "(add a Codec subclass in reference_impl/distributed/codecs.py)")
    return cls(compressor)
