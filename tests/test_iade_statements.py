"""The statements of 000 registered line by line (issue 13, section 2): each new claim's verdict at its
defaults matches its status, the errata's corrections hold where the printed statements fail, the
coverage map names only registered claims and names every one, and bad input is refused by name."""
from __future__ import annotations

from fractions import Fraction

import pytest

from theory.claims import iade as C
from theory.registry import BadParameter, all_claims, get

NEW = ("iade.lemma-2.1-matching", "iade.lemma-2.1-minimum", "iade.algorithm-1-step-range", "iade.proof-3.1-gradient-error",
       "iade.proof-3.1-radii", "iade.proof-3.1-bits-from-lemma-2.1", "iade.table-1-bits",
       "iade.theorem-4.1-gradient-error", "iade.appendix-b-phi0", "iade.appendix-b-y-bound",
       "iade.appendix-b-g-recursion", "iade.appendix-b-h-recursion", "iade.appendix-b-phi-star", "iade.appendix-b-log-growth",
       "iade.section-5-sgd-needs-assumption", "iade.section-5-memory-example", "iade.theorem-5.2-gradient-error",
       "iade.theorem-5.2-bits", "iade.corollary-9.2-bits")
NOT_CHECKABLE = ("iade.priority-claims", "iade.abstract-total-bits", "iade.related-work",
                 "iade.section-3-trivial-algorithm")


@pytest.mark.parametrize("claim_id", NEW)
def test_new_claim_verdict_matches_status(claim_id):
    claim = get(claim_id)
    assert claim.source.startswith("000")
    result = claim.run_check()
    assert result.holds == (claim.status != "erratum"), result.compared
    if claim.status == "erratum":
        assert claim.notes and claim.correction


@pytest.mark.parametrize("claim_id", NOT_CHECKABLE)
def test_not_checkable_claims_say_why(claim_id):
    claim = get(claim_id)
    assert claim.status == "not-checkable" and claim.check is None and len(claim.notes) > 40


def test_coverage_names_registered_claims_and_every_claim():
    ids = {c.id for c in all_claims("iade")}
    named = {cid for _, cids, _ in C.COVERAGE for cid in cids}
    assert named <= ids, sorted(named - ids)
    assert ids <= named, sorted(ids - named)
    for location, cids, note in C.COVERAGE:
        assert location and (cids or note), location   # a statement without a claim says why


def test_table1_bits_iade_row_holds_and_aiade_row_grows():
    r = get("iade.table-1-bits").run_check()
    assert r.compared["iade_bits_constant_in_k"]
    assert 0.85 <= r.compared["iade_slope_bits_per_coordinate_vs_log2_L"] <= 1.15   # d log L: one bit per doubling
    assert r.compared["aiade_bits_per_coordinate_gain_k_quarter_to_K"] > 2 * r.compared["aiade_allowed_gain"]


def test_table1_bits_check_can_reject_the_iade_row():
    """With AIADE's growth allowed (the correction), a typo O(d) for O(d log L) must still fail on IADE's runs."""
    import sympy as sp

    from theory import iade as T
    from theory.claims._exact import patched

    p = get("iade.table-1-bits").resolve_params()
    with patched(T, {"table1_bits_order": T.d * sp.Integer(1)}):
        assert not C.check_table1_bits(p, aiade_allowed_growth=C._table1_corrected_growth).holds
    assert C.check_table1_bits(p, aiade_allowed_growth=C._table1_corrected_growth).holds


def test_errata_corrections_hold():
    assert C.check_phi0(get("iade.appendix-b-phi0").resolve_params(), linear_term=True).holds
    r = get("iade.appendix-b-phi0").run_check()
    assert r.compared["max_phi0_minus_rhs"] > 0
    p = get("iade.theorem-5.2-gradient-error").resolve_params()
    r = C.check_sgd_gradient_error(p, squared_in_expectation=True)
    assert r.holds and r.compared["max_norm_over_printed_bound"] > 1 >= r.compared["max_mean_squared_over_bound"]


def test_lemma21_minimum_counterexample_is_exact():
    r = get("iade.lemma-2.1-minimum").run_check()
    assert r.compared["printed_minimal_bits"] == 2 and r.compared["codewords_at_least_by_boundary"] == 6
    assert r.compared["bits_at_least"] == 3
    # where the printed value is consistent with both lower bounds the check holds (it is not an always-false)
    assert get("iade.lemma-2.1-minimum").run_check({"eps": "1/4"}).holds


def test_proof_31_chain_is_tight_to_a_factor_two():
    r = get("iade.proof-3.1-gradient-error").run_check()
    assert r.compared["server_equals_mean_of_workers"] and 0.5 < r.compared["max_error_over_bound"] <= 1


def test_appendix_b_constants_are_tight():
    assert get("iade.appendix-b-y-bound").run_check().compared["sup_over_mu_over_L"] == "3"
    assert get("iade.appendix-b-h-recursion").run_check().compared["min_slack_c_in_0_1"] == "0"


def test_sgd_floor_is_zero_only_with_interpolation():
    p = get("iade.section-5-sgd-needs-assumption").resolve_params()
    r = C.check_sgd_needs_assumption(p)
    assert Fraction(r.compared["floor_at_eta"]) > 0
    r = C.check_sgd_needs_assumption(p, interpolating=True)
    assert Fraction(r.compared["floor_at_eta"]) == 0 and not r.holds


@pytest.mark.parametrize("claim_id, given, word", [
    ("iade.proof-3.1-gradient-error", {"eta": "3"}, "eta"),
    ("iade.proof-3.1-gradient-error", {"c_prime": "1/4"}, "c_prime"),
    ("iade.section-5-sgd-needs-assumption", {"eta": "1"}, "eta"),
    ("iade.algorithm-1-step-range", {"mu": "2"}, "mu"),
    ("iade.appendix-b-log-growth", {"mu": "2"}, "mu"),
    ("iade.theorem-5.2-bits", {"runs": "1"}, "runs"),
])
def test_bad_parameters_are_refused_by_name(claim_id, given, word):
    with pytest.raises(BadParameter, match=word):
        get(claim_id).run_check(given)
