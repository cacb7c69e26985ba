package scorer_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// randomContext draws contexts across the whole input space, extremes and
// missing values included.
func randomContext(r *rand.Rand, c *shopper.Context) {
	c.Reset()
	num := func(scale float64) float64 {
		switch r.IntN(8) {
		case 0:
			return math.NaN()
		case 1:
			return 0
		case 2:
			return scale * 1e6 // far beyond anything seen in training
		default:
			return r.Float64() * scale
		}
	}
	c.ShopperID = "s" + strconv.Itoa(r.IntN(1e6))
	c.Seed = r.Uint64()
	c.Known = r.IntN(2) == 0
	if c.Known {
		c.History.Frequency = math.Floor(num(50))
		c.History.Tenure = num(3000)
		if c.History.Tenure == c.History.Tenure {
			c.History.Recency = c.History.Tenure * r.Float64()
		}
		c.History.AvgOrderValue, c.History.TotalSpend = num(300), num(5000)
	}
	c.Session.Page = shopper.PageType(r.IntN(8))
	c.Session.Channel = shopper.Channel(r.IntN(6))
	c.Session.Device = shopper.Device(r.IntN(4))
	c.Session.CartValue, c.Session.Pageviews, c.Session.Minutes, c.Session.Price = num(400), num(40), num(90), num(500)
	if r.IntN(3) == 0 {
		c.Session.SKU, c.Session.Category = "BOOT-1", "shoes"
	}
	c.Place.Lat, c.Place.Lon = num(90), num(180)
	c.Place.Hour = math.Floor(r.Float64() * 24)
	c.Place.Region = []string{"", "DE-BE", "FR"}[r.IntN(3)]
}

// TestDecisionInvariants: over many random contexts every decision is
// well-formed — probabilities in range, no NaN where a value is promised,
// indexes inside the bundle, the action eligible and its probability
// consistent with ε-greedy.
func TestDecisionInvariants(t *testing.T) {
	s := newScorer(t, nil)
	b := s.Bundle()
	r := rand.New(rand.NewPCG(7, 8))
	var c shopper.Context
	var d scorer.Decision
	for i := 0; i < 20000; i++ {
		randomContext(r, &c)
		s.Decide(&c, &d)
		fail := func(what string) { t.Fatalf("context %d (%+v): %s; decision %+v", i, c, what, d) }
		if !(d.Propensity >= 0 && d.Propensity <= 1) {
			fail("propensity out of [0,1]")
		}
		if !(d.PAlive >= 0 && d.PAlive <= 1) || !(d.ExpectedPurchases >= 0) || !(d.CLV >= 0) || !(d.ExpectedAOV > 0) {
			fail("lifetime values out of range or NaN")
		}
		if math.IsInf(d.CLV, 0) || math.IsInf(d.ExpectedPurchases, 0) {
			fail("infinite lifetime value")
		}
		if d.Cluster < 0 || d.Cluster >= b.NumClusters() || !(d.ClusterDistance >= 0) {
			fail("cluster")
		}
		if d.Tier < 0 || d.Tier >= b.NumTiers() {
			fail("tier")
		}
		if d.Action < 0 || d.Action >= b.NumActions() || d.Eligible < 1 || d.Eligible > b.NumActions() {
			fail("action index")
		}
		if !(d.ActionProbability > 0 && d.ActionProbability <= 1) || math.IsNaN(d.ExpectedProfit) {
			fail("action probability / profit")
		}
		if d.Explored == (d.Action == d.GreedyAction) && d.Explored {
			fail("explored yet greedy")
		}
		if d.Bucket < 0 || d.Bucket >= 10000 || d.Variant < 0 || d.Variant >= b.NumVariants() {
			fail("bucket / variant")
		}
		for k := 0; k < d.NumReasons; k++ {
			if rr := d.Reasons[k]; rr.Feature < 0 || rr.Feature >= b.NumFeatures() || math.IsNaN(rr.Contribution) {
				fail("reason")
			}
		}
	}
}
