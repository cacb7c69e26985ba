package ltv

import (
	"math"

	"github.com/edgescore/edgescore/module/internal/fmath"
)

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
	// sigmaMin: the B-factored 1-z expansion needs σ = x+r+1-a ≥ sigmaMin.
	// It is uniform in the distance of σ from an integer, except at σ → 0
	// (the m = 0 logarithmic case), which it reaches only through a factor
	// ~1/σ that costs log10(1/σ) digits: at most 3 here.
	sigmaMin = 1e-3
	// bMinC: mode C divides 1 - w^(r+x)·2F1 by B = a-1 and loses
	// log10(1/|B|) digits to cancellation: at most 4 here.
	bMinC = 1e-4
	// maxTermsA / maxTermsB cap the series loops of the two expansions.
	maxTermsA = 20000
	maxTermsB = 5000
	// maxTermsPathA: with no 1-z expansion available (mode C), the Maclaurin
	// series is still used while it needs fewer than this many terms.
	maxTermsPathA = 400
	// kTab: the Maclaurin ratio uses tables for its first kTab terms.
	kTab = 256
	// xCheb, nCheb, nIntMax: H(x, ·) is tabulated for x ≤ xCheb (99.6% of
	// the CDNOW customers) as Chebyshev series with nCheb terms on up to
	// nIntMax dyadic intervals of w = 1-z (see initCheb).
	xCheb   = 15
	nCheb   = 22
	nIntMax = 8
	// tolA: a Maclaurin term below tolA·c·|ln w| no longer matters to H at
	// the 1e-14 level (the tail after it is at most a few times larger).
	tolA = 0x1p-50
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
	tk        [maxSteps]float64
	omega     [maxSteps]float64 // ω_k = d(t_k) - d(t_{k+1}), d(t_{n+1}) = 0
	popAOV    float64           // p·gamma/(q-1)
	newH      float64           // H(Horizon) for x = tx = T = 0
	newDisc   float64           // Σ ω_k H(t_k) for x = tx = T = 0
	xc        [xTab + 1]xConst
	pTab      [kTab]float64        // (A+k)(a-1+k)/(k+1)
	rcTab     [xTab + kTab]float64 // 1/(a+b-1+i)
	nInt      int                  // tabulated intervals
	cheb      [xCheb + 1][nIntMax][nCheb]float64
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
	rho := fmath.Log1p(p.DiscountRate) * p.PeriodDays / 365
	h := p.Horizon / float64(p.Steps)
	for k := 0; k < p.Steps; k++ {
		t := h * float64(k+1)
		if k == p.Steps-1 {
			t = p.Horizon
		}
		// Horizons beyond maxAge periods (absurd, but finite and valid)
		// are evaluated at maxAge, as ConditionalExpectedPurchases does.
		m.tk[k] = math.Min(t, maxAge)
		d := fmath.Exp(-rho * t)
		if k == p.Steps-1 {
			m.omega[k] = d
		} else {
			m.omega[k] = -d * fmath.Expm1(-rho*h)
		}
	}
	for k := 1; k < kTab; k++ {
		fk := float64(k)
		m.pTab[k] = (m.capA + fk) * (p.A - 1 + fk) / (fk + 1)
	}
	for i := range m.rcTab {
		m.rcTab[i] = 1 / (p.A + p.B - 1 + float64(i))
	}
	for x := 0; x <= xTab; x++ {
		m.xc[x] = m.initX(float64(x))
	}
	m.initCheb()
	m.newDisc, m.newH = m.hGrid(0, p.Alpha)
	return m, nil
}

