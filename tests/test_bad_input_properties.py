"""Property-based bad-input suite (issue 7): every public factory of the library refuses bad input clearly.

Factories are found automatically:

* algorithms: every public function of every module under :mod:`reference_impl.algorithms` whose return
  annotation (or a ``return Algorithm(`` in its source) says it builds a
  :class:`~reference_impl.algorithms.base.Algorithm`;
* compressors: every public :class:`~reference_impl.compressors.base.Compressor` subclass defined in a
  module under :mod:`reference_impl.compressors`;
* problems: the public classes and builders of :mod:`reference_impl.problems`, and the public
  :class:`~reference_impl.problems.DistributedProblem` subclasses defined next to the algorithms
  (a paper's experiment problems). :mod:`reference_impl.data` has loaders and worker splits, no
  problem builders.

Each factory gets one hypothesis test. An example takes the factory's valid baseline call, replaces one
parameter by a value drawn for that parameter's *kind* (:data:`KINDS`: e.g. ``pos_real`` = a finite real
number > 0), and runs the whole pipeline: the factory, then ``init`` and two ``step`` calls on a tiny
least-squares problem (algorithms), a call and ``constant(d)`` (compressors), a gradient (problems).

* A value the kind refuses (NaN, +-inf, 0 or negative sizes, fractional counts, probabilities outside
  their interval, strings, None, booleans, ints too large for a float...) must end in a ValueError or
  TypeError whose message names the parameter and states its allowed range ("... must be ...").
* A value the kind allows but that is odd (tiny or huge finite steps, Fractions, numpy scalars, huge
  counts) must either run through the pipeline or end in such a clear error.
* Anything else is a *traceback*: another exception type (ZeroDivisionError, OverflowError, IndexError,
  numpy errors, a hang), a ValueError/TypeError from deep inside that names no parameter, or a silent
  acceptance of a refused value.

Parameter kinds come from a small explicit table (:data:`ALGORITHMS`, :data:`COMPRESSORS`,
:data:`PROBLEM_FACTORIES`); a factory with no entry (one added later) is tested with kinds guessed from
its parameter names (:data:`BY_NAME`) and, for the rest, with the generic odd numbers (NaN, +-inf, a
negative number) for every parameter whose default is a number; a factory whose baseline call cannot be
built from that is reported as not covered (:func:`test_every_factory_is_covered`).

Valid-but-outside-theorem inputs: a step size above the theorem's limit is accepted, with a
:class:`~reference_impl.algorithms.base.TheoryRangeWarning` (:func:`test_step_above_theory_limit_warns`).
Non-finite data (NaN/inf in features, labels or matrices) is refused when the problem is built, naming
the worker and the row (:func:`test_non_finite_data_names_worker_and_row`).

Hypothesis profiles: ``ci`` (default: 100 examples per factory, derandomized, so CI replays the same
examples; the whole file runs in about half a minute on 2 cores) and ``full`` (``REPRO_FULL=1``: 600
random examples per factory). The counts (examples tried, clear errors, accepted, warned, tracebacks)
and the factories tested only generically or not at all are printed in the terminal summary, and
written as JSON to ``$REPRO_BAD_INPUT_COUNTS`` when that is set.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import math
import os
import pkgutil
import re
import signal
import traceback
import warnings
from collections import Counter
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference_impl.algorithms as algorithms_pkg
import reference_impl.compressors as compressors_pkg
from reference_impl import problems as problems_mod
from reference_impl.algorithms.base import Algorithm, TheoryRangeWarning
from reference_impl.backends import NUMPY
from reference_impl.compressors.base import Compressor
from reference_impl.compressors.qsgd import QSGD
from reference_impl.compressors.sparsification import Identity, RandK, TopK
from reference_impl.compressors.uniform import UniformQuantizer

# -- hypothesis profiles ----------------------------------------------------------------------------------
settings.register_profile("ci", max_examples=100, derandomize=True, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=False)
settings.register_profile("full", max_examples=600, derandomize=False, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
PROFILE_NAME = "full" if os.environ.get("REPRO_FULL") == "1" else "ci"
PROFILE = settings.get_profile(PROFILE_NAME)     # applied per test: other test files keep their settings
TIME_LIMIT_S = 20.0                              # one example longer than this is a hang (a traceback)

# -- counts, printed at the end of the session ----------------------------------------------------------
COUNTS: Counter = Counter()
BY_GROUP: dict[str, Counter] = {"table": Counter(), "generic": Counter()}   # factories with / without a table entry
FAILURES: dict[tuple, str] = {}      # (factory, parameter, outcome) -> one example, deduplicated
UNCOVERED: dict[str, str] = {}       # factory -> why it could not be tested
GENERIC: dict[str, list] = {}        # factory without a table entry -> the parameters drawn generically


class _SummaryPlugin:
    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        tr.section(f"bad-input property suite (hypothesis profile {PROFILE_NAME!r})")
        tr.write_line(f"examples tried: {COUNTS['tried']}; clear errors: {COUNTS['clear']}; accepted and run: "
                      f"{COUNTS['accepted']} (of which with TheoryRangeWarning: {COUNTS['warned']}); "
                      f"tracebacks: {COUNTS['tracebacks']}")
        for group, what in (("table", "factories with a table entry"), ("generic", "factories tested generically")):
            c = BY_GROUP[group]
            tr.write_line(f"  {what}: tried {c['tried']}, clear errors {c['clear']}, accepted {c['accepted']}, "
                          f"tracebacks {c['tracebacks']}")
        for key, example in sorted(FAILURES.items()):
            tr.write_line(f"  traceback: {key[0]} {key[1]}: {key[2]}: {example}")
        for name, params in sorted(GENERIC.items()):
            tr.write_line(f"  no table entry, generic inputs only: {name} ({', '.join(params)})")
        for name, why in sorted(UNCOVERED.items()):
            tr.write_line(f"  not covered: {name}: {why}")
        out = os.environ.get("REPRO_BAD_INPUT_COUNTS")
        if out:
            with open(out, "w") as fh:
                json.dump(dict(profile=PROFILE_NAME, counts=dict(COUNTS), by_group={k: dict(v) for k, v in BY_GROUP.items()},
                               uncovered=UNCOVERED, generic=GENERIC,
                               failures=[list(k) + [v] for k, v in FAILURES.items()]), fh, indent=1)


@pytest.fixture(scope="session", autouse=True)
def _bad_input_summary(request):
    if not request.config.pluginmanager.has_plugin("bad-input-summary"):
        request.config.pluginmanager.register(_SummaryPlugin(), "bad-input-summary")
    yield


# -- the value classes ------------------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
NONFINITE = st.sampled_from([NAN, INF, -INF, np.float64(NAN), np.float32(INF), np.float64(-INF)])
TOO_BIG_FOR_FLOAT = st.sampled_from([10**400, -10**400, Fraction(10**400, 3)])
WRONG_TYPE = st.sampled_from(["0.1", "1", "abc", "", b"1", [0.1], (1,), {}, complex(1, 1), np.array([0.5, 1.0, 2.0]),
                              object])
BOOLS = st.sampled_from([True, False, np.True_, np.False_])
NONE = st.just(None)
NEGATIVE = (st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False)
            | st.integers(max_value=-1) | st.sampled_from([np.float64(-0.5), Fraction(-1, 3), np.int64(-2)]))
ZERO = st.sampled_from([0, 0.0, -0.0, np.float64(0), Fraction(0), np.int64(0)])
HUGE_INTS = st.sampled_from([10**18, 2**63, 2**64 + 1, 10**30, 10**400, np.int64(2**62)])
ODD_REALS = st.sampled_from([Fraction(1, 3), np.float32(0.25), np.float64(0.5), sympy.Rational(1, 4),
                             np.array(0.5), 1])


def reals(lo, hi, *, lo_open=True, hi_open=True):
    """Finite floats in an interval (with its bounds when closed)."""
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False,
                     exclude_min=lo_open, exclude_max=hi_open)


class Kind:
    """A parameter kind: values it refuses (``bad``) and odd values it may accept (``odd``: each must run
    through the pipeline or end in a clear error); ``text`` says the allowed range."""

    def __init__(self, text: str, bad, odd=None):
        self.text, self.bad, self.odd = text, bad, odd

    def values(self):
        """(value, must_reject) pairs."""
        s = self.bad.map(lambda v: (v, True))
        if self.odd is not None:
            s = s | self.odd.map(lambda v: (v, False))
        return s


def _real_kind(text, lo=None, hi=None, lo_open=True, hi_open=True, optional=False):
    bad = [NONFINITE, WRONG_TYPE, BOOLS, TOO_BIG_FOR_FLOAT]
    odd = [ODD_REALS.filter(lambda v: _in(v, lo, hi, lo_open, hi_open))]
    if not optional:
        bad.append(NONE)
    else:
        odd.append(NONE)
    lo_f = -1e300 if lo is None else lo
    hi_f = 1e300 if hi is None else hi
    odd.append(reals(lo_f, hi_f, lo_open=lo_open, hi_open=hi_open))
    if lo is not None:
        bad.append(reals(-1e300, lo, lo_open=False, hi_open=not lo_open))
        if lo == 0 and lo_open:
            bad.append(ZERO)
        elif lo == 0:
            odd.append(ZERO)
    if hi is not None:
        bad.append(reals(hi, 1e300, lo_open=not hi_open, hi_open=False))
    if lo is not None and lo >= 0:
        bad.append(NEGATIVE)
    if lo is None or lo <= 1:
        odd.append(st.sampled_from([5e-324, 1e-300, 1e300]).filter(lambda v: _in(v, lo, hi, lo_open, hi_open)))
    return Kind(text, st.one_of(bad), st.one_of(odd))


def _in(v, lo, hi, lo_open, hi_open) -> bool:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return False
    ok_lo = lo is None or (x > lo if lo_open else x >= lo)
    ok_hi = hi is None or (x < hi if hi_open else x <= hi)
    return ok_lo and ok_hi


def _int_kind(text, lo=1, optional=False):
    bad = [NONFINITE, WRONG_TYPE, BOOLS, st.integers(max_value=lo - 1), st.just(-10**400),
           st.sampled_from([1.5, 2.0, np.float64(3.0), Fraction(5, 2), 0.5])]
    odd = [st.integers(min_value=lo, max_value=lo + 20), st.sampled_from([np.int64(lo + 1), np.int32(lo)]),
           HUGE_INTS]
    (odd if optional else bad).append(NONE)
    return Kind(text, st.one_of(bad), st.one_of(odd))


def _bool_kind():
    bad = st.sampled_from(["yes", "no", "", "False", None, 2, -1, 0.5, NAN, 1.0, [True]])
    return Kind("a bool", bad, BOOLS | st.sampled_from([0, 1]))


def _choice_kind(choices):
    bad = st.sampled_from([None, 0, 1, True, "", "GRADIENT", "ones", b"gradient", ("gradient",)]
                          + [c.upper() + "x" for c in choices]).filter(lambda v: v not in choices)
    return Kind(f"one of {choices}", bad, st.sampled_from(list(choices)))


UNBIASED = [Identity(), RandK(1), RandK(2), QSGD(1), QSGD(3)]
CONTRACTIVE = [TopK(1), TopK(2), RandK(1, scaled=False), Identity("contractive")]


def _compressor_kind(valid, invalid_compressors, optional=False):
    bad = [st.sampled_from(["topk", "identity", 0.5, 1, True, TopK, RandK, Identity, lambda xp, X, rng=None: X,
                            np.zeros(3)] + invalid_compressors)]
    odd = [st.sampled_from(valid)]
    (odd if optional else bad).append(NONE)
    return Kind("a compressor", st.one_of(bad), st.one_of(odd))


def _rng_kind():
    return Kind("a numpy Generator", st.sampled_from([None, 0, "seed", 1.5, np.random.default_rng]),
                st.integers(0, 10).map(np.random.default_rng))


KINDS: dict[str, Kind] = {
    "pos_real": _real_kind("a finite real number > 0", lo=0),
    "pos_real_opt": _real_kind("None or a finite real number > 0", lo=0, optional=True),
    "nonneg_real": _real_kind("a finite real number >= 0", lo=0, lo_open=False),
    "nonneg_real_opt": _real_kind("None or a finite real number >= 0", lo=0, lo_open=False, optional=True),
    "open01": _real_kind("a real number in (0, 1)", lo=0, hi=1),
    "rate01": _real_kind("a real number in (0, 1]", lo=0, hi=1, hi_open=False),
    "rate01_opt": _real_kind("None or a real number in (0, 1]", lo=0, hi=1, hi_open=False, optional=True),
    "unit_co": _real_kind("a real number in [0, 1)", lo=0, hi=1, lo_open=False),
    "real_ge1": _real_kind("a finite real number >= 1", lo=1, lo_open=False),
    "real": _real_kind("a finite real number"),
    "radius": Kind("a finite number >= 0, or one per row (N = 2)",
                   _real_kind("", lo=0, lo_open=False).bad
                   | st.sampled_from([np.array([0.5]), np.array([NAN, 1.0]), np.array([-1.0, 1.0]),
                                      np.array([INF, 1.0]), np.array(["1", "2"]), np.zeros((2, 1))]),
                   _real_kind("", lo=0, lo_open=False).odd | st.sampled_from([np.array([0.5, 1.0]), np.zeros(2)])),
    "pos_int": _int_kind("an integer >= 1"),
    "pos_int_opt": _int_kind("None or an integer >= 1", optional=True),
    "int_ge2": _int_kind("an integer >= 2", lo=2),
    "nonneg_int": _int_kind("an integer >= 0", lo=0),
    "int_list_opt": Kind("None or a non-empty list of integers >= 1",
                         st.sampled_from([[], [0], [-1], [1.5], [NAN], ["2"], 3, "12", [True]]),
                         st.sampled_from([None, [1], [1, 2], (3,), [np.int64(2)]])),
    "bool": _bool_kind(),
    "memory_init": _choice_kind(("gradient", "zero")),
    "identity_kind": _choice_kind(("unbiased", "contractive")),
    "comp_unbiased": _compressor_kind(UNBIASED, CONTRACTIVE + [UniformQuantizer()]),
    "comp_unbiased_opt": _compressor_kind(UNBIASED, CONTRACTIVE + [UniformQuantizer()], optional=True),
    "comp_any": _compressor_kind(UNBIASED + CONTRACTIVE, [UniformQuantizer()]),
    "comp_any_opt": _compressor_kind(UNBIASED + CONTRACTIVE, [UniformQuantizer()], optional=True),
    "comp_contractive": _compressor_kind(CONTRACTIVE, UNBIASED[1:] + [UniformQuantizer()]),
    "rng": _rng_kind(),
    # a parameter of a factory without a table entry: only the generic odd numbers (NaN, +-inf, negative;
    # for a float default also an int too large for a float)
    "generic_number": Kind("a number", NONFINITE | st.sampled_from([-1, -1.0, -1e300]) | TOO_BIG_FOR_FLOAT),
    "generic_int": Kind("an integer", NONFINITE | st.sampled_from([-1, -2, -10**400])),
}

# -- the explicit tables (module.function: {parameter: (kind, baseline value)}) ----------------------------
ID, TOP1 = Identity(), TopK(1)
_STEP = ("pos_real", 0.1)
_GAMMA = {"gamma": ("pos_real", 0.05)}
_BATCH = {"batch": ("pos_int_opt", None)}
_UP_DOWN = {"up": ("comp_unbiased", ID), "down": ("comp_unbiased", ID), "alpha_up": ("rate01_opt", None)}
_MEMORY = {"up_memory": ("bool", True), "up_memory_init": ("memory_init", "gradient")}
_ORACLE = {"batch": ("pos_int_opt", None), "noise": ("nonneg_real", 0.0)}
_EF = {"compressor": ("comp_any", TOP1), "scale_unbiased": ("bool", True)}

ALGORITHMS: dict[str, dict[str, tuple[str, Any]]] = {
    "gd.gradient_descent": {"eta": _STEP},
    "nesterov.nesterov": {"eta": ("pos_real_opt", None)},
    "iade.iade": {"eta": _STEP, "c_prime": ("open01", 0.999), "s": ("pos_real", 1.0),
                  "dist0": ("pos_real_opt", None)},
    "aiade.aiade": {"eps": ("pos_real", 1.0)},
    "iade_sgd.iade_sgd": {"rho": ("pos_real", 1.0), "c_prime": ("open01", 0.9999), "s": ("pos_real", 1.0),
                          "batch": ("pos_int", 1)},
    "qsgd.qsgd": {"eta": _STEP, "levels": ("pos_int", 2), **_BATCH},
    "dqgd.dqgd": {"eta": _STEP, "levels": ("pos_int_opt", 2), "compressor": ("comp_unbiased_opt", None)},
    "sgd.sgd": {**_GAMMA, **_BATCH},
    "diana.diana": {**_GAMMA, "up": ("comp_unbiased", ID), "alpha_up": ("rate01_opt", None), **_BATCH,
                    "up_memory_init": ("memory_init", "gradient")},
    "artemis.artemis": {**_GAMMA, **_UP_DOWN, "alpha_down": ("rate01_opt", None), **_BATCH,
                        "down_memory": ("bool", False), "up_memory_init": ("memory_init", "gradient")},
    "dore.dore": {**_GAMMA, **_UP_DOWN, **_BATCH, "eta": ("nonneg_real_opt", None), "beta": ("rate01", 1),
                  "up_memory_init": ("memory_init", "gradient")},
    "double_squeeze.double_squeeze": {**_GAMMA, "up": ("comp_any", TOP1), "down": ("comp_any_opt", TOP1),
                                      **_BATCH, "bidirectional": ("bool", True)},
    "mcm.mcm": {**_GAMMA, **_UP_DOWN, "alpha_down": ("rate01_opt", None), **_BATCH, **_MEMORY},
    "rand_mcm.rand_mcm": {**_GAMMA, **_UP_DOWN, "alpha_down": ("rate01_opt", None), **_BATCH,
                          "groups": ("pos_int_opt", None), "single_memory": ("bool", False),
                          "reset_every": ("pos_int_opt", None), "participation": ("rate01", 1), **_MEMORY},
    "ghost.ghost": {**_GAMMA, **_UP_DOWN, **_BATCH, **_MEMORY},
    "first_attempts.update_compression": {**_GAMMA, **_UP_DOWN, **_BATCH, **_MEMORY},
    "first_attempts.model_compression": {**_GAMMA, **_UP_DOWN, **_BATCH, **_MEMORY},
    "first_attempts.model_difference_compression": {**_GAMMA, **_UP_DOWN, **_BATCH, **_MEMORY},
    "psgd.psgd": {**_GAMMA, **_ORACLE},
    "mem_sgd.mem_sgd": {**_GAMMA, **_EF, **_ORACLE},
    "ef21_sgd.ef21_sgd": {**_GAMMA, **_EF, **_ORACLE},
    "cser.cser": {**_GAMMA, **_EF, "period": ("pos_int", 2), "reset_compressor": ("comp_any_opt", None),
                  **_ORACLE},
    "neolithic.neolithic": {**_GAMMA, "compressor": ("comp_any", TOP1), "rounds": ("pos_int", 2),
                            "bidirectional": ("bool", False), "server_compressor": ("comp_any_opt", None),
                            **_ORACLE},
}
# internal builders behind public factories (their parameters are validated by those factories)
EXCLUDED = {
    "mcm.mcm_family": "internal round shared by mcm, rand_mcm, model(_difference)_compression, which validate",
    "ghost.compressed_update_family": "internal round shared by ghost and update_compression, which validate",
}

# parameter names of factories without a table entry (e.g. added later): kind and baseline by name
BY_NAME: dict[str, tuple[str, Any]] = {
    "gamma": ("pos_real", 0.05), "eta": _STEP, "lr": ("pos_real", 0.05), "learning_rate": ("pos_real", 0.05),
    "step_size": ("pos_real", 0.05), "beta1": ("unit_co", 0.9), "beta2": ("unit_co", 0.99),
    "batch": ("pos_int_opt", None), "noise": ("nonneg_real", 0.0), "rounds": ("pos_int", 2),
    "period": ("pos_int", 2), "levels": ("pos_int", 2), "k": ("pos_int", 1),
    "compressor": ("comp_any", TOP1), "up": ("comp_unbiased", ID), "down": ("comp_unbiased", ID),
    "alpha_up": ("rate01_opt", None), "alpha_down": ("rate01_opt", None), "participation": ("rate01", 1),
    "up_memory_init": ("memory_init", "gradient"), "scale_unbiased": ("bool", True),
    "bidirectional": ("bool", False),
    # names used by the factories of 002 (AMSGrad family) and 003 (LENA, LAG)
    "beta_1": ("unit_co", 0.9), "beta_2": ("unit_co", 0.999), "eps": ("nonneg_real", 1e-8),
    "alpha": ("pos_real", 0.05), "beta": ("nonneg_real", 0.5), "D": ("pos_int", 10),
    "xi": ("nonneg_real_opt", None), "warmup": ("nonneg_int", 2), "triggers_needed": ("pos_int", 1),
    "error_feedback": ("bool", True), "bias_correction": ("bool", False), "amsgrad": ("bool", False),
    "blocks": ("int_list_opt", None), "q_value": ("real", 0),
    # data of problem classes without a table entry (set below, with the data kinds)
}

COMPRESSORS: dict[str, dict] = {
    "sparsification.Identity": {"init": {"kind": ("identity_kind", "unbiased")}},
    "sparsification.RandK": {"init": {"k": ("pos_int", 1), "scaled": ("bool", True),
                                      "shared_randomness": ("bool", False)}},
    "sparsification.TopK": {"init": {"k": ("pos_int", 1)}},
    "sparsification.RandomSketch": {"init": {"k": ("pos_int", 1)}},
    "sparsification.WangniSparsifier": {"init": {"epsilon": ("nonneg_real_opt", 0.5),
                                                 "density": ("rate01_opt", None)}},
    "qsgd.QSGD": {"init": {"levels": ("pos_int", 2)}},
    "fcc.FCC": {"init": {"compressor": ("comp_contractive", TOP1), "rounds": ("pos_int", 2)}},
    "fcc.ScaledUnbiased": {"init": {"compressor": ("comp_unbiased", RandK(1))}},
    "uniform.UniformQuantizer": {"init": {}, "call": {"sigma": ("pos_real", 0.1), "radius": ("radius", 10.0)}},
    "uniform.StochasticLatticeQuantizer": {"init": {}, "call": {"eps_sq": ("pos_real", 0.01),
                                                                "radius": ("radius", 10.0)}},
}


def _ls_data(seed=0, N=2, d=3, n=5):
    rng = np.random.default_rng(seed)
    feats = [rng.standard_normal((n + i, d)) for i in range(N)]
    return feats, [f @ rng.standard_normal(d) + 0.1 * rng.standard_normal(len(f)) for f in feats]


def _logistic_data(seed=1, N=2, d=3, n=6):
    feats, _ = _ls_data(seed, N, d, n)
    labels = [np.where(np.arange(len(f)) % 2 == 0, 1.0, -1.0) for f in feats]
    return feats, labels


_FEATS, _TARGETS = _ls_data()
_LFEATS, _LABELS = _logistic_data()
_QA = [[[2, 1], [1, 3]], [[3, 0], [0, 2]]]
_QB = [[1, -2], [0, 1]]
# Data arguments (the baselines are below): malformed values, all refused. NaN/inf entries at a random
# worker and row: test_non_finite_data_names_worker_and_row.
_MALFORMED = [None, "abc", 3.0, [], np.zeros(0), object]
KINDS.update({
    "features": Kind("a list of (n_i, d) arrays, one per worker", st.sampled_from(_MALFORMED + [
        [np.zeros((0, 3)), np.ones((6, 3))], [np.ones(5), np.ones(6)], [np.ones((5, 3)), np.ones((6, 4))],
        [np.ones((5, 3))] * 3, [np.ones((5, 0)), np.ones((6, 0))], [[["a"] * 3] * 5, np.ones((6, 3))],
        [np.ones((5, 3)), None], [np.full((6, 3), NAN), np.ones((7, 3))], [np.ones((6, 3)), np.full((7, 3), INF)]])),
    "targets": Kind("a list of (n_i,) arrays, one per worker", st.sampled_from(_MALFORMED + [
        [np.ones(4), np.ones(6)], [np.ones((5, 1)), np.ones((6, 1))], [np.ones(5)], [np.ones(5), "x"],
        [np.full(6, NAN), np.ones(7)], [np.ones(5), np.full(6, -INF)]])),
    "labels": Kind("a list of (n_i,) arrays of -1/+1, one per worker", st.sampled_from(_MALFORMED + [
        [np.zeros(6), np.ones(7)], [np.ones(5), np.ones(7)], [np.ones(6)], [np.ones(6), ["a"] * 7],
        [np.full(6, NAN), np.ones(7)]])),
    "A": Kind("an (N, d, d) array of symmetric matrices", st.sampled_from(_MALFORMED + [
        np.eye(2), np.zeros((2, 2, 3)), np.zeros((0, 2, 2)), [[[1, 2], [0, 1]], [[1, 0], [0, 1]]],
        -np.array([np.eye(2)] * 2), [[[1, 0], [0, 1]], [[1, 0]]], [[["a", 0], [0, 1]], [[1, 0], [0, 1]]]])),
    "b": Kind("an (N, d) array", st.sampled_from(_MALFORMED + [np.ones(2), np.ones((2, 3)), [[1, None], [0, 1]]])),
})
_DATA = {name: (name, None) for name in ("features", "targets", "labels", "A", "b")}
BY_NAME.update({"features": ("features", _LFEATS), "labels": ("labels", _LABELS),
                "targets": ("targets", [np.ones(len(f)) for f in _LFEATS]), "lam": ("nonneg_real", 0.1)})

PROBLEM_FACTORIES: dict[str, dict[str, tuple[str, Any]]] = {
    "QuadraticProblem": {"A": _DATA["A"], "b": _DATA["b"], "mu": ("pos_real_opt", None), "L": ("pos_real_opt", None)},
    "make_quadratic": {"d": ("int_ge2", 3), "N": ("pos_int", 2), "kappa": ("real_ge1", 10.0),
                       "rng": ("rng", None), "L": ("pos_real", 1.0), "heterogeneity": ("nonneg_real", 1.0)},
    "LeastSquaresProblem": {"features": _DATA["features"], "targets": _DATA["targets"], "lam": ("nonneg_real", 0.1)},
    "LogisticProblem": {"features": _DATA["features"], "labels": _DATA["labels"], "lam": ("nonneg_real", 0.1)},
}
PROBLEM_BASELINES: dict[str, Callable[[], dict]] = {
    "QuadraticProblem": lambda: dict(A=_QA, b=_QB),
    "make_quadratic": lambda: dict(rng=np.random.default_rng(0)),
    "LeastSquaresProblem": lambda: dict(features=_FEATS, targets=_TARGETS),
    "LogisticProblem": lambda: dict(features=_LFEATS, labels=_LABELS),
}
# 002's problems: class-index labels (0 .. n_classes-1) for the softmax and MLP models.
_CLS = [np.arange(len(f)) % 3 for f in _LFEATS]
KINDS["class_labels"] = Kind("class indices", st.sampled_from(_MALFORMED + [
    [np.full(6, -1.0), np.ones(7)], [np.full(6, 10.0), np.ones(7)], [np.full(6, 1.5), np.ones(7)],
    [np.ones(5), np.ones(7)], [np.ones(6)], [np.ones(6), ["a"] * 7], [np.full(6, NAN), np.ones(7)]]),
    st.sampled_from([[np.zeros(6), np.ones(7)], [np.zeros(6, int), np.full(7, 2)]]))
PROBLEM_FACTORIES.update({
    "compams_problems.SoftmaxRegression": {"features": ("features", None), "labels": ("class_labels", None),
                                           "n_classes": ("pos_int", 3), "lam": ("nonneg_real", 0.1)},
    "compams_problems.TwoLayerMLP": {"features": ("features", None), "labels": ("class_labels", None),
                                     "hidden": ("pos_int", 4), "n_classes": ("pos_int", 3),
                                     "init_seed": ("nonneg_int", 0)},
    "compams_problems.NonconvexLogistic": {"features": ("features", None), "labels": ("labels", None),
                                           "lam": ("nonneg_real", 0.1)},
    "lena_problems.OneVsAllLogistic": {"features": ("features", None), "labels": ("class_labels", None),
                                       "lam": ("nonneg_real", 0.1), "classes": ("pos_int", 3)},
})
PROBLEM_BASELINES.update({
    "compams_problems.SoftmaxRegression": lambda: dict(features=_LFEATS, labels=_CLS),
    "compams_problems.TwoLayerMLP": lambda: dict(features=_LFEATS, labels=_CLS),
    "compams_problems.NonconvexLogistic": lambda: dict(features=_LFEATS, labels=_LABELS),
    "lena_problems.OneVsAllLogistic": lambda: dict(features=_LFEATS, labels=_CLS, classes=3),
})
PROBLEM_HELPERS = {"split_rows": "a row-splitting helper, not a problem builder",
                   "padded_worker_data": "the data validation and padding the problem classes share (tested through them)",
                   "DistributedProblem": "abstract base class"}


# -- discovery ----------------------------------------------------------------------------------------------
def _modules(pkg):
    out = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            out.append(importlib.import_module(f"{pkg.__name__}.{info.name}"))
    return out


def _returns_algorithm(fn) -> bool:
    ann = inspect.signature(fn).return_annotation
    if ann is not inspect.Signature.empty:
        return "Algorithm" in (ann if isinstance(ann, str) else getattr(ann, "__name__", str(ann)))
    try:
        return re.search(r"return\s+Algorithm\(", inspect.getsource(fn)) is not None
    except (OSError, TypeError):
        return False


def discover_algorithm_factories() -> dict[str, Callable]:
    found = {}
    for mod in _modules(algorithms_pkg):
        short = mod.__name__.rsplit(".", 1)[1]
        for name, obj in vars(mod).items():
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != mod.__name__:
                continue
            if _returns_algorithm(obj):
                found[f"{short}.{name}"] = obj
    return found


def discover_compressor_factories() -> dict[str, type]:
    found = {}
    for mod in _modules(compressors_pkg):
        short = mod.__name__.rsplit(".", 1)[1]
        for name, obj in vars(mod).items():
            if (not name.startswith("_") and inspect.isclass(obj) and issubclass(obj, Compressor)
                    and obj is not Compressor and obj.__module__ == mod.__name__):
                found[f"{short}.{name}"] = obj
    return found


def discover_problem_factories() -> dict[str, Callable]:
    """The public classes and functions of reference_impl.problems, and the public DistributedProblem
    subclasses defined next to the algorithms (problems of a paper's experiments, e.g. ``lena_problems``)."""
    found = {}
    for name, obj in vars(problems_mod).items():
        if name.startswith("_") or name in PROBLEM_HELPERS or getattr(obj, "__module__", None) != problems_mod.__name__:
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj):
            found[name] = obj
    for mod in _modules(algorithms_pkg):
        short = mod.__name__.rsplit(".", 1)[1]
        for name, obj in vars(mod).items():
            if (not name.startswith("_") and inspect.isclass(obj) and issubclass(obj, problems_mod.DistributedProblem)
                    and obj.__module__ == mod.__name__):
                found[f"{short}.{name}"] = obj
    return found


