"""Contract checks (reference_impl.contracts, issue 13 section 6): built-ins pass, wrong compressors are
caught by the right check, and ``repro compressor`` exits 0/1/2 (also for a user's module by dotted path)."""
from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from reference_impl import contracts
from reference_impl.cli import main
from reference_impl.compressors.base import Compressed, Compressor
from reference_impl.compressors.fcc import FCC, ScaledUnbiased
from reference_impl.compressors.qsgd import QSGD
from reference_impl.compressors.sign import BlockSign, ScaledSign
from reference_impl.compressors.sparsification import Identity, RandK, RandomSketch, TopK, WangniSparsifier

D = 6
BUILTINS = [Identity(), Identity("contractive"), TopK(2), RandK(2), RandK(2, scaled=False),
            RandK(2, shared_randomness=True), QSGD(2), ScaledSign(), BlockSign([2, 4]), RandomSketch(2),
            WangniSparsifier(density=0.5), FCC(TopK(2), 2), FCC(RandK(2, scaled=False), 3),
            ScaledUnbiased(QSGD(2))]


def by_name(results):
    return {r.name: r for r in results}


@pytest.mark.parametrize("compressor", BUILTINS, ids=repr)
def test_every_builtin_compressor_passes_its_contract(compressor):
    results = by_name(contracts.check_all(compressor, D))
    assert not [r for r in results.values() if r.failed], contracts.format_results(repr(compressor), D, list(results.values()))
    assert results["constant"].status == "passed"
    assert results["worker axis: no cross-talk"].status == "passed"
    assert results["unbiased"].status == ("passed" if compressor.kind == "unbiased" else "skipped")


def test_deterministic_compressors_are_checked_exactly_and_codecs_are_exercised():
    assert by_name(contracts.check_all(TopK(2), D))["constant"].tolerance.startswith("none: exact")
    for c in (Identity(), TopK(2), RandK(2), QSGD(3), BlockSign([3, 3])):
        assert by_name(contracts.check_all(c, D))["bits"].status == "passed", c
    assert by_name(contracts.check_all(RandomSketch(2), D))["bits"].status == "skipped"   # no codec: says so


class RandKTooSmallOmega(RandK):
    """Rand-k declaring 0.9 omega (its true omega = d/k - 1 is attained for every x)."""

    def constant(self, d):
        return 0.9 * (d / self.k - 1)

    def constant_exact(self, d):
        return None


class BiasedClaimsUnbiased(RandK):
    """Unscaled rand-k (E[C(x)] = (k/d) x) declaring itself unbiased with a generous omega."""

    def __init__(self, k):
        super().__init__(k, scaled=False)
        self.kind = "unbiased"

    def constant(self, d):
        return float(d)


class TopKTooLargeDelta(TopK):
    """Top-k declaring delta = 1.2 k/d (the bound fails on the all-ones vector, where it is tight)."""

    def constant(self, d):
        return 1.2 * self.k / d

    def constant_exact(self, d):
        return None


class BatchNormalised(Compressor):
    """Scales every row by the batch's mean norm: rows talk to each other (and it is not contractive-exact)."""

    kind = "contractive"

    def constant(self, d):
        return 1e-9

    def __call__(self, xp, X, rng=None, **kw):
        scale = np.linalg.norm(X, axis=1).mean()
        V = X * (1.0 - 1e-6 / (1.0 + scale))
        return Compressed(values=V, bits=np.full(len(X), 64 * X.shape[1]), overflow=np.zeros(len(X), dtype=bool))


class DependsOnBatchSize(Compressor):
    """Deterministic, no cross-talk, but each row's output depends on how many rows are in the batch."""

    kind = "contractive"

    def constant(self, d):
        return 0.5

    def __call__(self, xp, X, rng=None, **kw):
        V = X * (1.0 - 1.0 / (1.0 + len(X)))
        return Compressed(values=V, bits=np.full(len(X), 64 * X.shape[1]), overflow=np.zeros(len(X), dtype=bool))


def test_batch_size_dependence_is_caught_by_the_row_by_row_check():
    r = by_name(contracts.check_all(DependsOnBatchSize(), D))
    assert r["worker axis: row by row"].failed and not r["worker axis: no cross-talk"].failed
    assert r["constant"].status == "passed"          # ||C(x) - x||^2 = ||x||^2 / 81 <= (1 - 1/2) ||x||^2


def test_too_small_omega_is_caught_by_the_constant_check():
    r = by_name(contracts.check_all(RandKTooSmallOmega(2), D))
    assert r["constant"].failed and not r["unbiased"].failed


