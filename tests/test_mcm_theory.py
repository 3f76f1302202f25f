"""Theory and claims of 004 (MCM / Rand-MCM): theory/mcm.py and theory/claims/mcm.py."""
import json
import math
import random
from fractions import Fraction

import pytest
import sympy as sp

from reference_impl.cli import main
from theory import mcm as T
from theory.registry import STATUSES, BadParameter, all_claims, get

MCM_IDS = {
    "mcm.proposition-1", "mcm.theorem-2", "mcm.theorem-3", "mcm.theorem-4", "mcm.theorem-4-noise-levels",
    "mcm.theorem-5", "mcm.gamma-max", "mcm.remark-gamma-max", "mcm.remark-gamma-max-dore", "mcm.theorem-6",
    "mcm.theorem-6-corollary", "mcm.limit-variance", "mcm.limit-variance-comparison", "mcm.theorem-7",
    "mcm.theorem-7-decreasing-steps", "mcm.theorem-8", "mcm.theorem-9", "mcm.table-rates-gamma-max",
    "mcm.table-rates-limit-variance", "mcm.table-rates-sc-rate", "mcm.table-rates-sc-complexity",
    "mcm.table-rates-convex-complexity",
}
ERRATA = {"mcm.theorem-2", "mcm.theorem-4-noise-levels", "mcm.theorem-5", "mcm.remark-gamma-max-dore",
          "mcm.limit-variance-comparison", "mcm.theorem-7-decreasing-steps", "mcm.table-rates-gamma-max"}
# The other statements of 004 (issue 13, section 2: displayed steps of the proof sketches, the features
# table, the first attempts, the heterogeneous extension); their own tests are in tests/test_mcm_statements.py.
MCM_STATEMENT_IDS = {
    "mcm.assumption-2-memory", "mcm.double-compression-noise-increase", "mcm.equation-4", "mcm.first-attempts-formulas",
    "mcm.first-attempts-variance", "mcm.ghost-summary-variance", "mcm.heterogeneous-extension",
    "mcm.memory-update-equation", "mcm.perturbed-iterate-decomposition", "mcm.perturbed-iterate-identity",
    "mcm.proposition-1-proof", "mcm.rand-mcm-independence", "mcm.strong-contraction-bounds", "mcm.table-features",
    "mcm.unbiased-local-model", "mcm.theorems-6-7-alpha-down"}
MCM_NOT_CHECKABLE = {"mcm.beyond-quadratic", "mcm.cited-results", "mcm.experiments", "mcm.ghost-infeasible",
                     "mcm.motivation", "mcm.nonconvex-theorem", "mcm.proof-strategy-remarks", "mcm.rand-mcm-remarks",
                     "mcm.take-away"}
ERRATA |= {"mcm.equation-4", "mcm.first-attempts-formulas", "mcm.memory-update-equation",
           "mcm.perturbed-iterate-decomposition", "mcm.proposition-1-proof", "mcm.strong-contraction-bounds",
           "mcm.theorems-6-7-alpha-down"}
ALL_MCM_IDS = MCM_IDS | MCM_STATEMENT_IDS | MCM_NOT_CHECKABLE


def test_every_claim_of_004_is_registered_with_a_valid_status():
    claims = all_claims("mcm")
    assert {c.id for c in claims} == ALL_MCM_IDS
    for c in claims:
        assert c.status in STATUSES and (c.check is None) == (c.id in MCM_NOT_CHECKABLE), c.id
        assert (c.status == "not-checkable") == (c.id in MCM_NOT_CHECKABLE), c.id
        assert c.source.startswith("004"), c.id
        assert (c.status == "erratum") == (c.id in ERRATA), c.id
        if c.status == "erratum":
            assert c.notes and c.correction, c.id


@pytest.mark.parametrize("claim_id", sorted(MCM_IDS | MCM_STATEMENT_IDS))
def test_claim_check_at_defaults_matches_its_status(claim_id):
    claim = get(claim_id)
    result = claim.run_check()
    # verified claims hold at their defaults; errata's defaults are the counterexample
    assert result.holds == (claim.status != "erratum"), result.compared


