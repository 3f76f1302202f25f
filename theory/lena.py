"""Every constant and bound of work 003 (LENA, Ghadikolaei, Stich, Jaggi, AISTATS 2021) as sympy.

Symbols follow the paper: ``alpha`` (step size), ``beta`` (significance-filter threshold), ``L`` (the
average smoothness ``L_bar``), ``L_m``, ``mu`` (quasi-strong convexity, Assumption 2), ``sigma``
(noise, Assumption 3), ``G`` (the gradient bound of Proposition 1), ``M`` (nodes), ``T`` (iterations),
``R_0`` (``||w^0 - w*||``), ``F_0`` (``F(w^0) - F*``), ``gamma`` (momentum, eq. (6)), ``n`` (steps
between two uploads), ``t`` (iterations after the first sample), ``c`` (``||grad f_m(w*)||``) and ``r``
(``||w^t - w*||``) in the upload-interval scaling (9).

Where a printed formula is wrong both are kept (``*_printed`` and the corrected one); the evidence is
in :mod:`theory.claims.lena`. :func:`numeric` evaluates a constant by name in float64, :func:`value`
returns the exact sympy number.
"""
from __future__ import annotations

import functools

import sympy as sp

alpha, beta, L, L_m, mu, sigma, G, M, T, R_0, F_0, gamma = sp.symbols(
    "alpha beta L L_m mu sigma G M T R_0 F_0 gamma", positive=True)
n, t = sp.symbols("n t", positive=True, integer=True)
c, r, q, v, S = sp.symbols("c r q v S", real=True)

# --- Proposition 1 ------------------------------------------------------------------------------------
# C := beta L_bar^2 (G^2 + sigma^2) / 2
C = beta * L**2 * (G**2 + sigma**2) / 2
# step-size ranges: C1 alpha <= 1/(4 L_bar), C2 alpha < 1/(4 L_bar), C3 alpha <= 1/(2 L_bar)
alpha_max_c1 = 1 / (4 * L)
alpha_max_c2 = 1 / (4 * L)
alpha_max_c3 = 1 / (2 * L)
# C1 (mu > 0), up to the constants and log factors that O-tilde hides
c1_rate = sigma**2 / (mu * M * (T + 1)) + C**2 / (mu**2 * (T + 1)**2) + L * R_0**2 * sp.exp(-mu * (T + 1) / (4 * L))
# C2 (mu = 0): bound on (1/(T+1)) sum_t E F(w^t) - F*
c2_bound = (4 * sigma * R_0 / sp.sqrt(M * (T + 1)) + 4 * (C * R_0**2)**sp.Rational(2, 3) / (T + 1)**sp.Rational(2, 3)
            + 8 * L * R_0**2 / (T + 1))
# C3 (any smooth F): bound on (1/(T+1)) sum_t E ||grad F(w^t)||^2
c3_bound = (8 * sigma * sp.sqrt(L * F_0) / sp.sqrt(M * (T + 1)) + 8 * (C * F_0)**sp.Rational(2, 3) / (T + 1)**sp.Rational(2, 3)
            + 8 * L * F_0 / (T + 1))
# the bound of Beznosikov et al. (2020, Theorem 15) that the text contrasts with: noise divided by 1 - beta
beznosikov_rate = sigma**2 / ((1 - beta) * mu * M * T)

# Assumption 2 (mu > 0) with ||grad F|| <= G forces ||w - w*|| <= 2 G / mu: no function on all of R^d
# satisfies both (see lena.proposition-1-c1)
quasi_strong_radius = 2 * G / mu

# the memory bound the filter gives when it compares with the drift about to be applied:
# ||e^{t+1}||^2 <= beta ||g^t||^2 (printed threshold) or beta alpha^2 ||g^t||^2 (alpha-squared threshold)
memory_bound_printed = beta * (G**2 + sigma**2)
memory_bound_alpha_squared = beta * alpha**2 * (G**2 + sigma**2)

