"""LENA (003, Algorithm 1) on the parameter-server path: the one algorithm here with split halves.

In LENA each worker decides alone whether to upload (its trigger compares its own ``u - q`` with its own
gradient), so the server cannot follow the step from the messages: a skipped upload sends nothing.
The halves:

* **worker** (N = 1): the library's :func:`~reference_impl.algorithms.lena.lena` step on its own row
  (trigger, error memory, momentum, drift); when it uploads it sends ``v`` and, for the drifts whose
  ``q`` the server cannot compute (``VECTORS_PER_UPLOAD = 2``: gradient, momentum), the new ``q``,
  each ``32 d`` bits in full precision; otherwise nothing but the end-of-uploads header;
* **server** (:func:`lena_server`): ``v_m`` = the upload, or its copy of the drift ``q_m`` for a node
  that stayed silent; the new drifts of the uploaders (received, or
  :func:`~reference_impl.algorithms.lena.new_drift` from ``v``, ``q`` and the upload rounds);
  ``w <- w - (1/M) sum_m v_m``, the same operations as the library's step, so the model is bitwise the
  simulation's. The model ``w`` is then broadcast (``32 d`` bits, as the simulation counts).

Only LENA without a compressor: the quantization extension compresses the uploaders' rows in one call
whose random draws depend on who uploaded, which a worker does not know.
"""
from __future__ import annotations

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, full_precision_bits
from reference_impl.algorithms.lena import VECTORS_PER_UPLOAD, lena, new_drift, select_rows


def build(cfg, up=None, down=None) -> Algorithm:
    return lena(cfg.gamma, cfg.beta, cfg.drift, initial="gradient", batch=cfg.batch)


def worker_messages(cfg, state, info):
    """The rows a worker uploads after its step: ``[v]`` or ``[v, q]``, or nothing."""
    if not bool(info.uploads[0]):
        return []
    rows = [info.uplink[0]]
    if VECTORS_PER_UPLOAD[cfg.drift] == 2:
        rows.append(state.q[0])
    return rows


def lena_server(cfg, inner: Algorithm, link, sampler) -> Algorithm:
    """The server's half of LENA's round over the N workers' messages (see the module docstring)."""
    n_vec = VECTORS_PER_UPLOAD[cfg.drift]

    def step(state, problem, xp, rng):
        if cfg.batch is not None:                # replay the workers' minibatch draws
            sampler.sample_batch(rng, int(cfg.batch), replace=False)
        M, d = problem.N, problem.d
        msgs = link.collect_messages(d)
        up = np.array([len(m) > 0 for m in msgs])
        bad = [i + 1 for i, m in enumerate(msgs) if len(m) not in (0, n_vec)]
        if bad:
            raise RuntimeError(f"ranks {bad} sent a number of vectors other than 0 or {n_vec}")
        V, Q = np.zeros((M, d)), np.zeros((M, d))
        for i, m in enumerate(msgs):
            if m:
                V[i] = m[0]
                if n_vec == 2:
                    Q[i] = m[1]
        v = select_rows(xp, up, xp.asarray(V), state.q)
        q_new = xp.asarray(Q) if n_vec == 2 else new_drift(xp, cfg.drift, v, state.q, state.k, state.last)
        q = select_rows(xp, up, q_new, state.q)
        w = state.w - xp.mean(v, axis=0)
        bits = np.where(up, n_vec * full_precision_bits(d), 0).astype(np.int64)
        info = StepInfo(x=w, uplink_bits=bits, downlink_bits=full_precision_bits(d), uploads=up, uplink=v,
                        downlink=w)
        return state._replace(k=state.k + 1, w=w, v_prev=v, q=q, last=np.where(up, state.k, state.last)), info

    return Algorithm(inner.name, inner.init, step, inner.params)
