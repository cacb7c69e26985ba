package ltv

import "math"

const (
	// xTab: customers with x ≤ xTab repeat purchases use per-x constants
	// computed in New (log-gamma terms of the 1-z expansion, crossover
	// points). Beyond it the Maclaurin series alone converges fast at any z,
	// because its terms carry 1/(a+b+x)_k.
	xTab = 40
	// maxCount and maxAge clamp the repaired input (purchases; periods).
	// The model has no meaning there and the clamp keeps every intermediate
	// finite.
	maxCount = 1e12
	maxAge   = 1e12
	// sigmaMin: the B-factored 1-z expansion needs σ = x+r+1-a ≥ sigmaMin
	// (it is uniform in the distance of σ from an integer, but σ → 0 is the
	// m = 0 logarithmic case, which it does not cover).
	sigmaMin = 0.05
	// maxTermsA / maxTermsB cap the series loops of the two expansions.
	maxTermsA = 20000
	maxTermsB = 5000
	// maxTermsPathA: with no 1-z expansion available (mode C), the Maclaurin
	// series is still used while it needs fewer than this many terms.
	maxTermsPathA = 400
)

// Expansion used for z above a customer's crossover point.
const (
	modeA uint8 = iota // Maclaurin series in z only
	modeB              // B-factored 1-z connection series (fast path)
	modeC              // general Hyp2F1 (rare parameter corners)
)

// Result is the output of Score.
type Result struct {
	PAlive            float64 // P(alive | history)
	ExpectedPurchases float64 // E[Y(Horizon) | history], purchases in the next Horizon periods
	ExpectedAOV       float64 // Gamma-Gamma conditional mean value of one purchase
	CLV               float64 // discounted margin over the horizon, see Model.Score
}

// Model is a validated parameter set with everything that does not depend on
// the customer precomputed. It is immutable after New and safe for concurrent
// use.
type Model struct {
	p         Params
	invPeriod float64 // 1/PeriodDays
	capA      float64 // A = a+b-1-r  (Euler-reduced first parameter)
	capB      float64 // B = a-1      (Euler-reduced second parameter)
	n         int     // Steps
	tk        [MaxSteps]float64
	omega     [MaxSteps]float64 // ω_k = d(t_k) - d(t_{k+1}), d(t_{n+1}) = 0
	popAOV    float64           // p·gamma/(q-1)
	newH      float64           // H(Horizon) for x = tx = T = 0
	newDisc   float64           // Σ ω_k H(t_k) for x = tx = T = 0
	xc        [xTab + 1]xConst
}

// xConst holds the per-x constants for x = 0..xTab.
type xConst struct {
	lnPA float64 // ln(a/(b+x-1)) for x ≥ 1
	zc   float64 // Maclaurin series for z ≤ zc, the mode's expansion above
	mode uint8
	bc   bConst
}

// bConst are the constants of the B-factored connection expansion (doc.go):
// with s = r+x, b' = b+x, c = a+b+x-1, A = c-s, B = a-1, σ = x+r+1-a = m+δ,
//
//	H/c = -E1(B, ln w + κ) - w^B·R,
//	R   = K1·Σ_{1≤n<m} ĥ_n w^n + Ct·w^m·(D0·SA(w) + w^δ·SB(w)),
//
// where K1 = e^(Bκ) = Γ(c)Γ(σ)/(Γ(s)Γ(b')), D0 = -E1(δ, ln w + Cλ) and SA,
// SB are power series in w whose coefficients depend on x only.
type bConst struct {
	c, m, delta float64
	kappa       float64 // ln(K1)/B, computed without cancellation
	emBk        float64 // e^(-Bκ)
	k1          float64 // K1
	h1          float64 // ĥ_1
	ct          float64 // K·(-1)^m·(πδ/sin πδ)·P̃0
	clam        float64 // Cλ
	emDC        float64 // e^(-δ·Cλ)
	q0          float64 // q̄_0 = sign·e^(δ·Cλ)
	sgnLam      float64 // sign of Γ(A+m+δ)/Γ(A+m)
}

