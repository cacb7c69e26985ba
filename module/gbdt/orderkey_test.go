package gbdt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// orderKey must route every row value as the float comparison does, after
// the −0 → +0 normalization that Set and toBlocks apply.
func TestOrderKeyMatchesFloatComparison(t *testing.T) {
	inf := float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, inf, -inf, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32, 0.5, -0.5}
	r := rand.New(rand.NewPCG(5, 6))
	vals := append([]float32(nil), special...)
	for i := 0; i < 2000; i++ {
		vals = append(vals, math.Float32frombits(r.Uint32()))
	}
	for _, x := range vals {
		for _, thr := range vals {
			if x != x || thr != thr {
				continue
			}
			if want, got := !(x < thr), orderKey(x+0) >= orderKey(thr+0); got != want {
				t.Fatalf("x %v, thr %v: key says right=%v, float %v", x, thr, got, want)
			}
		}
	}
}
