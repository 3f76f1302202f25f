"""Work 001 (lower bounds for compressed distributed learning, FCC, NEOLITHIC) as sympy expressions.

Source: X. Huang, Y. Chen, W. Yin, K. Yuan, "Lower Bounds and Nearly Optimal Algorithms in
Distributed Learning with Communication Compression" (NeurIPS 2022, arXiv 2206.03665), as presented
on the slides of W. Yin's talk (the seed text of work 001). Every rate, lower bound and transient
complexity of the talk is written here once; the claims registry (``theory/claims/neolithic.py``), the
tests and the book import it.

Symbols (all positive unless said otherwise): ``n`` workers, ``T`` gradient queries (= compression
rounds) per worker, ``K`` iterations of NEOLITHIC (``T = K R``), ``R`` FCC rounds per iteration,
``sigma`` oracle noise, ``L`` smoothness, ``Delta`` initial gap, ``b`` data heterogeneity (Theorem 3),
``G`` gradient bound of MEM-SGD / Double Squeeze / CSER, ``omega >= 0`` (unbiased compressors),
``delta`` in (0, 1] (contractive compressors), ``epsilon`` target accuracy, ``epsilon_fcc`` the
residual factor FCC is run to. Work 001 is non-convex: no strong-convexity constant ``mu`` appears.

The classes of the minimax formulation are in ``DEFINITIONS`` (text and symbols). The rates are
sympy expressions (``CONSTANTS``); the comparison table of the slides is ``TABLE``, with the
rates *as printed* (normalised ``Delta = L = 1``, as the slides write them).

Transient complexity (slide "Existing convergence rate (non-convex)"): the number of iterations
before the linear-speedup term ``sigma / sqrt(n T)`` dominates the rate.
:func:`~theory.neolithic.transient_iterations` derives it symbolically: every other term of the rate is equated with
the linear-speedup term and solved for ``T`` (:func:`sympy.solve`), the largest crossing (in the order
of ``n``, ``1/delta`` and ``1 + omega``) is the transient complexity, and the substitution
``T = lambda T_cross`` shows that the ratio of the two terms is then a power of ``lambda`` alone, i.e.
``T_cross`` is the threshold up to constants, uniformly in every parameter. A term whose ratio to the
linear-speedup term does not vanish as ``T -> oo`` but is unbounded in the parameters (Q-SGD's
``sqrt(1 + omega)``, EF21-SGD's ``sqrt(n / delta^3)``) means no linear speedup at all.

:func:`~theory.neolithic.numeric` (float, lambdified) and :func:`~theory.neolithic.exact` (an exact
:class:`fractions.Fraction`) evaluate a constant by name.
"""
from __future__ import annotations

import dataclasses
import functools
from fractions import Fraction
from typing import Any

import sympy as sp

from theory.constants import Constant

# --- symbols -------------------------------------------------------------------------------------
n, T, K, R = sp.symbols("n T K R", positive=True, integer=True)
sigma, L, Delta, b, G = sp.symbols("sigma L Delta b G", positive=True)
epsilon, epsilon_fcc, lam = sp.symbols("epsilon epsilon_fcc lambda", positive=True)
omega = sp.Symbol("omega", nonnegative=True)
delta = sp.Symbol("delta", positive=True)
#: Auxiliary symbols for order comparisons: ``D = 1/delta >= 1`` and ``W = 1 + omega >= 1``.
D, W = sp.symbols("D W", positive=True)

#: How each parameter makes a term large (the direction in which it is unbounded), used to decide
#: whether a T-independent ratio is bounded by an absolute constant.
_EXTREMES = {n: sp.oo, omega: sp.oo, delta: 0, sigma: 0, b: sp.oo, G: sp.oo, Delta: sp.oo, L: sp.oo}
#: Problem constants set to 1 when the order in (n, 1/delta, 1 + omega) is read off.
PROBLEM_CONSTANTS = (sigma, G, b, Delta, L)