// New validates p and precomputes the customer-independent parts: step
// times and discount weights, per-x log-gamma constants of the series
// expansions and their crossover points, and the complete result for a
// brand-new customer.
func New(p Params) (*Model, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m := &Model{p: p, invPeriod: 1 / p.PeriodDays, n: p.Steps}
	m.capA = p.A + p.B - 1 - p.R
	m.capB = p.A - 1
	m.popAOV = p.P * p.Gamma / (p.Q - 1)

	// Discounting: d(t) = (1+rate)^(-t·PeriodDays/365). Σ_k d_k (H_k - H_{k-1})
	// is summed by parts as Σ_k ω_k H_k with ω_k = d_k - d_{k+1} ≥ 0, which
	// needs no per-step differences at score time.
	rho := math.Log1p(p.DiscountRate) * p.PeriodDays / 365
	h := p.Horizon / float64(p.Steps)
	for k := 0; k < p.Steps; k++ {
		t := h * float64(k+1)
		if k == p.Steps-1 {
			t = p.Horizon
		}
		m.tk[k] = t
		d := math.Exp(-rho * t)
		if k == p.Steps-1 {
			m.omega[k] = d
		} else {
			m.omega[k] = -d * math.Expm1(-rho*h)
		}
	}
	for x := 0; x <= xTab; x++ {
		m.xc[x] = m.initX(float64(x))
	}
	m.newDisc, m.newH = m.hGrid(0, p.Alpha)
	return m, nil
}

// initX computes the constants for integer x.
func (m *Model) initX(x float64) xConst {
	p := &m.p
	var xc xConst
	if x >= 1 {
		xc.lnPA = math.Log(p.A) - math.Log(p.B+x-1)
	}
	s := p.R + x
	bp := p.B + x
	c := p.A + p.B + x - 1
	A, B := m.capA, m.capB
	sigma := x + p.R + 1 - p.A

	xc.mode = modeA
	xc.zc = 1
	costA := func(z float64) float64 { return termsNeeded(-math.Log(z), sigma+1) }

	if bc, ok := newBConst(A, B, s, bp, c, sigma); ok {
		xc.mode, xc.bc = modeB, bc
		// Largest z for which the Maclaurin series is estimated cheaper than
		// the 1-z series (terms ~ j^(c-2) w^j plus m head terms; an
		// iteration of the latter costs about twice as much).
		costB := func(z float64) float64 {
			return 2 * (bc.m + termsNeeded(-math.Log1p(-z), 2-c))
		}
		xc.zc = crossover(func(z float64) bool { return costA(z) <= costB(z) })
		return xc
	}
	if math.Abs(B) >= 0.05 && math.Abs(c) >= 1e-3 && !isNonPosInt(c) && !isNonPosInt(A) {
		xc.mode = modeC
		xc.zc = crossover(func(z float64) bool { return costA(z) <= maxTermsPathA })
	}
	return xc
}

