package ltv

import (
	"math"

	"github.com/edgescore/edgescore/module/internal/fmath"
)

// Numerical constants shared by the series evaluators.
const (
	// roundoff is the unit roundoff of float64 (2^-53). Series stop once a
	// term no longer changes the sum at this level.
	roundoff = 0x1p-53
	// logInvRoundoff is ln(2^53): the number of e-folds a geometric series must
	// decay by before its terms are below roundoff; used by the cost estimates.
	logInvRoundoff = 36.7368005696771
	// hypMaxTerms caps every open-ended series in Hyp2F1. It is only reached
	// when the argument is within ~1e-4 of 1 and the parameters are large,
	// where neither expansion is cheap; the partial sum is returned then.
	hypMaxTerms = 200000
	// connMaxM bounds c-a-b for the 1-z connection formula: the finite head
	// sum has m ≈ c-a-b terms and the Pochhammer prefactors grow like m!.
	connMaxM = 300
)

// Hyp2F1 returns the Gauss hypergeometric function 2F1(a, b; c; z) for real
// parameters and real z ≤ 1.
//
// Method (chosen per call, see the package documentation for the reasons):
//
//   - a or b a non-positive integer: the terminating polynomial, summed
//     directly.
//   - z < 0: the Pfaff transformation 2F1(a,b;c;z) = (1-z)^-a 2F1(a,c-b;c;z/(z-1))
//     maps z into (0,1) and the case below is used.
//   - 0 < z < 1: first the Euler transformation
//     2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z) is applied when c-a-b < 0,
//     so that the function evaluated has s = c-a-b ≥ 0 and Maclaurin terms that
//     decay like k^(-s-1) z^k instead of growing like k^(|s|-1) z^k. Then either
//     the Maclaurin series in z, or the connection formula around z = 1 (series
//     in 1-z), whichever needs fewer terms. The connection formula is evaluated
//     in a form that is uniform in the distance ε of c-a-b from its nearest
//     integer m: the two classical terms, each of which has a 1/sin(πε) pole,
//     are combined analytically so that only differences divided by ε of
//     log-gamma functions appear, and those are computed without cancellation
//     (lgammaDiff). Integer c-a-b (the logarithmic case) needs no special code.
//   - z = 1: Gauss's summation theorem when c-a-b > 0, ±Inf otherwise.
//
// The relative error is within 5e-13 of 60-digit mpmath (typically 1e-15 to
// 1e-14) on the 3,472 test cases of testdata/hyp2f1.csv: the BG/NBD shapes,
// c-a-b integer or near-integer, z up to 0.999 and negative z. It
// returns NaN for NaN input or z > 1 (where the function is complex), and +Inf
// when c is a non-positive integer and the series does not terminate first.
// Values beyond the float64 range are returned as ±Inf.
func Hyp2F1(a, b, c, z float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(c) || math.IsNaN(z) || z > 1 {
		return math.NaN()
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) || math.IsInf(c, 0) || math.IsInf(z, 0) {
		return math.NaN()
	}
	if z == 0 || a == 0 || b == 0 {
		return 1
	}
	if isNonPosInt(c) && !(isNonPosInt(a) && a > c) && !(isNonPosInt(b) && b > c) {
		return math.Inf(1)
	}
	if isNonPosInt(a) || isNonPosInt(b) {
		return hypPoly(a, b, c, z)
	}
	if z == 1 {
		return hypGauss(a, b, c)
	}
	if z < 0 {
		// Pfaff: 2F1(a,b;c;z) = (1-z)^(-a) 2F1(a, c-b; c; z/(z-1))
		//                     = (1-z)^(-b) 2F1(c-a, b; c; z/(z-1)).
		// The variant whose new c-a-b (b-a or a-b) is ≥ 0 needs no further
		// Euler factor, which for z → -∞ would overflow in the intermediate.
		zz := z / (z - 1)
		if b >= a {
			return scaleExp(hyp01Norm(a, c-b, c, zz), -a*fmath.Log1p(-z))
		}
		return scaleExp(hyp01Norm(c-a, b, c, zz), -b*fmath.Log1p(-z))
	}
	return hyp01(a, b, c, z)
}

