"""LAG: lazily aggregated gradient (Chen, Giannakis, Sun, Yin, NeurIPS 2018), the skipping baseline of 003.

The server keeps the last gradient ``g_hat_m`` each node sent (computed at ``theta_hat_m``) and steps on
their average::

    theta^{k+1} = theta^k - alpha (1/M) sum_m g_hat_m

A node's gradient is refreshed (uploaded, ``32 d`` bits) when the change is large compared with the
recent movement of the iterates, over a window of ``D`` past differences
``S^k = sum_{d=1}^{D} ||theta^{k+1-d} - theta^{k-d}||^2``:

* ``rule="WK"`` (worker-side, LAG-WK): node m computes ``g = grad f_m(theta^k)`` and uploads when
  ``||g - g_hat_m||^2 > xi / (alpha^2 D) S^k``;
* ``rule="PS"`` (server-side, LAG-PS): the server asks node m for a new gradient when
  ``L_m^2 ||theta_hat_m - theta^k||^2 > xi / (alpha^2 D) S^k`` (``L_m`` the node's smoothness).

Constants as in the authors' public Matlab code (``chentianyi1991/LAG-code``, read, not copied):
``D = 10``; ``xi = 1`` for WK and ``xi = 10`` for PS; step ``1/L`` of the objective. The code writes
the objective as a *sum* ``sum_m f_m`` with step ``alpha' = 1/L_sum`` and threshold
``xi / (alpha'^2 M^2 D)``; with our *average* ``(1/M) sum_m f_m`` and ``alpha = M alpha'`` that is
``xi / (alpha^2 D)``, the same rule. Two differences from that code, both deliberate: every node uploads
its gradient at round 0 (the code starts from ``g_hat_m = 1`` and lets nobody upload during the first D
rounds), and missing window entries in the first D rounds count as 0 (so early rounds upload more).

``batch``: minibatch gradients (LAG with stochastic gradients, as in 003's Figure 1 "-M-x" curves; the
rule is then applied to the noisy gradients, as the paper's baseline does). ``xi = 0`` uploads every
changed gradient and equals distributed gradient descent (tested exactly on rationals).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo, full_precision_bits, require
from reference_impl.algorithms.bidirectional import check_batch, check_batch_problem, local_gradients
from reference_impl.algorithms.lena import host_mask
from reference_impl.validation import require_int_in_range, require_nonnegative_finite, require_positive_finite

RULES = ("WK", "PS")
#: the authors' constants: window D and the factor xi of each rule
DEFAULT_D = 10
DEFAULT_XI = {"WK": 1, "PS": 10}


class LagState(NamedTuple):
    k: int
    w: Any              # (d,) theta^k
    g_hat: Any          # (M, d) the server's stored gradients
    theta_hat: Any      # (M, d) where each stored gradient was computed
    window: tuple       # the last D squared iterate differences (backend scalars), newest last


def lag(alpha, rule="WK", *, D=DEFAULT_D, xi=None, batch=None) -> Algorithm:
    """LAG-WK or LAG-PS with step ``alpha`` (on the average of the stored gradients).

    Args:
        alpha: step size, finite and > 0 (the authors use 1/L of the objective).
        rule: ``"WK"`` (worker-side trigger) or ``"PS"`` (server-side trigger).
        D: window length, an integer >= 1 (10 in the authors' code).
        xi: threshold factor >= 0; None: 1 for WK, 10 for PS. 0 gives gradient descent.
        batch: None (exact gradients) or the minibatch size.
    """
    require_positive_finite("step size alpha", alpha)
    require(rule in RULES, f"rule must be one of {RULES}, got {rule!r}")
    require_int_in_range("window D", D, 1, 10**6)
    xi = DEFAULT_XI[rule] if xi is None else xi
    require_nonnegative_finite("threshold factor xi", xi)
    check_batch(batch)
    D = int(D)

    def init(problem, xp):
        check_batch_problem(batch, problem)
        if rule == "PS":
            require(getattr(problem, "L_i", None) is not None,
                    f"LAG-PS needs the nodes' smoothness constants L_i, which {problem.name} does not provide")
        M, d = problem.N, problem.d
        return LagState(0, problem.x0(xp), xp.zeros((M, d)), xp.zeros((M, d)), ())

    def step(state, problem, xp, rng):
        M, d = problem.N, problem.d
        X = problem.broadcast(xp, state.w)
        if state.k == 0:
            up = np.ones(M, dtype=bool)
            G = local_gradients(problem, xp, X, rng, batch)
        else:
            S = sum(state.window[1:], state.window[0]) if state.window else xp.scalar(0)
            thr = (xp.scalar(xi) / (xp.scalar(alpha) * xp.scalar(alpha) * D)) * S if xi != 0 else xp.scalar(0)
            if rule == "WK":
                G = local_gradients(problem, xp, X, rng, batch)
                up = host_mask(xp.sqnorm(G - state.g_hat, axis=1) > thr)
            else:
                L2 = xp.asarray(np.asarray(problem.L_i, dtype=np.float64) ** 2)
                up = host_mask(L2 * xp.sqnorm(state.theta_hat - X, axis=1) > thr)
                # the server asks only the selected nodes; computing all rows keeps one batched pass
                G = local_gradients(problem, xp, X, rng, batch) if up.any() else state.g_hat
        if up.all():
            g_hat, theta_hat = G, X
        elif up.any():
            g_hat = xp.where(up[:, None], G, state.g_hat)
            theta_hat = xp.where(up[:, None], X, state.theta_hat)
        else:
            g_hat, theta_hat = state.g_hat, state.theta_hat
        g = xp.mean(g_hat, axis=0)
        w = state.w - (g if alpha == 1 else xp.scalar(alpha) * g)
        dw = w - state.w
        window = (state.window + (xp.sqnorm(dw, axis=0),))[-D:]
        bits = np.where(up, full_precision_bits(d), 0).astype(np.int64)
        info = StepInfo(x=w, uplink_bits=bits, downlink_bits=full_precision_bits(d), uploads=up.copy(),
                        uplink=g_hat, downlink=w)
        return LagState(state.k + 1, w, g_hat, theta_hat, window), info

    return Algorithm(f"LAG-{rule}", init, step, dict(alpha=alpha, rule=rule, D=D, xi=xi, batch=batch))
