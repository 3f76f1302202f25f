"""Every check can fail: each claim's registered mutants (plausible typos of its printed statement, see
:func:`theory.registry.register_mutant`) must get a different verdict from the claim's own check.

For every claim with mutants (every paper that registers them through the registry) the claim's check and
each mutant's check run at the claim's defaults through ``Claim.run_check`` (the CLI's machinery:
Undecidable / BadParameter count as "no verdict", i.e. the mutant is not killed). A non-equivalent mutant
whose verdict equals the claim's is a survivor and fails the test. Every checked claim of works 000, 001
and 004 must have at least one mutant. The score (killed/total per paper) is printed (``-s``) and is what
``repro claims --mutation-score`` prints.

Cheaper evaluation: the claims in ``theory.claims._exact.CHEAP_PARAMS`` are slow at their defaults (a kappa
sweep, a Monte Carlo of 100 runs); they and all their mutants are evaluated at the smaller parameters given
there (the same for the claim and its mutants). Their verdicts at the full defaults are covered by each
paper's own claims tests.
"""
from __future__ import annotations

from fractions import Fraction

import pytest

from theory.claims._exact import CHEAP_PARAMS as CHEAP
from theory.claims._exact import mutation_report, mutation_scores
from theory.registry import all_claims, mutants

MUST_HAVE_MUTANTS = ("iade", "neolithic", "mcm")


@pytest.fixture(scope="module")
def report():
    return mutation_report(cheap=CHEAP)


@pytest.mark.parametrize("paper", MUST_HAVE_MUTANTS)
def test_every_checked_claim_has_a_mutant(paper):
    missing = [c.id for c in all_claims(paper) if c.check is not None and not mutants(c.id)]
    assert not missing, f"claims of {paper} with a check but no registered mutant: {missing}"


def test_claims_with_mutants_have_a_verdict_at_the_defaults(report):
    undecided = [claim.id for claim, base, _ in report if base is None]
    assert not undecided, f"claims whose own check gives no verdict at the (cheap) defaults: {undecided}"


def test_every_non_equivalent_mutant_is_killed(report):
    scores = mutation_scores(report)
    lines = []
    for paper, (killed, total, equivalent, survivors) in sorted(scores.items()):
        extra = f", {equivalent} equivalent" if equivalent else ""
        lines.append(f"mutation score {paper}: {killed}/{total} killed{extra}")
    print("\n" + "\n".join(lines))
    survivors = [f"{cid}: {m.description} (verdict {v})" for _, (_, _, _, surv) in scores.items()
                 for cid, m, v in surv]
    assert not survivors, "surviving mutants (the check cannot tell the printed statement from its typo):\n" + \
        "\n".join(survivors)


def test_equivalent_mutants_are_justified():
    for m in mutants():
        if m.equivalent:
            assert len(m.equivalent.strip()) > 10, m


def test_a_mutant_does_not_leak_into_the_next_check(report):
    """Patching a printed expression is undone: the claims' verdicts after the mutants equal those before."""
    from theory.claims._exact import verdict

    for claim, base, _ in report:
        if claim.paper in MUST_HAVE_MUTANTS and claim.id not in CHEAP and claim.id.startswith("neolithic."):
            assert verdict(claim) == base, claim.id


def test_cli_mutation_score_prints_killed_over_total(capsys):
    from reference_impl.cli import main

    assert main(["claims", "--mutation-score", "--paper", "neolithic"]) == 0
    out = capsys.readouterr().out
    assert "neolithic" in out and "mutants killed" in out
    killed, total = out.split()[1].split("/")
    assert killed == total and int(total) >= len([c for c in all_claims("neolithic") if c.check is not None])


def test_sweep_maps_where_an_erratum_bites():
    """Claim maps (issue 13, section 4): the check at N seeded points of the hypothesis box."""
    from theory.claims._exact import sweep
    from theory.registry import get

    claim = get("iade.theorem-3.1")
    r = sweep(claim, 12, seed=1)
    assert r["holds"] + r["fails"] + r["undecidable"] == 12
    assert r["holds"] > 0 and r["fails"] > 0            # holds for eta <= 1, fails beyond
    assert r["worst"]["holds"] is False and r["worst"]["point"]["eta"] > 1
    assert sweep(claim, 12, seed=1)["points"] == r["points"]        # seeded: replays
    fixed = sweep(claim, 4, seed=2, given={"eta": "1/2", "L": "1"})
    assert all(p["eta"] == Fraction(1, 2) and p["L"] == 1 for p, _ in fixed["points"])
    assert fixed["fails"] == 0                                       # eta <= 1: the printed bound holds