// scaleExp returns v·e^lf without overflowing in the intermediate e^lf when v
// is small (or underflowing when v is large).
func scaleExp(v, lf float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	if lf > 700 || lf < -700 {
		s := 1.0
		if v < 0 {
			s, v = -1, -v
		}
		return s * fmath.Exp(lf+fmath.Log(v))
	}
	return v * fmath.Exp(lf)
}

// isNonPosInt reports whether x is 0, -1, -2, ...
func isNonPosInt(x float64) bool { return x <= 0 && x == math.Floor(x) }

// hypPoly sums the terminating series when a or b is a non-positive integer.
func hypPoly(a, b, c, z float64) float64 {
	n := math.Inf(1)
	if isNonPosInt(a) {
		n = -a
	}
	if isNonPosInt(b) && -b < n {
		n = -b
	}
	sum, t := 1.0, 1.0
	for k := 0.0; k < n; k++ {
		t = float64(t * ((a + k) * (b + k) / ((c + k) * (k + 1)) * z)) // no FMA in the sum, see RATIONALE.md
		sum += t
	}
	return sum
}

// hypGauss is 2F1(a,b;c;1) = Γ(c)Γ(c-a-b)/(Γ(c-a)Γ(c-b)) for c-a-b > 0.
func hypGauss(a, b, c float64) float64 {
	s := c - a - b
	if s <= 0 {
		// Divergent: near z = 1 the function behaves like
		// Γ(c)Γ(-s)/(Γ(a)Γ(b))·(1-z)^s (or -Γ(c)/(Γ(a)Γ(b))·ln(1-z) at
		// s = 0), and Γ(-s) > 0, so the sign is that of Γ(c)/(Γ(a)Γ(b)).
		_, s1 := fmath.Lgamma(c)
		_, s2 := fmath.Lgamma(a)
		_, s3 := fmath.Lgamma(b)
		return math.Inf(s1 * s2 * s3)
	}
	l1, s1 := fmath.Lgamma(c)
	l2, s2 := fmath.Lgamma(s)
	l3, s3 := fmath.Lgamma(c - a)
	l4, s4 := fmath.Lgamma(c - b)
	return float64(s1*s2*s3*s4) * fmath.Exp(l1+l2-l3-l4)
}

// hyp01 evaluates 2F1 for 0 < z < 1 and a, b not non-positive integers.
func hyp01(a, b, c, z float64) float64 {
	s := c - a - b
	if s < 0 {
		// Euler: 2F1(a,b;c;z) = (1-z)^s 2F1(c-a, c-b; c; z).
		return scaleExp(hyp01Norm(c-a, c-b, c, z), s*fmath.Log1p(-z))
	}
	return hyp01Norm(a, b, c, z)
}

// hyp01Norm evaluates 2F1(a,b;c;z) for 0 < z < 1 and c-a-b ≥ 0.
func hyp01Norm(a, b, c, z float64) float64 {
	if isNonPosInt(a) || isNonPosInt(b) {
		return hypPoly(a, b, c, z)
	}
	s := c - a - b
	if isNonPosInt(c-a) || isNonPosInt(c-b) {
		// The Euler transform is a polynomial (and the connection formula
		// below would meet 0·∞ in Γ(c-a) or Γ(c-b)).
		return scaleExp(hypPoly(c-a, c-b, c, z), s*fmath.Log1p(-z))
	}
	if z > 0.5 && s < connMaxM {
		w := 1 - z
		// Rough term counts: Maclaurin terms behave like k^(-s-1) z^k, the
		// 1-z series terms like j^(c-2) (1-z)^j, plus m head terms; a tail
		// iteration costs about twice a Maclaurin one.
		nS := termsNeeded(-fmath.Log(z), s+1)
		nC := math.Floor(s+0.5) + termsNeeded(-fmath.Log(w), 2-c)
		if 2*nC < nS {
			if v, ok := hypConn(a, b, c, w); ok {
				return v
			}
		}
	}
	v, _ := hypSeries(a, b, c, z, hypMaxTerms)
	return v
}

