package fmath

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// accuracyCase is one sampled range of one function, checked against Go's
// math (itself within 1 ulp of the true value).
type accuracyCase struct {
	name    string
	f, ref  func(float64) float64
	gen     func(r *rand.Rand) float64
	maxUlps float64
}

// logUniform returns ±10^U(lo, hi) (the sign random when signed).
func logUniform(lo, hi float64, signed bool) func(r *rand.Rand) float64 {
	return func(r *rand.Rand) float64 {
		x := math.Pow(10, lo+(hi-lo)*r.Float64())
		if signed && r.IntN(2) == 0 {
			return -x
		}
		return x
	}
}

func uniform(lo, hi float64) func(r *rand.Rand) float64 {
	return func(r *rand.Rand) float64 { return lo + (hi-lo)*r.Float64() }
}

func runAccuracy(t *testing.T, seed uint64, n int, cases []accuracyCase) {
	t.Helper()
	if testing.Short() {
		n /= 10
	}
	if runtime.GOARCH == "wasm" { // the same code, checked natively at full size
		n /= 4
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			worst, worstX := 0.0, 0.0
			for i := 0; i < n; i++ {
				x := tc.gen(r)
				got, want := tc.f(x), tc.ref(x)
				if math.IsNaN(got) != math.IsNaN(want) {
					t.Fatalf("f(%v) = %v, want %v", x, got, want)
				}
				if u := ulps(got, want); u > worst {
					worst, worstX = u, x
				}
			}
			if worst > tc.maxUlps {
				t.Fatalf("worst error %.2f ulp at x = %v, want ≤ %v", worst, worstX, tc.maxUlps)
			}
			t.Logf("worst error %.2f ulp (x = %v)", worst, worstX)
		})
	}
}

func TestLog1pExpm1Accuracy(t *testing.T) {
	runAccuracy(t, 5, 300000, []accuracyCase{
		{"Log1p tiny 1e-300…1e-8", Log1p, math.Log1p, logUniform(-300, -8, true), 1},
		{"Log1p small 1e-8…0.4", Log1p, math.Log1p, logUniform(-8, math.Log10(0.4), true), 1},
		{"Log1p [-0.3, 0.42]", Log1p, math.Log1p, uniform(-0.3, 0.42), 1},
		{"Log1p [-1, 1]", Log1p, math.Log1p, uniform(-1, 1), 1},
		{"Log1p near -1", Log1p, math.Log1p, func(r *rand.Rand) float64 { return -1 + math.Pow(10, -16+15.7*r.Float64()) }, 1},
		{"Log1p [1, 1e300] log-uniform", Log1p, math.Log1p, logUniform(0, 300, false), 1},
		{"Log1p [0, 1e4]", Log1p, math.Log1p, uniform(0, 1e4), 1},
		{"Expm1 tiny 1e-300…1e-8", Expm1, math.Expm1, logUniform(-300, -8, true), 1},
		{"Expm1 small 1e-8…0.35", Expm1, math.Expm1, logUniform(-8, math.Log10(0.35), true), 1},
		{"Expm1 [-1, 1]", Expm1, math.Expm1, uniform(-1, 1), 1},
		{"Expm1 [-40, 40]", Expm1, math.Expm1, uniform(-40, 40), 1},
		{"Expm1 [-750, 710]", Expm1, math.Expm1, uniform(-750, 710), 1},
		{"Expm1 near ±k·ln2/2", Expm1, math.Expm1, func(r *rand.Rand) float64 {
			return float64(r.IntN(81)-40)*halfLn2 + (r.Float64()-0.5)*1e-6
		}, 1},
	})
}

func TestLog1pExpm1Special(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"Log1p(0)", Log1p(0), 0}, {"Log1p(-0)", Log1p(math.Copysign(0, -1)), math.Copysign(0, -1)},
		{"Log1p(-1)", Log1p(-1), -inf}, {"Log1p(-2)", Log1p(-2), nan}, {"Log1p(-Inf)", Log1p(-inf), nan},
		{"Log1p(+Inf)", Log1p(inf), inf}, {"Log1p(NaN)", Log1p(nan), nan},
		{"Log1p(MaxFloat64)", Log1p(math.MaxFloat64), math.Log1p(math.MaxFloat64)},
		{"Log1p(SmallestNonzero)", Log1p(math.SmallestNonzeroFloat64), math.SmallestNonzeroFloat64},
		{"Log1p(-SmallestNonzero)", Log1p(-math.SmallestNonzeroFloat64), -math.SmallestNonzeroFloat64},
		{"Log1p(1)", Log1p(1), math.Ln2}, {"Log1p(e-1)", Log1p(math.E - 1), 1},
		{"Expm1(0)", Expm1(0), 0}, {"Expm1(-0)", Expm1(math.Copysign(0, -1)), math.Copysign(0, -1)},
		{"Expm1(+Inf)", Expm1(inf), inf}, {"Expm1(-Inf)", Expm1(-inf), -1}, {"Expm1(NaN)", Expm1(nan), nan},
		{"Expm1(710)", Expm1(710), inf}, {"Expm1(709.78)", Expm1(709.78), math.Expm1(709.78)},
		{"Expm1(-38)", Expm1(-38), -1}, {"Expm1(-37)", Expm1(-37), math.Expm1(-37)}, {"Expm1(-745)", Expm1(-745), -1},
		{"Expm1(SmallestNonzero)", Expm1(math.SmallestNonzeroFloat64), math.SmallestNonzeroFloat64},
		{"Expm1(ln2)", Expm1(math.Ln2), 1},
	} {
		same := math.Float64bits(tc.got) == math.Float64bits(tc.want) || math.IsNaN(tc.got) && math.IsNaN(tc.want)
		if !same && ulps(tc.got, tc.want) > 1 {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

var sink float64

func benchInputs(gen func(r *rand.Rand) float64) []float64 {
	r := rand.New(rand.NewPCG(7, 8))
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = gen(r)
	}
	return xs
}

func benchmark(b *testing.B, f func(float64) float64, xs []float64) {
	s := 0.0
	for i := 0; i < b.N; i++ {
		s += f(xs[i&1023])
	}
	sink = s
}

func BenchmarkLog1p(b *testing.B) {
	xs := benchInputs(uniform(-0.5, 3))
	b.Run("fmath", func(b *testing.B) { benchmark(b, Log1p, xs) })
	b.Run("math", func(b *testing.B) { benchmark(b, math.Log1p, xs) })
}

func BenchmarkExpm1(b *testing.B) {
	xs := benchInputs(uniform(-3, 3))
	b.Run("fmath", func(b *testing.B) { benchmark(b, Expm1, xs) })
	b.Run("math", func(b *testing.B) { benchmark(b, math.Expm1, xs) })
}
