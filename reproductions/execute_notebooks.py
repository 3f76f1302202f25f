"""Execute the reproduction notebooks (jupytext ``.py`` sources) into ``.ipynb`` files with outputs.

Two destinations, so that building the site never modifies a tracked file:

* ``python -m reproductions.execute_notebooks --cache [PATTERN ...]`` (what ``make book`` runs): executes
  into the build cache ``book/_build/executed/`` (git-ignored). A notebook is re-executed only when
  its cache key changed: the SHA-256 of its source, of every ``.py`` file of ``reference_impl``,
  ``theory`` and ``reproductions`` (the code it imports), of the stored full-mode results it may
  read, and of the mode (``REPRO_FULL``). A second ``make book`` with nothing changed executes
  nothing. ``book/generate.py`` takes the book's copies from this cache when present.
* ``python -m reproductions.execute_notebooks [PATTERN ...]`` (``make store-notebooks``):
  executes and writes ``reproductions/notebooks/<name>.ipynb`` beside the source. These tracked
  outputs are what nbval compares against in ``make test``; refresh them deliberately, after a
  change to a notebook or to the numbers it prints, and review the diff.

PATTERN is a glob on the notebook name without suffix (default ``*``). Set ``REPRO_FULL=1`` for
paper-scale runs. Cell ids are deterministic and execution timestamps are dropped, so a re-run
diffs only where outputs changed.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOKS = HERE / "notebooks"
CACHE = ROOT / "book" / "_build" / "executed"
CODE_PACKAGES = ("reference_impl", "theory", "reproductions")


def code_digest() -> str:
    """SHA-256 over the package code and the stored full-mode results (the notebooks' inputs)."""
    h = hashlib.sha256()
    files = [p for pkg in CODE_PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))
             if "notebooks" not in p.parts and "__pycache__" not in p.parts]
    files += sorted(p for p in (HERE / "results" / "full").rglob("*") if p.is_file())
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(source: Path, code: str) -> str:
    h = hashlib.sha256(source.read_bytes())
    h.update(code.encode())
    h.update(f"REPRO_FULL={os.environ.get('REPRO_FULL', '')}".encode())
    return h.hexdigest()


def execute(source: Path, target: Path, timeout: int = 1800) -> Path:
    """Execute ``source`` and write it (with outputs) to ``target`` atomically."""
    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    client.execute()
    for index, cell in enumerate(nb.cells):  # deterministic ids, no timestamps: reruns diff only on outputs
        cell["id"] = f"cell-{index}"
        cell.get("metadata", {}).pop("execution", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.partial.ipynb")
    jupytext.write(nb, partial, fmt="ipynb")
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reproductions.execute_notebooks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", default=["*"], metavar="PATTERN")
    parser.add_argument("--cache", action="store_true",
                        help="execute into book/_build/executed/ (skipping up-to-date notebooks) instead of "
                             "writing the tracked reproductions/notebooks/*.ipynb that nbval compares")
    parser.add_argument("--force", action="store_true", help="execute even when the cache is up to date")
    args = parser.parse_args(argv)
    sources = sorted({p for pat in args.patterns for p in NOTEBOOKS.glob(f"{pat}.py")})
    if not sources:
        print(f"no notebook matches {args.patterns} in {NOTEBOOKS}", file=sys.stderr)
        return 2
    code = code_digest()
    for src in sources:
        target = src.with_suffix(".ipynb") if not args.cache else CACHE / f"{src.stem}.ipynb"
        key_file = target.with_name(target.name + ".key")
        key = cache_key(src, code)
        if args.cache and not args.force and target.exists() and key_file.exists() \
                and key_file.read_text() == key:
            print(f"up to date: {src.name} (cached in {target.parent.relative_to(ROOT)})", flush=True)
            continue
        start = time.perf_counter()
        execute(src, target)
        if args.cache:
            key_file.write_text(key)
        print(f"executed {src.name} -> {target.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
