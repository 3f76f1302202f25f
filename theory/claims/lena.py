"""The claims of work 003 (LENA, Ghadikolaei, Stich, Jaggi, AISTATS 2021), each with a check that can fail
and at least one mutant (a plausible typo or misreading) whose verdict must differ (:data:`MUTANTS`,
run by ``tests/test_lena_claims.py``).

Checks run the real algorithm (:func:`reference_impl.algorithms.lena.lena`) on small scalar problems
with bounded gradients (:class:`reference_impl.algorithms.lena_problems.ScalarProblem`, Huber
profile: convex, L = 1, G = 1, rational), exactly on Fractions where that is fast enough; the
irrational right-hand sides (cube roots) are evaluated with mpmath at 50 digits, and a comparison
closer than 1e-30 raises :class:`theory.registry.Undecidable`. The one Monte Carlo check
(``lena.eq-9``) runs in float64 and states its margin.

Findings (errata): the significance filter as printed (line 8 and eq. (4)) compares the memory with
``beta ||g||^2``, a threshold that does not shrink with the step size, so on non-IID data the memory
keeps a floor ``~ beta ||grad f_m(w*)||^2`` and LENA stalls at a positive gap for every step size:
Proposition 1 C2 and C3 fail as printed (a threshold ``beta alpha^2 ||g||^2`` satisfies them); it
compares with ``v^{t-1}`` rather than with the drift about to be applied, so for an arbitrary drift the
memory is not bounded at all (the bound C needs); eq. (7) has a sign and a normalisation error; the
noise identity after eq. (5) counts t + 1 terms as t; the upload-interval scaling (9) (a conjecture
in the text) predicts exponent 2 in beta in the noise regime, we measure far less. C1's hypotheses
(Assumption 2 with mu > 0 on all of R^d and bounded gradients) are inconsistent, so C1 holds vacuously.
"""
from __future__ import annotations

import functools
import math
import warnings
from fractions import Fraction as Fr
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.algorithms.lena import lena
from reference_impl.algorithms.lena_problems import ScalarProblem
from reference_impl.backends import EXACT, NUMPY
from reference_impl.runner import seed_from_names
from theory import lena as T
from theory.registry import BadParameter, CheckResult, Claim, Param, Undecidable, register, register_mutant

P = "lena"
#: claim id -> list of (description, check on the mutated statement); the verdict must flip
MUTANTS: dict[str, list[tuple[str, Callable]]] = {}