# -- theory/mcm.py ---------------------------------------------------------------------------------------
def test_remark_asymptotic_limits_are_positive_finite_constants():
    lim = T.remark_gamma_max_limits()
    N = T.N
    assert sp.simplify(lim["mcm"] - sp.sqrt(2) * sp.sqrt(N) / (16 * sp.sqrt(8 * N + 1))) == 0
    assert sp.simplify(lim["dore"] - N / 8) == 0
    assert lim["exponent_mcm"] == sp.Rational(-3, 2) and lim["exponent_dore"] == -2
    for n in (1, 4, 1000):
        for key in ("mcm", "dore", "ratio_constant"):
            v = lim[key].subs(N, n)
            assert v.is_positive and v.is_finite, (key, n, v)
    # N -> oo: gamma_max L omega^{3/2} -> 1/32
    assert sp.limit(lim["mcm"], N, sp.oo) == sp.Rational(1, 32)


def test_gamma_max_is_the_min_of_its_components_exactly():
    rng = random.Random(4)
    names = ("gamma_max_up", "gamma_max_down", "gamma_max_Upsilon")
    for _ in range(20):
        vals = dict(L=Fraction(rng.randint(1, 9), rng.randint(1, 9)),
                    omega_up=Fraction(rng.randint(1, 60), rng.randint(1, 7)),
                    omega_down=Fraction(rng.randint(1, 60), rng.randint(1, 7)), N=rng.randint(1, 50))
        comps = [T.substitute(getattr(T, n), vals) for n in names]      # exact sympy numbers (radicals)
        smallest = comps[0]
        for c in comps[1:]:
            if bool(c < smallest):                                       # exact comparison of algebraic numbers
                smallest = c
        gm = T.substitute(T.gamma_max, vals)
        assert gm.is_number and (gm - smallest).equals(0), vals
        assert all(bool(gm <= c) for c in comps)
        assert math.isclose(T.numeric("gamma_max", **vals), float(smallest), rel_tol=1e-12)
    vals = dict(L=Fraction(3, 2), omega_up=Fraction(5, 3), omega_down=Fraction(1, 7), N=3)
    assert T.value("gamma_max", **vals) == T.substitute(T.gamma_max, vals) == min(
        T.value(n, **vals) for n in names)


def test_derivations_recover_the_printed_constants():
    assert sp.simplify(T.derive_gamma_max_upsilon() - T.gamma_max_Upsilon) == 0
    assert sp.simplify(T.derive_lyapunov_weight() - T.lyapunov_weight) == 0
    assert sp.simplify(T.derive_phi() - T.Phi) == 0


def test_evaluators():
    assert T.exact("gamma_max_down", L=1, omega_down=Fraction(1, 2)) == Fraction(1, 4)
    assert T.exact("theorem5_alpha_bound_corrected", omega_down=Fraction(1, 10)) == 1
    with pytest.raises(ValueError, match="not rational"):
        T.exact("gamma_max_Upsilon", L=1, omega_up=1, omega_down=1, N=1)
    with pytest.raises(ValueError, match="needs values for"):
        T.numeric("gamma_max", L=1)
    with pytest.raises(KeyError, match="unknown constant"):
        T.value("no_such_constant")
    assert T.value("gamma_max", L=1, omega_up=1, omega_down=1, N=1) == sp.sqrt(2) / 48


