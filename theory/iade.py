"""Every constant of work 000 (IADE, AIADE, IADE-SGD) as a sympy expression.

Symbols follow the paper: ``L`` (every f_i is L-smooth), ``mu`` (f is mu-strongly convex), ``eta``
(step), ``c`` (contraction of exact GD), ``c_prime`` (the chosen rate c' in (c, 1)), ``s``
(quantization level: error scale), ``x0`` (Lemma 7.1's initial value; in Theorem 3.1 it is
``||x_0 - x*||``), ``d``, ``N``, ``eps`` (Lemma 2.1's relative precision sigma/M), ``rho`` (WGC).

Functions :func:`numeric` (float, lambdified) and :func:`exact` (sympy Rational -> Fraction) evaluate
a constant; algorithms and tests use them, so each formula is written once, here.

Where the paper's printed formula is wrong, both are kept: ``*_printed`` as printed and the corrected
one (see the claims registry, ``theory/claims/iade.py``, for the evidence).
"""
from __future__ import annotations

import functools
from fractions import Fraction

import sympy as sp

from theory.constants import Constant

L, mu, eta, c, c_prime, s, x0, d, N, eps, rho, k = sp.symbols(
    "L mu eta c c_prime s x0 d N epsilon rho k", positive=True)
ell, Delta, g, h = sp.symbols("ell Delta g h", nonnegative=True)

# --- Lemma 7.2 and Algorithm 1 --------------------------------------------------------------
eta_max = 2 / (L + mu)                       # Algorithm 1: eta in (0, 2/(L+mu))
c_eta = 1 - eta * mu                         # Lemma 7.2 contraction factor

# --- Lemma 7.1: x_{k+1} <= c x_k + s c'^{k+1}  =>  x_k <= c'^k xi_s -----------------------------
def xi(x0_, s_):
    """xi_s of Lemma 7.1 with the given initial value and level."""
    return sp.Max(0, x0_ - c * s_ / (c_prime - c)) + c_prime * s_ / (c_prime - c)


xi_s = xi(x0, s)
# The proof of Lemma 7.1 actually gives, with equality for the worst-case sequence,
# x_k = c^k (x0 - c' s/(c'-c)) + c'^k c' s/(c'-c)  (a tighter constant than xi_s).
lemma71_closed_form = c**k * (x0 - c_prime * s / (c_prime - c)) + c_prime**k * c_prime * s / (c_prime - c)

# --- Theorem 3.1 -----------------------------------------------------------------------------
# Printed: ||x_k - x*|| <= c'^k xi_s. The proof's recursion is ||x_{k+1}-x*|| <= c ||x_k-x*|| + eta s c'^{k+1},
# so Lemma 7.1 applies with s replaced by eta*s (erratum when eta > 1).
theorem31_bound_printed = c_prime**k * xi_s
xi_eta_s = xi(x0, eta * s)
theorem31_bound_corrected = c_prime**k * xi_eta_s

# Radii (norm bounds) of the vectors quantized at iteration k >= 1 (proof of Theorem 3.1), as
# coefficients of c'^{k+1}, with the corrected xi:
radius_worker = (L**2 * eta * xi_eta_s + L * eta * s * c_prime + s * c_prime / 2) / c_prime**2
radius_server = (L**2 * eta * xi_eta_s + L * eta * s * c_prime + 3 * s * c_prime / 2) / c_prime**2
# "Error fraction" radius / error, error = s c'^{k+1} / 2:
zeta_printed = (2 * L**2 * eta * xi_s + 2 * L * eta * c_prime + 3 * c_prime) / c_prime**2
zeta_corrected = 2 * radius_server / s
# "the number of bits is at most (1.05 + log2(zeta_s + 2)) d by lemma 2.1" (end of Appendix 7.1), as a
# function of a generic error fraction zeta:
zeta = sp.Symbol("zeta", positive=True)
bits_of_zeta = (sp.Rational(105, 100) + sp.log(zeta + 2, 2)) * d
bits_per_encoding_printed = bits_of_zeta.subs(zeta, zeta_printed)
bits_per_encoding_corrected = bits_of_zeta.subs(zeta, zeta_corrected)
# The radii as printed in Appendix 7.1 (with xi_s, not xi_{eta s}):
radius_worker_printed = (L**2 * eta * xi_s + L * eta * s * c_prime + s * c_prime / 2) / c_prime**2
radius_server_printed = (L**2 * eta * xi_s + L * eta * s * c_prime + 3 * s * c_prime / 2) / c_prime**2
# Proof of Theorem 3.1, first display: ||v_k - grad f(x_k)|| <= s c'^{k+1}.
iade_gradient_error = s * c_prime ** (k + 1)

