"""Rand-MCM: worker-dependent downlink compression and memories (004, slide "Next step: worker
dependent downlink compression: Rand-MCM!", eq. (4); Philippenko and Dieuleveut 2021).

As MCM (:mod:`~reference_impl.algorithms.mcm`), but each worker i has its own downlink memory
``H^i`` and receives its own, independent compression of its model difference::

    w_k         = w_{k-1} - gamma (1/N) sum_i (h_i + C_up(g_i(w_hat^i_{k-1}) - h_i))
    Omega^i_k   = w_k - H^i_{k-1}
    w_hat^i_k   = H^i_{k-1} + C_down,i(Omega^i_k)
    H^i_k       = H^i_{k-1} + alpha_down C_down,i(Omega^i_k)

Vectorised: the N messages are one compressor call on the (N, d) batch of the ``Omega^i`` (the
compressor draws independent randomness per row). Downlink bits: the N messages are different, so
the round's downlink cost is the **sum** of their measured bits (MCM broadcasts one message).

Options (the slide's "Solutions" and "Rand-MCM (PP)"):

* ``groups=G`` (Rand-MCM-G): G groups of N/G consecutive workers; in each group all workers share the
  memory ``H^g`` and receive the same message ``C_down,g(w_k - H^g)``; bits = sum over the G messages.
  ``groups=1`` is MCM (same code path, same draws); ``groups=None`` or N is Rand-MCM.
* ``single_memory=True, reset_every=P``: the server keeps one averaged memory ``H_bar`` instead of N;
  worker i receives ``C_down,i(w_k - H_bar)`` (one call on the repeated rows), uses
  ``w_hat^i = H^i + C_down,i(...)``, ``H^i <- H^i + alpha_down C_down,i(...)``, and the server sets
  ``H_bar <- H_bar + (alpha_down / N) sum_i C_down,i(...)`` (the average of the ``H^i``). Every P rounds
  the server resets the workers' memories to ``H_bar`` by sending it in full precision
  (``32 d`` bits per worker, counted in the downlink). (The authors' code meant to reset every
  ``4 sqrt(d)`` rounds but its test ``k % 4 * sqrt(d) == 0`` resets every 4 rounds.)
* ``participation=p``: each round every worker takes part with probability p (independent draws from
  the explicit generator, drawn again while nobody does, as in the authors' code). Only participants
  receive the downlink (their memory moves, the others' stay), compute and upload; the others upload
  nothing (0 bits, ``uploads`` False) and the server aggregates ``(1/(pN)) sum_{i in S_k}
  (h_i + C_up(g_i - h_i))``. A worker's first participation is its full-precision first upload (its
  memory starts at that gradient). ``participation=1`` draws nothing and is full participation bit
  for bit. Partial participation needs per-worker memories (``groups=None``/N) or the single memory:
  a group memory would go out of sync when some members miss a message.
"""
from __future__ import annotations

from reference_impl.algorithms.base import Algorithm, require
from reference_impl.algorithms.bidirectional import check_rate
from reference_impl.algorithms.mcm import mcm_family, validate
from reference_impl.validation import require_bool, require_int_in_range


def rand_mcm(gamma, up, down, alpha_up=None, alpha_down=None, batch=None, *, groups=None,
             single_memory=False, reset_every=None, participation=1, up_memory=True,
             up_memory_init="gradient") -> Algorithm:
    """Rand-MCM (004, eq. (4)) with step ``gamma`` and unbiased compressors ``up``, ``down``.

    Args:
        gamma: step size, > 0 (warnings above the theory's gamma_max and when gamma >= 2/L).
        up, down: unbiased compressors; ``down`` is applied independently for each worker (or group).
        alpha_up: uplink memory rate in (0, 1]; None: ``1/(2(omega_up + 1))``.
        alpha_down: downlink memory rate in (0, 1]; None: ``1/(2(omega_down + 1))``.
        batch: None (exact local gradients) or the minibatch size (without replacement).
        groups: None (one memory per worker) or G in [1, N] dividing N (Rand-MCM-G).
        single_memory: one averaged server memory, workers reset to it every ``reset_every`` rounds.
        reset_every: the reset period P >= 1 (required with, and only with, ``single_memory``).
        participation: the probability p in (0, 1] that a worker takes part in a round.
        up_memory: False drops the uplink memory.
        up_memory_init: ``"gradient"`` (first upload in full precision) or ``"zero"``.
    """
    validate(gamma, up, down, alpha_up, alpha_down, batch, up_memory_init, up_memory)
    check_rate(participation, "participation", allow_none=False)
    require_int_in_range("groups", groups, 1, allow_none=True, spec="None or an integer in [1, N] dividing N")
    if require_bool("single_memory", single_memory):
        require(groups is None, f"single_memory=True keeps one memory for all workers: groups must be None, "
                                f"got {groups!r}")
        require_int_in_range("reset_every", reset_every, 1, spec="an integer in [1, inf) (single_memory=True "
                                                                 "needs it)")
    else:
        require(reset_every is None, f"reset_every={reset_every!r} only applies with single_memory=True")
    channels = "workers" if groups is None else int(groups)
    name = "Rand-MCM" if groups is None else f"Rand-MCM-{int(groups)}"
    if single_memory:
        name = "Rand-MCM-1mem"
    if participation != 1:
        name += f"-PP{float(participation):g}"
    return mcm_family(name, gamma, up, down, alpha_up, alpha_down, batch, channels=channels,
                      single_memory=single_memory, reset_every=reset_every, participation=participation,
                      up_memory=up_memory, up_memory_init=up_memory_init, theory_limit=True,
                      params=dict(gamma=gamma, up=up, down=down, alpha_up=alpha_up, alpha_down=alpha_down,
                                  batch=batch, groups=groups, single_memory=single_memory,
                                  reset_every=reset_every, participation=participation,
                                  up_memory=up_memory, up_memory_init=up_memory_init))
