"""The three first attempts at a preserved central model (004, slide "A practical algorithm? New
attempts" and "First attempts - Variance of the local iterate is too high").

All three keep the server's model exact, ``w_k = w_{k-1} - gamma (1/N) sum_i C_up(g_i(w_hat_{k-1}))``
(with DIANA's uplink memory, as in 004's experiments), and differ in what the workers receive:

* :func:`update_compression`: ``w_hat_k = w_hat_{k-1} - gamma C_down(g_k)``, the compressed update;
  the workers' model drifts away from ``w`` (a random walk). Round of
  :func:`~reference_impl.algorithms.ghost.compressed_update_family` with the local base.
* :func:`model_compression` (``alpha_down = 0``): ``w_hat_k = C_down(w_k)``, the compressed model.
  MCM's round (:func:`~reference_impl.algorithms.mcm.mcm_family`) with a frozen memory
  ``H = w_0``, i.e. ``w_hat_k = w_0 + C_down(w_k - w_0)`` (= ``C_down(w_k)`` for ``w_0 = 0``).
* :func:`model_difference_compression` (``alpha_down = 1``): ``w_hat_k = w_hat_{k-1} +
  C_down(w_k - w_hat_{k-1})``, MCM's round with ``H = w_hat``. (The slide prints
  ``w_hat_{k-1} - gamma C_down(w_k - w_hat_{k-1})``; with MCM's eq. (3) at ``alpha_down = 1``, which
  the slide names, the reconstruction is ``+ C_down(...)`` with no gamma, implemented here.)

Bits as in the parent rounds: the uplink messages, and one broadcast ``C_down`` message per round.
With identity compressors all three are gradient descent.
"""
from __future__ import annotations

from reference_impl.algorithms.base import Algorithm
from reference_impl.algorithms.ghost import compressed_update_family
from reference_impl.algorithms.mcm import mcm_family, validate


def _params(gamma, up, down, alpha_up, batch, up_memory, up_memory_init):
    return dict(gamma=gamma, up=up, down=down, alpha_up=alpha_up, batch=batch, up_memory=up_memory,
                up_memory_init=up_memory_init)


def update_compression(gamma, up, down, alpha_up=None, batch=None, *, up_memory=True,
                       up_memory_init="gradient") -> Algorithm:
    """Update compression: the workers apply ``C_down`` of the server's update to their own model.

    Args as :func:`~reference_impl.algorithms.mcm.mcm` (no ``alpha_down``).
    """
    validate(gamma, up, down, alpha_up, None, batch, up_memory_init, up_memory)
    return compressed_update_family("UpdateCompression", gamma, up, down, alpha_up, batch, base="local",
                                    up_memory=up_memory, up_memory_init=up_memory_init,
                                    params=_params(gamma, up, down, alpha_up, batch, up_memory, up_memory_init))


def model_compression(gamma, up, down, alpha_up=None, batch=None, *, up_memory=True,
                      up_memory_init="gradient") -> Algorithm:
    """Model compression, MCM with ``alpha_down = 0``: ``w_hat_k = C_down(w_k)`` (for ``w_0 = 0``).

    Args as :func:`~reference_impl.algorithms.mcm.mcm` (no ``alpha_down``).
    """
    validate(gamma, up, down, alpha_up, None, batch, up_memory_init, up_memory)
    return mcm_family("ModelCompression", gamma, up, down, alpha_up, 0, batch, up_memory=up_memory,
                      up_memory_init=up_memory_init,
                      params=_params(gamma, up, down, alpha_up, batch, up_memory, up_memory_init))


def model_difference_compression(gamma, up, down, alpha_up=None, batch=None, *, up_memory=True,
                                 up_memory_init="gradient") -> Algorithm:
    """Model-difference compression, MCM with ``alpha_down = 1``: ``w_hat_k = w_hat_{k-1} + C_down(w_k - w_hat_{k-1})``.

    Args as :func:`~reference_impl.algorithms.mcm.mcm` (no ``alpha_down``).
    """
    validate(gamma, up, down, alpha_up, None, batch, up_memory_init, up_memory)
    return mcm_family("ModelDifferenceCompression", gamma, up, down, alpha_up, 1, batch, up_memory=up_memory,
                      up_memory_init=up_memory_init,
                      params=_params(gamma, up, down, alpha_up, batch, up_memory, up_memory_init))
