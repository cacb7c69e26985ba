package scorer_test

import (
	"math"
	"testing"

	"github.com/edgescore/edgescore/internal/bundletest"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/rule"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

func newScorer(t testing.TB, mut func(*bundle.Spec)) *scorer.Scorer {
	t.Helper()
	s := bundletest.Spec()
	if mut != nil {
		mut(s)
	}
	b, err := bundle.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return scorer.New(b)
}

func cartShopper(cart float64, pageviews float64, ch shopper.Channel) *shopper.Context {
	var c shopper.Context
	c.Reset()
	c.ShopperID = "shopper-1"
	c.Session.CartValue = cart
	c.Session.Pageviews = pageviews
	c.Session.Channel = ch
	return &c
}

// The propensity by hand, from bundletest.Spec's models:
// logit = 0.5·(−4 + 0.2·log1p(cart) + 0.05·pageviews + 0.3·[app])
//   - 0.5·(tree: log1p(cart) < 3 or missing → −0.4, else 0.6)
func TestPropensityByHand(t *testing.T) {
	s := newScorer(t, nil)
	tests := []struct {
		name string
		c    *shopper.Context
		want float64
	}{
		{"small cart on web", cartShopper(10, 4, shopper.ChannelWeb),
			sigmoid(0.5*(-4+0.2*f32(math.Log1p(10))+0.05*4) + 0.5*-0.4)},
		{"big cart in the app", cartShopper(200, 10, shopper.ChannelApp),
			sigmoid(0.5*(-4+0.2*f32(math.Log1p(200))+0.05*10+0.3) + 0.5*0.6)},
		{"nothing known: missing contributes 0, trees go default-left", cartShopper(math.NaN(), math.NaN(), shopper.ChannelUnknown),
			sigmoid(0.5*-4 + 0.5*-0.4)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d scorer.Decision
			s.Decide(tc.c, &d)
			if math.Abs(d.Propensity-tc.want) > 1e-7 {
				t.Fatalf("propensity %.9f, want %.9f", d.Propensity, tc.want)
			}
		})
	}
}

func TestDecisionSemantics(t *testing.T) {
	s := newScorer(t, nil)
	b := s.Bundle()
	var d scorer.Decision

	// A big cart with low propensity is an abandonment risk; the app rule
	// matches on channel.
	c := cartShopper(120, 1, shopper.ChannelApp)
	s.Decide(c, &d)
	if d.Propensity >= 0.3 {
		t.Fatalf("test premise: propensity %.3f should be < 0.3", d.Propensity)
	}
	if d.Segments != 0b11 {
		t.Fatalf("segments %b, want abandonment_risk and app", d.Segments)
	}
	// Unknown shopper: tier "new" (index 1); brand-new BG/NBD customer is alive.
	if b.TierName(d.Tier) != "new" || d.PAlive != 1 {
		t.Fatalf("tier %q p_alive %v", b.TierName(d.Tier), d.PAlive)
	}
	// Probability of the chosen action is consistent with ε-greedy.
	eps := 0.05
	if b.VariantName(d.Variant) == "explore_more" {
		eps = 0
	}
	want := eps / float64(d.Eligible)
	if d.Action == d.GreedyAction {
		want += 1 - eps
	}
	if math.Abs(d.ActionProbability-want) > 1e-12 {
		t.Fatalf("action probability %v, want %v", d.ActionProbability, want)
	}
	// Reasons are sorted by |contribution| and name real features.
	if d.NumReasons == 0 {
		t.Fatal("no reasons")
	}
	for i := 1; i < d.NumReasons; i++ {
		if math.Abs(d.Reasons[i].Contribution) > math.Abs(d.Reasons[i-1].Contribution) {
			t.Fatalf("reasons not sorted: %+v", d.Reasons)
		}
	}
	if got := b.FeatureName(d.Reasons[0].Feature); got != "log_cart" {
		t.Fatalf("top reason %q, want log_cart", got)
	}
}

func TestHoldoutNeverGetsAnOffer(t *testing.T) {
	s := newScorer(t, func(sp *bundle.Spec) {
		sp.Experiment.Variants[0].Holdout = true
		sp.Experiment.Variants[0].Weight, sp.Experiment.Variants[1].Weight = 100, 0
	})
	var d scorer.Decision
	for i := 0; i < 200; i++ {
		c := cartShopper(float64(10+i), 3, shopper.ChannelWeb)
		c.ShopperID = string(rune('a'+i%26)) + string(rune('a'+i/26))
		c.Seed = uint64(i)
		s.Decide(c, &d)
		if d.Action != 0 || d.ActionProbability != 1 {
			t.Fatalf("holdout got action %d with probability %v", d.Action, d.ActionProbability)
		}
	}
}

func TestDeterministic(t *testing.T) {
	s1, s2 := newScorer(t, nil), newScorer(t, nil)
	var d1, d2 scorer.Decision
	for i := 0; i < 100; i++ {
		c := cartShopper(float64(i*7%150), float64(i%9), shopper.Channel(i%6))
		c.Seed = uint64(i) * 0x9e3779b97f4a7c15
		s1.Decide(c, &d1)
		s2.Decide(c, &d2)
		if d1 != d2 {
			t.Fatalf("context %d: %+v != %+v", i, d1, d2)
		}
	}
}

func TestDecideAllocatesNothing(t *testing.T) {
	s := newScorer(t, nil)
	c := cartShopper(120, 3, shopper.ChannelApp)
	c.Known = true
	c.History.Frequency, c.History.Recency, c.History.Tenure, c.History.AvgOrderValue = 4, 200, 300, 45
	c.Session.SKU, c.Session.Category = "BOOT-1", "shoes"
	c.Place.Lat, c.Place.Lon, c.Place.Region = 52.5, 13.4, "DE-BE"
	var d scorer.Decision
	if a := testing.AllocsPerRun(200, func() { s.Decide(c, &d) }); a != 0 {
		t.Fatalf("%v allocations per decision", a)
	}
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// f32 rounds like the feature vector does.
func f32(v float64) float64 { return float64(float32(v)) }

// The rule environment's categorical codes from tables and inlined hashing
// equal rule.StringCode of feature.Text, for every enumeration value (valid
// or not), and NaN for missing.
func TestEnvTextCodes(t *testing.T) {
	page, channel, device := scorer.EnumCodesForTest()
	var c shopper.Context
	for v := 0; v < 256; v++ {
		c.Session.Page, c.Session.Channel, c.Session.Device = shopper.PageType(v), shopper.Channel(v), shopper.Device(v)
		for _, tc := range []struct {
			f   feature.Field
			got float64
		}{{feature.FieldPageType, page[v]}, {feature.FieldChannel, channel[v]}, {feature.FieldDevice, device[v]}} {
			want := math.NaN()
			if s := feature.Text(tc.f, &c); s != "" {
				want = rule.StringCode(s)
			}
			if math.Float64bits(tc.got) != math.Float64bits(want) && !(tc.got != tc.got && want != want) {
				t.Errorf("%v value %d: code %v, want %v", tc.f, v, tc.got, want)
			}
		}
	}
	for _, s := range []string{"DE", "shoes", "SKU-123456789", "é"} {
		if got, want := scorer.TextCodeForTest(s), rule.StringCode(s); got != want {
			t.Errorf("textCode(%q) = %v, want %v", s, got, want)
		}
	}
	if v := scorer.TextCodeForTest(""); v == v {
		t.Errorf("textCode(\"\") = %v, want NaN", v)
	}
}
