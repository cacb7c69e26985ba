package abi

import (
	"math"

	"github.com/edgescore/edgescore/module/scorer"
)

// The decision record: the output of decide, DecisionSize bytes at the
// address decide returns. Floats are IEEE 754 bit patterns, copied from the
// core's Decision bit for bit (NaN = not computed); indexes are signed
// 32-bit (−1 = none) and refer to the names table of the bundle whose
// BundleCRC the record carries.
const (
	DecPropensity        = 0   // f64
	DecPAlive            = 8   // f64
	DecExpectedPurchases = 16  // f64
	DecExpectedAOV       = 24  // f64
	DecCLV               = 32  // f64
	DecClusterDistance   = 40  // f64
	DecActionProbability = 48  // f64
	DecExpectedProfit    = 56  // f64
	DecBuyProbability    = 64  // f64
	DecReasonContrib     = 72  // 3 × f64: reasons[i].contribution at 72+8i
	DecSegments          = 96  // u64 bitmask: bit i = segment i matched
	DecTier              = 104 // i32, −1 none
	DecCluster           = 108 // i32, −1 none
	DecVariant           = 112 // i32
	DecBucket            = 116 // i32, [0, 10000)
	DecAction            = 120 // i32, 0 = no offer
	DecGreedyAction      = 124 // i32
	DecEligible          = 128 // i32
	DecReasonFeature     = 132 // 3 × i32: reasons[i].feature at 132+4i
	DecNumReasons        = 144 // u8, ≤ 3
	DecFlags             = 145 // u8: bit 0 explored; other bits zero
	DecReserved          = 146 // u16, zero
	DecBundleCRC         = 148 // u32: BundleCRC of the bundle that decided
	DecisionSize         = 152

	// FlagExplored is bit 0 of the decision's flags byte.
	FlagExplored = 1 << 0
)

// PutDecision writes the record of d, made by the bundle with the given
// BundleCRC, into dst[:DecisionSize]. It panics if dst is shorter: the
// guest's output buffer has a fixed size.
func PutDecision(dst []byte, d *scorer.Decision, bundleCRC uint32) {
	r := dst[:DecisionSize]
	le := littleEndian{}
	le.PutUint64(r[DecPropensity:], math.Float64bits(d.Propensity))
	le.PutUint64(r[DecPAlive:], math.Float64bits(d.PAlive))
	le.PutUint64(r[DecExpectedPurchases:], math.Float64bits(d.ExpectedPurchases))
	le.PutUint64(r[DecExpectedAOV:], math.Float64bits(d.ExpectedAOV))
	le.PutUint64(r[DecCLV:], math.Float64bits(d.CLV))
	le.PutUint64(r[DecClusterDistance:], math.Float64bits(d.ClusterDistance))
	le.PutUint64(r[DecActionProbability:], math.Float64bits(d.ActionProbability))
	le.PutUint64(r[DecExpectedProfit:], math.Float64bits(d.ExpectedProfit))
	le.PutUint64(r[DecBuyProbability:], math.Float64bits(d.BuyProbability))
	for i := range scorer.MaxReasons {
		le.PutUint64(r[DecReasonContrib+8*i:], math.Float64bits(d.Reasons[i].Contribution))
		le.PutUint32(r[DecReasonFeature+4*i:], uint32(int32(d.Reasons[i].Feature)))
	}
	le.PutUint64(r[DecSegments:], d.Segments)
	le.PutUint32(r[DecTier:], uint32(int32(d.Tier)))
	le.PutUint32(r[DecCluster:], uint32(int32(d.Cluster)))
	le.PutUint32(r[DecVariant:], uint32(int32(d.Variant)))
	le.PutUint32(r[DecBucket:], uint32(int32(d.Bucket)))
	le.PutUint32(r[DecAction:], uint32(int32(d.Action)))
	le.PutUint32(r[DecGreedyAction:], uint32(int32(d.GreedyAction)))
	le.PutUint32(r[DecEligible:], uint32(int32(d.Eligible)))
	r[DecNumReasons] = byte(d.NumReasons)
	var flags byte
	if d.Explored {
		flags |= FlagExplored
	}
	r[DecFlags] = flags
	le.PutUint16(r[DecReserved:], 0)
	le.PutUint32(r[DecBundleCRC:], bundleCRC)
}

// DecodeDecision decodes a decision record into d and returns the BundleCRC
// it carries. Records longer than DecisionSize are accepted (a newer minor
// version appends fields) and unknown flag bits and reserved bytes are
// ignored. It never panics.
func DecodeDecision(rec []byte, d *scorer.Decision) (bundleCRC uint32, err error) {
	if len(rec) < DecisionSize {
		return 0, &RecordError{Record: "decision", Offset: len(rec),
			Msg: "record of " + utoa(uint64(len(rec))) + " bytes is shorter than " + utoa(DecisionSize)}
	}
	n := int(rec[DecNumReasons])
	if n > scorer.MaxReasons {
		return 0, &RecordError{Record: "decision", Offset: DecNumReasons, Msg: "more than " + utoa(scorer.MaxReasons) + " reasons"}
	}
	le := littleEndian{}
	f := func(o int) float64 { return math.Float64frombits(le.Uint64(rec[o:])) }
	i32 := func(o int) int { return int(int32(le.Uint32(rec[o:]))) }
	*d = scorer.Decision{
		Propensity:        f(DecPropensity),
		PAlive:            f(DecPAlive),
		ExpectedPurchases: f(DecExpectedPurchases),
		ExpectedAOV:       f(DecExpectedAOV),
		CLV:               f(DecCLV),
		Tier:              i32(DecTier),
		Cluster:           i32(DecCluster),
		ClusterDistance:   f(DecClusterDistance),
		Segments:          le.Uint64(rec[DecSegments:]),
		Variant:           i32(DecVariant),
		Bucket:            i32(DecBucket),
		Action:            i32(DecAction),
		ActionProbability: f(DecActionProbability),
		Explored:          rec[DecFlags]&FlagExplored != 0,
		ExpectedProfit:    f(DecExpectedProfit),
		BuyProbability:    f(DecBuyProbability),
		GreedyAction:      i32(DecGreedyAction),
		Eligible:          i32(DecEligible),
		NumReasons:        n,
	}
	for i := range scorer.MaxReasons {
		d.Reasons[i] = scorer.Reason{Feature: i32(DecReasonFeature + 4*i), Contribution: f(DecReasonContrib + 8*i)}
	}
	return le.Uint32(rec[DecBundleCRC:]), nil
}

// BundleCRC is the tag of a binary bundle that decision records and the
// names table carry: the CRC-32C the bundle stores in its last 4 bytes
// (little-endian), which bundle loading verifies. It is 0 for data shorter
// than 4 bytes.
func BundleCRC(bundle []byte) uint32 {
	if len(bundle) < 4 {
		return 0
	}
	return littleEndian{}.Uint32(bundle[len(bundle)-4:])
}
