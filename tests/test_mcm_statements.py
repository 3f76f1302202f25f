"""Issue 13, section 2 for 004 (MCM): every statement of the slides in the claims ledger.

The claims added to theory/claims/mcm.py for the update rules, the proof steps, the features table, the memory
mechanism (Assumption 2) and the heterogeneous extension, the not-checkable statements, and the coverage table
``COVERAGE`` (seed location -> claim ids).
"""
from fractions import Fraction

import numpy as np
import pytest

from theory import mcm as T
from theory.claims import mcm as M
from theory.claims._exact import patched
from theory.registry import BadParameter, all_claims, get

NEW_VERIFIED = ("mcm.unbiased-local-model", "mcm.perturbed-iterate-identity", "mcm.heterogeneous-extension",
                "mcm.assumption-2-memory", "mcm.table-features", "mcm.first-attempts-variance",
                "mcm.double-compression-noise-increase", "mcm.ghost-summary-variance", "mcm.rand-mcm-independence")
NEW_ERRATA = ("mcm.first-attempts-formulas", "mcm.equation-4", "mcm.memory-update-equation", "mcm.proposition-1-proof",
              "mcm.perturbed-iterate-decomposition", "mcm.strong-contraction-bounds")
NEW_NOT_CHECKABLE = ("mcm.nonconvex-theorem", "mcm.motivation", "mcm.ghost-infeasible", "mcm.proof-strategy-remarks",
                     "mcm.cited-results", "mcm.beyond-quadratic", "mcm.rand-mcm-remarks", "mcm.experiments",
                     "mcm.take-away")


def test_coverage_table_names_every_claim_and_only_registered_ones():
    ids = {c.id for c in all_claims("mcm")}
    used = {i for _, claim_ids, _ in M.COVERAGE for i in claim_ids}
    assert used == ids
    assert set(NEW_VERIFIED + NEW_ERRATA + NEW_NOT_CHECKABLE) <= ids
    for location, claim_ids, note in M.COVERAGE:
        assert location.startswith("L") and isinstance(claim_ids, tuple) and isinstance(note, str)
        if not claim_ids:        # a definition, hypothesis or pointer: the note says why nothing is checked
            assert note, location


def test_statuses_of_the_new_claims():
    for cid in NEW_VERIFIED:
        assert get(cid).status.startswith("verified"), cid
    for cid in NEW_ERRATA:
        c = get(cid)
        assert c.status == "erratum" and c.notes and c.correction, cid
    for cid in NEW_NOT_CHECKABLE:
        c = get(cid)
        assert c.status == "not-checkable" and c.check is None and len(c.notes) > 40, cid


@pytest.mark.parametrize("claim_id", NEW_VERIFIED + NEW_ERRATA)
def test_new_claim_at_defaults_matches_its_status(claim_id):
    claim = get(claim_id)
    assert claim.run_check().holds == (claim.status != "erratum")


def test_expectation_helper_matches_rand_k_closed_forms():
    """E[C(x)] = x and E[C(x)_j^2] = (d/k) x_j^2 for rand-k (exact)."""
    x = np.array([Fraction(1), Fraction(-2), Fraction(3)], dtype=object)
    mean, second = M.expect_rand_k([T.C_down(T.w_new), T.C_down(T.w_new) ** 2], {"w_new": x}, d=3, k=1)
    assert list(mean) == list(x)
    assert list(second) == [3 * v * v for v in x]
    mean2, = M.expect_rand_k([T.C_down(T.w_new)], {"w_new": x}, d=3, k=2)
    assert list(mean2) == list(x)


