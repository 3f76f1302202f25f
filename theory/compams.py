"""Every constant and bound of work 002 (Top-k / Block-Sign AMSGrad with error feedback) as sympy.

Source: the unfinished draft "Sparsified Distributed Adaptive Learning with Error Feedback"
(``../shared/seeds/002_*.txt``), later published as COMP-AMS (X. Li, B. Karimi, P. Li, "On Distributed
Adaptive Optimization with Gradient Compression", ICLR 2022, arXiv:2205.05632). Equation numbers are
the draft's.

Symbols follow the draft: ``L`` (smoothness, Assumption 1), ``G`` (gradient bound, Assumption 2,
``G = (1/n) sum_i G_i``), ``sigma`` (variance bound, Assumption 3), ``q`` (quantization constant,
Assumption 4: ``||g - Q(g)|| <= q ||g||``), ``n`` (workers), ``d`` (dimension), ``eta`` (step size),
``epsilon`` (the AMSGrad epsilon), ``beta_1`` / ``beta_2`` (moment rates), ``k`` (Top-k), ``B`` (the
largest block of Block-Sign), ``T`` (iterations). Expectations that enter the bounds are plain
symbols: ``E_grad2`` = E||grad f(theta_t)||^2, ``E_sum_g2`` = E||sum_i g_{t,i}||^2 and so on.

Where a printed formula is wrong both are kept (``*_printed`` and ``*_corrected``); the evidence is in
the claims registry :mod:`theory.claims.compams`. :func:`numeric` (float) and :func:`value` (exact sympy
number) evaluate a constant by name; the compressors of :mod:`reference_impl.compressors.sign` take
their constants from here.
"""
from __future__ import annotations

import functools
from typing import Mapping

import sympy as sp

from theory.constants import Constant

L, G, sigma, q, eta, epsilon = sp.symbols("L G sigma q eta epsilon", positive=True)
n, d, k, B, T = sp.symbols("n d k B T", positive=True, integer=True)
beta_1, beta_2 = sp.symbols("beta_1 beta_2", nonnegative=True)
E_grad2, E_sum_g2, E_sum_err2 = sp.symbols("E_grad2 E_sum_g2 E_sum_err2", nonnegative=True)

# --- compressors: Assumption 4's q for each compressor we run -----------------------------------
# Top-k: ||x - TopK(x)||^2 <= (1 - k/d) ||x||^2 (the k kept are the largest), tight for |x_j| all equal.
topk_q2 = 1 - k / d
# Scaled sign C(x) = sign(x) ||x||_1 / d (sign(0) = 0): with m nonzero coordinates,
# ||C(x) - x||^2 = ||x||^2 - ||x||_1^2 (2d - m)/d^2 <= (1 - 1/d) ||x||^2 (||x||_1 >= ||x||_2, m <= d); the sup
# is approached by one dominant coordinate among d nonzero ones.
scaled_sign_q2 = 1 - 1 / d
# Block-Sign (sign(x_b) ||x_b||_1 / |b| on each block b): the scaled-sign bound block by block, so the
# largest block B decides: q^2 = 1 - 1/B.
block_sign_q2 = 1 - 1 / B
# The contraction constant delta = 1 - q^2 of the same compressors (the reference_impl convention).
topk_delta = 1 - topk_q2
block_sign_delta = 1 - block_sign_q2
scaled_sign_delta = 1 - scaled_sign_q2

