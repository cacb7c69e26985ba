package rule

import (
	"math"
	"math/rand/v2"
	"testing"
)

var benchVars = map[string]Var{}

var benchNumeric = []string{
	"cart_value", "propensity", "p_alive", "frequency", "recency", "tenure",
	"aov", "total_spend", "pageviews", "minutes", "hour", "weekday", "clv",
	"expected_purchases", "price", "known",
}

var benchCategorical = map[string][]string{
	"channel": {"web", "app", "social", "email", "call_centre"},
	"device":  {"desktop", "mobile", "tablet"},
	"page":    {"home", "category", "product", "search", "cart", "checkout", "other"},
	"country": {"DE", "FR", "NL", "GB", "US", "IT", "ES", "AT"},
}

func init() {
	for i, name := range benchNumeric {
		benchVars[name] = Var{Slot: i}
	}
	i := len(benchNumeric)
	for _, name := range []string{"channel", "device", "page", "country"} {
		benchVars[name] = Var{Slot: i, Categorical: true}
		i++
	}
}

// benchRules are realistic marketing segments.
var benchRules = []struct{ name, src string }{
	{"abandonment_risk", `cart_value > 80 && propensity < 0.3`},
	{"app_lapsing", `channel == "app" && (p_alive < 0.4 || !has(frequency))`},
	{"high_value", `clv >= 500 || total_spend > 1000 && frequency >= 3`},
	{"new_visitor", `known == 0 || missing(frequency)`},
	{"mobile_browser", `device in ("mobile", "tablet") && page in ("product", "category") && pageviews >= 5`},
	{"night_owl", `hour >= 22 || hour < 5`},
	{"weekend_basket", `weekday in (5, 6) && cart_value / max(aov, 1) > 1.5`},
	{"price_sensitive", `price > 1.2 * aov && propensity < 0.5`},
	{"churn_risk", `has(recency) && tenure - recency > 90 && p_alive < 0.3`},
	{"engaged", `minutes * 60 / max(pageviews, 1) > 45 && pageviews > 3`},
	{"eu_email", `country in ("DE", "FR", "NL", "BE", "AT", "IT", "ES") && channel == "email"`},
	{"clv_gap", `abs(expected_purchases * aov - clv) < 0.1 * clv && !(page == "checkout")`},
}

// benchValues returns n deterministic shopper vectors; each numeric field is
// missing one time in five, each categorical one time in ten.
func benchValues(n int) [][]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	scale := map[string]float64{
		"cart_value": 150, "propensity": 1, "p_alive": 1, "frequency": 8,
		"recency": 300, "tenure": 400, "aov": 90, "total_spend": 2000,
		"pageviews": 15, "minutes": 20, "hour": 24, "weekday": 7, "clv": 900,
		"expected_purchases": 6, "price": 120, "known": 2,
	}
	out := make([][]float64, n)
	for i := range out {
		v := make([]float64, len(benchVars))
		for _, name := range benchNumeric {
			x := rng.Float64() * scale[name]
			switch name {
			case "hour", "weekday", "known", "frequency", "pageviews":
				x = math.Floor(x)
			}
			if rng.IntN(5) == 0 {
				x = math.NaN()
			}
			v[benchVars[name].Slot] = x
		}
		for _, name := range []string{"channel", "device", "page", "country"} {
			vs := benchCategorical[name]
			x := StringCode(vs[rng.IntN(len(vs))])
			if rng.IntN(10) == 0 {
				x = math.NaN()
			}
			v[benchVars[name].Slot] = x
		}
		out[i] = v
	}
	return out
}

var sink int

// BenchmarkEval reports ns/op per rule, cycling through 64 shopper vectors.
func BenchmarkEval(b *testing.B) {
	vals := benchValues(64)
	for _, r := range benchRules {
		p, err := Compile(r.src, benchVars)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			i := 0
			for b.Loop() {
				if p.Eval(vals[i&63]) {
					n++
				}
				i++
			}
			sink += n
		})
	}
}

// BenchmarkCompile measures bundle-load cost for the same rules.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range benchRules {
			if _, err := Compile(r.src, benchVars); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestBenchRulesMatch sanity-checks the benchmark rules against the
// reference evaluator so the benchmark measures correct programs, and that
// each rule is true for some vectors and false for others.
func TestBenchRulesMatch(t *testing.T) {
	vals := benchValues(256)
	for _, r := range benchRules {
		p, err := Compile(r.src, benchVars)
		if err != nil {
			t.Fatal(err)
		}
		checkProgram(t, p)
		root, _, _ := parse(r.src, benchVars)
		trues := 0
		for _, v := range vals {
			got := p.Eval(v)
			if want := refEval(root, v) != 0; got != want {
				t.Fatalf("%s: Eval %v, reference %v for %v", r.name, got, want, v)
			}
			if got {
				trues++
			}
		}
		if trues == 0 || trues == len(vals) {
			t.Errorf("%s is %d/%d true: not a useful benchmark", r.name, trues, len(vals))
		}
	}
}
