package ltv_test

import (
	"fmt"

	"github.com/edgescore/edgescore/module/ltv"
)

// Hardie's worked example on the published CDNOW fit (weekly periods): a
// customer who made 2 repeat purchases, the last at week 30.43, and whose
// first purchase was 38.86 weeks ago expects 1.226 purchases in the next 39
// weeks. Score takes the history in days.
func Example() {
	m, err := ltv.New(ltv.Params{
		R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, // BG/NBD, weeks
		P: 6.25, Q: 3.74, Gamma: 15.44, // Gamma-Gamma
		PeriodDays: 7, Horizon: 39, Steps: 4, DiscountRate: 0.10, Margin: 1,
	})
	if err != nil {
		panic(err)
	}
	var res ltv.Result
	m.Score(2, 30.43*7, 38.86*7, 22.35, &res)
	fmt.Printf("E[Y(39 weeks)] = %.3f (in periods: %.3f)\n", res.ExpectedPurchases,
		m.ConditionalExpectedPurchases(39, 2, 30.43, 38.86))
	fmt.Printf("P(alive) = %.3f, E[AOV] = %.2f, CLV = %.2f\n", res.PAlive, res.ExpectedAOV, res.CLV)
	// Output:
	// E[Y(39 weeks)] = 1.226 (in periods: 1.226)
	// P(alive) = 0.727, E[AOV] = 24.66, CLV = 28.98
}
