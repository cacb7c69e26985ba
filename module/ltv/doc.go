// Package ltv scores a shopper's customer lifetime value with the BG/NBD
// purchase model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
// Way") and the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and
// CLV"). It runs on every page load, compiled to WebAssembly at the CDN edge,
// so Score is allocation-free, calls no interfaces and keeps its inner loops
// free of function calls; the non-test code imports only math and errors.
//
// # Units
//
// The model is fitted in some period (weeks for the published CDNOW fit);
// Params.R, Alpha, A, B and Horizon are in that period. Score takes the
// customer's history in days and divides by Params.PeriodDays. PAlive,
// ConditionalExpectedPurchases, LogLikelihoodBGNBD and the fitting functions
// work in periods.
//
// # Formulas
//
// For a customer with x repeat purchases, the last at tx, first purchase T
// periods ago (0 ≤ tx ≤ T):
//
//	P(alive) = 1 / (1 + δ(x>0)·a/(b+x-1)·((α+T)/(α+tx))^(r+x))
//	E[Y(t)]  = P(alive) · H(x, z),     z = t/(α+T+t) ∈ [0,1),   w = 1-z,
//	H(x, z)  = c/(a-1) · [1 - w^(r+x) 2F1(r+x, b+x; c; z)],   c = a+b+x-1,
//	E[Z]     = p(γ + x·zbar)/(p·x + q - 1)                     (Gamma-Gamma)
//	CLV      = Margin · E[Z] · Σ_{k=1..Steps} d(t_k)·(E[Y(t_k)] - E[Y(t_{k-1})]),
//	           t_k = k·Horizon/Steps, t_0 = 0, d(t) = (1+DiscountRate)^(-t·PeriodDays/365).
//
// H is the expected number of purchases in the next t periods of a customer
// who is alive; it depends on the history only through x and z. Equivalently
// H = E[(1 - (1+p·u)^-(r+x))/p] with p ~ Beta(a, b+x), u = t/(α+T): finite
// for every a, b > 0 at finite t, which is why Params does not require a > 1
// (a ≤ 1 only makes the infinite-horizon expectation diverge). The factor
// 1/(a-1) is a removable singularity.
//
// # Evaluating H
//
// Reduction. With A = a+b-1-r and B = a-1 the Euler transformation gives
// w^(r+x) 2F1(r+x, b+x; c; z) = w^B Φ(z), Φ = 2F1(A, B; c; z). Only c depends
// on x. This removes two hazards of the textbook form at once: 2F1(r+x, b+x;
// c; z) itself grows like w^(a-1-r-x) (10^601 for x = 200, z = 0.999, beyond
// float64, which is why the lifetimes package needs a fallback branch), and
// its Maclaurin terms grow for large x before they decay. Φ's terms carry
// 1/(c)_k, so for large x its series converges in a few terms at any z.
//
// Maclaurin expansion ("path A"). Writing Φ = 1 + B·S'(z) and using
// E1(B, y) = expm1(B·y)/B,
//
//	H = -c·E1(B, ln w) - w^B·Σ_{k≥1} e_k z^k,
//	e_1 = A,  e_{k+1} = e_k (A+k)(a-1+k)/((c+k)(k+1)),
//
// which contains neither 1/(a-1) nor 1/c: a = 1 and a+b = 1 (c = 0 at x = 0)
// are ordinary points, with no case split and no loss of precision near them.
// Its terms behave like k^(-σ-1) z^k with σ = x+r+1-a, so for small x it needs
// hundreds to thousands of terms as z → 1 — which is exactly the new-customer
// case (T = 0, t = 52 weeks, α = 4.4 gives z = 0.92).
//
// Connection expansion ("path B"). Around z = 1 the 1-z connection formula
// turns Φ into series in w, which converge fastest where the Maclaurin series
// is slowest. Its two classical terms each carry Γ(±σ), i.e. a 1/sin(πδ) pole
// where δ is the distance of σ from its nearest integer m (δ is the same for
// all integer x, so a model with a-r near an integer would be ill-conditioned
// for every customer). They are combined analytically into one form that is
// uniform in δ, including δ = 0 (the logarithmic case): only differences of
// log-gamma functions divided by δ occur, computed without cancellation by
// lgammaDiff, and the pole-free recurrence D_{j+1} = rP_j D_j + Q_j (rP_j -
// rQ_j)/δ. The factor B = a-1 is kept explicit as well (Φ = K1 + B·R with
// K1 = Γ(c)Γ(σ)/(Γ(s)Γ(b')) = e^(Bκ)), so that H/c = -E1(B, ln w + κ) - w^B·R is
// again regular at a = 1. All log-gamma constants depend on x only and are
// computed in New for x ≤ 40; beyond that path A is fast at every z. The
// parameter corners this form does not cover — σ < 0.001 (small x with
// a > r+0.999) or c ≤ 0 (x = 0 with a+b ≤ 1) — use the general Hyp2F1 for z
// above the crossover ("mode C"), dividing by B directly, which costs
// log10(1/|a-1|) digits. If also |a-1| < 1e-4 (so r < 0.001 and a within
// 1e-4 of 1: nearly nobody buys, a corner no fit of real data produces) only
// path A remains for x = 0, capped at 20,000 terms: about 1e-8 relative error
// at z = 0.999, and unreliable beyond z ≈ 0.9995 (horizons over ~2000·(α+T)).
// This is the one known accuracy gap; outputs stay finite there.
//
// Which one. For each x, New estimates the terms each expansion needs as a
// function of z (k^p·ρ^k decaying to roundoff) and stores the crossover z;
// Score picks per step. The worst case over z is then a few tens of terms
// rather than thousands. (For r+x < 0.05, where H ∝ r+x and the connection
// form cancels more than the Maclaurin one, path A is kept up to 400 terms.)
//
// Tables for the hot path. Even so, the CDNOW regime (T ≈ 27-39 weeks,
// 52-week horizon, z ≈ 0.2-0.65) needs 20-70 series terms per step, plus a
// logarithm and an expm1 per step, about 400 ns per Score. Because H depends
// on (x, z) only, New tabulates g = H/z for x ≤ 15 (99.6% of CDNOW customers)
// as Chebyshev interpolants on dyadic intervals of w, [2^-(i+1), 2^-i], up to
// the largest z a Score can produce, Horizon/(α+Horizon). H/z is analytic at
// z = 0 (uniform relative accuracy down to z → 0) and its only finite
// singularity is the branch point z = 1, one interval length away from each
// interval, so every interval has Bernstein-ellipse parameter 3+√8 ≈ 5.83 and
// 22 coefficients reach ~1e-17. The node values come from the series above.
// A Score step then costs a division, a few comparisons and a 22-term
// Clenshaw recurrence; four steps run interleaved so their multiply-add
// latencies overlap. New takes ~1-1.5 ms; a Model is ~33 KB, 23 KB of it
// tables.
//
// Accuracy. Against 60-digit mpmath on 3,330 (x, tx, T, t) rows over 15
// parameter regimes (including a = 1, a-r integer and within 1e-9 of one,
// r+1-a = 1e-4, a+b < 1, tiny and huge α, a, r): relative error ≤ 1.5e-13,
// except r ≤ 0.01 (E ∝ r, every closed form cancels to ~c/r) at up to 5e-12.
// Against the lifetimes formulas evaluated with scipy: ≤ 1.4e-11 on the 2,541
// rows where that
// float64 formula is usable, the scipy side being the less accurate one (it
// fails outright at a = 1, for large x and in cancellation; see
// testdata/gen_golden.py). Score's four outputs match their definitions
// evaluated in mpmath to 1e-14 (testdata/clv.csv).
//
// # Hyp2F1
//
// The exported Hyp2F1 uses the same two ideas for general real parameters:
// Pfaff to map z < 0 into (0,1), Euler to make c-a-b ≥ 0 (decaying Maclaurin
// terms), and then the Maclaurin series or the δ-uniform connection formula,
// whichever needs fewer terms. Against mpmath it is within 5e-13 on 3,472
// cases (BG/NBD shapes for x ≤ 200 and z ≤ 0.999, c-a-b integer or within
// 1e-12..0.1 of one, negative z down to -999, a generic grid including
// negative c). Where a Maclaurin sum cancels heavily (negative c, large
// alternating terms) it can lose more (7e-12 was seen in development).
// scipy 1.10's hyp2f1 returns NaN or
// errors up to 4e-3 on 172 of these cases; the tests compare with scipy only
// where scipy agrees with mpmath.
//
// # Robustness
//
// P(alive) is a logistic of its log-odds (r+x)·log1p((T-tx)/(α+tx)) +
// ln(a/(b+x-1)), so huge x or T give 0 (or a subnormal) instead of Inf/Inf.
// Score repairs its input (NaN history → new customer, negatives → 0,
// tx > T → T, x truncated to an integer, values clamped to 1e12) and clamps
// its outputs to [0, MaxFloat64], so it returns finite non-negative values for
// any input; the tests sweep x up to 1e12, T and t up to 1e12 and 1e9
// periods, and α, a, r over several orders of magnitude.
//
// # Fitting
//
// FitBGNBD and FitGammaGamma maximise the likelihoods with Nelder–Mead on the
// log-parameters (deterministic, restarted until no improvement). On CDNOW
// they give r = 0.24259, α = 4.41353, a = 0.79289, b = 2.42576 (log-likelihood
// -9582.43; published 0.243, 4.414, 0.793, 2.426, -9582.4) and p = 6.2488,
// q = 3.7446, γ = 15.4477 (published 6.25, 3.74, 15.44).
package ltv