def test_biased_compressor_declaring_unbiased_is_caught_by_the_unbiased_check():
    r = by_name(contracts.check_all(BiasedClaimsUnbiased(2), D))
    assert r["unbiased"].failed and not r["constant"].failed


def test_too_large_delta_is_caught_exactly():
    r = contracts.check_constant(TopKTooLargeDelta(2), D)
    assert r.failed and r.tolerance.startswith("none")


def test_encoder_length_differing_from_recorded_bits_is_caught():
    c = TopK(2)
    c.encode = lambda values, mask: TopK.encode(c, values, mask) + "0"   # one stray bit
    r = contracts.check_bits(c, D)
    assert r.failed and r.compared["rows with length != recorded bits"] == len(contracts.sample_vectors(D))


def test_decoder_that_does_not_round_trip_is_caught():
    c = QSGD(2)
    c.decode = lambda bits, d: 1.01 * QSGD.decode(c, bits, d)
    assert contracts.check_bits(c, D).failed


def test_cross_talk_between_rows_is_caught():
    r = by_name(contracts.check_all(BatchNormalised(), D))
    assert r["worker axis: no cross-talk"].failed


@pytest.mark.parametrize("kind,constant", [("weird", 1.0), ("unbiased", -0.5), ("contractive", 0.0),
                                           ("contractive", 1.5)])
def test_malformed_declarations_fail_and_stop(kind, constant):
    c = TopK(2)
    c.kind, c.constant = kind, (lambda d: constant)
    results = contracts.check_all(c, D)
    assert [r.name for r in results] == ["declaration"] and results[0].failed


