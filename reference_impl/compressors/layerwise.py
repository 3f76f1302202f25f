"""Layer-wise compression: one compressor applied to each block of coordinates (a network's parameter tensors).

004's deep-learning code (``philipco/mcm-bidirectional-compression``, ``src/deeplearning/OptimizerSGD.py``)
compresses every parameter tensor of the network separately (``for p in group['params']: ...
compress(loc_grad)``): each layer is quantized with its own norm. :class:`Layerwise` is that rule as a
wrapper around any compressor (composition, like error feedback and FCC): for blocks ``B_1, ..., B_m``
of sizes ``d_1 + ... + d_m = d``::

    C(x) = (C_1(x_{B_1}), ..., C_m(x_{B_m}))        bits = sum of the blocks' measured bits

Constants. Unbiased blocks: ``E[C(x)] = x`` and ``E||C(x) - x||^2 = sum_b E||C_b(x_b) - x_b||^2 <= sum_b
omega(d_b) ||x_b||^2 <= max_b omega(d_b) ||x||^2``, so ``omega = max_b omega(d_b)`` (tight when x lives
in the worst block). Contractive blocks: ``||C(x) - x||^2 <= sum_b (1 - delta(d_b)) ||x_b||^2 <= (1 -
min_b delta(d_b)) ||x||^2``, so ``delta = min_b delta(d_b)``. The constants of the blocks come from the
wrapped compressor (hence from :mod:`theory`).

One difference from the authors' code remains: their memory rate ``alpha = 1/(2(omega_l + 1))`` is set per
tensor; the algorithms here take one rate, ``1/(2(omega + 1))`` with the layer-wise omega above (the
smallest of the per-layer rates).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from reference_impl.compressors.base import Compressed, Compressor, check_batch
from reference_impl.validation import require


class Layerwise(Compressor):
    """``make()`` (a fresh compressor per block) applied to consecutive column blocks of sizes ``blocks``."""

    def __init__(self, make: Callable[[], Compressor], blocks: Sequence[int]) -> None:
        blocks = tuple(int(b) for b in blocks)
        require(len(blocks) > 0 and all(b >= 1 for b in blocks), f"blocks must be positive integers, got {blocks}")
        self.blocks = blocks
        self.parts = [make() for _ in blocks]
        base = self.parts[0]
        require(base.kind in ("unbiased", "contractive"),
                f"Layerwise needs an unbiased or contractive compressor, got kind {base.kind!r}")
        self.kind, self.biased = base.kind, base.biased
        self.name = f"layerwise({base.name}, {len(blocks)} blocks)"
        self._starts = np.concatenate([[0], np.cumsum(blocks)])

    @property
    def d(self) -> int:
        return int(self._starts[-1])

    def _check_d(self, d: int) -> None:
        require(int(d) == self.d, f"Layerwise blocks sum to d = {self.d}, the vectors have d = {d}")

    def constant(self, d: int):
        """omega = max over blocks (unbiased), delta = min over blocks (contractive); see the module docstring."""
        self._check_d(d)
        values = [c.constant(b) for c, b in zip(self.parts, self.blocks)]
        return max(values) if self.kind == "unbiased" else min(values)

    def outcomes(self, xp, x, inner=None):
        """The finite support of ``C(x)`` for one row: the product of the blocks' supports (each block
        draws its own randomness), or None when a block has none; ``inner`` as in
        :meth:`~reference_impl.compressors.fcc.FCC.outcomes`."""
        import itertools

        self._check_d(int(x.shape[0]))
        parts = []
        for c, s, e in zip(self.parts, self._starts[:-1], self._starts[1:]):
            block = x[int(s):int(e)]
            support = inner(c, xp, block) if inner is not None else \
                (c.outcomes(xp, block) if hasattr(c, "outcomes") else None)
            if support is None:
                return None
            parts.append(list(support))
        concat = (lambda vs: xp.torch.cat(vs)) if hasattr(xp, "torch") else np.concatenate
        out = []
        for combo in itertools.product(*parts):
            prob = combo[0][0]
            for p, _ in combo[1:]:
                prob = prob * p
            out.append((prob, concat([v for _, v in combo])))
        return out

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        self._check_d(d)
        values, bits, overflow = [], np.zeros(N, dtype=np.int64), np.zeros(N, dtype=bool)
        for c, s, e in zip(self.parts, self._starts[:-1], self._starts[1:]):
            out = c(xp, X[:, int(s):int(e)], rng, **kwargs)
            values.append(out.values)
            bits += np.asarray(out.bits, dtype=np.int64)
            overflow |= np.asarray(out.overflow, dtype=bool)
        V = xp.torch.cat(values, dim=1) if hasattr(xp, "torch") else np.concatenate(values, axis=1)
        return Compressed(values=V, bits=bits, overflow=overflow)
