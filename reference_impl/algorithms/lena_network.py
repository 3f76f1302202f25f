"""Network cost models: per-node, per-round uplink bits -> communication time (003, Section 5.2).

Every algorithm records, per round, the bits each node uploaded (``StepInfo.uplink_bits``, 0 for a
skipped upload). Stack them into ``bits`` of shape ``(T, M)`` (rounds x nodes) and:

* :func:`tdma_latency`: local area network, round-robin TDMA on one shared channel of rate ``r``
  bit/s: the server polls the nodes in turn, so the latency of the first T rounds is
  ``sum_{m, t} nu_m^t / r`` (Section 5.2, "Local area networks"), plus an optional per-upload overhead.
* :func:`draw_bandwidths` and :func:`wan_latency`: wide area network; each node's uplink bandwidth is
  drawn once per realisation from ``{1, 5, 10, 100, 1000}`` Mbit/s with a probability vector
  (Figure 4 (a): ``[0.2] * 5``; (b): ``[0.7, 0.2, 0.06, 0.03, 0.01]``); an upload of ``nu`` bits over
  bandwidth ``b`` takes ``(nu + header_bits) / b + overhead_s`` seconds (``overhead_s``: e.g. 270 ms on a
  WAN, 2 us in a cluster, the figures cited in Section 5.2; 0 by default, as Figure 4 assumes a latency
  linear in the packet size). The text leaves the aggregation over nodes open, so both are offered:
  ``aggregation="sum"``: the sum over nodes and rounds of every upload's time (each node's total
  upload latency, summed over the nodes; what Figure 4's "total upload latency of node m ... linear in
  its packet size" sums to, and what our Figure 4 uses); ``"round"``: a synchronous round ends when its
  slowest uploader is done, ``sum_t max_m``.

This module lives in the LENA work for now (it is shared by every reproduction: the MCM and NEOLITHIC
pages may use it too); its natural home is ``reference_impl/network.py``.
"""
from __future__ import annotations

import numpy as np

#: Figure 4's link bandwidths, in Mbit/s
BANDWIDTHS_MBPS = (1, 5, 10, 100, 1000)
#: Figure 4 (a) and (b) probability vectors
PROBS_UNIFORM = (0.2, 0.2, 0.2, 0.2, 0.2)
PROBS_SLOW = (0.7, 0.2, 0.06, 0.03, 0.01)
#: per-upload latencies cited in Section 5.2 (Zhu et al. 2019): wide area network and inside a cluster
OVERHEAD_WAN_S = 0.270
OVERHEAD_CLUSTER_S = 2e-6
AGGREGATIONS = ("sum", "round")


def _bits(bits) -> np.ndarray:
    b = np.asarray(bits, dtype=np.float64)
    if b.ndim != 2:
        raise ValueError(f"bits must have shape (T rounds, M nodes), got {b.shape}")
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError("bits must be finite and >= 0")
    return b


def _nonneg(value, name: str) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number in [0, inf), got {value!r}")
    return v


def tdma_latency(bits, rate_bps: float, *, header_bits: float = 0, overhead_s: float = 0) -> np.ndarray:
    """Cumulative TDMA latency after each round, shape (T,): ``sum_{m, t' <= t} (nu + header) / r + overhead``
    over the uploads (entries with ``nu > 0``; skipped uploads cost nothing)."""
    b = _bits(bits)
    r = float(rate_bps)
    if not np.isfinite(r) or r <= 0:
        raise ValueError(f"rate_bps must be a finite number in (0, inf), got {rate_bps!r}")
    h, o = _nonneg(header_bits, "header_bits"), _nonneg(overhead_s, "overhead_s")
    sent = b > 0
    per_round = (b.sum(axis=1) + h * sent.sum(axis=1)) / r + o * sent.sum(axis=1)
    return np.cumsum(per_round)


def draw_bandwidths(rng: np.random.Generator, n_nodes: int, probs=PROBS_UNIFORM, realisations: int = 100,
                    values_mbps=BANDWIDTHS_MBPS) -> np.ndarray:
    """(realisations, n_nodes) uplink bandwidths in bit/s, each drawn i.i.d. from ``values_mbps`` with ``probs``."""
    p = np.asarray(probs, dtype=np.float64)
    vals = np.asarray(values_mbps, dtype=np.float64)
    if p.shape != vals.shape or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"probs must be {len(vals)} non-negative numbers summing to 1, got {probs!r}")
    if int(n_nodes) < 1 or int(realisations) < 1:
        raise ValueError(f"n_nodes and realisations must be >= 1, got {n_nodes}, {realisations}")
    idx = rng.choice(len(vals), size=(int(realisations), int(n_nodes)), p=p)
    return vals[idx] * 1e6


def wan_latency(bits, bandwidths_bps, *, aggregation: str = "sum", header_bits: float = 0,
                overhead_s: float = 0) -> np.ndarray:
    """Cumulative uplink latency after each round for each bandwidth realisation, shape (R, T).

    ``bits`` (T, M); ``bandwidths_bps`` (R, M) or (M,). ``aggregation``: ``"sum"`` (sum over nodes and
    rounds) or ``"round"`` (each round lasts as long as its slowest upload).
    """
    b = _bits(bits)
    bw = np.atleast_2d(np.asarray(bandwidths_bps, dtype=np.float64))
    if bw.shape[1] != b.shape[1]:
        raise ValueError(f"bandwidths must have one entry per node ({b.shape[1]}), got shape {bw.shape}")
    if not np.all(np.isfinite(bw)) or np.any(bw <= 0):
        raise ValueError("bandwidths must be finite and > 0")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    h, o = _nonneg(header_bits, "header_bits"), _nonneg(overhead_s, "overhead_s")
    sent = (b > 0).astype(np.float64)
    if aggregation == "sum":
        # sum_m (bits_tm + h sent_tm) / bw_rm + o sent_tm, one matrix product per realisation batch
        per_round = (b + h * sent) @ (1.0 / bw).T + o * sent.sum(axis=1)[:, None]     # (T, R)
        return np.cumsum(per_round.T, axis=1)
    times = (b + h * sent)[None, :, :] / bw[:, None, :] + o * sent[None, :, :]      # (R, T, M)
    return np.cumsum(times.max(axis=2), axis=1)


def bits_matrix(history_bits) -> np.ndarray:
    """Stack a list of per-round (M,) bit arrays into (T, M) int64."""
    return np.asarray(np.stack([np.asarray(b) for b in history_bits]), dtype=np.int64)
