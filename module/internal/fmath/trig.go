package fmath

import (
	"math"
	"math/bits"
)

// π/2 in four parts for the Cody–Waite reduction: pio2a, pio2b and pio2c
// hold 33 significant bits each (truncated), so k·part is exact for
// |k| ≤ 2²⁰; pio2d is the rest rounded to 53 bits. Their sum is π/2 to
// within 2⁻¹⁵⁹.
const (
	pio2a     = 0x1.921fb544p+0
	pio2b     = 0x1.0b4611a6p-34
	pio2c     = 0x1.3198a2ep-69
	pio2d     = 0x1.b839a252049c1p-104
	pio2hi    = 0x1.921fb54442d18p+0  // π/2 rounded
	pio2lo    = 0x1.1a62633145c07p-54 // π/2 − pio2hi
	pio4      = 0x1.921fb54442d18p-1  // π/4 rounded down
	twoOverPi = 0x1.45f306dc9c883p-1
	// trigMax bounds the Cody–Waite reduction: k = round(x·2/π) ≤ 2²⁰.
	trigMax = 0x1p20 * pio2a
)

// Sin returns sin x.
//
// x is reduced to r = x − k·π/2, |r| ≤ π/4, kept as a double-double (rhi +
// rlo). For |x| < 2²⁰·π/2 (about 1.65e6) that is Cody–Waite with π/2 in four
// parts: x − k·pio2a is exact and the next parts are subtracted with their
// rounding errors kept (TwoSum), so r is correct to about 2⁻¹¹⁸ absolute
// even when x is very close to a multiple of π/2. Beyond, Payne–Hanek
// reduction in exact integer arithmetic (reduceLarge), accurate for every
// finite x. sin r and cos r are Taylor polynomials (to r¹⁷ and r¹⁶,
// truncation below 1e-19 relative).
func Sin(x float64) float64 {
	switch {
	case x != x:
		return x
	case math.IsInf(x, 0):
		return math.NaN()
	}
	if math.Abs(x) <= pio4 {
		if math.Abs(x) < 0x1p-27 { // x − x³/6 rounds to x; keeps −0
			return x
		}
		return sinKernel(x, 0)
	}
	k, rhi, rlo := reduce(x)
	switch k & 3 {
	case 0:
		return sinKernel(rhi, rlo)
	case 1:
		return cosKernel(rhi, rlo)
	case 2:
		return -sinKernel(rhi, rlo)
	default:
		return -cosKernel(rhi, rlo)
	}
}

// Cos returns cos x; see Sin.
func Cos(x float64) float64 {
	switch {
	case x != x:
		return x
	case math.IsInf(x, 0):
		return math.NaN()
	}
	if math.Abs(x) <= pio4 {
		if math.Abs(x) < 0x1p-27 { // 1 − x²/2 rounds to 1
			return 1
		}
		return cosKernel(x, 0)
	}
	k, rhi, rlo := reduce(x)
	switch k & 3 {
	case 0:
		return cosKernel(rhi, rlo)
	case 1:
		return -sinKernel(rhi, rlo)
	case 2:
		return -cosKernel(rhi, rlo)
	default:
		return sinKernel(rhi, rlo)
	}
}

// twoSum returns a+b rounded and its rounding error (Knuth; no branch).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return
}

// reduce returns k (only k mod 4 matters) and r = x − k·π/2 as rhi + rlo,
// |r| ≤ π/4 (+ a rounding), for finite |x| > π/4. Below trigMax it is
// Cody–Waite with k = round(x·2/π), above Payne–Hanek (reduceLarge).
func reduce(x float64) (int64, float64, float64) {
	if math.Abs(x) >= trigMax {
		return reduceLarge(x)
	}
	k := math.Floor(float64(x*twoOverPi) + 0.5)
	t := x - float64(k*pio2a) // exact: k·pio2a is exact and within a factor 2 of x
	a, ea := twoSum(t, -float64(k*pio2b))
	b, eb := twoSum(a, -float64(k*pio2c))
	rhi, rlo := twoSum(b, (ea+eb)-float64(k*pio2d))
	return int64(k), rhi, rlo
}

