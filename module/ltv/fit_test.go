package ltv

import (
	"math"
	"testing"
)

// loadSummary reads cdnow_customers_summary.csv (weeks).
func loadSummary(tb testing.TB) (x, tx, T []float64) {
	tb.Helper()
	for _, r := range readCSV(tb, cdnowDir+"cdnow_customers_summary.csv") {
		x = append(x, num(tb, r["frequency"]))
		tx = append(tx, num(tb, r["recency"]))
		T = append(T, num(tb, r["T"]))
	}
	return
}

func TestFitBGNBDCDNOW(t *testing.T) {
	x, tx, T := loadSummary(t)
	if len(x) != 2357 {
		t.Fatalf("read %d customers, want 2357", len(x))
	}
	r, alpha, a, b, err := FitBGNBD(x, tx, T)
	if err != nil {
		t.Fatal(err)
	}
	ll := LogLikelihoodBGNBD(r, alpha, a, b, x, tx, T)
	t.Logf("fitted r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f", r, alpha, a, b, ll)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"r", r, 0.243}, {"alpha", alpha, 4.414}, {"a", a, 0.793}, {"b", b, 2.426}} {
		if math.Abs(c.got/c.want-1) > 0.01 {
			t.Errorf("%s = %v, published %v", c.name, c.got, c.want)
		}
	}
	if math.Abs(ll-(-9582.4)) > 0.1 {
		t.Errorf("LL at the fit = %v, published -9582.4", ll)
	}
}

func TestFitGammaGammaCDNOW(t *testing.T) {
	cs := loadCDNOW(t)
	x := make([]float64, len(cs))
	z := make([]float64, len(cs))
	n := 0
	for i, c := range cs {
		x[i], z[i] = c.x, c.zbar
		if c.x > 0 {
			n++
		}
	}
	if n != 946 {
		t.Fatalf("%d repeat buyers, want 946", n)
	}
	p, q, g, err := FitGammaGamma(x, z)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fitted p=%.6f q=%.6f gamma=%.6f", p, q, g)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p", p, 6.25}, {"q", q, 3.74}, {"gamma", g, 15.44}} {
		if math.Abs(c.got/c.want-1) > 0.02 {
			t.Errorf("%s = %v, published %v", c.name, c.got, c.want)
		}
	}
}

func TestFitErrors(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name      string
		x, tx, T  []float64
		wantError error
	}{
		{"empty", nil, nil, nil, errFitData},
		{"length mismatch", []float64{1, 2}, []float64{1}, []float64{3, 4}, errFitData},
		{"tx > T", []float64{1}, []float64{5}, []float64{4}, errFitData},
		{"negative x", []float64{-1}, []float64{1}, []float64{4}, errFitData},
		{"NaN", []float64{1}, []float64{nan}, []float64{4}, errFitData},
		{"no repeat purchase", []float64{0, 0}, []float64{0, 0}, []float64{4, 5}, errFitNoRepeat},
	} {
		t.Run("BGNBD "+c.name, func(t *testing.T) {
			if _, _, _, _, err := FitBGNBD(c.x, c.tx, c.T); err != c.wantError {
				t.Errorf("err = %v, want %v", err, c.wantError)
			}
		})
	}
	for _, c := range []struct {
		name      string
		x, z      []float64
		wantError error
	}{
		{"length mismatch", []float64{1, 2}, []float64{1}, errFitData},
		{"NaN", []float64{1, 2}, []float64{nan, 3}, errFitData},
		{"no repeat buyer", []float64{0, 0, 0}, []float64{0, 0, 0}, errFitNoRepeat},
	} {
		t.Run("GammaGamma "+c.name, func(t *testing.T) {
			if _, _, _, err := FitGammaGamma(c.x, c.z); err != c.wantError {
				t.Errorf("err = %v, want %v", err, c.wantError)
			}
		})
	}
}

func TestFitDeterministic(t *testing.T) {
	x, tx, T := loadSummary(t)
	x, tx, T = x[:500], tx[:500], T[:500]
	r1, a1, b1, c1, err1 := FitBGNBD(x, tx, T)
	r2, a2, b2, c2, err2 := FitBGNBD(x, tx, T)
	if err1 != nil || err2 != nil || r1 != r2 || a1 != a2 || b1 != b2 || c1 != c2 {
		t.Errorf("two fits differ: %v %v %v %v %v / %v %v %v %v %v", r1, a1, b1, c1, err1, r2, a2, b2, c2, err2)
	}
}
