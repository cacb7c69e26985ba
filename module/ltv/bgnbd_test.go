package ltv

import (
	"math"
	"testing"
)

// testParams returns Params with the given BG/NBD part, the published CDNOW
// Gamma-Gamma part and a weekly period.
func testParams(r, alpha, a, b float64) Params {
	return Params{R: r, Alpha: alpha, A: a, B: b, P: 6.25, Q: 3.74, Gamma: 15.44,
		PeriodDays: 7, Horizon: 52, Steps: 4, DiscountRate: 0.1, Margin: 1}
}

// TestBGNBDGolden compares E[Y(t)|x,tx,T] and P(alive) with values from an
// independent implementation of the lifetimes formulas in scipy (relative
// 1e-9, on the rows where that float64 formula is itself reliable) and with
// the same formulas in 60-digit mpmath (all rows). The tolerance against
// mpmath is 1e-11 because one extreme regime (r = 0.001, where E ∝ r and every
// closed form cancels to ~c/r) reaches 5e-12; elsewhere it is ~1e-13. The
// achieved error per parameter set is logged.
func TestBGNBDGolden(t *testing.T) {
	rows := readCSV(t, "testdata/bgnbd.csv")
	models := map[[4]float64]*Model{}
	worst := map[[4]float64]float64{}
	var order [][4]float64
	var worstSpE, worstSpPA float64
	nSp := 0
	for _, r := range rows {
		key := [4]float64{num(t, r["r"]), num(t, r["alpha"]), num(t, r["a"]), num(t, r["b"])}
		m := models[key]
		if m == nil {
			var err error
			m, err = New(testParams(key[0], key[1], key[2], key[3]))
			if err != nil {
				t.Fatal(err)
			}
			models[key] = m
			order = append(order, key)
		}
		x, tx, T, tt := num(t, r["x"]), num(t, r["tx"]), num(t, r["T"]), num(t, r["t"])
		e := m.ConditionalExpectedPurchases(tt, x, tx, T)
		pa := m.PAlive(x, tx, T)
		eMp, paMp := num(t, r["E_mp"]), num(t, r["PA_mp"])
		ee, ep := relErrFloor(e, eMp), relErrFloor(pa, paMp)
		worst[key] = math.Max(worst[key], math.Max(ee, ep))
		if ee > 1e-11 || ep > 1e-12 {
			t.Errorf("params %v x=%v tx=%v T=%v t=%v: E=%v (mpmath %v, rel %.2g) PAlive=%v (mpmath %v, rel %.2g)",
				key, x, tx, T, tt, e, eMp, ee, pa, paMp, ep)
		}
		if r["scipy_ok"] != "1" {
			continue
		}
		nSp++
		eSp, paSp := num(t, r["E_scipy"]), num(t, r["PA_scipy"])
		es, eps := relErrFloor(e, eSp), relErrFloor(pa, paSp)
		worstSpE, worstSpPA = math.Max(worstSpE, es), math.Max(worstSpPA, eps)
		if es > 1e-9 || eps > 1e-9 {
			t.Errorf("params %v x=%v tx=%v T=%v t=%v: E=%v (scipy %v, rel %.2g) PAlive=%v (scipy %v, rel %.2g)",
				key, x, tx, T, tt, e, eSp, es, pa, paSp, eps)
		}
	}
	for _, k := range order {
		t.Logf("r=%v alpha=%v a=%v b=%v: max rel err vs mpmath %.2g", k[0], k[1], k[2], k[3], worst[k])
	}
	t.Logf("%d rows; vs scipy/lifetimes on %d rows: E %.2g, PAlive %.2g", len(rows), nSp, worstSpE, worstSpPA)
}

