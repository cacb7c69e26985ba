package scorer

import (
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/shopper"
)

// Hooks for the stage benchmarks (package scorer_test), which cannot
// import jsonform from inside this package without a cycle.

func (s *Scorer) PartsForTest() *bundle.Parts { return &s.p }

func (s *Scorer) MarginsForTest() []float32 { return s.margins }

// RulesForTest fills the rule environment and evaluates tiers and segments.
func (s *Scorer) RulesForTest(c *shopper.Context, storeKM float64, d *Decision) {
	s.fillEnv(c, &feature.Derived{StoreKM: storeKM}, d)
	s.evalRules(d)
}

// ReasonsForTest runs reasons with x and the leaves recorded in in.
func (s *Scorer) ReasonsForTest(x []float32, in *gbdt.Input, d *Decision) {
	copy(s.x, x)
	old := s.in
	s.in = in
	s.reasons(d)
	s.in = old
}

// TopReasonsForTest runs the top-list selection of reasons (fast path when
// no v is NaN) and of reasonsSlow on the same contributions.
func TopReasonsForTest(v []float64) (fast, slow Decision) {
	s := &Scorer{}
	s.reasonsSlow(v, &slow)
	var nan uint
	for _, w := range v {
		nan |= b2u(w != w)
	}
	if nan != 0 {
		s.reasonsSlow(v, &fast)
	} else {
		s.topReasons(v, &fast)
	}
	return fast, slow
}

// EnumCodesForTest returns textCode's tables for the enumerations.
func EnumCodesForTest() (page, channel, device *[256]float64) {
	return pageCodes, channelCodes, deviceCodes
}

// TextCodeForTest is textCode.
func TextCodeForTest(t string) float64 { return textCode(t) }
