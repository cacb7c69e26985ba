package fmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	d := math.Abs(a - b)
	u := math.Nextafter(math.Abs(b), math.Inf(1)) - math.Abs(b)
	return d / u
}

// Against Go's math (which is itself within 1 ulp), over wide random
// ranges: the core's functions stay within a few ulp.
func TestAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name    string
		f, ref  func(float64) float64
		gen     func() float64
		maxUlps float64
	}{
		{"Exp small", Exp, math.Exp, func() float64 { return r.Float64()*2 - 1 }, 2},
		{"Exp wide", Exp, math.Exp, func() float64 { return r.Float64()*1400 - 700 }, 2},
		{"Log", Log, math.Log, func() float64 { return math.Exp(r.Float64()*1400 - 700) }, 2},
		{"Log near 1", Log, math.Log, func() float64 { return 1 + (r.Float64()-0.5)*1e-3 }, 4},
		{"Lgamma large", func(x float64) float64 { v, _ := Lgamma(x); return v }, func(x float64) float64 { v, _ := math.Lgamma(x); return v },
			func() float64 { return r.Float64()*2000 + 15 }, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			worst := 0.0
			for i := 0; i < 200000; i++ {
				x := tc.gen()
				if u := ulps(tc.f(x), tc.ref(x)); u > worst {
					worst = u
				}
			}
			if worst > tc.maxUlps {
				t.Fatalf("worst error %.1f ulp, want ≤ %v", worst, tc.maxUlps)
			}
			t.Logf("worst error %.2f ulp", worst)
		})
	}
}

// Lgamma below 15 (the recurrence) and where its value is near zero:
// absolute error, since relative error is meaningless at the zeros at 1
// and 2. The lifetime model only uses differences of Lgamma values, where
// an absolute error of 1e-13 is a relative error of 1e-13 in the ratio.
func TestLgammaAbsolute(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100000; i++ {
		x := r.Float64() * 15
		got, _ := Lgamma(x)
		want, _ := math.Lgamma(x)
		if math.Abs(got-want) > 1e-13*math.Max(1, math.Abs(want)) {
			t.Fatalf("Lgamma(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{1e-300, 1e-8, 0.1, 0.5, 0.999, 1, 1.5, 2, 2.0001, 3, 7.5, 14.99, 15, 1e6, -0.5, -1.5, -2.5, -10.3} {
		got, gs := Lgamma(x)
		want, ws := math.Lgamma(x)
		if math.Abs(got-want) > 1e-13*math.Max(1, math.Abs(want)) || gs != ws {
			t.Errorf("Lgamma(%v) = %v,%d want %v,%d", x, got, gs, want, ws)
		}
	}
	for _, x := range []float64{0, -1, -2} {
		if v, _ := Lgamma(x); !math.IsInf(v, 1) {
			t.Errorf("Lgamma(%v) = %v, want +Inf", x, v)
		}
	}
}

func TestSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"Exp(0)", Exp(0), 1}, {"Exp(1)", Exp(1), math.E}, {"Exp(-Inf)", Exp(-inf), 0}, {"Exp(+Inf)", Exp(inf), inf},
		{"Exp(710)", Exp(710), inf}, {"Exp(-746)", Exp(-746), 0},
		{"Log(1)", Log(1), 0}, {"Log(e)", Log(math.E), 1}, {"Log(0)", Log(0), -inf}, {"Log(+Inf)", Log(inf), inf},
		{"Pow(2, 10)", Pow(2, 10), 1024}, {"Pow(0, 2)", Pow(0, 2), 0}, {"Pow(x, 0)", Pow(7, 0), 1},
	} {
		if tc.got != tc.want && math.Abs(tc.got-tc.want) > 4e-16*math.Abs(tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if !math.IsNaN(Exp(nan)) || !math.IsNaN(Log(-1)) || !math.IsNaN(Log(nan)) {
		t.Error("NaN handling")
	}
	if Exp(-740) == 0 || Exp(-740) != math.Exp(-740) && ulps(Exp(-740), math.Exp(-740)) > 2 {
		t.Errorf("subnormal Exp(-740) = %v, want %v", Exp(-740), math.Exp(-740))
	}
}

// Known answers computed here once and pinned: if a change to this package
// moves any bit, every host's decisions move with it, and the conformance
// golden file must be regenerated. This test makes that visible.
func TestPinnedBits(t *testing.T) {
	for _, tc := range pinned {
		if got := math.Float64bits(tc.f(tc.x)); got != tc.bits {
			t.Errorf("%s(%v) bits %#x, pinned %#x", tc.name, tc.x, got, tc.bits)
		}
	}
}