// Hardie's worked example (weeks): x = 2, t_x = 30.43, T = 38.86 expects 1.226
// purchases in the next 39 weeks under the published CDNOW estimates.
func TestHardieExample(t *testing.T) {
	const want, tol = 1.226, 0.0005
	for _, c := range []struct {
		name  string
		steps int
		days  bool
	}{
		{"ConditionalExpectedPurchases in weeks", 4, false},
		{"Score in days, 1 step", 1, true},
		{"Score in days, 4 steps", 4, true},
		{"Score in days, 13 steps", 13, true},
		{"Score in days, 64 steps", 64, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testParams(0.243, 4.414, 0.793, 2.426)
			p.Horizon, p.Steps = 39, c.steps
			m, err := New(p)
			if err != nil {
				t.Fatal(err)
			}
			var got float64
			if c.days {
				var res Result
				m.Score(2, 30.43*7, 38.86*7, math.NaN(), &res)
				got = res.ExpectedPurchases
			} else {
				got = m.ConditionalExpectedPurchases(39, 2, 30.43, 38.86)
			}
			if math.Abs(got-want) > tol {
				t.Errorf("E[Y(39)] = %.6f, want %v ± %v", got, want, tol)
			}
		})
	}
}

func TestLogLikelihoodCDNOW(t *testing.T) {
	x, tx, T := loadSummary(t)
	ll := LogLikelihoodBGNBD(0.243, 4.414, 0.793, 2.426, x, tx, T)
	if math.Abs(ll-(-9582.4)) > 0.1 {
		t.Errorf("LL = %.4f, published -9582.4", ll)
	}
	t.Logf("LL at the published estimates: %.4f", ll)
	for _, c := range []struct {
		name string
		ll   float64
		want float64 // NaN: want NaN
	}{
		{"r = 0", LogLikelihoodBGNBD(0, 4.414, 0.793, 2.426, x, tx, T), math.Inf(-1)},
		{"alpha NaN", LogLikelihoodBGNBD(0.243, math.NaN(), 0.793, 2.426, x, tx, T), math.Inf(-1)},
		{"length mismatch", LogLikelihoodBGNBD(0.243, 4.414, 0.793, 2.426, x, tx[:5], T), math.NaN()},
		{"empty", LogLikelihoodBGNBD(0.243, 4.414, 0.793, 2.426, nil, nil, nil), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !(c.ll == c.want || math.IsNaN(c.ll) && math.IsNaN(c.want)) {
				t.Errorf("got %v, want %v", c.ll, c.want)
			}
		})
	}
}