# --- definitions (the minimax formulation) ---------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Definition:
    """A class of the minimax formulation of 001 (functions, oracles, compressors, algorithms).

    Attributes:
        symbol: LaTeX name of the class as the slides write it.
        text: the defining conditions, in words and inline LaTeX.
        parameters: the sympy symbols the class depends on.
        source: where the slides define it.
    """

    symbol: str
    text: str
    parameters: tuple
    source: str


DEFINITIONS = {
    "function_class": Definition(
        r"\mathcal{F}_{\Delta,L}",
        r"local objectives $f_1,\dots,f_n$ with $L$-Lipschitz gradients, "
        r"$\lVert\nabla f_i(x)-\nabla f_i(y)\rVert\le L\lVert x-y\rVert$, and "
        r"$f(x^{(0)})-\inf_x f(x)\le\Delta$ for $f=\frac1n\sum_i f_i$",
        (Delta, L), "001, Assumption 1 (slide 'Function class and gradient oracle class')"),
    "oracle_class": Definition(
        r"\mathcal{O}_{\sigma^2}",
        r"stochastic gradient oracles with $\mathbb{E}[O_i(x;\zeta_i)]=\nabla f_i(x)$ and "
        r"$\mathbb{E}\lVert O_i(x;\zeta_i)-\nabla f_i(x)\rVert^2\le\sigma^2$ for all $x$",
        (sigma,), "001, Assumption 2"),
    "unbiased_compressors": Definition(
        r"\mathcal{U}_{\omega}",
        r"random maps $C$ with $\mathbb{E}[C(x)]=x$ and $\mathbb{E}\lVert C(x)-x\rVert^2\le\omega\lVert x\rVert^2$ "
        r"for all $x$ ($\omega\ge0$; the identity is in $\mathcal{U}_0$)",
        (omega,), "001, Assumption 3 (slide 'Compressor class U_omega')"),
    "contractive_compressors": Definition(
        r"\mathcal{C}_{\delta}",
        r"random maps $C$ with $\mathbb{E}\lVert C(x)-x\rVert^2\le(1-\delta)\lVert x\rVert^2$ for all $x$ "
        r"($\delta\in(0,1]$; the identity is in $\mathcal{C}_1$)",
        (delta,), "001, Assumption 4 (slide 'Compressor class C_delta')"),
    "algorithm_class": Definition(
        r"\mathcal{A}",
        r"server-based synchronous algorithms: worker $i$ compresses with $C_i$, the server with $C_0$ "
        r"($C_0=I$: unidirectional); zero-respecting (the support of the iterates grows only through "
        r"local oracle answers or messages from the server); at most $T$ oracle queries and $T$ "
        r"communication rounds per worker",
        (n, T), "001, slide 'Algorithm class A'"),
    "bounded_heterogeneity": Definition(
        r"b^2",
        r"$\frac1n\sum_i\lVert\nabla f_i(x)-\nabla f(x)\rVert^2\le b^2$ for all $x$ (assumed by Theorem 3; "
        r"Q-SGD's rate also carries $b$)",
        (b,), "001, Theorem 3"),
    "bounded_gradients": Definition(
        r"G",
        r"$\mathbb{E}_i\lVert\nabla f_i(x)\rVert^2\le G$ for all $x$ (assumed by MEM-SGD, Double Squeeze, CSER)",
        (G,), "001, slide 'Existing convergence rate (non-convex)'"),
    "transient_complexity": Definition(
        r"T_{\mathrm{trans}}",
        r"the number of iterations $T$ before the linear-speedup term $\sigma/\sqrt{nT}$ dominates the rate "
        r"(all other terms at most a constant times it)",
        (n, T, sigma), "001, slide 'Existing convergence rate (non-convex)'"),
}

