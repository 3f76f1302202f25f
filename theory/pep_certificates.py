"""Worst-case certificates (PEPit + Clarabel) for the contractions the theorems of 000, 001 and 004 rely on.

Each certificate is a performance-estimation problem (PEP) formulated here with PEPit and solved as an
SDP with Clarabel; the tight worst case is compared with the constant the paper prints, taken from
``theory/<paper>.py`` (never retyped). Importing this module registers them (see
:mod:`theory.certificates`).

How compressors enter a PEP (a PEP is an SDP over Gram matrices, so only deterministic points exist):

* **contractive** (001, Assumption 4): a deterministic compressor is a point ``c`` with
  ``||c - x||^2 <= (1 - delta) ||x||^2``. For the FCC residual the worst case over random compressors
  is the same number: the tower rule gives ``E||e_{r+1}||^2 <= (1 - delta) E||e_r||^2`` for any random
  compressor, and deterministic compressors are in the class.
* **unbiased** (001, Assumption 3; 004, Assumption 1): a compressor whose output only enters the metric
  quadratically is modelled by its moments: ``E||a - gamma C(g)||^2 = ||a - gamma g||^2 + gamma^2
  E||C(g) - g||^2``, and the worst compressor has ``E||C(g) - g||^2 = omega ||g||^2`` (divided by ``N`` for
  the average of ``N`` independent compressors on homogeneous workers). A compressor whose output is a
  point where a gradient or function value is taken (MCM's downlink, Ghost's first uplink, FCC's later
  rounds) is modelled by its outcomes: ``m`` equally likely points ``x + u_j`` with ``sum_j u_j = 0`` and
  ``(1/m) sum_j ||u_j||^2 <= omega ||x||^2`` (a distribution on one input extends to a compressor in
  U_omega by rotating and scaling it to other inputs). That is a restriction, so these PEPs give **lower
  bounds** on the worst case over U_omega; where an upper bound is also known (a closed form) the
  docstring says so. ``m = 2, 3, 4`` give the same value at the defaults (tests/test_pep_certificates.py).

Certificates (claim: verdict at the defaults): neolithic.lemma-1 (FCC, contractive): tight;
neolithic.remark-fcc-unbiased (FCC, scaled unbiased): tight; iade.theorem-3.1 (K inexact gradient steps):
violated as printed, loose corrected; iade.lemma-9.1 (SGD under WGC): tight; iade.corollary-9.2 (SGD
step plus a random error): violated as printed, tight corrected, violated when the error may correlate with
the gradient noise; mcm.theorem-5 (memory
recursion): loose, violated under the literal hypothesis; mcm.theorem-3 / mcm.theorem-2 (Ghost): tight
(0) / violated; mcm.theorem-7 (Lyapunov, strongly convex): loose; mcm.theorem-6 (Lyapunov, convex): tight;
both violated at alpha_down = 1, which their statements do not exclude.
The Ghost certificates compare ``LHS - RHS`` with 0 (the inequality is homogeneous), so their ``ratio`` is
not meaningful (infinite).

Numbers: :func:`solve_pep` returns the dual objective (PEPit's reconstructed certificate, an upper
bound of the SDP) and the primal objective (the value of the Gram matrix found, a lower bound) of a
Clarabel solve at its default tolerances (1e-8). The verdict tolerance ``TOLERANCE = 1e-6`` is the one
of the existing Lemma 7.2 check; it is justified by measurement (tests/test_pep_certificates.py): at the
defaults the dual-primal gap is below 1e-7 relative, the value agrees with a solve at tightened
tolerances (1e-10) to below 1e-7 where that solve converges (FCC, Theorems 5-7 of 004), and with the closed form to
below 1e-7 where one exists (FCC, IADE, Theorem 5). So 1e-6 is at least ten times the solver's error and
a verdict is never decided by rounding. The K-step IADE PEP is badly conditioned (its worst case is
rank one): Clarabel cannot reach 1e-10 there, and for K >= 6 not even its defaults; a solve that
Clarabel reports as inaccurate raises :class:`~theory.registry.Undecidable` instead of giving a verdict.
"""
from __future__ import annotations

import dataclasses
import functools
import warnings

import theory.iade as IADE
import theory.mcm as MCM
import theory.neolithic as NEO
from theory.certificates import Certificate, CertificateResult, register_certificate
from theory.registry import BadParameter, Undecidable

#: Relative/absolute decision tolerance of every verdict (see the module docstring).
TOLERANCE = 1e-6
#: Tightened Clarabel tolerances (``precise=True``), for the two-accuracy comparison; reported values use
#: Clarabel's defaults (1e-8).
PRECISE = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}

#: 000, proof sketch of Theorem 3.1 -- ||v_k - grad f(x_k)|| <= s c'^{k+1}, the error of IADE's gradient estimate.
IADE_GRADIENT_ERROR = IADE.iade_gradient_error


@dataclasses.dataclass(frozen=True)
class PepValue:
    """The two objectives of one PEP solve: ``upper`` (dual, the certificate) and ``lower`` (primal)."""

    upper: float
    lower: float


