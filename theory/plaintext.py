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


# -- the other direction: ASCII math in prose -> MyST markdown with $...$ TeX (the book) ------------------
#: Spellings of Greek letters and math words in the ASCII statements, and their TeX.
_ASCII_WORDS = {**{g: "\\" + g for g in _GREEK}, "Upsilon": "\\Upsilon", "eps": "\\varepsilon", "inf": "\\infty",
                "oo": "\\infty", "grad": "\\nabla", "max": "\\max", "min": "\\min", "log": "\\log", "ln": "\\ln",
                "exp": "\\exp", "sup": "\\sup", "log2": "\\log_2", "lim": "\\lim", "sum": "\\sum", "prod": "\\prod"}
_FUNCTION_WORDS = {"max", "min", "log", "ln", "exp", "sup", "lim", "sum", "prod", "log2"}
#: Words that are math only when a bracket follows them directly (``ceil(d/2)``); ``sqrt`` is math always.
_BRACKET_FUNCTIONS = {"ceil", "floor"}
#: ASCII operators and their TeX (the reverse of ``_SYMBOLS`` for the relations).
_ASCII_OPERATORS = {"<=": "\\le ", ">=": "\\ge ", "!=": "\\ne ", "->": "\\to ", "=>": "\\Rightarrow ",
                    "||": "\\|", "+/-": "\\pm ", "+-": "\\pm ", "~": "\\approx ", "*": "\\cdot "}
#: Two-letter lowercase words that are English, not a product of two symbols.
_SHORT_PROSE = set("an as at be by do if in is it no of on or so to up us we vs".split())
#: Subscript names that are accents (``w_hat`` -> ``\hat{w}``).
_ACCENTS = {"hat": "\\hat", "bar": "\\bar", "tilde": "\\tilde"}
_CLAIM_ID = r"(?:iade|neolithic|compams|lena|mcm)\.[a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?"
_TOKEN = re.compile(
    rf"(?P<id>\b{_CLAIM_ID}\b)|(?P<abbr>\b(?:e\.g\.|i\.e\.|i\.i\.d\.|et al\.|cf\.|eq\.|resp\.|vs\.))"
    r"|(?P<opt>--[a-z][a-z-]*)|(?P<ws>\s+)|(?P<hyph>[A-Za-z]{2,}(?:-[A-Za-z]{2,})+)|(?P<dims>[0-9]+x[0-9]+\b)"
    r"|(?P<word>[A-Za-z]+[0-9]*)|(?P<num>[0-9]+(?:\.[0-9]+)?(?:/[0-9]+|e[-+]?[0-9]+)?)"
    r"|(?P<op>\+/-|\+-|<=|>=|!=|->|=>|\|\||[-+*/=<>^_'|~])|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<other>.)", re.S)


def symbol_tex(name: str) -> str | None:
    """TeX of a parameter name as the paper writes it (``c_prime`` -> ``c'``, ``omega_up`` ->
    ``\\omega_{\\mathrm{up}}``, ``x0`` -> ``x_0``, ``eps`` -> ``\\varepsilon``); None for a name that is no
    symbol of the paper (``runs``, ``mc_samples``: a sample size or setting of the check)."""
    parts = name.split("_")
    head, subs = parts[0], [p for p in parts[1:] if p != "prime"]
    primes = "'" * (len(parts) - 1 - len(subs))
    m = re.fullmatch(r"([A-Za-z]+)([0-9]*)", head)
    if not m or not all(subs):
        return None
    letters, digits = m.groups()
    if len(letters) == 1:
        tex = letters
    elif letters in _ASCII_WORDS and letters not in _FUNCTION_WORDS:
        tex = _ASCII_WORDS[letters]
    else:
        return None
    return _subscripted(tex + primes, ([digits] if digits else []) + subs)