# --- lower bounds and NEOLITHIC's upper bounds (full units) ---------------------------------------
#: The linear-speedup term ``(Delta L sigma^2 / (n T))^(1/2)``.
linear_term = sp.sqrt(Delta * L * sigma**2 / (n * T))
#: Theorem 1 (and Corollary 1): unidirectional/bidirectional unbiased compression, lower bound.
theorem1_lower = linear_term + (1 + omega) * Delta * L / T
#: Corollary 1 (bidirectional unbiased compression): "the same lower bound holds", i.e. Theorem 1's.
corollary1_lower = theorem1_lower
#: Theorem 2: uni/bidirectional contractive compression, lower bound.
theorem2_lower = linear_term + Delta * L / (delta * T)
#: Theorem 3 (NEOLITHIC, contractive), up to the logarithmic factors that O-tilde omits.
theorem3_upper = linear_term + Delta * L / (delta * T)
#: Theorem 4 (NEOLITHIC, unbiased), up to logarithmic factors.
theorem4_upper = linear_term + (1 + omega) * Delta * L / T
#: Conditions on T of the lower bounds (T >= (1 + omega)^2, resp. T >= delta^(-2)).
theorem1_T_min = (1 + omega) ** 2
theorem2_T_min = delta ** -2

#: Parameters quantified in Theorem 2's hypotheses as printed on the slide ("omega >= 0", "omega-unbiased
#: compressors in U_omega": copied from Theorem 1) and as they must read (delta, C_delta).
theorem2_hypotheses_printed = frozenset({Delta, L, n, omega, sigma, T})
theorem2_hypotheses_corrected = frozenset({Delta, L, n, delta, sigma, T})

# --- special cases of Theorem 1 (slide bullets) ------------------------------------------------------
#: Arjevani et al. (2022/2023), stochastic non-convex lower bound: queries to reach E||grad f||^2 <= eps^2.
arjevani_complexity = Delta * L * sigma**2 / epsilon**4 + Delta * L / epsilon**2
#: Carmon et al., deterministic non-convex lower bound.
carmon_complexity = Delta * L / epsilon**2

# --- hard compressors (the mechanism behind the compression terms of the lower bounds) ------------------
#: ``C(x) = (1 + omega) B x`` with ``B ~ Bernoulli(1/(1 + omega))`` (one draw shared by all coordinates):
#: success probability of one round, and the exact variance factor E||C(x)-x||^2 / ||x||^2.
drop_unbiased_p = 1 / (1 + omega)
drop_unbiased_variance = drop_unbiased_p * ((1 + omega) - 1) ** 2 + (1 - drop_unbiased_p) * 1
#: ``C(x) = B x`` with ``B ~ Bernoulli(delta)``: E||C(x) - x||^2 / ||x||^2 = 1 - delta exactly.
drop_contractive_p = delta
drop_contractive_error = drop_contractive_p * 0 + (1 - drop_contractive_p) * 1

# --- FCC and NEOLITHIC bookkeeping ------------------------------------------------------------------
#: Lemma 1: FCC's residual factor after R rounds of a delta-contractive compressor.
fcc_residual = (1 - delta) ** R
#: FCC with R rounds as a contractive compressor.
fcc_delta = 1 - (1 - delta) ** R
#: Rounds that make the residual at most ``epsilon_fcc`` (since ``1 - delta <= exp(-delta)``).
fcc_rounds = sp.log(1 / epsilon_fcc) / delta
#: An omega-unbiased compressor scaled by ``1/(1 + omega)`` is contractive with this delta
#: (E||C/(1+w) - x||^2 = E||C - x||^2/(1+w)^2 + w^2||x||^2/(1+w)^2 <= w/(1+w) ||x||^2).
scaled_unbiased_delta = 1 / (1 + omega)
#: Rate of SGD with exact (lossless) communication, minibatch R per worker, K iterations.
lossless_rate_K = sp.sqrt(Delta * L * sigma**2 / (n * R * K)) + Delta * L / K