ALGORITHM_FACTORIES = discover_algorithm_factories()
COMPRESSOR_FACTORIES = discover_compressor_factories()
PROBLEM_FACTORY_OBJECTS = discover_problem_factories()


def _spec_for(qualname: str, fn, table: dict) -> dict[str, tuple[str, Any]] | None:
    """The parameters to test: the table's entry, or kinds guessed by name and from numeric defaults.

    None when a required parameter has no guessable valid value (the factory is then not covered)."""
    if qualname in table:
        return table[qualname]
    spec, missing = {}, []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name == "self":
            continue
        if p.name in BY_NAME:
            kind, base = BY_NAME[p.name]
            if p.default is None and f"{kind}_opt" in KINDS:
                kind = f"{kind}_opt"                    # None is this factory's default: allowed
            spec[p.name] = (kind, p.default if p.default is not p.empty else base)
        elif p.default is not p.empty:
            d = p.default
            if isinstance(d, (int, float)) and not isinstance(d, bool):
                spec[p.name] = ("generic_int" if isinstance(d, int) else "generic_number", d)
            else:
                spec[p.name] = ("untested", d)
        else:
            missing.append(p.name)
    if missing:
        UNCOVERED[qualname] = f"no table entry and no guessable valid value for {missing}"
        return None
    if not spec:
        GENERIC[qualname] = ["no parameters: only its baseline call is run"]
        return spec
    if not any(kind in KINDS for kind, _ in spec.values()):
        UNCOVERED[qualname] = "no table entry and no numeric or known parameter to draw"
        return None
    GENERIC[qualname] = [f"{n}:{k}" for n, (k, _) in spec.items() if k in KINDS]
    return spec