# --- Lemma 2.1 -------------------------------------------------------------------------------
lemma21_lower = sp.ceiling(d * sp.log(1 / eps, 2))
lemma21_upper = sp.ceiling(sp.Rational(105, 100) * d + d * sp.log((1 + 2 * eps) / eps, 2))
# Where 1.05 comes from (our derivation): log2 of V_d (sqrt(d)/2)^d <= (d/2) log2(pi e / 2).
lattice_overhead_per_dim = sp.log(sp.pi * sp.E / 2, 2) / 2

# --- AIADE (Algorithm 2, Theorem 4.1, Lemma 8.1) -----------------------------------------------
alpha = sp.sqrt(mu / L)
tau = (sp.sqrt(L) - sp.sqrt(mu)) / (sp.sqrt(L) + sp.sqrt(mu))
c_acc = sp.sqrt(1 - sp.sqrt(mu / L))
eta_acc = 1 / L
# Recursions of Appendix B with l(k) = eps/(k+1); G(k) = sqrt(2/mu) sqrt(Delta + g(k) + h(k)).
g_increment = 3 * ell * sp.sqrt(2 / L) * sp.sqrt(Delta + g + h) / c
h_increment = 5 / c * ell * sp.sqrt(2 / mu) * sp.sqrt(Delta + g + h) + ell**2 / L
G_of = sp.sqrt(2 / mu) * sp.sqrt(Delta + g + h)
# Appendix B: ||m_k - grad f(y_k)|| <= c^{k+1} l(k), l(k) = eps/(k+1) (Algorithm 2's two errors eps c^{k+1}/(2k+2)).
aiade_gradient_error = eps * c ** (k + 1) / (k + 1)
# Appendix B: ||y_k - x*|| <= (2 sqrt L/(sqrt L + sqrt mu) + tau/c) sqrt(2/mu) c^k sqrt(...) <= 3 sqrt(2/mu) c^k sqrt(...)
y_bound_coefficient = 2 * sp.sqrt(L) / (sp.sqrt(L) + sp.sqrt(mu)) + tau / c_acc
y_bound_constant = sp.Integer(3)
# Appendix B: phi_0(x) = phi_0^* + mu/2 ||x - v_0||^2, phi_0^* = f(v_0), and the sentence "phi(x) <= f(x)".
# (x, v0, f(x), f(v0) as symbols of a one-dimensional instance; the check evaluates them on real problems.)
x_sym, v0_sym, f_x, f_v0 = sp.symbols("x v0 f_x f_v0", real=True)
phi0 = f_v0 + mu / 2 * (x_sym - v0_sym) ** 2
# Appendix B, the bound on phi*_(k+1) (one coordinate; every term is a sum over coordinates of the same form):
# phi*_k, f(y_k), m_k, v_k, y_k, v_(k+1), grad f(y_k) as symbols.
phik_star, f_y, m_sym, v_sym, y_sym, v_next_sym, grad_y = sp.symbols("phik_star f_y m v y v_next grad_y", real=True)
_alpha = sp.sqrt(mu / L)
phi_star_next_line1 = ((1 - _alpha) * (phik_star + mu / 2 * (v_next_sym - v_sym) ** 2) + _alpha * f_y
                       + _alpha * m_sym * (v_next_sym - y_sym) + _alpha * mu / 2 * (v_next_sym - y_sym) ** 2)
phi_star_next_line2 = ((1 - _alpha) * phik_star + _alpha * f_y - m_sym**2 / (2 * L)
                       + _alpha * (1 - _alpha) * (mu / 2 * (y_sym - v_sym) ** 2 + m_sym * (v_sym - y_sym)))
# "f(x_(k+1)) - f(y_k) + ||m_k||^2/(2L) <= (1/L) <m_k - grad f(y_k), m_k>"
smoothness_rhs = (m_sym - grad_y) * m_sym / L
# Appendix B: "g(k) <= E1 + E2 ln^2(k+1)" (the same for h): the exponent of ln(k+1).
gh_log_exponent = sp.Integer(2)