// reduceLarge handles |x| ≥ 2²⁰·π/2 by Payne–Hanek reduction in integer
// arithmetic (exact everywhere): |x| = m·2^E with m a 53-bit integer, and
// x·2/π mod 4 is m times a 192-bit window of the bits of 2/π, taken where
// the bits above it only add multiples of 4. The product modulo 2¹⁹² holds
// the quadrant and 190 fraction bits, known to 2⁻¹³⁷, so r is accurate for
// every finite x (the closest a double comes to a multiple of π/2 is about
// 2⁻⁶¹). The fraction is normalised, split exactly into two 53-bit halves
// and multiplied by π/2 in double-double (Dekker, no FMA).
func reduceLarge(x float64) (int64, float64, float64) {
	b := math.Float64bits(x)
	m := b&(1<<52-1) | 1<<52
	e := int(b>>52&0x7ff) - 1075 // |x| = m·2^e, e ≥ −32 here
	// Bit p of twoOverPiBits (p = 0 is the top of word 0) weighs 2^(63−p);
	// in m·2^e·(2/π) it weighs m·2^(e+63−p), a multiple of 4 for p ≤ e+61.
	p0 := e + 62
	j, s := p0/64, uint(p0%64)
	w0, w1, w2 := twoOverPiBits[j], twoOverPiBits[j+1], twoOverPiBits[j+2]
	if s != 0 {
		w3 := twoOverPiBits[j+3]
		w0 = w0<<s | w1>>(64-s)
		w1 = w1<<s | w2>>(64-s)
		w2 = w2<<s | w3>>(64-s)
	}
	// y = m·(w0,w1,w2) mod 2¹⁹², scaled by 2⁻¹⁹⁰: x·2/π mod 4.
	h2, y2 := bits.Mul64(m, w2)
	h1, l1 := bits.Mul64(m, w1)
	_, l0 := bits.Mul64(m, w0)
	y1, c := bits.Add64(l1, h2, 0)
	y0 := l0 + h1 + c
	q := int64(y0 >> 62)
	y0 &= 1<<62 - 1
	neg := false
	if y0>>61 != 0 { // fraction ≥ ½: round up, r = −(1 − fraction)·π/2
		q++
		neg = true
		var bw uint64
		y2, bw = bits.Sub64(0, y2, 0)
		y1, bw = bits.Sub64(0, y1, bw)
		y0, _ = bits.Sub64(1<<62, y0, bw)
	}
	// Normalise the 190-bit fraction (y0 < 2⁶², weight 2⁻¹⁹⁰ per unit)
	// so that its top bit is bit 63 of y0.
	lz := bits.LeadingZeros64(y0)
	if lz == 64 { // fraction < 2⁻⁶²: impossible for a double (see above)
		y0, y1, y2 = y1, y2, 0
		lz = 64 + bits.LeadingZeros64(y0)
	}
	sh := uint(lz % 64)
	if sh != 0 {
		y0 = y0<<sh | y1>>(64-sh)
		y1 = y1<<sh | y2>>(64-sh)
	}
	// Top 53 bits and the next 53, each converted exactly.
	hiBits := y0 >> 11
	loBits := (y0&(1<<11-1))<<42 | y1>>22
	// (y0,y1) is the fraction times 2^(190+lz) over 2¹²⁸; hiBits is its
	// bits 191…139, loBits its bits 138…86.
	fhi := math.Ldexp(float64(hiBits), -51-lz)
	flo := math.Ldexp(float64(loBits), -104-lz)
	// r = (fhi + flo)·π/2
	ph, pl := twoProd(fhi, pio2hi)
	tail := pl + (float64(fhi*pio2lo) + float64(flo*pio2hi))
	rhi, rlo := twoSum(ph, tail)
	if neg {
		rhi, rlo = -rhi, -rlo
	}
	if x < 0 {
		q, rhi, rlo = -q, -rhi, -rlo
	}
	return q, rhi, rlo
}

