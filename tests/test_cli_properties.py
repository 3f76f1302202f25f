"""Property-based tests of ``repro check``: random bad and odd input never ends in a traceback.

Every call goes through :func:`reference_impl.cli.main` in-process, with stdout/stderr captured. The
properties:

* a bad value (not a number, NaN/inf, non-ASCII digits, too long, a huge exponent, out of range, an
  unknown parameter, a parameter given twice) exits 2 with one line on stderr that names the
  parameter; the check itself never runs;
* any legal value of a fast claim's parameter exits 0, 1 or 3 (never 4, never a traceback);
* the exit code means one thing: 0 only with "HOLDS" printed, 1 only with "FAILS", 3 only with
  "NOT CHECKABLE".

Examples: the "ci" profile (default) is derandomized (the same examples on every machine) with a
few hundred examples in all; ``REPRO_FULL=1`` selects the "full" profile with many more. The counts
(tried / clear errors / internal errors) are printed at the end of the module's tests.
"""
from __future__ import annotations

import contextlib
import io
import os
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_impl.cli import main
from theory.registry import all_claims, get

settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("full", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("full" if os.environ.get("REPRO_FULL") == "1" else "ci")

COUNTS = {"tried": 0, "clear_errors": 0, "verdicts": 0, "internal_errors": 0}


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    COUNTS["tried"] += 1
    if code == 4 or "Traceback" in err.getvalue() or "Traceback" in out.getvalue():
        COUNTS["internal_errors"] += 1
    return code, out.getvalue(), err.getvalue()


# Claims whose check runs in well under a second at any legal value of their parameters (measured
# with the boundary sweep of every claim; slow ones, e.g. Monte Carlo runs, are exercised elsewhere).
FAST_CLAIMS = ("iade.lemma-2.1", "iade.lemma-7.1", "iade.lemma-8.1", "neolithic.assumption-4",
               "neolithic.example-topk-randk", "neolithic.table-mem-sgd", "neolithic.theorem-1",
               "mcm.theorem-2")
CLAIMS = {c.id: c for c in all_claims()}
PARAMETRISED = sorted(cid for cid, c in CLAIMS.items() if c.params)

bad_text = st.one_of(
    st.sampled_from(["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999999999", "-1e400", "1e-400",
                     "1/0", "0x10", "1_000", "", " ", "1/", "/2", "--1", "1e", "e5", "1.2.3", "½", "١٢",
                     "３", "1 2", "None", "True", "1+1", "(1)", "1,5"]),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), min_size=1, max_size=8)
      .filter(lambda t: t.strip() and not t.strip().lstrip("+-").replace(".", "", 1).isdigit()),
    st.integers(min_value=65, max_value=400).map(lambda n: "1" * n),  # too long
)


@given(claim_id=st.sampled_from(PARAMETRISED), data=st.data(), value=bad_text)
def test_bad_value_is_a_clear_error(claim_id, data, value):
    param = data.draw(st.sampled_from(CLAIMS[claim_id].params))
    code, out, err = _run(["check", claim_id, "--set", f"{param.name}={value}"])
    assert code == 2, (claim_id, param.name, value, code, out[-500:], err)
    assert out == "" and err.count("\n") == 1 and param.name in err, (value, err)
    COUNTS["clear_errors"] += 1


@given(claim_id=st.sampled_from(PARAMETRISED), data=st.data())
def test_out_of_range_value_names_the_range(claim_id, data):
    claim = CLAIMS[claim_id]
    candidates = [p for p in claim.params if p.low is not None or p.high is not None]
    if not candidates:
        return
    param = data.draw(st.sampled_from(candidates))
    if param.low is not None and (param.high is None or data.draw(st.booleans())):
        value = Fraction(param.low) - (0 if param.low_open else (1 if param.kind == "int" else Fraction(1, 7)))
    else:
        value = Fraction(param.high) + (0 if param.high_open else (1 if param.kind == "int" else Fraction(1, 7)))
    text = str(int(value)) if param.kind == "int" else str(value)
    code, out, err = _run(["check", claim_id, "--set", f"{param.name}={text}"])
    assert code == 2 and param.name in err and "range" in err, (claim_id, param.name, text, code, err)
    COUNTS["clear_errors"] += 1


@given(claim_id=st.sampled_from(PARAMETRISED), name=st.text(alphabet="abcdefghxyz_", min_size=1, max_size=6))
def test_unknown_or_repeated_parameter(claim_id, name):
    claim = CLAIMS[claim_id]
    known = {p.name for p in claim.params}
    if name in known:
        argv = ["check", claim_id, "--set", f"{name}=1", "--set", f"{name}=2"]
    else:
        argv = ["check", claim_id, "--set", f"{name}=1"]
    code, out, err = _run(argv)
    assert code == 2 and name in err and err.count("\n") == 1, (argv, code, err)
    COUNTS["clear_errors"] += 1


def _legal_values(param):
    """A strategy of legal values (as text) for one parameter, including its boundaries."""
    if param.kind == "int":
        lo = param.low + (1 if param.low_open else 0) if param.low is not None else -50
        hi = param.high - (1 if param.high_open else 0) if param.high is not None else lo + 50
        return st.integers(min_value=int(lo), max_value=int(min(hi, lo + 50))).map(str)
    lo = Fraction(param.low) if param.low is not None else Fraction(-100)
    hi = Fraction(param.high) if param.high is not None else lo + 100
    return st.fractions(min_value=lo, max_value=hi, max_denominator=1000).filter(
        lambda v: not ((param.low_open and v == lo) or (param.high_open and v == hi))).map(str)


@given(claim_id=st.sampled_from(FAST_CLAIMS), data=st.data())
@settings(max_examples=40)
def test_legal_values_give_a_verdict_never_a_crash(claim_id, data):
    claim = get(claim_id)
    param = data.draw(st.sampled_from(claim.params))
    value = data.draw(_legal_values(param))
    code, out, err = _run(["check", claim_id, "--set", f"{param.name}={value}"])
    # 2 is allowed: a value legal for its own range may break a joint hypothesis (e.g. c' > c).
    assert code in (0, 1, 2, 3), (claim_id, param.name, value, code, err)
    if code == 2:
        assert param.name in err or "parameter" in err, err
    else:
        COUNTS["verdicts"] += 1
        word = {0: "HOLDS", 1: "FAILS", 3: "NOT CHECKABLE"}[code]
        assert word in out, (code, out[-300:])
        assert "Fraction(" not in out and "None" not in out and "$" not in out, out


def test_not_checkable_claims_never_print_holds():
    for claim in all_claims():
        if claim.status != "not-checkable":
            continue
        code, out, err = _run(["check", claim.id])
        assert code == 3 and "HOLDS" not in out and "NOT CHECKABLE" in out, (claim.id, code, out[-300:])


def test_zz_report_counts(capsys):
    """Runs last in this module (alphabetical order within the file is definition order): the counts."""
    with capsys.disabled():
        print(f"\nrepro check property suite: {COUNTS['tried']} inputs tried, {COUNTS['clear_errors']} clear "
              f"errors (exit 2), {COUNTS['verdicts']} verdicts, {COUNTS['internal_errors']} internal errors")
    assert COUNTS["internal_errors"] == 0
