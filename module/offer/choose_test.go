package offer

import (
	"math"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/module/shopper"
)

func testCatalog(t *testing.T, defs []Def, pol Policy) *Catalog {
	t.Helper()
	inv := Inventory{
		Stores: []Store{
			{ID: "berlin-mitte", Region: "DE-BE", Lat: 52.5200, Lon: 13.4050},
			{ID: "munich", Region: "DE-BY", Lat: 48.1351, Lon: 11.5820},
		},
		Stock: []StockEntry{
			{SKU: "BOOT-1", Store: "berlin-mitte", Qty: 3},
			{SKU: "BOOT-1", Region: "DE-BY", Qty: 0},
			{SKU: "RARE-1", Store: "munich", Qty: 0},
			{Category: "socks", Qty: 100},
		},
	}
	econ := Economics{MarginRate: 0.4, CategoryMargins: map[string]float64{"socks": 0.6}, DefaultBasket: 50}
	resolve := func(s string) (SegmentRef, bool) {
		switch s {
		case "loyal":
			return SegmentRef{SegTier, 1}, true
		case "abandoner":
			return SegmentRef{SegRule, 2}, true
		case "bargain":
			return SegmentRef{SegCluster, 0}, true
		}
		return SegmentRef{}, false
	}
	c, err := Compile(defs, &inv, &econ, &pol, resolve)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var catalog = []Def{
	{ID: "pct10", Kind: "percent_discount", Discount: 0.10, Lift: 0.8},
	{ID: "pct30", Kind: "percent_discount", Discount: 0.30, Lift: 1.2},
	{ID: "ship", Kind: "free_shipping", CostOnPurchase: 8, Lift: 0.4, Eligible: Eligibility{MinCart: 40}},
	{ID: "nudge", Kind: "store_nudge", Lift: 0.3, Eligible: Eligibility{StoreRadiusKM: 25, RequiresStock: true}},
	{ID: "app-only", Kind: "message", Lift: 0.2, CostPerExposure: 0.01, Eligible: Eligibility{Channels: []string{"app"}}},
	{ID: "loyal-10", Kind: "percent_discount", Discount: 0.1, Lift: 0.1,
		SegmentLifts: []SegmentLift{{Segment: "abandoner", Lift: 2.0}}, Eligible: Eligibility{Segments: []string{"loyal", "bargain"}}},
}

func profitOf(p0, lift, basket, margin, discount, cop, cpe float64) float64 {
	p := 1 / (1 + math.Exp(-(math.Log(p0/(1-p0)) + lift)))
	return p*(basket*(margin-discount)-cop) - cpe
}

func TestChooseProfitRule(t *testing.T) {
	c := testCatalog(t, catalog, Policy{SureBuyer: 0.8})
	base := Request{Basket: 100, Margin: 0.4, CartValue: 100, Channel: shopper.ChannelWeb,
		Stock: Stock{Available: true, NearestKM: math.NaN()}, Member: Membership{Tier: 0, Cluster: 3}}
	tests := []struct {
		name       string
		mut        func(r *Request)
		wantAction string
		wantProfit float64
	}{
		{"hesitant shopper: the 10% discount pays", func(r *Request) { r.P0 = 0.10 },
			"pct10", profitOf(0.10, 0.8, 100, 0.4, 0.10, 0, 0)},
		{"likely buyer: no offer (the discount cannot pay for itself)", func(r *Request) { r.P0 = 0.6 },
			NoOfferID, 0.6 * 100 * 0.4},
		{"sure buyer: discounts not even eligible", func(r *Request) { r.P0 = 0.85 },
			NoOfferID, 0.85 * 100 * 0.4},
		{"store nudge when a store 5 km away has it", func(r *Request) {
			r.P0 = 0.7
			r.Stock.NearestKM = 5
		}, "nudge", profitOf(0.7, 0.3, 100, 0.4, 0, 0, 0)},
		{"no nudge when the nearest store is 30 km away", func(r *Request) {
			r.P0 = 0.7
			r.Stock.NearestKM = 30
		}, NoOfferID, 0.7 * 100 * 0.4},
		{"out of stock: nothing that requires stock", func(r *Request) {
			r.P0 = 0.7
			r.Stock = Stock{Tracked: true, Available: false, NearestKM: 5}
		}, NoOfferID, 0.7 * 100 * 0.4},
		{"segment lift makes the loyal discount best", func(r *Request) {
			r.P0 = 0.2
			r.Member = Membership{Tier: 1, Rules: 1 << 2}
		}, "loyal-10", profitOf(0.2, 2.0, 100, 0.4, 0.1, 0, 0)},
		{"holdout never gets an offer", func(r *Request) {
			r.P0 = 0.1
			r.Holdout = true
		}, NoOfferID, 0.1 * 100 * 0.4},
		{"discount deeper than margin is never eligible", func(r *Request) {
			r.P0 = 0.01
			r.Margin = 0.25
		}, "pct10", profitOf(0.01, 0.8, 100, 0.25, 0.10, 0, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mut(&r)
			var ch Choice
			c.Choose(&r, &ch)
			if got := c.ActionID(ch.Action); got != tc.wantAction {
				t.Fatalf("action %s (profit %.4f), want %s", got, ch.Profit, tc.wantAction)
			}
			if math.Abs(ch.Profit-tc.wantProfit) > 1e-9 {
				t.Fatalf("profit %.12f, want %.12f", ch.Profit, tc.wantProfit)
			}
			if ch.Probability != 1 || ch.Explored {
				t.Fatalf("ε = 0: probability %v explored %v", ch.Probability, ch.Explored)
			}
		})
	}
}

func TestChooseExplorationProbability(t *testing.T) {
	c := testCatalog(t, catalog, Policy{Epsilon: 0.2})
	r := Request{P0: 0.1, Basket: 100, Margin: 0.4, CartValue: 100, Channel: shopper.ChannelApp,
		Stock: Stock{Available: true, NearestKM: math.NaN()}, Member: Membership{Tier: 0, Cluster: 3}, Epsilon: 0.2}
	// Eligible: no_offer, pct10, pct30, ship, app-only = 5.
	tests := []struct {
		name         string
		u1, u2       float64
		wantAction   string
		wantProb     float64
		wantExplored bool
		wantEligible int
	}{
		{"exploit", 0.5, 0.0, "pct10", 0.8 + 0.2/5, false, 5},
		{"explore lands on the greedy action", 0.1, 0.2, "pct10", 0.8 + 0.2/5, false, 5},
		{"explore picks no_offer", 0.1, 0.0, NoOfferID, 0.2 / 5, true, 5},
		{"explore picks the last", 0.1, 0.99, "app-only", 0.2 / 5, true, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rr := r
			rr.U1, rr.U2 = tc.u1, tc.u2
			var ch Choice
			c.Choose(&rr, &ch)
			if got := c.ActionID(ch.Action); got != tc.wantAction || ch.Explored != tc.wantExplored || ch.Eligible != tc.wantEligible {
				t.Fatalf("got %s explored=%v eligible=%d", got, ch.Explored, ch.Eligible)
			}
			if math.Abs(ch.Probability-tc.wantProb) > 1e-12 {
				t.Fatalf("probability %v, want %v", ch.Probability, tc.wantProb)
			}
		})
	}
}