# --- IADE-SGD (Algorithm 3, Theorem 5.2, Lemma 9.1) --------------------------------------------
c_sgd = 1 - mu / (rho * L)
eta_sgd = 1 / (rho * L)
theorem52_bound = c_prime**k * xi(x0, s)    # here x0 stands for ||x_0 - x*||^2
# Proof sketch of Theorem 5.2: "||v_k - 1/N sum_i grad_i f_i(x)|| <= rho^2 L^2 s c'^{k+1}" (a norm, as printed).
sgd_gradient_error_printed = rho**2 * L**2 * s * c_prime ** (k + 1)
# Algorithm 3: each quantization's squared error is at most rho^2 L^2 s c'^{k+1} / 2.
sgd_quantization_error_sq = rho**2 * L**2 * s * c_prime ** (k + 1) / 2

# --- Section 5: the memory example (sizes in G) ------------------------------------------------
memory_dataset_G = sp.Integer(1000)
memory_large = (sp.Integer(100), sp.Integer(10))     # "100 machines each with memory 10 G": the data fit
memory_limited = (sp.Integer(10), sp.Integer(10))    # "10 machines each with memory 10 G": they do not

# Bit orders as printed: Table 1's column (both rows), Theorem 5.2's clause, Corollary 9.2's proof.
table1_bits_order = d * sp.log(L)
theorem52_bits_order = N * d
corollary92_bits_order = d

# --- Table 1: iterations to reach ||x_k - x*|| <= target (leading order) ---------------------
iterations_gd = sp.log(1 / eps) / -sp.log(1 - 1 / (L / mu))          # ~ kappa log(1/eps)
iterations_acc = sp.log(1 / eps) / -sp.log(sp.sqrt(1 - sp.sqrt(mu / L)))  # ~ 2 sqrt(kappa) log(1/eps)

