package fmath

import "math"

// Log1p returns ln(1+x), accurate for tiny |x|.
//
// 1+x is written as 2^k·(1+f) with 1+f in [√½, √2): for x in that range f
// is x itself (no rounding at all), elsewhere 1+x is rounded to u and its
// rounding error c is recovered exactly (Fast2Sum) and added back as c/u,
// the first term of ln(1 + c/u). With s = f/(2+f), ln(1+f) = 2·atanh(s)
// = 2s + s·R(s²), R = 2s²/3 + 2s⁴/5 + … (11 terms, |s| ≤ 0.172, truncation
// below 1e-18 relative); using 2s = f − f²/2 + s·f²/2 it is summed as
// f − (f²/2 − s·(f²/2 + R)), so the leading term f is exact and only the
// small correction carries rounding errors.
func Log1p(x float64) float64 {
	switch {
	case x != x || math.IsInf(x, 1):
		return x
	case x < -1:
		return math.NaN()
	case x == -1:
		return math.Inf(-1)
	}
	if x > sqrt12-1 && x < sqrt2-1 { // 1+x in (√½, √2): k = 0, f = x exactly
		if math.Abs(x) < 0x1p-54 { // ln(1+x) = x(1 − x/2 + …) rounds to x; keeps −0
			return x
		}
		return log1pf(x)
	}
	u := 1 + x
	var c float64 // (1 + x) − u, exactly (Fast2Sum: the larger addend first)
	if x > 1 {
		c = 1 - (u - x)
	} else {
		c = x - (u - 1)
	}
	m, e := math.Frexp(u)
	if m < sqrt12 {
		m *= 2
		e--
	}
	k := float64(e)
	// ln(1+x) = k·ln2 + ln(m) + ln(1 + c/u); m − 1 is exact (Sterbenz).
	small := float64(k*ln2lo) + c/u
	return float64(k*ln2hi) + log1pfc(m-1, small)
}

const (
	sqrt2 = 1.41421356237309504880
	l3    = 2.0 / 3
	l5    = 2.0 / 5
	l7    = 2.0 / 7
	l9    = 2.0 / 9
	l11   = 2.0 / 11
	l13   = 2.0 / 13
	l15   = 2.0 / 15
	l17   = 2.0 / 17
	l19   = 2.0 / 19
	l21   = 2.0 / 21
	l23   = 2.0 / 23
)

// log1pf returns ln(1+f) for 1+f in [√½, √2].
func log1pf(f float64) float64 { return log1pfc(f, 0) }

// log1pfc returns ln(1+f) + small for 1+f in [√½, √2], small added to the
// rounding-sensitive part before the exact leading term f.
func log1pfc(f, small float64) float64 {
	s := f / (2 + f)
	z := float64(s * s)
	p := float64(z*l23) + l21
	p = float64(z*p) + l19
	p = float64(z*p) + l17
	p = float64(z*p) + l15
	p = float64(z*p) + l13
	p = float64(z*p) + l11
	p = float64(z*p) + l9
	p = float64(z*p) + l7
	p = float64(z*p) + l5
	p = float64(z*p) + l3
	R := float64(z * p)
	hfsq := float64(0.5 * float64(f*f))
	return f - (hfsq - (float64(s*(hfsq+R)) + small))
}

// Expm1 returns eˣ − 1, accurate for tiny |x|.
//
// For |x| ≤ ln2/2 it is x + x²·P(x), P the Taylor series of (eˣ−1−x)/x² to
// the x¹² term (truncation below 1e-18 relative); the leading x is exact.
// Beyond, x = k·ln2 + r as in Exp (Cody–Waite, |r| ≤ ln2/2), with the
// rounding error of r kept, and eˣ − 1 = (2^k − 1) + 2^k·r + 2^k·(e^r−1−r):
// 2^k − 1 and 2^k·r are exact for |k| ≤ 53 and their sum is formed with its
// rounding error (TwoSum), so only the smallest part is rounded twice.
// Outside that k range, 2^k·e^r − 1 directly.
func Expm1(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > expMax:
		return math.Inf(1)
	case x < -38: // eˣ < 2⁻⁵⁴: −1 + eˣ rounds to −1
		return -1
	}
	ax := math.Abs(x)
	if ax < 0x1p-54 { // x + x²/2 rounds to x; keeps −0
		return x
	}
	if ax <= halfLn2 {
		return x + expm1q(x)
	}
	k := math.Floor(float64(x*log2e) + 0.5)
	hi := x - float64(k*ln2hi) // exact
	lo := float64(k * ln2lo)
	r := hi - lo
	rc := (hi - r) - lo // r + rc = hi − lo, exactly (|hi| ≥ |lo|)
	// e^(r+rc) − 1 − r ≈ q(r) + rc·(1 + r)
	q := expm1q(r) + (rc + float64(rc*r))
	ki := int(k)
	if ki < -53 || ki > 53 {
		return math.Ldexp(1+(r+q), ki) - 1
	}
	t := math.Ldexp(1, ki)
	a := t - 1          // exact
	b := float64(t * r) // exact
	s := a + b
	bb := s - a
	err := (a - (s - bb)) + (b - bb) // a + b − s, exactly (TwoSum)
	return s + (float64(t*q) + err)
}

const halfLn2 = 0.34657359027997265471 // ln2 / 2

// expm1q returns e^r − 1 − r for |r| ≤ ln2/2 (+ a little): r²·(1/2 + r/6 +
// … + r¹²/14!). The Horner chain is Exp's, written out again on purpose: a
// shared helper is too large to inline, and a call costs ~15 ns in Go's
// wasm output.
func expm1q(r float64) float64 {
	p := float64(r*c14) + c13
	p = float64(r*p) + c12
	p = float64(r*p) + c11
	p = float64(r*p) + c10
	p = float64(r*p) + c9
	p = float64(r*p) + c8
	p = float64(r*p) + c7
	p = float64(r*p) + c6
	p = float64(r*p) + c5
	p = float64(r*p) + c4
	p = float64(r*p) + c3
	p = float64(r*p) + c2
	return float64(float64(r*r) * p)
}