def _subscripted(tex: str, subs: list[str]) -> str:
    """``tex`` with the subscripts ``subs`` (``prime`` as a prime, accents applied first; several subscripts
    joined by commas)."""
    tex += "'" * subs.count("prime")
    subs = [s for s in subs if s != "prime"]
    for accent in [s for s in subs if s in _ACCENTS]:
        tex = f"{_ACCENTS[accent]}{{{tex}}}"
    subs = [s for s in subs if s not in _ACCENTS]
    if not subs:
        return tex
    body = ",".join(s if len(s) == 1 or s.isdigit() else _ASCII_WORDS.get(s) or "\\mathrm{" + s + "}" for s in subs)
    return tex + "_" + (body if len(body) == 1 else "{" + body + "}")


def text_to_tex(text: str, known_ids=None) -> str:
    """MyST markdown for a statement, note or correction: ``$...$`` spans are kept as written; in the text
    between them, runs of ASCII math (``||x_k - x*|| <= c'^k xi_s``) become ``$...$`` TeX
    (``\\|x_k - x^*\\| \\le c'^k \\xi_s``), claim ids (those in ``known_ids`` when it is given) become inline
    literals (the book links them), and the markdown characters of the remaining prose are escaped. A run whose
    TeX would not balance its braces is shown as an inline literal instead."""
    if not text:
        return ""
    if "$$" in text:
        return text
    pieces = re.split(r"(\$[^$]+\$)", str(text))
    return "".join(p if p.startswith("$") and p.endswith("$") and len(p) > 1 else _prose_to_markdown(p, known_ids)
                   for p in pieces)


def _word_is_math(tok: str) -> bool:
    if tok in _ASCII_WORDS or tok == "sqrt":
        return True
    if re.fullmatch(r"[A-Za-z][0-9]*", tok):
        return tok not in ("a", "A")
    m = re.fullmatch(r"([A-Za-z]+)[0-9]+", tok)
    if m and m.group(1) in _GREEK:
        return True
    return len(tok) == 2 and tok.islower() and tok not in _SHORT_PROSE


def _tight(tokens, i: int) -> tuple:
    """The tokens directly left and right of ``i`` (no space between), or ("", "")."""
    left = tokens[i - 1] if i > 0 and tokens[i - 1][0] != "ws" else ("", "")
    right = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1][0] != "ws" else ("", "")
    return left, right


