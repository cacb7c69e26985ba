package fmath

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// piDigits is π to 439 decimals (about 1458 bits), enough to reduce any
// float64 exactly in bigSinCos.
const piDigits = "3.1415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679821480865132823066470938446095505822317253594081284811174502841027019385211055596446229489549303819644288109756659334461284756482337867831652712019091456485669234603486104543266482133936072602491412737245870066063155881748815209209628292540917153643678925903600113305305488204665213841469519415116094330572703657595919530921861173819326117"

// bigSinCos is a reference: x − k·π/2 in 1600-bit arithmetic, then the
// Taylor series of sin and cos to 2⁻²⁰⁰, rounded once to float64.
func bigSinCos(x float64) (sin, cos float64) {
	const prec = 1600
	pio2, _, err := big.ParseFloat(piDigits, 10, prec, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	pio2.Quo(pio2, big.NewFloat(2).SetPrec(prec))
	X := new(big.Float).SetPrec(prec).SetFloat64(x)
	q := new(big.Float).SetPrec(prec).Quo(X, pio2)
	q.Add(q, big.NewFloat(0.5).SetPrec(prec))
	k, _ := q.Int(nil)
	if q.Sign() < 0 && !q.IsInt() {
		k.Sub(k, big.NewInt(1)) // floor
	}
	r := new(big.Float).SetPrec(prec).SetInt(k)
	r.Mul(r, pio2)
	r.Sub(X, r)
	r.SetPrec(300)
	r2 := new(big.Float).SetPrec(300).Mul(r, r)
	s := new(big.Float).SetPrec(300).Set(r)
	c := new(big.Float).SetPrec(300).SetFloat64(1)
	term := new(big.Float).SetPrec(300).Set(r) // r^n/n!
	ct := new(big.Float).SetPrec(300).SetFloat64(1)
	for n := 1; n < 80; n++ {
		// sin terms: odd powers; cos terms: even powers.
		term.Mul(term, r2)
		term.Quo(term, big.NewFloat(float64((2*n)*(2*n+1))))
		ct.Mul(ct, r2)
		ct.Quo(ct, big.NewFloat(float64((2*n-1)*(2*n))))
		if n%2 == 1 {
			s.Sub(s, term)
			c.Sub(c, ct)
		} else {
			s.Add(s, term)
			c.Add(c, ct)
		}
	}
	sv, _ := s.Float64()
	cv, _ := c.Float64()
	switch new(big.Int).And(k, big.NewInt(3)).Int64() { // k mod 4, two's complement
	case 0:
		return sv, cv
	case 1:
		return cv, -sv
	case 2:
		return -sv, -cv
	default:
		return -cv, sv
	}
}

func bigSin(x float64) float64 { s, _ := bigSinCos(x); return s }
func bigCos(x float64) float64 { _, c := bigSinCos(x); return c }

// nearMultiple returns doubles within a few ulp of k·π/2, where the
// reduction cancels the most.
func nearMultiple(kmax int) func(r *rand.Rand) float64 {
	return func(r *rand.Rand) float64 {
		k := float64(r.IntN(2*kmax+1) - kmax)
		x := k * (math.Pi / 2)
		for i := r.IntN(5) - 2; i != 0; {
			if i > 0 {
				x = math.Nextafter(x, math.Inf(1))
				i--
			} else {
				x = math.Nextafter(x, math.Inf(-1))
				i++
			}
		}
		return x
	}
}

// Against math over wide ranges (math is within 1 ulp, so the two may
// differ by up to 2), and against the exact reference (bigSinCos) within
// 1 ulp, including next to multiples of π/2 where the reduction cancels the
// most, and for huge |x|, where math's own Payne–Hanek reduction keeps only
// about 53 bits of the fraction and is off by thousands of ulp when the
// result is small (sin(4.182252497768973e+172) ≈ 1.16e-5: math 22138 ulp).
func TestSinCosAccuracy(t *testing.T) {
	const fourPi = 4 * math.Pi
	runAccuracy(t, 11, 300000, []accuracyCase{
		{"Sin [-4π, 4π]", Sin, math.Sin, uniform(-fourPi, fourPi), 2},
		{"Cos [-4π, 4π]", Cos, math.Cos, uniform(-fourPi, fourPi), 2},
		{"Sin tiny", Sin, math.Sin, logUniform(-300, -1, true), 1},
		{"Cos tiny", Cos, math.Cos, logUniform(-300, -1, true), 1},
		{"Sin [-1e4, 1e4]", Sin, math.Sin, uniform(-1e4, 1e4), 2},
		{"Cos [-1e4, 1e4]", Cos, math.Cos, uniform(-1e4, 1e4), 2},
		{"Sin [-1e6, 1e6]", Sin, math.Sin, uniform(-1e6, 1e6), 2},
		{"Cos [-1e6, 1e6]", Cos, math.Cos, uniform(-1e6, 1e6), 2},
	})
	runAccuracy(t, 12, 2000, []accuracyCase{
		{"Sin [-4π, 4π] exact", Sin, bigSin, uniform(-fourPi, fourPi), 1},
		{"Cos [-4π, 4π] exact", Cos, bigCos, uniform(-fourPi, fourPi), 1},
		{"Sin [-1e6, 1e6] exact", Sin, bigSin, uniform(-1e6, 1e6), 1},
		{"Cos [-1e6, 1e6] exact", Cos, bigCos, uniform(-1e6, 1e6), 1},
		{"Sin near k·π/2, |k| ≤ 1e6 exact", Sin, bigSin, nearMultiple(1e6), 1},
		{"Cos near k·π/2, |k| ≤ 1e6 exact", Cos, bigCos, nearMultiple(1e6), 1},
		{"Sin 1e6…1e300 exact", Sin, bigSin, logUniform(6, 300, true), 1},
		{"Cos 1e6…1e300 exact", Cos, bigCos, logUniform(6, 300, true), 1},
	})
	// Doubles very close to a multiple of π/2, the boundary of the two
	// reductions, and the largest double.
	for _, x := range []float64{0x1.6ac5b262ca1ffp+849, 0x1.e89e9ed9d2d62p+57, 6381956970095103 * 0x1p797, 5.319372648326541416e+255, 1e22, 355, 103993, math.MaxFloat64, 0x1p20 * pio2a, math.Nextafter(0x1p20*pio2a, 0)} {
		for _, tc := range []struct {
			name      string
			got, want float64
		}{{"Sin", Sin(x), bigSin(x)}, {"Cos", Cos(x), bigCos(x)}, {"Sin-", Sin(-x), bigSin(-x)}} {
			if u := ulps(tc.got, tc.want); u > 1 {
				t.Errorf("%s(%v) = %v, want %v (%.2f ulp)", tc.name, x, tc.got, tc.want, u)
			}
		}
	}
}

// bigAsin is a reference: the arcsine's series for |x| ≤ ½ and
// π/2 − 2·asin √((1−x)/2) above, in 300-bit arithmetic.
func bigAsin(x float64) float64 {
	const prec = 300
	X := new(big.Float).SetPrec(prec).SetFloat64(math.Abs(x))
	var v *big.Float
	if math.Abs(x) <= 0.5 {
		v = bigAsinSeries(X)
	} else {
		y := new(big.Float).SetPrec(prec).Sub(big.NewFloat(1), X)
		y.Quo(y, big.NewFloat(2))
		y.Sqrt(y)
		v = bigAsinSeries(y)
		v.Mul(v, big.NewFloat(2))
		pio2, _, _ := big.ParseFloat(piDigits, 10, prec, big.ToNearestEven)
		pio2.Quo(pio2, big.NewFloat(2))
		v.Sub(pio2, v)
	}
	f, _ := v.Float64()
	return math.Copysign(f, x)
}

func bigAsinSeries(y *big.Float) *big.Float {
	const prec = 300
	y2 := new(big.Float).SetPrec(prec).Mul(y, y)
	sum := new(big.Float).SetPrec(prec).Set(y)
	term := new(big.Float).SetPrec(prec).Set(y) // C(2n,n)/4ⁿ · y^(2n+1)
	for n := 1; n < 260; n++ {
		term.Mul(term, y2)
		term.Mul(term, big.NewFloat(float64((2*n-1)*(2*n))))
		term.Quo(term, big.NewFloat(float64(4*n*n)))
		t := new(big.Float).SetPrec(prec).Quo(term, big.NewFloat(float64(2*n+1)))
		sum.Add(sum, t)
		if t.Sign() == 0 || t.MantExp(nil) < sum.MantExp(nil)-prec {
			break
		}
	}
	return sum
}

// math.Asin is atan(x/√(1−x²)) and loses accuracy near ±1 (1 − x² is
// formed in plain float64: 1024 ulp at −0.9999999925503725), so it is the
// yardstick only up to |x| = 0.9; the exact reference covers everything.
func TestAsinAccuracy(t *testing.T) {
	runAccuracy(t, 13, 300000, []accuracyCase{
		{"Asin [-0.9, 0.9]", Asin, math.Asin, uniform(-0.9, 0.9), 2},
		{"Asin near 0", Asin, math.Asin, logUniform(-300, -1, true), 1},
		{"Asin(√a), haversine", Asin, math.Asin, func(r *rand.Rand) float64 { return math.Sqrt(r.Float64() * 0.01) }, 2},
	})
	nearOne := func(r *rand.Rand) float64 {
		x := 1 - math.Pow(10, -16+15*r.Float64())
		if r.IntN(2) == 0 {
			return -x
		}
		return x
	}
	runAccuracy(t, 14, 4000, []accuracyCase{
		{"Asin [-1, 1] exact", Asin, bigAsin, uniform(-1, 1), 1},
		{"Asin [0.4, 0.6] exact", Asin, bigAsin, uniform(0.4, 0.6), 1},
		{"Asin near ±1 exact", Asin, bigAsin, nearOne, 1},
		{"Asin near 0 exact", Asin, bigAsin, logUniform(-20, -1, true), 1},
	})
}

func TestTrigSpecial(t *testing.T) {
	inf, nan, negz := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"Sin(0)", Sin(0), 0}, {"Sin(-0)", Sin(negz), negz}, {"Sin(+Inf)", Sin(inf), nan}, {"Sin(-Inf)", Sin(-inf), nan}, {"Sin(NaN)", Sin(nan), nan},
		{"Cos(0)", Cos(0), 1}, {"Cos(-0)", Cos(negz), 1}, {"Cos(+Inf)", Cos(inf), nan}, {"Cos(-Inf)", Cos(-inf), nan}, {"Cos(NaN)", Cos(nan), nan},
		{"Sin(π/2)", Sin(math.Pi / 2), 1}, {"Cos(π)", Cos(math.Pi), -1}, {"Sin(π/6)", Sin(math.Pi / 6), math.Sin(math.Pi / 6)},
		{"Sin(SmallestNonzero)", Sin(math.SmallestNonzeroFloat64), math.SmallestNonzeroFloat64},
		{"Asin(0)", Asin(0), 0}, {"Asin(-0)", Asin(negz), negz}, {"Asin(1)", Asin(1), math.Pi / 2}, {"Asin(-1)", Asin(-1), -math.Pi / 2},
		{"Asin(0.5)", Asin(0.5), math.Pi / 6}, {"Asin(1.0000001)", Asin(1.0000001), nan}, {"Asin(-2)", Asin(-2), nan},
		{"Asin(+Inf)", Asin(inf), nan}, {"Asin(NaN)", Asin(nan), nan},
	} {
		same := math.Float64bits(tc.got) == math.Float64bits(tc.want) || math.IsNaN(tc.got) && math.IsNaN(tc.want)
		if !same && (tc.want == 0 || math.IsNaN(tc.want) || math.IsNaN(tc.got) || ulps(tc.got, tc.want) > 1) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func BenchmarkSin(b *testing.B) {
	xs := benchInputs(uniform(-10, 10))
	b.Run("fmath", func(b *testing.B) { benchmark(b, Sin, xs) })
	b.Run("math", func(b *testing.B) { benchmark(b, math.Sin, xs) })
	big := benchInputs(logUniform(7, 300, true))
	b.Run("fmath/huge", func(b *testing.B) { benchmark(b, Sin, big) })
	b.Run("math/huge", func(b *testing.B) { benchmark(b, math.Sin, big) })
}

func BenchmarkCos(b *testing.B) {
	xs := benchInputs(uniform(-10, 10))
	b.Run("fmath", func(b *testing.B) { benchmark(b, Cos, xs) })
	b.Run("math", func(b *testing.B) { benchmark(b, math.Cos, xs) })
}

func BenchmarkAsin(b *testing.B) {
	xs := benchInputs(uniform(-1, 1))
	b.Run("fmath", func(b *testing.B) { benchmark(b, Asin, xs) })
	b.Run("math", func(b *testing.B) { benchmark(b, math.Asin, xs) })
	small := benchInputs(uniform(0, 0.1))
	b.Run("fmath/small", func(b *testing.B) { benchmark(b, Asin, small) })
	b.Run("math/small", func(b *testing.B) { benchmark(b, math.Asin, small) })
}
