"""Work 001: the statements added to the claims ledger for issue 13, section 2 (the bullets under Theorems 3
and 4, the algorithm listings, NEOLITHIC's budget, the algorithm class, the table columns, the background
slides) and the ``COVERAGE`` map of the seed text (``theory/claims/neolithic.py``)."""
import math
from fractions import Fraction as F

import pytest

from theory.claims import neolithic as M
from theory.registry import BadParameter, all_claims, get, mutants

#: The claims added for section 2 and their statuses (pinned: a change of status must be deliberate).
NEW = {
    "neolithic.algorithm-double-squeeze": "verified-numeric",
    "neolithic.algorithm-neolithic": "verified-numeric",
    "neolithic.algorithm-class": "verified-numeric",
    "neolithic.neolithic-budget": "verified-numeric",
    "neolithic.theorem-3-unidirectional": "verified-numeric",
    "neolithic.theorem-4-unidirectional": "verified-numeric",
    "neolithic.theorem-3-nearly-attained": "verified-symbolic",
    "neolithic.theorem-4-nearly-attained": "verified-symbolic",
    "neolithic.table-columns": "verified-symbolic",
    "neolithic.remark-psgd-communication": "verified-numeric",
    "neolithic.remark-lazy-communication": "verified-numeric",
    "neolithic.remark-psgd-speedup": "not-checkable",
    "neolithic.remark-dsgd": "not-checkable",
    "neolithic.remark-cited-methods": "not-checkable",
    "neolithic.remark-supremum": "not-checkable",
    "neolithic.conclusion": "not-checkable",
}
CHECKED = sorted(cid for cid, status in NEW.items() if status != "not-checkable")


@pytest.mark.parametrize("claim_id", sorted(NEW))
def test_new_claims_are_registered_with_their_status(claim_id):
    claim = get(claim_id)
    assert claim.status == NEW[claim_id] and claim.source.startswith("001")
    assert "|" not in claim.statement
    if claim.status == "not-checkable":
        assert claim.check is None and claim.notes.startswith("Not checkable: ")
    else:
        assert claim.check is not None and mutants(claim_id), claim_id


@pytest.mark.parametrize("claim_id", CHECKED)
def test_new_verified_claims_hold_at_their_defaults(claim_id):
    result = get(claim_id).run_check()
    assert result.holds, result.compared


def test_coverage_names_registered_claims_and_every_claim_is_covered():
    ids = {c.id for c in all_claims("neolithic")}
    named = [cid for _, cids, _ in M.COVERAGE for cid in cids]
    assert set(named) <= ids, set(named) - ids
    assert ids <= set(named), ids - set(named)
    for location, cids, note in M.COVERAGE:
        assert location and (cids or note), location     # an entry without a claim says why (definition, question)


def test_theorem_bullets_are_covered_by_their_own_claims():
    """The issue's named gap: the bullets under Theorems 3 and 4 each map to a claim of their own."""
    where = {loc: cids for loc, cids, _ in M.COVERAGE}
    bullets = [loc for loc in where if loc.startswith(("Theorem 3, bullet", "Theorem 4, bullet", "Theorem 3: 'where"))]
    assert len(bullets) == 5
    for loc in bullets:
        assert all(get(c).status != "not-checkable" for c in where[loc]), loc


def test_budget_counts_are_K_times_R_at_other_parameters():
    r = get("neolithic.neolithic-budget").run_check({"K": "5", "R": "2", "n": "2"})
    assert r.holds
    assert r.compared["measured_queries_per_worker"] == 10 == r.compared["measured_uplink_rounds"]
    assert r.compared["measured_downlink_rounds"] == 10


def test_nearly_attained_ratio_within_the_log_factor():
    for cid in ("neolithic.theorem-3-nearly-attained", "neolithic.theorem-4-nearly-attained"):
        for eps in ("1/100", "1/3", "1e-9"):
            r = get(cid).run_check({"epsilon_fcc": eps})
            assert r.holds
            # float evaluation of an exact ratio: 1e-12 relative is far above float64 rounding here
            assert 1 - 1e-12 <= r.compared["ratio_at_params"] <= r.compared["log_factor_at_params"] * (1 + 1e-12)
            assert 0 < r.compared["tightness_ratio_over_log"] <= 1 + 1e-12


def test_nearly_attained_refuses_a_residual_whose_log_is_below_one():
    with pytest.raises(BadParameter, match=r"epsilon_fcc=1/2 is outside its allowed range \(0, 1/3\]"):
        get("neolithic.theorem-3-nearly-attained").run_check({"epsilon_fcc": "1/2"})


def test_unidirectional_reduction_and_its_downlink_cost():
    for cid in ("neolithic.theorem-3-unidirectional", "neolithic.theorem-4-unidirectional"):
        r = get(cid).run_check({"R": "3"})
        assert r.holds and r.compared["server_error_stays_zero"]
        # the reference charges R full-precision FCC rounds for C_0 = I, the unidirectional broadcast one
        assert r.compared["downlink_bits_with_C0_identity"] == 3 * r.compared["downlink_bits_unidirectional"]


def test_zero_chain_support_grows_at_most_one_coordinate_per_iteration():
    r = get("neolithic.algorithm-class").run_check({"d": "12", "K": "10", "R": "2", "n": "3"})
    assert r.holds
    assert r.compared["results"]["identity"]["support_end_of_x"] == list(range(11))   # attained without compression
    dense = M.check_algorithm_class(get("neolithic.algorithm-class").resolve_params(), compressor="sketch")
    assert not dense.holds and dense.compared["results"]["sketch"]["support_end_of_x"][1] == 10


def test_lazy_communication_count_is_the_ceiling():
    for K in range(1, 30):
        for tau in range(1, 7):
            assert sum(1 for k in range(K) if k % tau == 0) == math.ceil(F(K, tau))


@pytest.mark.parametrize("claim_id, given, name", [
    ("neolithic.algorithm-double-squeeze", {"d": "3", "k": "3"}, "k"),
    ("neolithic.algorithm-class", {"d": "5", "K": "5"}, "K"),
    ("neolithic.neolithic-budget", {"R": "0"}, "R"),
    ("neolithic.remark-psgd-communication", {"n": "x"}, "n"),
])
def test_bad_input_names_the_parameter(claim_id, given, name):
    with pytest.raises(BadParameter, match=rf"parameter {name}="):
        get(claim_id).run_check(given)


def test_coverage_entries_without_a_claim_are_definitions_questions_or_titles():
    import re

    from theory import neolithic as N

    for location, cids, note in M.COVERAGE:
        for key in re.findall(r"DEFINITIONS\['([a-z_]+)'\]", note):
            assert key in N.DEFINITIONS, (location, key)
        if not cids:
            assert re.search(r"definition|a question|no statement", note), location
