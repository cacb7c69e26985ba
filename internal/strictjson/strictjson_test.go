package strictjson_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/edgescore/edgescore/internal/strictjson"
)

// A realistic bundle: slices of structs, maps, a raw field, pointers, a
// fixed-size array, named types, and NaN defaults.

type Transform string

type Bundle struct {
	Name       string             `json:"name"`
	Version    int                `json:"version"`
	Seed       uint64             `json:"seed"`
	Enabled    bool               `json:"enabled"`
	Features   []Feature          `json:"features"`
	Offers     []Offer            `json:"offers"`
	Thresholds map[string]float64 `json:"thresholds,omitempty"`
	Tiers      [3]float32         `json:"tiers"`
	Model      []byte             `json:"model,raw"`
	Fallback   *Offer             `json:"fallback"`
	Priors     Priors             `json:"priors"`
	Segments   map[string][]Rule  `json:"segments"`
	Tags       []string           `json:"tags"`

	Notes    string // no tag: never decoded
	Skipped  string `json:"-"`
	internal int    // unexported: never decoded
}

type Feature struct {
	Name      string            `json:"name"`
	Transform Transform         `json:"transform"`
	Params    []float64         `json:"params"`
	Default   float64           `json:"default"`
	Buckets   []int32           `json:"buckets,omitempty"`
	Steps     int8              `json:"steps"`
	Labels    map[string]string `json:"labels"`
}

type Offer struct {
	ID       string  `json:"id"`
	Discount float32 `json:"discount"`
	Cost     float64 `json:"cost"`
	Rules    []Rule  `json:"rules"`
}

type Rule struct {
	Feature string  `json:"feature"`
	Op      string  `json:"op"`
	Value   float64 `json:"value"`
	Min     uint16  `json:"min"`
}

type Priors struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
}

// newBundle returns a Bundle with the defaults a caller would pre-fill.
func newBundle() *Bundle {
	nan := math.NaN()
	return &Bundle{Version: 1, Priors: Priors{R: nan, Alpha: nan, A: nan, B: nan}, Notes: "keep", Skipped: "keep"}
}

const goodBundle = `{
  "name": "spring-promo \"v2\" \u00e9\ud83d\ude00",
  "seed": 18446744073709551615,
  "enabled": true,
  "features": [
    {"name": "tenure", "transform": "log1p", "params": [1, -2.5, 1e-3], "default": 0,
     "buckets": [-2147483648, 0, 2147483647], "steps": -128, "labels": {"a b": "x", "": ""}},
    {"name": "cart", "transform": "identity", "params": [], "default": 12.5, "steps": 3.0, "labels": {}}
  ],
  "offers": [
    {"id": "none", "discount": 0, "cost": 0, "rules": []},
    {"id": "ten", "discount": 0.1, "cost": 0.25, "rules": [
      {"feature": "cart", "op": ">=", "value": 50, "min": 65535},
      {"feature": "tenure", "op": "<", "value": -1e2, "min": 1e2}
    ]}
  ],
  "thresholds": {"max spend": 1.5e3, "min": -0.0},
  "tiers": [0.25, 0.5, 3.4028234e38],
  "model": {"learner": {"trees": [[1, 2], {"x": null}]}, "v": "1\n"},
  "fallback": {"id": "five", "discount": 0.05, "cost": 0.1, "rules": [{"feature": "", "op": "", "value": 0, "min": 0}]},
  "priors": {"r": 0.24, "alpha": 4.41, "b": null},
  "segments": {"vip": [{"feature": "clv", "op": ">", "value": 1000, "min": 0}], "new": []},
  "tags": ["a", "\t\\/\"", "\u0000"]
}`