# --- Lemma 1, eq. (3) -------------------------------------------------------------------------------
# The right side of (3) as printed: eta/2 E||grad f||^2 + q^2 (1 + G^2 eta / (epsilon 2 n^2)).
lemma1_rhs_printed = eta / 2 * E_grad2 + q**2 * (1 + G**2 * eta / (2 * epsilon * n**2))
# The line before the last of (6) (after step (d)), as printed.
lemma1_step_d_printed = eta / 2 * E_grad2 + G**2 * eta / (2 * epsilon * n**2) + q**2 * G**2 * eta / (2 * epsilon * n**2)
# Our corrected Lemma 1 (Young, then ||(V + eps I)^{-1/2}||^2 <= 1/eps pointwise, then
# ||g_bar|| <= (1/n) sum_i (||g_i|| + ||g~_i - g_i||) <= (1 + q) G with Assumption 4 applied to what is
# compressed, without error feedback):
# -eta E<grad f, (V_{t+1} + eps)^{-1/2} g_bar> <= eta/2 E||grad f||^2 + eta (1 + q)^2 G^2 / (2 eps).
lemma1_rhs_corrected = eta / 2 * E_grad2 + eta * (1 + q)**2 * G**2 / (2 * epsilon)
# Step (c) as printed, ||x + y||^2 <= ||x||^2 + ||y||^2, and its correct form with the factor 2.
step_c_factor_printed = sp.Integer(1)
step_c_factor_corrected = sp.Integer(2)
# Step (d): E||sum_{i=1}^n g_{t,i}||^2 <= G^2 as printed; (sum_i G_i)^2 = n^2 G^2 is what holds.
step_d_sum_bound_printed = G**2
step_d_sum_bound_corrected = n**2 * G**2

# --- Lemma 2, eq. (7) and the proof's (16)-(23) -------------------------------------------------------
# (16)-(17): the smoothness step -beta_1 <grad f(theta_t) - grad f(theta_{t-1}), D_t m_t> <= c ||theta_t -
# theta_{t-1}||^2 with c = beta_1 L / eta_{t-1} as printed; Cauchy-Schwarz and theta_t - theta_{t-1} = -eta_t
# D_t m_t give c = beta_1 L / eta_t (equality for a quadratic in d = 1).
eta_t, eta_tm1 = sp.symbols("eta_t eta_tm1", positive=True)
smoothness_coefficient_printed = beta_1 * L / eta_tm1
smoothness_coefficient_corrected = beta_1 * L / eta_t

# --- Section 4: the accumulated error E_t --------------------------------------------------------------
r = sp.Symbol("r", positive=True)
E_E2, E_a2 = sp.symbols("E_E2 E_a2", nonnegative=True)
# The recursion printed at the end of Section 4 (its last line without the unfinished term):
# E||E_{t+1}||^2 <= 2 q [(1 + r) E||E_t||^2 + (1 + 1/r) E||a'_t||^2] + 2 E||a_t - TopK(E_t + a'_t)||^2.
error_recursion_coefficient_E = 2 * q * (1 + r)
error_recursion_coefficient_a = 2 * q * (1 + 1 / r)
# With Assumption 4 as stated (||x - C(x)|| <= q ||x||) the step needs q^2, which is <= q only for q <= 1.
error_recursion_coefficient_E_q2 = 2 * q**2 * (1 + r)

# --- the published convergence result (COMP-AMS, ICLR 2022), headline form ------------------------------
# The published version's abstract: "same convergence rate as standard AMSGrad" and "linear speedup
# w.r.t. the number of local workers", i.e. min_t E||grad f(theta_t)||^2 = O(1/sqrt(n T)) with
# eta ~ sqrt(n / (T d)) (leading term, large T). We could not retrieve the full theorem text offline
# (constants C_0, C_1 and the lower-order terms are therefore not reproduced here); the claims test the two
# headline exponents only.
published_rate = sp.sqrt(d) / sp.sqrt(n * T)
published_step = sp.sqrt(n) / sp.sqrt(T * d)
# Exponents of T and n in the leading term (what the speedup experiment fits).
published_T_exponent = sp.Rational(-1, 2)
published_n_exponent = sp.Rational(-1, 2)

# --- the authors' public code (BelhalK/baiduresearch, Code/Submitted/4)sparsams) ------------------------
# Hyper-parameters of the authors' code (issue 9): beta = (0.9, 0.999), eps = 1e-8 outside the sqrt, no
# bias correction; Top-k density 0.01; batch 128; learning-rate grid; 20 workers.
CODE_BETA_1 = sp.Rational(9, 10)
CODE_BETA_2 = sp.Rational(999, 1000)
CODE_EPSILON = sp.Rational(1, 10**8)
CODE_DENSITY = sp.Rational(1, 100)
CODE_BATCH = 128
CODE_LR_GRID = (sp.Rational(1, 10**4), sp.Rational(5, 10**4), sp.Rational(1, 10**3), sp.Rational(5, 10**3),
                sp.Rational(1, 10**2))
