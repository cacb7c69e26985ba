package scorer_test

import (
	"fmt"

	"github.com/edgescore/edgescore/internal/bundletest"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// One decision: load a binary bundle once, keep a Scorer per goroutine, and
// reuse the Context and Decision so that deciding allocates nothing.
func Example() {
	b, err := bundle.Load(bundletest.Binary())
	if err != nil {
		panic(err)
	}
	s := scorer.New(b)

	var c shopper.Context
	c.Reset() // every number missing, not zero
	c.ShopperID, c.Seed = "shopper-7", 1
	c.Session.Channel = shopper.ChannelApp
	c.Session.CartValue, c.Session.Pageviews = 120, 2

	var d scorer.Decision
	s.Decide(&c, &d)
	fmt.Printf("propensity %.3f, tier %s, variant %s\n", d.Propensity, b.TierName(d.Tier), b.VariantName(d.Variant))
	for i := 0; i < b.NumSegments(); i++ {
		if d.Segments&(1<<i) != 0 {
			fmt.Println("segment", b.SegmentName(i))
		}
	}
	fmt.Printf("action %s (p=%.2f), expected profit %.2f\n", b.ActionID(d.Action), d.ActionProbability, d.ExpectedProfit)
	fmt.Printf("top reason %s %+.3f\n", b.FeatureName(d.Reasons[0].Feature), d.Reasons[0].Contribution)
	// Output:
	// propensity 0.265, tier new, variant control
	// segment abandonment_risk
	// segment app
	// action pct10 (p=0.97), expected profit 15.60
	// top reason log_cart +0.780
}
