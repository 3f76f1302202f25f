"""Sphinx extension (loaded by book/_config.yml): drop the ``"Alias for field number N"`` text that
``collections.namedtuple`` gives each field, so the API pages show what the code documents and not one
such line per field. The fields stay documented (by name), so references to them still resolve.

Also skips sympy's undefined functions (``sp.Function("C_up")`` placeholders of the printed formulas in
``theory/<paper>.py``): autodoc would document each as a class with sympy's internal assumption tables."""
from __future__ import annotations

import re

_ALIAS = re.compile(r"^Alias for field number \d+$")


def _strip(app, what, name, obj, options, lines):
    if len(lines) <= 2 and any(_ALIAS.match(line.strip()) for line in lines):
        lines[:] = [line for line in lines if not _ALIAS.match(line.strip())]


def _skip_sympy_placeholders(app, what, name, obj, skip, options):
    try:
        from sympy.core.function import UndefinedFunction
    except ImportError:  # pragma: no cover
        return None
    return True if isinstance(obj, UndefinedFunction) else None


def setup(app):
    app.connect("autodoc-process-docstring", _strip)
    app.connect("autodoc-skip-member", _skip_sympy_placeholders)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