# --- NEOLITHIC's budget, and the communication counts of the background slides -----------------------
#: Dimension ``d`` and FedAvg's period ``tau`` (slides "Expensive communication overhead in PSGD",
#: "Lazy communication (Federated Average)").
d, tau = sp.symbols("d tau", positive=True, integer=True)
#: Slide "NEOLITHIC: A nearly optimal algorithm": "For each iteration, NEOLITHIC conducts R gradient
#: calculations and R compressions" (per worker; the server's FCC also makes R compressions).
neolithic_queries_per_iteration = R
neolithic_compressions_per_iteration = R
#: Theorem 3: "T = KR is the total number of gradient queries (communication rounds) on each worker".
neolithic_budget_T = K * R
#: "Given compression round budget T, we shall consider T/R iterations in NEOLITHIC for fair comparison".
neolithic_iterations_for_budget = T / R
#: PSGD's communication over K iterations, up to a constant (values sent to the server): "Global average
#: incurs O(n) comm. overhead; proportional to network size n", "a full model ...; proportional to
#: dimension d", "at every iteration; proportional to iteration numbers".
psgd_communication = n * d * K
#: FedAvg -- "Nodes communicate once every tau iterations": communications in K iterations (up to rounding).
fedavg_communications = K / tau


def neolithic_rate_from_fcc(delta_eff: sp.Expr = delta) -> sp.Expr:
    """NEOLITHIC's rate under the idealisation that FCC's residual ``epsilon_fcc`` is negligible.

    ``K = T/R`` iterations of SGD with an ``R``-sample accumulated gradient and ``R = ln(1/epsilon_fcc)
    / delta_eff`` FCC rounds: ``sqrt(Delta L sigma^2/(n T)) + ln(1/epsilon_fcc) Delta L / (delta_eff T)``.
    With ``delta_eff = delta`` this is Theorem 3's rate times a logarithm on the compression term;
    with ``delta_eff = 1/(1 + omega)`` (scaled unbiased compressors) Theorem 4's.
    """
    rounds = sp.log(1 / epsilon_fcc) / delta_eff
    return lossless_rate_K.subs(K, T / R).subs(R, rounds)


# --- the comparison table of the slides (rates as printed: Delta = L = 1) ----------------------------
@dataclasses.dataclass(frozen=True)
class TableRow:
    """One row of the slides' comparison table ("NEOLITHIC (nearly) attains the optimal convergence rate").

    Attributes:
        algorithm: the row's name on the slide.
        rate: the convergence rate as printed (``Delta = L = 1``).
        transient_printed: the "Trans. Compl." column (None where the slide leaves it empty).
        compression: the "Compression" column.
        bound: ``"lower"`` or ``"upper"``.
        log_factors: True for the O-tilde rows (NEOLITHIC).
    """

    algorithm: str
    rate: sp.Expr
    transient_printed: Any
    compression: str
    bound: str
    log_factors: bool = False