# --- eq. (7): the uniform average between uploads from v alone --------------------------------------------
# as printed: (1/n) sum alpha g = v - (n - 1) q
eq7_printed = v - (n - 1) * q
# corrected (derived from eq. (5)): (1/n) sum alpha g = (v + (n - 1) q) / n
eq7_corrected = (v + (n - 1) * q) / n

# --- the noise identity after eq. (5): E||xi^0||^2 = t E||(1/t) sum_{i=0}^{t} xi^i||^2 (as printed) ---------
# the right side as printed, for i.i.d. noise of variance sigma^2: t (t + 1) sigma^2 / t^2
noise_identity_printed_rhs = t * (t + 1) * sigma**2 / t**2
# corrected: E||xi^0||^2 = t E||(1/t) sum_{i=1}^{t} xi^i||^2 = sigma^2
noise_identity_corrected_rhs = t * t * sigma**2 / t**2

# --- eq. (6): momentum as a variance-reduced drift -------------------------------------------------------
# stationary variance of m = (1 - gamma) m + gamma alpha g with i.i.d. noise, in units of alpha^2 sigma^2
momentum_variance_factor = gamma / (2 - gamma)

# --- eq. (9): iterations between two uploads (as printed, without the O constant) -----------------------
interval_9 = beta * sp.Min(c / (L_m * r), beta * c**2 / sigma**2)
# the noise regime of (9) as printed: beta^2 c^2 / sigma^2 (exponent 2 in beta)
interval_9_noise = beta**2 * c**2 / sigma**2
# our derivation (random walk of the memory with the drift q ~ alpha grad f_m(w*)): n ~ beta (c^2 + sigma^2) /
# (alpha^2 sigma^2): exponent 1 in beta, -1 in sigma^2, -2 in alpha
interval_noise_derived = beta * (c**2 + sigma**2) / (alpha**2 * sigma**2)


def derive_momentum_variance() -> sp.Expr:
    """sum_{i>=0} gamma^2 (1 - gamma)^(2 i): the stationary variance of eq. (6) in units of alpha^2 sigma^2."""
    i = sp.Symbol("i", integer=True, nonnegative=True)
    rho = sp.Symbol("rho", positive=True)
    geometric = sp.summation(rho**i, (i, 0, sp.oo))             # Piecewise: 1/(1 - rho) for rho < 1
    closed = geometric.args[0][0] if isinstance(geometric, sp.Piecewise) else geometric
    return sp.factor(sp.simplify(gamma**2 * closed.subs(rho, (1 - gamma)**2)))


def derive_quasi_strong_radius() -> sp.Expr:
    """Largest ||w - w*|| compatible with Assumption 2 (mu > 0) and ||grad F|| <= G: G r >= mu r^2 / 2."""
    rr = sp.Symbol("rr", positive=True)
    sols = sp.solve(sp.Eq(G * rr, mu * rr**2 / 2), rr)
    return max(sols, key=lambda s: sp.simplify(s / (G / mu)))


from theory.constants import Constant  # noqa: E402