// termsNeeded returns the smallest k ≥ 1 with q·k + p·ln k ≥ ln(2^53), q > 0:
// the number of terms after which a series with terms ~ k^p e^(-qk) has
// decayed below roundoff. Only used to choose between expansions.
func termsNeeded(q, p float64) float64 {
	if !(q > 0) {
		return math.Inf(1)
	}
	// float64(…): no FMA on any platform, see RATIONALE.md.
	f := func(k float64) float64 { return float64(q*k) + float64(p*fmath.Log(k)) }
	if f(1) >= logInvRoundoff && p >= 0 {
		return 1
	}
	// Newton from the right of the root (f is convex for p < 0 and concave
	// but increasing for p ≥ 0; starting large keeps iterates on the
	// correct branch).
	k := (logInvRoundoff + float64(math.Abs(p)*fmath.Log(1+(logInvRoundoff+math.Abs(p))/q))) / q
	if k < 1 {
		k = 1
	}
	for i := 0; i < 20; i++ {
		d := q + p/k
		if d <= 0 {
			break
		}
		nk := k - (f(k)-logInvRoundoff)/d
		if nk < 1 {
			nk = 1
		}
		if math.Abs(nk-k) < 0.5 {
			k = nk
			break
		}
		k = nk
	}
	return math.Ceil(k)
}

// hypSeries sums the Maclaurin series of 2F1(a,b;c;z). It stops when a term
// is below roundoff relative to the sum, once the term ratio has dropped
// below 1 for good (for c-a-b ≥ 0 that happens after k0 = (ab-c)/(c-a-b+1)).
func hypSeries(a, b, c, z float64, maxTerms int) (float64, bool) {
	sum, t := 1.0, 1.0
	// float64(…): no FMA on any platform, see RATIONALE.md.
	k0 := (float64(a*b) - c) / (c - a - b + 1)
	for k := 0; k < maxTerms; k++ {
		fk := float64(k)
		r := (a + fk) * (b + fk) / ((c + fk) * (fk + 1)) * z
		t = float64(t * r)
		sum += t
		if fk > k0 && math.Abs(t) <= roundoff*math.Abs(sum)*(1-math.Abs(r)) {
			return sum, true
		}
		if t == 0 {
			return sum, true
		}
	}
	return sum, false
}

