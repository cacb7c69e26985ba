#!/usr/bin/python3
"""Generate golden values for package ltv's tests.

Run from module/ltv with the Debian interpreter (scipy 1.10.1, numpy, mpmath):

    /usr/bin/python3 testdata/gen_golden.py

Writes
  testdata/hyp2f1.csv  a,b,c,z,scipy,mpmath
      scipy.special.hyp2f1 and mpmath.hyp2f1 (60 digits) over a grid: the BG/NBD
      shapes (r+x, b+x, a+b+x-1) and their Euler/Pfaff-transformed forms for
      x = 0..200 and z up to 0.999, cases with c-a-b integer or within 1e-12..0.1
      of an integer, negative z, and a small generic grid. 'inf' marks values
      beyond the float64 range.
  testdata/bgnbd.csv   r,alpha,a,b,x,tx,T,t,E_scipy,PA_scipy,E_mp,PA_mp,scipy_ok
      E[Y(t)|x,tx,T] and P(alive|x,tx,T) computed with the formulas of the
      `lifetimes` package written out with scipy (float64) -- an independent,
      straightforward implementation -- and again with mpmath at 60 digits.
      scipy_ok = 0 marks rows where the float64 formula is unusable (overflow,
      0/0 at a = 1, or cancellation: disagreement with mpmath above 1e-11);
      those rows are still checked against the mpmath column.
  testdata/clv.csv     steps,horizon,rate,margin,x,tx_days,T_days,zbar,PAlive,
                       ExpectedPurchases,ExpectedAOV,CLV
      Score's outputs for CDNOW customers (published BG/NBD and Gamma-Gamma
      estimates, weekly periods, history in days) under four valuation
      configurations, from the documented CLV definition in mpmath.

Nothing here uses package ltv's own output.
"""
import csv
import math
import os
import sys

import mpmath
import numpy as np
from scipy.special import hyp2f1, expit

mpmath.mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))
CDNOW = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "cdnow",
                     "cdnow_customers_summary.csv")


def fmt(v):
    if isinstance(v, mpmath.mpf):
        if mpmath.isinf(v) or abs(v) > mpmath.mpf("1.7e308"):
            return "inf" if v > 0 else "-inf"
        return mpmath.nstr(v, 17, min_fixed=-1, max_fixed=-1)
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


# ---------------------------------------------------------------- hyp2f1 grid
PARAMSETS = [
    # r, alpha, a, b
    (0.243, 4.414, 0.793, 2.426),  # CDNOW, Fader-Hardie-Lee 2005
    (0.5, 10.0, 1.5, 3.0),         # a > 1
    (0.3, 5.0, 1.0, 2.0),          # a = 1 (removable singularity)
    (0.25, 5.0, 1.25, 2.5),        # a - r integer: c-a-b integer for every x
    (0.25, 5.0, 1.25 + 1e-9, 2.5), # ... and within 1e-9 of an integer
    (0.2, 3.0, 0.3, 0.5),          # a + b < 1
    (2.5, 20.0, 4.0, 1.2),         # large r and a
]
# Extra BG/NBD parameter regimes for bgnbd.csv only.
EXTREME_PARAMSETS = [
    (0.001, 10.0, 0.9, 2.0),       # tiny r: E ∝ r, strong cancellation
    (40.0, 10.0, 2.0, 5.0),        # large r
    (0.5, 10.0, 50.0, 80.0),       # large a and b
    (0.5, 10.0, 0.01, 1.0),        # tiny a
    (0.06, 2.0, 1.0, 0.2),         # a = 1 with small r and b
    (0.5, 1e-6, 0.8, 3.0),         # tiny alpha
    (0.01, 5.0, 1.0, 2.0),         # a = 1 and r + 1 - a = 0.01 (near the m = 0 log case)
    (0.3, 5.0, 1.2999, 2.0),       # r + 1 - a = 1e-4: c-a-b within 1e-4 of 0 at x = 0
]
XS = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200]
ZS = [1e-3, 0.1, 0.5, 0.7, 0.9, 0.95, 0.99, 0.999]


