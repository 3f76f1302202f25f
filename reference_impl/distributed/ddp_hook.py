"""Our compressors inside ``DistributedDataParallel``: a communication hook with error feedback.

``model.register_comm_hook(CompressionState(compressor), compressed_allreduce_hook)`` replaces DDP's
all-reduce of each gradient bucket ``g`` (the flattened gradients of some parameters) by::

    v      = g + e                 e: this rank's error of the bucket (0 at the start; EF14, as in
    m      = C(v)                     Mem-SGD / 001's error feedback, 002's COMP-AMS Algorithm 1)
    e     <- v - decode(encode(m)) (the error of what the other ranks will actually read)
    g_avg  = (1/n) sum_r decode(encode(m_r))     every rank decodes every rank's bytes, in rank order

The messages are the compressor's real encoded bytes (float32 values, the encoders of
:mod:`reference_impl.compressors`), exchanged with ``all_gather`` (lengths first, then the bytes padded to
the longest). Every rank sums the same decoded messages in the same order, so every rank gets the same
``g_avg`` bit for bit and identical optimizer steps follow (plain SGD, or AMSGrad: the compressed-AMSGrad
path of 002, where the server's moment estimates are replicated on every rank). With the identity
compressor and two ranks the hook equals DDP's own all-reduce exactly (float32 addition of two halves
is commutative), which ``tests/test_distributed_ddp.py`` checks.

``error_feedback=False`` sends ``C(g)`` (right for unbiased compressors). Multi-round FCC is a compressor
(:class:`~reference_impl.compressors.fcc.FCC`) but has no wire codec yet; the hook accepts any compressor
with a codec in :mod:`reference_impl.distributed.codecs` (Identity, Top-k, Rand-k, QSGD, Block-Sign).
"""
import numpy as np
import torch
import torch.distributed as dist

from reference_impl.backends import NUMPY
from reference_impl.distributed.codecs import bits_to_bytes, bytes_to_bits, codec_for


class CompressionState:
    """Per-model hook state: the codec, one error per bucket, a generator, byte counters."""

    def __init__(self, compressor, error_feedback: bool = True, seed: int = 0, process_group=None):
        self.codec = codec_for(compressor)
        self.error_feedback = bool(error_feedback)
        self.group = process_group
        rank = dist.get_rank(process_group)
        self.rng = np.random.default_rng([seed, rank])   # a rank's own stream (rand-k, QSGD)
        self.errors = {}               # bucket index -> this rank's error (float64)
        self.payload_bytes = 0         # what this rank sent (its own messages)
        self.dense_bytes = 0           # what an uncompressed float32 all-reduce would send (4 per entry)
        self.calls = 0

    def exchange(self, payload: bytes, nbits: int) -> list:
        """Every rank's ``(nbits, payload)``, in rank order."""
        world = dist.get_world_size(self.group)
        head = torch.tensor([nbits, len(payload)], dtype=torch.int64)
        heads = [torch.zeros(2, dtype=torch.int64) for _ in range(world)]
        dist.all_gather(heads, head, group=self.group)
        longest = max(int(h[1]) for h in heads)
        buf = torch.zeros(longest, dtype=torch.uint8)
        if payload:
            buf[:len(payload)] = torch.frombuffer(bytearray(payload), dtype=torch.uint8)
        bufs = [torch.zeros(longest, dtype=torch.uint8) for _ in range(world)]
        dist.all_gather(bufs, buf, group=self.group)
        return [(int(h[0]), bytes(b[:int(h[1])].numpy().tobytes())) for h, b in zip(heads, bufs)]


def compressed_allreduce_hook(state: CompressionState, bucket) -> torch.futures.Future[torch.Tensor]:
    # (no ``from __future__ import annotations`` in this file: DDP reads this annotation at run time)
    """The DDP communication hook (``register_comm_hook(state, compressed_allreduce_hook)``)."""
    g = bucket.buffer()
    d = g.numel()
    v = g.detach().cpu().double().numpy().copy()
    key = bucket.index()
    if state.error_feedback:
        v = v + state.errors.get(key, 0.0)
    out, rows = state.codec.compress(NUMPY, v[None, :], state.rng)
    bits = state.codec.encode(rows[0])
    masks = None if rows[0].mask is None else rows[0].mask[None, :]
    mine = state.codec.decode(bits, d, masks, 0)
    if state.error_feedback:
        state.errors[key] = v - mine
    payload = bits_to_bytes(bits)
    state.payload_bytes += len(payload)
    state.dense_bytes += 4 * d
    state.calls += 1
    world = dist.get_world_size(state.group)
    total = torch.zeros(d, dtype=g.dtype)
    for nb, data in state.exchange(payload, len(bits)):
        row = state.codec.decode(bytes_to_bits(data, nb), d)   # (rand-k: indices travel in the message)
        total += torch.from_numpy(np.asarray(row)).to(g.dtype) / world
    g.copy_(total.to(g.device))
    fut = torch.futures.Future()
    fut.set_result(g)
    return fut