_lin = sigma / sp.sqrt(n * T)
_two_thirds = sp.Rational(2, 3)
TABLE = {
    "theorem-2": TableRow("Theorem 2", _lin + 1 / (delta * T), n / delta**2,
                          "Uni/Bidirectional Contractive", "lower"),
    "theorem-1": TableRow("Theorem 1", _lin + (1 + omega) / T, n * (1 + omega) ** 2,
                          "Uni/Bidirectional Unbiased", "lower"),
    "theorem-3": TableRow("Theorem 3", _lin + 1 / (delta * T), n / delta**2,
                          "Uni/Bidirectional Contractive", "upper", True),
    "theorem-4": TableRow("Theorem 4", _lin + (1 + omega) / T, n * (1 + omega) ** 2,
                          "Uni/Bidirectional Unbiased", "upper", True),
    "qsgd": TableRow("Q-SGD", (sp.sqrt(1 + omega) * sigma + sp.sqrt(omega) * b) / sp.sqrt(n * T), None,
                     "Unidirectional i.i.d, Unbiased", "upper"),
    "mem-sgd": TableRow("MEM-SGD", _lin + G**_two_thirds / (delta**_two_thirds * T**_two_thirds) + 1 / T,
                        n**3 / delta**4, "Unidirectional Contractive", "upper"),
    "double-squeeze": TableRow("Double Squeeze",
                               _lin + G**_two_thirds / (delta**sp.Rational(4, 3) * T**_two_thirds) + 1 / T,
                               n**3 / delta**8, "Bidirectional Contractive", "upper"),
    "cser": TableRow("CSER", _lin + G**_two_thirds / (delta**_two_thirds * T**_two_thirds) + 1 / T,
                     n**3 / delta**4, "Unidirectional Contractive", "upper"),
    "ef21-sgd": TableRow("EF21-SGD", sigma / sp.sqrt(delta**3 * T) + 1 / (delta * T), None,
                         "Unidirectional Contractive", "upper"),
}
#: Q-SGD with the deterministic term the printed row omits; ``(1 + omega/n)/T`` is what standard
#: analyses with independent compressors give (step ``gamma <= 1/((1 + omega/n) L)``).
qsgd_rate_corrected = TABLE["qsgd"].rate + (1 + omega / n) / T
#: "To guarantee sigma/sqrt(nT) <= epsilon, we require T >= sigma^2/(n epsilon^2)".
linear_speedup_T = sigma**2 / (n * epsilon**2)


# --- transient complexity ------------------------------------------------------------------------
@dataclasses.dataclass
class Transient:
    """What :func:`~theory.neolithic.transient_iterations` derived from a rate.

    Attributes:
        rate: the rate analysed.
        linear: its linear-speedup term.
        crossings: each decaying term -> the ``T`` at which it equals the linear-speedup term.
        scaling: each decaying term -> its ratio to the linear-speedup term at ``T = lambda T_cross``
            (a power of ``lambda`` alone when ``T_cross`` is the exact threshold scale).
        blocking: terms whose ratio to the linear-speedup term does not vanish as ``T -> oo`` and is
            not bounded by an absolute constant (term -> ratio): no linear speedup.
        order: the transient complexity in ``n``, ``1/delta``, ``1 + omega`` (problem constants set to
            1, dominated crossings dropped); ``sympy.oo`` when there is no linear speedup.
        dominant: the crossings (with constants) that survive the order comparison.
    """

    rate: sp.Expr
    linear: sp.Expr
    crossings: dict
    scaling: dict
    blocking: dict
    order: sp.Expr
    dominant: list

    @property
    def achieves_linear_speedup(self) -> bool:
        return not self.blocking


def _unbounded(ratio: sp.Expr) -> bool:
    """True if ``ratio`` (free of T) is not bounded by an absolute constant over the parameter ranges."""
    for sym in ratio.free_symbols:
        target = _EXTREMES.get(sym)
        if target is None:
            raise ValueError(f"no known range for symbol {sym} in {ratio}")
        direction = "+" if target == 0 else "-"
        if sp.limit(ratio, sym, target, dir=direction) in (sp.oo, -sp.oo):
            return True
    return False


def order_monomial(expr: sp.Expr) -> dict:
    """Exponents of ``n``, ``D = 1/delta`` and ``W = 1 + omega`` in a monomial (problem constants -> 1).

    Powers of logarithms are ignored (they are what O-tilde hides).

    Raises:
        ValueError: if ``expr`` is not a monomial in these three quantities.
    """
    e = expr.subs({c: 1 for c in PROBLEM_CONSTANTS}).subs({delta: 1 / D, omega: W - 1})
    e = sp.powsimp(sp.expand_power_base(sp.simplify(e), force=True), force=True)
    _, rest = e.as_coeff_Mul()
    powers = {}
    for factor in sp.Mul.make_args(rest):
        base, exp = factor.as_base_exp()
        if isinstance(base, sp.log):
            continue
        if base not in (n, D, W) or not exp.is_number:
            raise ValueError(f"{expr} is not a monomial in n, 1/delta, 1 + omega (factor {factor})")
        powers[base] = powers.get(base, 0) + exp
    return {s: powers.get(s, 0) for s in (n, D, W)}


