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
    assert r.failed and r.compared["rows with length != recorded bits"] == 8


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
    assert json.loads(capsys.readouterr().out)["passed"] is True
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