def _mutant(claim_id: str, description: str):
    def deco(fn):
        MUTANTS.setdefault(claim_id, []).append((description, fn))
        register_mutant(claim_id, description, fn)  # the registry-wide mutation test runs it too
        return fn
    return deco


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, sp.Basic):
        return str(x)
    if isinstance(x, mpmath.mpf):
        return float(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def _result(holds, compared, detail) -> CheckResult:
    return CheckResult(bool(holds), _plain(compared), detail)


def _memo(fn):
    cached = functools.lru_cache(maxsize=32)(lambda items: fn(dict(items)))

    @functools.wraps(fn)
    def wrapper(p):
        return cached(tuple(sorted(p.items())))
    return wrapper


def _run(problem, algo, T_steps, xp=EXACT, seed=0):
    """[(state_before, info, state_after, grads at w^t)] of T_steps rounds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, xp)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(T_steps):
        G = problem.worker_grads(xp, problem.broadcast(xp, state.w))
        new, info = algo.step(state, problem, xp, rng)
        out.append((state, info, new, G))
        state = new
    return out


def _mp(x: Fr):
    return mpmath.mpf(x.numerator) / x.denominator


def _lena(alpha, beta, drift="v", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        return lena(alpha, beta, drift, **kw)


# shared parameters
def _alpha(default=Fr(1, 8), high=Fr(1, 4), high_open=False):
    return Param("alpha", default, 0, high, low_open=True, high_open=high_open, help="step size")


BETA_ALG1 = Param("beta", Fr(1, 2), 0, 1, low_open=True, help="filter threshold; Algorithm 1: 0 < beta <= 1")
STEPS = Param("T", 60, 2, 2000, kind="int", help="iterations")
DRIFT_CODES = {0: "zero", 1: "gradient", 2: "v", 3: "momentum", 4: "uniform"}
DRIFT = Param("drift", 3, 0, 4, kind="int", help="drift: 0 zero, 1 gradient, 2 v, 3 momentum, 4 uniform")


def _noniid(x0=Fr(3)):
    return ScalarProblem("huber", [Fr(1), Fr(-1)], x0=x0)


# =========================================================================================================
# eq. (3): error feedback, the virtual iterate
# =========================================================================================================
def _check_eq3(p, sign=-1) -> CheckResult:
    prob = _noniid()
    out = _run(prob, _lena(p["alpha"], p["beta"], DRIFT_CODES[p["drift"]], gamma=Fr(1, 2)), p["T"])
    first_bad = None
    for t, (s0, _, s1, G) in enumerate(out):
        x0 = s0.w + sign * EXACT.mean(s0.e, axis=0)
        x1 = s1.w + sign * EXACT.mean(s1.e, axis=0)
        if not np.array_equal(x1, x0 - p["alpha"] * EXACT.mean(G, axis=0)):
            first_bad = t
            break
    uploads = sum(int(i.uploads.sum()) for _, i, _, _ in out)
    return _result(first_bad is None, dict(first_violation=first_bad, uploads=uploads, rounds=p["T"] * prob.N),
                   "exact run of LENA (non-IID Huber, M = 2): x_t = w^t - (1/M) sum_m e_m^t must follow "
                   "x_{t+1} = x_t - (alpha/M) sum_m g_m^t, the error-feedback identity behind eqs. (3a)-(3c)")


_P3 = (_alpha(), BETA_ALG1, STEPS, DRIFT)
register(Claim(
    id="lena.eq-3", paper=P, source="003, Section 3, eqs. (3a)-(3c) and Algorithm 1",
    statement=r"Error feedback: with $e_m^{t+1} = e_m^t + \alpha g_m^t - v_m^t$ and $w^{t+1} = w^t - \frac1M\sum_m v_m^t$, "
              r"the virtual iterate $\tilde w^t = w^t - \frac1M\sum_m e_m^t$ is SGD: $\tilde w^{t+1} = \tilde w^t - "
              r"\frac{\alpha}{M}\sum_m g_m^t$, for every drift.",
    status="verified-numeric", check=_check_eq3, params=_P3,
    notes="Exact (Fractions) on the real algorithm; every drift (parameter drift)."))
_mutant("lena.eq-3", "virtual iterate with + e (sign typo)")(lambda p: _check_eq3(p, sign=+1))


# =========================================================================================================
# eq. (5): the memory between uploads
# =========================================================================================================
def _check_eq5(p, start_offset=1) -> CheckResult:
    prob = _noniid()
    out = _run(prob, _lena(p["alpha"], p["beta"], DRIFT_CODES[p["drift"]], gamma=Fr(1, 2)), p["T"])
    alpha, checked, bad = p["alpha"], 0, None
    for m in range(prob.N):
        last = None
        for t, (s0, info, s1, G) in enumerate(out):
            if info.uploads[m]:
                last = t
                continue
            if last is None:
                continue
            q = out[last][2].q[m, 0]                       # the drift set at the upload t_m^i
            pred = sum((alpha * out[i][3][m, 0] - q for i in range(last + start_offset, t + 1)), Fr(0))
            checked += 1
            if s1.e[m, 0] != pred:
                bad = (m, t)
                break
    if checked == 0:
        raise Undecidable("no round without upload after an upload at these parameters: nothing to compare")
    return _result(bad is None, dict(rounds_checked=checked, first_violation=bad),
                   "exact run: after an upload at t_m^i and none until t, e_m^{t+1} = sum_{i=t_m^i+1}^{t} "
                   "(alpha g_m^i - q_m^{t_m^i})")


register(Claim(
    id="lena.eq-5", paper=P, source="003, Section 3, eq. (5)",
    statement=r"After an upload at $t_m^i$ and none since, $e_m^{t+1} = \sum_{i=t_m^i+1}^{t}(\alpha g_m^i - q_m^t)$ "
              r"(with $q_m^t = q_m^{t_m^i}$).",
    status="verified-numeric", check=_check_eq5, params=_P3,
    notes="Exact on the real algorithm, every drift."))
_mutant("lena.eq-5", "sum starting at the upload round t_m^i")(lambda p: _check_eq5(p, start_offset=0))


# =========================================================================================================
# the noise identity after eq. (5)
# =========================================================================================================
def _check_noise(p, first=0) -> CheckResult:
    """Exact enumeration of Rademacher noise xi^i in {-1, +1} (sigma = 1): E||xi^0||^2 = 1."""
    import itertools

    t = p["t"]
    terms = t + 1 - first
    total = Fr(0)
    for signs in itertools.product((-1, 1), repeat=terms):
        total += Fr(sum(signs), t) ** 2
    mean = total / 2**terms
    rhs = t * mean
    return _result(rhs == 1, dict(lhs_E_xi0_sq=Fr(1), rhs=rhs, terms=terms,
                                  rhs_closed_form=str(T.noise_identity_printed_rhs.subs({T.t: t, T.sigma: 1}))),
                   "exact enumeration over i.i.d. Rademacher noise (sigma^2 = 1): "
                   "t E||(1/t) sum_{i=0}^{t} xi^i||^2 = (t + 1)/t, not 1")


register(Claim(
    id="lena.noise-identity", paper=P, source="003, Section 3, after eq. (5)",
    statement=r"$\mathbb E\Vert\xi_m^0\Vert^2 = t\,\mathbb E\Vert\frac1t\sum_{i=0}^t\xi_m^i\Vert^2$",
    status="erratum", check=_check_noise, params=(Param("t", 2, 1, 12, kind="int", help="number of later samples"),),
    expression=T.noise_identity_printed_rhs,
    notes="The sum from i = 0 to t has t + 1 terms: for i.i.d. noise the right side is (t+1) sigma^2 / t. "
          "Exact enumeration (Rademacher noise) at t = 2 gives 3/2 against 1. The argument it supports (a "
          "single sample is t times noisier than an average of t) is unaffected.",
    correction=r"$\mathbb E\Vert\xi_m^0\Vert^2 = t\,\mathbb E\Vert\frac1t\sum_{i=1}^t\xi_m^i\Vert^2$ "
               r"(or $(t+1)\mathbb E\Vert\frac1{t+1}\sum_{i=0}^t\xi_m^i\Vert^2$)."))
_mutant("lena.noise-identity", "sum from i = 1 (the corrected statement)")(lambda p: _check_noise(p, first=1))


# =========================================================================================================
# eq. (6): momentum is a variance-reduced drift
# =========================================================================================================
def _check_momentum(p, closed=T.momentum_variance_factor) -> CheckResult:
    g = sp.Rational(p["gamma"].numerator, p["gamma"].denominator)
    derived = T.derive_momentum_variance().subs(T.gamma, g)
    claimed = closed.subs(T.gamma, g)
    # and the real recursion: stationary variance by the exact linear recursion V <- (1-g)^2 V + g^2
    V = Fr(0)
    for _ in range(p["iterations"]):
        V = (1 - p["gamma"]) ** 2 * V + p["gamma"] ** 2
    lim = Fr(int(sp.fraction(derived)[0]), int(sp.fraction(derived)[1]))
    gap = lim - V
    holds = sp.simplify(derived - claimed) == 0 and claimed < 1 and 0 <= gap <= (1 - p["gamma"]) ** (2 * p["iterations"])
    return _result(holds, dict(derived=derived, closed_form=claimed, recursion_after_iterations=float(V)),
                   "stationary variance of m^{t+1} = (1-gamma) m^t + gamma alpha g^t with i.i.d. noise, in units of "
                   "alpha^2 sigma^2: sympy sum of the geometric series, the closed form gamma/(2-gamma) < 1, and the "
                   "exact variance recursion converging to it")


register(Claim(
    id="lena.eq-6", paper=P, source="003, Section 3, eq. (6)",
    statement=r"Momentum $m^{t+1} = (1-\gamma)m^t + \gamma\alpha g^t$ is a variance-reduced drift: its noise variance "
              r"is $\frac{\gamma}{2-\gamma}\alpha^2\sigma^2 < \alpha^2\sigma^2$.",
    status="verified-symbolic", check=_check_momentum,
    params=(Param("gamma", Fr(1, 10), 0, 1, low_open=True, high_open=True, help="momentum"),
            Param("iterations", 400, 1, 2000, kind="int", help="recursion steps")),
    expression=T.momentum_variance_factor,
    notes="The text states the variance reduction in words; the factor gamma/(2-gamma) is our derivation."))
_mutant("lena.eq-6", "closed form gamma/(1-gamma)")(lambda p: _check_momentum(p, closed=T.gamma / (1 - T.gamma)))


# =========================================================================================================
# eq. (7): the uniform average from v alone
# =========================================================================================================
def _check_eq7(p, formula=T.eq7_printed) -> CheckResult:
    prob = _noniid()
    out = _run(prob, _lena(p["alpha"], p["beta"], "v"), p["T"])
    alpha, tested, bad = p["alpha"], 0, None
    for m in range(prob.N):
        ups = [t for t, (_, i, _, _) in enumerate(out) if i.uploads[m]]
        for t0, t1 in zip(ups, ups[1:]):
            n = t1 - t0
            avg = sum((alpha * out[i][3][m, 0] for i in range(t0 + 1, t1 + 1)), Fr(0)) / n
            v1 = out[t1][1].uplink[m, 0]
            q0 = out[t0][2].q[m, 0]
            rhs = formula.subs({T.v: sp.Rational(v1.numerator, v1.denominator),
                                T.q: sp.Rational(q0.numerator, q0.denominator), T.n: n})
            tested += 1
            if n > 1 and sp.Rational(avg.numerator, avg.denominator) != rhs:
                bad = dict(node=m, t_i=t0, t_next=t1, average=avg, formula=rhs)
                break
        if bad:
            break
    if tested == 0:
        raise Undecidable("fewer than two uploads per node: nothing to compare")
    return _result(bad is None, dict(intervals_tested=tested, counterexample=bad),
                   "exact LENA run (drift q = v, so q^{t_i} is known to the server): the average of alpha g over "
                   "the rounds t_i+1..t_{i+1} against the formula")


register(Claim(
    id="lena.eq-7", paper=P, source="003, Section 3, eq. (7)",
    statement=r"$\frac1{t_m^{i+1}-t_m^i}\sum_{t=t_m^i+1}^{t_m^{i+1}}\alpha g_m^t = v_m^{t_m^{i+1}} - "
              r"(t_m^{i+1}-t_m^i-1)q_m^{t_m^i}$",
    status="erratum", check=_check_eq7, params=(_alpha(), BETA_ALG1, STEPS), expression=T.eq7_printed,
    notes="From eq. (5), v^{t_{i+1}} = e + alpha g = sum_{t=t_i+1}^{t_{i+1}} alpha g^t - (n-1) q^{t_i} with "
          "n = t_{i+1} - t_i, so the printed right side is the sum (not the average) with the wrong sign on q. "
          "Counterexample: the exact run at the defaults (compared values). reference_impl.algorithms.lena "
          "implements both (uniform_formula='corrected' is the default).",
    correction=r"$\frac1n\sum_{t=t_m^i+1}^{t_m^{i+1}}\alpha g_m^t = \frac{v_m^{t_m^{i+1}} + (n-1)q_m^{t_m^i}}{n}$, "
               r"$n = t_m^{i+1}-t_m^i$."))
_mutant("lena.eq-7", "the corrected formula (v + (n-1) q)/n")(lambda p: _check_eq7(p, formula=T.eq7_corrected))


# =========================================================================================================
# Algorithm 1: the memory bound behind C, for an arbitrary drift
# =========================================================================================================
def _check_error_bound(p, reference="v_prev") -> CheckResult:
    prob = ScalarProblem("huber", [Fr(1), Fr(-1)], x0=Fr(5))
    out = _run(prob, _lena(p["alpha"], p["beta"], "fixed", q_value=p["q"], trigger_reference=reference), p["T"])
    worst, first = Fr(0), None
    for t, (_, _, s1, G) in enumerate(out):
        for m in range(prob.N):
            g2 = G[m, 0] ** 2
            if g2 > 0:
                ratio = s1.e[m, 0] ** 2 / g2
                worst = max(worst, ratio)
                if ratio > p["beta"] and first is None:
                    first = (t, m)
    return _result(first is None, dict(beta=p["beta"], max_e_sq_over_g_sq=worst, first_violation=first),
                   "exact LENA run with the constant drift q (an 'arbitrary choice'); the bound ||e^{t+1}||^2 <= "
                   "beta ||g^t||^2 that the constant C = beta L^2 (G^2 + sigma^2)/2 rests on")


register(Claim(
    id="lena.algorithm-1-error-bound", paper=P, source="003, Algorithm 1 line 8, eq. (4), Section 3 ('any arbitrary "
    "choice of q')",
    statement=r"With the filter $\Vert e_m^t + \alpha g_m^t - v_m^{t-1}\Vert^2 \ge \beta\Vert g_m^t\Vert^2$, every "
              r"drift keeps $\Vert e_m^{t+1}\Vert^2 \le \beta\Vert g_m^t\Vert^2$ (the bound behind $C$).",
    status="erratum", check=_check_error_bound,
    params=(_alpha(), Param("beta", Fr(1, 100), 0, 1, low_open=True, help="filter threshold"),
            Param("q", Fr(1), -100, 100, help="the constant drift"), STEPS),
    notes="Right after an upload, v^{t-1} is the uploaded memory, not the drift q^{t-1} the server will apply: "
          "the filter then tests the wrong quantity and the memory after a skipped round is alpha g - q, "
          "unbounded in q. Exact counterexample at the defaults (drift q = 1, beta = 1/100): the ratio reaches "
          "far above beta. With q = v (LENA-v) the two coincide.",
    correction=r"Compare with the drift that would be applied: upload iff $\Vert e_m^t + \alpha g_m^t - "
               r"q_m^{t-1}\Vert^2 \ge \beta\Vert g_m^t\Vert^2$; then $\Vert e_m^{t+1}\Vert^2 \le \beta\Vert g_m^t\Vert^2$ "
               r"for every drift (trigger_reference='drift' in reference_impl.algorithms.lena)."))
_mutant("lena.algorithm-1-error-bound", "filter compared with q^{t-1} (the corrected reading)")(
    lambda p: _check_error_bound(p, reference="drift"))


def _check_any_drift(p, reference="v_prev") -> CheckResult:
    prob = ScalarProblem("huber", [Fr(1), Fr(1)], x0=Fr(3))       # IID: both nodes equal, w* = 1
    out = _run(prob, _lena(p["alpha"], p["beta"], "fixed", q_value=p["q"], trigger_reference=reference), p["T"])
    gaps = [prob.F(s1.w[0]) - prob.F(Fr(1)) for _, _, s1, _ in out]
    tail = max(gaps[-10:])
    return _result(tail <= p["tol"], dict(max_gap_last_10_rounds=float(tail), tol=p["tol"]),
                   "exact LENA run on an IID Huber problem with a constant drift q: convergence means the gap is "
                   "below tol in each of the last 10 rounds")


register(Claim(
    id="lena.prose-any-drift", paper=P, source="003, Section 3 ('as we are using error-feedback, any arbitrary "
    "choice of q_m^t will yield convergence'; Section 4 'for any, arbitrary, choice of drift')",
    statement=r"LENA converges for any choice of the drift $q_m^t$.",
    status="erratum", check=_check_any_drift,
    params=(_alpha(), Param("beta", Fr(1, 4), 0, 1, low_open=True), Param("q", Fr(10), -100, 100),
            Param("T", 200, 20, 2000, kind="int"), Param("tol", Fr(1, 10**6), 0, 1, low_open=True)),
    notes="With the filter as printed (compared with v^{t-1}) a constant drift q = 10 makes the server apply q "
          "after each upload: the iterates jump and never settle (gap ~ 9 in the last rounds, exact run). With "
          "the filter compared with the drift to be applied, the same drift converges to 1e-20.",
    correction="True with the corrected filter of lena.algorithm-1-error-bound (trigger_reference='drift')."))
_mutant("lena.prose-any-drift", "corrected filter")(lambda p: _check_any_drift(p, reference="drift"))


# =========================================================================================================
# Proposition 1: C, C1, C2, C3
# =========================================================================================================
def _check_C(p, beta_power=1) -> CheckResult:
    prob = ScalarProblem("huber", [Fr(0)], x0=Fr(20))
    beta, L, G2 = p["beta"], prob.L_exact, prob.G2
    out = _run(prob, _lena(p["alpha"], beta, "v", trigger_reference="drift"), p["T"])
    measured = max(L ** 2 * EXACT.mean(s1.e, axis=0)[0] ** 2 / 2 for _, _, s1, _ in out)
    C = T.value("C", beta=beta ** beta_power, L=L, G=1, sigma=0)
    C = Fr(int(sp.fraction(C)[0]), int(sp.fraction(C)[1]))
    return _result(measured <= C, dict(measured_max=measured, C=C),
                   "exact LENA run (sigma = 0, G^2 = 1): max_t (L^2/2)||w^t - w_tilde^t||^2, the quantity C bounds "
                   "(w_tilde the virtual iterate), against C = beta L^2 (G^2 + sigma^2)/2")


register(Claim(
    id="lena.proposition-1-C", paper=P, source="003, Proposition 1 (the constant C)",
    statement=r"$C := \beta\bar L^2(G^2+\sigma^2)/2$ bounds $\frac{\bar L^2}2\mathbb E\Vert w^t - \tilde w^t\Vert^2$.",
    status="verified-numeric", check=_check_C,
    params=(Param("alpha", Fr(1, 16), 0, Fr(1, 4), low_open=True), BETA_ALG1, STEPS),
    expression=T.C,
    notes="Holds with the corrected filter (compared with the drift to be applied); the measured maximum "
          "approaches C (ratio ~ 0.9 at the defaults), so a beta^2 typo is caught."))
_mutant("lena.proposition-1-C", "beta^2 in C")(lambda p: _check_C(p, beta_power=2))


def _rate_check(p, which: str, threshold: str) -> CheckResult:
    prob = ScalarProblem("huber", [Fr(1), Fr(-1)], x0=p["x0"])
    Tn, beta = p["T"], p["beta"]
    limit = Fr(1, 4) if which == "c2" else Fr(1, 2)
    grid = [limit * (1 - Fr(1, 16))] + [limit / 2**j for j in range(1, p["grid"])]
    F_star = prob.F(Fr(0))
    R0sq, F0 = p["x0"] ** 2, prob.F(p["x0"]) - F_star
    C = beta * prob.L_exact ** 2 * prob.G2 / 2
    mpmath.mp.dps = 50
    if which == "c2":
        rhs = 4 * mpmath.cbrt((_mp(C) * _mp(R0sq)) ** 2) / mpmath.cbrt(mpmath.mpf(Tn + 1) ** 2) + 8 * _mp(R0sq) / (Tn + 1)
    else:
        rhs = 8 * mpmath.cbrt((_mp(C) * _mp(F0)) ** 2) / mpmath.cbrt(mpmath.mpf(Tn + 1) ** 2) + 8 * _mp(F0) / (Tn + 1)
    per_alpha, best = {}, None
    for a in grid:
        out = _run(prob, _lena(a, beta, "v", threshold=threshold, trigger_reference="drift"), Tn)
        xs = [p["x0"]] + [s1.w[0] for _, _, s1, _ in out]
        if which == "c2":
            lhs = sum((prob.F(x) - F_star for x in xs), Fr(0)) / (Tn + 1)
        else:
            lhs = sum((prob.gradF(x) ** 2 for x in xs), Fr(0)) / (Tn + 1)
        if R0sq == 0 if which == "c2" else F0 == 0:       # the right side is exactly 0 (sigma = 0)
            diff = mpmath.mpf(1) if lhs > 0 else mpmath.mpf(-1)
        else:
            diff = _mp(lhs) - rhs
        if lhs != 0 and abs(diff) < mpmath.mpf(10) ** -30:
            raise Undecidable(f"alpha={a}: left and right sides agree to 1e-30")
        ok = diff < 0 or (lhs == 0 and diff <= 0)
        per_alpha[str(a)] = dict(lhs=float(lhs), holds=bool(ok))
        if ok and best is None:
            best = a
    return _result(best is not None, dict(rhs=float(rhs), per_alpha=per_alpha, alpha_that_works=best),
                   f"exact LENA runs (drift v, filter compared with the drift, threshold '{threshold}') on the non-IID "
                   "Huber problem f_m = H(x -+ 1) (L = 1, G = 1, sigma = 0, x* = 0) for a grid of step sizes in the "
                   "allowed range; 'holds' if one step size satisfies the bound (an existence claim)")


_PRATE = (Param("beta", Fr(1), 0, 1, low_open=True, help="filter threshold (Algorithm 1 range)"),
          Param("x0", Fr(1, 8), Fr(-1, 2), Fr(1, 2), help="starting point (x* = 0)"),
          Param("T", 300, 10, 1000, kind="int"), Param("grid", 5, 1, 8, kind="int", help="step sizes tried"))


def _check_c2(p):
    return _rate_check(p, "c2", "printed")


def _check_c3(p):
    return _rate_check(p, "c3", "printed")


_C2_NOTES = ("With the printed threshold beta ||g||^2 (independent of alpha), on non-IID data the memory keeps a "
             "floor ~ beta ||grad f_m(w*)||^2 > 0 and w^t = w_tilde^t + mean(e) does not converge: the gap stalls "
             "(~1e-2 here) for every step size while the bound tends to 0. Exact counterexample at the defaults "
             "(T = 300, five step sizes from 15/64 down to 1/64, each fails). The grid is evidence for 'no step size "
             "works', not a proof over all of (0, 1/4); the floor does not depend on alpha. With the threshold "
             "beta alpha^2 ||g||^2 the memory scales as in the error-feedback analyses (Stich and Karimireddy 2019) "
             "and the same runs satisfy the bound (the mutant).")
register(Claim(
    id="lena.proposition-1-c2", paper=P, source="003, Proposition 1, C2",
    statement=r"$\mu = 0$: there is $\alpha < 1/(4\bar L)$ with $\frac1{T+1}\sum_{t=0}^T\mathbb EF(w^t) - F^\star \le "
              r"\frac{4\sigma R_0}{\sqrt{M(T+1)}} + \frac{4(CR_0^2)^{2/3}}{(T+1)^{2/3}} + \frac{8\bar LR_0^2}{T+1}$.",
    status="erratum", check=_check_c2, params=_PRATE, expression=T.c2_bound, notes=_C2_NOTES,
    correction=r"Holds in our checks with the filter $\Vert e+\alpha g - q\Vert^2 \ge \beta\alpha^2\Vert g\Vert^2$ "
               r"(memory $\le \beta\alpha^2\Vert g\Vert^2$; threshold='alpha_squared', trigger_reference='drift')."))
_mutant("lena.proposition-1-c2", "threshold beta alpha^2 ||g||^2")(lambda p: _rate_check(p, "c2", "alpha_squared"))

register(Claim(
    id="lena.proposition-1-c3", paper=P, source="003, Proposition 1, C3",
    statement=r"Any smooth $F$: there is $\alpha \le 1/(2\bar L)$ with $\frac1{T+1}\sum_t\mathbb E\Vert\nabla F(w^t)\Vert^2 "
              r"\le \frac{8\sigma\sqrt{\bar LF_0}}{\sqrt{M(T+1)}} + \frac{8(CF_0)^{2/3}}{(T+1)^{2/3}} + \frac{8\bar LF_0}{T+1}$.",
    status="erratum", check=_check_c3, params=_PRATE, expression=T.c3_bound,
    notes=_C2_NOTES.replace("gap stalls", "squared gradient norm stalls").replace("15/64", "31/64").replace(
        "(0, 1/4)", "(0, 1/2]"),
    correction=r"As for C2: holds in our checks with the threshold $\beta\alpha^2\Vert g\Vert^2$."))
_mutant("lena.proposition-1-c3", "threshold beta alpha^2 ||g||^2")(lambda p: _rate_check(p, "c3", "alpha_squared"))


def _check_c1(p, mu_zero=False) -> CheckResult:
    G, mu = sp.Rational(p["G"].numerator, p["G"].denominator), sp.Rational(p["mu"].numerator, p["mu"].denominator)
    radius = T.derive_quasi_strong_radius()
    if mu_zero:
        # Assumption 2 with mu = 0: G r >= 0 for every r, no radius
        inconsistent = False
        r_max = sp.oo
    else:
        r_max = radius.subs({T.G: G, T.mu: mu})
        r = r_max + 1
        # at ||w - w*|| = r: F - F* >= 0 forces <grad F, w - w*> >= mu r^2/2, but <grad F, w - w*> <= G r
        inconsistent = bool(mu * r**2 / 2 > G * r)
    return _result(inconsistent, dict(radius_formula=radius, r_max=r_max, claimed_radius=T.quasi_strong_radius),
                   "Assumption 2 (mu > 0) on R^d and ||grad F|| <= G contradict beyond ||w - w*|| = 2G/mu (sympy): "
                   "no F satisfies C1's hypotheses, so C1 holds vacuously")


register(Claim(
    id="lena.proposition-1-c1", paper=P, source="003, Proposition 1, C1",
    statement=r"$\mu > 0$: there is $\alpha \le 1/(4\bar L)$ with weighted average gap $\tilde O\big(\frac{\sigma^2}{\mu M(T+1)}"
              r" + \frac{C^2}{\mu^2(T+1)^2} + \bar LR_0^2e^{-\mu(T+1)/(4\bar L)}\big)$.",
    status="verified-symbolic", check=_check_c1,
    params=(Param("G", Fr(1), 0, None, low_open=True), Param("mu", Fr(1, 2), 0, None, low_open=True)),
    expression=T.c1_rate,
    notes="Vacuous as stated: Assumption 2 with mu > 0 gives <grad F(w), w - w*> >= mu ||w - w*||^2 / 2 (as F >= F*), "
          "and ||grad F|| <= G then forces ||w - w*|| <= 2G/mu; no function on all of R^d satisfies both. The "
          "constants hidden in O-tilde are not stated, so the rate itself is not checkable. The mechanism of the "
          "C2/C3 errata (the memory floor on non-IID data) would also break a version restricted to a ball: our "
          "non-IID runs stall at a positive gap (see lena.proposition-1-c2).",
    ))
_mutant("lena.proposition-1-c1", "mu = 0 (C2's hypotheses: consistent)")(lambda p: _check_c1(p, mu_zero=True))


def _check_beta_higher_order(p, bound=None) -> CheckResult:
    bound = T.c2_bound if bound is None else bound
    lead = sp.limit(bound * sp.sqrt(T.T + 1), T.T, sp.oo) if bound.has(T.R_0) else sp.limit(bound * T.T, T.T, sp.oo)
    dep = sp.simplify(sp.diff(lead, T.beta))
    return _result(dep == 0, dict(leading_coefficient=lead, d_dbeta=dep),
                   "sympy: the leading term of the bound as T -> infinity and its derivative in beta")


register(Claim(
    id="lena.prose-beta-higher-order", paper=P, source="003, Section 4, after Proposition 1",
    statement=r"$\beta$ only impacts higher-order terms: the leading term $4\sigma R_0/\sqrt{M(T+1)}$ of C2 does not "
              r"depend on $\beta$ (unlike the $\sigma^2/((1-\beta)\mu MT)$ of Beznosikov et al.).",
    status="verified-symbolic", check=_check_beta_higher_order, expression=T.c2_bound,
    notes="A statement about the printed bound; given the C2/C3 errata, the printed bound itself fails on non-IID data."))
_mutant("lena.prose-beta-higher-order", "the Beznosikov et al. rate sigma^2/((1-beta) mu M T)")(
    lambda p: _check_beta_higher_order(p, bound=T.beznosikov_rate))


# =========================================================================================================
# The contraction extension (quantization)
# =========================================================================================================
def _check_contraction(p, power=1) -> CheckResult:
    from reference_impl.compressors.sparsification import TopK
    from reference_impl.problems import QuadraticProblem

    d, k = 4, p["k"]
    A = [[[Fr(int(i == j) * (i + 1 + m)) for j in range(d)] for i in range(d)] for m in range(3)]
    b = [[Fr((-1) ** (i + m) * (i + 2), 3) for i in range(d)] for m in range(3)]
    prob = QuadraticProblem(A, b)
    comp = TopK(k)
    delta = Fr(k, d)
    alpha = Fr(1, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        algo = lena(alpha, p["beta"], "v", compressor=comp, trigger_reference="drift")
        state = algo.init(prob, EXACT)
    rng = np.random.default_rng(0)
    worst, tested = Fr(0), 0
    for _ in range(p["T"]):
        u = state.e + alpha * prob.worker_grads(EXACT, prob.broadcast(EXACT, state.w))
        state, info = algo.step(state, prob, EXACT, rng)
        for m in np.flatnonzero(info.uploads):
            nu = sum(x * x for x in u[m])
            if nu > 0:
                worst = max(worst, sum(x * x for x in state.e[m]) / nu)
                tested += 1
    bound = (1 - delta) ** power
    return _result(worst <= bound, dict(uploads=tested, max_ratio=worst, one_minus_delta=bound),
                   "exact LENA run with a top-k compressor of the uploaded memory: ||e^{t+1}||^2 / ||e^t + alpha g^t||^2 "
                   "at every upload against 1 - delta, delta = k/d")


register(Claim(
    id="lena.contraction-extension", paper=P, source="003, Section 3, 'Adding Quantization and Further Extensions'",
    statement=r"Any update with $\Vert e_m^{t+1}\Vert^2 \le (1-\beta)\Vert e_m^t + \alpha g_m^t\Vert^2$ at an upload is "
              r"supported, e.g. a contractive compressor of the memory.",
    status="verified-numeric", check=_check_contraction,
    params=(Param("k", 2, 1, 3, kind="int", help="top-k of d = 4"), BETA_ALG1, Param("T", 40, 2, 500, kind="int")),
    notes="The contraction holds for top-k with delta = k/d (exact run). The text reuses beta for the contraction "
          "factor, which only makes sense for beta <= 1 (the experiments use beta = 40, where 1 - beta < 0); we "
          "read it as a separate delta. That the convergence proof then goes through is not checked here."))
_mutant("lena.contraction-extension", "factor (1 - delta)^2")(lambda p: _check_contraction(p, power=2))


# =========================================================================================================
# eq. (9): upload intervals (a conjecture in the text)
# =========================================================================================================
@_memo
def _interval_exponent(p) -> dict:
    seeds = seed_from_names(P, "eq-9", p["T"])
    res = {}
    for beta in (Fr(1, 4), Fr(1)):
        prob = ScalarProblem("huber", [Fr(1, 2), Fr(-1, 2)], x0=0, sigma=Fr(1, 2))
        out = _run(prob, _lena(1 / 8, float(beta), "momentum", gamma=0.05, batch=1), p["T"], xp=NUMPY, seed=seeds)
        ups = sum(int(i.uploads.sum()) for _, i, _, _ in out[p["T"] // 2:])
        res[str(beta)] = (p["T"] - p["T"] // 2) * prob.N / max(ups, 1)
    return dict(intervals=res, exponent=math.log(res["1"] / res["1/4"]) / math.log(4))


def _check_eq9(p, low=Fr(3, 2), high=Fr(5, 2)) -> CheckResult:
    r = _interval_exponent(p)
    return _result(low <= r["exponent"] <= high, dict(measured_beta_exponent=r["exponent"], predicted=2,
                                                      mean_intervals=r["intervals"], accepted=[low, high]),
                   "float64 LENA-m runs (Huber non-IID, c = 1/2, sigma = 1/2 Rademacher, alpha = 1/8, gamma = 0.05): "
                   "mean iterations between uploads in the second half, at beta = 1/4 and 1, and the fitted exponent "
                   "in beta; (9)'s noise regime beta * beta c^2/sigma^2 predicts 2")


register(Claim(
    id="lena.eq-9", paper=P, source="003, Section 4, 'Upload Intervals', eq. (9) and the paragraph after it",
    statement=r"Iterations between uploads $\sim \beta\,O(\min\{\frac{\Vert\nabla f_m(w^\star)\Vert}{L_m\Vert w^t-w^\star\Vert},"
              r"\frac{\beta\Vert\nabla f_m(w^\star)\Vert^2}{\sigma^2}\})$: in the noise regime, $\propto\beta^2/\sigma^2$.",
    status="erratum", check=_check_eq9, params=(Param("T", 6000, 1000, 100000, kind="int"),),
    expression=T.interval_9,
    notes="A conjecture in the text ('we do not give a formal proof'). Measured exponent in beta: about 0.1-0.2 "
          "(defaults), for LENA-m, LENA-u and LENA-v alike in our runs, against 2 from (9); the measured exponent "
          "in sigma^2 is about -0.9 for LENA-m, close to (9)'s -1. The margin (0.2 against the accepted [1.5, 2.5]) "
          "is far larger than Monte Carlo or float error. The qualitative claims after (9) depend on the reading: on "
          "MNIST (Figure 1 notebook, scale-invariant filter) LENA-B's frequency falls and the minibatch frequencies "
          "level off in the order of the noise, as claimed; on the scalar Huber problems with the printed filter the "
          "non-IID frequency stays constant without noise (the memory floor keeps w away from w*), and on IID data "
          "without noise it rises to 1 near the optimum (g -> 0 makes the threshold 0), which (9) itself predicts "
          "for grad f_m(w*) = 0.",
    correction="In the noise regime the interval grows far slower than beta^2 (our fit: ~beta^0.15 on this problem); "
               "we have no closed form to offer."))
_mutant("lena.eq-9", "interval independent of beta (exponent in [-1/2, 1/2])")(
    lambda p: _check_eq9(p, low=Fr(-1, 2), high=Fr(1, 2)))


# =========================================================================================================
# Prose claims about the experiments: checked by the reproductions, not here
# =========================================================================================================
for _id, _src, _stmt, _note in (
        ("lena.prose-same-rate-fewer-uploads", "003, abstract and Section 1",
         "LENA converges as fast as distributed SGD (gradients every iteration) with substantially fewer uploads.",
         "An empirical statement; measured in reproductions lena-fig1 on MNIST (quick mode, M = 20): LENA uploads "
         "in 4-12% of the rounds and ends at 1.3 times DGD's training loss after 200 iterations. Given the C2/C3 "
         "errata, the rate part holds only up to the memory floor on non-IID data."),
        ("lena.prose-bits-vs-lag", "003, Section 1 and Section 5.1",
         "LENA uses up to 99% fewer total uploaded bits than LAG (99.9% at 0.86 test accuracy in Figure 2 (b)).",
         "Measured in reproductions lena-fig2. Full mode (the paper's setting: M = 200, all MNIST, minibatch 3, "
         "target 0.86): LENA 4.3 Gb, LENA with the 3-trigger rule 2.7 Gb, LAG 5.0 Gb, DIANA 0.12 Gb: LENA saves "
         "15% (3-trigger: 47%) of LAG's bits, not 99.9%, and DIANA needs 35 times fewer bits than LENA. Not "
         "reproduced."),
        ("lena.prose-gains-network-size", "003, Section 1 and Section 5.2",
         "The gains (bits, latency) improve with the network size M; DIANA is better at M = 10.",
         "Measured in reproductions lena-fig4 (extra latency against M).")):
    register(Claim(id=_id, paper=P, source=_src, statement=_stmt, status="not-checkable", check=None, notes=_note))