def _dominated(a: dict, b_: dict) -> bool:
    """Monomial a is O(monomial b) over n >= 1, 1/delta >= 1, 1 + omega >= 1."""
    return all(a[s] <= b_[s] for s in (n, D, W))


def transient_iterations(rate: sp.Expr, linear: sp.Expr | None = None, T_sym: sp.Symbol = T) -> Transient:
    """Derive the transient complexity of ``rate`` by equating each term with the linear-speedup term.

    Args:
        rate: a sum of terms in ``T`` and the parameters (e.g. ``TABLE["mem-sgd"].rate``).
        linear: the linear-speedup term (default ``sigma / sqrt(n T)``, the slides' normalisation).
        T_sym: the iteration symbol.

    Returns:
        A :class:`~theory.neolithic.Transient`; ``order`` is the complexity in ``n``, ``1/delta``, ``1 + omega``.
    """
    linear = sigma / sp.sqrt(n * T_sym) if linear is None else linear
    crossings, scaling, blocking = {}, {}, {}
    for term in sp.Add.make_args(rate):
        ratio = sp.simplify(term / linear)
        if ratio == 1:
            continue
        if T_sym not in ratio.free_symbols:
            if _unbounded(ratio):
                blocking[term] = ratio
            continue
        if sp.limit(ratio, T_sym, sp.oo) != 0:
            blocking[term] = ratio
            continue
        roots = [r for r in sp.solve(sp.Eq(ratio, 1), T_sym) if r.is_positive is not False]
        if len(roots) != 1:
            raise ValueError(f"expected one positive crossing for {term}, got {roots}")
        crossings[term] = roots[0]
        scaling[term] = sp.simplify(sp.powsimp(ratio.subs(T_sym, lam * roots[0]), force=True))
    if blocking:
        return Transient(rate, linear, crossings, scaling, blocking, sp.oo, [])
    mons = {term: order_monomial(tc) for term, tc in crossings.items()}
    keep = [t for t in crossings
            if not any(u is not t and _dominated(mons[t], mons[u]) and mons[t] != mons[u] for u in crossings)]
    # equal monomials: keep one representative
    reps, seen = [], []
    for t in keep:
        if mons[t] not in seen:
            seen.append(mons[t])
            reps.append(t)
    order = sp.Add(*[_monomial_expr(mons[t]) for t in reps])
    return Transient(rate, linear, crossings, scaling, blocking, order, [crossings[t] for t in reps])


def _monomial_expr(powers: dict) -> sp.Expr:
    return n ** powers[n] * delta ** (-powers[D]) * (1 + omega) ** powers[W]


def same_order(a: sp.Expr, b_: sp.Expr) -> bool:
    """``a`` and ``b_`` have the same exponents of ``n``, ``1/delta``, ``1 + omega`` (constants ignored)."""
    if a == sp.oo or b_ == sp.oo or a is None or b_ is None:
        return a == b_
    return order_monomial(a) == order_monomial(b_)


def complexity_from_rate(rate: sp.Expr, accuracy: sp.Expr = epsilon, T_sym: sp.Symbol = T) -> sp.Expr:
    """Queries needed for ``rate <= accuracy^2``, term by term (sum of the per-term thresholds).

    Up to a factor 2 (number of terms) this is the iteration complexity equivalent to the rate.
    """
    out = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(rate)):
        roots = [r for r in sp.solve(sp.Eq(term, accuracy**2), T_sym) if r.is_positive is not False]
        if len(roots) != 1:
            raise ValueError(f"expected one positive solution for {term} = {accuracy}^2, got {roots}")
        out += roots[0]
    return sp.simplify(out)