def hyp_rows():
    rows = set()
    for (r, _alpha, a, b) in PARAMSETS:
        for x in XS:
            A, B, C = r + x, b + x, a + b + x - 1
            for z in ZS:
                rows.add((A, B, C, z))                      # direct shape
                rows.add((C - A, C - B, C, z))              # Euler-reduced
                u = z / (1 - z)
                rows.add((A, a - 1, C, -u))                 # Pfaff form, z<0
    base = [(0.5, 0.5), (1.2, 0.7), (0.3, 1.7), (2.0, 3.0),
            (0.243, 2.426), (-0.207, 1.976), (5.3, 7.1)]
    for (a, b) in base:
        for m in [-3, -1, 0, 1, 2, 5, 8]:
            for eps in [0, 1e-12, -1e-12, 1e-7, -1e-4, 0.01, -0.1]:
                c = a + b + m + eps
                if c <= 0 and c == math.floor(c):
                    continue
                for z in [0.55, 0.9, 0.99, 0.999]:
                    rows.add((a, b, c, z))
    gen = [-4.5, -0.5, 0.25, 1.0, 2.5, 7.0]
    for a in gen:
        for b in [0.3, 1.7, 4.2]:
            for c in [0.6, 3.3, 9.0, -2.5]:
                for z in [-20.0, -0.9, 0.2, 0.65, 0.85, 0.97]:
                    rows.add((a, b, c, z))
    return sorted(rows)


def gen_hyp2f1(path):
    worst = 0.0
    n = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["a", "b", "c", "z", "scipy", "mpmath"])
        for (a, b, c, z) in hyp_rows():
            ref = mpmath.hyp2f1(a, b, c, z)
            sp = hyp2f1(a, b, c, z)
            w.writerow([repr(a), repr(b), repr(c), repr(z), fmt(sp), fmt(ref)])
            n += 1
            if np.isfinite(sp) and ref != 0 and abs(ref) < mpmath.mpf("1e300"):
                rel = float(abs((mpmath.mpf(sp) - ref) / ref))
                if rel > worst:
                    worst = rel
    print(f"hyp2f1.csv: {n} rows; max |scipy/mpmath-1| = {worst:.3g}")