def _classify(tokens: list[tuple[str, str]]) -> list[str]:
    """'M' (math), 'P' (prose) or 'N' (neutral: spaces, punctuation, numbers, brackets) per token."""
    match = _matches(tokens)
    kinds = []
    for i, (kind, tok) in enumerate(tokens):
        left, right = _tight(tokens, i)
        if kind == "word":
            math = _word_is_math(tok) or (len(tok) == 1 and (right in (("op", "_"), ("op", "^"), ("op", "'"))
                                                             or left[0] == "op" or right[0] == "op"))
            if left in (("op", "_"), ("op", "^")) and kinds[i - 2:i - 1] == ["M"]:  # w_hat, gamma_max^up
                math = True
            elif left == ("op", "-") and i >= 2 and tokens[i - 2] in (("op", "_"), ("op", "^")):  # t^-power
                math = True
            elif left == ("op", "'") and tok == "s" and i >= 2 and (tokens[i - 2][0] in ("num", "hyph", "id", "close") or (
                    tokens[i - 2][0] == "word" and not _word_is_math(tokens[i - 2][1]))):
                math = False  # a possessive: proof's
            elif right[0] == "open" and i + 1 in match and not math:
                # a function applied to math: sign(g_t), TopK(g + e), ceil(d/2), Cov(A, X)
                inner = {k for k, _ in tokens[i + 2:match[i + 1]]}
                math = tok in _BRACKET_FUNCTIONS or (len(tok) >= 2 and inner <= {"word", "op", "num", "ws", "open",
                                                                                   "close", "other"}
                                                     and all(_word_is_math(t) for k, t in tokens[i + 2:match[i + 1]]
                                                             if k == "word") and inner & {"word"})
            # a lone capital after a capitalised word is a name: "Appendix B", "Table A"
            if math and len(tok) == 1 and tok.isupper() and i >= 2 and tokens[i - 1] == ("ws", " ") \
                    and tokens[i - 2][0] == "word" and re.fullmatch(r"[A-Z][a-z]{2,}", tokens[i - 2][1]):
                math = False
            kinds.append("M" if math else "P")
        elif kind == "op":
            kinds.append("M")
        elif kind in ("id", "hyph", "abbr", "opt", "dims", "other"):
            kinds.append("P" if kind != "other" or tok in "`\\" else "N")
        else:
            kinds.append("N")
    # an operator touching a prose word is prose ("radius-M", "length/error", "reference_impl", "'AIIDE'"),
    # and a hyphen between two numbers is a range ("3-5")
    for i, (kind, tok) in enumerate(tokens):
        if kind == "op":
            (lk, ltok), (rk, rtok) = _tight(tokens, i)
            left = kinds[i - 1] if lk else ""
            right = kinds[i + 1] if rk else ""
            if (lk, ltok) in (("op", "^"), ("op", "_")):
                continue  # the sign of an exponent: t^-power
            if "P" in (left, right) or (tok == "'" and left != "M"):
                kinds[i] = "P"
            elif tok == "-" and lk == "num" and rk == "num":
                kinds[i] = "N"
    # the group attached to a math token (f(x), max{...}, O(Nd), x_{k+1}) is math, and so is an unattached
    # group with math inside and no prose
    for i, (kind, tok) in enumerate(tokens):
        if kind == "open" and i in match:
            j = match[i]
            inner = set(kinds[i + 1:j])
            attached = i > 0 and kinds[i - 1] == "M" and tokens[i - 1][0] != "ws"
            if attached or ("M" in inner and "P" not in inner):
                kinds[i:j + 1] = ["M"] * (j + 1 - i)
    # numbers next to math (ignoring spaces) are math: "eta <= 1", "1.05 d"
    for i, (kind, _tok) in enumerate(tokens):
        if kind == "num" and kinds[i] == "N":
            if _neighbour_kind(kinds, tokens, i, -1) == "M" or _neighbour_kind(kinds, tokens, i, 1) == "M":
                kinds[i] = "M"
    # a bracket left neutral encloses prose: it ends a math run ("eta <= 1 (xi_s is increasing in s)")
    for i, (kind, _tok) in enumerate(tokens):
        if kind in ("open", "close") and kinds[i] == "N":
            kinds[i] = "P"
    return kinds


def _neighbour_kind(kinds, tokens, i, step):
    j = i + step
    while 0 <= j < len(tokens) and tokens[j][0] == "ws":
        j += step
    if not 0 <= j < len(tokens) or tokens[j][0] in ("open", "close"):
        return ""
    return kinds[j]


def _matches(tokens) -> dict[int, int]:
    """Index of the closing bracket of each opening one (any kind closes any kind: intervals like (0, 1])."""
    stack, out = [], {}
    for i, (kind, _tok) in enumerate(tokens):
        if kind == "open":
            stack.append(i)
        elif kind == "close" and stack:
            out[stack.pop()] = i
    return out


def _prose_to_markdown(text: str, known_ids=None) -> str:
    if "\\" in text:  # TeX commands outside $...$: not ASCII math, leave as written
        return text
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]
    tokens = [("word", tok) if kind == "id" and known_ids is not None and tok not in known_ids else (kind, tok)
              for kind, tok in tokens]
    kinds = _classify(tokens)
    out, i = [], 0
    while i < len(tokens):
        if kinds[i] != "M":
            out.append(_prose_token(*tokens[i]))
            i += 1
            continue
        j, last = i, i
        while j < len(tokens) and kinds[j] != "P":
            if kinds[j] == "M":
                last = j
            j += 1
        out.append(_math_run(tokens[i:last + 1]))
        i = last + 1
    return "".join(out)


def _prose_token(kind: str, tok: str) -> str:
    if kind in ("id", "opt"):
        return f"`{tok}`"
    if kind in ("word", "hyph", "num", "ws", "abbr", "dims"):
        return tok
    return re.sub(r"([*_<>`~#&|])", r"\\\1", tok)


def _math_run(tokens: list[tuple[str, str]]) -> str:
    tex = re.sub(r" {2,}", " ", _tokens_tex(tokens)).strip()
    depth = 0
    for ch in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0 or re.search(r"(?<!\\)[_^]\s*($|[)\],=+<>])", tex):  # unbalanced, or a sub/superscript without argument
        raw = "".join(t for _, t in tokens).strip()
        return f"`{raw}`"
    return f"${tex}$"