def solve_pep(problem, precise: bool = False) -> PepValue:
    """Solve a PEPit problem with Clarabel; raise :class:`~theory.registry.Undecidable` when the solver is unsure."""
    options = dict(solver="CLARABEL", **(PRECISE if precise else {}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        upper = float(problem.solve(verbose=0, **options))
    doubts = [str(w.message) for w in caught if "inaccurate" in str(w.message).lower()]
    if doubts:
        raise Undecidable(f"Clarabel reports an inaccurate solution ({doubts[0]}); no verdict")
    return PepValue(upper=upper, lower=float(problem.objective.eval()))


def _need(ok: bool, name: str, value, allowed: str) -> None:
    if not ok:
        raise BadParameter(f"parameter {name}={value} is outside its allowed range {allowed}")


def _result(pep: PepValue, printed: float, parameters: dict, detail: str) -> CertificateResult:
    return CertificateResult(worst=pep.upper, printed=float(printed), tolerance=TOLERANCE,
                             parameters=dict(parameters), detail=detail, lower=pep.lower)


# =============================================================================================
# 001, Lemma 1: FCC's residual after R rounds of a delta-contractive compressor
# =============================================================================================
@functools.lru_cache(maxsize=64)
def fcc_residual_pep(delta: float, R: int, precise: bool = False) -> PepValue:
    """Worst ``||v* - v^(R)||^2 / ||v*||^2`` of FCC (001, Algorithm 1) over delta-contractive compressors.

    Residual ``e_0 = v*``, ``e_{r+1} = e_r - c_r`` with ``c_r = C(e_r)`` any point with
    ``||c_r - e_r||^2 <= (1 - delta) ||e_r||^2``; initial condition ``||v*||^2 <= 1``.
    """
    from PEPit import PEP, Point

    problem = PEP()
    residual = problem.set_initial_point()
    problem.set_initial_condition(residual ** 2 <= 1)
    for _ in range(R):
        message = Point()
        problem.add_constraint((message - residual) ** 2 <= (1 - delta) * residual ** 2)
        residual = residual - message
    problem.set_performance_metric(residual ** 2)
    return solve_pep(problem, precise)


def fcc_certificate(delta: float = 1 / 3, R: int = 4) -> CertificateResult:
    """FCC residual vs Lemma 1's ``(1 - delta)^R`` (``theory.neolithic.fcc_residual``)."""
    _need(0 < delta <= 1, "delta", delta, "(0, 1]")
    _need(isinstance(R, int) and 1 <= R <= 50, "R", R, "[1, 50] (integer)")
    printed = NEO.numeric("fcc_residual", delta=delta, R=R)
    return _result(fcc_residual_pep(float(delta), R), printed, dict(delta=delta, R=R),
                   "worst E||v* - v^(R)||^2/||v*||^2; equality (tight) contradicts the printed strict '<'")


@functools.lru_cache(maxsize=64)
def fcc_unbiased_pep(omega: float, R: int, precise: bool = False) -> PepValue:
    """Worst ``E||v* - v^(R)||^2 / ||v*||^2`` of FCC around ``C/(1 + omega)``, C omega-unbiased (random).

    Each round's compressor on each residual ``e`` is a random point with two equally likely outcomes
    ``e +- u`` (mean ``e``, ``||u||^2 <= omega ||e||^2``, fresh per round); the residual tree has ``2^R``
    equally likely leaves, the metric is their mean squared norm. A lower bound over U_omega; the tower
    rule with ``scaled_unbiased_delta`` gives the matching upper bound ``(omega/(1+omega))^R``.
    """
    from PEPit import PEP, Point

    problem = PEP()
    v_star = problem.set_initial_point()
    problem.set_initial_condition(v_star ** 2 <= 1)
    scale = NEO.numeric("scaled_unbiased_delta", omega=omega)   # 1/(1 + omega)
    leaves = [v_star]
    for _ in range(R):
        grown = []
        for residual in leaves:
            u = Point()
            problem.add_constraint(u ** 2 <= omega * residual ** 2)
            grown += [residual - scale * (residual + u), residual - scale * (residual - u)]
        leaves = grown
    metric = leaves[0] ** 2
    for leaf in leaves[1:]:
        metric = metric + leaf ** 2
    problem.set_performance_metric(metric / len(leaves))
    return solve_pep(problem, precise)


def fcc_unbiased_certificate(omega: float = 1.0, R: int = 3) -> CertificateResult:
    """FCC around a scaled unbiased compressor vs ``(1 - delta)^R`` at ``delta = 1/(1 + omega)``."""
    _need(omega >= 0, "omega", omega, "[0, oo)")
    _need(isinstance(R, int) and 1 <= R <= 6, "R", R, "[1, 6] (integer; the outcome tree has 2^R leaves)")
    delta = NEO.numeric("scaled_unbiased_delta", omega=omega)
    printed = NEO.numeric("fcc_residual", delta=delta, R=R)
    return _result(fcc_unbiased_pep(float(omega), R), printed, dict(omega=omega, R=R, delta=delta),
                   "worst E||v* - v^(R)||^2/||v*||^2 over two-outcome unbiased compressors per round")


# =============================================================================================
# 000, Theorem 3.1: K steps of gradient descent with a gradient error ||e_k|| <= s c'^{k+1}
# =============================================================================================
@functools.lru_cache(maxsize=64)
def iade_inexact_gd_pep(L: float, mu: float, eta: float, c_prime: float, s: float, D: float, K: int,
                        precise: bool = False) -> PepValue:
    """Worst ``||x_K - x*||^2`` of ``x_{k+1} = x_k - eta (grad f(x_k) + e_k)``, ``||e_k|| <= s c'^{k+1}``.

    Class: L-smooth mu-strongly convex f; initial condition ``||x_0 - x*||^2 <= D^2``; the errors ``e_k``
    are free points with ``||e_k||^2 <= (s c'^{k+1})^2`` (IADE's ``v_k - grad f(x_k)``, 000 Appendix 7.1).
    """
    from PEPit import PEP, Point
    from PEPit.functions import SmoothStronglyConvexFunction

    problem = PEP()
    f = problem.declare_function(SmoothStronglyConvexFunction, L=L, mu=mu)
    x_star = f.stationary_point()
    x = problem.set_initial_point()
    problem.set_initial_condition((x - x_star) ** 2 <= D ** 2)
    for k in range(K):
        error = Point()
        radius = float(IADE_GRADIENT_ERROR.subs({IADE.s: s, IADE.c_prime: c_prime, IADE.k: k}))
        problem.add_constraint(error ** 2 <= radius ** 2)
        x = x - eta * (f.gradient(x) + error)
    problem.set_performance_metric((x - x_star) ** 2)
    return solve_pep(problem, precise)


IADE_DEFAULTS = dict(L=0.5, mu=0.1, eta=2.0, c_prime=0.9, s=1.0, D=5.0, K=4)


def _iade_check(L, mu, eta, c_prime, s, D, K) -> float:
    _need(L > 0, "L", L, "(0, oo)")
    _need(0 < mu < L, "mu", mu, f"(0, L) = (0, {L}) (PEPit needs mu < L)")
    _need(0 < eta < 2 / (L + mu), "eta", eta, f"(0, 2/(L+mu)) = (0, {2 / (L + mu):.6g}) (Algorithm 1)")
    c = IADE.numeric("c_eta", eta=eta, mu=mu)
    _need(c < c_prime < 1, "c_prime", c_prime, f"(c, 1) = ({c:.6g}, 1) with c = 1 - eta mu")
    _need(s > 0, "s", s, "(0, oo)")
    _need(D >= 0, "D", D, "[0, oo)")
    _need(isinstance(K, int) and 1 <= K <= 30, "K", K, "[1, 30] (integer)")
    return c


def iade_theorem31_certificate(bound: str = "printed", **params) -> CertificateResult:
    """Worst ``||x_K - x*||^2`` vs the square of Theorem 3.1's bound, ``printed`` (xi_s) or ``corrected``
    (xi_{eta s}) (``theory.iade.theorem31_bound_printed`` / ``_corrected``, x0 = ||x_0 - x*|| = D)."""
    _need(bound in ("printed", "corrected"), "bound", bound, "{printed, corrected}")
    p = {**IADE_DEFAULTS, **params}
    c = _iade_check(**p)
    value = IADE.numeric(f"theorem31_bound_{bound}", c=c, c_prime=p["c_prime"], s=p["s"], x0=p["D"],
                         k=p["K"], eta=p["eta"])
    pep = iade_inexact_gd_pep(*(float(p[n]) for n in ("L", "mu", "eta", "c_prime", "s", "D")), p["K"])
    return _result(pep, value ** 2, p, f"worst ||x_K - x*||^2 vs ({bound} bound)^2")


# =============================================================================================
# 000, Lemma 9.1: one SGD step under the weak growth condition
# =============================================================================================
@functools.lru_cache(maxsize=64)
def iade_wgc_sgd_pep(L: float, mu: float, rho: float, precise: bool = False) -> PepValue:
    """Worst ``E||x_1 - x*||^2`` of ``x_1 = x_0 - eta v``, ``eta = 1/(rho L)``, given ``||x_0 - x*||^2 <= 1``.

    The stochastic direction ``v = (1/N) sum_i bar-grad_i`` enters by its moments: ``E v = grad f(x_0)``
    (Assumption 5.1, first item), so ``E||x_1 - x*||^2 = ||x_0 - x*||^2 - 2 eta <grad f(x_0), x_0 - x*> +
    eta^2 S`` with ``S = E||v||^2``, a free scalar with ``||grad f(x_0)||^2 <= S`` (variance >= 0) and
    ``S <= (1/N) sum_i E||bar-grad_i||^2 <= 2 rho L (f(x_0) - f*)`` (Jensen, then WGC at x_0). Class:
    L-smooth mu-strongly convex f (the mean of L-smooth f_i is L-smooth). Imposing WGC at x_0 only is a
    relaxation, so the value is an upper bound over every instance of the lemma.
    """
    from PEPit import PEP, Expression
    from PEPit.functions import SmoothStronglyConvexFunction

    problem = PEP()
    f = problem.declare_function(SmoothStronglyConvexFunction, L=L, mu=mu)
    x_star = f.stationary_point()
    x = problem.set_initial_point()
    problem.set_initial_condition((x - x_star) ** 2 <= 1)
    g = f.gradient(x)
    second_moment = Expression()
    problem.add_constraint(second_moment <= 2 * rho * L * (f(x) - f(x_star)))
    problem.add_constraint(g ** 2 <= second_moment)
    eta = IADE.numeric("eta_sgd", rho=rho, L=L)
    problem.set_performance_metric((x - x_star) ** 2 - 2 * eta * (g * (x - x_star)) + eta ** 2 * second_moment)
    return solve_pep(problem, precise)


def iade_lemma91_certificate(L: float = 1.0, mu: float = 0.1, rho: float = 1.1) -> CertificateResult:
    """Lemma 9.1 of 000 vs its factor ``1 - mu/(rho L)`` (``theory.iade.c_sgd``)."""
    _need(L > 0, "L", L, "(0, oo)")
    _need(0 < mu < L, "mu", mu, f"(0, L) = (0, {L}) (PEPit needs mu < L)")
    _need(rho > 0, "rho", rho, "(0, oo)")
    printed = IADE.numeric("c_sgd", mu=mu, rho=rho, L=L)
    return _result(iade_wgc_sgd_pep(float(L), float(mu), float(rho)), printed, dict(L=L, mu=mu, rho=rho),
                   "worst E||x_1 - x*||^2 over ||x_0 - x*||^2 <= 1 (an upper bound over every instance)")


# =============================================================================================
# 000, Corollary 9.2: the SGD step with an added random error (IADE-SGD's recursion)
# =============================================================================================
#: 000, Corollary 9.2, condition 1) -- ||e_k||^2 <= rho^2 L^2 s c'^{k+1} (the error added to the iterate).
COROLLARY92_ERROR_SQ = IADE.rho ** 2 * IADE.L ** 2 * IADE.s * IADE.c_prime ** (IADE.k + 1)
#: 000, proof of Corollary 9.2 -- E||x_{k+1} - x*||^2 <= c ||x_k - x*||^2 + s c'^{k+1}, c = 1 - mu/(rho L);
#: ``x0`` stands for ||x_k - x*||^2 as in ``theorem52_bound``.
COROLLARY92_RECURSION = IADE.c_sgd * IADE.x0 + IADE.s * IADE.c_prime ** (IADE.k + 1)


@functools.lru_cache(maxsize=64)
def iade_sgd_error_pep(L: float, mu: float, rho: float, D: float, error_sq: float, uncorrelated: bool,
                       precise: bool = False) -> PepValue:
    """Worst ``E||x_1 - x*||^2`` of ``x_1 = x_0 - eta v + e`` (000, eq. (6)), ``eta = 1/(rho L)``.

    Random vectors enter through their second moments: ``xi = v - grad f(x_0)`` and ``e`` are points of the
    space of mean-zero random vectors (``E<z, d> = 0`` for every deterministic ``d``), i.e. points orthogonal
    to ``x_0 - x*`` and ``grad f(x_0)``, with ``E<xi, e>`` free unless ``uncorrelated``. WGC at ``x_0``:
    ``||grad f(x_0)||^2 + E||xi||^2 <= 2 rho L (f(x_0) - f*)`` (as in :func:`iade_wgc_sgd_pep`); error:
    ``E||e||^2 <= error_sq`` (implied by the printed pointwise bound). Initial ``||x_0 - x*||^2 <= D^2``.
    Every real instance gives a PSD Gram matrix satisfying these constraints: an upper bound.
    """
    from PEPit import PEP, Point
    from PEPit.functions import SmoothStronglyConvexFunction

    problem = PEP()
    f = problem.declare_function(SmoothStronglyConvexFunction, L=L, mu=mu)
    x_star = f.stationary_point()
    x = problem.set_initial_point()
    problem.set_initial_condition((x - x_star) ** 2 <= D ** 2)
    g = f.gradient(x)
    xi, e = Point(), Point()
    for z in (xi, e):
        problem.add_constraint((z * (x - x_star)) == 0)
        problem.add_constraint((z * g) == 0)
    if uncorrelated:
        problem.add_constraint((xi * e) == 0)
    problem.add_constraint(g ** 2 + xi ** 2 <= 2 * rho * L * (f(x) - f(x_star)))
    problem.add_constraint(e ** 2 <= error_sq)
    eta = IADE.numeric("eta_sgd", rho=rho, L=L)
    problem.set_performance_metric((x - eta * (g + xi) + e - x_star) ** 2)
    return solve_pep(problem, precise)


COROLLARY92_DEFAULTS = dict(L=1.0, mu=0.1, rho=1.1, s=1.0, c_prime=0.95, k=0, D=1.0)


def iade_corollary92_certificate(error: str = "printed", **params) -> CertificateResult:
    """One step of eq. (6) vs the proof's recursion ``c D^2 + s c'^{k+1}`` (``COROLLARY92_RECURSION``).

    ``error="printed"``: ``E||e||^2 <= rho^2 L^2 s c'^{k+1}`` as condition 1) prints, e uncorrelated with the
    stochastic gradient; ``"corrected"``: ``E||e||^2 <= s c'^{k+1}`` and uncorrelated; ``"correlated"``:
    ``E||e||^2 <= s c'^{k+1}`` with only ``E e = 0`` (condition 2) as printed).
    """
    _need(error in ("printed", "corrected", "correlated"), "error", error, "{printed, corrected, correlated}")
    p = {**COROLLARY92_DEFAULTS, **params}
    L, mu, rho, s, cp, k, D = (p[n] for n in ("L", "mu", "rho", "s", "c_prime", "k", "D"))
    _need(L > 0, "L", L, "(0, oo)")
    _need(0 < mu < L, "mu", mu, f"(0, L) = (0, {L}) (PEPit needs mu < L)")
    _need(rho > 0, "rho", rho, "(0, oo)")
    _need(s > 0, "s", s, "(0, oo)")
    _need(0 < cp < 1, "c_prime", cp, "(0, 1)")
    _need(isinstance(k, int) and k >= 0, "k", k, "[0, oo) (integer)")
    _need(D >= 0, "D", D, "[0, oo)")
    values = {IADE.rho: rho, IADE.L: L, IADE.s: s, IADE.c_prime: cp, IADE.k: k, IADE.mu: mu, IADE.x0: D ** 2}
    bound = COROLLARY92_ERROR_SQ if error == "printed" else IADE.s * IADE.c_prime ** (IADE.k + 1)
    error_sq = float(bound.subs(values))
    printed = float(COROLLARY92_RECURSION.subs(values))
    pep = iade_sgd_error_pep(float(L), float(mu), float(rho), float(D), error_sq, error != "correlated")
    return _result(pep, printed, {**p, "error": error, "error_sq_bound": error_sq},
                   "worst E||x_1 - x*||^2 of eq. (6) vs c ||x_0 - x*||^2 + s c'^(k+1) (an upper bound)")


# =============================================================================================
# 004, Theorem 5: the downlink memory recursion of MCM (noiseless, sigma = 0)
# =============================================================================================
def _mcm_values(**values) -> dict:
    return {name: v for name, v in values.items() if v is not None}


@functools.lru_cache(maxsize=64)
def mcm_memory_pep(L: float, omega_down: float, omega_up_over_N: float, alpha: float, gamma: float,
                   coefficient: float, outcomes: int = 2, precise: bool = False) -> PepValue:
    """Worst ``E[Upsilon_k] - coefficient E||grad F(w_hat_{k-1})||^2`` given ``Upsilon_{k-1} <= 1``.

    One MCM step (004, eq. (3)) from ``(w_{k-1}, H_{k-2})``, ``Omega = w_{k-1} - H_{k-2}``: the downlink
    outcome ``C(Omega) = Omega + u_j`` (``outcomes`` equally likely points, see the module docstring),
    ``w_hat = H_{k-2} + C(Omega)``, ``H_{k-1} = H_{k-2} + alpha C(Omega)``, ``w_k = w_{k-1} - gamma
    C_up(grad F(w_hat))``, ``Upsilon_k = ||w_k - H_{k-1}||^2`` (uplink by its moments). Class: L-smooth F,
    not necessarily convex (Theorem 5 assumes Assumptions 1, 3 and 5 only; the convex class gives the same
    values at the defaults).
    """
    from PEPit import PEP, Point
    from PEPit.functions import SmoothFunction

    problem = PEP()
    F = problem.declare_function(SmoothFunction, L=L)
    w = problem.set_initial_point()
    H = Point()
    omega_vec = w - H
    problem.set_initial_condition(omega_vec ** 2 <= 1)
    shifts = _centred_outcomes(problem, omega_vec, omega_down, outcomes)
    metric = 0
    for u in shifts:
        compressed = omega_vec + u
        g = F.gradient(H + compressed)
        upsilon = (omega_vec - alpha * compressed - gamma * g) ** 2 + gamma ** 2 * omega_up_over_N * g ** 2
        metric = metric + (upsilon - coefficient * g ** 2) / outcomes
    problem.set_performance_metric(metric)
    return solve_pep(problem, precise)


def _centred_outcomes(problem, omega_vec, omega_down: float, outcomes: int) -> list:
    """``outcomes`` points ``u_j`` with ``sum u_j = 0`` and ``mean ||u_j||^2 <= omega_down ||Omega||^2``."""
    from PEPit import Point

    free = [Point() for _ in range(outcomes - 1)]
    last = -1 * free[0]
    for u in free[1:]:
        last = last - u
    shifts = free + [last]
    second_moment = shifts[0] ** 2
    for u in shifts[1:]:
        second_moment = second_moment + u ** 2
    problem.add_constraint(second_moment <= outcomes * omega_down * omega_vec ** 2)
    return shifts


THEOREM5_DEFAULTS = dict(L=1.0, omega_down=1.0, omega_up=1.0, N=1)


def mcm_theorem5_certificate(reading: str = "inverse", outcomes: int = 2, **params) -> CertificateResult:
    """Theorem 5 of 004 at sigma = 0 vs its printed contraction ``1 - alpha_down/2``.

    ``reading="inverse"``: the hypothesis ``alpha_down <= (4 omega_down)^{-1}`` (``theorem5_alpha_bound``),
    at its largest value; ``reading="literal"``: ``alpha_down <= 4 omega_down - 1`` as printed, at
    ``alpha_down = 1`` (allowed when omega_down >= 1/2). ``gamma = (8 omega_down L)^{-1}``
    (``theorem5_gamma_bound``) unless given. Upper bound (any gradient field, any distribution):
    ``memory_contraction_exact * K2/(K2 - 1)``, ``K2 = 2/alpha + omega_up/N``, pointwise maximisation
    over the gradient; the PEP equals it when smoothness does not bind.
    """
    p = {**THEOREM5_DEFAULTS, **params}
    L, wd, wu, N = float(p["L"]), float(p["omega_down"]), float(p["omega_up"]), p["N"]
    _need(L > 0, "L", L, "(0, oo)")
    _need(wd > 0, "omega_down", wd, "(0, oo) (Assumption 1: omega in R*)")
    _need(wu >= 0, "omega_up", wu, "[0, oo)")
    _need(isinstance(N, int) and N >= 1, "N", N, "[1, oo) (integer)")
    _need(isinstance(outcomes, int) and 2 <= outcomes <= 6, "outcomes", outcomes, "[2, 6] (integer)")
    values = dict(L=L, omega_down=wd, omega_up=wu, N=N)
    if reading == "inverse":
        alpha_max = float(MCM.substitute(MCM.theorem5_alpha_bound, values))
        default_alpha = min(1.0, alpha_max)
    elif reading == "literal":
        alpha_max = float(MCM.substitute(MCM.theorem5_alpha_bound_literal, values))
        default_alpha = 1.0
    else:
        raise BadParameter(f"parameter reading={reading!r} is outside its allowed range {{inverse, literal}}")
    alpha = float(p.get("alpha", default_alpha))
    _need(0 < alpha <= min(1.0, alpha_max), "alpha", alpha, f"(0, min(1, {alpha_max:.6g})] ({reading} reading)")
    gamma_max = float(MCM.substitute(MCM.theorem5_gamma_bound, values))
    gamma = float(p.get("gamma", gamma_max))
    _need(0 < gamma <= gamma_max, "gamma", gamma, f"(0, (8 omega_down L)^-1] = (0, {gamma_max:.6g}]")
    full = {**values, "alpha_down": alpha, "gamma": gamma}
    coefficient = float(MCM.substitute(MCM.theorem5_gradient_coefficient, full))
    printed = float(MCM.substitute(MCM.theorem5_contraction, full))
    pep = mcm_memory_pep(L, wd, wu / N, alpha, gamma, coefficient, outcomes)
    return _result(pep, printed, {**full, "outcomes": outcomes, "reading": reading},
                   "worst E[Upsilon_k] - 2 gamma^2 (1/alpha + omega_up/N) E||grad F(w_hat)||^2 over "
                   "Upsilon_{k-1} <= 1 (a lower bound over U_omega; closed-form upper bound in the docstring)")


# =============================================================================================
# 004, Theorems 2-3: the Ghost contraction (convex, noiseless, N = 1)
# =============================================================================================
def _ghost_coefficients(values: dict) -> dict:
    """Coefficients of E_dist, F_gap, G_1, G_2 in ``theory.mcm.ghost_contraction_rhs`` (it is linear in them)."""
    import sympy as sp

    rhs = MCM.ghost_contraction_rhs
    return {str(sym): float(MCM.substitute(sp.diff(rhs, sym), values))
            for sym in (MCM.E_dist, MCM.F_gap, MCM.G_1, MCM.G_2)}


@functools.lru_cache(maxsize=64)
def mcm_ghost_pep(L: float, omega_down: float, omega_up: float, gamma: float, outcomes: int = 2,
                  precise: bool = False) -> PepValue:
    """Worst ``E||w_k - w*||^2 - RHS`` of two Ghost steps (004, Definition 1, eq. (1)), N = 1, sigma = 0.

    State ``(w_{k-2}, w_hat_{k-2})`` with ``||w_{k-2} - w*||^2 + ||w_hat_{k-2} - w*||^2 <= 1``; uplink
    ``g_hat = C_up(grad F(w_hat_{k-2}))`` and, for each of its outcomes, downlink ``C_down(g_hat)``, each as
    ``outcomes`` equally likely points (module docstring); ``w_{k-1} = w_{k-2} - gamma g_hat``,
    ``w_hat_{k-1} = w_{k-2} - gamma C_down(g_hat)``, ``w_k = w_{k-1} - gamma C_up(grad F(w_hat_{k-1}))`` (last
    uplink by its moments). RHS is Theorem 3's right side with its coefficients read off
    ``ghost_contraction_rhs``. Class: L-smooth convex F. Positive value: the inequality fails.
    """
    from PEPit import PEP, Point
    from PEPit.functions import SmoothConvexFunction

    c = _ghost_coefficients(dict(L=L, omega_down=omega_down, omega_up=omega_up, N=1, gamma=gamma))
    problem = PEP()
    F = problem.declare_function(SmoothConvexFunction, L=L)
    w_star = F.stationary_point()
    F_star = F(w_star)
    w_2 = problem.set_initial_point()
    w_hat_2 = Point()
    problem.set_initial_condition((w_2 - w_star) ** 2 + (w_hat_2 - w_star) ** 2 <= 1)
    g_2 = F.gradient(w_hat_2)
    rhs, lhs = c["G_2"] * g_2 ** 2, 0
    for u in _centred_outcomes(problem, g_2, omega_up, outcomes):
        g_hat = g_2 + u
        w_1 = w_2 - gamma * g_hat
        rhs = rhs + (c["E_dist"] * (w_1 - w_star) ** 2 + c["F_gap"] * (F(w_1) - F_star)) / outcomes
        for y in _centred_outcomes(problem, g_hat, omega_down, outcomes):
            g_1 = F.gradient(w_2 - gamma * (g_hat + y))
            rhs = rhs + c["G_1"] * g_1 ** 2 / outcomes ** 2
            lhs = lhs + ((w_1 - gamma * g_1 - w_star) ** 2 + gamma ** 2 * omega_up * g_1 ** 2) / outcomes ** 2
    problem.set_performance_metric(lhs - rhs)
    return solve_pep(problem, precise)


def mcm_ghost_certificate(theorem: int = 3, **params) -> CertificateResult:
    """Theorem 3 (``gamma = gamma_max^up``, i.e. gamma L (1 + omega_up/N) = 1/2) or Theorem 2 (printed without
    the hypothesis; default ``gamma L = 2`` as in the registry's counterexample) against ``LHS - RHS <= 0``."""
    _need(theorem in (2, 3), "theorem", theorem, "{2, 3}")
    p = {"L": 1.0, "omega_down": 1.0, "omega_up": 1.0, **params}
    L, wd, wu = float(p["L"]), float(p["omega_down"]), float(p["omega_up"])
    _need(L > 0, "L", L, "(0, oo)")
    _need(wd >= 0, "omega_down", wd, "[0, oo)")
    _need(wu >= 0, "omega_up", wu, "[0, oo)")
    limit = float(MCM.substitute(MCM.gamma_max_up, dict(L=L, omega_up=wu, N=1)))
    gamma = float(p.get("gamma", limit if theorem == 3 else 2 / L))
    if theorem == 3:
        _need(0 < gamma <= limit, "gamma", gamma, f"(0, 1/(2 L (1 + omega_up/N))] = (0, {limit:.6g}] (Theorem 3)")
    else:
        _need(gamma > 0, "gamma", gamma, "(0, oo)")
    pep = mcm_ghost_pep(L, wd, wu, gamma)
    return _result(pep, 0.0, dict(L=L, omega_down=wd, omega_up=wu, N=1, gamma=gamma, step_over_limit=gamma / limit),
                   "worst E||w_k - w*||^2 - RHS over ||w_{k-2} - w*||^2 + ||w_hat_{k-2} - w*||^2 <= 1 "
                   "(0 is attained by a flat F; a lower bound over U_omega; printed 0, so the ratio is not meaningful)")


# =============================================================================================
# 004, Theorems 6 and 7: one step of MCM on the Lyapunov function V_k (noiseless, sigma = 0)
# =============================================================================================
@functools.lru_cache(maxsize=64)
def mcm_lyapunov_pep(L: float, mu: float, omega_down: float, omega_up_over_N: float, gamma: float,
                     alpha: float, weight: float, gap_at_hat: bool, outcomes: int = 2,
                     precise: bool = False) -> PepValue:
    """Worst ``V_k + gamma E[F(p) - F*]`` given ``V_{k-1} <= 1``, ``V = ||w - w*||^2 + weight Upsilon``.

    The step is :func:`mcm_memory_pep`'s; ``p = w_hat_{k-1}`` (Theorem 7) or ``w_{k-1}`` (Theorem 6).
    Class: L-smooth mu-strongly convex F (mu = 0: convex), minimiser ``w*``.
    """
    from PEPit import PEP, Point
    from PEPit.functions import SmoothConvexFunction, SmoothStronglyConvexFunction

    problem = PEP()
    if mu > 0:
        F = problem.declare_function(SmoothStronglyConvexFunction, L=L, mu=mu)
    else:
        F = problem.declare_function(SmoothConvexFunction, L=L)
    w_star = F.stationary_point()
    F_star = F(w_star)
    w = problem.set_initial_point()
    H = Point()
    omega_vec = w - H
    problem.set_initial_condition((w - w_star) ** 2 + weight * omega_vec ** 2 <= 1)
    shifts = _centred_outcomes(problem, omega_vec, omega_down, outcomes)
    metric = 0 if gap_at_hat else gamma * (F(w) - F_star)
    for u in shifts:
        compressed = omega_vec + u
        w_hat = H + compressed
        g = F.gradient(w_hat)
        w_next = w - gamma * g
        H_next = H + alpha * compressed
        noise = gamma ** 2 * omega_up_over_N * g ** 2        # uplink variance, in both terms of V_k
        V_next = (w_next - w_star) ** 2 + noise + weight * ((w_next - H_next) ** 2 + noise)
        metric = metric + (V_next + (gamma * (F(w_hat) - F_star) if gap_at_hat else 0)) / outcomes
    problem.set_performance_metric(metric)
    return solve_pep(problem, precise)


LYAPUNOV_DEFAULTS = dict(L=1.0, omega_down=1.0, omega_up=1.0, N=1)


def mcm_lyapunov_certificate(theorem: int = 7, outcomes: int = 2, **params) -> CertificateResult:
    """One MCM step on ``V_k`` (004) vs the printed factor: ``1 - gamma mu`` (Theorem 7,
    ``theorem7_contraction``; default mu = 0.1) or ``1`` (Theorem 6, mu = 0: ``gamma E[F(w_{k-1}) - F*] <=
    V_{k-1} - V_k``). Defaults: ``gamma = gamma_max``, ``alpha_down = (8 omega_down)^{-1}``
    (``alpha_down_theorem6``, with which the weight 32 gamma L omega_down^2 is derived)."""
    _need(theorem in (6, 7), "theorem", theorem, "{6, 7}")
    p = {**LYAPUNOV_DEFAULTS, "mu": 0.1 if theorem == 7 else 0.0, **params}
    L, mu, wd, wu, N = float(p["L"]), float(p["mu"]), float(p["omega_down"]), float(p["omega_up"]), p["N"]
    _need(L > 0, "L", L, "(0, oo)")
    if theorem == 7:
        _need(0 < mu < L, "mu", mu, f"(0, L) = (0, {L}) (Theorem 7: mu > 0; PEPit needs mu < L)")
    else:
        _need(mu == 0, "mu", mu, "{0} (Theorem 6 is the convex case)")
    _need(wd > 0, "omega_down", wd, "(0, oo)")
    _need(wu >= 0, "omega_up", wu, "[0, oo)")
    _need(isinstance(N, int) and N >= 1, "N", N, "[1, oo) (integer)")
    _need(isinstance(outcomes, int) and 2 <= outcomes <= 6, "outcomes", outcomes, "[2, 6] (integer)")
    values = dict(L=L, omega_down=wd, omega_up=wu, N=N)
    gamma_max = float(MCM.substitute(MCM.gamma_max, values))
    gamma = float(p.get("gamma", gamma_max))
    _need(0 < gamma <= gamma_max, "gamma", gamma, f"(0, gamma_max] = (0, {gamma_max:.6g}]")
    alpha = float(p.get("alpha", MCM.substitute(MCM.alpha_down_theorem6, values)))
    _need(0 < alpha <= 1, "alpha", alpha, "(0, 1]")
    full = {**values, "mu": mu, "gamma": gamma, "alpha_down": alpha}
    weight = float(MCM.substitute(MCM.lyapunov_weight, full))
    printed = float(MCM.substitute(MCM.theorem7_contraction, full)) if theorem == 7 else 1.0
    pep = mcm_lyapunov_pep(L, mu, wd, wu / N, gamma, alpha, weight, theorem == 7, outcomes)
    where = "F(w_hat_{k-1})" if theorem == 7 else "F(w_{k-1})"
    return _result(pep, printed, {**full, "outcomes": outcomes, "weight": weight},
                   f"worst V_k + gamma E[{where} - F*] over V_{{k-1}} <= 1 (a lower bound over U_omega)")


# =============================================================================================
# registration
# =============================================================================================
register_certificate(Certificate(
    claim_id="neolithic.lemma-1", title="FCC residual after R rounds, delta-contractive compressor",
    description="PEP over residuals e_0 = v*, e_{r+1} = e_r - c_r, each message c_r a point with "
                "||c_r - e_r||^2 <= (1-delta)||e_r||^2 (Assumption 4); initial ||v*||^2 <= 1; metric "
                "||e_R||^2 (random compressors: same worst case by the tower rule). Defaults delta = 1/3 "
                "(rand-1 on R^3), R = 4. Printed: (1-delta)^R. Cross-check: the scaling compressor "
                "(1 - sqrt(1-delta)) x attains it.",
    compute=fcc_certificate))

register_certificate(Certificate(
    claim_id="neolithic.remark-fcc-unbiased", title="FCC residual, omega-unbiased compressor scaled by 1/(1+omega)",
    description="PEP with random compressors: in each of R rounds, the omega-unbiased compressor on each residual e "
                "has two equally likely outcomes e +- u, ||u||^2 <= omega ||e||^2 (fresh per round, 2^R leaves); "
                "FCC sends C(e)/(1+omega); initial ||v*||^2 <= 1; metric E||e_R||^2 against (omega/(1+omega))^R. "
                "Defaults omega = 1, R = 3. Cross-check: the all-or-nothing compressor (1+omega) B x, "
                "B ~ Bernoulli(1/(1+omega)), enumerated exactly, attains it.",
    compute=fcc_unbiased_certificate))

for _bound, _what in (("printed", "as printed (xi_s)"), ("corrected", "corrected (xi_{eta s})")):
    register_certificate(Certificate(
        claim_id="iade.theorem-3.1", title=f"K steps of inexact gradient descent vs the bound {_what}",
        description="PEP over L-smooth mu-strongly convex f: x_{k+1} = x_k - eta (grad f(x_k) + e_k) with "
                    "||e_k|| <= s c'^{k+1} (IADE's gradient error), ||x_0 - x*|| <= D; metric ||x_K - x*||^2 "
                    f"against the square of Theorem 3.1's bound {_what}. Defaults L = 1/2, mu = 1/10, eta = 2, "
                    "c' = 0.9, s = 1, D = 5, K = 4. Closed form of the worst case: (c^K D + eta sum_j "
                    "c^(K-1-j) s c'^(j+1))^2, attained by mu x^2/2 with aligned errors.",
        compute=functools.partial(iade_theorem31_certificate, _bound)))

register_certificate(Certificate(
    claim_id="iade.lemma-9.1", title="One SGD step under the weak growth condition, step 1/(rho L)",
    description="PEP over L-smooth mu-strongly convex f: E||x_1 - x*||^2 = ||x_0 - x*||^2 - 2 eta <grad f(x_0), "
                "x_0 - x*> + eta^2 S with S = E||v||^2 free in [||grad f(x_0)||^2, 2 rho L (f(x_0) - f*)] "
                "(unbiasedness, Jensen and WGC at x_0: a relaxation, so an upper bound), eta = 1/(rho L), "
                "||x_0 - x*||^2 <= 1; against 1 - mu/(rho L). Defaults L = 1, mu = 1/10, rho = 11/10. "
                "Attained by least squares with two rows (sqrt(mu), +-sqrt(rho L - mu)).",
    compute=iade_lemma91_certificate))

for _error, _title, _text in (
        ("printed", "SGD step plus error, ||e||^2 <= rho^2 L^2 s c'^(k+1) as printed",
         "the error bound of condition 1) as printed (no eta^2), e uncorrelated with the stochastic gradient"),
        ("corrected", "SGD step plus error, E||e||^2 <= s c'^(k+1), uncorrelated",
         "the error bound the proof uses (eta^2 rho^2 L^2 s c'^(k+1) = s c'^(k+1)), e uncorrelated with the "
         "stochastic gradient (e.g. E[e_k | v_k] = 0)"),
        ("correlated", "SGD step plus error, E||e||^2 <= s c'^(k+1), only E[e] = 0",
         "the proof's error bound but only E[e_k] = 0 as condition 2) prints: e may correlate with the "
         "stochastic gradient's noise")):
    register_certificate(Certificate(
        claim_id="iade.corollary-9.2", title=_title,
        description="PEP over L-smooth mu-strongly convex f for one step of eq. (6), x_1 = x_0 - eta v + e, "
                    "eta = 1/(rho L): the gradient noise xi = v - grad f(x_0) and e are mean-zero random vectors, "
                    "modelled by their second moments (points orthogonal to every deterministic vector), WGC at "
                    f"x_0, ||x_0 - x*||^2 <= 1; with {_text}; metric E||x_1 - x*||^2 against the proof's recursion "
                    "c ||x_0 - x*||^2 + s c'^(k+1), c = 1 - mu/(rho L). Defaults L = 1, mu = 1/10, rho = 11/10, "
                    "s = 1, c' = 0.95, k = 0.",
        compute=functools.partial(iade_corollary92_certificate, _error)))

register_certificate(Certificate(
    claim_id="mcm.theorem-5", title="Memory recursion, alpha_down = (4 omega_down)^-1",
    description="PEP over L-smooth F (Assumptions 1, 3, 5: no convexity) for one MCM step (eq. (3)), sigma = 0, "
                "N = 1: downlink compressor "
                "as two equally likely outcomes Omega +- u with ||u||^2 <= omega_down ||Omega||^2, uplink by its "
                "moments; initial Upsilon_{k-1} <= 1; metric E[Upsilon_k] - 2 gamma^2 (1/alpha + omega_up/N) "
                "E||grad F(w_hat)||^2 against 1 - alpha/2. Defaults L = omega_down = omega_up = 1, "
                "alpha = 1/4, gamma = 1/8. Two outcomes only give a lower bound over U_omega, but here the value "
                "equals the closed-form upper bound memory_contraction_exact K2/(K2-1), K2 = 2/alpha + omega_up/N "
                "(any distribution, any gradient), so it is the exact worst case.",
    compute=functools.partial(mcm_theorem5_certificate, "inverse")))

register_certificate(Certificate(
    claim_id="mcm.theorem-5", title="Memory recursion, literal hypothesis alpha_down <= 4 omega_down - 1",
    description="The same PEP at alpha_down = 1, which the printed hypothesis alpha_down <= 4 omega_down - 1 "
                "allows for omega_down = 1 (gamma = 1/8): the worst case exceeds 1 - alpha/2 = 1/2.",
    compute=functools.partial(mcm_theorem5_certificate, "literal")))

register_certificate(Certificate(
    claim_id="mcm.theorem-3", title="Two Ghost steps, convex, gamma L (1 + omega_up) = 1/2",
    description="PEP over L-smooth convex F, N = 1, sigma = 0: from (w_{k-2}, w_hat_{k-2}) with "
                "||w_{k-2} - w*||^2 + ||w_hat_{k-2} - w*||^2 <= 1, uplink and downlink compressors as two equally "
                "likely outcomes each (4 paths), last uplink by its moments; metric E||w_k - w*||^2 minus Theorem 3's "
                "right side (coefficients from ghost_contraction_rhs), against 0. Defaults L = omega_down = "
                "omega_up = 1, gamma = gamma_max^up = 1/4. Tight: 0 is attained (flat F), nothing exceeds it.",
    compute=functools.partial(mcm_ghost_certificate, 3)))

register_certificate(Certificate(
    claim_id="mcm.theorem-2", title="Two Ghost steps without the step-size hypothesis, gamma L = 2",
    description="The Theorem 3 PEP at gamma L = 2 (the hypothesis gamma L (1 + omega_up) <= 1/2 that Theorem 2 "
                "omits fails by a factor 8): the worst case is positive, the printed inequality fails.",
    compute=functools.partial(mcm_ghost_certificate, 2)))

register_certificate(Certificate(
    claim_id="mcm.theorem-7", title="One MCM step on V_k, strongly convex, gamma = gamma_max",
    description="PEP over L-smooth mu-strongly convex F for one MCM step, sigma = 0, N = 1, downlink as two "
                "outcomes, uplink by its moments; initial V_{k-1} = ||w - w*||^2 + 32 gamma L omega_down^2 "
                "Upsilon <= 1; metric V_k + gamma E[F(w_hat_{k-1}) - F*] against 1 - gamma mu. Defaults L = 1, "
                "mu = 1/10, omega_down = omega_up = 1, gamma = gamma_max, alpha_down = 1/(8 omega_down). "
                "Restricting the downlink to finitely many outcomes makes the value a lower bound over U_omega "
                "(2, 3 and 4 outcomes agree to 1e-7); a quadratic F in R^2 comes within 3e-7 of it.",
    compute=functools.partial(mcm_lyapunov_certificate, 7)))

for _theorem in (7, 6):
    register_certificate(Certificate(
        claim_id=f"mcm.theorem-{_theorem}", title="One MCM step on V_k at alpha_down = 1 (no condition is stated)",
        description=f"The Theorem {_theorem} PEP at alpha_down = 1 (model-difference compression), which the "
                    "statement allows: it puts conditions on gamma only. The worst case exceeds the printed factor; "
                    "an explicit quadratic F in R^2 with a two-outcome compressor already does (so the violation is "
                    "proven, not a relaxation artefact). Measured thresholds (bisection, 2 outcomes): the inequality "
                    "holds for alpha_down up to about 0.96 at omega_down = 1 and 0.39 at omega_down = 4, beyond "
                    "(4 omega_down)^-1, so a hypothesis such as Theorem 5's alpha_down <= (4 omega_down)^-1 suffices.",
        compute=functools.partial(mcm_lyapunov_certificate, _theorem, alpha=1.0)))

register_certificate(Certificate(
    claim_id="mcm.theorem-6", title="One MCM step on V_k, convex, gamma = gamma_max",
    description="The Theorem 7 PEP with mu = 0 (L-smooth convex F) and the gap at w_{k-1}: metric "
                "V_k + gamma E[F(w_{k-1}) - F*] against 1 (Theorem 6: gamma E[F(w_{k-1}) - F*] <= V_{k-1} - V_k). "
                "Attained (tight) by an F flat along w - w* with Omega = 0.",
    compute=functools.partial(mcm_lyapunov_certificate, 6)))
