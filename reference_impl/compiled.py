"""Loops compiled by numba, for the few inner loops numpy cannot express without large temporaries.

:func:`compiled` marks a plain Python function (loops over numpy arrays, scalars only) to be compiled
by ``numba.njit`` on its first call, with ``cache=True`` (the machine code is kept in ``__pycache__``
and reused by later processes) and without ``fastmath``: the arithmetic is IEEE double precision in the
order the loop states, so a result does not depend on the machine's vector width. Users: the sparse-row
minibatch gradients (:mod:`reference_impl.sparse_rows`) and QSGD's message lengths
(:func:`reference_impl.compressors.qsgd.message_bits`), issue 10.
"""
from __future__ import annotations

import functools


def compiled(fn):
    """``fn`` compiled by numba on first use (``njit(cache=True, fastmath=False)``); ``fn.python`` is the
    plain Python function (the same code, interpreted: for tests on tiny inputs)."""
    machine = None

    @functools.wraps(fn)
    def call(*args):
        nonlocal machine
        if machine is None:
            import numba

            machine = numba.njit(cache=True, fastmath=False)(fn)
        return machine(*args)

    call.python = fn
    return call