// extremeModels spans the parameter regimes: the CDNOW fit, a = 1, a - r an
// integer, a + b < 1, tiny and huge α, tiny and large a and r.
func extremeModels(t *testing.T) map[string]*Model {
	out := map[string]*Model{}
	for name, q := range map[string][4]float64{
		"cdnow":        {0.243, 4.414, 0.793, 2.426},
		"a=1":          {0.3, 5, 1, 2},
		"a-r integer":  {0.25, 5, 1.25, 2.5},
		"a+b<1":        {0.2, 3, 0.3, 0.5},
		"tiny alpha":   {0.5, 1e-6, 0.8, 3},
		"huge alpha":   {0.5, 1e6, 0.8, 3},
		"tiny a":       {0.5, 10, 0.01, 1},
		"large a":      {0.5, 10, 50, 80},
		"tiny r":       {0.001, 10, 0.9, 2},
		"large r":      {40, 10, 2, 5},
		"a=1, small r": {0.06, 2, 1, 0.2},
	} {
		p := testParams(q[0], q[1], q[2], q[3])
		p.Horizon, p.Steps = 520, 12
		m, err := New(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	return out
}

func TestExtremes(t *testing.T) {
	xs := []float64{0, 1, 2, 7, 15, 16, 40, 41, 100, 1000, 1e6, 1e12}
	Ts := []float64{0, 1e-9, 0.01, 1, 39, 1000, 1e6, 1e12}
	txf := []float64{0, 0.5, 1}
	ts := []float64{1e-9, 0.01, 0.5, 1, 4, 13, 52, 104, 520, 1e4, 1e6, 1e9}
	for name, m := range extremeModels(t) {
		t.Run(name, func(t *testing.T) {
			var res Result
			for _, x := range xs {
				for _, T := range Ts {
					for _, f := range txf {
						tx := f * T
						pa := m.PAlive(x, tx, T)
						if !(pa >= 0 && pa <= 1) {
							t.Fatalf("PAlive(%v, %v, %v) = %v", x, tx, T, pa)
						}
						prev := 0.0
						for _, tt := range ts {
							e := m.ConditionalExpectedPurchases(tt, x, tx, T)
							if math.IsNaN(e) || math.IsInf(e, 0) || e < 0 {
								t.Fatalf("E[Y(%v) | %v, %v, %v] = %v", tt, x, tx, T, e)
							}
							// Non-decreasing up to rounding: where E has
							// saturated (a > 1, t → ∞) neighbours may differ
							// by an ulp.
							if e < prev*(1-1e-13) {
								t.Fatalf("E[Y(t) | %v, %v, %v] decreases: %v at t=%v after %v", x, tx, T, e, tt, prev)
							}
							prev = e
						}
						m.Score(x, tx*7, T*7, 30, &res)
						for _, v := range []float64{res.PAlive, res.ExpectedPurchases, res.ExpectedAOV, res.CLV} {
							if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
								t.Fatalf("Score(%v, %v, %v) = %+v", x, tx*7, T*7, res)
							}
						}
					}
				}
			}
		})
	}
}

// TestExtremeHorizons scores a grid of histories under horizons from 1e-9 to
// 1e300 periods and extreme parameters: outputs must be finite, non-negative,
// P(alive) ≤ 1, and CLV ≤ Margin·AOV·ExpectedPurchases (discounting ≤ 1).
func TestExtremeHorizons(t *testing.T) {
	for _, q := range [][4]float64{
		{0.243, 4.414, 0.793, 2.426}, {0.5, 1e-6, 0.01, 1}, {0.5, 1e6, 50, 80},
		{0.001, 1e-3, 0.9, 2}, {40, 10, 2, 5}, {0.3, 5, 1, 2},
	} {
		for _, hz := range []float64{1e-9, 1, 52, 1e6, 1e12, 1e300} {
			p := testParams(q[0], q[1], q[2], q[3])
			p.Horizon, p.Steps, p.PeriodDays = hz, 7, 1
			m, err := New(p)
			if err != nil {
				t.Fatal(err)
			}
			var res Result
			for _, x := range []float64{0, 1, 3, 15, 16, 41, 1e4, 1e12} {
				for _, T := range []float64{0, 1e-6, 1, 365, 1e5, 1e12, math.MaxFloat64} {
					for _, f := range []float64{0, 0.5, 1} {
						m.Score(x, f*T, T, 40, &res)
						ok := res.PAlive >= 0 && res.PAlive <= 1 && res.ExpectedPurchases >= 0 &&
							res.ExpectedAOV >= 0 && res.CLV >= 0 && res.CLV <= math.MaxFloat64 &&
							res.ExpectedPurchases <= math.MaxFloat64 &&
							res.CLV <= res.ExpectedAOV*res.ExpectedPurchases*(1+1e-12)+1e-300
						if !ok {
							t.Fatalf("params %v horizon %v: Score(%v, %v, %v) = %+v", q, hz, x, f*T, T, res)
						}
					}
				}
			}
		}
	}
}

// TestRepair checks that inconsistent or missing history is repaired as
// documented, by comparing with the explicitly repaired call.
func TestRepair(t *testing.T) {
	m, err := New(testParams(0.243, 4.414, 0.793, 2.426))
	if err != nil {
		t.Fatal(err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	score := func(x, tx, T, z float64) Result {
		var r Result
		m.Score(x, tx, T, z, &r)
		return r
	}
	for _, c := range []struct {
		name        string
		x, tx, T, z float64 // raw input (days)
		wx, wtx, wT float64 // the repaired history it must equal
	}{
		{name: "NaN x means new customer", x: nan, tx: 10, T: 100, z: 20, wx: 0, wtx: 0, wT: 0},
		{name: "NaN T means new customer", x: 3, tx: 10, T: nan, z: 20, wx: 0, wtx: 0, wT: 0},
		{name: "NaN tx with x>0 means new customer", x: 3, tx: nan, T: 100, z: 20, wx: 0, wtx: 0, wT: 0},
		{name: "NaN tx with x=0 is tx=0", x: 0, tx: nan, T: 100, z: 20, wx: 0, wtx: 0, wT: 100},
		{name: "tx > T is tx = T", x: 3, tx: 150, T: 100, z: 20, wx: 3, wtx: 100, wT: 100},
		{name: "negative x", x: -2, tx: 10, T: 100, z: 20, wx: 0, wtx: 0, wT: 100},
		{name: "negative T", x: 2, tx: 10, T: -100, z: 20, wx: 2, wtx: 0, wT: 0},
		{name: "negative tx", x: 2, tx: -10, T: 100, z: 20, wx: 2, wtx: 0, wT: 100},
		{name: "fractional x truncated", x: 2.7, tx: 10, T: 100, z: 20, wx: 2, wtx: 10, wT: 100},
		{name: "Inf T clamped", x: 2, tx: 10, T: inf, z: 20, wx: 2, wtx: 10, wT: 7e12},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := score(c.x, c.tx, c.T, c.z)
			want := score(c.wx, c.wtx, c.wT, c.z)
			if got != want {
				t.Errorf("Score(%v, %v, %v) = %+v, want %+v", c.x, c.tx, c.T, got, want)
			}
		})
	}
}

// TestScoreGolden compares all Score outputs for CDNOW customers under four
// valuation configurations with the documented definitions evaluated in
// 60-digit mpmath (testdata/clv.csv).
func TestScoreGolden(t *testing.T) {
	rows := readCSV(t, "testdata/clv.csv")
	worst := 0.0
	for _, r := range rows {
		p := testParams(0.243, 4.414, 0.793, 2.426)
		p.Steps = int(num(t, r["steps"]))
		p.Horizon, p.DiscountRate, p.Margin = num(t, r["horizon"]), num(t, r["rate"]), num(t, r["margin"])
		m, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		var res Result
		m.Score(num(t, r["x"]), num(t, r["tx_days"]), num(t, r["T_days"]), num(t, r["zbar"]), &res)
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"PAlive", res.PAlive, num(t, r["PAlive"])},
			{"ExpectedPurchases", res.ExpectedPurchases, num(t, r["ExpectedPurchases"])},
			{"ExpectedAOV", res.ExpectedAOV, num(t, r["ExpectedAOV"])},
			{"CLV", res.CLV, num(t, r["CLV"])},
		} {
			e := relErr(c.got, c.want)
			worst = math.Max(worst, e)
			if e > 1e-12 {
				t.Errorf("%v: %s = %.17g, want %.17g (rel %.2g)", r, c.name, c.got, c.want, e)
			}
		}
	}
	t.Logf("%d rows: max rel err %.2g", len(rows), worst)
}

