"""``repro targets [--paper P] [--json]``: the target registry with statuses computed from stored results.

Registered in :mod:`reference_impl.cli` by :func:`add_parser`; exit code 0 (a listing, whatever the
statuses), 2 on bad input (argparse: an unknown paper names the allowed keys).
"""
from __future__ import annotations

import argparse

from reproductions.targets import PAPER_MODULES

EPILOG = """\
statuses (computed from reproductions/results/full/<figure>/summary.json, never from quick runs):
  reproduced              the paper's setting, within the stated tolerance
  reproduced with a gap   the paper's setting, outside the tolerance (or a caveat on the measurement); cause given
  substitute              a substitute setting (reason given); 'agrees' or 'differs' from the paper's value
  missing                 nothing to compare (reason: data, compute, text incomplete)"""


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("targets", help="list the papers' measured results with our stored values and a status",
                       description="List the target registry: every table cell group, figure panel and quantitative "
                                   "sentence of the five works, the paper's value, ours (stored full-mode runs), "
                                   "the tolerance and the status.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--paper", choices=PAPER_MODULES,
                   help="only this work's targets (000 iade, 001 neolithic, 002 compams, 003 lena, 004 mcm)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_targets)
    return p


def cmd_targets(args) -> int:
    from reproductions.targets import evaluate_all
    from reproductions.targets.text import as_json, listing

    evaluations = evaluate_all(args.paper)
    print(as_json(evaluations) if args.json else listing(evaluations))
    return 0