DRAFT_WORKERS = 20
DRAFT_DENSITIES = (sp.Rational(1, 100), sp.Rational(5, 100))

CONSTANTS = {
    "topk_q2": Constant("q^2_{\\mathrm{top}\\text{-}k}", topk_q2, "Assumption 4's q^2 for Top-k", "Assumption 4"),
    "block_sign_q2": Constant("q^2_{\\mathrm{block\\text{-}sign}}", block_sign_q2,
                              "Assumption 4's q^2 for Block-Sign with largest block B", "Assumption 4"),
    "scaled_sign_q2": Constant("q^2_{\\mathrm{sign}}", scaled_sign_q2, "Assumption 4's q^2 for the scaled sign",
                               "Assumption 4"),
    "lemma1_rhs_printed": Constant("R_{(3)}", lemma1_rhs_printed, "right side of Lemma 1 as printed", "Lemma 1, eq. (3)"),
    "lemma1_step_d_printed": Constant("R_{(d)}", lemma1_step_d_printed, "right side after step (d) of (6), as printed",
                                      "Lemma 1, proof, (6)(d)"),
    "lemma1_rhs_corrected": Constant("R_{(3)}^{\\mathrm{corr}}", lemma1_rhs_corrected,
                                     "our corrected right side of Lemma 1", "Lemma 1 (corrected)"),
    "step_d_sum_bound_corrected": Constant("\\mathbb E\\Vert \\sum_i g_{t,i}\\Vert^2 \\le", step_d_sum_bound_corrected,
                                           "what Assumption 2 gives for the sum of n gradients", "Lemma 1, (6)(d)"),
    "smoothness_coefficient_printed": Constant("c_{(17)}", smoothness_coefficient_printed,
                                               "coefficient of ||theta_t - theta_{t-1}||^2, as printed", "Lemma 2, proof"),
    "smoothness_coefficient_corrected": Constant("c_{(17)}^{\\mathrm{corr}}", smoothness_coefficient_corrected,
                                                 "the coefficient Cauchy-Schwarz gives", "Lemma 2, proof (corrected)"),
    "error_recursion_coefficient_E": Constant("c_{\\mathcal E}", error_recursion_coefficient_E,
                                              "coefficient of E||E_t||^2 in the error recursion", "Section 4"),
    "published_rate": Constant("\\min_t \\mathbb E\\Vert\\nabla f(\\theta_t)\\Vert^2", published_rate,
                               "leading term of the published rate (up to constants)", "COMP-AMS, ICLR 2022"),
    "published_step": Constant("\\eta", published_step, "the published step size (up to constants)",
                               "COMP-AMS, ICLR 2022"),
}


@functools.lru_cache(maxsize=None)
def _lambdified(name: str):
    expr = CONSTANTS[name].expr
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    return syms, sp.lambdify(syms, expr, "math")


def numeric(name: str, **values) -> float:
    """Constant ``name`` as a float at the given values (by symbol name; extra names ignored)."""
    syms, fn = _lambdified(name)
    missing = [s.name for s in syms if s.name not in values]
    if missing:
        raise ValueError(f"constant {name} needs values for: {', '.join(missing)}")
    return float(fn(*[float(values[s.name]) for s in syms]))


def value(name: str, **values) -> sp.Expr:
    """Constant ``name`` as an exact sympy number."""
    return CONSTANTS[name].evaluate(**values)


def substitute(expr: sp.Expr, values: Mapping[str, object]) -> sp.Expr:
    """``expr`` with the symbols named in ``values`` replaced by exact sympy numbers."""
    by_name = {s.name: s for s in expr.free_symbols}
    return expr.subs({by_name[k]: sp.nsimplify(v) if isinstance(v, float) else sp.sympify(str(v))
                      for k, v in values.items() if k in by_name})