func TestUnmarshalGood(t *testing.T) {
	b := newBundle()
	b.Tags = []string{"old1", "old2", "old3", "old4"}
	b.Thresholds = map[string]float64{"stale": 1}
	oldFallback := &Offer{ID: "old", Cost: 99, Rules: []Rule{{Op: "stale"}}}
	b.Fallback = oldFallback
	if err := strictjson.Unmarshal([]byte(goodBundle), b, strictjson.NullFloatNaN()); err != nil {
		t.Fatal(err)
	}
	eq := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	t.Run("scalars", func(t *testing.T) {
		eq("Name", b.Name, "spring-promo \"v2\" é😀")
		eq("Version (absent, keeps default)", b.Version, 1)
		eq("Seed", b.Seed, uint64(math.MaxUint64))
		eq("Enabled", b.Enabled, true)
		eq("Notes (untagged)", b.Notes, "keep")
		eq("Skipped (json:\"-\")", b.Skipped, "keep")
	})
	t.Run("features", func(t *testing.T) {
		if len(b.Features) != 2 {
			t.Fatalf("len(Features) = %d", len(b.Features))
		}
		f := b.Features[0]
		eq("Name", f.Name, "tenure")
		eq("Transform", f.Transform, Transform("log1p"))
		eq("Params", f.Params, []float64{1, -2.5, 0.001})
		eq("Default", f.Default, 0.0)
		eq("Buckets", f.Buckets, []int32{math.MinInt32, 0, math.MaxInt32})
		eq("Steps", f.Steps, int8(-128))
		eq("Labels", f.Labels, map[string]string{"a b": "x", "": ""})
		f = b.Features[1]
		eq("Params (empty, non-nil)", f.Params != nil && len(f.Params) == 0, true)
		eq("Default", f.Default, 12.5)
		eq("Buckets (absent)", f.Buckets, []int32(nil))
		eq("Steps (3.0 is integral)", f.Steps, int8(3))
		eq("Labels", f.Labels, map[string]string{})
	})
	t.Run("offers", func(t *testing.T) {
		want := []Offer{
			{ID: "none", Rules: []Rule{}},
			{ID: "ten", Discount: 0.1, Cost: 0.25, Rules: []Rule{
				{Feature: "cart", Op: ">=", Value: 50, Min: 65535},
				{Feature: "tenure", Op: "<", Value: -100, Min: 100},
			}},
		}
		eq("Offers", b.Offers, want)
	})
	t.Run("maps", func(t *testing.T) {
		eq("Thresholds (replaced, not merged)", b.Thresholds, map[string]float64{"max spend": 1500, "min": 0})
		if v := b.Thresholds["min"]; !math.Signbit(v) {
			t.Errorf("Thresholds[min] = %v, want -0", v)
		}
		eq("Segments", b.Segments, map[string][]Rule{
			"vip": {{Feature: "clv", Op: ">", Value: 1000}},
			"new": {},
		})
	})
	t.Run("array", func(t *testing.T) {
		eq("Tiers", b.Tiers, [3]float32{0.25, 0.5, math.MaxFloat32})
	})
	t.Run("raw", func(t *testing.T) {
		eq("Model", string(b.Model), `{"learner": {"trees": [[1, 2], {"x": null}]}, "v": "1\n"}`)
		if i := strings.Index(goodBundle, `{"learner"`); &b.Model[0] == &[]byte(goodBundle)[i] {
			t.Error("Model aliases the input")
		}
	})
	t.Run("pointer", func(t *testing.T) {
		if b.Fallback != oldFallback {
			t.Error("non-nil pointer was replaced instead of decoded through")
		}
		eq("Fallback", *b.Fallback, Offer{ID: "five", Discount: 0.05, Cost: 0.1, Rules: []Rule{{}}})
	})
	t.Run("NaN defaults", func(t *testing.T) {
		eq("Priors.R", b.Priors.R, 0.24)
		eq("Priors.Alpha", b.Priors.Alpha, 4.41)
		if !math.IsNaN(b.Priors.A) {
			t.Errorf("Priors.A (absent) = %v, want the NaN default", b.Priors.A)
		}
		if !math.IsNaN(b.Priors.B) {
			t.Errorf("Priors.B (null with NullFloatNaN) = %v, want NaN", b.Priors.B)
		}
	})
	t.Run("slice replaced", func(t *testing.T) {
		eq("Tags", b.Tags, []string{"a", "\t\\/\"", "\x00"})
	})
}

func TestNullPointer(t *testing.T) {
	b := newBundle()
	b.Fallback = &Offer{ID: "old"}
	if err := strictjson.Unmarshal([]byte(`{"fallback": null}`), b); err != nil {
		t.Fatal(err)
	}
	if b.Fallback != nil {
		t.Errorf("Fallback = %+v, want nil", b.Fallback)
	}
	// A nil pointer gets a new value.
	if err := strictjson.Unmarshal([]byte(`{"fallback": {"id": "x"}}`), b); err != nil {
		t.Fatal(err)
	}
	if b.Fallback == nil || b.Fallback.ID != "x" {
		t.Errorf("Fallback = %+v", b.Fallback)
	}
}