def test_cli_exit_codes(capsys):
    assert main(["compressor", "topk", "--d", "5"]) == 0
    assert "all checks passed" in capsys.readouterr().out
    assert main(["compressor", "qsgd", "--param", "levels=3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True
    assert {c["name"]: c["method"] for c in report["checks"]}["constant"].startswith("enumeration (exact rationals")
    for argv, word in ([["compressor", "topk", "--d", "0"], "--d"], [["compressor", "randk", "--param", "k=9"], "k"],
                       [["compressor", "no_such_module_xyz:C"], "import"], [["compressor", "topk", "--param", "k"], "--param"],
                       [["compressor", "nonsense"], "COMPRESSOR"], [["compressor", "qsgd", "--draws", "5"], "--draws"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert word in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_user_compressor_by_dotted_path(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_contract_mod.py").write_text(textwrap.dedent("""
        import numpy as np
        from reference_impl.compressors.base import Compressed, Compressor

        class Halve(Compressor):
            '''C(x) = x / 2: contractive with delta = 3/4 (||C(x) - x||^2 = ||x||^2 / 4).'''
            kind = "contractive"
            def __init__(self, delta=0.75):
                self.delta = float(delta)
            def constant(self, d):
                return self.delta
            def __call__(self, xp, X, rng=None, **kw):
                return Compressed(values=X / 2, bits=np.full(X.shape[0], 32 * X.shape[1]),
                                  overflow=np.zeros(X.shape[0], dtype=bool))

        class Crashes(Halve):
            def __call__(self, xp, X, rng=None, **kw):
                return 1 / 0
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["compressor", "my_contract_mod:Halve", "--d", "4"]) == 0
    assert "SKIPPED bits" in capsys.readouterr().out         # no codec: skipped with the reason
    assert main(["compressor", "my_contract_mod:Halve", "--param", "delta=0.8"]) == 1   # 1 - 0.8 < 1/4
    assert "FAILED  constant" in capsys.readouterr().out
    assert main(["compressor", "my_contract_mod:Missing"]) == 2
    assert main(["compressor", "my_contract_mod:Crashes"]) == 1          # raising on a valid batch fails
    assert "raised ZeroDivisionError" in capsys.readouterr().out


def test_every_builtin_name_is_accepted_and_passes(capsys):
    from reference_impl.contracts_cli import BUILTINS as NAMES, _builtins

    assert set(NAMES) == set(_builtins())
    for name in NAMES:
        assert main(["compressor", name, "--d", "4", "--draws", "1000"]) == 0, name
    capsys.readouterr()


# -- exact enumeration over a finite support (contracts_enumeration) ------------------------------------
from fractions import Fraction as F  # noqa: E402

from reference_impl.backends import EXACT, NUMPY  # noqa: E402
from reference_impl.compressors.layerwise import Layerwise  # noqa: E402
from reference_impl.contracts_enumeration import enumerate_row, moments  # noqa: E402

ENUMERATED = [RandK(2), RandK(3, scaled=False), RandK(2, shared_randomness=True), WangniSparsifier(density=0.5),
              WangniSparsifier(epsilon=F(1, 2)), FCC(RandK(2, scaled=False), 3), ScaledUnbiased(RandK(3)),
              Layerwise(lambda: RandK(1), [2, 4])]


@pytest.mark.parametrize("compressor", ENUMERATED, ids=repr)
def test_finite_support_compressors_are_checked_by_exact_enumeration(compressor):
    r = by_name(contracts.check_all(compressor, D))
    assert r["constant"].method == "exact enumeration" and r["constant"].status == "passed"
    assert r["constant"].tolerance.startswith("none")
    assert r["support"].status == "passed", r["support"]
    if compressor.kind == "unbiased":
        assert r["unbiased"].method == "exact enumeration" and r["unbiased"].compared[
            "max |E[C(x)]_j - x_j| / sum_o p_o |v_oj|"] == 0


@pytest.mark.parametrize("compressor", [RandK(2), RandK(3, scaled=False), FCC(RandK(2, scaled=False), 3)], ids=repr)
def test_rand_k_and_fcc_attain_their_constant_on_every_vector(compressor):
    """omega = d/k - 1 and 1 - delta_R = (1 - k/d)^R hold with equality for every x (exact)."""
    c = contracts.check_constant(compressor, D)
    assert c.compared["attaining the bound (exact)"] == c.compared["vectors"] == len(contracts.sample_vectors(D))


def test_qsgd_enumerates_exactly_where_the_norm_is_rational_and_float64_elsewhere():
    r = by_name(contracts.check_all(QSGD(2), D))
    c = r["constant"]
    assert c.status == "passed" and c.method.startswith("enumeration (exact rationals on 2 of 9")
    assert "irrational" in c.detail and r["unbiased"].status == "passed" and r["support"].status == "passed"
    assert by_name(contracts.check_all(ScaledUnbiased(QSGD(2)), D))["constant"].method.startswith("enumeration")


def test_qsgd_support_matches_the_closed_form_variance():
    """On x = (1, -2, 2, 0, 0, 4) (norm 5) with s = 3: E[C(x)] = x and E||C(x)-x||^2 = (5/3)^2 sum_j f_j(1-f_j),
    f_j the fractional part of 3|x_j|/5 (each level a Bernoulli on top of its floor), in exact Fractions."""
    x = EXACT.asarray([1, -2, 2, 0, 0, 4])
    outs = list(QSGD(3).outcomes(EXACT, x))
    assert len(outs) == 2 ** 4 and sum(p for p, _ in outs) == 1        # the two zeros are deterministic
    mean = [sum(p * v[j] for p, v in outs) for j in range(6)]
    assert mean == list(x)
    f = [F(3 * abs(v), 5) - (3 * abs(v)) // 5 for v in x]
    variance = sum(p * sum((v[j] - x[j]) ** 2 for j in range(6)) for p, v in outs)
    assert variance == F(5, 3) ** 2 * sum(q * (1 - q) for q in f)


def test_enumeration_catches_a_too_small_qsgd_omega_that_monte_carlo_cannot_prove():
    class QSGDTooSmall(QSGD):
        def constant(self, d):
            return 0.3            # the enumerated E||C(x)-x||^2/||x||^2 reaches 1/3 on the test vectors

        def constant_exact(self, d):
            return None

    c = contracts.check_constant(QSGDTooSmall(2), D)
    assert c.failed and c.compared["max E||C(x)-x||^2/||x||^2"] == pytest.approx(1 / 3, rel=1e-12)


def test_sketch_has_no_finite_support_and_stays_monte_carlo():
    r = by_name(contracts.check_all(RandomSketch(2), D))
    assert r["constant"].method == "Monte Carlo" and "no outcomes hook" in r["constant"].detail
    assert r["support"].status == "skipped"


def test_large_dimension_falls_back_to_monte_carlo():
    c = contracts.check_constant(RandK(2), 12, draws=500)
    assert c.method == "Monte Carlo" and "d = 12 > 8" in c.detail


class Flip(Compressor):
    """C(x) = 2x or 0 with probability 1/2 each: unbiased, omega = 1 (attained for every x)."""

    kind, biased, name = "unbiased", False, "flip"
    claimed = ((F(1, 2), 2), (F(1, 2), 0))       # (probability, multiple of x) the hook declares

    def constant(self, d):
        return 1.0

    def __call__(self, xp, X, rng=None, **kw):
        heads = rng.random(X.shape[0]) < 0.5
        values = xp.where(heads[:, None], X * xp.scalar(2), xp.zeros(X.shape))
        return Compressed(values=values, bits=np.full(X.shape[0], 32 * X.shape[1] + 1),
                          overflow=np.zeros(X.shape[0], dtype=bool))

    def outcomes(self, xp, x):
        return [(xp.scalar(p) if xp.exact else float(p), x * xp.scalar(m)) for p, m in self.claimed]


class FlipLyingProbabilities(Flip):
    """Declares omega = 1/2 and a hook with P(4/3 x) = 3/4, P(0) = 1/4 (unbiased, E||C-x||^2 = ||x||^2/3):
    the enumeration alone would pass it, but the compressor really draws 2x or 0 half the time (omega 1)."""

    claimed = ((F(3, 4), F(4, 3)), (F(1, 4), 0))

    def constant(self, d):
        return 0.5


class FlipMissingOutcome(Flip):
    claimed = ((F(1, 2), 2),)          # forgets the zero outcome: probabilities sum to 1/2


class FlipWrongValue(Flip):
    claimed = ((F(1, 2), 3), (F(1, 2), -1))   # unbiased, sums to 1, but 3x and -x are never drawn


def test_an_honest_hook_is_used_exactly():
    r = by_name(contracts.check_all(Flip(), D))
    assert r["constant"].method == "exact enumeration" and r["constant"].compared["attaining the bound (exact)"] == 9
    assert r["support"].status == "passed" and r["unbiased"].status == "passed"


def test_a_hook_cannot_lie_about_the_probabilities():
    r = by_name(contracts.check_all(FlipLyingProbabilities(), D))
    assert r["constant"].status == "passed"                 # what the hook claims is consistent ...
    assert r["support"].failed and r["support"].compared["min chi-square p-value"] < 1e-100   # ... not what is drawn


def test_a_hook_cannot_lie_about_the_values_or_drop_an_outcome():
    r = by_name(contracts.check_all(FlipWrongValue(), D))
    assert r["support"].failed and r["support"].compared["drawn rows matching no outcome"] > 0
    r = by_name(contracts.check_all(FlipMissingOutcome(), D))
    assert r["constant"].failed and r["unbiased"].failed and "sum to 1/2" in r["constant"].detail


def test_float64_enumeration_agrees_with_exact_on_rational_rows():
    x = contracts.sample_vectors(D)[0]
    exact, floating = enumerate_row(RandK(2), x), moments(enumerate_row(RandK(2), x))
    assert exact.exact
    # the same support on numpy: the float64 sums agree with the exact ones to the stated allowance
    from reference_impl.contracts_enumeration import float_rel_tolerance, support
    outs = list(support(RandK(2), NUMPY, x))
    err = sum(p * float(np.sum((v - x) ** 2)) for p, v in outs)
    assert abs(err - float(floating["sq_err"])) <= float_rel_tolerance(len(outs), D) * float(floating["sq_err"])


def test_cli_says_which_method_was_used(capsys):
    assert main(["compressor", "randk", "--d", "5"]) == 0
    out = capsys.readouterr().out
    assert "constant [exact enumeration]" in out and "support [frequency test]" in out
    assert main(["compressor", "sketch", "--d", "5", "--draws", "500"]) == 0
    assert "constant [Monte Carlo]" in capsys.readouterr().out


def test_user_compressor_with_an_outcomes_hook_by_dotted_path(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_support_mod.py").write_text(textwrap.dedent("""
        from fractions import Fraction
        import numpy as np
        from reference_impl.compressors.base import Compressed, Compressor

        class Flip(Compressor):
            '''2x or 0 with probability 1/2 each (unbiased, omega = 1), with its support declared.'''
            kind = "unbiased"
            def __init__(self, omega=1.0):
                self.omega = float(omega)
            def constant(self, d):
                return self.omega
            def __call__(self, xp, X, rng=None, **kw):
                heads = rng.random(X.shape[0]) < 0.5
                values = xp.where(heads[:, None], X * xp.scalar(2), xp.zeros(X.shape))
                return Compressed(values=values, bits=np.full(X.shape[0], 32 * X.shape[1] + 1),
                                  overflow=np.zeros(X.shape[0], dtype=bool))
            def outcomes(self, xp, x):
                half = xp.scalar(Fraction(1, 2))
                return [(half, x * xp.scalar(2)), (half, xp.zeros(x.shape))]
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["compressor", "my_support_mod:Flip", "--d", "4"]) == 0
    out = capsys.readouterr().out
    assert "PASSED  constant [exact enumeration]" in out and "PASSED  support [frequency test]" in out
    assert main(["compressor", "my_support_mod:Flip", "--param", "omega=0.999"]) == 1    # attained: 1 > 0.999
    assert "FAILED  constant [exact enumeration]" in capsys.readouterr().out
