package rule_test

import (
	"fmt"
	"math"

	"github.com/edgescore/edgescore/module/rule"
)

func Example() {
	vars := map[string]rule.Var{
		"cart_value": {Slot: 0},
		"propensity": {Slot: 1},
		"channel":    {Slot: 2, Categorical: true},
	}
	p, err := rule.Compile(`cart_value > 80 && propensity < 0.3 && channel in ("web", "app")`, vars)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Names(), p.MaxSlot())

	vals := make([]float64, p.MaxSlot()+1)
	vals[0] = 120                    // cart_value
	vals[1] = 0.2                    // propensity
	vals[2] = rule.StringCode("app") // channel
	fmt.Println(p.Eval(vals))

	vals[1] = math.NaN() // propensity missing: the comparison is false
	fmt.Println(p.Eval(vals))

	_, err = rule.Compile(`cart_value > 80 && chanel == "app"`, vars)
	fmt.Println(err)
	_, err = rule.Compile(`cart_value > 80 && channel == 3`, vars)
	fmt.Println(err)
	// Output:
	// [cart_value channel propensity] 2
	// true
	// false
	// at offset 19: unknown name "chanel" (did you mean "channel"?)
	// at offset 27: cannot compare categorical "channel" with number
}

// Every comparison with a missing value is false, != included, so x != 1 and
// !(x == 1) differ when x is missing.
func Example_missing() {
	vars := map[string]rule.Var{"x": {Slot: 0}}
	missing := []float64{math.NaN()}
	for _, src := range []string{"x != 1", "!(x == 1)", "missing(x) || x != 1", "missing(x / 0)"} {
		p, err := rule.Compile(src, vars)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-22s %v\n", src, p.Eval(missing))
	}
	// Output:
	// x != 1                 false
	// !(x == 1)              true
	// missing(x) || x != 1   true
	// missing(x / 0)         true
}