func TestNullFloatNaN(t *testing.T) {
	var v struct {
		F  float64            `json:"f"`
		G  float32            `json:"g"`
		S  []float64          `json:"s"`
		M  map[string]float32 `json:"m"`
		P  *float64           `json:"p"`
		A  [2]float64         `json:"a"`
		St string             `json:"st"`
	}
	in := `{"f": null, "g": null, "s": [1, null], "m": {"x": null}, "p": null, "a": [null, 2]}`
	if err := strictjson.Unmarshal([]byte(in), &v, strictjson.NullFloatNaN()); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(v.F) || !math.IsNaN(float64(v.G)) || !math.IsNaN(v.S[1]) || !math.IsNaN(float64(v.M["x"])) || !math.IsNaN(v.A[0]) || v.P != nil {
		t.Errorf("got %+v", v)
	}
	// Without the option, null into a float is an error...
	err := strictjson.Unmarshal([]byte(in), &v)
	checkErr(t, err, "f", "null not allowed for float64", 6)
	// ... and with it, null into a non-float still is.
	err = strictjson.Unmarshal([]byte(`{"st": null}`), &v, strictjson.NullFloatNaN())
	checkErr(t, err, "st", "null not allowed for string", 7)
}

// deep is a recursive type for the depth tests.
type deep struct {
	N *deep  `json:"n"`
	L []deep `json:"l"`
}

// nested returns n objects nested through "n".
func nested(n int) string {
	return strings.Repeat(`{"n":`, n-1) + "{}" + strings.Repeat("}", n-1)
}

type badCase struct {
	name string
	in   string
	opts []strictjson.Option
	path string
	msg  string // substring of Error.Msg
	at   string // the error's offset is the first index of at in in ("" to skip)
}

