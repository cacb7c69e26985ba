package offer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgescore/edgescore/module/shopper"
)

// The masks of Choose's fast path must say exactly what eligible says.
func TestIneligibleMatchesEligible(t *testing.T) {
	defs := append([]Def{
		{ID: "cats", Kind: "message", Lift: 0.1, Eligible: Eligibility{Categories: []string{"socks", "shoes"}, MinCart: 20}},
		{ID: "regs", Kind: "free_shipping", Lift: 0.1, Eligible: Eligibility{Regions: []string{"DE", "DE-BY", "socks"}, Channels: []string{"web", "email"}}},
		{ID: "segs", Kind: "percent_discount", Discount: 0.5, Lift: 0.1, Eligible: Eligibility{Segments: []string{"abandoner", "bargain", "loyal"}, RequiresStock: true}},
	}, catalog...)
	c := testCatalog(t, defs, Policy{SureBuyer: 0.8})
	r := rand.New(rand.NewPCG(3, 4))
	strs := []string{"", "socks", "shoes", "DE", "DE-BY", "FR", "sock", "hats"}
	nums := []float64{math.NaN(), 0, 10, 20, 40, 100, 1e6, math.Inf(1)}
	for iter := 0; iter < 50000; iter++ {
		req := Request{
			P0:        r.Float64(),
			Basket:    nums[r.IntN(len(nums))],
			Margin:    r.Float64(),
			Category:  strs[r.IntN(len(strs))],
			CartValue: nums[r.IntN(len(nums))],
			Channel:   shopper.Channel(r.IntN(8)),
			Region:    strs[r.IntN(len(strs))],
			Country:   strs[r.IntN(len(strs))],
			Stock:     Stock{Available: r.IntN(2) == 0, NearestKM: nums[r.IntN(len(nums))]},
			Member:    Membership{Tier: r.IntN(4) - 1, Cluster: r.IntN(3) - 1, Rules: r.Uint64() & 7},
		}
		set := c.eligibleSet(&req)
		for i := 1; i < len(c.actions); i++ {
			a := &c.actions[i]
			got := set>>uint(i)&1 != 0 && c.eligibleNumbers(a, &req)
			if want := c.eligible(a, &req); got != want {
				t.Fatalf("action %s, request %+v: masks say %v, eligible %v", a.id, req, got, want)
			}
		}
	}
}
