"""Sphinx extension (loaded by book/_config.yml): drop the ``"Alias for field number N"`` text that
``collections.namedtuple`` gives each field, so the API pages show what the code documents and not one
such line per field. The fields stay documented (by name), so references to them still resolve."""
from __future__ import annotations

import re

_ALIAS = re.compile(r"^Alias for field number \d+$")


def _strip(app, what, name, obj, options, lines):
    if len(lines) <= 2 and any(_ALIAS.match(line.strip()) for line in lines):
        lines[:] = [line for line in lines if not _ALIAS.match(line.strip())]


def setup(app):
    app.connect("autodoc-process-docstring", _strip)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
