package strictjson_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/edgescore/edgescore/internal/strictjson"
)

func ExampleUnmarshal() {
	type Feature struct {
		Name      string    `json:"name"`
		Transform string    `json:"transform"`
		Params    []float64 `json:"params,omitempty"`
	}
	type Config struct {
		Features []Feature `json:"features"`
		Model    []byte    `json:"model,raw"` // kept verbatim
		MinScore float64   `json:"min_score"`
	}

	// Pre-fill defaults: absent fields keep them.
	cfg := Config{MinScore: math.NaN()}
	err := strictjson.Unmarshal([]byte(`{
		"features": [{"name": "tenure", "transform": "log1p"}],
		"model": {"trees": [[1, 2], [3]]}
	}`), &cfg)
	fmt.Println(err, cfg.Features, string(cfg.Model), cfg.MinScore)

	// A typo is an error that names its place.
	err = strictjson.Unmarshal([]byte(`{"features": [{"name": "a"}, {"name": "b", "tranform": "log"}]}`), &cfg)
	fmt.Println(err)

	var e *strictjson.Error
	if errors.As(err, &e) {
		fmt.Printf("path=%s offset=%d\n", e.Path, e.Offset)
	}
	// Output:
	// <nil> [{tenure log1p []}] {"trees": [[1, 2], [3]]} NaN
	// features[1].tranform: unknown field (did you mean "transform"?) (at byte 43)
	// path=features[1].tranform offset=43
}

func ExampleNullFloatNaN() {
	var ctx struct {
		CartValue float64 `json:"cart_value"`
		Pageviews float64 `json:"pageviews"`
	}
	err := strictjson.Unmarshal([]byte(`{"cart_value": null, "pageviews": 3}`), &ctx, strictjson.NullFloatNaN())
	fmt.Println(err, ctx.CartValue, ctx.Pageviews)

	err = strictjson.Unmarshal([]byte(`{"cart_value": null}`), &ctx)
	fmt.Println(err)
	// Output:
	// <nil> NaN 3
	// cart_value: null not allowed for float64 (at byte 15)
}

func ExampleMaxDepth() {
	var v struct {
		Model []byte `json:"model,raw"`
	}
	err := strictjson.Unmarshal([]byte(`{"model": [[[0]]]}`), &v, strictjson.MaxDepth(3))
	fmt.Println(err)
	// Output:
	// model[0][0]: nesting depth exceeds the maximum of 3 (at byte 12)
}
