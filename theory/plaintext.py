"""Render the claims' statements (which may contain inline TeX) as plain text for a terminal.

The book shows the TeX typeset by MathJax; ``repro`` prints text. :func:`tex_to_text` handles the
TeX the claims use (``$...$`` delimiters, Greek letters, ``\\frac``, ``\\sqrt``, norms, relations,
``\\mathbb``/``\\mathrm``/``\\text``, sub/superscript braces, spacing commands). Anything it does
not know keeps its name without the backslash, so no backslash reaches the terminal.
"""
from __future__ import annotations

import re

_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
          "pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
          "Omega").split()
_SYMBOLS = {
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "ne": "!=", "neq": "!=", "lt": "<", "gt": ">",
    "approx": "~", "sim": "~", "simeq": "~", "asymp": "~", "propto": "~", "equiv": "==",
    "cdot": "*", "times": "x", "cdots": "...", "ldots": "...", "dots": "...",
    "infty": "inf", "star": "*", "ast": "*", "pm": "+/-", "to": "->", "rightarrow": "->",
    "Rightarrow": "=>", "implies": "=>", "iff": "<=>", "in": "in", "forall": "for all", "exists": "exists",
    "lVert": "||", "rVert": "||", "|": "||", "Vert": "||", "lvert": "|", "rvert": "|",
    "langle": "<", "rangle": ">", "lfloor": "floor(", "rfloor": ")", "lceil": "ceil(", "rceil": ")",
    "sum": "sum", "prod": "prod", "min": "min", "max": "max", "log": "log", "ln": "ln", "exp": "exp",
    "sup": "sup", "inf": "inf", "lim": "lim", "nabla": "grad ", "partial": "d", "top": "T",
    "prime": "'", "circ": "o", "mid": "|", "setminus": "\\", "cup": "u", "cap": "n",
    "left": "", "right": "", "big": "", "Big": "", "bigg": "", "Bigg": "", "bigl": "", "bigr": "",
    "Bigl": "", "Bigr": "", "displaystyle": "", "quad": " ", "qquad": " ", ",": " ", ";": " ", ":": " ",
    "!": "", " ": " ", "{": "{", "}": "}", "_": "_", "%": "%", "&": "&", "#": "#",
}
_FONT = ("mathbb", "mathrm", "mathcal", "mathbf", "boldsymbol", "text", "textrm", "textbf", "operatorname",
         "mathsf", "mathit", "emph", "tilde", "widetilde", "bar", "overline", "hat", "widehat")


def _braced(s: str, i: int) -> tuple[str, int]:
    """The content of the group starting at s[i] ('{...}' or one character) and the index after it."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            return m.group(0), i + len(m.group(0))
        return s[i], i + 1
    depth, j = 0, i
    while j < len(s):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
        j += 1
    return s[i + 1:], len(s)


def _convert(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name == "frac" or name == "dfrac" or name == "tfrac":
                num, i = _braced(s, i)
                den, i = _braced(s, i)
                num, den = _convert(num), _convert(den)
                wrap = lambda t: t if re.fullmatch(r"[\w.']+", t) else f"({t})"  # noqa: E731
                out.append(f"{wrap(num)}/{wrap(den)}")
            elif name == "sqrt":
                arg, i = _braced(s, i)
                out.append(f"sqrt({_convert(arg)})")
            elif name in _FONT:
                arg, i = _braced(s, i)
                out.append(_convert(arg))
            elif name in _GREEK:
                out.append(name)
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
                if name.isalpha() and i < len(s) and s[i].isalnum():
                    out.append(" ")
            else:
                out.append(name)
        elif ch in "^_":
            arg, i = _braced(s, i + 1)
            text = _convert(arg)
            simple = len(text) <= 1 or re.fullmatch(r"\w+", text) or (text.startswith("(") and text.endswith(")"))
            out.append(ch + (text if simple else f"({text})"))
        elif ch in "{}":
            i += 1
        elif ch == "$":
            i += 1
        elif ch == "~":
            out.append(" ")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def tex_to_text(text: str) -> str:
    """Plain text for a statement that may contain ``$...$`` TeX (idempotent on plain text)."""
    if not text:
        return ""
    converted = _convert(str(text))
    converted = re.sub(r"[ \t]+", " ", converted)
    converted = re.sub(r" +([,.;)])", r"\1", converted)
    return converted.strip()
