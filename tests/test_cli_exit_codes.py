"""``repro check`` keeps one meaning per exit code, on the cases reported in the trust-layer issue.

0 holds, 1 fails, 2 bad input, 3 not checkable (no check, or float64 cannot decide), 4 internal
error (one line; ``--debug`` adds the traceback). Each case below was a traceback, a wrong exit code
or a false verdict before.
"""
from __future__ import annotations

import contextlib
import io

import pytest

from reference_impl.cli import main
from theory import registry
from theory.registry import CheckResult, Claim, Param


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv, name", [
    (("neolithic.table-qsgd", "--set", "gamma=1e-400"), "gamma"),          # was a traceback (underflow)
    (("mcm.theorem-7-decreasing-steps", "--set", "mu=1e-400"), "mu"),      # was an 86-line sympy error
    (("neolithic.lemma-1", "--set", "R=1"), "R"),                          # outside the lemma's R > 1
    (("iade.lemma-2.1", "--set", "eps=1e999999999"), "eps"),               # used to hang building a Fraction
    (("iade.lemma-2.1", "--set", "eps=nan", "--set", "eps=1/10"), "eps"),  # the first value was dropped
    (("iade.lemma-2.1", "--set", "eps=nan"), "eps"),
    (("iade.lemma-2.1", "--set", "d=١٦"), "d"),                            # non-ASCII digits
    (("iade.lemma-2.1", "--set", "nosuch=1"), "nosuch"),
])
def test_bad_input_exits_2_with_one_line_naming_the_parameter(argv, name):
    code, out, err = run("check", *argv)
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and name in err and "Traceback" not in err, err


def test_bounded_parsing_is_fast():
    import time

    start = time.perf_counter()
    run("check", "iade.lemma-2.1", "--set", "eps=1e999999999")
    run("check", "iade.lemma-2.1", "--set", "eps=" + "9" * 10000)
    assert time.perf_counter() - start < 2.0


def test_degenerate_but_legal_parameters_get_a_verdict():
    code, out, err = run("check", "iade.lemma-7.2", "--set", "mu=1", "--set", "L=1", "--set", "eta=1")
    assert code == 0 and "HOLDS" in out, (code, out, err)  # was ZeroDivisionError inside PEPit


@pytest.mark.parametrize("argv", [
    ("iade.theorem-4.1", "--set", "K=800"),     # reported a verified theorem false (float64 floor)
    ("iade.theorem-4.1", "--set", "K=2000"),    # ratio 1e28 and "invalid value in cast"
    ("iade.theorem-4.1-bits", "--set", "L=50"),  # OverflowError, exit 1
])
def test_float64_limits_are_undecidable_not_false(argv):
    code, out, err = run("check", *argv)
    assert code == 3, (code, out[-500:], err)
    assert "NOT CHECKABLE" in out and "FAILS" not in out and "HOLDS" not in out


def test_undecidable_range_is_stated_and_the_decidable_part_holds():
    code, out, _ = run("check", "iade.theorem-4.1", "--set", "K=800")
    assert "take K <" in out
    k_max = int(out.split("take K <")[1].split(")")[0])
    code, out, _ = run("check", "iade.theorem-4.1", "--set", f"K={k_max - 1}")
    assert code == 0 and "HOLDS" in out


@pytest.mark.parametrize("claim_id", ["neolithic.theorem-3", "neolithic.theorem-4", "neolithic.table-rounds",
                                      "neolithic.figure-synthetic"])
def test_not_checkable_claims_exit_3_and_never_hold(claim_id):
    code, out, err = run("check", claim_id)
    assert code == 3 and "NOT CHECKABLE" in out and "HOLDS" not in out, (code, out[-500:], err)


def test_verdict_exit_codes():
    code, out, _ = run("check", "iade.lemma-2.1")
    assert code == 0 and "claim as printed HOLDS" in out
    code, out, _ = run("check", "iade.theorem-3.1")  # an erratum at its counterexample
    assert code == 1 and "claim as printed FAILS" in out and "corrected statement" in out


@pytest.fixture
def broken_claim(monkeypatch):
    def check(p):
        return {}["missing"]  # a bug in a check: KeyError

    claim = Claim(id="iade.test-broken", paper="iade", source="test", statement="a check with a bug",
                  status="verified-numeric", check=check, params=(Param("x", 1, 0, 2),))
    registry._load_all()
    monkeypatch.setitem(registry._REGISTRY, claim.id, claim)
    return claim.id


def test_internal_error_is_exit_4_one_line_and_debug_shows_the_traceback(broken_claim):
    code, out, err = run("check", broken_claim)
    assert code == 4 and err.count("\n") == 1 and "internal error" in err and "--debug" in err, err
    assert "Traceback" not in err
    code, out, err = run("check", broken_claim, "--debug")
    assert code == 4 and "Traceback" in err and "KeyError" in err


def test_human_output_is_plain_text():
    code, out, _ = run("check", "neolithic.lemma-1")
    assert "$" not in out and "\\" not in out and "Fraction(" not in out and "None" not in out, out
    code, out, _ = run("claims")
    assert "$" not in out and "\\mathbb" not in out
    code, out, _ = run("describe", "iade.lemma-7.1")
    assert code == 0 and "allowed range" in out


def test_help_and_version():
    code, out, _ = run("--version")
    assert code == 0 and "repro" in out
    code, out, _ = run("check", "--help")
    assert code == 0 and "exit codes" in out and "CLAIM_ID" in out and "describe" in out
    code, out, _ = run("--help")
    assert code == 0 and "describe" in out and "check" in out


def test_sweep_reports_where_an_erratum_bites_and_exits_accordingly():
    code, out, _ = run("check", "iade.theorem-3.1", "--sweep", "10")
    assert code == 1 and "first failing point" in out and "fraction holding" in out, out
    code, out, _ = run("check", "iade.lemma-2.1", "--sweep", "5")
    assert code == 0 and "fails 0" in out, out
    code, out, err = run("check", "iade.lemma-2.1", "--sweep", "0")
    assert code == 2 and "--sweep" in err
    code, out, err = run("check", "mcm.motivation", "--sweep", "3")  # no check registered: 3, not an internal error
    assert code == 3 and "no check is registered" in out and "internal error" not in err, (out, err)