@functools.lru_cache(maxsize=None)
def table_transient(row: str) -> Transient:
    """:func:`~theory.neolithic.transient_iterations` of the table row ``row`` (a key of ``TABLE``), cached."""
    return transient_iterations(TABLE[row].rate)


# --- constants exported for the book, tests and notebooks ------------------------------------------
CONSTANTS = {
    "linear_term": Constant(r"\sqrt{\Delta L\sigma^2/(nT)}", linear_term,
                            "the linear-speedup term (PSGD's rate)", "001, slides on transient iterations"),
    "theorem1_lower": Constant(r"\Omega_{\mathcal{U}_\omega}", theorem1_lower,
                               "lower bound, uni/bidirectional unbiased compression (T >= (1+omega)^2)",
                               "001, Theorem 1 and Corollary 1"),
    "theorem2_lower": Constant(r"\Omega_{\mathcal{C}_\delta}", theorem2_lower,
                               "lower bound, uni/bidirectional contractive compression (T >= delta^-2)",
                               "001, Theorem 2"),
    "theorem3_upper": Constant(r"\tilde O_{\mathrm{NEOLITHIC},\,\mathcal{C}_\delta}", theorem3_upper,
                               "NEOLITHIC, contractive compressors, up to log factors", "001, Theorem 3"),
    "theorem4_upper": Constant(r"\tilde O_{\mathrm{NEOLITHIC},\,\mathcal{U}_\omega}", theorem4_upper,
                               "NEOLITHIC, unbiased compressors, up to log factors", "001, Theorem 4"),
    "theorem1_T_min": Constant(r"T_{\min}^{(1)}", theorem1_T_min, "Theorem 1 assumes T >= (1+omega)^2",
                               "001, Theorem 1"),
    "theorem2_T_min": Constant(r"T_{\min}^{(2)}", theorem2_T_min, "Theorem 2 assumes T >= delta^-2",
                               "001, Theorem 2 (printed 'delta^-22')"),
    "arjevani_complexity": Constant(r"T_{\mathrm{Arjevani}}(\epsilon)", arjevani_complexity,
                                    "stochastic non-convex lower bound (queries for E||grad f||^2 <= eps^2)",
                                    "Arjevani et al.; 001, bullet under Theorem 1"),
    "carmon_complexity": Constant(r"T_{\mathrm{Carmon}}(\epsilon)", carmon_complexity,
                                  "deterministic non-convex lower bound", "Carmon et al.; 001, bullet under Theorem 1"),
    "fcc_residual": Constant(r"(1-\delta)^R", fcc_residual, "FCC residual factor after R rounds",
                             "001, Lemma 1"),
    "fcc_delta": Constant(r"\delta_R", fcc_delta, "FCC with R rounds as a contractive compressor",
                          "001, Lemma 1"),
    "fcc_rounds": Constant(r"R(\epsilon_{\mathrm{fcc}})", fcc_rounds,
                           "rounds making (1-delta)^R <= epsilon_fcc (1 - delta <= e^-delta)", "derived here"),
    "scaled_unbiased_delta": Constant(r"\delta_{C/(1+\omega)}", scaled_unbiased_delta,
                                      "an omega-unbiased compressor scaled by 1/(1+omega) is this contractive",
                                      "derived here (FCC with unbiased compressors)"),
    "drop_unbiased_variance": Constant(r"\omega_{\mathrm{drop}}", sp.simplify(drop_unbiased_variance),
                                       "variance factor of C(x) = (1+omega) Bernoulli(1/(1+omega)) x",
                                       "derived here (hard compressor, Theorem 1)"),
    "drop_contractive_error": Constant(r"1-\delta_{\mathrm{drop}}", sp.simplify(drop_contractive_error),
                                       "error factor of C(x) = Bernoulli(delta) x",
                                       "derived here (hard compressor, Theorem 2)"),
    "linear_speedup_T": Constant(r"T_{\epsilon}", linear_speedup_T,
                                 "iterations for sigma/sqrt(nT) <= epsilon", "001, transient slide"),
    "qsgd_rate_corrected": Constant(r"\mathrm{rate}_{\text{Q-SGD}}^{\text{corrected}}", qsgd_rate_corrected,
                                    "Q-SGD row with the omitted deterministic term (Delta = L = 1)",
                                    "001 comparison table (corrected)"),
    "neolithic_budget_T": Constant(r"T", neolithic_budget_T, "gradient queries = communication rounds per worker "
                                   "in K iterations of NEOLITHIC", "001, Theorem 3 (T = KR)"),
    "neolithic_queries_per_iteration": Constant(r"q_{\mathrm{iter}}", neolithic_queries_per_iteration,
                                                "gradient queries per worker per NEOLITHIC iteration",
                                                "001, slide 'NEOLITHIC: A nearly optimal algorithm'"),
    "neolithic_compressions_per_iteration": Constant(r"c_{\mathrm{iter}}", neolithic_compressions_per_iteration,
                                                     "compressions per worker per NEOLITHIC iteration",
                                                     "001, slide 'NEOLITHIC: A nearly optimal algorithm'"),
    "neolithic_iterations_for_budget": Constant(r"K(T)", neolithic_iterations_for_budget,
                                                "NEOLITHIC iterations for a budget of T compression rounds",
                                                "001, slide 'NEOLITHIC: A nearly optimal algorithm'"),
    "psgd_communication": Constant(r"\mathrm{comm}_{\mathrm{PSGD}}", psgd_communication,
                                   "PSGD's communication in K iterations, up to a constant",
                                   "001, slide 'Expensive communication overhead in PSGD'"),
    "fedavg_communications": Constant(r"\mathrm{comm}_{\mathrm{FedAvg}}", fedavg_communications,
                                      "FedAvg's communications in K iterations (once every tau)",
                                      "001, slide 'Lazy communication (Federated Average)'"),
}
for _key, _row in TABLE.items():
    _name = _key.replace("-", "_")
    CONSTANTS[f"rate_{_name}"] = Constant(rf"\mathrm{{rate}}_{{\text{{{_row.algorithm}}}}}", _row.rate,
                                          f"{_row.algorithm}: rate as printed (Delta = L = 1)",
                                          "001, comparison table")
    if _row.transient_printed is not None:
        CONSTANTS[f"transient_{_name}_printed"] = Constant(
            rf"T_{{\mathrm{{trans}}}}^{{\text{{{_row.algorithm}}}}}", _row.transient_printed,
            f"{_row.algorithm}: transient complexity as printed", "001, comparison table")

