package experiment_test

import (
	"fmt"

	"github.com/edgescore/edgescore/module/experiment"
)

// A 5% canary: the control keeps 95% of the buckets, the challenger takes
// the top 500. Ramping the challenger to 20% keeps every shopper it had.
func ExampleArm() {
	id := "shopper-13"
	b := experiment.Bucket("exp-2026-11", id)
	fmt.Println("bucket", b)
	fmt.Println("at 5%:", experiment.Arm([]int{9500, 500}, b))
	fmt.Println("at 20%:", experiment.Arm([]int{8000, 2000}, b))
	fmt.Println("another shopper at 20%:", experiment.Arm([]int{8000, 2000}, experiment.Bucket("exp-2026-11", "shopper-1")))
	// Output:
	// bucket 9667
	// at 5%: 1
	// at 20%: 1
	// another shopper at 20%: 0
}