var badCases = []badCase{
	// Unknown and duplicate keys.
	{name: "unknown top-level field", in: `{"name":"x","nmae":"y"}`, path: "nmae", msg: `unknown field (did you mean "name"?)`, at: `"nmae"`},
	{name: "unknown nested field", in: `{"features":[{"name":"a"},{"tranform":"log"}]}`, path: "features[1].tranform", msg: `unknown field (did you mean "transform"?)`, at: `"tranform"`},
	{name: "unknown field no suggestion", in: `{"offers":[{"zzzzzz":1}]}`, path: "offers[0].zzzzzz", msg: "unknown field", at: `"zzzzzz"`},
	{name: "unknown odd key quoted in path", in: `{"priors":{"a.b c":1}}`, path: `priors["a.b c"]`, msg: "unknown field"},
	{name: "untagged field is unknown", in: `{"Notes":"x"}`, path: "Notes", msg: "unknown field"},
	{name: "dash-tagged field is unknown", in: `{"Skipped":"x"}`, path: "Skipped", msg: "unknown field"},
	{name: "keys are case-sensitive", in: `{"Name":"x"}`, path: "Name", msg: `unknown field (did you mean "name"?)`},
	{name: "duplicate field", in: `{"name":"a","seed":1,"name":"b"}`, path: "name", msg: "duplicate key", at: `"name":"b"`},
	{name: "duplicate field via escape", in: `{"name":"a","n\u0061me":"b"}`, path: "name", msg: "duplicate key", at: `"n\u`},
	{name: "duplicate map key", in: `{"thresholds":{"a":1,"b":2,"a":3}}`, path: "thresholds.a", msg: "duplicate key", at: `"a":3`},
	{name: "duplicate nested", in: `{"offers":[{"rules":[{},{"op":"<","op":">"}]}]}`, path: "offers[0].rules[1].op", msg: "duplicate key", at: `"op":">"`},

	// Type mismatches and null.
	{name: "nested arrays a[2].b[0].c", in: `{"offers":[{},{},{"rules":[{"value":"high"}]}]}`, path: "offers[2].rules[0].value", msg: "expected number, got string", at: `"high"`},
	{name: "discount string", in: `{"offers":[{},{},{},{"discount":"10%"}]}`, path: "offers[3].discount", msg: "expected number, got string", at: `"10%"`},
	{name: "bool from string", in: `{"enabled":"yes"}`, path: "enabled", msg: "expected boolean, got string"},
	{name: "string from number", in: `{"tags":["a",1]}`, path: "tags[1]", msg: "expected string, got number", at: "1]"},
	{name: "struct from array", in: `{"priors":[1]}`, path: "priors", msg: "expected object, got array", at: "[1]"},
	{name: "slice from object", in: `{"features":{}}`, path: "features", msg: "expected array, got object"},
	{name: "map from boolean", in: `{"thresholds":true}`, path: "thresholds", msg: "expected object, got boolean"},
	{name: "root not an object", in: ` [1,2]`, path: "", msg: "expected object, got array", at: "["},
	{name: "map value mismatch, odd key", in: `{"thresholds":{"max spend":"x"}}`, path: `thresholds["max spend"]`, msg: "expected number, got string"},
	{name: "map of slices", in: `{"segments":{"vip":[{"min":"1"}]}}`, path: "segments.vip[0].min", msg: "expected number, got string"},
	{name: "null into string", in: `{"name":null}`, path: "name", msg: "null not allowed for string", at: "null"},
	{name: "null into float without option", in: `{"priors":{"r":null}}`, path: "priors.r", msg: "null not allowed for float64"},
	{name: "null into int with NaN option", in: `{"version":null}`, opts: []strictjson.Option{strictjson.NullFloatNaN()}, path: "version", msg: "null not allowed for int"},

	// Numbers ([]float64 has its own code path).
	{name: "float slice element string", in: `{"features":[{"params":[1,"2"]}]}`, path: "features[0].params[1]", msg: "expected number, got string", at: `"2"`},
	{name: "float slice element null", in: `{"features":[{"params":[null]}]}`, path: "features[0].params[0]", msg: "null not allowed for float64"},
	{name: "float slice element overflow", in: `{"features":[{"params":[0,-1e309]}]}`, path: "features[0].params[1]", msg: "-1e309 out of range for float64", at: "-1e309"},
	{name: "float slice missing comma", in: `{"features":[{"params":[1 2]}]}`, path: "features[0].params", msg: "invalid character '2' after array element"},
	{name: "float slice truncated", in: `{"features":[{"params":[1,`, path: "features[0].params[1]", msg: "unexpected end of input"},
	{name: "float slice bad literal", in: `{"features":[{"params":[nul]}]}`, opts: []strictjson.Option{strictjson.NullFloatNaN()}, path: "features[0].params[0]", msg: "invalid character ']' in literal null"},
	{name: "not an integer", in: `{"features":[{"steps":3.5}]}`, path: "features[0].steps", msg: "3.5 is not an integer", at: "3.5"},
	{name: "tiny fraction not an integer", in: `{"version":1e-400}`, path: "version", msg: "1e-400 is not an integer"},
	{name: "int8 out of range", in: `{"features":[{"steps":128}]}`, path: "features[0].steps", msg: "128 out of range for int8"},
	{name: "int8 negative out of range", in: `{"features":[{"steps":-129}]}`, path: "features[0].steps", msg: "-129 out of range for int8"},
	{name: "int32 exponent out of range", in: `{"features":[{"buckets":[1,1e20]}]}`, path: "features[0].buckets[1]", msg: "1e20 out of range for int32", at: "1e20"},
	{name: "uint negative", in: `{"offers":[{"rules":[{"min":-1}]}]}`, path: "offers[0].rules[0].min", msg: "-1 out of range for uint16"},
	{name: "uint64 overflow", in: `{"seed":18446744073709551616}`, path: "seed", msg: "18446744073709551616 out of range for uint64"},
	{name: "huge exponent", in: `{"seed":1e999999999999999999999}`, path: "seed", msg: "out of range for uint64"},
	{name: "float32 overflow", in: `{"offers":[{"discount":1e39}]}`, path: "offers[0].discount", msg: "1e39 out of range for float32", at: "1e39"},
	{name: "float32 array overflow", in: `{"tiers":[1,2,-3.5e38]}`, path: "tiers[2]", msg: "-3.5e38 out of range for float32"},
	{name: "float64 overflow", in: `{"offers":[{"cost":1e400}]}`, path: "offers[0].cost", msg: "1e400 out of range for float64"},
	{name: "leading zero", in: `{"version":01}`, path: "version", msg: "invalid number: leading zero", at: "01"},
	{name: "bare minus", in: `{"version":-}`, path: "version", msg: "invalid character '}' in number", at: "}"},
	{name: "missing fraction digits", in: `{"offers":[{"cost":1.}]}`, path: "offers[0].cost", msg: "after decimal point"},
	{name: "plus sign", in: `{"version":+1}`, path: "version", msg: "invalid character '+' looking for beginning of value"},

	// Arrays.
	{name: "array too short", in: `{"tiers":[1,2]}`, path: "tiers", msg: "expected array of 3 elements, got 2", at: "[1,2]"},
	{name: "array too long", in: `{"tiers":[1,2,3,4,[5]]}`, path: "tiers", msg: "expected array of 3 elements, got 5"},
	{name: "array trailing comma", in: `{"tiers":[1,2,3,]}`, path: "tiers[3]", msg: "invalid character ']' looking for beginning of value"},

	// Strings.
	{name: "bad escape", in: `{"name":"a\qb"}`, path: "name", msg: `invalid escape \q in string`, at: `\q`},
	{name: "short unicode escape", in: `{"tags":["\u12G4"]}`, path: "tags[0]", msg: `\u must be followed by 4 hex digits`, at: `\u`},
	{name: "unpaired high surrogate", in: `{"name":"\ud83dx"}`, path: "name", msg: `unpaired high surrogate \uD83D`, at: `\u`},
	{name: "high surrogate then non-low", in: `{"name":"\ud83d\u0041"}`, path: "name", msg: `unpaired high surrogate`},
	{name: "unpaired low surrogate", in: `{"name":"\ude00"}`, path: "name", msg: `unpaired low surrogate \uDE00`},
	{name: "invalid UTF-8", in: "{\"name\":\"ab\xffcd\"}", path: "name", msg: "invalid UTF-8 in string", at: "\xff"},
	{name: "UTF-8 encoded surrogate", in: "{\"name\":\"\xed\xa0\x80\"}", path: "name", msg: "invalid UTF-8 in string"},
	{name: "invalid UTF-8 in key", in: "{\"n\xc3\":1}", path: "", msg: "invalid UTF-8 in string"},
	{name: "control character", in: "{\"name\":\"a\nb\"}", path: "name", msg: "control character byte 0x0a in string", at: "\n"},

	// Raw.
	{name: "raw syntax error has inner path", in: `{"model":{"trees":[1,2,}}`, path: "model.trees[2]", msg: "invalid character '}' looking for beginning of value", at: "}}"},
	{name: "raw bad literal", in: `{"model":[tru]}`, path: "model[0]", msg: "invalid character ']' in literal true"},
	{name: "raw missing", in: `{"model":}`, path: "model", msg: "invalid character '}' looking for beginning of value"},

	// Syntax, truncation, trailing data.
	{name: "empty input", in: ``, path: "", msg: "unexpected end of input", at: ""},
	{name: "whitespace only", in: " \n\t", path: "", msg: "unexpected end of input"},
	{name: "truncated in string", in: `{"name":"abc`, path: "name", msg: "unexpected end of input"},
	{name: "truncated after comma", in: `{"offers":[{"id":"a"},`, path: "offers[1]", msg: "unexpected end of input"},
	{name: "truncated after key", in: `{"offers":[{"id"`, path: "offers[0]", msg: "unexpected end of input"},
	{name: "truncated literal", in: `{"enabled":tr`, path: "enabled", msg: "unexpected end of input"},
	{name: "truncated surrogate pair", in: `{"name":"\ud83d\u`, path: "name", msg: "unexpected end of input"},
	{name: "trailing garbage", in: `{"name":"y"} x`, path: "", msg: "invalid character 'x' after top-level value", at: "x"},
	{name: "two values", in: `{} []`, path: "", msg: "invalid character '[' after top-level value", at: "["},
	{name: "missing colon", in: `{"name" "x"}`, path: "", msg: `invalid character '"' after object key`},
	{name: "missing comma", in: `{"name":"x" "seed":1}`, path: "", msg: `invalid character '"' after object key:value pair`},
	{name: "trailing comma in object", in: `{"name":"x",}`, path: "", msg: "invalid character '}' looking for beginning of object key string"},
	{name: "unquoted key", in: `{name:"x"}`, path: "", msg: "invalid character 'n' looking for beginning of object key string"},
	{name: "single quotes", in: `{"name":'x'}`, path: "name", msg: `invalid character '\'' looking for beginning of value`},
	{name: "bad literal", in: `{"enabled":trUe}`, path: "enabled", msg: "invalid character 'U' in literal true"},
	{name: "byte order mark", in: "\xef\xbb\xbf{}", path: "", msg: "invalid character byte 0xef looking for beginning of value"},
	{name: "NaN literal", in: `{"offers":[{"cost":NaN}]}`, path: "offers[0].cost", msg: "invalid character 'N' looking for beginning of value"},

	// Depth.
	{name: "depth limit option", in: `{"model":[[[[1]]]]}`, opts: []strictjson.Option{strictjson.MaxDepth(3)}, path: "model[0][0]", msg: "nesting depth exceeds the maximum of 3", at: "[[1"},
	{name: "default depth limit in raw", in: `{"model":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`, path: "model" + strings.Repeat("[0]", 63), msg: "nesting depth exceeds the maximum of 64"},
}