// TestCLVDefinition checks Score against the documented formula assembled
// from ConditionalExpectedPurchases (validated against the golden values)
// and ExpectedAOV.
func TestCLVDefinition(t *testing.T) {
	cs := loadCDNOW(t)
	for _, c := range []struct {
		name    string
		steps   int
		rate    float64
		horizon float64
		margin  float64
	}{
		{"4 steps, 10%", 4, 0.1, 52, 1},
		{"12 steps, 10%, margin 0.3", 12, 0.1, 52, 0.3},
		{"1 step, no discount", 1, 0, 52, 1},
		{"64 steps, 100%, 5 years", 64, 1, 260, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testParams(0.243, 4.414, 0.793, 2.426)
			p.Steps, p.DiscountRate, p.Horizon, p.Margin = c.steps, c.rate, c.horizon, c.margin
			m, err := New(p)
			if err != nil {
				t.Fatal(err)
			}
			var res Result
			worst := 0.0
			for i := 0; i < len(cs); i += 7 {
				cu := cs[i]
				m.Score(cu.x, cu.tx*7, cu.T*7, cu.zbar, &res)
				sum, prev := 0.0, 0.0
				for k := 1; k <= c.steps; k++ {
					tk := float64(k) * c.horizon / float64(c.steps)
					e := m.ConditionalExpectedPurchases(tk, cu.x, cu.tx, cu.T)
					d := math.Pow(1+c.rate, -tk*7/365)
					sum += d * (e - prev)
					prev = e
				}
				zbar := cu.zbar
				if cu.x == 0 {
					zbar = math.NaN()
				}
				want := c.margin * m.ExpectedAOV(cu.x, zbar) * sum
				if e := relErr(res.CLV, want); e > worst {
					worst = e
				}
				if e := relErr(res.ExpectedPurchases, prev); e > 1e-13 {
					t.Errorf("customer %d: ExpectedPurchases %v, E[Y(H)] %v", i, res.ExpectedPurchases, prev)
				}
			}
			if worst > 1e-12 {
				t.Errorf("max rel diff of CLV from its definition: %.3g", worst)
			}
		})
	}
}

