"""Work 001 (lower bounds, FCC, NEOLITHIC): the symbolic theory and the claims registry."""
import json

import pytest
import sympy as sp

from reference_impl.cli import main
from theory import neolithic as N
from theory.constants import Constant
from theory.registry import STATUSES, BadParameter, NotCheckable, all_claims, get

#: Every numbered item of 001 and its status (pinned: a change of status must be deliberate).
EXPECTED = {
    "neolithic.assumption-3": "verified-numeric",
    "neolithic.assumption-4": "verified-numeric",
    "neolithic.example-qsgd": "verified-numeric",
    "neolithic.example-wangni": "erratum",
    "neolithic.example-topk-randk": "erratum",
    "neolithic.example-sketching": "erratum",
    "neolithic.theorem-1": "erratum",
    "neolithic.theorem-1-special-cases": "verified-symbolic",
    "neolithic.corollary-1": "erratum",  # was verified by comparing the bound with itself (issue 13)
    "neolithic.theorem-2": "erratum",
    "neolithic.algorithm-fcc": "verified-numeric",
    "neolithic.lemma-1": "erratum",
    "neolithic.remark-fcc-unbiased": "verified-numeric",
    "neolithic.theorem-3": "not-checkable",
    "neolithic.theorem-4": "not-checkable",
    "neolithic.remark-linear-speedup": "verified-symbolic",
    "neolithic.remark-no-linear-speedup": "verified-symbolic",
    "neolithic.table-theorem-1": "verified-symbolic",
    "neolithic.table-theorem-2": "verified-symbolic",
    "neolithic.table-theorem-3": "verified-symbolic",
    "neolithic.table-theorem-4": "verified-symbolic",
    "neolithic.table-qsgd": "erratum",
    "neolithic.table-mem-sgd": "verified-symbolic",
    "neolithic.table-double-squeeze": "verified-symbolic",
    "neolithic.table-cser": "verified-symbolic",
    "neolithic.table-ef21-sgd": "verified-symbolic",
    "neolithic.table-transient": "verified-symbolic",
    "neolithic.table-rounds": "not-checkable",
    "neolithic.table-cifar-topk": "not-checkable",
    "neolithic.table-cifar-quantization": "not-checkable",
    "neolithic.figure-synthetic": "not-checkable",
    "neolithic.figure-deep-training": "not-checkable",
    # seed statements registered in issue 13, section 2 (listings, budget, Theorem 3/4 bullets, remarks)
    "neolithic.algorithm-double-squeeze": "verified-numeric", "neolithic.algorithm-neolithic": "verified-numeric",
    "neolithic.algorithm-class": "verified-numeric", "neolithic.neolithic-budget": "verified-numeric",
    "neolithic.theorem-3-unidirectional": "verified-numeric", "neolithic.theorem-4-unidirectional": "verified-numeric",
    "neolithic.theorem-3-nearly-attained": "verified-symbolic", "neolithic.theorem-4-nearly-attained": "verified-symbolic",
    "neolithic.table-columns": "verified-symbolic", "neolithic.remark-psgd-communication": "verified-numeric",
    "neolithic.remark-lazy-communication": "verified-numeric", "neolithic.remark-psgd-speedup": "not-checkable",
    "neolithic.remark-dsgd": "not-checkable", "neolithic.remark-cited-methods": "not-checkable",
    "neolithic.remark-supremum": "not-checkable", "neolithic.conclusion": "not-checkable",
}
WITH_CHECK = sorted(cid for cid in EXPECTED if get(cid).check is not None)


def test_every_numbered_item_of_001_is_registered_with_a_valid_status():
    claims = {c.id: c for c in all_claims("neolithic")}
    assert set(claims) == set(EXPECTED)
    for cid, claim in claims.items():
        assert claim.status in STATUSES and claim.status == EXPECTED[cid], cid
        assert claim.source.startswith("001"), cid
        if claim.status == "erratum":
            assert claim.notes and claim.correction and claim.check is not None, cid
        if claim.status == "not-checkable":
            assert claim.notes, cid
        else:
            assert claim.check is not None, cid
        assert "|" not in claim.statement, cid  # the book's ledger table would escape it


@pytest.mark.parametrize("claim_id", WITH_CHECK)
def test_check_at_defaults_matches_status_and_is_json(claim_id, capsys):
    """verified -> holds (exit 0); erratum -> fails as printed (exit 1); not-checkable -> exit 3, never
    "holds", while its partial check (reported as ``partial_check_holds``) holds.

    Goes through ``repro check --json``, so every compared value must be JSON-serialisable.
    """
    claim = get(claim_id)
    code = main(["check", claim_id, "--json"])
    payload = json.loads(capsys.readouterr().out)
    if claim.status == "not-checkable":
        assert code == 3 and payload["verdict"] == "not-checkable" and payload["holds"] is None
        assert payload["partial_check_holds"] is True, payload["compared"]
        return
    assert payload["holds"] == (claim.status != "erratum"), payload["compared"]
    assert code == (1 if claim.status == "erratum" else 0)


