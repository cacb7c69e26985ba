package jsonx

import (
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	type arm struct {
		Weight int    `json:"weight"`
		Name   string `json:"name"`
	}
	type req struct {
		Percent float64 `json:"percent"`
		Arms    []arm   `json:"arms"`
	}
	for _, c := range []struct{ name, in, want string }{
		{"ok", `{"percent": 5, "arms": [{"weight": 1}]}`, ""},
		{"wrong type", `{"percent": "5"}`, "body.percent: want number, got string"},
		{"nested wrong type", `{"arms": [{"weight": 1.5}]}`, "body.arms.weight: want integer, got number"},
		{"not an object", `[1]`, "body: want object, got array"},
		{"unknown field", `{"pct": 5}`, `body: unknown field "pct"`},
		{"malformed", `{"percent": }`, "body: malformed JSON at byte"},
		{"truncated", `{"percent": 5`, "body: malformed JSON: unexpected end of input"},
		{"empty", ``, "body: empty, want a JSON value"},
		{"trailing", `{} {}`, "body: unexpected data after the JSON value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r req
			err := Decode([]byte(c.in), &r, "body")
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
