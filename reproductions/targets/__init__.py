"""The target registry: every table cell group, figure panel and quantitative sentence of the five works.

One module per work (``iade``, ``neolithic``, ``compams``, ``lena``, ``mcm``) defines ``TARGETS``; the
types and the status rules are in :mod:`reproductions.targets.registry`. The paper's numbers are written
once, here; notebooks read them with :func:`paper_value`. ``repro targets [--paper P] [--json]`` lists
the targets with their computed status; the book renders one ledger page per work.
"""
from __future__ import annotations

import functools
import importlib
from pathlib import Path

from reproductions.targets.registry import (GAP, MISSING, REPRODUCED, STATUSES, SUBSTITUTE, Evaluation, Measured,
                                            Target, Tolerance, counts, evaluate)

#: Paper keys in seed order (000 .. 004), as in :data:`theory.registry.PAPERS`.
PAPER_MODULES = ("iade", "neolithic", "compams", "lena", "mcm")

__all__ = ["GAP", "MISSING", "REPRODUCED", "STATUSES", "SUBSTITUTE", "Evaluation", "Measured", "Target",
           "Tolerance", "all_targets", "counts", "evaluate", "evaluate_all", "get", "paper_value"]


@functools.lru_cache(maxsize=None)
def all_targets() -> dict[str, Target]:
    """Every registered target, id -> Target, in seed order."""
    out: dict[str, Target] = {}
    for paper in PAPER_MODULES:
        for t in importlib.import_module(f"reproductions.targets.{paper}").TARGETS:
            if t.paper != paper:
                raise ValueError(f"target {t.id} registered in {paper}'s module")
            if t.id in out:
                raise ValueError(f"target id {t.id} defined twice")
            out[t.id] = t
    return out


def get(target_id: str) -> Target:
    targets = all_targets()
    if target_id not in targets:
        raise KeyError(f"unknown target {target_id!r} (`repro targets` lists them)")
    return targets[target_id]


def paper_value(target_id: str):
    """The paper's value(s) of one target: the one place a notebook reads a paper's number from."""
    return get(target_id).paper_value


def evaluate_all(paper: str | None = None, root: Path | None = None) -> list[Evaluation]:
    """Every target (of ``paper`` when given) scored against the stored full-mode results."""
    return [evaluate(t, root) for t in all_targets().values() if paper is None or t.paper == paper]
