package jsonform

import (
	"math"
	"strconv"

	"github.com/edgescore/edgescore/module/bundle"

	"github.com/edgescore/edgescore/module/scorer"
)

// Names resolves a decision's indexes. Both a compiled *bundle.Bundle (the
// native core) and a *host.Bundle (the names table a wasm guest reports)
// satisfy it, so every host writes decisions with this one function.
type Names interface {
	ID() string
	FeatureName(i int) string
	TierName(i int) string
	NumSegments() int
	SegmentName(i int) string
	ClusterName(i int) string
	VariantName(i int) string
	ActionID(i int) string
	ActionKindName(i int) string
}

// AppendDecision appends the JSON form of d, with the bundle's names for
// its indexes. Floats are written in the shortest form that round-trips
// (so two hosts' outputs compare byte for byte when their bits agree);
// missing values are null.
//
//	{"bundle":"ref@1","variant":"control","bucket":1234,"propensity":0.31,
//	 "p_alive":0.8,"expected_purchases":1.2,"expected_aov":40.1,"clv":15.3,
//	 "tier":"loyal","cluster":"bargain_hunters","cluster_distance":1.7,
//	 "segments":["abandonment_risk"],
//	 "action":{"id":"pct10","kind":"percent_discount","probability":0.95,
//	           "explored":false,"expected_profit":4.2,"buy_probability":0.41},
//	 "greedy_action":"pct10","eligible":6,
//	 "reasons":[{"feature":"log_cart_value","contribution":0.52}]}
func AppendDecision(buf []byte, b Names, d *scorer.Decision) []byte {
	buf = append(buf, `{"bundle":`...)
	buf = AppendString(buf, b.ID())
	buf = append(buf, `,"variant":`...)
	buf = AppendString(buf, b.VariantName(d.Variant))
	buf = append(buf, `,"bucket":`...)
	buf = strconv.AppendInt(buf, int64(d.Bucket), 10)
	buf = num(buf, "propensity", d.Propensity)
	buf = num(buf, "p_alive", d.PAlive)
	buf = num(buf, "expected_purchases", d.ExpectedPurchases)
	buf = num(buf, "expected_aov", d.ExpectedAOV)
	buf = num(buf, "clv", d.CLV)
	buf = append(buf, `,"tier":`...)
	buf = nameOrNull(buf, b.TierName(d.Tier))
	buf = append(buf, `,"cluster":`...)
	buf = nameOrNull(buf, b.ClusterName(d.Cluster))
	buf = num(buf, "cluster_distance", d.ClusterDistance)
	buf = append(buf, `,"segments":[`...)
	first := true
	for i := 0; i < b.NumSegments(); i++ {
		if d.Segments&(1<<uint(i)) == 0 {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = AppendString(buf, b.SegmentName(i))
	}
	buf = append(buf, `],"action":{"id":`...)
	buf = AppendString(buf, b.ActionID(d.Action))
	buf = append(buf, `,"kind":`...)
	buf = AppendString(buf, b.ActionKindName(d.Action))
	buf = num(buf, "probability", d.ActionProbability)
	buf = append(buf, `,"explored":`...)
	buf = strconv.AppendBool(buf, d.Explored)
	buf = num(buf, "expected_profit", d.ExpectedProfit)
	buf = num(buf, "buy_probability", d.BuyProbability)
	buf = append(buf, `},"greedy_action":`...)
	buf = AppendString(buf, b.ActionID(d.GreedyAction))
	buf = append(buf, `,"eligible":`...)
	buf = strconv.AppendInt(buf, int64(d.Eligible), 10)
	buf = append(buf, `,"reasons":[`...)
	for i := 0; i < d.NumReasons; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"feature":`...)
		buf = AppendString(buf, b.FeatureName(d.Reasons[i].Feature))
		buf = num(buf, "contribution", d.Reasons[i].Contribution)
		buf = append(buf, '}')
	}
	return append(buf, "]}"...)
}

func num(buf []byte, key string, v float64) []byte {
	buf = append(buf, ',', '"')
	buf = append(buf, key...)
	buf = append(buf, '"', ':')
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(buf, "null"...)
	}
	return strconv.AppendFloat(buf, v, 'g', -1, 64)
}

func nameOrNull(buf []byte, s string) []byte {
	if s == "" {
		return append(buf, "null"...)
	}
	return AppendString(buf, s)
}

var _ Names = (*bundle.Bundle)(nil)