// TestTableMatchesSeries compares the Chebyshev tables with the series they
// were built from, away from the interpolation nodes. An interpolation
// defect would show as errors far above the series' own round-off (which is
// ~1e-13, and ~5e-12 for the r = 0.001 model).
func TestTableMatchesSeries(t *testing.T) {
	for name, m := range extremeModels(t) {
		t.Run(name, func(t *testing.T) {
			worst := 0.0
			for x := 0; x <= xCheb; x++ {
				for i := 0; i < m.nInt; i++ {
					for j := 0; j <= 40; j++ {
						w := math.Ldexp(0.5+0.5*float64(j)/40, -i)
						z := 1 - w
						if z == 0 {
							continue
						}
						kind, ci, y := m.classify(x, z, w)
						if kind != kindCheb {
							t.Fatalf("x=%d w=%v: not tabulated", x, w)
						}
						var ln lanes
						ln.z[3], ln.w[3], ln.ci[3], ln.y[3] = z, w, ci, y
						var hv [4]float64
						m.evalKind(kindCheb, x, float64(x), 3, &ln, &hv)
						want := m.hSeries(x, float64(x), z, w, lnW(z, w, 0, 0))
						if e := relErr(hv[3], want); e > worst {
							worst = e
						}
					}
				}
			}
			if worst > 1e-11 {
				t.Errorf("max rel diff table vs series %.3g", worst)
			}
			t.Logf("%d intervals, max rel diff table vs series %.3g", m.nInt, worst)
		})
	}
}

func TestScoreAllocs(t *testing.T) {
	m, err := New(testParams(0.243, 4.414, 0.793, 2.426))
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	for _, c := range [][4]float64{{2, 213, 272, 22.35}, {0, 0, 272, math.NaN()}, {30, 200, 210, 40}, {100, 1, 2, 5}, {math.NaN(), 0, 0, 0}} {
		if a := testing.AllocsPerRun(100, func() { m.Score(c[0], c[1], c[2], c[3], &res) }); a != 0 {
			t.Errorf("Score%v: %v allocs per run", c, a)
		}
	}
}

func TestConcurrentScore(t *testing.T) {
	m, err := New(testParams(0.243, 4.414, 0.793, 2.426))
	if err != nil {
		t.Fatal(err)
	}
	cs := loadCDNOW(t)
	want := make([]Result, len(cs))
	for i, c := range cs {
		m.Score(c.x, c.tx*7, c.T*7, c.zbar, &want[i])
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			ok := true
			var r Result
			for i, c := range cs {
				m.Score(c.x, c.tx*7, c.T*7, c.zbar, &r)
				ok = ok && r == want[i]
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Error("concurrent Score gave a different result")
		}
	}
}
