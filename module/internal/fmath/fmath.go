// Package fmath holds the transcendental functions of the scoring core,
// written so that every platform computes the same bits.
//
// Go's math.Exp and math.Log are assembly on amd64 and pure Go on wasm; the
// two differ in the last bit for about one input in six, and math.Pow and
// math.Lgamma inherit the difference. A decision must be identical in the
// native core, the wasm guest under wazero, wasmtime and V8, so the core
// uses these instead: plain Go over +, −, ×, ÷ and exact operations
// (Floor, Frexp, Ldexp), with every multiply-add split by an explicit
// float64 conversion, which the Go specification defines as a rounding
// point that forbids fusing it into an FMA (arm64 would otherwise fuse it).
// They are accurate to about 1 ulp, slightly slower than math's, and never
// used where the result is not part of a decision.
//
// Log1p, Expm1, Sin, Cos and Asin (log1p.go, trig.go) replace math's pure-Go
// versions for the same reason: the standard library is compiled with FMAs
// on arm64 and amd64 v3, so math's bits there differ from wasm's.
package fmath

import "math"

const (
	ln2hi  = 6.93147180369123816490e-01 // ln 2, high bits: k·ln2hi is exact for |k| < 2¹¹
	ln2lo  = 1.90821492927058770002e-10 // ln 2 − ln2hi
	log2e  = 1.44269504088896338700e+00
	sqrt12 = 0.70710678118654752440
	expMax = 7.09782712893383973096e+02  // above: +Inf
	expMin = -7.45133219101941108420e+02 // below: 0
)

// Taylor coefficients 1/n! (Go evaluates the constant divisions exactly
// and rounds once).
const (
	c2  = 1.0 / 2
	c3  = 1.0 / 6
	c4  = 1.0 / 24
	c5  = 1.0 / 120
	c6  = 1.0 / 720
	c7  = 1.0 / 5040
	c8  = 1.0 / 40320
	c9  = 1.0 / 362880
	c10 = 1.0 / 3628800
	c11 = 1.0 / 39916800
	c12 = 1.0 / 479001600
	c13 = 1.0 / 6227020800
	c14 = 1.0 / 87178291200
)

// Exp returns eˣ. x is reduced to k·ln2 + r with |r| ≤ ln2/2, e^r is a
// 14-term Taylor polynomial (truncation below 1e-17 relative), and 2^k is
// applied exactly.
func Exp(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > expMax:
		return math.Inf(1)
	case x < expMin:
		return 0
	}
	k := math.Floor(float64(x*log2e) + 0.5)
	hi := x - float64(k*ln2hi)
	r := hi - float64(k*ln2lo)
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
	p = float64(r*p) + 1
	p = float64(r*p) + 1
	return math.Ldexp(p, int(k))
}

// Log returns ln x. x = f·2^e with f in [√½, √2); ln f = 2·atanh(s) with
// s = (f−1)/(f+1), |s| ≤ 0.172, summed to 12 odd terms.
func Log(x float64) float64 {
	switch {
	case x != x || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f, e := math.Frexp(x)
	if f < sqrt12 {
		f *= 2
		e--
	}
	s := (f - 1) / (f + 1)
	z := s * s
	p := float64(z*(1.0/23)) + 1.0/21
	p = float64(z*p) + 1.0/19
	p = float64(z*p) + 1.0/17
	p = float64(z*p) + 1.0/15
	p = float64(z*p) + 1.0/13
	p = float64(z*p) + 1.0/11
	p = float64(z*p) + 1.0/9
	p = float64(z*p) + 1.0/7
	p = float64(z*p) + 1.0/5
	p = float64(z*p) + 1.0/3
	p = float64(z * p)
	k := float64(e)
	// ln x = k·ln2 + 2s + 2s·p, with the small parts added first.
	return float64(k*ln2hi) + (2*s + (float64(2*s*p) + float64(k*ln2lo)))
}

// Pow returns xʸ for x > 0 (the only case the core needs), as e^(y·ln x).
func Pow(x, y float64) float64 {
	switch {
	case y == 0 || x == 1:
		return 1
	case x == 0:
		if y > 0 {
			return 0
		}
		return math.Inf(1)
	case x < 0 || x != x || y != y:
		return math.NaN()
	}
	return Exp(float64(y * Log(x)))
}

// Lgamma returns ln|Γ(x)| and the sign of Γ(x): Stirling's series for
// x ≥ 15 (seven terms, truncation below 1e-18), the recurrence
// Γ(x) = Γ(x+n)/(x(x+1)…(x+n−1)) below, and the reflection formula for
// x < 0. Poles (0, −1, −2, …) give +Inf.
func Lgamma(x float64) (float64, int) {
	switch {
	case x != x:
		return x, 1
	case math.IsInf(x, 0):
		return math.Inf(1), 1
	case x <= 0 && x == math.Floor(x):
		return math.Inf(1), 1
	}
	if x < 0 {
		// Γ(x)Γ(1−x) = π / sin(πx)
		s := sinPi(x)
		sign := 1
		if s < 0 {
			sign = -1
		}
		lg, _ := Lgamma(1 - x)
		return Log(math.Pi/math.Abs(s)) - lg, sign
	}
	shift := 0.0
	if x < 15 {
		prod := 1.0
		for x < 15 {
			prod *= x
			x++
		}
		shift = Log(prod)
	}
	const halfLog2Pi = 0.91893853320467274178 // ½·ln(2π)
	r := 1 / x
	r2 := r * r
	// Every product is rounded on its own (float64(…)): no FMA on any
	// platform, the same bits as wasm (RATIONALE.md, "Portable floating point").
	p := float64(r2 * (1.0 / 156))
	p = float64(r2 * (-691.0/360360 + p))
	p = float64(r2 * (1.0/1188 + p))
	p = float64(r2 * (-1.0/1680 + p))
	p = float64(r2 * (1.0/1260 + p))
	p = float64(r2 * (-1.0/360 + p))
	series := float64(r * (1.0/12 + p))
	return float64((x-0.5)*Log(x)) - x + halfLog2Pi + series - shift, 1
}

// sinPi is sin(πx) without the error of forming π·x for large |x|: x is
// first reduced exactly to [−½, ½] using sin(π(x−2k)) = sin(πx) and
// sin(π(1−r)) = sin(πr). Near a pole of Γ this keeps the distance to the
// integer, which the product π·x would round away.
func sinPi(x float64) float64 {
	r := x - 2*math.Round(x/2) // exact, in [−1, 1]
	switch {
	case r > 0.5:
		r = 1 - r
	case r < -0.5:
		r = -1 - r
	}
	return Sin(math.Pi * r)
}