// crossover returns the largest z in [0.5, 1) with pred(z) true, assuming
// pred is true below some point and false above it (0.5 if false at 0.5).
func crossover(pred func(z float64) bool) float64 {
	lo, hi := 0.5, 1-1e-12
	if !pred(lo) {
		return lo
	}
	if pred(hi) {
		return 1
	}
	for i := 0; i < 60; i++ {
		mid := 0.5 * (lo + hi)
		if pred(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// newBConst computes the constants of the B-factored connection expansion,
// or ok = false where it does not apply: σ < sigmaMin, c ≤ 0, A a
// non-positive integer (the Maclaurin series then terminates anyway) or A+m
// at a pole of Γ.
func newBConst(A, B, s, bp, c, sigma float64) (bc bConst, ok bool) {
	if !(sigma >= sigmaMin) || !(c > 0) || isNonPosInt(A) || sigma > connMaxM {
		return bc, false
	}
	m := math.Floor(sigma + 0.5)
	if m < 1 {
		m = 1 // δ in (-1, -1/2]: keeps the factor B explicit (see doc.go)
	}
	d := sigma - m
	if isNonPosInt(A+m) || isNonPosInt(A+m+d) {
		return bc, false
	}
	bc.c, bc.m, bc.delta = c, m, d
	// κ = (ln Γ(c) + ln Γ(σ) - ln Γ(s) - ln Γ(b'))/B, with c = b'+B, s = σ+B.
	k1, _ := lgammaDiff(bp, B)
	k2, _ := lgammaDiff(sigma, B)
	bc.kappa = k1 - k2
	bc.k1 = math.Exp(B * bc.kappa)
	bc.emBk = math.Exp(-B * bc.kappa)
	bc.h1 = A / (1 - m - d)

	// K = Γ(c)/(Γ(s)Γ(b')), P̃0 = (A)_m (B+1)_{m-1} / (m! Γ(1-δ)).
	lc, _ := math.Lgamma(c)
	ls, _ := math.Lgamma(s)
	lb, _ := math.Lgamma(bp)
	mi := int(m)
	lpa, spa := lnPoch(A, mi)
	lpb, spb := lnPoch(B+1, mi-1)
	lm, _ := math.Lgamma(m + 1)
	l1d, _ := math.Lgamma(1 - d)
	fac := 1.0
	if d != 0 {
		fac = math.Pi * d / math.Sin(math.Pi*d)
	}
	sgn := float64(spa * spb)
	if mi&1 == 1 {
		sgn = -sgn
	}
	bc.ct = sgn * fac * math.Exp(lc-ls-lb+lpa+lpb-lm-l1d)

	d1, t1 := lgammaDiff(A+m, d)
	d2, t2 := lgammaDiff(B+m, d)
	d3, _ := lgammaDiff(1+m, d)
	d4, _ := lgammaDiff(1, -d)
	bc.clam = d1 + d2 - d3 - d4
	bc.sgnLam = t1 * t2
	bc.emDC = math.Exp(-d * bc.clam)
	bc.q0 = bc.sgnLam * math.Exp(d*bc.clam)
	if !finite(bc.kappa) || !finite(bc.ct) || !finite(bc.clam) || !finite(bc.k1) || !finite(bc.emBk) || bc.emDC == 0 {
		return bc, false
	}
	return bc, true
}

// repair maps raw history to a consistent one (same units in and out):
// NaN x or T (or NaN tx with x > 0) means the history is missing → a brand-new
// customer (0, 0, 0); NaN tx with x = 0 is the usual "no repeat purchase"
// encoding → 0; negatives → 0; x is a count and is truncated to an integer;
// tx > T → tx = T; +Inf and huge values are clamped (x ≤ 1e12, T ≤ 1e12
// periods after conversion by the caller).
func repair(x, tx, T float64) (float64, float64, float64) {
	if math.IsNaN(x) || math.IsNaN(T) || (math.IsNaN(tx) && x > 0) {
		return 0, 0, 0
	}
	if !(x > 0) {
		x = 0
	}
	x = math.Floor(math.Min(x, maxCount))
	if !(T > 0) {
		T = 0
	}
	T = math.Min(T, maxAge)
	if !(tx > 0) || x == 0 {
		tx = 0 // also NaN tx with x = 0
	}
	if tx > T {
		tx = T
	}
	return x, tx, T
}

// PAlive returns P(alive | x, tx, T) (periods):
//
//	1 / (1 + δ(x>0)·a/(b+x-1)·((α+T)/(α+tx))^(r+x)),
//
// evaluated as a logistic of the log-odds (r+x)·log1p((T-tx)/(α+tx)) +
// ln(a/(b+x-1)) so that huge x or T give 0 instead of Inf/Inf. Input is
// repaired as in Score.
func (m *Model) PAlive(x, tx, T float64) float64 {
	x, tx, T = repair(x, tx, T)
	return m.pAlive(x, tx, T)
}

func (m *Model) pAlive(x, tx, T float64) float64 {
	if x == 0 {
		return 1
	}
	var l float64
	if x <= xTab {
		l = m.xc[int(x)].lnPA
	} else {
		l = math.Log(m.p.A) - math.Log(m.p.B+x-1)
	}
	l += (m.p.R + x) * math.Log1p((T-tx)/(m.p.Alpha+tx))
	return 1 / (1 + math.Exp(l))
}

// ConditionalExpectedPurchases returns E[Y(t) | x, tx, T], the expected number
// of purchases in (T, T+t] (all in periods):
//
//	E = P(alive) · H,  H = c/(a-1) · [1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)],
//	c = a+b+x-1, z = t/(α+T+t).
//
// H is evaluated without the removable singularity at a = 1 and without
// overflow (see doc.go). Input is repaired as in Score; t ≤ 0 or NaN gives 0.
func (m *Model) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	x, tx, T = repair(x, tx, T)
	if !(t > 0) {
		return 0
	}
	t = math.Min(t, maxAge)
	h := m.hOne(x, m.p.Alpha+T, t)
	return clampOut(m.pAlive(x, tx, T) * h)
}

// Score values one customer. x is the number of repeat purchases, tx the time
// of the last one and T the customer's age (time since the first purchase),
// tx and T in DAYS (divided by PeriodDays here); zbar is the mean value of the
// repeat purchases (NaN if unknown). Inconsistent input is repaired, never
// rejected: NaN x or T means no history — a brand-new customer, x = tx = T = 0;
// negative values become 0, tx > T becomes T, x is truncated to an integer, and
// huge values are clamped. The outputs are always finite and non-negative.
//
//	PAlive            = P(alive | x, tx, T)
//	ExpectedPurchases = E[Y(Horizon) | x, tx, T]
//	ExpectedAOV       = Gamma-Gamma conditional mean (see ExpectedAOV)
//	CLV               = Margin × ExpectedAOV × Σ_{k=1..Steps} d(t_k)·(E[Y(t_k)] - E[Y(t_{k-1})])
//
// with t_k = k·Horizon/Steps periods, t_0 = 0 and d(t) =
// (1+DiscountRate)^(-t·PeriodDays/365): the purchases expected during a step
// are discounted at the step's end. Score does not allocate.
func (m *Model) Score(x, tx, T, zbar float64, out *Result) {
	x, tx, T = repair(x, tx*m.invPeriod, T*m.invPeriod)
	pa := m.pAlive(x, tx, T)
	var disc, last float64
	if x == 0 && T == 0 {
		disc, last = m.newDisc, m.newH
	} else {
		disc, last = m.hGrid(x, m.p.Alpha+T)
	}
	aov := m.ExpectedAOV(x, zbar)
	out.PAlive = pa
	out.ExpectedPurchases = clampOut(pa * last)
	out.ExpectedAOV = aov
	out.CLV = clampOut(m.p.Margin * aov * pa * disc)
}

// clampOut keeps outputs in [0, MaxFloat64]: overflowing products of clamped
// inputs become MaxFloat64, and round-off below zero becomes 0.
func clampOut(v float64) float64 {
	if v > math.MaxFloat64 {
		return math.MaxFloat64
	}
	if !(v > 0) {
		return 0
	}
	return v
}

// stepVars are the per-step quantities of one horizon point t for a
// customer with α+T = aT: z = t/(aT+t), w = 1-z = aT/(aT+t), lw = ln w.
func stepVars(aT, t float64) (z, w, lw float64) {
	den := aT + t
	z = t / den
	w = aT / den
	u := t / aT
	if u < 1e300 {
		lw = -math.Log1p(u)
	} else {
		lw = math.Log(aT) - math.Log(den)
	}
	return
}

// hOne returns H(t) for one horizon point.
func (m *Model) hOne(x, aT, t float64) float64 {
	z, w, lw := stepVars(aT, t)
	xi := -1
	if x <= xTab {
		xi = int(x)
	}
	var hv [4]float64
	var zs, ws, lws [4]float64
	zs[3], ws[3], lws[3] = z, w, lw
	if m.pathB(xi, z) {
		m.evalB(xi, x, 3, &zs, &ws, &lws, &hv)
	} else {
		m.evalA(x, &zs, &ws, &lws, &hv)
	}
	return hv[3]
}

// pathB reports whether H at z uses the mode's 1-z expansion.
func (m *Model) pathB(xi int, z float64) bool {
	return xi >= 0 && m.xc[xi].mode != modeA && z > m.xc[xi].zc
}

// hGrid returns Σ_k ω_k H(t_k) and H(t_n) over the model's step grid. Steps
// are evaluated four at a time so that the series coefficients, which depend
// only on x, are generated once per group. Steps with small z (early in the
// horizon) use the Maclaurin series, the rest the 1-z expansion; since z
// increases with t the two groups are contiguous.
func (m *Model) hGrid(x, aT float64) (disc, last float64) {
	xi := -1
	if x <= xTab {
		xi = int(x)
	}
	var zs, ws, lws, hv [4]float64
	var idx [4]int
	nl := 0
	curB := false
	for k := 0; k < m.n; k++ {
		z, w, lw := stepVars(aT, m.tk[k])
		b := m.pathB(xi, z)
		if nl > 0 && (nl == 4 || b != curB) {
			disc += m.evalLanes(xi, x, nl, curB, &zs, &ws, &lws, &hv, &idx)
			nl = 0
		}
		curB = b
		// Lanes are filled from the top so that lane 3 holds the largest z.
		zs[nl], ws[nl], lws[nl], idx[nl] = z, w, lw, k
		nl++
	}
	disc += m.evalLanes(xi, x, nl, curB, &zs, &ws, &lws, &hv, &idx)
	last = hv[3]
	return disc, last
}

// evalLanes evaluates nl ≤ 4 steps held in lanes 0..nl-1 (ascending z),
// shifting them to lanes 4-nl..3, and returns Σ ω H over them. hv[3] is left
// holding H for the largest z of the group.
func (m *Model) evalLanes(xi int, x float64, nl int, useB bool, zs, ws, lws, hv *[4]float64, idx *[4]int) float64 {
	sh := 4 - nl
	if sh > 0 {
		for l := 3; l >= sh; l-- {
			zs[l], ws[l], lws[l], idx[l] = zs[l-sh], ws[l-sh], lws[l-sh], idx[l-sh]
		}
		for l := 0; l < sh; l++ {
			zs[l], ws[l], lws[l], idx[l] = 0, 1, 0, -1
		}
	}
	if useB {
		m.evalB(xi, x, sh, zs, ws, lws, hv)
	} else {
		m.evalA(x, zs, ws, lws, hv)
	}
	s := 0.0
	for l := sh; l < 4; l++ {
		s += m.omega[idx[l]] * hv[l]
	}
	return s
}

// evalA evaluates H by the Maclaurin series of the Euler-reduced function
// (doc.go): H = -c·E1(B, ln w) - w^B·Σ_{k≥1} e_k z^k with e_1 = A,
// e_{k+1} = e_k (A+k)(a+k-1)/((c+k)(k+1)). Lanes with z = 0 give 0.
func (m *Model) evalA(x float64, zs, ws, lws, hv *[4]float64) {
	A, B := m.capA, m.capB
	c := m.p.A + m.p.B + x - 1
	am1 := m.p.A - 1
	z0, z1, z2, z3 := zs[0], zs[1], zs[2], zs[3]
	t0, t1, t2, t3 := A*z0, A*z1, A*z2, A*z3
	s0, s1, s2, s3 := t0, t1, t2, t3
	// Stop when the lane with the largest z has converged relative to the
	// scale of H/c there (|ln w| bounds the first part); the other lanes'
	// terms are smaller by (z_l/z_3)^k.
	scale := math.Abs(lws[3]) * c
	if scale < math.Abs(A*z3) {
		scale = math.Abs(A * z3)
	}
	thr := roundoff * scale
	for k := 1.0; k < maxTermsA; k++ {
		r := (A + k) * (am1 + k) / ((c + k) * (k + 1))
		t0 *= r * z0
		t1 *= r * z1
		t2 *= r * z2
		t3 *= r * z3
		s0 += t0
		s1 += t1
		s2 += t2
		s3 += t3
		if math.Abs(t3) <= thr {
			break
		}
	}
	hv[0] = hFromA(B, c, lws[0], s0)
	hv[1] = hFromA(B, c, lws[1], s1)
	hv[2] = hFromA(B, c, lws[2], s2)
	hv[3] = hFromA(B, c, lws[3], s3)
}

// hFromA combines H = -c·E1(B, L) - w^B·S with w^B = 1 + expm1(B·L).
func hFromA(B, c, lw, s float64) float64 {
	if lw == 0 {
		return 0
	}
	em := math.Expm1(B * lw)
	var e1 float64
	if B == 0 {
		e1 = lw
	} else {
		e1 = em / B
	}
	return clampH(-c*e1 - (1+em)*s)
}

// clampH keeps H finite and non-negative (H ≥ 0 mathematically; tiny negative
// values are round-off, overflow can only come from clamped extreme input).
func clampH(h float64) float64 {
	if h > math.MaxFloat64 {
		return math.MaxFloat64
	}
	if !(h > 0) {
		return 0
	}
	return h
}

// evalB evaluates H for lanes lo..3 with the per-x expansion of mode B (the
// B-factored connection series) or, in mode C, with Hyp2F1.
func (m *Model) evalB(xi int, x float64, lo int, zs, ws, lws, hv *[4]float64) {
	xc := &m.xc[xi]
	if xc.mode == modeC {
		s := m.p.R + x
		bp := m.p.B + x
		c := m.p.A + m.p.B + x - 1
		for l := lo; l < 4; l++ {
			g := scaleExp(Hyp2F1(s, bp, c, zs[l]), s*lws[l])
			hv[l] = clampH(c * (1 - g) / m.capB)
		}
		return
	}
	bc := &xc.bc
	A, B := m.capA, m.capB
	d := bc.delta
	mm := bc.m
	var d0, wd, hd, sa, sb, pw [4]float64
	for l := lo; l < 4; l++ {
		lam := lws[l] + bc.clam
		if bc.sgnLam > 0 {
			em := math.Expm1(d * lam)
			d0[l] = -expm1OverE(d, lam, em)
			wd[l] = (1 + em) * bc.emDC
		} else {
			e := math.Exp(d * lam)
			d0[l] = (1 + e) / d
			wd[l] = e * bc.emDC
		}
	}
	// Head: Σ_{1≤n<m} ĥ_n w^n; afterwards pw = w^(m-1).
	for l := lo; l < 4; l++ {
		pw[l] = 1
	}
	h := bc.h1
	for n := 1.0; n < mm; n++ {
		for l := lo; l < 4; l++ {
			pw[l] *= ws[l]
			hd[l] += h * pw[l]
		}
		h *= (A + n) * (B + n) / ((1 - mm - d + n) * (n + 1))
	}
	for l := lo; l < 4; l++ {
		pw[l] *= ws[l] // w^m
	}
	wm := pw
	// Tails SA = Σ α_j w^j, SB = Σ β_j w^j (α_0 = 1, β_0 = 0).
	for l := lo; l < 4; l++ {
		pw[l] = 1
		sa[l] = 1
	}
	alpha, beta, qb := 1.0, 0.0, bc.q0
	for j := 0.0; j < maxTermsB; j++ {
		Aj := A + mm + j
		Bj := B + mm + j
		M := 1 + mm + j
		J := 1 + j
		rP := Aj * Bj / (M * (J - d))
		rQ := (Aj + d) * (Bj + d) / ((M + d) * J)
		dr := (Aj*Bj*(J+M) - (Aj+Bj)*M*J + d*M*(Aj+Bj-J) + d*d*M) / (M * (M + d) * (J - d) * J)
		beta = rP*beta + qb*dr
		alpha *= rP
		qb *= rQ
		done := true
		for l := lo; l < 4; l++ {
			pw[l] *= ws[l]
			ta := alpha * pw[l]
			tb := beta * pw[l]
			sa[l] += ta
			sb[l] += tb
			if math.Abs(d0[l]*ta)+math.Abs(wd[l]*tb) > roundoff*(math.Abs(d0[l]*sa[l])+math.Abs(wd[l]*sb[l])) {
				done = false
			}
		}
		if done && j >= 2 {
			break
		}
	}
	for l := lo; l < 4; l++ {
		lk := lws[l] + bc.kappa
		em := math.Expm1(B * lk)
		e1 := expm1OverE(B, lk, em)
		wB := (1 + em) * bc.emBk
		r := bc.k1*hd[l] + bc.ct*wm[l]*(d0[l]*sa[l]+wd[l]*sb[l])
		hv[l] = clampH(bc.c * (-e1 - wB*r))
	}
}

// expm1OverE is expm1(e·y)/e given em = expm1(e·y); y at e = 0.
func expm1OverE(e, y, em float64) float64 {
	if e == 0 {
		return y
	}
	return em / e
}

// LogLikelihoodBGNBD returns the BG/NBD log-likelihood Σ_i ln L(r,α,a,b | x_i,
// tx_i, T_i) (Fader, Hardie & Lee 2005, eq. 6), with the two-term sum done as
// a log-sum-exp so that it is finite for any data:
//
//	ln L = ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
//	     + ln[ (α+T)^-(r+x) + δ(x>0)·a/(b+x-1)·(α+tx)^-(r+x) ].
//
// x must be repeat-purchase counts (0, 1, 2, ...) and 0 ≤ tx ≤ T, in any one
// time unit (the fitted α is in that unit). Parameters outside the domain
// (not all > 0 and finite) give -Inf; slices of different lengths give NaN.
func LogLikelihoodBGNBD(r, alpha, a, b float64, x, tx, T []float64) float64 {
	if len(x) != len(tx) || len(x) != len(T) {
		return math.NaN()
	}
	if !(r > 0 && alpha > 0 && a > 0 && b > 0) || !finite(r) || !finite(alpha) || !finite(a) || !finite(b) {
		return math.Inf(-1)
	}
	lr, _ := math.Lgamma(r)
	lab, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(b)
	la := math.Log(a)
	base := r*math.Log(alpha) - lr + lab - lb
	ll := 0.0
	for i := range x {
		xi, ti, Ti := x[i], tx[i], T[i]
		l1, _ := math.Lgamma(r + xi)
		l2, _ := math.Lgamma(b + xi)
		l3, _ := math.Lgamma(a + b + xi)
		rx := r + xi
		a3 := -rx * math.Log(alpha+Ti)
		v := a3
		if xi > 0 {
			a4 := la - math.Log(b+xi-1) - rx*math.Log(alpha+ti)
			if a4 > a3 {
				v = a4 + math.Log1p(math.Exp(a3-a4))
			} else {
				v = a3 + math.Log1p(math.Exp(a4-a3))
			}
		}
		ll += base + l1 + l2 - l3 + v
	}
	return ll
}