// twoOverPiBits holds 2/π in binary: word 0 the integer part (0), then
// 1216 fraction bits (computed from Machin's formula in exact integer
// arithmetic).
var twoOverPiBits = [...]uint64{
	0x0000000000000000, 0xa2f9836e4e441529, 0xfc2757d1f534ddc0, 0xdb6295993c439041,
	0xfe5163abdebbc561, 0xb7246e3a424dd2e0, 0x06492eea09d1921c, 0xfe1deb1cb129a73e,
	0xe88235f52ebb4484, 0xe99c7026b45f7e41, 0x3991d639835339f4, 0x9c845f8bbdf9283b,
	0x1ff897ffde05980f, 0xef2f118b5a0a6d1f, 0x6d367ecf27cb09b7, 0x4f463f669e5fea2d,
	0x7527bac7ebe5f17b, 0x3d0739f78a5292ea, 0x6bfb5fb11f8d5d08, 0x56033046fc7b6bab,
}

// twoProd returns a·b rounded and its rounding error, exactly, without an
// FMA (Dekker).
func twoProd(a, b float64) (p, e float64) {
	ah, al := split(a)
	bh, bl := split(b)
	p = float64(a * b)
	e = ((float64(ah*bh) - p) + float64(ah*bl) + float64(al*bh)) + float64(al*bl)
	return
}

// split returns a as hi + lo with 26-bit halves (Veltkamp), |a| < 2⁹⁹⁶.
func split(a float64) (hi, lo float64) {
	const c = 0x1p27 + 1
	t := float64(c * a)
	hi = t - (t - a)
	lo = a - hi
	return
}

// Taylor coefficients of sin (odd) and cos (even), Go-exact constants
// rounded once.
const (
	s3  = -1.0 / 6
	s5  = 1.0 / 120
	s7  = -1.0 / 5040
	s9  = 1.0 / 362880
	s11 = -1.0 / 39916800
	s13 = 1.0 / 6227020800
	s15 = -1.0 / 1307674368000
	s17 = 1.0 / 355687428096000
	k4  = 1.0 / 24
	k6  = -1.0 / 720
	k8  = 1.0 / 40320
	k10 = -1.0 / 3628800
	k12 = 1.0 / 479001600
	k14 = -1.0 / 87178291200
	k16 = 1.0 / 20922789888000
)

// sinKernel returns sin(r + rlo) for |r| ≤ π/4 (+ a little), |rlo| ≤ ulp(r):
// r + r³·S(r²) + rlo·(1 − r²/2).
func sinKernel(r, rlo float64) float64 {
	z := float64(r * r)
	p := float64(z*s17) + s15
	p = float64(z*p) + s13
	p = float64(z*p) + s11
	p = float64(z*p) + s9
	p = float64(z*p) + s7
	p = float64(z*p) + s5
	p = float64(z*p) + s3
	v := float64(z * r)
	return r + (float64(v*p) + float64(rlo*(1-float64(0.5*z))))
}

// cosKernel returns cos(r + rlo) for |r| ≤ π/4 (+ a little):
// 1 − r²/2 + r⁴·C(r²) − r·rlo, with r² formed exactly (Dekker) and the
// rounding error of 1 − r²/2 recovered, so the result carries about one
// rounding.
func cosKernel(r, rlo float64) float64 {
	z, zlo := twoSquare(r)
	hz := float64(0.5 * z)
	w := 1 - hz
	p := float64(z*k16) + k14
	p = float64(z*p) + k12
	p = float64(z*p) + k10
	p = float64(z*p) + k8
	p = float64(z*p) + k6
	p = float64(z*p) + k4
	p = float64(float64(z*z) * p)
	tail := ((1 - w) - hz) + (p - (float64(0.5*zlo) + float64(r*rlo)))
	return w + tail
}