def _tokens_tex(tokens: list[tuple[str, str]]) -> str:
    out, i = [], 0
    match = _matches(tokens)
    while i < len(tokens):
        kind, tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if kind == "word":
            if tok in ("sqrt", "ceil", "floor") and nxt[0] == "open" and i + 1 in match:
                j = match[i + 1]
                inner = _tokens_tex(tokens[i + 2:j])
                out.append({"sqrt": f"\\sqrt{{{inner}}}", "ceil": f"\\lceil {inner}\\rceil ",
                            "floor": f"\\lfloor {inner}\\rfloor "}[tok])
                i = j + 1
                continue
            # a name with word subscripts: omega_up, w_hat_k, gamma_max (one subscript group, accents applied)
            subs, j = [], i + 1
            while j + 1 < len(tokens) and tokens[j] == ("op", "_") and tokens[j + 1][0] in ("word", "num"):
                subs.append(tokens[j + 1][1])
                j += 2
            if tok == "sqrt":
                out.append("\\sqrt ")
            elif tok == "E" and nxt[1] in ("||", "[", "<"):
                out.append("\\mathbb{E}")
            elif nxt == ("op", "~") and (i + 2 >= len(tokens) or tokens[i + 2][0] in ("ws", "op", "open", "close")):
                out.append(("\\tilde{O}" if tok == "O" else f"\\tilde{{{_word_tex(tok).strip()}}}"))
                i += 2
                continue
            elif subs:
                out.append(_subscripted(_word_tex(tok).strip(), subs) + " ")
                i = j
                continue
            else:
                out.append(_word_tex(tok))
        elif kind == "op" and tok in ("_", "^") and nxt[0] == "open" and nxt[1] in "{(" and i + 1 in match:
            j = match[i + 1]
            out.append(tok + "{" + _tokens_tex(tokens[i + 2:j]) + "}")
            i = j + 1
            continue
        elif kind == "op" and tok in ("_", "^") and nxt == ("op", "-") and i + 2 < len(tokens) \
                and tokens[i + 2][0] in ("word", "num"):
            out.append(tok + "{-" + _word_tex(tokens[i + 2][1]).strip() + "}")
            i += 3
            continue
        elif kind == "op" and tok in ("_", "^") and nxt[0] in ("word", "op") and nxt[1] not in ("_", "^"):
            sub = nxt[1]
            text = "*" if sub == "*" else _word_tex(sub).strip() if len(sub) > 1 else sub
            out.append(tok + (text if len(sub) == 1 else "{" + text + "}"))
            i += 2
            continue
        elif kind == "op" and tok == "*" and i > 0 and tokens[i - 1][0] in ("word", "close") and \
                nxt[0] not in ("word", "num", "open"):
            out.append("^*")
        elif kind == "op":
            out.append(_ASCII_OPERATORS.get(tok, tok))
        elif kind == "num" and "e" in tok:
            mantissa, exponent = tok.split("e")
            out.append(("" if mantissa == "1" else mantissa + "\\cdot ") + "10^{" + str(int(exponent)) + "}")
        elif kind in ("open", "close"):
            out.append("\\" + tok if tok in "{}" else tok)
        elif kind == "ws":
            out.append(" ")
        elif kind == "other" and tok in "%#&":
            out.append("\\" + tok)
        else:
            out.append(tok)
        i += 1
    return "".join(out)


def _word_tex(tok: str) -> str:
    if tok in _ASCII_WORDS:
        return _ASCII_WORDS[tok] + ("" if tok in _GREEK or tok == "eps" else " ")
    m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", tok)
    if m and (len(m.group(1)) == 1 or m.group(1) in _GREEK):
        return _word_tex(m.group(1)).rstrip() + "_" + (m.group(2) if len(m.group(2)) == 1 else "{" + m.group(2) + "}")
    if len(tok) >= 3:
        return "\\mathrm{" + tok + "}"
    return tok