// initX computes the constants for integer x.
func (m *Model) initX(x float64) xConst {
	p := &m.p
	var xc xConst
	if x >= 1 {
		xc.lnPA = fmath.Log(p.A) - fmath.Log(p.B+x-1)
	}
	// Derived so that the identities c = b'+B and σ = s-B hold exactly in
	// floating point where the expansion divides differences by B.
	s := p.R + x
	bp := p.B + x
	B := m.capB
	c := bp + B
	sigma := s - B
	A := c - s

	xc.mode = modeA
	xc.zc = 1
	costA := func(z float64) float64 { return termsNeeded(-fmath.Log(z), sigma+1) }

	if bc, ok := newBConst(A, B, s, bp, c, sigma); ok {
		xc.mode, xc.bc = modeB, bc
		// Largest z for which the Maclaurin series is estimated cheaper than
		// the 1-z series (terms ~ j^(c-2) w^j plus m head terms; an
		// iteration of the latter costs about twice as much).
		costB := func(z float64) float64 {
			return 2 * (bc.m + termsNeeded(-fmath.Log1p(-z), 2-c))
		}
		xc.zc = crossover(func(z float64) bool { return costA(z) <= costB(z) })
		if s < 0.05 {
			// H ∝ s: the 1-z expansion cancels to ~1/s relative, the
			// Maclaurin series only to ~c/s; prefer it while affordable.
			xc.zc = math.Max(xc.zc, crossover(func(z float64) bool { return costA(z) <= maxTermsPathA }))
		}
		return xc
	}
	if math.Abs(B) >= bMinC && math.Abs(c) >= 1e-3 && !isNonPosInt(c) && !isNonPosInt(A) {
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
	k1, _ := lgammaDiff(bp, c, B)
	k2, _ := lgammaDiff(sigma, s, B)
	bc.kappa = k1 - k2
	bc.k1 = fmath.Exp(B * bc.kappa)
	bc.emBk = fmath.Exp(-B * bc.kappa)
	bc.h1 = A / (1 - m - d)

	// K = Γ(c)/(Γ(s)Γ(b')), P̃0 = (A)_m (B+1)_{m-1} / (m! Γ(1-δ)).
	lc, _ := fmath.Lgamma(c)
	ls, _ := fmath.Lgamma(s)
	lb, _ := fmath.Lgamma(bp)
	mi := int(m)
	lpa, spa := lnPoch(A, mi)
	lpb, spb := lnPoch(B+1, mi-1)
	lm, _ := fmath.Lgamma(m + 1)
	l1d, _ := fmath.Lgamma(1 - d)
	fac := 1.0
	if d != 0 {
		fac = math.Pi * d / fmath.Sin(math.Pi*d)
	}
	sgn := float64(spa * spb)
	if mi&1 == 1 {
		sgn = -sgn
	}
	bc.ct = sgn * fac * fmath.Exp(lc-ls-lb+lpa+lpb-lm-l1d)

	d1, t1 := lgammaDiff(A+m, bp, d)
	d2, t2 := lgammaDiff(B+m, s, d)
	d3, _ := lgammaDiff(1+m, 1+sigma, d)
	d4, _ := lgammaDiff(1, 1-d, -d)
	bc.clam = d1 + d2 - d3 - d4
	bc.sgnLam = t1 * t2
	bc.emDC = fmath.Exp(-d * bc.clam)
	bc.q0 = bc.sgnLam * fmath.Exp(d*bc.clam)
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
		l = fmath.Log(m.p.A) - fmath.Log(m.p.B+x-1)
	}
	l += float64((m.p.R + x) * fmath.Log1p((T-tx)/(m.p.Alpha+tx))) // no FMA, see RATIONALE.md
	if l > 0 {
		// e^-l/(1+e^-l): keeps full (or subnormal) precision when
		// P(alive) is tiny instead of 1/(1+Inf) = 0.
		e := fmath.Exp(-l)
		return e / (1 + e)
	}
	return 1 / (1 + fmath.Exp(l))
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

// Lane kinds: how H is evaluated at one horizon point.
const (
	kindCheb = iota // per-x Chebyshev table (x ≤ xCheb, z in a tabulated interval)
	kindA           // Maclaurin series in z
	kindB           // the x's 1-z expansion (mode B or C)
)

// lanes holds up to four horizon points of one customer, ascending in z.
type lanes struct {
	z, w, lw, y [4]float64
	ci, idx     [4]int // Chebyshev interval; step index (-1: padding)
}

// lnW returns ln w = ln(1-z) accurately: log1p(-z) while z < 1/2 (z has full
// relative precision there), ln w above (w = aT/(aT+t) has), and the
// difference of logs if w underflowed (absurd t/α ratios).
func lnW(z, w, aT, t float64) float64 {
	if z < 0.5 {
		return fmath.Log1p(-z)
	}
	if w > 0x1p-1000 {
		return fmath.Log(w)
	}
	return fmath.Log(aT) - fmath.Log(aT+t)
}

// classify returns how H(x, z) is evaluated and, for kindCheb, the interval
// index and the Chebyshev variable: the tabulated intervals are dyadic in
// w = 1-z, interval i being w ∈ [2^-(i+1), 2^-i], with y = 4·w·2^i - 3.
func (m *Model) classify(xi int, z, w float64) (kind, ci int, y float64) {
	if xi >= 0 && xi <= xCheb {
		f := w
		for i := 0; i < m.nInt; i++ {
			if f >= 0.5 {
				return kindCheb, i, float64(4*f) - 3 // no FMA, see RATIONALE.md
			}
			f *= 2
		}
	}
	if m.pathB(xi, z) {
		return kindB, 0, 0
	}
	return kindA, 0, 0
}

// hOne returns H(t) for one horizon point.
func (m *Model) hOne(x, aT, t float64) float64 {
	xi := -1
	if x <= xTab {
		xi = int(x)
	}
	den := aT + t
	z, w := t/den, aT/den
	kind, ci, y := m.classify(xi, z, w)
	var ln lanes
	ln.z[3], ln.w[3], ln.ci[3], ln.y[3], ln.idx[3] = z, w, ci, y, -1
	if kind != kindCheb {
		ln.lw[3] = lnW(z, w, aT, t)
	}
	var hv [4]float64
	m.evalKind(kind, xi, x, 3, &ln, &hv)
	return hv[3]
}

// pathB reports whether H at z uses the mode's 1-z expansion.
func (m *Model) pathB(xi int, z float64) bool {
	return xi >= 0 && m.xc[xi].mode != modeA && z > m.xc[xi].zc
}

// hGrid returns Σ_k ω_k H(t_k) and H(t_n) over the model's step grid. Steps
// are evaluated four at a time: the Chebyshev sums of a group run
// interleaved, and the series coefficients, which depend only on x, are
// generated once per group. Since z increases with t, the kinds come in
// contiguous runs (table, then Maclaurin, then 1-z).
func (m *Model) hGrid(x, aT float64) (disc, last float64) {
	xi := -1
	if x <= xTab {
		xi = int(x)
	}
	var ln lanes
	var hv [4]float64
	nl, cur := 0, -1
	for k := 0; k < m.n; k++ {
		t := m.tk[k]
		den := aT + t
		z, w := t/den, aT/den
		kind, ci, y := m.classify(xi, z, w)
		if nl > 0 && (nl == 4 || kind != cur) {
			disc += m.evalLanes(cur, xi, x, nl, &ln, &hv)
			nl = 0
		}
		cur = kind
		ln.z[nl], ln.w[nl], ln.ci[nl], ln.y[nl], ln.idx[nl] = z, w, ci, y, k
		if kind != kindCheb {
			ln.lw[nl] = lnW(z, w, aT, t)
		}
		nl++
	}
	disc += m.evalLanes(cur, xi, x, nl, &ln, &hv)
	return disc, hv[3]
}

// evalLanes evaluates the nl ≤ 4 points in lanes 0..nl-1 (ascending z),
// moving them to lanes 4-nl..3 first, and returns Σ ω H over them; hv[3] is
// left holding H at the largest z of the group.
func (m *Model) evalLanes(kind, xi int, x float64, nl int, ln *lanes, hv *[4]float64) float64 {
	sh := 4 - nl
	if sh > 0 {
		for l := 3; l >= sh; l-- {
			ln.z[l], ln.w[l], ln.lw[l] = ln.z[l-sh], ln.w[l-sh], ln.lw[l-sh]
			ln.y[l], ln.ci[l], ln.idx[l] = ln.y[l-sh], ln.ci[l-sh], ln.idx[l-sh]
		}
		for l := 0; l < sh; l++ {
			ln.z[l], ln.w[l], ln.lw[l], ln.y[l], ln.ci[l], ln.idx[l] = 0, 1, 0, 0, 0, -1
		}
	}
	m.evalKind(kind, xi, x, sh, ln, hv)
	s := 0.0
	for l := sh; l < 4; l++ {
		s += float64(m.omega[ln.idx[l]] * hv[l]) // no FMA, see RATIONALE.md
	}
	return s
}

// evalKind evaluates H for lanes lo..3 (lanes below lo are padding with z = 0).
func (m *Model) evalKind(kind, xi int, x float64, lo int, ln *lanes, hv *[4]float64) {
	switch kind {
	case kindCheb:
		t := &m.cheb[xi]
		g0, g1, g2, g3 := clenshaw4(&t[ln.ci[0]], &t[ln.ci[1]], &t[ln.ci[2]], &t[ln.ci[3]],
			ln.y[0], ln.y[1], ln.y[2], ln.y[3])
		hv[0] = clampH(ln.z[0] * g0)
		hv[1] = clampH(ln.z[1] * g1)
		hv[2] = clampH(ln.z[2] * g2)
		hv[3] = clampH(ln.z[3] * g3)
	case kindB:
		m.evalB(xi, x, lo, &ln.z, &ln.w, &ln.lw, hv)
	default:
		m.evalA(x, &ln.z, &ln.w, &ln.lw, hv)
	}
}

// clenshaw4 sums four Chebyshev series Σ_j c_j T_j(y) (c_0 stored halved)
// at once; the four recurrences are independent, so they overlap in the
// pipeline instead of each waiting on its own multiply-add latency.
func clenshaw4(c0, c1, c2, c3 *[nCheb]float64, y0, y1, y2, y3 float64) (f0, f1, f2, f3 float64) {
	var b0, b1, b2, b3, d0, d1, d2, d3 float64
	u0, u1, u2, u3 := 2*y0, 2*y1, 2*y2, 2*y3
	// float64(…): no FMA on any platform, see RATIONALE.md.
	for j := nCheb - 1; j >= 1; j-- {
		b0, d0 = c0[j]-d0+float64(u0*b0), b0
		b1, d1 = c1[j]-d1+float64(u1*b1), b1
		b2, d2 = c2[j]-d2+float64(u2*b2), b2
		b3, d3 = c3[j]-d3+float64(u3*b3), b3
	}
	f0 = c0[0] - d0 + float64(y0*b0)
	f1 = c1[0] - d1 + float64(y1*b1)
	f2 = c2[0] - d2 + float64(y2*b2)
	f3 = c3[0] - d3 + float64(y3*b3)
	return
}

// hSeries evaluates H(x, z) by the series expansions alone (no table).
func (m *Model) hSeries(xi int, x, z, w, lw float64) float64 {
	var ln lanes
	ln.z[3], ln.w[3], ln.lw[3], ln.idx[3] = z, w, lw, -1
	var hv [4]float64
	if m.pathB(xi, z) {
		m.evalKind(kindB, xi, x, 3, &ln, &hv)
	} else {
		m.evalKind(kindA, xi, x, 3, &ln, &hv)
	}
	return hv[3]
}

// initCheb tabulates g(w) = H(x, 1-w)/(1-w) for x = 0..xCheb on the dyadic
// intervals w ∈ [2^-(i+1), 2^-i], i < nInt, as Chebyshev interpolants of
// degree nCheb-1 in y = 4·w·2^i - 3. H/z is analytic at z = 0 (so relative
// accuracy is uniform down to z → 0) and its only finite singularity is the
// branch point z = 1, at a distance from each interval equal to the
// interval's length: the Bernstein ellipse parameter is 3+√8 ≈ 5.83 for every
// interval, and 22 terms reach 5.83^-22 ≈ 1e-17 relative to the interval's
// maximum. Node values come from the series (accurate to ~1e-14).
func (m *Model) initCheb() {
	// Intervals needed: every z a Score can produce is ≤ H/(α+H), i.e.
	// w ≥ α/(α+Horizon).
	wmin := m.p.Alpha / (m.p.Alpha + m.tk[m.n-1])
	m.nInt = 1
	for lo := 0.5; lo > wmin && m.nInt < nIntMax; lo /= 2 {
		m.nInt++
	}
	var yk, ck [nCheb]float64
	var cosT [nCheb][nCheb]float64 // cos(j·θ_k), θ_k = π(k+1/2)/n
	for k := range yk {
		yk[k] = fmath.Cos(math.Pi * (float64(k) + 0.5) / nCheb)
		for j := 0; j < nCheb; j++ {
			cosT[j][k] = fmath.Cos(math.Pi * float64(j) * (float64(k) + 0.5) / nCheb)
		}
	}
	for x := 0; x <= xCheb; x++ {
		for i := 0; i < m.nInt; i++ {
			scale := math.Ldexp(1, -i)
			for k := range yk {
				w := float64((yk[k] + 3) / 4 * scale) // no FMA in 1-w, see RATIONALE.md
				z := 1 - w
				ck[k] = m.hSeries(x, float64(x), z, w, lnW(z, w, 0, 0)) / z
			}
			c := &m.cheb[x][i]
			for j := 0; j < nCheb; j++ {
				s := 0.0
				for k := range ck {
					s += float64(ck[k] * cosT[j][k]) // no FMA, see RATIONALE.md
				}
				c[j] = 2 * s / nCheb
			}
			c[0] /= 2
		}
	}
}

// evalA evaluates H by the Maclaurin series of the Euler-reduced function
// (doc.go): H = -c·E1(B, ln w) - w^B·Σ_{k≥1} e_k z^k with e_1 = A,
// e_{k+1} = e_k (A+k)(a+k-1)/((c+k)(k+1)). Lanes hold ascending z (z = 0 for
// unused lanes, which give 0), so they converge in lane order: the loop runs
// four lanes until lane 0 has converged, then three, and so on. The ratio is
// a product of two table entries for tabulated x (no division).
func (m *Model) evalA(x float64, zs, ws, lws, hv *[4]float64) {
	A, B := m.capA, m.capB
	c := m.p.A + m.p.B + x - 1
	am1 := m.p.A - 1
	z0, z1, z2, z3 := zs[0], zs[1], zs[2], zs[3]
	// A lane has converged when its term is below tolA relative to the
	// scale of H/c there (|ln w| bounds the first part of H/c).
	var thr [4]float64
	for l := range thr {
		sc := math.Abs(lws[l]) * c
		if a := math.Abs(A * zs[l]); a > sc {
			sc = a
		}
		thr[l] = tolA * sc
	}
	t0, t1, t2, t3 := A*z0, A*z1, A*z2, A*z3
	s0, s1, s2, s3 := t0, t1, t2, t3
	// Ratio tables: pt[k] = (A+k)(a-1+k)/(k+1), rc[k] = 1/(c+k).
	kt := 0
	var rc []float64
	if x <= xTab {
		xi := int(x)
		rc = m.rcTab[xi : xi+kTab]
		kt = kTab
	}
	pt := &m.pTab
	// t = float64(t * …): the terms are rounded before they are summed, no
	// FMA on any platform (RATIONALE.md).
	k := 1
	for ; k < maxTermsA; k++ {
		r := ratioA(k, kt, pt, rc, A, am1, c)
		t0 = float64(t0 * (r * z0))
		t1 = float64(t1 * (r * z1))
		t2 = float64(t2 * (r * z2))
		t3 = float64(t3 * (r * z3))
		s0 += t0
		s1 += t1
		s2 += t2
		s3 += t3
		if math.Abs(t0) <= thr[0] {
			k++
			break
		}
	}
	for ; k < maxTermsA; k++ {
		r := ratioA(k, kt, pt, rc, A, am1, c)
		t1 = float64(t1 * (r * z1))
		t2 = float64(t2 * (r * z2))
		t3 = float64(t3 * (r * z3))
		s1 += t1
		s2 += t2
		s3 += t3
		if math.Abs(t1) <= thr[1] {
			k++
			break
		}
	}
	for ; k < maxTermsA; k++ {
		r := ratioA(k, kt, pt, rc, A, am1, c)
		t2 = float64(t2 * (r * z2))
		t3 = float64(t3 * (r * z3))
		s2 += t2
		s3 += t3
		if math.Abs(t2) <= thr[2] {
			k++
			break
		}
	}
	for ; k < maxTermsA; k++ {
		r := ratioA(k, kt, pt, rc, A, am1, c)
		t3 = float64(t3 * (r * z3))
		s3 += t3
		if math.Abs(t3) <= thr[3] {
			break
		}
	}
	hv[0] = hFromA(B, c, lws[0], s0)
	hv[1] = hFromA(B, c, lws[1], s1)
	hv[2] = hFromA(B, c, lws[2], s2)
	hv[3] = hFromA(B, c, lws[3], s3)
}

// ratioA is e_{k+1}/e_k of evalA's series: the product of two table
// entries for k below kt, else computed. Small enough to be inlined in each
// of evalA's lane loops (a call per term would cost ~15 ns in wasm).
func ratioA(k, kt int, pt *[kTab]float64, rc []float64, A, am1, c float64) float64 {
	if k < kt {
		return pt[k] * rc[k]
	}
	fk := float64(k)
	return (A + fk) * (am1 + fk) / ((c + fk) * (fk + 1))
}

// hFromA combines H = -c·E1(B, L) - w^B·S, with E1 and w^B from one expm1.
func hFromA(B, c, lw, s float64) float64 {
	if lw == 0 {
		return 0
	}
	em := fmath.Expm1(B * lw)
	// float64(…): no FMA on any platform, see RATIONALE.md.
	return clampH(float64(-c*expm1OverE(B, lw, em)) - float64(onePlus(em, B*lw)*s))
}

// onePlus returns e^v given em = expm1(v): 1+em while that is accurate,
// e^v itself once e^v < 1/2 (where 1+em would lose relative precision).
func onePlus(em, v float64) float64 {
	if em > -0.5 {
		return 1 + em
	}
	return fmath.Exp(v)
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
			em := fmath.Expm1(d * lam)
			d0[l] = -expm1OverE(d, lam, em)
			wd[l] = onePlus(em, d*lam) * bc.emDC
		} else {
			e := fmath.Exp(d * lam)
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
			hd[l] += float64(h * pw[l]) // no FMA, see RATIONALE.md
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
	// float64(…): no FMA on any platform, see RATIONALE.md.
	for j := 0.0; j < maxTermsB; j++ {
		Aj := A + mm + j
		Bj := B + mm + j
		M := 1 + mm + j
		J := 1 + j
		rP := Aj * Bj / (M * (J - d))
		rQ := (Aj + d) * (Bj + d) / ((M + d) * J)
		dr := (float64(Aj*Bj*(J+M)) - float64((Aj+Bj)*M*J) + float64(d*M*(Aj+Bj-J)) + float64(d*d*M)) / (M * (M + d) * (J - d) * J)
		beta = float64(rP*beta) + float64(qb*dr)
		alpha *= rP
		qb *= rQ
		done := true
		for l := lo; l < 4; l++ {
			pw[l] *= ws[l]
			ta := float64(alpha * pw[l])
			tb := float64(beta * pw[l])
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
	// float64(…): no FMA on any platform, see RATIONALE.md.
	for l := lo; l < 4; l++ {
		lk := lws[l] + bc.kappa
		em := fmath.Expm1(B * lk)
		e1 := expm1OverE(B, lk, em)
		wB := onePlus(em, B*lk) * bc.emBk
		r := float64(bc.k1*hd[l]) + float64(bc.ct*wm[l]*(float64(d0[l]*sa[l])+float64(wd[l]*sb[l])))
		hv[l] = clampH(bc.c * (-e1 - float64(wB*r)))
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
	lr, _ := fmath.Lgamma(r)
	lab, _ := fmath.Lgamma(a + b)
	lb, _ := fmath.Lgamma(b)
	la := fmath.Log(a)
	// float64(…): no FMA on any platform, see RATIONALE.md.
	base := float64(r*fmath.Log(alpha)) - lr + lab - lb
	ll := 0.0
	for i := range x {
		xi, ti, Ti := x[i], tx[i], T[i]
		l1, _ := fmath.Lgamma(r + xi)
		l2, _ := fmath.Lgamma(b + xi)
		l3, _ := fmath.Lgamma(a + b + xi)
		rx := r + xi
		a3 := float64(-rx * fmath.Log(alpha+Ti))
		v := a3
		if xi > 0 {
			a4 := la - fmath.Log(b+xi-1) - float64(rx*fmath.Log(alpha+ti))
			if a4 > a3 {
				v = a4 + fmath.Log1p(fmath.Exp(a3-a4))
			} else {
				v = a3 + fmath.Log1p(fmath.Exp(a4-a3))
			}
		}
		ll += base + l1 + l2 - l3 + v
	}
	return ll
}