// hypConn evaluates 2F1(a,b;c;1-w), 0 < w < 1/2, c-a-b = m+ε ≥ 0 with m the
// nearest integer (|ε| ≤ 1/2), by the connection formula around z = 1 written
// uniformly in ε:
//
//	2F1 = K·[ Γ(m+ε) Σ_{n<m} (a)_n(b)_n / ((1-m-ε)_n n!) w^n
//	        + (-1)^m w^m (πε/sin πε) Σ_j D_j w^j ],   K = Γ(c)/(Γ(c-a)Γ(c-b)),
//
// with D_j = (P_j - Q_j)/ε, P_j = (a)_{m+j}(b)_{m+j}/((m+j)! Γ(1+j-ε)),
// Q_j = w^ε Γ(a+m+j+ε)Γ(b+m+j+ε)/(Γ(a)Γ(b)Γ(1+m+j+ε) j!). P_j and Q_j tend to
// the same limit as ε → 0; D_0 is formed from log-gamma differences divided
// by ε (lgammaDiff) and expm1, and D_{j+1} = rP_j D_j + Q_j (rP_j-rQ_j)/ε with
// (rP_j-rQ_j)/ε expanded analytically, so nothing cancels. For ε = 0 this is
// the logarithmic case of Abramowitz & Stegun 15.3.10-12.
// ok is false when the tail did not converge within hypMaxTerms.
func hypConn(a, b, c, w float64) (v float64, ok bool) {
	sg := c - a - b
	m := math.Floor(sg + 0.5)
	e := sg - m
	mi := int(m)
	lnw := fmath.Log(w)

	lc, sc := fmath.Lgamma(c)
	l1, s1 := fmath.Lgamma(c - a)
	l2, s2 := fmath.Lgamma(c - b)
	lnK := lc - l1 - l2
	sK := float64(sc * s1 * s2)

	// Finite head: n < m.
	head := 0.0
	if mi > 0 {
		lg, sgn := fmath.Lgamma(sg)
		t, h := 1.0, 1.0
		for n := 0; n < mi-1; n++ {
			fn := float64(n)
			t = float64(t * ((a + fn) * (b + fn) / ((1 - m - e + fn) * (fn + 1)) * w)) // no FMA in h, see RATIONALE.md
			h += t
		}
		head = sK * float64(sgn) * fmath.Exp(lnK+lg) * h
	}

	// Tail, normalised by P_0 = (a)_m (b)_m / (m! Γ(1-ε)).
	lpa, spa := lnPoch(a, mi)
	lpb, spb := lnPoch(b, mi)
	lm1, _ := fmath.Lgamma(m + 1)
	l1e, _ := fmath.Lgamma(1 - e)
	lnP0 := lpa + lpb - lm1 - l1e

	d1, t1 := lgammaDiff(a+m, c-b, e)
	d2, t2 := lgammaDiff(b+m, c-a, e)
	d3, _ := lgammaDiff(1+m, 1+sg, e)
	d4, _ := lgammaDiff(1, 1-e, -e)
	lam := lnw + d1 + d2 - d3 - d4
	var D, q float64
	if t1*t2 > 0 {
		D = -expm1Over(e, lam)
		q = fmath.Exp(e * lam)
	} else {
		// Γ(a+m+ε)/Γ(a+m) < 0: P_0 and Q_0 have opposite signs, no
		// cancellation (and ε ≠ 0 necessarily).
		q = -fmath.Exp(e * lam)
		D = (1 - q) / e
	}
	tail := D
	wj := 1.0
	ok = false
	prev := math.Inf(1)
	// float64(…): no FMA on any platform, see RATIONALE.md.
	for j := 0; j < hypMaxTerms; j++ {
		A := a + m + float64(j)
		B := b + m + float64(j)
		M := 1 + m + float64(j)
		J := 1 + float64(j)
		rP := A * B / (M * (J - e))
		rQ := (A + e) * (B + e) / ((M + e) * J)
		dr := (float64(A*B*(J+M)) - float64((A+B)*M*J) + float64(e*M*(A+B-J)) + float64(e*e*M)) / (M * (M + e) * (J - e) * J)
		D = float64(rP*D) + float64(q*dr)
		q *= rQ
		wj *= w
		t := float64(D * wj)
		tail += t
		at := math.Abs(t)
		if at <= roundoff*math.Abs(tail) && at <= prev {
			ok = true
			break
		}
		prev = at
	}
	fac := 1.0
	if e != 0 {
		fac = math.Pi * e / fmath.Sin(math.Pi*e)
	}
	sm := 1.0
	if mi&1 == 1 {
		sm = -1
	}
	v = head + float64(sK*float64(spa*spb)*sm*fac*fmath.Exp(lnK+lnP0+float64(m*lnw))*tail) // no FMA, see RATIONALE.md
	return v, ok
}

// lnPoch returns ln|(a)_m| and the sign of the Pochhammer symbol
// (a)_m = a(a+1)...(a+m-1). Products are formed directly (more accurate than
// a difference of log-gammas) and rescaled to stay in range.
func lnPoch(a float64, m int) (float64, int) {
	p, l, s := 1.0, 0.0, 1
	for i := 0; i < m; i++ {
		p *= a + float64(i)
		if p > 0x1p500 || p < -0x1p500 || (p != 0 && p < 0x1p-500 && p > -0x1p-500) {
			if p < 0 {
				s, p = -s, -p
			}
			l += fmath.Log(p)
			p = 1
		}
	}
	if p < 0 {
		s, p = -s, -p
	}
	return l + fmath.Log(p), s
}

// expm1Over returns expm1(e·y)/e, continuous at e = 0 (value y).
func expm1Over(e, y float64) float64 {
	if e == 0 {
		return y
	}
	return fmath.Expm1(e*y) / e
}