def test_printed_model_difference_rule_has_the_derived_bias():
    """E[w_hat_k | w_k, w_hat_{k-1}] - w_k = (1 + gamma)(w_hat_{k-1} - w_k) for the printed rule; 0 corrected."""
    gamma = Fraction(1, 10)
    vals = dict(M._UNBIASED_VALUES, gamma=np.array([gamma, gamma], dtype=object))
    printed, corrected = M.expect_rand_k([T.model_difference_w_hat_printed, T.model_difference_w_hat_corrected], vals)
    bias = [p - w for p, w in zip(printed, vals["w_new"])]
    assert bias == [(1 + gamma) * (a - w) for a, w in zip(vals["w_hat_prev"], vals["w_new"])]
    assert list(corrected) == list(vals["w_new"])


def test_strong_convexity_corrected_coefficient_is_tight():
    """With mu/2 the bound holds and is attained along the mu-eigenvector (F = mu x^2 / 2)."""
    with patched(T, {"strong_contraction_bound": -2 * T.gamma * (T.mu / 2 * T.D_hat + T.F_gap_hat)}):
        res = M.check_strong_contraction_bounds(get("mcm.strong-contraction-bounds").resolve_params())
    first = res.compared["points"][0]
    assert res.holds and first["lhs"] == first["strong_convexity_bound"]


def test_features_probe_tells_memory_from_no_memory():
    rows = get("mcm.table-features").run_check().compared["observed"]
    assert rows["Diana"]["h_up"] and not rows["Qsgd"]["h_up"] and not rows["Double-Squeeze"]["h_up"]
    assert rows["Rand-MCM"]["random"] and not rows["MCM"]["random"]
    assert rows["MCM"]["update_point"] == "non-degraded" and rows["Artemis"]["update_point"] == "degraded"


def test_heterogeneous_problem_has_the_announced_optimum_and_heterogeneity():
    problem = M.heterogeneous_least_squares(4, 4, 20, 10.0, "test")
    x_star = np.asarray(problem.x_star, float)
    assert abs(np.linalg.norm(x_star) - 0.5) < 1e-9          # w_* = c with ||c|| = offset
    grads = M._worker_grads_at(problem, x_star)
    assert np.abs(grads.mean(axis=0)).max() < 1e-9           # grad F(w_*) = 0
    assert (grads ** 2).sum(axis=1).max() > 1                 # B^2 > 0: heterogeneous


def test_heterogeneous_extension_without_memory_fails_and_homogeneous_case_holds():
    claim = get("mcm.heterogeneous-extension")
    no_memory = M.check_heterogeneous_extension(claim.resolve_params(), up_memory=False)
    assert not no_memory.holds and no_memory.compared["tightness_max_mean_of_gaps_over_bound"] > 1
    assert claim.run_check({"spread": "0"}).holds


def test_ghost_summary_ratio_tends_to_two():
    r = get("mcm.ghost-summary-variance").run_check()
    assert r.compared["limit_omega_down_to_infinity"] == 2 and r.compared["max_over_grid"] < 2


@pytest.mark.parametrize("claim_id, given, match", [
    ("mcm.heterogeneous-extension", {"batch": "20"}, r"batch=20 is outside its allowed range \[0, n - 1\]"),
    ("mcm.heterogeneous-extension", {"alpha_down": "1"}, r"alpha_down=1 is outside its allowed range"),
    ("mcm.heterogeneous-extension", {"d": "12", "n": "4"}, r"n=4 is outside its allowed range \[d, 200\]"),
    ("mcm.rand-mcm-independence", {"N": "5", "groups": "2"}, r"groups=2 is outside its allowed range divisors of N"),
    ("mcm.strong-contraction-bounds", {"mu": "2"}, r"mu=2 is outside its allowed range \(0, L\]"),
    ("mcm.assumption-2-memory", {"spread": "0"}, r"spread=0 is outside its allowed range \(0, 100\]"),
    ("mcm.first-attempts-variance", {"batch": "20"}, r"batch=20 is outside its allowed range \[0, n - 1\]"),
])
def test_bad_parameters_name_the_parameter_and_range(claim_id, given, match):
    with pytest.raises(BadParameter, match=match):
        get(claim_id).run_check(given)