func TestLookupStock(t *testing.T) {
	c := testCatalog(t, catalog, Policy{})
	nan := math.NaN()
	berlinToMunich := Haversine(52.52, 13.405, 48.1351, 11.582)
	tests := []struct {
		name, sku, cat, place string
		lat, lon              float64
		want                  Stock
	}{
		{"untracked item is available", "HAT-9", "hats", "DE-BE", nan, nan, Stock{Available: true, NearestKM: nan}},
		{"in stock at a store in the region", "BOOT-1", "", "DE-BE", 52.52, 13.405, Stock{Tracked: true, Available: true, NearestKM: 0}},
		{"region listed with zero qty", "BOOT-1", "", "DE-BY", 48.1351, 11.582, Stock{Tracked: true, Available: false, NearestKM: berlinToMunich}},
		{"out of stock everywhere", "RARE-1", "", "DE-BY", 48.1351, 11.582, Stock{Tracked: true, NearestKM: nan}},
		{"category stock, global", "SOCK-3", "socks", "FR", nan, nan, Stock{Tracked: true, Available: true, NearestKM: nan}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.LookupStock(tc.sku, tc.cat, tc.place, tc.lat, tc.lon)
			same := got.Tracked == tc.want.Tracked && got.Available == tc.want.Available &&
				(got.NearestKM == tc.want.NearestKM || (got.NearestKM != got.NearestKM && tc.want.NearestKM != tc.want.NearestKM) ||
					math.Abs(got.NearestKM-tc.want.NearestKM) < 1e-9)
			if !same {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	// Berlin–Munich is about 504 km (great circle).
	if berlinToMunich < 500 || berlinToMunich > 510 {
		t.Fatalf("Berlin–Munich = %.1f km", berlinToMunich)
	}
}

func TestCompileRejectsOffers(t *testing.T) {
	tests := []struct {
		name string
		def  Def
		want string
	}{
		{"discount ≥ 1", Def{ID: "x", Kind: "percent_discount", Discount: 1}, "offers[0].discount: must be in (0,1)"},
		{"discount on a message", Def{ID: "x", Kind: "message", Discount: 0.1}, "offers[0].discount: only a percent_discount"},
		{"unknown kind", Def{ID: "x", Kind: "bogo"}, `offers[0].kind: unknown kind "bogo"`},
		{"reserved id", Def{ID: "no_offer", Kind: "message"}, "offers[0].id: no_offer is reserved"},
		{"nudge without radius", Def{ID: "x", Kind: "store_nudge"}, "offers[0].eligible.store_radius_km: must be > 0"},
		{"negative cost", Def{ID: "x", Kind: "message", CostPerExposure: -1}, "offers[0].cost_per_exposure"},
		{"huge lift", Def{ID: "x", Kind: "message", Lift: 50}, "offers[0].lift"},
		{"unknown segment", Def{ID: "x", Kind: "message", Eligible: Eligibility{Segments: []string{"vip"}}}, `offers[0].eligible.segments[0]: no tier, rule segment or cluster named "vip"`},
		{"unknown channel", Def{ID: "x", Kind: "message", Eligible: Eligibility{Channels: []string{"fax"}}}, `offers[0].eligible.channels[0]: unknown channel "fax"`},
		{"radius on a discount", Def{ID: "x", Kind: "percent_discount", Discount: 0.1, Eligible: Eligibility{StoreRadiusKM: 5}}, "applies to store_nudge only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile([]Def{tc.def}, &Inventory{}, &Economics{MarginRate: 0.3, DefaultBasket: 10}, &Policy{}, func(string) (SegmentRef, bool) { return SegmentRef{}, false })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
