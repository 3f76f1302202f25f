"""Targets of 000 (IADE / AIADE / IADE-SGD, Ye, Xiao and Sun 2020).

The paper reports no experiment: its measurable statements are Table 1 (rates and bits per
communication), the contribution that AIADE's total bits to an accuracy beat earlier methods (Section
1.1), and Theorem 5.2 (IADE-SGD's linear rate under the weak growth condition). Each is measured by one
of our figures; the settings are ours (the paper prints none), so nothing here is a substitute for a
printed experiment.
"""
from __future__ import annotations

from reproductions.targets.registry import Measured, Target, Tolerance

PAPER = "iade"
RATE_TOL = Tolerance("abs", 0.15, "the O~ of Table 1 hides logarithms (ln k in AIADE's G(k)); 0.15 keeps slope 1 "
                                  "and slope 1/2 apart with margin on four decades of kappa")


KAPPA_FULL_FAILS = ("`repro run iade-kappa-scaling --full` stops with an error at kappa = 1e4: AIADE's lattice code "
                    "exceeds T <= 2^62 at iteration 271 (radius 8e5 against a quantization error 8e-4); the quick run "
                    "(kappa <= 1e3) is what the notebook shows")


def _slope(name):
    def measure(r):
        return (r.get("slope") or {}).get(name)
    return measure


def _constant_bits(r):
    row = (r.get("rows") or {}).get("IADE")
    if not row:
        return None
    first, last = row["bits_per_worker_iteration_first"], row["bits_per_worker_iteration_last"]
    return Measured(first == last, note=f"IADE: {first:g} bits per worker per iteration at k = 1, {last:g} at the end")


def _aiade_fewest(r):
    rows = r.get("rows") or {}
    reached = {n: row["total_bits_to_target"] for n, row in rows.items() if row.get("iterations_to_target")}
    if "AIADE" not in reached:
        return Measured(False, note="AIADE did not reach the target")
    others = {n: b for n, b in reached.items() if n != "AIADE"}
    note = "total Mbit to the target: " + ", ".join(f"{n} {b / 1e6:.3g}" for n, b in reached.items())
    if "IADE" in reached:
        losing = [n for n, b in others.items() if n != "IADE" and b < reached["IADE"]]
        if losing:
            note += f"; IADE needs more than {', '.join(losing)} (its O(kappa) iterations cost more than it saves per " \
                    "iteration)"
    return Measured(all(reached["AIADE"] < b for b in others.values()), note=note)


def _sgd_linear(r):
    if "measured_rate" not in r:
        return None
    rate, cp, stderr = r["measured_rate"], r["c_prime"], r.get("measured_rate_stderr")
    slack = 3 * stderr if stderr is not None else 0.0   # older stored runs did not record the fit's error
    caveat = None
    if cp < rate <= cp + slack:
        caveat = (f"the fitted rate is {(rate - cp) / stderr:.1f} standard errors above c' (within the tolerance); "
                  "Theorem 5.2's bound itself holds at every k of the run (iade_sgd_mean_sq_dist.csv); whether the "
                  "asymptotic rate is slower than c' is not established (a longer run would say)")
    return Measured(rate <= cp + slack, caveat=caveat,
                    note=f"measured rate {rate:.5f}" + (f" +- {stderr:.5f} (bootstrap over runs)" if stderr else "")
                         + f", Theorem 5.2's c' = {cp:.5f}, SGD's c = {r['c']:.4f} ({r['runs']} runs, K = {r['K']})")


TARGETS = [
    Target("iade.table-1.iade-rate", PAPER, "Table 1, row IADE (Theorem 3.1)",
           "IADE's iterations to a fixed accuracy grow like kappa: log-log slope against kappa", 1.0,
           "L-smooth, mu-strongly convex f, large-memory star network; no experiment printed",
           "quadratics with kappa = 10 .. 1e4, relative accuracy 1e-6 (full mode)", RATE_TOL,
           figure="iade-kappa-scaling", measure=_slope("IADE"), unit="slope", note=KAPPA_FULL_FAILS),
    Target("iade.table-1.aiade-rate", PAPER, "Table 1, row AIADE (Theorem 4.1)",
           "AIADE's iterations to a fixed accuracy grow like sqrt(kappa): log-log slope against kappa", 0.5,
           "as for IADE", "as for IADE", RATE_TOL, figure="iade-kappa-scaling", measure=_slope("AIADE"),
           unit="slope", note=KAPPA_FULL_FAILS),
    Target("iade.table-1.bits-per-communication", PAPER,
           "Table 1 (bits per communication O(d log L)); Section 1.1, second contribution",
           "IADE's quantization costs a constant number of bits per iteration", True,
           "no experiment printed", "a9a ridge logistic regression (lam = 0.01), all 32561 rows, 10 workers",
           Tolerance("holds", 0, "a count of bits is exact: the first and last iterations must cost the same"),
           figure="iade-bits", measure=_constant_bits),
    Target("iade.section-1.1.total-bits", PAPER, "Section 1.1 (contributions) and Section 6",
           "AIADE reaches an accuracy with fewer total bits than the earlier methods (QSGD, DQGD) and than "
           "32-bit gradient descent", True,
           "no experiment printed", "a9a logistic regression, relative distance 1e-3 to x*; IADE, AIADE, QSGD and "
                                    "DQGD with s = 16, 32-bit GD",
           Tolerance("holds", 0, "an ordering of measured totals; AIADE must need strictly fewer bits than every "
                                 "other method that reaches the target"),
           figure="iade-bits", measure=_aiade_fewest),
    Target("iade.theorem-5.2.iade-sgd-rate", PAPER, "Theorem 5.2; Section 1.1, last contribution",
           "IADE-SGD converges linearly under the weak growth condition, at a rate no slower than c'", True,
           "limited-memory setting, WGC; no experiment printed",
           "interpolating least squares (d = 10, N = 4, 50 rows per worker), 200 Monte Carlo runs, K = 400",
           Tolerance("holds", 0, "the fitted rate of the Monte Carlo mean must not exceed c' by more than 3 "
                                 "bootstrap standard errors of the fit (over the runs)"),
           figure="iade-sgd-wgc", measure=_sgd_linear,
           gap_cause="not established: the fitted rate exceeds c' by more than 3 standard errors"),
]