_ALL = {name: const.expr for name, const in CONSTANTS.items()}


@functools.lru_cache(maxsize=None)
def _lambdified(name: str):
    expr = _ALL[name]
    names = sorted(str(v) for v in expr.free_symbols)
    syms = sorted(expr.free_symbols, key=str)
    fn = sp.lambdify(syms, expr, modules=["math"])
    return fn, names


def numeric(name: str, **values) -> float:
    """Evaluate constant ``name`` of ``CONSTANTS`` in floating point."""
    if name not in _ALL:
        raise KeyError(f"unknown constant {name!r}; known: {', '.join(sorted(_ALL))}")
    fn, names = _lambdified(name)
    missing = [v for v in names if v not in values]
    if missing:
        raise ValueError(f"constant {name} needs values for: {', '.join(missing)}")
    return float(fn(*[float(values[v]) for v in names]))


def exact(name: str, **values) -> Fraction:
    """Evaluate constant ``name`` exactly (rational inputs); raises if the result is irrational."""
    if name not in CONSTANTS:
        raise KeyError(f"unknown constant {name!r}; known: {', '.join(sorted(CONSTANTS))}")
    value = CONSTANTS[name].evaluate(**values)
    if not value.is_Rational:
        raise ValueError(f"constant {name} is not rational at these parameters: {value}")
    return Fraction(int(value.p), int(value.q))