CONSTANTS = {
    "C": Constant("C", C, "the constant of Proposition 1 (memory bound times L_bar^2/2)", "Proposition 1"),
    "alpha_max_c1": Constant(r"\alpha_{\max}^{C1}", alpha_max_c1, "largest step size of C1 (mu > 0)", "Proposition 1, C1"),
    "alpha_max_c2": Constant(r"\alpha_{\max}^{C2}", alpha_max_c2, "step-size bound of C2 (strict)", "Proposition 1, C2"),
    "alpha_max_c3": Constant(r"\alpha_{\max}^{C3}", alpha_max_c3, "largest step size of C3", "Proposition 1, C3"),
    "c1_rate": Constant(r"\mathrm{rate}_{C1}", c1_rate, "C1's rate, up to the constants and logs O-tilde hides",
                        "Proposition 1, C1"),
    "c2_bound": Constant(r"\mathrm{bound}_{C2}", c2_bound, "C2: bound on the average gap (erratum: fails on non-IID "
                         "data with the printed filter)", "Proposition 1, C2"),
    "c3_bound": Constant(r"\mathrm{bound}_{C3}", c3_bound, "C3: bound on the average squared gradient norm (erratum, as C2)",
                         "Proposition 1, C3"),
    "quasi_strong_radius": Constant(r"r_{\max}", quasi_strong_radius, "Assumption 2 (mu > 0) and ||grad F|| <= G "
                                    "force ||w - w*|| <= r_max (ours)", "Assumption 2 and Proposition 1"),
    "eq7_printed": Constant(r"\mathrm{avg}_{(7)}^{\mathrm{printed}}", eq7_printed, "eq. (7) as printed (erratum)", "eq. (7)"),
    "eq7_corrected": Constant(r"\mathrm{avg}_{(7)}", eq7_corrected, "eq. (7) corrected (ours, from eq. (5))", "eq. (7)"),
    "noise_identity_printed_rhs": Constant(r"t\,\mathbb E\Vert\tfrac1t\textstyle\sum_{i=0}^t\xi^i\Vert^2",
                                           noise_identity_printed_rhs, "right side of the identity after eq. (5), "
                                           "i.i.d. noise (erratum: not sigma^2)", "after eq. (5)"),
    "momentum_variance_factor": Constant(r"\mathrm{Var}(m)/(\alpha^2\sigma^2)", momentum_variance_factor,
                                         "stationary noise variance of the momentum drift (ours)", "eq. (6)"),
    "interval_9": Constant(r"\Delta t_{(9)}", interval_9, "iterations between uploads, as printed, without the O "
                           "constant (erratum in the noise regime)", "eq. (9)"),
    "memory_bound_printed": Constant(r"\overline{\Vert e\Vert^2}", memory_bound_printed, "memory bound of the printed "
                                     "filter (compared with the drift to be applied)", "Algorithm 1, line 8"),
    "memory_bound_alpha_squared": Constant(r"\overline{\Vert e\Vert^2}_{\alpha^2}", memory_bound_alpha_squared,
                                           "memory bound of the alpha^2-scaled filter (ours)", "Algorithm 1, line 8"),
}

_NAMES = dict(C=C, alpha_max_c1=alpha_max_c1, alpha_max_c2=alpha_max_c2, alpha_max_c3=alpha_max_c3,
              c1_rate=c1_rate, c2_bound=c2_bound, c3_bound=c3_bound, quasi_strong_radius=quasi_strong_radius,
              eq7_printed=eq7_printed, eq7_corrected=eq7_corrected, momentum_variance_factor=momentum_variance_factor,
              interval_9=interval_9, interval_9_noise=interval_9_noise, interval_noise_derived=interval_noise_derived,
              beznosikov_rate=beznosikov_rate, memory_bound_printed=memory_bound_printed,
              memory_bound_alpha_squared=memory_bound_alpha_squared)


def expression(name: str) -> sp.Expr:
    try:
        return _NAMES[name]
    except KeyError:
        raise KeyError(f"unknown constant {name!r} of theory.lena; known: {sorted(_NAMES)}") from None


def _sym(x):
    from fractions import Fraction

    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    return sp.sympify(x)


def value(name: str, **values) -> sp.Expr:
    """The exact sympy value of a constant at the given symbol values."""
    expr = expression(name)
    return sp.simplify(expr.subs({sp.Symbol(k, **_assumptions(k)): _sym(v) for k, v in values.items()}))


def _assumptions(name: str) -> dict:
    for s in expression_symbols():
        if s.name == name:
            return s.assumptions0
    return {}


@functools.lru_cache(maxsize=None)
def expression_symbols():
    syms = set()
    for e in _NAMES.values():
        syms |= e.free_symbols
    return tuple(sorted(syms, key=lambda s: s.name))


def numeric(name: str, **values) -> float:
    """float64 value of a constant (lambdified)."""
    expr = expression(name)
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    missing = [s.name for s in syms if s.name not in values]
    if missing:
        raise KeyError(f"{name} needs values for {missing}")
    fn = sp.lambdify(syms, expr, "math")
    return float(fn(*[float(values[s.name]) for s in syms]))