// The depth and type-dependent cases that need another root type.
func TestUnmarshalBad(t *testing.T) {
	if len(badCases) < 25 {
		t.Fatalf("only %d bad cases", len(badCases))
	}
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			err := strictjson.Unmarshal([]byte(tc.in), newBundle(), tc.opts...)
			off := -1
			if tc.at != "" {
				off = strings.Index(tc.in, tc.at)
				if off < 0 {
					t.Fatalf("bad test: %q not in input", tc.at)
				}
			} else if tc.in == "" {
				off = 0
			}
			checkErr(t, err, tc.path, tc.msg, off)
		})
	}
}

func TestDepth(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts []strictjson.Option
		path string // "" = no error expected
	}{
		{name: "64 levels ok", in: nested(64)},
		{name: "65 levels", in: nested(65), path: strings.TrimSuffix(strings.Repeat("n.", 64), ".")},
		{name: "option 3 ok", in: nested(3), opts: []strictjson.Option{strictjson.MaxDepth(3)}},
		{name: "option 3 exceeded", in: nested(4), opts: []strictjson.Option{strictjson.MaxDepth(3)}, path: "n.n.n"},
		{name: "slices count too", in: `{"l":[{"l":[{}]}]}`, opts: []strictjson.Option{strictjson.MaxDepth(4)}, path: "l[0].l[0]"},
		{name: "zero means default", in: nested(64), opts: []strictjson.Option{strictjson.MaxDepth(0)}},
		{name: "large option", in: nested(5000), opts: []strictjson.Option{strictjson.MaxDepth(1 << 30)}},
		{name: "hard cap", in: nested(10001), opts: []strictjson.Option{strictjson.MaxDepth(1 << 30)}, path: strings.TrimSuffix(strings.Repeat("n.", 10000), ".")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v deep
			err := strictjson.Unmarshal([]byte(tc.in), &v, tc.opts...)
			if tc.path == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkErr(t, err, tc.path, "nesting depth exceeds", -1)
		})
	}
}