// twoSquare returns r² rounded and its rounding error, exactly, without an
// FMA (Dekker: r split into two 26-bit halves whose products are exact).
func twoSquare(r float64) (z, e float64) {
	const split = 0x1p27 + 1
	c := float64(split * r)
	hi := c - (c - r)
	lo := r - hi
	z = float64(r * r)
	e = ((float64(hi*hi) - z) + float64(2*float64(hi*lo))) + float64(lo*lo)
	return
}

// Asin returns arcsin x.
//
// |x| ≤ ½: x + x³·A(x²), the arcsine's Taylor series (all terms positive,
// 9 terms when x² ≤ 1/64, else 24; truncation below 1e-17 relative).
// |x| > ½: asin x = π/2 − 2·asin y, y = √((1−x)/2) ≤ ½, with the rounding
// error of the square root recovered (y² formed exactly) and π/2 − 2y
// formed with its rounding error, so the result carries about one rounding.
func Asin(x float64) float64 {
	if x != x {
		return x
	}
	a := math.Abs(x)
	switch {
	case a > 1:
		return math.NaN()
	case a < 0x1p-26: // x + x³/6 rounds to x; keeps −0
		return x
	case a <= 0.5:
		z := float64(x * x)
		return x + float64(float64(x*z)*asinPoly(z))
	}
	t := float64(0.5 * (1 - a)) // exact
	y := math.Sqrt(t)
	var v float64
	if y == 0 {
		v = pio2hi
	} else {
		yy, yye := twoSquare(y)
		c := ((t - yy) - yye) / (2 * y) // y + c = √t to about 2⁻¹⁰⁶ relative
		// asin(y+c) ≈ asin y + c/√(1−y²) ≈ asin y + c·(1 + y²/2)
		c += float64(c * float64(0.5*yy))
		small := c + float64(float64(y*yy)*asinPoly(yy)) // asin(y+c) − y
		s := pio2hi - 2*y
		e := (pio2hi - s) - 2*y // exact: Fast2Sum, pio2hi > 2y
		v = s + ((pio2lo + e) - 2*small)
	}
	if x < 0 {
		return -v
	}
	return v
}

// asinPoly returns (asin y − y)/y³ for z = y², 0 ≤ z ≤ ¼.
func asinPoly(z float64) float64 {
	var p float64
	if z <= 1.0/64 {
		p = float64(z*(12155.0/1245184)) + 6435.0/557056
	} else {
		p = float64(z*(8061900920775.0/3448068464705536)) + 514589420475.0/206708186021888
		p = float64(z*p) + 17534158031.0/6597069766656
		p = float64(z*p) + 67282234305.0/23639499997184
		p = float64(z*p) + 34461632205.0/11269994184704
		p = float64(z*p) + 1472719325.0/446676598784
		p = float64(z*p) + 2268783825.0/635655159808
		p = float64(z*p) + 116680311.0/30064771072
		p = float64(z*p) + 100180065.0/23622320128
		p = float64(z*p) + 9694845.0/2080374784
		p = float64(z*p) + 5014575.0/973078528
		p = float64(z*p) + 1300075.0/226492416
		p = float64(z*p) + 676039.0/104857600
		p = float64(z*p) + 88179.0/12058624
		p = float64(z*p) + 46189.0/5505024
		p = float64(z*p) + 12155.0/1245184
		p = float64(z*p) + 6435.0/557056
	}
	p = float64(z*p) + 143.0/10240
	p = float64(z*p) + 231.0/13312
	p = float64(z*p) + 63.0/2816
	p = float64(z*p) + 35.0/1152
	p = float64(z*p) + 5.0/112
	p = float64(z*p) + 3.0/40
	p = float64(z*p) + 1.0/6
	return p
}