// lgammaDiff returns (ln|Γ(x1)| − ln|Γ(x0)|)/d and the sign of Γ(x1)/Γ(x0),
// where x1 = x0 + d up to rounding. At d = 0 it is the digamma function ψ(x0).
// It is accurate to a few ulps relative to the result even when |d| is tiny —
// the naive difference of two math.Lgamma values loses |ln Γ(x)|/|d| ulps.
// Neither argument may be a pole.
//
// For |d| < 1 the recurrence Γ(y+1) = yΓ(y) moves both arguments above 10,
// then the Stirling series is differenced term by term (stirlingDiff). Each
// shift contributes ln(y1/y0)/d. Where |d| < |y0|/2 the factor is taken as
// 1 + d/y0 and the product of these is accumulated as Π-1, so nothing is lost
// for small d and the factors are consistent with d exactly. Otherwise y1 is
// close to a pole relative to d, and the factor is the explicit ratio y1/y0
// (with its sign): that keeps the result consistent with ln Γ evaluated at
// the caller's x1 even when x0+d rounds differently — e.g. x1 = r+x = 0.001
// with d = a-1 = -0.1, where the rounding of x0+d would be amplified by
// ψ(x1) ≈ -1/x1. For |d| ≥ 1 or arguments below -100 the plain difference
// of log-gammas is used (accurate there).
func lgammaDiff(x0, x1, d float64) (float64, float64) {
	if d >= 1 || d <= -1 || x0 < -100 || x1 < -100 {
		l1, s1 := fmath.Lgamma(x1)
		l0, s0 := fmath.Lgamma(x0)
		return (l1 - l0) / d, float64(s1 * s0)
	}
	sign := 1.0
	acc := 0.0 // contributions already divided by d
	pm1 := 0.0 // Π(1 + d/y0) - 1 over the factors close to 1
	for x0 < 11 {
		if d == 0 {
			acc -= 1 / x0 // limit of ln(1+d/y0)/d
		} else if r := d / x0; r > -0.5 && r < 0.5 {
			pm1 += float64(r * (1 + pm1)) // no FMA, see RATIONALE.md
		} else {
			q := x1 / x0
			if q < 0 {
				sign, q = -sign, -q
			}
			acc -= fmath.Log(q) / d
		}
		x0++
		x1++
	}
	if d != 0 {
		acc -= fmath.Log1p(pm1) / d
	}
	return acc + stirlingDiff(x0, d), sign
}

// bernoulliStirling are B_2k/(2k(2k-1)), k = 1..8: the coefficients of the
// Stirling series ln Γ(x) ~ (x-1/2)ln x - x + ln(2π)/2 + Σ c_k x^(1-2k). With
// x ≥ 10 the first omitted term is below 2e-18.
var bernoulliStirling = [8]float64{
	1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680,
	1.0 / 1188, -691.0 / 360360, 1.0 / 156, -3617.0 / 122400,
}

// stirlingDiff returns (ln Γ(x+d) − ln Γ(x))/d for x ≥ 11, |d| < 1, from
// the Stirling series; continuous at d = 0 (digamma). It is
// (x-1/2)·log1p(d/x)/d + ln(x+d) - 1 + Σ c_k ((x+d)^(1-2k) - x^(1-2k))/d,
// each bracket written as -x^(1-2k)/(x+d) · Σ_{i<2k-1} y^i, y = x/(x+d), so
// that nothing cancels.
func stirlingDiff(x, d float64) float64 {
	var l1 float64 // log1p(d/x)/d
	if d == 0 {
		l1 = 1 / x
	} else {
		l1 = fmath.Log1p(d/x) / d
	}
	// float64(…): no FMA on any platform, see RATIONALE.md.
	res := float64((x-0.5)*l1) + fmath.Log(x+d) - 1
	y := x / (x + d)
	y2 := y * y
	g := 1.0    // Σ_{i<2k-1} y^i
	yp := y     // y^(2k-1)
	xp := 1 / x // x^(1-2k)
	ix2 := 1 / (x * x)
	sum := 0.0
	for k := 0; k < len(bernoulliStirling); k++ {
		sum += float64(bernoulliStirling[k] * xp * g)
		g += yp + float64(yp*y)
		yp *= y2
		xp *= ix2
	}
	return res - sum/(x+d)
}