func checkErr(t *testing.T, err error, path, msg string, off int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s: %s", path, msg)
	}
	var e *strictjson.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *strictjson.Error", err, err)
	}
	if e.Path != path || !strings.Contains(e.Msg, msg) {
		t.Errorf("got  %s\nwant path %q, message containing %q", shorten(e.Error()), shorten(path), msg)
	}
	if off >= 0 && e.Offset != int64(off) {
		t.Errorf("offset = %d, want %d (%s)", e.Offset, off, shorten(e.Error()))
	}
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:100] + "..." + s[len(s)-100:]
	}
	return s
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    strictjson.Error
		want string
	}{
		{strictjson.Error{Path: "offers[3].discount", Offset: 1234, Msg: "expected number, got string"}, "offers[3].discount: expected number, got string (at byte 1234)"},
		{strictjson.Error{Path: "", Offset: 0, Msg: "unexpected end of input"}, "$: unexpected end of input (at byte 0)"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	// Long hostile keys are truncated in paths.
	in := `{"` + strings.Repeat("k", 10000) + `":1}`
	err := strictjson.Unmarshal([]byte(in), newBundle())
	if err == nil || len(err.Error()) > 300 {
		t.Errorf("error for a long unknown key: %.400v", err)
	}
}

func TestRootTypes(t *testing.T) {
	t.Run("slice", func(t *testing.T) {
		var v []map[string]int16
		if err := strictjson.Unmarshal([]byte(` [{"a":1},{}] `), &v); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, []map[string]int16{{"a": 1}, {}}) {
			t.Errorf("got %v", v)
		}
		err := strictjson.Unmarshal([]byte(`[{"a":1},{"b":40000}]`), &v)
		checkErr(t, err, "[1].b", "40000 out of range for int16", 14)
	})
	t.Run("map", func(t *testing.T) {
		type key string
		var v map[key][2]bool
		if err := strictjson.Unmarshal([]byte(`{"x":[true,false]}`), &v); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, map[key][2]bool{"x": {true, false}}) {
			t.Errorf("got %v", v)
		}
	})
	t.Run("scalars", func(t *testing.T) {
		var i int64
		if err := strictjson.Unmarshal([]byte(`-9223372036854775808`), &i); err != nil || i != math.MinInt64 {
			t.Errorf("int64: %v %v", i, err)
		}
		checkErr(t, strictjson.Unmarshal([]byte(`9223372036854775808`), &i), "", "out of range for int64", 0)
		if err := strictjson.Unmarshal([]byte(`12345678901234567e-5`), &i); err == nil {
			t.Error("12345678901234567e-5 into int64: no error")
		}
		if err := strictjson.Unmarshal([]byte(`1234567890123456789000e-3`), &i); err != nil || i != 1234567890123456789 {
			t.Errorf("exact large integer with exponent: %v %v", i, err)
		}
		var u uint8
		if err := strictjson.Unmarshal([]byte(`-0`), &u); err != nil || u != 0 {
			t.Errorf("-0 into uint8: %v %v", u, err)
		}
		if err := strictjson.Unmarshal([]byte(`2.550e2`), &u); err != nil || u != 255 {
			t.Errorf("2.550e2 into uint8: %v %v", u, err)
		}
		var s string
		if err := strictjson.Unmarshal([]byte(`"\ud83d\ude00\u00e9\/"`), &s); err != nil || s != "😀é/" {
			t.Errorf("string: %q %v", s, err)
		}
		var f float32
		if err := strictjson.Unmarshal([]byte(`16777217`), &f); err != nil || f != 16777216 {
			t.Errorf("float32 rounding: %v %v", f, err)
		}
		var pp **Offer
		if err := strictjson.Unmarshal([]byte(`{"id":"x"}`), &pp); err != nil || (*pp).ID != "x" {
			t.Errorf("**Offer: %v", err)
		}
	})
	t.Run("raw named type", func(t *testing.T) {
		var v struct {
			M json.RawMessage `json:"m,raw"`
		}
		if err := strictjson.Unmarshal([]byte(`{"m": [1, "a"] }`), &v); err != nil || string(v.M) != `[1, "a"]` {
			t.Errorf("got %q, %v", v.M, err)
		}
	})
}

