"""``repro distributed --workers N [options]``: the thin wrapper that starts torchrun for the user.

It checks the options first (exit 2, one line naming the parameter and its range), then runs
``torchrun --standalone --nnodes=1 --nproc-per-node=N+1 -m reference_impl.distributed OPTIONS``.
Exit codes: 0 completed, 2 bad input, 3 the run stopped (a rank was lost or failed: the server's
one-line error is printed above torchrun's report; finished rounds are kept, status interrupted).
"""
from __future__ import annotations

import subprocess
import sys

MAX_WORKERS = 64


def cmd_distributed(args) -> int:
    from reference_impl.distributed.__main__ import configs, parser

    if not (isinstance(args.workers, int) and 1 <= args.workers <= MAX_WORKERS):
        print(f"repro: error: --workers must be an integer in [1, {MAX_WORKERS}], got {args.workers}", file=sys.stderr)
        return 2
    rest = []
    for action in parser(add_help=False)._actions:    # the module's options as given, passed on to every rank
        value = getattr(args, action.dest, action.default)
        if value != action.default:
            rest += [action.option_strings[0]] if value is True else [action.option_strings[0], str(value)]
    try:
        configs(args, args.workers)
    except ValueError as exc:
        print(f"repro: error: {exc}", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1",
           f"--nproc-per-node={args.workers + 1}", "-m", "reference_impl.distributed", *rest]
    code = subprocess.call(cmd)
    return 0 if code == 0 else 3


def add_parser(sub) -> None:
    from reference_impl.distributed.__main__ import parser

    p = sub.add_parser("distributed", parents=[parser(add_help=False)], help="run an algorithm with one server and N worker processes (torchrun)",
                       description="Start torchrun with N+1 processes (rank 0 the server) running "
                                   "python -m reference_impl.distributed; see its --help for the options.",
                       epilog="exit codes: 0 completed, 2 bad input, 3 a rank was lost or the run failed")
    p.add_argument("--workers", type=int, default=3, help=f"N, the worker processes (1 to {MAX_WORKERS})")
    p.set_defaults(func=cmd_distributed)