# -- the outcome of one call ---------------------------------------------------------------------------------
class Hang(BaseException):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def handler(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


RANGE_WORDS = re.compile(r"must|expected|needs|allowed|one of|only applies|exactly one", re.I)


def names_parameter(param: str, message: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", message) is not None


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _count(factory: str, outcome: str) -> None:
    COUNTS[outcome] += 1
    BY_GROUP["generic" if factory in GENERIC else "table"][outcome] += 1


def classify(factory: str, param: str, value, must_reject: bool, thunk: Callable[[], Any]) -> str:
    """Run ``thunk``; count and return the outcome; fail the test on a traceback."""
    _count(factory, "tried")
    outcome, detail = None, ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with time_limit(TIME_LIMIT_S):
                thunk()
        except (ValueError, TypeError) as err:
            msg = str(err)
            if names_parameter(param, msg) and RANGE_WORDS.search(msg):
                _count(factory, "clear")
                return "clear"
            outcome = f"unclear {type(err).__name__}"
            detail = f"{msg!r} at {_where(err)}"
        except Hang as err:
            outcome, detail = "hang", str(err)
        except Exception as err:  # noqa: BLE001 - any other exception type is the failure we look for
            outcome, detail = type(err).__name__, f"{str(err)[:200]!r} at {_where(err)}"
    if outcome is None:
        if not must_reject:
            _count(factory, "accepted")
            if any(issubclass(w.category, TheoryRangeWarning) for w in caught):
                _count(factory, "warned")
            return "accepted"
        outcome, detail = "silent acceptance", "no error"
    _count(factory, "tracebacks")
    FAILURES.setdefault((factory, param, outcome), f"{param}={_short(value)}: {detail}")
    pytest.fail(f"{factory}({param}={_short(value)}): {outcome}: {detail}", pytrace=False)


def _where(err: BaseException) -> str:
    tb = traceback.extract_tb(err.__traceback__)
    if not tb:
        return "?"
    frame = tb[-1]
    return f"{os.path.relpath(frame.filename)}:{frame.lineno} ({frame.name})"


# -- pipelines ------------------------------------------------------------------------------------------------
ALGO_PROBLEM = problems_mod.LeastSquaresProblem(_FEATS, _TARGETS, lam=0.1, name="bad-input-ls")


def run_algorithm(factory, kwargs) -> None:
    algo = factory(**kwargs)
    assert isinstance(algo, Algorithm), f"factory returned {type(algo).__name__}, not an Algorithm"
    rng = np.random.default_rng(0)
    state = algo.init(ALGO_PROBLEM, NUMPY)
    for _ in range(2):                              # round 1: the downlinks of MCM & co. start sending
        state, info = algo.step(state, ALGO_PROBLEM, NUMPY, rng)
    np.asarray(info.uplink_bits, dtype=np.int64)


def run_compressor(cls, init_kwargs, call_kwargs) -> None:
    comp = cls(**init_kwargs)
    X = np.random.default_rng(0).standard_normal((2, 3))
    out = comp(NUMPY, X, np.random.default_rng(1), **call_kwargs)
    assert out.values.shape == (2, 3) and np.asarray(out.bits).shape == (2,)
    if comp.kind in ("unbiased", "contractive"):
        float(comp.constant(3))


def run_problem(fn, kwargs) -> None:
    p = fn(**kwargs)
    x0 = p.x0(NUMPY)
    g = p.grad(NUMPY, x0)
    float(p.L)
    if getattr(p, "mu", None) is not None:          # nonconvex problems have none
        float(p.mu)
    assert np.asarray(g).shape == (p.d,)


_GENERIC_BASELINE: dict[str, str | None] = {}


def require_generic_baseline(qual: str, table: dict, thunk: Callable[[], Any]) -> None:
    """For a factory without a table entry: skip (and report it as not covered) when even the guessed
    baseline call fails, instead of blaming every example on the drawn parameter."""
    if qual in table:
        return
    if qual not in _GENERIC_BASELINE:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                thunk()
            _GENERIC_BASELINE[qual] = None
        except Exception as err:  # noqa: BLE001
            _GENERIC_BASELINE[qual] = f"{type(err).__name__}: {str(err)[:120]}"
    if _GENERIC_BASELINE[qual] is not None:
        UNCOVERED[qual] = f"no table entry and the guessed baseline call fails ({_GENERIC_BASELINE[qual]})"
        GENERIC.pop(qual, None)
        pytest.skip(UNCOVERED[qual])


def _baseline(spec: dict) -> dict:
    return {name: base for name, (kind, base) in spec.items() if kind not in _DATA or base is not None}


def _drawable(spec: dict) -> list[str]:
    return [name for name, (kind, _) in spec.items() if kind in KINDS]


# -- the tests ---------------------------------------------------------------------------------------------------
def _algorithm_cases():
    cases = []
    for qual, fn in sorted(ALGORITHM_FACTORIES.items()):
        if qual in EXCLUDED:
            UNCOVERED[qual] = f"excluded: {EXCLUDED[qual]}"
            continue
        spec = _spec_for(qual, fn, ALGORITHMS)
        if spec is not None:
            cases.append(pytest.param(qual, fn, spec, id=qual))
    return cases


def _compressor_cases():
    cases = []
    for qual, cls in sorted(COMPRESSOR_FACTORIES.items()):
        entry = COMPRESSORS.get(qual)
        if entry is None:
            spec = _spec_for(qual, cls.__init__, {})
            if spec is None:
                continue
            entry = {"init": spec}
        cases.append(pytest.param(qual, cls, entry, id=qual))
    return cases


def _with_parameters(cases, key=None):
    """The cases with at least one parameter to draw (a factory without parameters has nothing to refuse)."""
    return [c for c in cases if _drawable(c.values[2] if key is None else
                                          {**c.values[2][key], **c.values[2].get("call", {})})]


def _problem_cases():
    cases = []
    for name, fn in sorted(PROBLEM_FACTORY_OBJECTS.items()):
        spec = _spec_for(name, fn, PROBLEM_FACTORIES)
        if spec is not None:
            cases.append(pytest.param(name, fn, spec, id=name))
    return cases


ALGORITHM_CASES = _algorithm_cases()
COMPRESSOR_CASES = _compressor_cases()
PROBLEM_CASES = _problem_cases()


@pytest.mark.parametrize("qual, factory, spec", ALGORITHM_CASES)
def test_algorithm_baseline_runs(qual, factory, spec):
    """The valid baseline every bad-input example starts from runs (else the suite would test nothing)."""
    require_generic_baseline(qual, ALGORITHMS, lambda: run_algorithm(factory, _baseline(spec)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_algorithm(factory, _baseline(spec))


@pytest.mark.parametrize("qual, factory, spec", ALGORITHM_CASES)
@settings(PROFILE)
@given(data=st.data())
def test_algorithm_factory_bad_input(qual, factory, spec, data):
    require_generic_baseline(qual, ALGORITHMS, lambda: run_algorithm(factory, _baseline(spec)))
    param = data.draw(st.sampled_from(_drawable(spec)), label="parameter")
    value, must_reject = data.draw(KINDS[spec[param][0]].values(), label="value")
    kwargs = {**_baseline(spec), param: value}
    classify(qual, param, value, must_reject, lambda: run_algorithm(factory, kwargs))


@pytest.mark.parametrize("qual, cls, entry", COMPRESSOR_CASES)
def test_compressor_baseline_runs(qual, cls, entry):
    require_generic_baseline(qual, COMPRESSORS, lambda: run_compressor(cls, _baseline(entry["init"]), {}))
    run_compressor(cls, _baseline(entry["init"]), _baseline(entry.get("call", {})))


@pytest.mark.parametrize("qual, cls, entry", _with_parameters(COMPRESSOR_CASES, "init"))
@settings(PROFILE)
@given(data=st.data())
def test_compressor_factory_bad_input(qual, cls, entry, data):
    require_generic_baseline(qual, COMPRESSORS, lambda: run_compressor(cls, _baseline(entry["init"]), {}))
    where = [("init", p) for p in _drawable(entry["init"])] + [("call", p) for p in _drawable(entry.get("call", {}))]
    stage, param = data.draw(st.sampled_from(where), label="parameter")
    value, must_reject = data.draw(KINDS[entry[stage][param][0]].values(), label="value")
    init_kw, call_kw = _baseline(entry["init"]), _baseline(entry.get("call", {}))
    (init_kw if stage == "init" else call_kw)[param] = value
    classify(qual, param, value, must_reject, lambda: run_compressor(cls, init_kw, call_kw))


@pytest.mark.parametrize("k", [4, 10**30])
@pytest.mark.parametrize("cls", [RandK, TopK, "RandomSketch"])
def test_k_larger_than_d_is_a_clear_error(cls, k):
    if isinstance(cls, str):
        from reference_impl.compressors.sparsification import RandomSketch as cls
    classify(cls.__name__, "k", k, True, lambda: run_compressor(cls, {"k": k}, {}))


def _problem_kwargs(name, spec):
    return {**_baseline(spec), **PROBLEM_BASELINES.get(name, dict)()}


@pytest.mark.parametrize("name, fn, spec", PROBLEM_CASES)
def test_problem_baseline_builds(name, fn, spec):
    require_generic_baseline(name, PROBLEM_FACTORIES, lambda: run_problem(fn, _problem_kwargs(name, spec)))
    run_problem(fn, _problem_kwargs(name, spec))


@pytest.mark.parametrize("name, fn, spec", PROBLEM_CASES)
@settings(PROFILE)
@given(data=st.data())
def test_problem_factory_bad_input(name, fn, spec, data):
    require_generic_baseline(name, PROBLEM_FACTORIES, lambda: run_problem(fn, _problem_kwargs(name, spec)))
    param = data.draw(st.sampled_from(_drawable(spec)), label="parameter")
    value, must_reject = data.draw(KINDS[spec[param][0]].values(), label="value")
    kwargs = {**_problem_kwargs(name, spec), param: value}
    classify(name, param, value, must_reject, lambda: run_problem(fn, kwargs))


# -- step sizes above a theorem's limit: accepted, with a TheoryRangeWarning ----------------------------------
def _limit_2_over_L(p):
    return 2 / p.L


def _theory_limit(constant):
    def limit(p):
        from reference_impl.algorithms.bidirectional import theory_gamma_limit

        return theory_gamma_limit(constant, p, 0, 0)          # Identity compressors: omega = 0
    return limit


# (step parameter, the smallest step the factory must warn about) per factory; every other algorithm
# with a step parameter warns from 2/L on (gradient descent itself may diverge there)
STEP_LIMITS: dict[str, tuple[str, Callable]] = {
    "iade.iade": ("eta", lambda p: 2 / (p.L + p.mu)),                 # Theorem 3.1 of 000
    "nesterov.nesterov": ("eta", lambda p: 1 / p.L),                  # the linear-rate guarantee
    "diana.diana": ("gamma", _theory_limit("gamma_max_up")),          # theory.mcm, unidirectional limit
    "mcm.mcm": ("gamma", _theory_limit("gamma_max")),
    "rand_mcm.rand_mcm": ("gamma", _theory_limit("gamma_max")),
    "ghost.ghost": ("gamma", _theory_limit("gamma_max_up")),          # Theorem 3 of 004
    "artemis.artemis": ("gamma", _theory_limit("gamma_max_dore")),
    "dore.dore": ("gamma", _theory_limit("gamma_max_dore")),
}
for _qual, _spec in ALGORITHMS.items():
    for _name, (_kind, _) in _spec.items():
        if _name in ("gamma", "eta") and _kind == "pos_real":
            STEP_LIMITS.setdefault(_qual, (_name, _limit_2_over_L))
_STEP_CASES = [pytest.param(q, ALGORITHM_FACTORIES[q], ALGORITHMS[q], *STEP_LIMITS[q], id=q)
               for q in sorted(STEP_LIMITS) if q in ALGORITHM_FACTORIES]


@pytest.mark.parametrize("qual, factory, spec, param, limit", _STEP_CASES)
@settings(PROFILE, max_examples=max(3, PROFILE.max_examples // 5))
@given(factor=st.floats(min_value=1.0001, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_step_above_theory_limit_warns(qual, factory, spec, param, limit, factor):
    """A finite step above the theorem's limit is valid: the factory and ``init`` accept it, with a
    TheoryRangeWarning (the run may then diverge; that is the runner's business)."""
    step = factor * limit(ALGO_PROBLEM)
    kwargs = {**_baseline(spec), param: step}
    _count(qual, "tried")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        factory(**kwargs).init(ALGO_PROBLEM, NUMPY)
    assert any(issubclass(w.category, TheoryRangeWarning) for w in caught), \
        f"{qual}({param}={step:.6g}, {factor:.6g} x its limit): no TheoryRangeWarning"
    _count(qual, "accepted")
    _count(qual, "warned")


# -- non-finite data: refused when the problem is built, naming the worker and the row -------------------------
_BAD_ENTRIES = st.sampled_from([NAN, INF, -INF])


@settings(PROFILE)
@given(data=st.data())
def test_non_finite_data_names_worker_and_row(data):
    which = data.draw(st.sampled_from(["least-squares", "logistic", "quadratic"]), label="problem")
    N = data.draw(st.integers(1, 3), label="N")
    d = data.draw(st.integers(1, 4), label="d")
    worker = data.draw(st.integers(0, N - 1), label="worker")
    bad = data.draw(_BAD_ENTRIES, label="value")
    _count(which, "tried")
    if which == "quadratic":
        A = np.array([np.eye(d) * (i + 1) for i in range(N)], dtype=float)
        b = np.ones((N, d))
        part = data.draw(st.sampled_from(["A", "b"]), label="array")
        row = data.draw(st.integers(0, d - 1), label="row")
        if part == "A":
            col = data.draw(st.integers(0, d - 1), label="column")
            A[worker, row, col] = bad
            if data.draw(st.booleans(), label="symmetric"):
                A[worker, col, row] = bad
                row = min(row, col)                   # the first bad row is reported
        else:
            b[worker, row] = bad

        def build():
            return problems_mod.QuadraticProblem(A, b)
    else:
        sizes = [data.draw(st.integers(1, 5), label=f"n_{i}") for i in range(N)]
        rng = np.random.default_rng(0)
        feats = [rng.standard_normal((n, d)) for n in sizes]
        targets = [np.where(np.arange(n) % 2 == 0, 1.0, -1.0) for n in sizes]
        row = data.draw(st.integers(0, sizes[worker] - 1), label="row")
        if data.draw(st.booleans(), label="in features"):
            feats[worker][row, data.draw(st.integers(0, d - 1), label="column")] = bad
        else:
            targets[worker][row] = bad
        cls = problems_mod.LeastSquaresProblem if which == "least-squares" else problems_mod.LogisticProblem

        def build():
            return cls(feats, targets, 0.1)
    with pytest.raises(ValueError) as err:
        build()
    msg = str(err.value)
    assert f"worker {worker}" in msg and f"row {row}" in msg, msg
    _count(which, "clear")


# -- coverage report ------------------------------------------------------------------------------------------------
def test_every_factory_is_covered():
    """Every discovered factory is either tested from the table, tested generically, or listed with a reason."""
    tested = {p.values[0] for p in ALGORITHM_CASES + COMPRESSOR_CASES + PROBLEM_CASES}
    for qual in list(ALGORITHM_FACTORIES) + list(COMPRESSOR_FACTORIES) + list(PROBLEM_FACTORY_OBJECTS):
        assert qual in tested or qual in UNCOVERED, qual
    assert not set(ALGORITHMS) - set(ALGORITHM_FACTORIES), "table entries for factories that no longer exist"
    assert not set(COMPRESSORS) - set(COMPRESSOR_FACTORIES), "table entries for compressors that no longer exist"


# -- the shared helpers themselves ---------------------------------------------------------------------------------
def test_validation_helpers_name_parameter_and_range():
    from reference_impl import validation as V

    cases = [
        (lambda: V.require_positive_finite("step eta", NAN), "step eta must be a finite real number > 0, got nan"),
        (lambda: V.require_positive_finite("step eta", 10**400), "step eta must be a finite real number > 0"),
        (lambda: V.require_nonnegative_finite("noise", -1), "noise must be a finite real number >= 0, got -1"),
        (lambda: V.require_probability("p", 1.5, low_open=True), "p must be a finite real number in (0, 1], got 1.5"),
        (lambda: V.require_int_in_range("k", 2.0, 1, 5), "k must be an integer in [1, 5], got 2.0"),
        (lambda: V.require_int_in_range("k", True), "k must be an integer >= 1, got True"),
        (lambda: V.require_bool("flag", "no"), "flag must be True or False, got 'no'"),
        (lambda: V.require_choice("mode", "x", ("a", "b")), "mode must be one of ('a', 'b'), got 'x'"),
        (lambda: V.require_compressor("up", TopK), "up must be a compressor object"),
        (lambda: V.require_finite_rows("features", [[1.0, 2.0], [3.0, INF]], worker=2),
         "worker 2: features must be finite, got inf in row 1, column 1"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError) as err:
            call()
        assert str(err.value).startswith(message), str(err.value)
    assert V.require_int_in_range("k", np.int64(3)) == 3 and type(V.require_int_in_range("k", np.int64(3))) is int
    assert V.require_bool("flag", np.True_) is True
    assert V.require_positive_finite("eta", Fraction(1, 3)) == Fraction(1, 3)
    assert V.require_positive_finite("eta", None, allow_none=True) is None
    with pytest.raises(ValueError, match=r"AIADE \(eps=1\): sigma must"):
        with V.parameter_context("AIADE (eps=1)"):
            V.require(False, "sigma must be > 0")
