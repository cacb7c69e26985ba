package controlplane_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
)

// syntheticEvents is a small event set whose metrics are computed by hand in
// TestMetricsHandComputed.
//
//	champion A, variant "A" (4 exposed decisions):
//	  dA1 p=.1 none   exposed twice (deduplicated) → o1 100/40/0
//	  dA2 p=.2 none   → nothing
//	  dA3 p=.3 10off  → o2 50/20/5 and o3 30/10/3
//	  dA4 p=.4 10off  → nothing
//	  dA5 p=.9 none   NOT exposed → o4 (attributed, but not counted)
//	challenger B, variant "B" (3 exposed decisions):
//	  dB1 p=.5 none   → o5 80/30/0
//	  dB2 p=.5 none   → o6 25 h later: outside the 24 h window
//	  dB3 p=.2 20off  → nothing
//	plus o7 from a shopper with no decision (unattributed).
func syntheticEvents(a, b string) []map[string]any {
	ts := func(d time.Duration) string { return t0.Add(-48 * time.Hour).Add(d).Format(time.RFC3339Nano) }
	var evs []map[string]any
	n := 0
	id := func() string { n++; return "ev" + string(rune('a'+n/26)) + string(rune('a'+n%26)) }
	dec := func(d, shopper, bundle, variant, action string, p float64) {
		evs = append(evs, map[string]any{"event_id": id(), "type": "decision", "ts": ts(0), "decision_id": d,
			"shopper_id": shopper, "group": "eu", "bundle_id": bundle, "variant": variant, "action": action,
			"action_probability": 0.9, "propensity": p, "clv": 10.0, "segments": []string{"new"}})
	}
	exp := func(d, shopper string) {
		evs = append(evs, map[string]any{"event_id": id(), "type": "exposure", "ts": ts(time.Second),
			"decision_id": d, "shopper_id": shopper})
	}
	conv := func(shopper, order string, at time.Duration, rev, margin, disc float64) {
		evs = append(evs, map[string]any{"event_id": id(), "type": "conversion", "ts": ts(at), "shopper_id": shopper,
			"order_id": order, "revenue": rev, "margin": margin, "discount_cost": disc})
	}
	dec("dA1", "s1", a, "A", "none", .1)
	dec("dA2", "s2", a, "A", "none", .2)
	dec("dA3", "s3", a, "A", "10off", .3)
	dec("dA4", "s4", a, "A", "10off", .4)
	dec("dA5", "s5", a, "A", "none", .9)
	dec("dB1", "s6", b, "B", "none", .5)
	dec("dB2", "s7", b, "B", "none", .5)
	dec("dB3", "s8", b, "B", "20off", .2)
	for _, e := range [][2]string{{"dA1", "s1"}, {"dA1", "s1"}, {"dA2", "s2"}, {"dA3", "s3"}, {"dA4", "s4"},
		{"dB1", "s6"}, {"dB2", "s7"}, {"dB3", "s8"}} {
		exp(e[0], e[1])
	}
	conv("s1", "o1", time.Minute, 100, 40, 0)
	conv("s3", "o2", time.Minute, 50, 20, 5)
	conv("s3", "o3", time.Hour, 30, 10, 3)
	conv("s5", "o4", time.Minute, 70, 30, 0)
	conv("s6", "o5", time.Minute, 80, 30, 0)
	conv("s7", "o6", 25*time.Hour, 25, 5, 2)
	conv("s9", "o7", time.Minute, 10, 1, 0)
	return evs
}

