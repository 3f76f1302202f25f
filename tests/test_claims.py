"""The claims registry of 000 and the `repro` command line."""
import json

import pytest

from reference_impl.cli import main
from theory.registry import STATUSES, BadParameter, all_claims, get

IADE_IDS = {"iade.lemma-2.1", "iade.theorem-3.1", "iade.theorem-3.1-bits", "iade.theorem-4.1",
            "iade.theorem-4.1-bits", "iade.lemma-7.1", "iade.lemma-7.2", "iade.lemma-8.1", "iade.lemma-9.1",
            "iade.theorem-5.2", "iade.corollary-9.2", "iade.table-1"}
# The other statements of 000 (issue 13, section 2: displayed steps of the proofs, the appendix, the bits
# parts, quantitative sentences); their own tests are in tests/test_iade_statements.py.
IADE_STATEMENT_IDS = {
    "iade.lemma-2.1-matching", "iade.lemma-2.1-minimum", "iade.algorithm-1-step-range", "iade.proof-3.1-gradient-error",
    "iade.proof-3.1-radii", "iade.proof-3.1-bits-from-lemma-2.1", "iade.table-1-bits", "iade.theorem-4.1-gradient-error",
    "iade.appendix-b-phi0", "iade.appendix-b-y-bound", "iade.appendix-b-g-recursion", "iade.appendix-b-h-recursion",
    "iade.appendix-b-phi-star", "iade.appendix-b-log-growth", "iade.section-5-sgd-needs-assumption",
    "iade.section-5-memory-example", "iade.theorem-5.2-gradient-error", "iade.theorem-5.2-bits", "iade.corollary-9.2-bits"}
IADE_NOT_CHECKABLE = {"iade.priority-claims", "iade.abstract-total-bits", "iade.related-work",
                      "iade.section-3-trivial-algorithm"}
ALL_IADE_IDS = IADE_IDS | IADE_STATEMENT_IDS | IADE_NOT_CHECKABLE
FAST = sorted(IADE_IDS - {"iade.table-1"})  # table-1 runs the kappa sweep: covered by its notebook


def test_every_numbered_claim_of_000_is_registered():
    claims = all_claims("iade")
    assert {c.id for c in claims} == ALL_IADE_IDS
    for c in claims:
        assert c.status in STATUSES and (c.check is not None) == (c.id not in IADE_NOT_CHECKABLE), c.id
        assert (c.status == "not-checkable") == (c.id in IADE_NOT_CHECKABLE), c.id
        assert c.source.startswith("000")
        if c.status == "erratum":
            assert c.notes and c.correction, c.id


@pytest.mark.parametrize("claim_id", FAST)
def test_claim_check_at_defaults_matches_its_status(claim_id):
    claim = get(claim_id)
    result = claim.run_check()
    # verified claims hold at their defaults; errata's defaults are the counterexample
    assert result.holds == (claim.status != "erratum"), result.compared


def test_errata_corrected_statements_hold_where_printed_fail():
    r = get("iade.theorem-3.1").run_check()
    assert r.compared["first_k_printed_bound_fails"] == 2 and r.compared["first_k_corrected_bound_fails"] is None
    r = get("iade.corollary-9.2").run_check()
    assert r.compared["first_k_printed_fails"] is not None and r.compared["first_k_corrected_fails"] is None
    r = get("iade.theorem-3.1-bits").run_check()
    assert r.compared["zeta_printed"] < r.compared["max_measured_ratio"] <= r.compared["zeta_corrected"]
    assert r.compared["bits_per_encoding_max"] <= r.compared["corrected_bit_bound"]


def test_theorem31_printed_bound_holds_for_small_steps():
    """The erratum is specific to eta > 1: with eta <= 1 the printed bound holds (xi_s increasing in s)."""
    r = get("iade.theorem-3.1").run_check({"L": "1", "eta": "1/2", "c_prime": "3/4", "K": "30"})
    assert r.holds


def test_parameter_validation_names_parameter_and_range():
    with pytest.raises(BadParameter, match=r"c_prime=4/5 is outside its allowed range \(9/10, 1\)"):
        get("iade.lemma-7.1").run_check({"c": "0.9", "c_prime": "0.8"})
    with pytest.raises(BadParameter, match=r"parameter s=-1 is outside its allowed range \(0, inf\]"):
        get("iade.lemma-7.1").run_check({"s": "-1"})
    with pytest.raises(BadParameter, match="no parameter 'foo'"):
        get("iade.lemma-7.1").run_check({"foo": "1"})
    with pytest.raises(BadParameter, match="unknown claim"):
        get("iade.lemma-99")


def test_cli_exit_codes(capsys):
    args = ["check", "iade.lemma-7.1", "--set", "c=0.9", "--set", "c_prime=0.95", "--set", "s=1", "--set", "x0=3"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "xi_s" in out and "19" in out and "HOLDS" in out        # xi_s = 3 - 18 + 19... = 19 exactly
    assert main(["check", "iade.theorem-3.1"]) == 1
    assert "FAILS" in capsys.readouterr().out
    assert main(["check", "iade.lemma-7.1", "--set", "c_prime=2"]) == 2
    assert "c_prime" in capsys.readouterr().err
    assert main(["check", "no.such-claim"]) == 2
    assert main(["check", "iade.lemma-7.1", "--set", "oops"]) == 2


def test_cli_claims_listing_and_json(capsys):
    assert main(["claims", "--paper", "iade", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in listed} == ALL_IADE_IDS
    assert main(["check", "iade.lemma-2.1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["holds"] and payload["compared"]["lower_bound_bits"] <= payload["compared"]["measured_code_bits"]
    assert main(["claims", "--paper", "nope"]) == 2


def test_cli_list_names_every_figure(capsys):
    from reproductions.figures import all_figures

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert {"iade-kappa-scaling", "iade-bits", "iade-sgd-wgc"} <= set(all_figures())
    assert all(fid in out for fid in all_figures())