def test_errata_corrected_statements_hold():
    r = get("neolithic.example-topk-randk").run_check()
    assert r.compared["delta_printed"] == 4 and r.compared["corrected_holds"] and r.compared["randk_equality"]
    r = get("neolithic.example-sketching").run_check()
    assert r.compared["coordinate_delta_printed"] == 0 and r.compared["corrected_tight"]
    assert r.compared["coordinate_delta_expectation_inside_squared"] == sp.Rational(3, 4)
    assert r.compared["hadamard_delta_corrected"] == sp.Rational(1, 2)
    r = get("neolithic.example-wangni").run_check()
    assert not r.compared["printed_operator_unbiased"] and r.compared["corrected_operator_unbiased"]
    c = r.compared
    assert c["max_variance_ratio"] <= c["omega_tight_epsilon"] < c["omega_slides_1_plus_epsilon"]
    r = get("neolithic.lemma-1").run_check()
    assert not r.compared["printed_strict_holds"] and r.compared["corrected_weak_holds"]
    assert r.compared["randk_attains_equality"]
    r = get("neolithic.theorem-2").run_check()
    assert r.compared["undeclared_in_printed"] == ["delta"] and r.compared["corrected_hypotheses_consistent"]
    for cid in ("neolithic.theorem-1", "neolithic.theorem-2"):
        r = get(cid).run_check()
        assert r.compared["bound_over_LDelta_as_sigma_to_infinity"] == "oo"
        assert r.compared["drop_unbiased_in_U_omega"] and r.compared["drop_contractive_in_C_delta"]
    # with sigma^2 <= n T L Delta (the corrected condition) the printed bound stays below 2 L Delta
    assert get("neolithic.theorem-1").run_check({"sigma": "10", "c": "1/2"}).holds
    r = get("neolithic.table-qsgd").run_check()
    assert r.compared["average_sq_grad_norm"] >= r.compared["at_least_first_term"] > 0


def test_lemma1_holds_as_printed_only_where_strictness_survives():
    """Top-k alone is strict for nonzero vectors, but the zero vector and rand-k always break '<'."""
    r = get("neolithic.lemma-1").run_check({"d": "4", "k": "2", "R": "3"})
    assert not r.holds and r.compared["corrected_weak_holds"] and r.compared["randk_attains_equality"]


@pytest.mark.parametrize("row, expected", [
    ("theorem-1", N.n * (1 + N.omega) ** 2),
    ("theorem-2", N.n / N.delta**2),
    ("theorem-3", N.n / N.delta**2),
    ("theorem-4", N.n * (1 + N.omega) ** 2),
    ("mem-sgd", N.n**3 / N.delta**4),
    ("double-squeeze", N.n**3 / N.delta**8),
    ("cser", N.n**3 / N.delta**4),
])
def test_symbolic_transient_complexities_equal_the_claimed_orders(row, expected):
    tr = N.table_transient(row)
    assert tr.achieves_linear_speedup
    assert sp.simplify(tr.order - expected) == 0
    assert N.same_order(tr.order, N.TABLE[row].transient_printed)
    for ratio in tr.scaling.values():  # T_cross is the threshold scale, uniformly in every parameter
        assert ratio.free_symbols == {N.lam}
    # with constants: the dominant crossing
    crossing = tr.dominant[0]
    if row in ("mem-sgd", "cser"):
        assert sp.simplify(crossing - N.G**4 * N.n**3 / (N.sigma**6 * N.delta**4)) == 0
    if row == "theorem-2":
        assert sp.simplify(crossing - N.n / (N.sigma**2 * N.delta**2)) == 0


def test_neolithic_transient_from_the_fcc_bookkeeping():
    """NEOLITHIC: O(n (1+omega)^2) (unbiased) and O(n/delta^2) (contractive) up to log^2(1/epsilon_fcc)."""
    contractive = N.transient_iterations(N.neolithic_rate_from_fcc(N.delta), linear=N.linear_term)
    unbiased = N.transient_iterations(N.neolithic_rate_from_fcc(N.scaled_unbiased_delta), linear=N.linear_term)
    log2 = sp.log(1 / N.epsilon_fcc) ** 2
    assert sp.simplify(contractive.dominant[0] - N.Delta * N.L * N.n * log2 / (N.sigma**2 * N.delta**2)) == 0
    assert sp.simplify(unbiased.dominant[0] - N.Delta * N.L * N.n * (1 + N.omega) ** 2 * log2 / N.sigma**2) == 0
    assert sp.simplify(contractive.order - N.n / N.delta**2) == 0
    assert sp.simplify(unbiased.order - N.n * (1 + N.omega) ** 2) == 0


