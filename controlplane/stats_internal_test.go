package controlplane

import (
	"math"
	"testing"
)

// Expected values are computed by hand from the textbook formulas (and
// cross-checked with an independent script); Wilson(3, 10) is the worked
// example in Newcombe (1998): 0.1078 – 0.6032.
func TestWilson(t *testing.T) {
	for _, c := range []struct {
		name         string
		k, n         int64
		p, low, high float64
		wantNil      bool
	}{
		{name: "3 of 10", k: 3, n: 10, p: 0.3, low: 0.10779126740630099, high: 0.6032218525388546},
		{name: "2 of 4", k: 2, n: 4, p: 0.5, low: 0.15003898915214947, high: 0.8499610108478506},
		{name: "0 of 5", k: 0, n: 5, p: 0, low: 0, high: 0.43448246478317476},
		{name: "empty", k: 0, n: 0, wantNil: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := wilson(c.k, c.n)
			if c.wantNil {
				if got != nil {
					t.Fatalf("got %+v, want nil", got)
				}
				return
			}
			if !near(got.Value, c.p) || !near(got.Low, c.low) || !near(got.High, c.high) {
				t.Fatalf("got %+v, want %v [%v, %v]", *got, c.p, c.low, c.high)
			}
		})
	}
}

func TestAUC(t *testing.T) {
	for _, c := range []struct {
		name string
		xs   []scored
		want float64 // -1 for nil
	}{
		{"perfect", []scored{{p: .1}, {p: .2}, {p: .8, converted: true}, {p: .9, converted: true}}, 1},
		{"inverted", []scored{{p: .1, converted: true}, {p: .9}}, 0},
		// ranks 1..4, positives at ranks 1 and 3: (4 − 3) / (2·2)
		{"mixed", []scored{{p: .1, converted: true}, {p: .2}, {p: .3, converted: true}, {p: .4}}, 0.25},
		// a tie at 0.5 shares rank 2.5: (2.5 − 1) / (1·2)
		{"tie", []scored{{p: .2}, {p: .5, converted: true}, {p: .5}}, 0.75},
		{"one class", []scored{{p: .2}, {p: .5}}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := auc(c.xs)
			if c.want < 0 {
				if got != nil {
					t.Fatalf("got %v, want nil", *got)
				}
				return
			}
			if got == nil || !near(*got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCalibrationDeciles(t *testing.T) {
	xs := make([]scored, 20)
	for i := range xs {
		xs[i] = scored{p: float64(i) / 20, converted: i%4 == 0}
	}
	bins := calibration(xs)
	if len(bins) != 10 {
		t.Fatalf("%d bins, want 10", len(bins))
	}
	// Two items per decile: ranks 2d and 2d+1.
	for d, b := range bins {
		wantMean := (float64(2*d) + float64(2*d+1)) / 40
		wantRate := 0.0
		if (2*d)%4 == 0 {
			wantRate = 0.5
		}
		if b.Decile != d+1 || b.Count != 2 || !near(b.MeanPropensity, wantMean) || !near(b.ConversionRate, wantRate) {
			t.Errorf("decile %d = %+v, want mean %v rate %v", d+1, b, wantMean, wantRate)
		}
	}
}

func TestDiffIntervals(t *testing.T) {
	d := diffProportions(1, 3, 2, 4)
	if !near(d.Value, -1.0/6) || !near(d.Low, -0.8909895791373303) || !near(d.High, 0.5576562458039969) {
		t.Fatalf("diffProportions = %+v", *d)
	}
	var a, b moments
	for _, x := range []float64{30, 0, 0} {
		a.add(x)
	}
	for _, x := range []float64{40, 0, 22, 0} {
		b.add(x)
	}
	m := diffMeans(a, b)
	if !near(m.Value, -5.5) || !near(m.Low, -32.76980754190804) || !near(m.High, 21.769807541908033) {
		t.Fatalf("diffMeans = %+v", *m)
	}
	// merge must equal adding one by one.
	var all, part moments
	for _, x := range []float64{30, 0, 0, 40, 0, 22, 0} {
		all.add(x)
	}
	part.merge(a)
	part.merge(b)
	if part.n != all.n || !near(part.mean, all.mean) || !near(part.variance(), all.variance()) {
		t.Fatalf("merge: %+v, want %+v", part, all)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