# ---------------------------------------------------------------- BG/NBD
def lifetimes_E(r, alpha, a, b, x, tx, T, t):
    """lifetimes' conditional_expected_number_of_purchases_up_to_time (float64)."""
    r, alpha, a, b, x, tx, T, t = map(np.float64, (r, alpha, a, b, x, tx, T, t))
    _a = r + x
    _b = b + x
    _c = a + b + x - 1
    _z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        ln_hyp = np.log(hyp2f1(_a, _b, _c, _z))
        ln_alt = np.log(hyp2f1(_c - _a, _c - _b, _c, _z)) + (_c - _a - _b) * np.log(1 - _z)
        if np.isinf(ln_hyp):
            ln_hyp = ln_alt
        first = (a + b + x - 1) / (a - 1)
        second = 1 - np.exp(ln_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T)))
        num = first * second
        den = 1 + (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return float(num / den)


def lifetimes_PA(r, alpha, a, b, x, tx, T):
    """lifetimes' conditional_probability_alive (float64)."""
    if x == 0:
        return 1.0
    r, alpha, a, b, x, tx, T = map(np.float64, (r, alpha, a, b, x, tx, T))
    with np.errstate(all="ignore"):
        log_div = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(a / (b + max(x, 1) - 1))
        return float(expit(-log_div))


def mp_E_alive(r, alpha, a, b, x, T, t):
    r, alpha, a, b, x, T, t = map(mpmath.mpf, (r, alpha, a, b, x, T, t))
    z = t / (alpha + T + t)
    c = a + b + x - 1
    g = (1 - z) ** (r + x) * mpmath.hyp2f1(r + x, b + x, c, z)
    return c / (a - 1) * (1 - g)


def mp_E(r, alpha, a, b, x, tx, T, t):
    if a == 1:
        # removable singularity: symmetric average at a = 1 ± 1e-25 (error ~1e-50)
        h = mpmath.mpf("1e-25")
        ea = (mp_E_alive(r, alpha, 1 + h, b, x, T, t) + mp_E_alive(r, alpha, 1 - h, b, x, T, t)) / 2
    else:
        ea = mp_E_alive(r, alpha, a, b, x, T, t)
    return ea * mp_PA(r, alpha, a, b, x, tx, T)


def mp_PA(r, alpha, a, b, x, tx, T):
    if x == 0:
        return mpmath.mpf(1)
    r, alpha, a, b, x, tx, T = map(mpmath.mpf, (r, alpha, a, b, x, tx, T))
    ld = (r + x) * mpmath.log((alpha + T) / (alpha + tx)) + mpmath.log(a / (b + x - 1))
    return 1 / (1 + mpmath.exp(ld))


def mp_E_quad(r, alpha, a, b, x, tx, T, t):
    """Independent check of the hypergeometric formula: E = P(alive) ·
    E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p], p ~ Beta(a, b+x)."""
    r, alpha, a, b, x, T, t = map(mpmath.mpf, (r, alpha, a, b, x, T, t))
    u = t / (alpha + T)
    s = r + x
    bb = b + x
    f = lambda p: -mpmath.expm1(-s * mpmath.log1p(p * u)) / p * p ** (a - 1) * (1 - p) ** (bb - 1)
    return mpmath.quad(f, [0, mpmath.mpf(1) / 1000, mpmath.mpf(1) / 10, 1]) / mpmath.beta(a, bb) * mp_PA(r, alpha, a, b, x, tx, T)


def read_cdnow():
    out = []
    with open(CDNOW) as f:
        rd = csv.reader(f)
        next(rd)
        for row in rd:
            out.append((float(row[1]), float(row[2]), float(row[3])))
    return out


def bg_rows():
    rows = []
    cd = read_cdnow()
    pub = PARAMSETS[0]
    # CDNOW customers: the first 40, every customer with x >= 8, Hardie's example.
    pick = cd[:40] + [c for c in cd if c[0] >= 8]
    for (x, tx, T) in pick:
        for t in [1.0, 13.0, 39.0, 52.0, 104.0]:
            rows.append(pub + (x, tx, T, t))
    # Extremes and every parameter regime.
    for ps in PARAMSETS + EXTREME_PARAMSETS:
        for x in [0, 1, 2, 5, 15, 100, 1000]:
            for T in [0.0, 0.1, 10.0, 100.0, 10000.0]:
                for txf in ([0.0] if x == 0 else [0.5, 1.0]):
                    for t in [0.5, 52.0, 10000.0]:
                        rows.append(ps + (x, txf * T, T, t))
    return rows


def gen_bgnbd(path):
    rows = bg_rows()
    bad = 0
    worst = 0.0
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["r", "alpha", "a", "b", "x", "tx", "T", "t",
                    "E_scipy", "PA_scipy", "E_mp", "PA_mp", "scipy_ok"])
        for (r, alpha, a, b, x, tx, T, t) in rows:
            e_sp = lifetimes_E(r, alpha, a, b, x, tx, T, t)
            pa_sp = lifetimes_PA(r, alpha, a, b, x, tx, T)
            e_mp = mp_E(r, alpha, a, b, x, tx, T, t)
            pa_mp = mp_PA(r, alpha, a, b, x, tx, T)
            ok = 1
            for sp, mp in ((e_sp, e_mp), (pa_sp, pa_mp)):
                if not math.isfinite(sp):
                    ok = 0
                elif mp == 0:
                    ok = ok if sp == 0 else 0
                else:
                    rel = float(abs((mpmath.mpf(sp) - mp) / mp))
                    if rel > 1e-11:
                        ok = 0
                    else:
                        worst = max(worst, rel)
            bad += 1 - ok
            w.writerow([repr(r), repr(alpha), repr(a), repr(b), repr(float(x)), repr(float(tx)),
                        repr(float(T)), repr(float(t)), fmt(e_sp), fmt(pa_sp), fmt(e_mp), fmt(pa_mp), ok])
    print(f"bgnbd.csv: {len(rows)} rows; {bad} rows where the float64 lifetimes formula is "
          f"unusable (scipy_ok=0); max |scipy/mpmath-1| on the others = {worst:.3g}")
    # Cross-check the hypergeometric closed form itself against direct quadrature.
    qworst = 0.0
    nq = 0
    for (r, alpha, a, b, x, tx, T, t) in rows[:: max(1, len(rows) // 60)]:
        if x > 100 or t / (alpha + T) > 1e3 or a < 0.1:
            continue  # quadrature itself is unreliable there
        e1 = mp_E(r, alpha, a, b, x, tx, T, t)
        e2 = mp_E_quad(r, alpha, a, b, x, tx, T, t)
        nq += 1
        if e1 != 0:
            qworst = max(qworst, float(abs(e1 / e2 - 1)))
    print(f"closed form vs quadrature on {nq} sampled rows: max rel diff {qworst:.3g}")


# ---------------------------------------------------------------- CLV
GG = (6.25, 3.74, 15.44)  # published Gamma-Gamma p, q, gamma


def mp_aov(x, zbar):
    p, q, g = map(mpmath.mpf, GG)
    if x == 0 or zbar is None:
        return p * g / (q - 1)
    x, zbar = mpmath.mpf(x), mpmath.mpf(zbar)
    return p * (g + x * zbar) / (p * x + q - 1)


def gen_clv(path):
    """Score outputs for CDNOW customers (history in days, PeriodDays = 7):
    CLV = margin * AOV * sum_k d(t_k) (E[Y(t_k)] - E[Y(t_{k-1})])."""
    cd = []
    with open(os.path.join(os.path.dirname(CDNOW), "cdnow_customers_summary_with_transactions.csv")) as f:
        rd = csv.reader(f)
        next(rd)
        for row in rd:
            cd.append((float(row[1]), float(row[2]), float(row[3]), float(row[4])))
    pick = cd[:12] + [c for c in cd if c[0] >= 10][:8]
    r, alpha, a, b = PARAMSETS[0]
    configs = [(4, 52.0, 0.10, 1.0), (12, 52.0, 0.10, 0.3), (1, 39.0, 0.0, 1.0), (64, 260.0, 1.0, 0.5)]
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["steps", "horizon", "rate", "margin", "x", "tx_days", "T_days", "zbar",
                    "PAlive", "ExpectedPurchases", "ExpectedAOV", "CLV"])
        for (steps, hz, rate, margin) in configs:
            for (x, tx, T, zbar) in pick:
                z = None if x == 0 else zbar
                tot, prev = mpmath.mpf(0), mpmath.mpf(0)
                for k in range(1, steps + 1):
                    tk = mpmath.mpf(hz) * k / steps
                    e = mp_E(r, alpha, a, b, x, tx, T, tk)
                    d = (1 + mpmath.mpf(rate)) ** (-tk * 7 / 365)
                    tot += d * (e - prev)
                    prev = e
                aov = mp_aov(x, z)
                clv = margin * aov * tot
                w.writerow([steps, repr(hz), repr(rate), repr(margin), repr(x), repr(tx * 7), repr(T * 7),
                            repr(zbar) if z is not None else "nan",
                            fmt(mp_PA(r, alpha, a, b, x, tx, T)), fmt(prev), fmt(aov), fmt(clv)])
    print(f"clv.csv: {len(configs) * len(pick)} rows")


if __name__ == "__main__":
    os.chdir(HERE)
    gen_hyp2f1(os.path.join(HERE, "hyp2f1.csv"))
    gen_bgnbd(os.path.join(HERE, "bgnbd.csv"))
    gen_clv(os.path.join(HERE, "clv.csv"))
    sys.exit(0)