func TestMetricsHandComputed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a, b := f.upload(t, "m", "1"), f.upload(t, "m", "2")
	body, _ := json.Marshal(syntheticEvents(a, b))
	rep, err := f.svc.Ingest(ctx, bytes.NewReader(body), controlplane.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != 23 || rep.Accepted != 22 || rep.Duplicates != 1 || len(rep.Rejected) != 0 {
		t.Fatalf("ingest report = %+v; want 23 received, 22 accepted, 1 duplicate exposure", rep)
	}
	m, err := f.svc.Metrics(ctx, controlplane.MetricsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Variants) != 2 {
		t.Fatalf("%d variants, want 2", len(m.Variants))
	}
	byBundle := map[string]controlplane.VariantMetrics{}
	for _, v := range m.Variants {
		byBundle[v.Bundle] = v
	}
	va, vb := byBundle[a], byBundle[b]

	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// Champion A: 4 exposures, 2 converted (dA1, dA3), 3 orders.
	check("A.exposures", float64(va.Exposures), 4)
	check("A.conversions", float64(va.Conversions), 2)
	check("A.orders", float64(va.Orders), 3)
	check("A.revenue", va.Revenue, 180)
	check("A.margin", va.Margin, 70)
	check("A.discount", va.DiscountCost, 8)
	check("A.profit", va.Profit, 62)
	check("A.rate", va.ConversionRate.Value, 0.5)
	check("A.rate.low", va.ConversionRate.Low, 0.15003898915214947) // Wilson(2, 4)
	check("A.rate.high", va.ConversionRate.High, 0.8499610108478506)
	check("A.revenue/exposure", va.RevenuePerExposure.Value, 45) // (100+0+80+0)/4
	check("A.profit/exposure", va.ProfitPerExposure.Value, 15.5) // (40+0+22+0)/4
	check("A.profit/exposure.low", va.ProfitPerExposure.Low, -3.460393490201934)
	check("A.discount/exposure", *va.DiscountCostPerExposure, 2) // 8/4
	check("A.auc", *va.AUC, 0.25)                                // positives at ranks 1 and 3 of 4
	if len(va.OfferMix) != 2 || va.OfferMix[0].Action != "10off" || va.OfferMix[0].Share != 0.5 {
		t.Errorf("A.offer_mix = %+v", va.OfferMix)
	}
	// Deciles of 4 items: ranks 0..3 → deciles 1, 3, 6, 8.
	wantCal := []controlplane.CalibrationBin{{1, 1, .1, 1}, {3, 1, .2, 0}, {6, 1, .3, 1}, {8, 1, .4, 0}}
	if len(va.Calibration) != len(wantCal) {
		t.Fatalf("A.calibration = %+v", va.Calibration)
	}
	for i, w := range wantCal {
		g := va.Calibration[i]
		if g.Decile != w.Decile || g.Count != w.Count || math.Abs(g.MeanPropensity-w.MeanPropensity) > 1e-12 || g.ConversionRate != w.ConversionRate {
			t.Errorf("A.calibration[%d] = %+v, want %+v", i, g, w)
		}
	}
	// Challenger B: 3 exposures, 1 converted (o6 is outside the window).
	check("B.exposures", float64(vb.Exposures), 3)
	check("B.conversions", float64(vb.Conversions), 1)
	check("B.revenue", vb.Revenue, 80)
	check("B.profit", vb.Profit, 30)
	check("B.auc", *vb.AUC, 0.75) // the tie at .5 shares rank 2.5

	cmp, err := f.svc.Compare(ctx, controlplane.CompareQuery{Champion: a, Challenger: b})
	if err != nil {
		t.Fatal(err)
	}
	check("diff.rate", cmp.ConversionRateDiff.Value, 1.0/3-0.5)
	check("diff.rate.low", cmp.ConversionRateDiff.Low, -0.8909895791373303)
	check("diff.rate.high", cmp.ConversionRateDiff.High, 0.5576562458039969)
	check("diff.profit", cmp.ProfitPerExposureDiff.Value, -5.5)
	check("diff.profit.low", cmp.ProfitPerExposureDiff.Low, -32.76980754190804)
	check("diff.profit.high", cmp.ProfitPerExposureDiff.High, 21.769807541908033)
	check("diff.revenue", cmp.RevenuePerExposureDiff.Value, -55.0/3)
	check("diff.revenue.low", cmp.RevenuePerExposureDiff.Low, -91.74118759919611)

	// A 26 h window brings o6 in for B.
	m2, err := f.svc.Metrics(ctx, controlplane.MetricsQuery{Bundles: []string{b}, Window: 26 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Variants) != 1 || m2.Variants[0].Conversions != 2 || m2.Variants[0].Revenue != 105 {
		t.Fatalf("26h window: %+v", m2.Variants)
	}

	// The same batch again changes nothing.
	rep, err = f.svc.Ingest(ctx, bytes.NewReader(body), controlplane.FormatJSON)
	if err != nil || rep.Accepted != 0 || rep.Duplicates != 23 {
		t.Fatalf("retry = %+v, %v; want all duplicates", rep, err)
	}
	m3, _ := f.svc.Metrics(ctx, controlplane.MetricsQuery{})
	if j1, j3 := mustJSON(m), mustJSON(m3); j1 != j3 {
		t.Fatalf("metrics changed after a retried batch:\n%s\n%s", j1, j3)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
