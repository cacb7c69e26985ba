package scorer_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgescore/edgescore/module/scorer"
)

// The fast top list of reasons must pick exactly what the straightforward
// insertion (reasonsSlow) picks: ties to the lower index, zeros of either
// sign never, infinities as the largest.
func TestTopReasonsMatchesInsertion(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 2, math.Inf(1), math.Inf(-1), 1e-300, -1e-300, 5e-324}
	for iter := 0; iter < 20000; iter++ {
		v := make([]float64, 1+r.IntN(60))
		for i := range v {
			if r.IntN(2) == 0 {
				v[i] = vals[r.IntN(len(vals))]
			} else {
				v[i] = r.NormFloat64()
			}
		}
		fast, slow := scorer.TopReasonsForTest(v)
		if fast.NumReasons != slow.NumReasons || fast.Reasons != slow.Reasons {
			t.Fatalf("%v: fast %d %v, slow %d %v", v, fast.NumReasons, fast.Reasons, slow.NumReasons, slow.Reasons)
		}
	}
}
