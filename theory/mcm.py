"""Every constant of work 004 (MCM / Rand-MCM, bidirectional compression) as a sympy expression.

Source: the slides "MCM: Preserved central model for faster bidirectional compression in distributed
settings" (Dieuleveut, with Philippenko; FLOW seminar 2021, NeurIPS 2021). Slide titles and theorem
numbers are cited as the slides print them.

Symbols follow the slides: ``L`` (smoothness, Assumption 3), ``mu`` (strong convexity, Theorem 7),
``gamma`` (step size), ``omega_up`` / ``omega_down`` (variance constants of the unbiased compressors,
Assumption 1), ``N`` (workers), ``b`` (mini-batch size) and ``sigma`` (noise, Assumption 5),
``alpha_down`` (downlink memory rate), ``K`` (iterations), ``C`` (number of independent downlink
compressions in Theorem 9: 1 for MCM, G for Rand-MCM-G, N for Rand-MCM), ``epsilon`` (target
accuracy), ``D`` (``||w_0 - w_*||``), ``V_0`` (the Lyapunov function at k = 0).
Expectations that enter the recursions are plain symbols: ``G_1`` = E||grad F(w_hat_{k-1})||^2,
``G_2`` = E||grad F(w_hat_{k-2})||^2, ``E_dist`` = E||w_{k-1} - w_*||^2, ``F_gap`` =
E[F(w_{k-1}) - F_*], ``E_Upsilon`` = E[Upsilon_{k-1}] with ``Upsilon_k = ||w_k - H_{k-1}||^2``.

:func:`numeric` (float, lambdified) and :func:`exact` (a Fraction, for rational values) evaluate a
constant by name, :func:`value` returns the exact sympy number (square roots stay exact); the
algorithms, the claims registry (:mod:`theory.claims.mcm`) and the tests use them, so each formula is
written once, here. Where a printed formula is wrong both are kept (``*_printed`` and the corrected
one); the evidence is in the registry.
"""
from __future__ import annotations

import functools
from fractions import Fraction
from typing import Iterable, Mapping

import sympy as sp

from theory.constants import Constant

L, mu, gamma, omega_up, omega_down, N, b, sigma, alpha_down = sp.symbols(
    "L mu gamma omega_up omega_down N b sigma alpha_down", positive=True)
