"""Claim maps (``theory.claim_maps``, ``repro check ID --map``) and the book's renderer of ASCII statements.

The maps are checked against boundaries derived here from the statements themselves, not from the checks:

* ``neolithic.theorem-1`` (an erratum): the printed lower bound, times its constant ``c``, cannot exceed the
  value ``2 L Delta`` of the algorithm that outputs ``x0``; so the claim fails exactly where
  ``c ((Delta L sigma^2/(n T))^(1/2) + (1+omega) Delta L / T) > 2 L Delta``. The comparison is made exactly
  (squared, in Fractions), so every cell must agree, with no tolerance.
* ``iade.theorem-3.1`` (an erratum in the step size): Lemma 7.1 gives the bound with ``s`` replaced by
  ``eta s``, and ``xi_s`` increases with ``s``, so the printed bound holds wherever ``eta <= 1``; the
  hypothesis is ``eta < 2/(L+mu) = 1/L`` and ``1 - eta L < c' < 1``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import time
from fractions import Fraction

import numpy as np
import pytest

from reference_impl.cli import main
from theory import registry
from theory.claim_maps import (CELL_CHARS, MapTooSlow, axis, claim_map, default_axes, format_map, param_box)
from theory.plaintext import symbol_tex, text_to_tex
from theory.registry import BadParameter, CheckResult, Claim, Param


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _theorem1_fails(p) -> bool:
    """c * (sqrt(Delta L sigma^2 / (n T)) + (1 + omega) Delta L / T) > 2 L Delta, decided exactly."""
    c, sigma, n, T, Delta, L, omega = (Fraction(p[k]) for k in ("c", "sigma", "n", "T", "Delta", "L", "omega"))
    room = 2 * L * Delta - c * (1 + omega) * Delta * L / T  # what the sigma term may use before exceeding 2 L Delta
    return room < 0 or c * c * Delta * L * sigma * sigma / (n * T) > room * room


def test_erratum_map_fails_exactly_where_the_printed_bound_exceeds_the_trivial_one():
    claim = registry.get("neolithic.theorem-1")
    m = claim_map(claim, "sigma", "T", n=8)
    defaults = claim.resolve_params()
    for j, T in enumerate(m.y.values):
        for i, sigma in enumerate(m.x.values):
            expected = "fails" if _theorem1_fails({**defaults, "sigma": sigma, "T": T}) else "holds"
            assert m.cells[j][i] == expected, (sigma, T, m.cells[j][i])
    counts = m.counts()
    assert counts["holds"] > 0 and counts["fails"] > 0, counts  # the boundary crosses the box
    assert m.exit_code() == 1


def test_step_size_erratum_holds_for_eta_at_most_one_and_fails_beyond():
    printed = registry.get("iade.theorem-3.1")
    # the same check with eta's default at 1, so that the box [1/10, 10] straddles eta = 1
    params = tuple(dataclasses.replace(p, default=Fraction(1)) if p.name == "eta" else p for p in printed.params)
    claim = dataclasses.replace(printed, params=params)
    m = claim_map(claim, "eta", "c_prime", n=8)
    L = claim.resolve_params()["L"]
    assert m.x.log and m.x.values[0] < 1 < m.x.values[-1]
    fails_beyond = 0
    for j, cp in enumerate(m.y.values):
        for i, eta in enumerate(m.x.values):
            state = m.cells[j][i]
            in_hypothesis = eta < 1 / L and 1 - eta * L < cp < 1
            assert (state != "outside") == in_hypothesis, (eta, cp, state)
            if in_hypothesis and eta <= 1:
                assert state == "holds", (eta, cp, state)
            fails_beyond += state == "fails"
    assert fails_beyond > 0, m.cells
    assert "c_prime" in m.reasons["outside"]  # the cross-constraint's own message is kept


def test_claim_that_holds_everywhere_has_no_failing_cell_and_exits_0():
    code, out, err = run("check", "iade.lemma-2.1", "--map", "--grid", "6")
    assert code == 0, (out, err)
    grid = [line for line in out.splitlines() if " | " in line]
    assert len(grid) == 6 and all(set(line.split(" | ")[1].split()) == {CELL_CHARS["holds"]} for line in grid), out
    assert "fails (0)" in out


def test_cli_map_of_a_claim_without_check_exits_3():
    claim = next(c for c in registry.all_claims() if c.check is None)
    code, out, err = run("check", claim.id, "--map")
    assert code == 3 and "NOT CHECKABLE" in out and err == "", (code, out, err)


def test_cli_map_of_an_erratum_exits_1_and_prints_both_states():
    code, out, err = run("check", "neolithic.theorem-1", "--map", "sigma", "T", "--grid", "5")
    assert code == 1, (out, err)
    assert CELL_CHARS["holds"] in out and CELL_CHARS["fails"] in out


@pytest.mark.parametrize("argv, needle", [
    (("iade.lemma-2.1", "--map", "--grid", "1"), "--grid n must be an integer in [2, 50]"),
    (("iade.lemma-2.1", "--map", "--grid", "51"), "--grid n must be an integer in [2, 50]"),
    (("iade.lemma-2.1", "--map", "--grid", "abc"), "--grid n must be an integer in [2, 50]"),
    (("iade.lemma-2.1", "--map", "--grid", "٦"), "--grid n must be an integer in [2, 50]"),
    (("iade.lemma-2.1", "--map", "d"), "--map takes no parameter names or two"),
    (("iade.lemma-2.1", "--map", "d", "eps", "d"), "--map takes no parameter names or two"),
    (("iade.lemma-2.1", "--map", "d", "nosuch"), "no parameter 'nosuch'"),
    (("iade.lemma-2.1", "--map", "d", "d"), "two different parameters"),
    (("iade.lemma-2.1", "--map", "d", "eps", "--set", "d=4"), "do not also fix it with --set"),
    (("iade.lemma-2.1", "--map", "--sweep", "5"), "not both"),
    (("iade.lemma-2.1", "--grid", "5"), "--grid n goes with --map"),
    (("iade.lemma-2.1", "--map", "--set", "eps=2"), "eps"),
])
def test_bad_map_input_exits_2_with_one_line_naming_the_option(argv, needle):
    code, out, err = run("check", *argv)
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and needle in err and "Traceback" not in err, err


def test_axes_stay_in_the_sweep_box_and_the_parameter_range():
    rng = np.random.default_rng(0)
    from theory.claims._exact import _sample_box

    for claim in registry.all_claims():
        for p in claim.params:
            lo, hi, _log = param_box(p)
            for v in axis(p, 7).values + axis(p, 5, seed=3).values:
                p.validate(v)
                assert lo <= float(v) <= hi, (claim.id, p.name, v, lo, hi)
            # --sweep draws from the same box (its rationals rounded to denominators <= 100, its integers to the
            # nearest integer: that much slack)
            slack = 0.5 if p.kind == "int" else 0.01
            for _ in range(5):
                v = float(_sample_box(p, rng))
                assert lo - slack <= v <= hi + slack or v == float(p.default), (claim.id, p.name, v, lo, hi)


def test_seeded_grid_draws_one_point_inside_each_cell():
    p = Param("eta", Fraction(1), 0, None, low_open=True)
    centres, drawn = axis(p, 6).values, axis(p, 6, seed=5).values
    assert axis(p, 6, seed=5).log and drawn != centres and drawn == axis(p, 6, seed=5).values
    edges = [0.1 * 100 ** (i / 6) for i in range(7)]
    for i, v in enumerate(drawn):  # each value in its own geometric cell (3 significant digits of rounding)
        assert edges[i] * 0.99 <= float(v) <= edges[i + 1] * 1.01, (i, v)


def test_default_axes_skip_sample_sizes_and_honour_the_override_table():
    assert default_axes(registry.get("iade.theorem-3.1")) == ("eta", "c_prime")
    claim = registry.get("compams.published-rate-T")  # c, eps, runs: runs is a sample size
    assert default_axes(claim) == ("c", "eps")
    with pytest.raises(BadParameter, match="fewer than two parameters"):
        default_axes(registry.get("compams.lemma-1-step-a"))


def _slow_claim(delay: float) -> Claim:
    def check(p):
        time.sleep(delay)
        return CheckResult(True, {"x": p["x"]})

    return Claim("iade.test-slow", "iade", "test", "a slow check", "verified-numeric", check,
                 params=(Param("x", Fraction(1, 2), 0, 1, True, True), Param("y", Fraction(1, 2), 0, 1, True, True)))


def test_time_limit_stops_a_slow_map():
    with pytest.raises(MapTooSlow):
        claim_map(_slow_claim(0.05), n=4, time_limit=0.2)
    m = claim_map(_slow_claim(0.0), n=3, time_limit=5)  # under the limit: the timer is cleared afterwards
    assert m.counts()["holds"] == 9 and m.exit_code() == 0
    text = format_map(m)
    assert text.count(" | ") == 3 and "holds (9)" in text


@pytest.mark.parametrize("name, tex", [("c_prime", "c'"), ("omega_up", r"\omega_{\mathrm{up}}"), ("x0", "x_0"),
                                       ("eps", r"\varepsilon"), ("sigma", r"\sigma"), ("eta", r"\eta"),
                                       ("kappa", r"\kappa"), ("mu", r"\mu"), ("beta_1", r"\beta_1"),
                                       ("gamma_max", r"\gamma_{\max}"), ("runs", None), ("mc_samples", None)])
def test_symbol_names_as_the_paper_writes_them(name, tex):
    assert symbol_tex(name) == tex


def test_ascii_statement_is_typeset():
    out = text_to_tex(registry.get("iade.lemma-7.1").statement)
    assert r"$x_{k+1} \le" in out and r"c'^k \xi_s" in out and r"\max \{0, x_0" in out
    assert "<=" not in out and "xi_s" not in out.replace(r"\xi_s", "")
    assert out.startswith("If $") and " with $" in out and ", then $" in out  # the prose stays prose
    assert text_to_tex("For eta in (0, 2/(L+mu)], a step") == r"For $\eta$ in $(0, 2/(L+\mu)]$, a step"
    assert text_to_tex("holds when eta <= 1 (xi_s is increasing in s)") == \
        r"holds when $\eta \le 1$ ($\xi_s$ is increasing in $s$)"
    assert text_to_tex("E||x_k - x*||^2 and omega_up/N") == r"$\mathbb{E}\|x_k - x^*\|^2$ and $\omega_{\mathrm{up}} /N$"


def test_tex_statements_kept_and_claim_ids_become_literals():
    tex = r"For every $\Delta,L>0$, $n\ge2$ there are"
    assert text_to_tex(tex) == tex
    ids = {"iade.theorem-3.1"}
    out = text_to_tex("see iade.theorem-3.1 and reproductions/neolithic.py", ids)
    assert "`iade.theorem-3.1`" in out and "`neolithic.py`" not in out
    assert text_to_tex("eta_t = eta0 t^-power (0: constant)") == r"$\eta_t = \eta_0 t^{-\mathrm{power}}$ (0: constant)"
    # every text the claims render: TeX braces balanced and no sub/superscript without argument inside $...$
    for claim in registry.all_claims():
        texts = [claim.statement, claim.correction, claim.notes] + [p.help for p in claim.params]
        for text in texts:
            for span in text_to_tex(text).split("$")[1::2]:
                stripped = span.replace(r"\{", "").replace(r"\}", "")
                assert stripped.count("{") == stripped.count("}"), (claim.id, span)
                if "$" not in text:  # spans we wrote (the claims' own TeX is theirs)
                    assert not re.search(r"(?<!\\)[_^]\s*($|[)\],=+<>])", span), (claim.id, span)
