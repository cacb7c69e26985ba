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
		{"wrong type", `{"percent": "5"}`, "body.percent: expected number, got string (at byte 12)"},
		{"nested wrong type", `{"arms": [{"weight": 1.5}]}`, "body.arms[0].weight: 1.5 is not an integer (at byte 21)"},
		{"not an object", `[1]`, "body: expected object, got array (at byte 0)"},
		{"unknown field", `{"pct": 5}`, "body.pct: unknown field (at byte 1)"},
		{"malformed", `{"percent": }`, "body.percent: invalid character '}' looking for beginning of value (at byte 12)"},
		{"truncated", `{"percent": 5`, "body: unexpected end of input (at byte 13)"},
		{"empty", ``, "body: unexpected end of input (at byte 0)"},
		{"trailing", `{} {}`, "body: invalid character '{' after top-level value (at byte 3)"},
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
