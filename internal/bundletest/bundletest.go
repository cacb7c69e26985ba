// Package bundletest provides small, complete bundles for tests of every
// package that needs one (the scorer, the hosts, the control plane), so that
// each does not hand-build its own.
package bundletest

import (
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/offer"
)

// Spec returns a small bundle that uses every section of the format: a
// blended logistic + tree propensity, lifetime value, tiers, clusters, rule
// segments, every offer kind, inventory and a two-arm experiment. Each call
// returns a fresh copy that the caller may modify.
func Spec() *bundle.Spec {
	eps := 0.0
	return &bundle.Spec{
		Format: bundle.FormatVersion,
		ID:     "test@1",
		Features: []feature.Def{
			{Name: "log_cart", Field: "cart_value", Transforms: []feature.Transform{{Op: "log1p"}}},
			{Name: "pageviews", Field: "pageviews"},
			{Name: "is_app", Field: "channel", Transforms: []feature.Transform{{Op: "onehot", Value: "app"}}},
			{Name: "hour_sin", Field: "hour", Transforms: []feature.Transform{{Op: "cyclic_sin", Period: 24}}},
		},
		Propensity: bundle.Propensity{
			Logistic: &bundle.Logistic{Intercept: -4, Weights: map[string]float64{"log_cart": 0.2, "pageviews": 0.05, "is_app": 0.3}, Blend: 0.5},
			GBDT: &bundle.GBDT{Blend: 0.5, Model: &gbdt.Spec{
				Objective: gbdt.BinaryLogistic, NumClass: 1, NumFeature: 4, BaseMargin: []float32{0},
				FeatureNames: []string{"log_cart", "pageviews", "is_app", "hour_sin"},
				Trees: []gbdt.Tree{{Nodes: []gbdt.Node{
					{Left: 1, Right: 2, Feature: 0, Threshold: 3, DefaultLeft: true, Cover: 10},
					{Left: -1, Right: -1, Value: -0.4, Cover: 6},
					{Left: -1, Right: -1, Value: 0.6, Cover: 4},
				}}},
			}},
		},
		Lifetime: &bundle.Lifetime{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, P: 6.25, Q: 3.74, Gamma: 15.44,
			PeriodDays: 7, Horizon: 52, Steps: 4, DiscountRate: 0.1, Margin: 0.3},
		Tiers: []bundle.Rule{
			{Name: "champions", When: "clv > 100 && p_alive > 0.7"},
			{Name: "new", When: "known == 0"},
			{Name: "others"},
		},
		Clusters: &bundle.Clusters{
			Names: []string{"browsers", "buyers"}, Features: []string{"pageviews", "log_cart"},
			Mean: []float64{5, 2}, Scale: []float64{3, 1.5}, Centroids: [][]float64{{1, -1}, {-0.5, 1}},
		},
		Segments: []bundle.Rule{
			{Name: "abandonment_risk", When: "cart_value > 80 && propensity < 0.3"},
			{Name: "app", When: `channel == "app"`},
		},
		Economics: offer.Economics{MarginRate: 0.35, CategoryMargins: map[string]float64{"shoes": 0.5, "hats": 0.4}, DefaultBasket: 40},
		Policy:    offer.Policy{Epsilon: 0.05, SureBuyer: 0.8},
		Offers: []offer.Def{
			{ID: "pct10", Kind: "percent_discount", Discount: 0.1, Lift: 0.7, SegmentLifts: []offer.SegmentLift{{Segment: "abandonment_risk", Lift: 1.1}}},
			{ID: "ship", Kind: "free_shipping", CostOnPurchase: 4.9, Lift: 0.4, Eligible: offer.Eligibility{MinCart: 30, Channels: []string{"web", "app"}}},
			{ID: "nudge", Kind: "store_nudge", Lift: 0.3, Eligible: offer.Eligibility{StoreRadiusKM: 20, RequiresStock: true, Segments: []string{"buyers"}}},
		},
		Inventory: offer.Inventory{
			Stores: []offer.Store{{ID: "s1", Region: "DE-BE", Lat: 52.5, Lon: 13.4}},
			Stock:  []offer.StockEntry{{SKU: "BOOT-1", Store: "s1", Qty: 2}, {Category: "hats", Region: "DE-BE", Qty: 0}},
		},
		Experiment: &bundle.Experiment{Salt: "exp-1", Variants: []bundle.Variant{
			{Name: "control", Weight: 90}, {Name: "explore_more", Weight: 10, Epsilon: &eps},
		}},
	}
}

// Binary returns Spec in the binary encoding.
func Binary() []byte {
	b, err := bundle.Encode(Spec())
	if err != nil {
		panic("bundletest: " + err.Error())
	}
	return b
}