type cyclicPtr *cyclicPtr

func TestUnsupportedTypes(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"any field", &struct {
			A []struct {
				X any `json:"x"`
			} `json:"a"`
		}{}, "A[].X: type interface {}: interface types are not supported"},
		{"root interface", new(any), "type interface {}"},
		{"int map key", &map[int]string{}, "only maps with string keys"},
		{"byte slice without raw", &struct {
			B []byte `json:"b"`
		}{}, ".B: type []uint8: byte slices are only supported"},
		{"raw on non-bytes", &struct {
			B string `json:"b,raw"`
		}{}, "the ,raw tag option requires a []byte type"},
		{"string option", &struct {
			N int `json:"n,string"`
		}{}, "the ,string tag option is not supported"},
		{"unknown option", &struct {
			N int `json:"n,inline"`
		}{}, `unknown tag option "inline"`},
		{"duplicate names", reflect.New(reflect.StructOf([]reflect.StructField{
			// Built with reflect: go vet rejects such a struct literal.
			{Name: "A", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
			{Name: "B", Type: reflect.TypeFor[int](), Tag: `json:"x"`},
		})).Interface(), `two fields have the JSON name "x"`},
		{"UnmarshalJSON", &struct {
			R customJSON `json:"r"`
		}{}, "UnmarshalJSON"},
		{"json.Number", &struct {
			N json.Number `json:"n"`
		}{}, "json.Number is not supported"},
		{"chan", &struct {
			C chan int `json:"c"`
		}{}, "chan is not supported"},
		{"complex", new(complex128), "complex128 is not supported"},
		{"cyclic pointer", new(cyclicPtr), "recursive pointer types"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // the second time from the cache
				err := strictjson.Unmarshal([]byte(`{}`), tc.v)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "strictjson: ") {
					t.Fatalf("got %v, want error containing %q", err, tc.want)
				}
				var e *strictjson.Error
				if errors.As(err, &e) {
					t.Errorf("type error is a *Error: %v", err)
				}
			}
		})
	}
}

func TestBadArgument(t *testing.T) {
	var b Bundle
	for _, v := range []any{nil, b, (*Bundle)(nil)} {
		if err := strictjson.Unmarshal([]byte(`{}`), v); err == nil {
			t.Errorf("Unmarshal(%T): no error", v)
		}
	}
}

func TestRecursiveSliceType(t *testing.T) {
	type tree []tree
	var v tree
	if err := strictjson.Unmarshal([]byte(`[[],[[]]]`), &v); err != nil {
		t.Fatal(err)
	}
	if len(v) != 2 || len(v[1]) != 1 {
		t.Errorf("got %v", v)
	}
}

