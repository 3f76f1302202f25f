"""The claims registry of 003 (LENA): every claim listed, checks match their statuses, mutants flip."""
import pytest

from reference_impl.algorithms.lena import lena
from theory import lena as T
from theory.claims.lena import MUTANTS
from theory.registry import STATUSES, BadParameter, all_claims, get

LENA_IDS = {"lena.eq-3", "lena.eq-5", "lena.noise-identity", "lena.eq-6", "lena.eq-7", "lena.algorithm-1-error-bound",
            "lena.prose-any-drift", "lena.proposition-1-C", "lena.proposition-1-c1", "lena.proposition-1-c2",
            "lena.proposition-1-c3", "lena.prose-beta-higher-order", "lena.contraction-extension", "lena.eq-9",
            "lena.prose-same-rate-fewer-uploads", "lena.prose-bits-vs-lag", "lena.prose-gains-network-size"}
CHECKABLE = sorted(c.id for c in all_claims("lena") if c.check is not None)


def test_every_item_is_registered_with_a_status():
    claims = all_claims("lena")
    assert {c.id for c in claims} == LENA_IDS
    for c in claims:
        assert c.status in STATUSES and c.source.startswith("003")
        if c.status == "erratum":
            assert c.notes and c.correction, c.id
        if c.status == "not-checkable":
            assert c.notes, c.id


@pytest.mark.parametrize("claim_id", CHECKABLE)
def test_check_matches_status_and_every_mutant_flips(claim_id):
    claim = get(claim_id)
    result = claim.run_check()
    assert result.holds == (claim.status != "erratum"), result.compared
    assert MUTANTS.get(claim_id), f"{claim_id} has no mutant"
    params = claim.resolve_params()
    for description, mutant in MUTANTS[claim_id]:
        assert mutant(params).holds != result.holds, (claim_id, description)


def test_parameters_outside_the_hypotheses_are_refused():
    with pytest.raises(BadParameter, match="beta"):
        get("lena.proposition-1-c2").run_check({"beta": "2"})          # Algorithm 1: 0 < beta <= 1
    with pytest.raises(BadParameter, match="alpha"):
        get("lena.eq-3").run_check({"alpha": "1/2"})                     # above 1/(4 L_bar)
    with pytest.raises(BadParameter, match="no parameter"):
        get("lena.eq-7").run_check({"gamma": "1"})


def test_errata_hold_where_the_paper_is_right():
    # drift q = 0 and beta >= alpha^2: after an upload the memory is alpha g, within the bound
    assert get("lena.algorithm-1-error-bound").run_check({"q": "0", "beta": "1"}).holds
    r = get("lena.noise-identity").run_check({"t": "5"})
    assert r.compared["rhs"] == T.noise_identity_printed_rhs.subs({T.t: 5, T.sigma: 1})


def test_theory_constants():
    assert T.value("C", beta=1, L=1, G=1, sigma=0) == T.sp.Rational(1, 2)
    assert T.derive_quasi_strong_radius() == 2 * T.G / T.mu
    assert T.sp.simplify(T.derive_momentum_variance() - T.momentum_variance_factor) == 0
    assert lena(0.1, 0.5).params["threshold"] == "printed"