# -- the errata: printed statement fails, corrected one holds ----------------------------------------------
def test_errata_corrections_hold():
    r = get("mcm.theorem-2").run_check({"gamma_L": "1/2"})
    assert r.holds
    r = get("mcm.theorem-5").run_check()
    assert r.compared["with_corrected_alpha"]["holds"] and not r.compared["literal_reading_omega1_alpha3"]["holds"]
    assert r.compared["memory_contraction"] == Fraction(23, 8)
    assert get("mcm.theorem-5").run_check({"alpha_down": "1"}).holds
    r = get("mcm.theorem-4-noise-levels").run_check()
    assert r.compared["exact_double"] == r.compared["corrected_double"] == 2 * r.compared["printed_double"]
    assert r.compared["exact_unidirectional"] == r.compared["printed_unidirectional"]
    r = get("mcm.table-rates-gamma-max").run_check()
    c = r.compared["MCM_corrected"]
    assert c["exponent_table"] == c["exponent_definition"] and Fraction(c["ratio_limit"]) > 0
    assert r.compared["MCM_printed"]["ratio_limit"] == "oo"
    assert get("mcm.table-rates-gamma-max").run_check({"p_up": "1", "p_down": "1"}).holds
    r = get("mcm.theorem-7-decreasing-steps").run_check()
    assert r.compared["corrected_admissible"] and r.compared["gamma_0_over_gamma_max"] >= 2
    assert get("mcm.remark-gamma-max-dore").run_check({"omega_up": "10000", "omega_down": "10000", "N": "1"}).holds
    assert get("mcm.limit-variance-comparison").run_check({"omega_down": "8", "omega_up": "1"}).holds


def test_proposition1_is_attained_by_rand_k():
    """rand-k has equality in Assumption 1: the bound of Proposition 1 is then an equality (Monte Carlo)."""
    r = get("mcm.proposition-1").run_check()
    assert abs(r.compared["randk_z"]) <= 4 and abs(r.compared["randk_ratio"] - 1) < 0.1
    assert r.compared["qsgd_empirical"] <= r.compared["qsgd_bound"]


# -- parameters ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("claim_id, given, match", [
    ("mcm.theorem-5", {"alpha_down": "3"},
     r"alpha_down=3 is outside its allowed range \(0, \(4 omega_down\)\^-1\] = \(0, 5/2\]"),
    ("mcm.theorem-5", {"gamma": "2"}, r"parameter gamma=2 is outside its allowed range"),
    ("mcm.theorem-5", {"k": "11"}, r"parameter k=11 is outside its allowed range \[1, d - 1\]"),
    ("mcm.theorem-5", {"d": "1"}, r"parameter d=1 is outside its allowed range \[2, 16\]"),
    ("mcm.gamma-max", {"omega_down": "-1"}, r"parameter omega_down=-1 is outside its allowed range \(0, inf\]"),
    ("mcm.theorem-6", {"alpha_down": "1/2"},
     r"alpha_down=1/2 is outside its allowed range \(0, min\(1, 1/\(4 omega_down\)\)\]"),
    ("mcm.theorem-6", {"batch": "20"}, r"parameter batch=20 is outside its allowed range \[0, n - 1\]"),
    ("mcm.theorem-7-decreasing-steps", {"mu": "2"}, r"parameter mu=2 is outside its allowed range \(0, L\]"),
    ("mcm.theorem-8", {"groups": "3"}, r"parameter groups=3 is outside its allowed range"),
    ("mcm.table-rates-gamma-max", {"p_up": "0"}, r"parameter p_up=0 is outside its allowed range \(0, 4\]"),
    ("mcm.proposition-1", {"gamma": "0"}, r"parameter gamma=0 is outside its allowed range \(0, inf\]"),
    ("mcm.remark-gamma-max", {"oops": "1"}, r"no parameter 'oops'"),
])
def test_bad_parameters_name_the_parameter_and_range(claim_id, given, match):
    with pytest.raises(BadParameter, match=match):
        get(claim_id).run_check(given)


def test_cli(capsys):
    assert main(["check", "mcm.gamma-max", "--set", "omega_up=2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["holds"]
    assert main(["check", "mcm.theorem-5"]) == 1
    assert "FAILS" in capsys.readouterr().out
    assert main(["check", "mcm.theorem-5", "--set", "alpha_down=9"]) == 2
    assert "alpha_down" in capsys.readouterr().err
    assert main(["claims", "--paper", "mcm", "--json"]) == 0
    assert {c["id"] for c in json.loads(capsys.readouterr().out)} == ALL_MCM_IDS
