"""``repro compressor``: the contract checks of :mod:`reference_impl.contracts` for any compressor.

``repro compressor DOTTED.PATH:Name [--d D] [--param k=v ...] [--json]`` imports ``Name`` from module
``DOTTED.PATH`` (a Compressor class, instantiated with the ``--param`` values, or an instance) and runs
every check; built-in names (:data:`BUILTINS`, e.g. ``topk``, ``randk``, ``qsgd``) are accepted too.
Exit codes: 0 every check passed or was skipped, 1 a check failed, 2 bad input.
"""
from __future__ import annotations

import importlib
import inspect
import json
import sys
from fractions import Fraction

from reference_impl.contracts import DEFAULT_DRAWS, MAX_D, check_all, format_results


def _builtins():
    from reference_impl.compressors.fcc import FCC
    from reference_impl.compressors.qsgd import QSGD
    from reference_impl.compressors.sign import BlockSign, ScaledSign
    from reference_impl.compressors.sparsification import Identity, RandK, RandomSketch, TopK, WangniSparsifier

    return {"identity": (Identity, {}), "topk": (TopK, {"k": 2}), "randk": (RandK, {"k": 2}),
            "randk-unscaled": (RandK, {"k": 2, "scaled": False}), "qsgd": (QSGD, {"levels": 2}),
            "sign": (ScaledSign, {}), "blocksign": (BlockSign, {}), "sketch": (RandomSketch, {"k": 2}),
            "wangni": (WangniSparsifier, {"density": 0.5}),
            "fcc-topk": (lambda k=2, rounds=2: FCC(TopK(k), rounds), {})}


#: Built-in names accepted in place of a dotted path (with their default parameters).
BUILTINS = ("identity", "topk", "randk", "randk-unscaled", "qsgd", "sign", "blocksign", "sketch", "wangni",
            "fcc-topk")


class BadInput(ValueError):
    """One line naming the parameter and its allowed values (exit 2)."""


def parse_value(text: str):
    """``--param`` values: int, bool, a fraction ``1/2``, a float, a comma list of ints, else the string."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if "," in text:
        try:
            return [int(v) for v in text.split(",")]
        except ValueError:
            return text
    for conv in (int, Fraction, float):
        try:
            return conv(text)
        except (ValueError, ZeroDivisionError):
            pass
    return text


def parse_params(items) -> dict:
    out = {}
    for item in items or []:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise BadInput(f"--param expects NAME=VALUE, got {item!r}")
        out[name] = parse_value(value)
    return out


def load_compressor(spec: str, params: dict):
    """A compressor object from a built-in name or ``module.path:Name``."""
    table = _builtins()
    if spec in table:
        factory, defaults = table[spec]
        try:
            return factory(**{**defaults, **params}), spec
        except (TypeError, ValueError) as exc:
            raise BadInput(f"--param for {spec}: {' '.join(str(exc).split())}") from None
    module_name, colon, attr = spec.partition(":")
    if not colon or not module_name or not attr:
        raise BadInput(f"COMPRESSOR must be one of {', '.join(BUILTINS)} or module.path:Name, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001  (any import failure of a user's module is bad input)
        raise BadInput(f"COMPRESSOR: cannot import module {module_name!r} ({type(exc).__name__}: {exc})") from None
    if not hasattr(module, attr):
        raise BadInput(f"COMPRESSOR: module {module_name!r} has no attribute {attr!r}")
    obj = getattr(module, attr)
    if inspect.isclass(obj):
        try:
            obj = obj(**params)
        except Exception as exc:  # noqa: BLE001
            raise BadInput(f"--param: {attr}({', '.join(params)}) failed: {type(exc).__name__}: {exc}") from None
    elif params:
        raise BadInput(f"--param is only allowed when {attr} is a class (it is an instance here)")
    if not callable(obj) or not hasattr(obj, "kind"):
        raise BadInput(f"COMPRESSOR: {spec} is not a compressor (needs kind, constant(d) and __call__(xp, X, rng))")
    return obj, spec


def cmd_compressor(args) -> int:
    try:
        if not 1 <= args.d <= MAX_D:
            raise BadInput(f"--d must be an integer in [1, {MAX_D}], got {args.d}")
        if not 100 <= args.draws <= 100_000:
            raise BadInput(f"--draws must be an integer in [100, 100000], got {args.draws}")
        compressor, label = load_compressor(args.compressor, parse_params(args.param))
        if args.compressor in BUILTINS:   # a built-in's parameters out of range at this d (e.g. k > d): bad input
            try:
                compressor.constant(args.d)
            except ValueError as exc:
                raise BadInput(f"--param/--d for {args.compressor}: {' '.join(str(exc).split())}") from None
    except BadInput as exc:
        print(f"repro: error: {exc}", file=sys.stderr)
        return 2
    try:
        results = check_all(compressor, args.d, args.draws)
    except Exception as exc:  # noqa: BLE001  (a compressor that raises on a valid (N, d) batch fails its contract)
        message = " ".join(str(exc).split())[:300]
        print(f"FAILED: {label} raised {type(exc).__name__} on a test batch at d={args.d}: {message}")
        return 1
    failed = any(r.failed for r in results)
    if args.json:
        print(json.dumps({"compressor": label, "d": args.d, "passed": not failed,
                          "checks": [r.as_dict() for r in results]}, indent=1, default=str))
    else:
        print(format_results(f"{label} ({compressor!r})", args.d, results))
        print("all checks passed" if not failed else "a check FAILED")
    return 1 if failed else 0


def add_parser(sub) -> None:
    p = sub.add_parser("compressor", help="contract checks for a compressor (ours or yours, by dotted path)",
                       description="Check a compressor's declared class and constant, unbiasedness, bits and "
                                   "worker axis (reference_impl.contracts).",
                       epilog=f"COMPRESSOR: module.path:Name or one of {', '.join(BUILTINS)}. "
                              "exit codes: 0 all passed (or skipped), 1 a check failed, 2 bad input")
    p.add_argument("compressor", metavar="COMPRESSOR")
    p.add_argument("--d", type=int, default=6, help=f"dimension (1 to {MAX_D}; default 6)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="constructor argument (repeatable)")
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS,
                   help=f"Monte Carlo draws per test vector (100 to 100000; default {DEFAULT_DRAWS})")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_compressor)
