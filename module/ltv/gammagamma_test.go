package ltv

import (
	"math"
	"testing"
)

func TestExpectedAOV(t *testing.T) {
	m, err := New(testParams(0.243, 4.414, 0.793, 2.426)) // p = 6.25, q = 3.74, γ = 15.44
	if err != nil {
		t.Fatal(err)
	}
	// Hand-computed from E = p(γ + x·zbar)/(p·x + q - 1):
	//   population: 6.25·15.44/2.74                       = 96.5/2.74       = 35.21897810218978
	//   x=1, zbar=11.77: 6.25·(15.44+11.77)/(6.25+2.74)   = 170.0625/8.99   = 18.916852057842046
	//   x=2, zbar=22.35: 6.25·(15.44+44.70)/(12.50+2.74)  = 375.875/15.24   = 24.663713910761153
	//   x=5, zbar=48.20: 6.25·(15.44+241.0)/(31.25+2.74)  = 1602.75/33.99   = 47.15357458075904
	//   x=29, zbar=35.0: 6.25·(15.44+1015)/(181.25+2.74)  = 6440.25/183.99  = 35.00326104679602
	//   x=1, zbar=0:     6.25·15.44/8.99                  = 96.5/8.99       = 10.734149054505005
	pop := 35.21897810218978
	for _, c := range []struct {
		name    string
		x, zbar float64
		want    float64
	}{
		{"customer 2 of CDNOW", 1, 11.77, 18.916852057842046},
		{"customer 1 of CDNOW", 2, 22.35, 24.663713910761153},
		{"x=5", 5, 48.2, 47.15357458075904},
		{"heaviest CDNOW buyer", 29, 35.0, 35.00326104679602},
		{"zero spend", 1, 0, 10.734149054505005},
		{"negative spend treated as 0", 1, -5, 10.734149054505005},
		{"fractional x truncated", 2.9, 22.35, 24.663713910761153},
		{"no repeat purchase", 0, 22.35, pop},
		{"unknown zbar", 3, math.NaN(), pop},
		{"unknown x", math.NaN(), 10, pop},
		{"huge x: own mean", 1e12, 50, 50 - (50-pop)*2.74/(6.25e12+2.74)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := m.ExpectedAOV(c.x, c.zbar)
			if math.Abs(got/c.want-1) > 1e-14 {
				t.Errorf("ExpectedAOV(%v, %v) = %.17g, want %.17g", c.x, c.zbar, got, c.want)
			}
		})
	}
	if got := m.ExpectedAOV(1, math.Inf(1)); math.IsInf(got, 0) || math.IsNaN(got) {
		t.Errorf("ExpectedAOV(1, +Inf) = %v, want finite", got)
	}
}