def test_no_linear_speedup_rows():
    for row in ("qsgd", "ef21-sgd"):
        tr = N.table_transient(row)
        assert not tr.achieves_linear_speedup and tr.order == sp.oo
    (ratio,) = N.table_transient("ef21-sgd").blocking.values()
    assert sp.simplify(ratio - sp.sqrt(N.n / N.delta**3)) == 0


def test_a_wrong_transient_would_be_detected():
    assert not N.same_order(N.table_transient("mem-sgd").order, N.n**3 / N.delta**8)
    assert not N.same_order(N.table_transient("double-squeeze").order, N.n**3 / N.delta**4)
    assert not N.same_order(N.table_transient("theorem-1").order, N.n * (1 + N.omega))


def test_special_cases_and_lower_bound_forms():
    assert sp.simplify(N.complexity_from_rate(N.theorem1_lower.subs({N.n: 1, N.omega: 0}))
                       - N.arjevani_complexity) == 0
    assert sp.simplify(N.theorem3_upper / N.theorem2_lower) == 1
    assert sp.simplify(N.theorem4_upper / N.theorem1_lower) == 1
    assert sp.simplify(N.drop_unbiased_variance - N.omega) == 0
    assert sp.simplify(N.drop_contractive_error - (1 - N.delta)) == 0


def test_bad_parameters_name_the_parameter_and_its_range():
    with pytest.raises(BadParameter, match=r"parameter k=5 is outside its allowed range \[1, d\] = \[1, 4\]"):
        get("neolithic.example-topk-randk").run_check({"k": "5"})
    with pytest.raises(BadParameter, match=r"parameter k=2 .*\[1, 1\]"):
        get("neolithic.example-sketching").run_check({"k": "2"})
    with pytest.raises(BadParameter, match=r"parameter T=100 is outside its allowed range \[\(1\+omega\)\^2, inf\)"):
        get("neolithic.theorem-1").run_check({"omega": "20"})
    with pytest.raises(BadParameter, match=r"parameter T=3 .*delta\^-2"):
        get("neolithic.theorem-2").run_check({"T": "3"})
    with pytest.raises(BadParameter, match=r"parameter delta=0 is outside its allowed range \(0, 1\]"):
        get("neolithic.assumption-4").run_check({"delta": "0"})
    with pytest.raises(BadParameter, match=r"parameter delta=3/2 is outside its allowed range \(0, 1\]"):
        get("neolithic.table-mem-sgd").run_check({"delta": "3/2"})
    with pytest.raises(BadParameter, match=r"parameter epsilon_fcc=1 is outside its allowed range \(0, 1\)"):
        get("neolithic.theorem-3").run_check({"epsilon_fcc": "1"})
    with pytest.raises(BadParameter, match=r"parameter R=4 is outside its allowed range \[2, 3\] for d=6, k=3"):
        get("neolithic.lemma-1").run_check({"d": "6", "k": "3", "R": "4"})
    with pytest.raises(BadParameter, match="no parameter 'q'"):
        get("neolithic.lemma-1").run_check({"q": "1"})
    with pytest.raises(NotCheckable, match="reproduction"):
        get("neolithic.figure-synthetic").run_check()


def test_cli_exit_codes_for_001(capsys):
    assert main(["check", "neolithic.table-mem-sgd", "--set", "n=16", "--set", "delta=1/2"]) == 0
    out = capsys.readouterr().out
    assert "HOLDS" in out and "T_star_float" in out and "65536" in out   # 16^3 * 2^4
    assert main(["check", "neolithic.example-topk-randk"]) == 1
    assert "corrected statement" in capsys.readouterr().out
    assert main(["check", "neolithic.lemma-1", "--set", "k=9"]) == 2


def test_constants_and_evaluators():
    for name, const in N.CONSTANTS.items():
        assert isinstance(const, Constant), name
    assert N.exact("transient_mem_sgd_printed", n=2, delta="1/2") == 128
    assert N.exact("fcc_delta", delta="1/4", R=2) == sp.Rational(7, 16)
    assert N.exact("linear_speedup_T", sigma=1, n=4, epsilon="1/10") == 25
    assert N.numeric("theorem2_lower", Delta=1, L=1, sigma=1, n=4, T=100, delta=0.5) == pytest.approx(0.05 + 0.02)
    with pytest.raises(ValueError, match="not rational"):
        N.exact("linear_term", Delta=1, L=1, sigma=1, n=2, T=1)
    with pytest.raises(ValueError, match="needs values for"):
        N.numeric("theorem1_lower", Delta=1)
    assert set(N.DEFINITIONS) >= {"function_class", "oracle_class", "unbiased_compressors",
                                  "contractive_compressors", "algorithm_class"}
