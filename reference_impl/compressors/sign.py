"""Sign compressors of 002: the scaled sign and Block-Sign (biased, contractive).

* :class:`ScaledSign` - ``C(x) = sign(x) ||x||_1 / d`` (Karimireddy, Rebjock, Stich, Jaggi 2019, "Error
  feedback fixes SignSGD", [18] of the draft). ``||C(x) - x||^2 = ||x||^2 - ||x||_1^2 / d``, so it is
  contractive with ``delta = ||x||_1^2 / (d ||x||^2) >= 1/d`` (``q^2 = 1 - 1/d`` in the draft's Assumption 4).
* :class:`BlockSign` - the scaled sign applied block by block: ``sign(x_b) * mean_j |x_j|`` on each block
  ``b`` of coordinates. The authors' public code (``BelhalK/baiduresearch``, COMP-AMS) uses one block per
  layer. Contractive with ``delta = 1/B`` (``q^2 = 1 - 1/B``), ``B`` the largest block: the bound of the
  scaled sign holds on each block.

Constants come from :mod:`theory.compams` (``scaled_sign_delta``, ``block_sign_delta``).

Bits per row (real encoder :meth:`BlockSign.encode` / :meth:`BlockSign.decode`, round-trip tested):
per block, one float32 magnitude, one flag bit saying whether the block holds an exact zero (then a
zero mask of the block's size follows: ``sign(0) = 0``, as ``torch.sign`` in the authors' code, which one
sign bit cannot say), and one sign bit per coordinate (``1`` = negative). Float gradients almost never
hold exact zeros, so a row costs ``33 * blocks + d`` bits in practice; zeros are counted when they occur.

Backends: the mean of absolute values and the sign are rational, so both run exactly on
:data:`~reference_impl.backends.EXACT`; vectorised over the worker axis ``(N, d)`` on numpy and torch.
"""
from __future__ import annotations

import numbers
import struct
from fractions import Fraction
from typing import Sequence

import numpy as np

from reference_impl.compressors.base import Compressed, Compressor, check_batch

FLOAT_BITS = 32


def _float32_bits(x: float) -> str:
    return format(int.from_bytes(struct.pack(">f", float(x)), "big"), "032b")


def _float32_value(bits: str) -> float:
    return struct.unpack(">f", int(bits, 2).to_bytes(4, "big"))[0]


def _host(xp, X) -> np.ndarray:
    if getattr(xp, "torch", None) is not None:
        return X.detach().cpu().numpy()
    return np.asarray(X)


class BlockSign(Compressor):
    """``sign(x_b) * mean_{j in b} |x_j|`` on every block ``b`` (contractive, ``delta = 1/B``).

    Args:
        blocks: the block sizes (positive integers), in coordinate order; they must sum to ``d`` when
            called. ``None``: one block, i.e. :class:`ScaledSign`.
    """

    kind = "contractive"
    biased = True

    def __init__(self, blocks: Sequence[int] | None = None) -> None:
        if blocks is not None:
            spec = "None or a non-empty list of integers >= 1 (the block sizes, summing to d)"
            shown = repr(blocks) if len(repr(blocks)) <= 80 else repr(blocks)[:77] + "..."
            ok = (isinstance(blocks, (list, tuple, np.ndarray)) and np.ndim(blocks) == 1 and len(blocks) > 0
                  and all(isinstance(b, numbers.Integral) and not isinstance(b, (bool, np.bool_)) and b >= 1
                          for b in blocks))
            if not ok:
                raise ValueError(f"blocks must be {spec}, got {shown}")
            blocks = tuple(int(b) for b in blocks)
        self.blocks = blocks
        self.name = "scaled-sign" if blocks is None else f"block-sign({len(blocks)} blocks)"

    def block_sizes(self, d: int) -> tuple[int, ...]:
        if self.blocks is None:
            return (d,)
        if sum(self.blocks) != d:
            raise ValueError(f"blocks must sum to the vectors' dimension d={d}, got {self.blocks} (block sizes sum to "
                             f"{sum(self.blocks)})")
        return self.blocks

    def constant_exact(self, d: int):
        """delta = 1/B (B the largest block), from :mod:`theory.compams`."""
        from theory import compams

        return compams.block_sign_delta.subs(compams.B, max(self.block_sizes(d)))

    def constant(self, d: int) -> float:
        return float(self.constant_exact(d))

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        sizes = self.block_sizes(d)
        parts, start = [], 0
        A, S = xp.abs(X), xp.sign(X)
        for size in sizes:
            stop = start + size
            scale = xp.sum(A[:, start:stop], axis=1) / xp.scalar(size)
            parts.append(S[:, start:stop] * scale[:, None])
            start = stop
        values = parts[0] if len(parts) == 1 else _concat(xp, parts)
        zeros = _host(xp, X) == 0
        bits = np.full(N, (FLOAT_BITS + 1) * len(sizes) + d, dtype=np.int64)
        start = 0
        for size in sizes:   # blocks holding an exact zero also send their zero mask
            has_zero = zeros[:, start:start + size].any(axis=1)
            bits += np.where(has_zero, size, 0)
            start += size
        return Compressed(values=values, bits=bits, overflow=np.zeros(N, dtype=bool))

    # -- the real encoder ------------------------------------------------------------------------
    def encode(self, row) -> str:
        """Per block: float32 mean|x_b|, a zero flag, the zero mask if flagged, one sign bit per coordinate."""
        row = np.asarray(row, dtype=object)
        out, start = [], 0
        for size in self.block_sizes(len(row)):
            block = row[start:start + size]
            scale = sum((abs(v) for v in block), Fraction(0) if isinstance(block[0], Fraction) else 0.0) / size
            zero = [v == 0 for v in block]
            out.append(_float32_bits(float(scale)))
            out.append("1" if any(zero) else "0")
            if any(zero):
                out.append("".join("1" if z else "0" for z in zero))
            out.append("".join("1" if v < 0 else "0" for v in block))
            start += size
        return "".join(out)

    def decode(self, bits: str, d: int) -> np.ndarray:
        """The float64 row a receiver reconstructs (the magnitude rounded to float32)."""
        out, pos, start = np.zeros(d), 0, 0
        for size in self.block_sizes(d):
            scale = _float32_value(bits[pos:pos + FLOAT_BITS])
            pos += FLOAT_BITS
            flag = bits[pos] == "1"
            pos += 1
            zero = [False] * size
            if flag:
                zero = [c == "1" for c in bits[pos:pos + size]]
                pos += size
            signs = bits[pos:pos + size]
            pos += size
            for j in range(size):
                out[start + j] = 0.0 if zero[j] else (-scale if signs[j] == "1" else scale)
            start += size
        if pos != len(bits):
            raise ValueError(f"{len(bits) - pos} trailing bits after the Block-Sign message")
        return out


class ScaledSign(BlockSign):
    """``sign(x) ||x||_1 / d``: Block-Sign with one block (contractive, ``delta = 1/d``)."""

    def __init__(self) -> None:
        super().__init__(None)


def _concat(xp, parts):
    if getattr(xp, "torch", None) is not None:
        return xp.torch.cat(parts, dim=1)
    return np.concatenate(parts, axis=1)