K, C, epsilon, D, V_0, omega = sp.symbols("K C epsilon D V_0 omega", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
G_1, G_2, E_dist, F_gap, E_Upsilon = sp.symbols("G_1 G_2 E_dist F_gap E_Upsilon", nonnegative=True)

# --- "Comparison to previous results: Limit learning rate" ----------------------------------------
gamma_max_up = 1 / (2 * L * (1 + omega_up / N))
gamma_max_down = 1 / (8 * L * omega_down)
gamma_max_Upsilon = 1 / (8 * sp.sqrt(2) * L * omega_down * sp.sqrt(8 * omega_down + omega_up / N))
gamma_max = sp.Min(gamma_max_up, gamma_max_down, gamma_max_Upsilon)
GAMMA_MAX_COMPONENTS = (gamma_max_up, gamma_max_down, gamma_max_Upsilon)
#: "We define L~ such that gamma_max = (2 L~)^{-1}" (slide "Convergence of MCM - Strongly Convex").
L_tilde = 1 / (2 * gamma_max)
#: The remark's asymptotic step sizes as printed: (L omega^{3/2})^{-1} (MCM) and (L omega^2)^{-1} (Dore/Artemis),
#: as exponents of omega.
remark_gamma_max_exponents = {"mcm": sp.Rational(-3, 2), "dore": sp.Integer(-2)}
#: The degraded framework (Dore [LLTY20], Artemis [PD20]) as the remark prints it.
gamma_max_dore = 1 / (8 * L * (1 + omega_down) * (1 + omega_up / N))

# --- "Convergence of MCM - Convex": Lyapunov function and Phi -------------------------------------
lyapunov_weight = 32 * gamma * L * omega_down**2          # V_k = E||w_k - w_*||^2 + weight E[Upsilon_k]
Phi = (1 + omega_up) * (1 + 64 * gamma * L * omega_down**2)
lyapunov = E_dist + lyapunov_weight * E_Upsilon

# --- Proposition 1 (slide "Convergence of Ghost") ---------------------------------------------------
proposition1_bound = (gamma**2 * omega_down * (1 + omega_up / N) * G_1
                      + gamma**2 * omega_down * (1 + omega_up) * sigma**2 / (N * b))
#: The variance of the uplink average given w_hat_{k-1} (bias-variance step of the proof):
#: E||(1/N) sum_i C_up(g_i)||^2 <= (1 + omega_up/N) ||grad F||^2 + (1 + omega_up) sigma^2/(N b).
uplink_second_moment = (1 + omega_up / N) * G_1 + (1 + omega_up) * sigma**2 / (N * b)

# --- Theorems 2, 3, 4 (Ghost contraction, convex case; the same statement three times) -------------
ghost_condition = gamma * L * (1 + omega_up / N)           # must be <= 1/2 (Theorem 3)
ghost_residual_coefficient = 2 * gamma**3 * omega_down * L * (1 + omega_up / N)
ghost_noise = gamma**2 * (1 + omega_up) * sigma**2 / (N * b) * (1 + 2 * gamma * L * omega_down)
ghost_contraction_rhs = (E_dist - gamma * F_gap - gamma / (2 * L) * G_1 + ghost_residual_coefficient * G_2
                         + ghost_noise)
#: Observation 3 after Theorem 3: the residual is absorbed when 2 gamma L sqrt(omega_down (1 + omega_up/N)) <= 1.
ghost_cancellation = 2 * gamma * L * sp.sqrt(omega_down * (1 + omega_up / N))
ghost_natural_step = 1 / (2 * L * sp.Max(1 + omega_up / N, 1 + omega_down))

# --- Theorem 4 ("Noise level, Ghost"): noise terms of one step -------------------------------------
noise_ghost = ghost_noise
noise_double_printed = gamma**2 * omega_down * (1 + omega_up) * sigma**2 / (N * b)
#: Exact one-step noise of w_k = w_{k-1} - gamma C_down((1/N) sum C_up(g_i)) at w_* with tight compressors.
noise_double = gamma**2 * (1 + omega_down) * (1 + omega_up) * sigma**2 / (N * b)
noise_unidirectional = gamma**2 * (1 + omega_up) * sigma**2 / (N * b)

# --- Theorem 5 ("Control of the local Variance") ---------------------------------------------------
theorem5_gamma_bound = 1 / (8 * omega_down * L)
#: Printed "alpha_down <= (4 omega_down) - 1": read as (4 omega_down)^{-1} (see the registry).
theorem5_alpha_bound = 1 / (4 * omega_down)
theorem5_alpha_bound_literal = 4 * omega_down - 1
theorem5_contraction = 1 - alpha_down / 2
theorem5_gradient_coefficient = 2 * gamma**2 * (1 / alpha_down + omega_up / N)
theorem5_noise = 2 * gamma**2 * sigma**2 * (1 + omega_up) / (N * b)
theorem5_rhs = theorem5_contraction * E_Upsilon + theorem5_gradient_coefficient * G_1 + theorem5_noise
#: E||Omega - alpha C(Omega)||^2 / ||Omega||^2 for a compressor with E||C(x) - x||^2 = omega ||x||^2.
memory_contraction_exact = 1 - 2 * alpha_down + alpha_down**2 * (1 + omega_down)
#: Our derivation: Theorem 5's inequality holds (for every gamma) when alpha_down <= 4/(3 + 4 omega_down).
theorem5_alpha_sufficient = 4 / (3 + 4 * omega_down)
#: Corrected condition: alpha_down <= min(1, (4 omega_down)^{-1}) implies alpha_down <= 4/(3 + 4 omega_down).
theorem5_alpha_bound_corrected = sp.Min(1, 1 / (4 * omega_down))
#: The memory rate with which gamma_max^Upsilon, the weight 32 gamma L omega_down^2 and Phi come out.
alpha_down_theorem6 = 1 / (8 * omega_down)

# --- Theorem 6 (convergence of MCM, convex) ---------------------------------------------------------
theorem6_rate = V_0 / (gamma * K) + gamma * sigma**2 * Phi / (N * b)
theorem6_tuned_gamma = sp.sqrt(D**2 * N * b / ((1 + omega_up) * sigma**2 * K))
theorem6_tuned_rate = 2 * sp.sqrt(D**2 * (1 + omega_up) * sigma**2 / (N * b * K))

# --- "Comparison to previous results: Limit Variance" ----------------------------------------------
limit_variance_mcm = gamma**2 * sigma**2 * Phi / (N * b)
limit_variance_diana = gamma**2 * sigma**2 * (1 + omega_up) / (N * b)
limit_variance_artemis = gamma**2 * sigma**2 * (1 + omega_up) * (1 + omega_down) / (N * b)

# --- Theorem 7 (strongly convex) -----------------------------------------------------------------
theorem7_contraction = 1 - gamma * mu
theorem7_linear_bound = (1 - gamma_max * mu) ** k * V_0
theorem7_step = 2 / (mu * (k + 1) + L_tilde)
theorem7_average_bound = ((mu + 2 * L_tilde) / (4 * mu * K**2) * D**2
                          + 4 * sigma**2 * (1 + omega_up) / (mu * K * N * b)
                          * (1 + 64 * L * omega_down**2 / (mu * K) * sp.log(mu * K + L_tilde)))
#: A step sequence that does satisfy gamma_k <= gamma_max (our correction of Theorem 7 (2)).
theorem7_step_corrected = 2 / (mu * (k + 1) + 4 * L_tilde)

# --- Theorem 9 (Rand-MCM, quadratic case) --------------------------------------------------------
Phi_rand = (1 + omega_up) * (1 + 4 * gamma**2 * L**2 * omega_down / K * (1 / C + omega_up / N))
theorem9_rate = V_0 / (gamma * K) + gamma * sigma**2 * Phi_rand / (N * b)

# --- "Summary of rates and complexities" (Table), entries as printed --------------------------------
#: Rows -> columns -> entry. Absolute constants are ignored by the table; N is kept where printed.
#: The slide writes "1/(1 + omega_up)(1 + omega_dwn)" for 1/((1 + omega_up)(1 + omega_dwn)).
TABLE = {
    "gamma_max": {  # L gamma_max proportional to
        "Diana": 1 / (1 + omega_up),
        "Artemis": 1 / ((1 + omega_up) * (1 + omega_down)),
        "MCM": sp.Min(1 / ((1 + omega_down) * sp.sqrt(1 + omega_up)), 1 / (1 + omega_up)),
    },
    "limit_variance": {  # limit variance proportional to gamma^2 sigma^2 / N times
        "Diana": 1 + omega_up,
        "Artemis": (1 + omega_up) * (1 + omega_down),
        "MCM": (1 + omega_up) * (1 + gamma * L * omega_down**2),
    },
    "sc_rate": {  # rate on the initial condition, strongly convex
        "Diana": (1 - gamma * mu) ** k,
        "Artemis": (1 - gamma * mu) ** k,
        "MCM": (1 - gamma * mu) ** k,
    },
    "sc_complexity": {
        "Diana": (1 + omega_up) / (mu * epsilon * N),
        "Artemis": (1 + omega_down) * (1 + omega_up) / (mu * epsilon * N),
        "MCM": (1 + omega_up) / (mu * epsilon * N),
    },
    "convex_complexity": {
        "Diana": (omega_up + 1) / epsilon**2,
        "Artemis": (1 + omega_up) * (1 + omega_down) / epsilon**2,
        "MCM": (omega_up + 1) / epsilon**2,
    },
}
#: Corrected MCM entry of the gamma_max row (follows from the definition of gamma_max, N fixed).
table_gamma_max_mcm_corrected = sp.Min(1 / ((1 + omega_down) * sp.sqrt(1 + omega_down + omega_up)),
                                       1 / (1 + omega_up))
#: The variance factor of each column at gamma -> 0, plugged into the rate forms of Theorems 6 and 7.
VARIANCE_FACTOR = {"Diana": 1 + omega_up, "Artemis": (1 + omega_up) * (1 + omega_down), "MCM": Phi}


# --- asymptotics (remark on gamma_max and the gamma_max row of the table) ----------------------------
def limit_of_min(components: Iterable[sp.Expr], var: sp.Symbol, point=sp.oo) -> sp.Expr:
    """``lim min_j c_j`` as ``min_j lim c_j`` (min is continuous on the extended reals).

    ``sympy.limit`` cannot take limits through ``Min`` (its Gruntz algorithm has no rule for it), so each
    component's limit is taken separately.
    """
    return sp.Min(*[sp.limit(c, var, point) for c in components])


def growth_exponent(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """``lim log(expr) / log(var)`` as ``var -> oo``: the power of ``var`` that ``expr`` grows like."""
    return sp.limit(sp.log(expr) / sp.log(var), var, sp.oo)


def min_asymptotics(components: Iterable[sp.Expr], var: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """``(p, c)`` with ``min_j c_j(var) ~ c var^p`` as ``var -> oo`` (c positive and finite)."""
    components = [sp.simplify(c) for c in components]
    p = sp.Min(*[growth_exponent(c, var) for c in components])
    c = limit_of_min([c * var ** (-p) for c in components], var)
    return p, sp.simplify(c)


def remark_gamma_max_limits() -> dict[str, sp.Expr]:
    """The remark's asymptotics, omega_up = omega_down = omega -> oo (N fixed), by ``sympy.limit``.

    Returns ``mcm`` = lim gamma_max L omega^{3/2}, ``dore`` = lim gamma_max^Dore L omega^2, the ratio
    ``gamma_max / gamma_max^Dore ~ ratio_constant * sqrt(omega)`` and the growth exponents.
    """
    both = {omega_up: omega, omega_down: omega}
    mcm_limit = limit_of_min([c.subs(both) * L * omega**sp.Rational(3, 2) for c in GAMMA_MAX_COMPONENTS], omega)
    dore_limit = sp.limit(gamma_max_dore.subs(both) * L * omega**2, omega, sp.oo)
    p_mcm, _ = min_asymptotics([c.subs(both) for c in GAMMA_MAX_COMPONENTS], omega)
    p_dore = growth_exponent(gamma_max_dore.subs(both), omega)
    return dict(mcm=sp.simplify(mcm_limit), dore=sp.simplify(dore_limit),
                ratio_constant=sp.simplify(mcm_limit / dore_limit),
                exponent_mcm=p_mcm, exponent_dore=p_dore)


# --- derivations used by the registry -----------------------------------------------------------------
def derive_gamma_max_upsilon() -> sp.Expr:
    """The largest gamma for which Theorem 5's gradient term, weighted by V_k's weight, is absorbed by
    the ``-gamma/(2L) E||grad F(w_hat_{k-1})||^2`` of the Ghost contraction, at alpha_down = 1/(8 omega_down):
    ``32 gamma L omega_down^2 * 2 gamma^2 (1/alpha_down + omega_up/N) = gamma/(2L)``, solved for gamma > 0."""
    g = sp.Symbol("g", positive=True)
    lhs = (lyapunov_weight * theorem5_gradient_coefficient).subs(alpha_down, alpha_down_theorem6).subs(gamma, g)
    roots = sp.solve(sp.Eq(lhs, g / (2 * L)), g)
    if len(roots) != 1:
        raise ArithmeticError(f"expected one positive root, got {roots}")
    return roots[0]


def derive_lyapunov_weight() -> sp.Expr:
    """The smallest weight c with ``c (1 - alpha_down/2) + 2 gamma L omega_down <= c`` at alpha_down =
    1/(8 omega_down): the residual ``2 gamma L E||w_{k-1} - w_hat_{k-1}||^2 <= 2 gamma L omega_down
    Upsilon_{k-1}`` of the perturbed-iterate step must be paid by the decrease of ``c Upsilon``."""
    c = sp.Symbol("c", positive=True)
    sol = sp.solve(sp.Eq(c * theorem5_contraction.subs(alpha_down, alpha_down_theorem6)
                         + 2 * gamma * L * omega_down, c), c)
    return sol[0]


def derive_phi() -> sp.Expr:
    """Noise of the Lyapunov step: Ghost-type noise gamma^2 (1 + omega_up) sigma^2/(N b) plus the weight times
    Theorem 5's noise, divided by gamma^2 sigma^2/(N b)."""
    total = noise_unidirectional + lyapunov_weight * theorem5_noise
    return sp.factor(sp.simplify(total / (gamma**2 * sigma**2 / (N * b))))


def complexity_from_rate(rate: sp.Expr, eps_power: int) -> sp.Expr:
    """``lim_{eps -> 0} eps^p K(eps)`` where ``K(eps)`` solves ``rate(K) = eps``: returned as the constant
    ``c`` such that ``rate(c / eps^p) / eps -> 1``; ``p = eps_power`` (1: strongly convex, 2: convex)."""
    c = sp.Symbol("c_K", positive=True)
    ratio = sp.limit((rate.subs(K, c / epsilon**eps_power)) / epsilon, epsilon, 0, "+")
    sol = sp.solve(sp.Eq(ratio, 1), c)
    if len(sol) != 1:
        raise ArithmeticError(f"complexity: expected one solution, got {sol} (limit {ratio})")
    return sp.simplify(sol[0])


# --- statements of the slides transcribed as update rules (issue 13, section 2) ---------------------------
#: Scalar symbols for one coordinate of the vectors of the update rules below; every compressor is an
#: undefined function (``C_down``, ``C_up``, ``C_down_1``...) that the registry replaces by the real rand-k
#: compressor, outcome by outcome (exact expectations). ``G_up`` is the uplink average
#: (1/N) sum_i C_up(g_k^i(w_hat_{k-1})), which determines w_k given w_{k-1}.
w_prev, w_new, w_hat_prev, H_prev, G_up = sp.symbols("w_prev w_new w_hat_prev H_prev G_up", real=True)
H_1, H_2, H_common = sp.symbols("H_1 H_2 H_common", real=True)
g_1, g_2, h_1, h_2 = sp.symbols("g_1 g_2 h_1 h_2", real=True)
C_down, C_up, C_down_1, C_down_2, C_up_1, C_up_2 = (sp.Function(n) for n in (
    "C_down", "C_up", "C_down_1", "C_down_2", "C_up_1", "C_up_2"))

#: Ghost, eq. (1) = Definition 1 eq. (2) -- server model and local model after one step.
ghost_w = w_prev - gamma * G_up
ghost_w_hat = w_prev - gamma * C_down(G_up)
#: "New attempts": update compression, model compression (alpha_down = 0), model-difference compression
#: (alpha_down = 1), as printed. Their w_k is Ghost's first line.
update_compression_w_hat = w_hat_prev - gamma * C_down(G_up)
model_compression_w_hat = C_down(w_new)
model_difference_w_hat_printed = w_hat_prev - gamma * C_down(w_new - w_hat_prev)
#: What eq. (3) gives at alpha_down = 1 (H_k = w_hat_k for every k) -- no gamma, a plus sign.
model_difference_w_hat_corrected = w_hat_prev + C_down(w_new - w_hat_prev)
#: MCM, eq. (3) -- Omega_{k+1} = w_{k+1} - H_k, w_hat_{k+1} = H_k + C_down(Omega), H_{k+1} = H_k + alpha C_down(Omega).
mcm_omega = w_new - H_prev
mcm_w_hat = H_prev + C_down(mcm_omega)
mcm_H = H_prev + alpha_down * C_down(mcm_omega)
#: Rand-MCM, eq. (4) as printed (two workers) -- one Omega_{k+1} = w_{k+1} - H_k for all, H_k undefined for
#: Rand-MCM (the workers hold H_k^i); ``H_common`` stands for it. Corrected: Omega^i = w_{k+1} - H_k^i.
rand_mcm_w_hat_printed = (H_1 + C_down_1(w_new - H_common), H_2 + C_down_2(w_new - H_common))
rand_mcm_w_hat_corrected = (H_1 + C_down_1(w_new - H_1), H_2 + C_down_2(w_new - H_2))
#: Slide "2. The memory mechanism": the argument of C_down as printed, (1/N) sum_i C_up(g_i - h_i) + h_k^i
#: (the index i of h outside the sum; N = 2, read as worker 1's memory), and with the memory averaged.
memory_aggregate_printed = (C_up_1(g_1 - h_1) + C_up_2(g_2 - h_2)) / 2 + h_1
memory_aggregate_corrected = ((C_up_1(g_1 - h_1) + h_1) + (C_up_2(g_2 - h_2) + h_2)) / 2
#: The memory update h_{k+1}^i = h_k^i + alpha C_up(g_k^i - h_k^i) and its announced limit grad F_i(w_*)
#: (``"local"``; ``"global"`` would be grad F(w_*) = 0).
memory_limit = "local"

#: Proof of Proposition 1 (slide "Sketch of Proof") -- E[||w_k - w_hat_k||^2 | w_k] printed as *equal* to
#: gamma^2 omega_down ||g~_k||^2 (``"eq"``); Assumption 1 gives ``"le"``.
proposition1_proof_relation = "eq"
#: Slide "Sketch of proof, 2": -2 gamma E<grad F(w_hat), w - w_*> = -2 gamma E<grad F(w_hat), w_hat - w_*>
#: + residual_sign * 2 gamma E<grad F(w_hat) - grad F(w), w - w_hat> (printed: residual_sign = +1).
perturbed_residual_sign = 1
#: Bullet (1) of that slide -- -2 gamma <grad F(w_hat), w_hat - w_*> <= -2 gamma (strong_coefficient mu
#: ||w_hat - w_*||^2 + F(w_hat) - F_*) (printed: 1) and <= -2 gamma ||grad F(w_hat)||^2 / (cocoercive_coefficient L)
#: (printed: 1).
strong_contraction_coefficient = sp.Integer(1)
#: The perturbed-iterate identity (first display of that slide), with E_dist = E||w_{k-1} - w_*||^2,
#: Inner = <grad F(w_hat_{k-1}), w_{k-1} - w_*>, Ghat_sq = E||g_hat_k(w_hat_{k-1})||^2.
E_inner, Ghat_sq = sp.symbols("Inner Ghat_sq", real=True)
perturbed_identity_rhs = E_dist - 2 * gamma * E_inner + gamma**2 * Ghat_sq
cocoercive_coefficient = sp.Integer(1)
#: The same three statements as expressions: ``D_hat`` = ||w_hat - w_*||^2, ``F_gap_hat`` = F(w_hat) - F_*,
#: ``G_hat`` = ||grad F(w_hat)||^2, ``I_hat`` = E<grad F(w_hat), w_hat - w_*>, ``I_res`` = E<grad F(w_hat) -
#: grad F(w), w - w_hat>.
D_hat, F_gap_hat, G_hat, I_hat, I_res = sp.symbols("D_hat F_gap_hat G_hat I_hat I_res", real=True)
strong_contraction_bound = -2 * gamma * (strong_contraction_coefficient * mu * D_hat + F_gap_hat)
cocoercive_bound = -2 * gamma * G_hat / (cocoercive_coefficient * L)
perturbed_decomposition_rhs = -2 * gamma * I_hat + perturbed_residual_sign * 2 * gamma * I_res

#: Slide "Expected results for Double compression": the noise increases "proportionally to omega_down":
#: noise_double / noise_unidirectional - 1 = omega_down ** double_increase_exponent (printed: 1).
double_increase_exponent = sp.Integer(1)
#: Slide "A practical algorithm?", summary (2) -- Ghost's noise over the unidirectional one, bounded by an
#: absolute constant ("nearly of the same order") at the natural step of observation 3 after Theorem 3.
ghost_over_unidirectional = sp.simplify(noise_ghost / noise_unidirectional)

#: Table "Features of the main existing algorithms performing compression", as printed: columns Compr.,
#: e_k^i (uplink error feedback), h_k^i (uplink memory), E_k (downlink error feedback), H_k (downlink
#: memory), Rand. (worker-dependent downlink), update point (None: one-way, no downlink model).
FEATURE_COLUMNS = ("compression", "e_up", "h_up", "E_down", "H_down", "random", "update_point")
FEATURES = {
    "Qsgd": ("one-way", False, False, False, False, False, None),
    "ECQ-sgd": ("one-way", True, False, False, False, False, None),
    "Diana": ("one-way", False, True, False, False, False, None),
    "Dore": ("two-way", False, True, True, False, False, "degraded"),
    "Double-Squeeze": ("two-way", True, False, True, False, False, "degraded"),
    "Artemis": ("two-way", False, True, False, False, False, "degraded"),
    "Doubly compressed SGD": ("two-way", False, True, False, False, False, "degraded"),
    "MCM": ("two-way", False, True, False, True, False, "non-degraded"),
    "Rand-MCM": ("two-way", False, True, False, True, True, "non-degraded"),
}

#: Slide "Extensions": the theorems hold in the heterogeneous framework "at the cost of a constant 2",
#: under Assumption 2 (||grad F_i(w_*)||^2 <= B^2), read here as Theorem 6's rate multiplied by this factor.
heterogeneous_factor = sp.Integer(2)
theorem6_rate_heterogeneous = heterogeneous_factor * theorem6_rate


# --- the registry of named constants -------------------------------------------------------------
CONSTANTS = {
    "gamma_max_up": Constant(r"\gamma_{\max}^{\mathrm{up}}", gamma_max_up,
                             "step-size limit of the unidirectional regime", "slide 'Limit learning rate'"),
    "gamma_max_down": Constant(r"\gamma_{\max}^{\mathrm{down}}", gamma_max_down,
                               "step-size limit from the downlink compression", "slide 'Limit learning rate'"),
    "gamma_max_Upsilon": Constant(r"\gamma_{\max}^{\Upsilon}", gamma_max_Upsilon,
                                  "combined limit from controlling Upsilon", "slide 'Limit learning rate'"),
    "gamma_max": Constant(r"\gamma_{\max}", gamma_max, "maximal step size of MCM (minimum of the three)",
                          "slide 'Limit learning rate'"),
    "L_tilde": Constant(r"\tilde L", L_tilde, "defined by gamma_max = (2 L~)^{-1}", "Theorem 7"),
    "gamma_max_dore": Constant(r"\gamma_{\max}^{\mathrm{Dore}}", gamma_max_dore,
                               "step-size limit of the degraded framework (Dore, Artemis) as printed",
                               "slide 'Limit learning rate', Remarks"),
    "lyapunov_weight": Constant(r"32\gamma L\omega_{\mathrm{down}}^2", lyapunov_weight,
                                "weight of E[Upsilon_k] in the Lyapunov function V_k",
                                "slide 'Convergence of MCM - Convex'"),
    "Phi": Constant(r"\Phi(\gamma)", Phi, "variance factor of MCM", "slide 'Convergence of MCM - Convex'"),
    "proposition1_bound": Constant(r"\mathbb E[\|w_k-\hat w_k\|^2\mid \hat w_{k-1}]_{\le}", proposition1_bound,
                                   "variance of the local model of Ghost (G_1 = ||grad F(w_hat_{k-1})||^2)",
                                   "Proposition 1"),
    "ghost_contraction_rhs": Constant(r"\mathbb E\|w_k-w_*\|^2_{\le}", ghost_contraction_rhs,
                                      "right-hand side of the Ghost contraction (E_dist = E||w_{k-1}-w_*||^2, "
                                      "F_gap = E[F(w_{k-1})-F_*], G_1, G_2 = E||grad F(w_hat_{k-1})||^2, "
                                      "E||grad F(w_hat_{k-2})||^2)", "Theorems 2, 3, 4"),
    "ghost_condition": Constant(r"\gamma L(1+\omega_{\mathrm{up}}/N)", ghost_condition,
                                "must be <= 1/2", "Theorem 3"),
    "ghost_natural_step": Constant(r"\gamma_{\mathrm{Ghost}}", ghost_natural_step,
                                   "the 'natural' step size of the Ghost", "observation 3 after Theorem 3"),
    "noise_ghost": Constant(r"\mathrm{noise}_{\mathrm{Ghost}}", noise_ghost, "noise term of Ghost", "Theorem 4"),
    "noise_double_printed": Constant(r"\mathrm{noise}_{\mathrm{double}}^{\mathrm{printed}}", noise_double_printed,
                                     "noise of classical double compression as printed", "Theorem 4"),
    "noise_double": Constant(r"\mathrm{noise}_{\mathrm{double}}", noise_double,
                             "noise of classical double compression (corrected)", "Theorem 4 (erratum)"),
    "noise_unidirectional": Constant(r"\mathrm{noise}_{\mathrm{uni}}", noise_unidirectional,
                                     "noise of unidirectional compression", "Theorem 4"),
    "theorem5_gamma_bound": Constant(r"(8\omega_{\mathrm{down}}L)^{-1}", theorem5_gamma_bound,
                                     "step-size condition", "Theorem 5"),
    "theorem5_alpha_bound": Constant(r"(4\omega_{\mathrm{down}})^{-1}", theorem5_alpha_bound,
                                     "memory-rate condition (printed '(4 omega_down) - 1')", "Theorem 5"),
    "theorem5_alpha_bound_corrected": Constant(r"\alpha_{\max}", theorem5_alpha_bound_corrected,
                                               "memory-rate condition that suffices", "Theorem 5 (erratum)"),
    "theorem5_alpha_sufficient": Constant(r"\tfrac{4}{3+4\omega_{\mathrm{down}}}", theorem5_alpha_sufficient,
                                          "largest memory rate our derivation of Theorem 5 allows",
                                          "Theorem 5 (our derivation)"),
    "memory_contraction_exact": Constant(r"\mathbb E\|\Omega-\alpha C(\Omega)\|^2/\|\Omega\|^2",
                                         memory_contraction_exact,
                                         "memory contraction for a compressor with equality in Assumption 1",
                                         "proof of Theorem 5 (ours)"),
    "theorem5_rhs": Constant(r"\mathbb E[\Upsilon_k]_{\le}", theorem5_rhs,
                             "bound on E[Upsilon_k] (E_Upsilon = E[Upsilon_{k-1}], G_1 = E||grad F(w_hat_{k-1})||^2)",
                             "Theorem 5"),
    "theorem6_rate": Constant(r"\mathbb E[F(\bar w_K)-F_*]_{\le}", theorem6_rate, "convex rate of MCM",
                              "Theorem 6"),
    "theorem6_tuned_gamma": Constant(r"\gamma_K", theorem6_tuned_gamma, "tuned step size", "Theorem 6"),
    "theorem6_tuned_rate": Constant(r"\mathbb E[F(\bar w_K)-F_*]_{\le}", theorem6_tuned_rate,
                                    "leading term of the rate at the tuned step", "Theorem 6"),
    "limit_variance_mcm": Constant(r"\mathrm{var}_{\mathrm{MCM}}", limit_variance_mcm, "limit variance of MCM",
                                   "slide 'Limit Variance'"),
    "limit_variance_diana": Constant(r"\mathrm{var}_{\mathrm{Diana}}", limit_variance_diana,
                                     "limit variance of Diana", "slide 'Limit Variance'"),
    "limit_variance_artemis": Constant(r"\mathrm{var}_{\mathrm{Artemis}}", limit_variance_artemis,
                                       "limit variance of Artemis / Dore", "slide 'Limit Variance'"),
    "theorem7_linear_bound": Constant(r"\mathbb E\|w_k-w_*\|^2_{\le}", theorem7_linear_bound,
                                      "noiseless linear rate", "Theorem 7 (1)"),
    "theorem7_step": Constant(r"\gamma_k", theorem7_step, "decreasing step sequence as printed", "Theorem 7 (2)"),
    "theorem7_step_corrected": Constant(r"\gamma_k", theorem7_step_corrected,
                                        "a decreasing step sequence with gamma_k <= gamma_max",
                                        "Theorem 7 (2) (erratum)"),
    "theorem7_average_bound": Constant(r"\mathbb E[F(\bar w_K)-F_*]_{\le}", theorem7_average_bound,
                                       "weighted Polyak-Ruppert bound", "Theorem 7 (2)"),
    "theorem6_rate_heterogeneous": Constant(r"\mathbb E[F(\bar w_K)-F_*]_{\le}^{\mathrm{het}}", theorem6_rate_heterogeneous,
                                            "Theorem 6's rate in the heterogeneous framework (constant 2)",
                                            "slide 'Extensions' (1)"),
    "Phi_rand": Constant(r"\Phi^{\mathrm{Rd}}(\gamma)", Phi_rand, "variance factor of Rand-MCM (quadratic case)",
                         "Theorem 9"),
    "theorem9_rate": Constant(r"\mathbb E[F(\bar w_K)-F_*]_{\le}", theorem9_rate, "rate in the quadratic case",
                              "Theorem 9"),
    "table_gamma_max_mcm": Constant(r"L\gamma_{\max}^{\mathrm{MCM}}\propto", TABLE["gamma_max"]["MCM"],
                                    "MCM's gamma_max as the table prints it", "Table 'Summary of rates'"),
    "table_gamma_max_mcm_corrected": Constant(r"L\gamma_{\max}^{\mathrm{MCM}}\propto", table_gamma_max_mcm_corrected,
                                              "MCM's gamma_max entry that follows from the definition",
                                              "Table 'Summary of rates' (erratum)"),
}

_ALL = {name: const.expr for name, const in CONSTANTS.items()}


def _expr(name: str) -> sp.Expr:
    try:
        return _ALL[name]
    except KeyError:
        raise KeyError(f"unknown constant {name!r} of theory.mcm; known: {', '.join(sorted(_ALL))}") from None


@functools.lru_cache(maxsize=None)
def _lambdified(name: str):
    expr = _expr(name)
    names = sorted(str(v) for v in expr.free_symbols)
    symbols = [next(s for s in expr.free_symbols if s.name == n) for n in names]
    fn = sp.lambdify(symbols, expr, modules=["math"])
    return fn, names


def numeric(name: str, **values) -> float:
    """Evaluate constant ``name`` in floating point (fast; used inside algorithm loops)."""
    fn, names = _lambdified(name)
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"constant {name} needs values for: {', '.join(missing)}")
    return float(fn(*[float(values[n]) for n in names]))


def value(name: str, **values) -> sp.Expr:
    """Evaluate constant ``name`` exactly: a sympy number (square roots stay exact)."""
    _expr(name)
    return CONSTANTS[name].evaluate(**values)


def exact(name: str, **values) -> Fraction:
    """Evaluate constant ``name`` exactly (rational inputs); raises if the result is irrational."""
    result = value(name, **values)
    if not result.is_Rational:
        raise ValueError(f"constant {name} is not rational at these parameters: {result}")
    return Fraction(int(result.p), int(result.q))


def substitute(expr: sp.Expr, values: Mapping[str, object]) -> sp.Expr:
    """``expr`` with the symbols named in ``values`` replaced by exact sympy numbers."""
    by_name = {s.name: s for s in expr.free_symbols}
    subs = {by_name[n]: sp.nsimplify(v) if isinstance(v, float) else sp.sympify(
        sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v)
        for n, v in values.items() if n in by_name}
    return expr.subs(subs)