func TestManyFields(t *testing.T) {
	// More than 64 fields use the large duplicate-detection set.
	fields := make([]reflect.StructField, 100)
	for i := range fields {
		name := "F" + strings.Repeat("x", i)
		fields[i] = reflect.StructField{Name: name, Type: reflect.TypeFor[int](), Tag: reflect.StructTag(`json:"f` + strconv.Itoa(i) + `"`)}
	}
	typ := reflect.StructOf(fields)
	v := reflect.New(typ)
	if err := strictjson.Unmarshal([]byte(`{"f0":1,"f99":2}`), v.Interface()); err != nil {
		t.Fatal(err)
	}
	if v.Elem().Field(0).Int() != 1 || v.Elem().Field(99).Int() != 2 {
		t.Errorf("got %v", v.Elem().Interface())
	}
	err := strictjson.Unmarshal([]byte(`{"f99":1,"f0":1,"f99":2}`), v.Interface())
	checkErr(t, err, "f99", "duplicate key", 16)
}

func TestConcurrent(t *testing.T) {
	// Decoding new types from many goroutines at once exercises the plan
	// cache; run with -race.
	type local struct {
		A []Offer          `json:"a"`
		B map[string]*deep `json:"b"`
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				var v local
				if err := strictjson.Unmarshal([]byte(`{"a":[{"id":"x"}],"b":{"k":{"n":{}}}}`), &v); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestNoAllocsForScalars(t *testing.T) {
	data := []byte(`{"r": 0.24, "alpha": 4.41, "a": 1e-3, "b": -12}`)
	var p Priors
	allocs := testing.AllocsPerRun(100, func() {
		if err := strictjson.Unmarshal(data, &p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("%v allocations decoding a struct of floats", allocs)
	}
}

// TestLargeInputs decodes large adversarial documents: each must finish
// quickly (work is linear in the input) with the expected outcome.
func TestLargeInputs(t *testing.T) {
	const n = 1 << 20
	tests := []struct {
		name string
		in   string
		v    any
		ok   bool
	}{
		{"deep arrays", strings.Repeat("[", n), new([]deep), false},
		{"deep raw", `{"model":` + strings.Repeat("[", n), newBundle(), false},
		{"long escaped string", `"` + strings.Repeat(`\u00e9\ud83d\ude00`, n/16) + `"`, new(string), true},
		{"long integer", strings.Repeat("9", n), new(int64), false},
		{"long integral number", "1" + strings.Repeat("0", n) + "e-" + strconv.Itoa(n), new(int8), true},
		{"long fraction", "0." + strings.Repeat("0", n) + "1", new(float64), true},
		{"long fraction into int", "0." + strings.Repeat("0", n) + "1", new(int), false},
		{"surplus array elements", "[1,2," + strings.Repeat("[1,{\"a\":2}],", n/16) + "3]", new([2]int), false},
		{"many map keys", manyKeys(n / 16), new(map[string]int), true},
		{"long unknown key", `{"` + strings.Repeat("x", n) + `":1}`, newBundle(), false},
		{"many small objects", "[" + strings.TrimSuffix(strings.Repeat("{},", n/3), ",") + "]", new([]Offer), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := strictjson.Unmarshal([]byte(tc.in), tc.v)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %.200v, want ok=%v", err, tc.ok)
			}
			if err != nil && len(err.Error()) > 1000 {
				t.Errorf("error message of %d bytes", len(err.Error()))
			}
		})
	}
}

// manyKeys returns an object with n distinct keys.
func manyKeys(n int) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"k` + strconv.Itoa(i) + `":1`)
	}
	sb.WriteByte('}')
	return sb.String()
}

// customJSON has its own UnmarshalJSON, which strictjson refuses to call.
type customJSON struct{}

func (*customJSON) UnmarshalJSON([]byte) error { return nil }

// null is an absent slice or map (what encoding/json writes for nil), and
// json.RawMessage keeps the value's text verbatim.
func TestNullCollectionsAndRawMessage(t *testing.T) {
	var v struct {
		L []string          `json:"l"`
		M map[string]int    `json:"m"`
		R json.RawMessage   `json:"r"`
		N []json.RawMessage `json:"n"`
	}
	v.L, v.M = []string{"x"}, map[string]int{"a": 1}
	if err := strictjson.Unmarshal([]byte(`{"l":null,"m":null,"r":{"a":[1, 2]},"n":[true,"s"]}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.L != nil || v.M != nil || string(v.R) != `{"a":[1, 2]}` || len(v.N) != 2 || string(v.N[1]) != `"s"` {
		t.Fatalf("got %+v", v)
	}
}
