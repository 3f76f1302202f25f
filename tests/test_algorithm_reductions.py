"""Every algorithm's reduction (reference_impl.algorithm_contracts, issue 13 section 6): with compression
switched off each factory of reference_impl.algorithms equals its reference (GD, SGD with the same seed,
Nesterov, AMSGrad), iterate by iterate: as Fractions on the exact backend (no tolerance), or in float64
for the rows that state why, with their tolerance (0 = bit for bit). A factory without a row fails."""
from __future__ import annotations

import dataclasses
from fractions import Fraction as F

import numpy as np
import pytest

from reference_impl import algorithm_contracts as AC
from reference_impl.algorithms.diana import diana
from reference_impl.algorithms.gd import gradient_descent
from reference_impl.backends import EXACT


@pytest.mark.parametrize("row", AC.REDUCTIONS, ids=lambda r: r.name)
def test_reduction_holds(row):
    result = AC.check_reduction(row)
    assert result.equal, (f"{row.name}: {row.statement} fails at step {result.first_mismatch} "
                          f"(max relative difference {result.max_rel_diff:.3g})")
    if row.exact:
        assert result.all_rational and result.max_rel_diff == 0      # Fractions all the way: nothing rounded
    else:
        assert row.reason and result.max_rel_diff <= row.rel_tol


def test_every_algorithm_factory_has_a_reduction():
    factories = AC.algorithm_factories()
    assert len(factories) >= 33                                      # the discovery itself works
    assert factories - AC.covered_factories() == set(), "add a row to reference_impl.algorithm_contracts.REDUCTIONS"
    assert AC.covered_factories() - factories == set()              # no row names a factory that is gone


def test_rows_are_well_formed():
    names = [r.name for r in AC.REDUCTIONS]
    assert len(names) == len(set(names))
    for r in AC.REDUCTIONS:
        assert r.statement and r.problem in AC.PROBLEMS and r.steps >= 5
        assert r.exact or (r.reason and 0 <= r.rel_tol <= 1e-10), r.name


def test_a_wrong_reduction_is_reported_at_its_first_step():
    """The comparison can fail: DIANA with identity is GD with its own step, not with another one."""
    wrong = AC.Reduction("wrong-step", ("diana:diana",), lambda p: diana(F(1, 5), AC.ID),
                         lambda p: gradient_descent(F(1, 4)), "deliberately wrong")
    result = AC.check_reduction(wrong)
    assert not result.equal and result.first_mismatch == 0 and result.max_rel_diff > 0.1
    # one ulp on float64 rows with rel_tol = 0 is a failure too
    row = next(r for r in AC.REDUCTIONS if r.name == "psgd-minibatch")
    nudged = dataclasses.replace(row, reference=lambda p: AC._sgd(0.05 * (1 + 2.0 ** -50), 3)(p))
    assert not AC.check_reduction(nudged).equal


def test_a_float_leaking_into_an_exact_run_is_caught():
    """An algorithm whose iterates turn into floats on the exact backend is not an exact reduction."""
    def floating(p):
        gd = gradient_descent(F(1, 5))

        def step(state, problem, xp, rng=None):
            state, info = gd.step(state, problem, xp, rng)
            return state, info._replace(x=np.array([float(v) for v in info.x], dtype=object))
        return gd._replace(step=step)

    row = dataclasses.replace(next(r for r in AC.REDUCTIONS if r.name == "sgd"), build=floating)
    assert not AC.check_reduction(row).all_rational


def test_lossless_quantizer_substitution_is_undone():
    from reference_impl.algorithms import aiade
    from reference_impl.compressors.uniform import UniformQuantizer

    with AC.substituted("reference_impl.algorithms.aiade", "UniformQuantizer", AC.LosslessQuantizer):
        assert aiade.UniformQuantizer is AC.LosslessQuantizer
    assert aiade.UniformQuantizer is UniformQuantizer
    X = EXACT.asarray([[F(1, 3), -2]])
    assert (AC.LosslessQuantizer()(EXACT, X, sigma=F(1, 10), radius=3).values == X).all()


@pytest.mark.filterwarnings("ignore::reference_impl.algorithms.base.TheoryRangeWarning")   # eps = 0 on purpose
def test_onebit_adam_precondition_holds_on_its_problem():
    """The 1-bit Adam row needs |g_t| <= |g_1| (frozen v = g_1^2 = AMSGrad's max): check it on the iterates."""
    row = next(r for r in AC.REDUCTIONS if r.name == "onebit-adam")
    p = AC.PROBLEMS[row.problem]()
    xs = AC.iterates(row.reference(p), p, EXACT, row.steps)
    g = [abs(p.grad(EXACT, x)[0]) for x in [p.x0(EXACT)] + xs]
    assert all(a > b for a, b in zip(g, g[1:]))