CONSTANTS = {
    "eta_max": Constant(r"\eta_{\max}", eta_max, "largest step of Algorithm 1 (open interval)", "Algorithm 1"),
    "c_eta": Constant(r"c_\eta", c_eta, "contraction factor of one exact gradient step", "Lemma 7.2"),
    "xi_s": Constant(r"\xi_s", xi_s, "constant of the linear bound x_k <= c'^k xi_s", "Lemma 7.1"),
    "lemma71_closed_form": Constant(r"x_k^{\mathrm{worst}}", lemma71_closed_form,
                                    "the worst-case sequence (equality in (4)), from the proof", "Lemma 7.1 (proof)"),
    "theorem31_bound_printed": Constant(r"\|x_k-x^*\|_{\le,\ \mathrm{printed}}", theorem31_bound_printed,
                                        "bound as printed (x0 = ||x_0 - x*||)", "Theorem 3.1"),
    "theorem31_bound_corrected": Constant(r"\|x_k-x^*\|_{\le}", theorem31_bound_corrected,
                                          "corrected bound: s replaced by eta s", "Theorem 3.1 (erratum)"),
    "radius_worker": Constant(r"M^{\mathrm{up}}/c'^{k+1}", radius_worker,
                              "bound on ||g_k^i - s_{k-1}^i|| divided by c'^{k+1}", "proof of Theorem 3.1"),
    "radius_server": Constant(r"M^{\mathrm{down}}/c'^{k+1}", radius_server,
                              "bound on ||s_k - v_{k-1}|| divided by c'^{k+1}", "proof of Theorem 3.1"),
    "zeta_printed": Constant(r"\zeta_s^{\mathrm{printed}}", zeta_printed, "error fraction as printed",
                             "proof of Theorem 3.1"),
    "zeta_corrected": Constant(r"\zeta_s", zeta_corrected, "error fraction radius/error (corrected)",
                               "proof of Theorem 3.1 (erratum)"),
    "bits_per_encoding_corrected": Constant(r"b_{\mathrm{enc}}", bits_per_encoding_corrected,
                                            "bits of one encoding, (1.05 + log2(zeta+2)) d", "Theorem 3.1"),
    "lemma21_lower": Constant(r"b_{\min}", lemma21_lower, "fewest bits of any uniform compression", "Lemma 2.1"),
    "lemma21_upper": Constant(r"b_{\mathrm{alg}}", lemma21_upper, "bits of the paper's construction", "Lemma 2.1"),
    "lattice_overhead_per_dim": Constant(r"\tfrac12\log_2\tfrac{\pi e}{2}", lattice_overhead_per_dim,
                                         "per-dimension overhead of the lattice code (the 1.05)", "Lemma 2.1 (ours)"),
    "tau": Constant(r"\tau", tau, "momentum of AIADE", "Algorithm 2, Lemma 8.1"),
    "c_acc": Constant(r"c", c_acc, "linear rate of AIADE", "Algorithm 2, Theorem 4.1"),
    "g_increment": Constant(r"g(k+1)-g(k)", g_increment, "recursion for g", "Appendix B"),
    "h_increment": Constant(r"h(k+1)-h(k)", h_increment, "recursion for h (printed with g: typo)", "Appendix B"),
    "G": Constant(r"G(k)", G_of, "the factor of Theorem 4.1 (1)", "Theorem 4.1, Appendix B"),
    "c_sgd": Constant(r"c", c_sgd, "contraction factor of SGD under WGC", "Algorithm 3, Lemma 9.1"),
    "eta_sgd": Constant(r"\eta", eta_sgd, "step of IADE-SGD", "Algorithm 3"),
    "theorem52_bound": Constant(r"\mathbb E\|x_k-x^*\|^2_{\le}", theorem52_bound,
                                "bound of Theorem 5.2 (x0 = ||x_0-x*||^2)", "Theorem 5.2"),
    "bits_of_zeta": Constant(r"b(\zeta)", bits_of_zeta, "bits of one encoding with error fraction zeta",
                             "Appendix 7.1 (end), from Lemma 2.1"),
    "radius_worker_printed": Constant(r"M^{\mathrm{up}}_{\mathrm{printed}}/c'^{k+1}", radius_worker_printed,
                                      "worker radius as printed (xi_s)", "Appendix 7.1"),
    "radius_server_printed": Constant(r"M^{\mathrm{down}}_{\mathrm{printed}}/c'^{k+1}", radius_server_printed,
                                      "server radius as printed (xi_s)", "Appendix 7.1"),
    "iade_gradient_error": Constant(r"\|v_k-\nabla f(x_k)\|_{\le}", iade_gradient_error,
                                    "error of IADE's gradient estimate", "Appendix 7.1, Theorem 3.1 sketch"),
    "aiade_gradient_error": Constant(r"\|m_k-\nabla f(y_k)\|_{\le}", aiade_gradient_error,
                                     "error of AIADE's gradient estimate, c^{k+1} l(k)", "Appendix B, Algorithm 2"),
    "y_bound_coefficient": Constant(r"1+\tau+\tau/c", y_bound_coefficient,
                                    "coefficient in the bound on ||y_k - x*||", "Appendix B"),
    "y_bound_constant": Constant(r"3", y_bound_constant, "its printed upper bound", "Appendix B"),
    "phi0": Constant(r"\phi_0(x)", phi0, "the first estimate function", "Appendix B"),
    "phi_star_next_line1": Constant(r"\phi^*_{k+1}", phi_star_next_line1, "phi_(k+1)(v_(k+1)), first line",
                                    "Appendix B"),
    "phi_star_next_line2": Constant(r"\phi^*_{k+1}", phi_star_next_line2, "after substituting v_(k+1) - y_k",
                                    "Appendix B"),
    "smoothness_rhs": Constant(r"\tfrac1L\langle m_k-\nabla f(y_k), m_k\rangle", smoothness_rhs,
                               "bound on f(x_(k+1)) - f(y_k) + ||m_k||^2/(2L)", "Appendix B"),
    "gh_log_exponent": Constant(r"p", gh_log_exponent, "g(k), h(k) = O(ln^p(k+1))", "Appendix B"),
    "sgd_gradient_error_printed": Constant(r"\|v_k-\bar\nabla\|_{\le,\ \mathrm{printed}}",
                                           sgd_gradient_error_printed, "as printed (a norm)",
                                           "Theorem 5.2 proof sketch"),
    "sgd_quantization_error_sq": Constant(r"\varepsilon_k", sgd_quantization_error_sq,
                                          "squared error of each quantization", "Algorithm 3"),
}

_ALL = {**{name: const.expr for name, const in CONSTANTS.items()}}


@functools.lru_cache(maxsize=None)
def _lambdified(name: str):
    expr = _ALL[name]
    names = sorted(str(v) for v in expr.free_symbols)
    fn = sp.lambdify([sp.Symbol(n, positive=True) for n in names], expr, modules=["math"])
    return fn, names


def numeric(name: str, **values) -> float:
    """Evaluate constant ``name`` in floating point (fast; used inside algorithm loops)."""
    fn, names = _lambdified(name)
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"constant {name} needs values for: {', '.join(missing)}")
    return float(fn(*[float(values[n]) for n in names]))


def exact(name: str, **values) -> Fraction:
    """Evaluate constant ``name`` exactly (rational inputs); raises if the result is irrational."""
    value = CONSTANTS[name].evaluate(**values)
    if not value.is_Rational:
        raise ValueError(f"constant {name} is not rational at these parameters: {value}")
    return Fraction(int(value.p), int(value.q))
