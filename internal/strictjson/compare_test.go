package strictjson_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/internal/strictjson"
)

// Types that both decoders handle identically (the raw field is a
// json.RawMessage, which encoding/json also stores verbatim).

type cmpBundle struct {
	Name       string                `json:"name"`
	Version    int                   `json:"version"`
	Seed       uint64                `json:"seed"`
	Small      int8                  `json:"small"`
	U16        uint16                `json:"u16"`
	I64        int64                 `json:"i64"`
	U32        uint32                `json:"u32"`
	Enabled    bool                  `json:"enabled"`
	Weight     float32               `json:"weight"`
	Features   []cmpFeature          `json:"features"`
	Thresholds map[string]float64    `json:"thresholds"`
	Tiers      [3]float32            `json:"tiers"`
	Model      json.RawMessage       `json:"model,raw"`
	Fallback   *cmpOffer             `json:"fallback"`
	Offers     []cmpOffer            `json:"offers"`
	Segments   map[Transform][]int16 `json:"segments"`
	Matrix     [][]float64           `json:"matrix"`
	Next       *cmpBundle            `json:"next,omitempty"`
}

type cmpFeature struct {
	Name      string            `json:"name"`
	Transform Transform         `json:"transform"`
	Params    []float64         `json:"params"`
	Default   float64           `json:"default"`
	Buckets   [2]int32          `json:"buckets"`
	Labels    map[string]string `json:"labels"`
}

type cmpOffer struct {
	ID       string   `json:"id"`
	Discount float32  `json:"discount"`
	Cost     float64  `json:"cost"`
	Rules    []Rule   `json:"rules"`
	Limit    *float64 `json:"limit"`
}

// fixtures are valid documents, decoded into the type of their zero value
// by both decoders.
var fixtures = []struct {
	name string
	zero func() any
	in   string
}{
	{"bundle", func() any { return new(cmpBundle) }, `{
	  "name": "a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\u20AC\ud834\udd1e<>&  ü",
	  "version": -42, "seed": 18446744073709551615, "small": -128, "u16": 65535,
	  "i64": -9223372036854775808, "u32": 4294967295, "enabled": false, "weight": 1.17549435e-38,
	  "features": [
	    {"name": "x", "transform": "log", "params": [0, -0, 1E+2, 1e-2, 2.5E-3, 123456789012345678901234567890, 4.9e-324, 1.7976931348623157e308],
	     "default": 0.1, "buckets": [-2147483648, 2147483647], "labels": {"": "", "k": "v", "\u00e9": "é"}},
	    {"name": "", "transform": "", "params": [], "default": -0.0, "buckets": [0, 0], "labels": {}}
	  ],
	  "thresholds": {"a": 1, "b": -1.5e-7, "c": 3.4028235e38},
	  "tiers": [1.4e-45, 3.4028234e38, -0.5],
	  "model"  :  {"learner" : {"trees": [ [1,2], {"x" :null} , true, false, "s\n", -1.5e3 ]}} ,
	  "fallback": null,
	  "offers": [{"id": "o", "discount": 0.1, "cost": 0.30000000000000004, "rules": [{"feature": "f", "op": "<", "value": 1e300, "min": 7}], "limit": 5}],
	  "segments": {"vip": [1, -2, 32767], "new": []},
	  "matrix": [[], [1], [1, 2.5]],
	  "next": {"name": "inner", "tiers": [0, 0, 0], "fallback": {"id": "f", "rules": []}}
	}`},
	{"raw scalar", func() any { return new(cmpBundle) }, `{"model": 12.5e-1}`},
	{"raw string", func() any { return new(cmpBundle) }, `{"model": "\ud83d\ude00"}`},
	{"raw null", func() any { return new(cmpBundle) }, `{"model": null}`},
	{"float slice", func() any { return new([]float64) }, `[0.1, 0.2, 0.30000000000000004, 1e23, 8.41e21, 5e-324, 2.2250738585072011e-308, 9007199254740993]`},
	{"float32 slice", func() any { return new([]float32) }, `[0.1, 16777217, 3.4028235677973366e38, 1e-46, 7.0e-46, 1.00000017881393432617187499]`},
	{"map of arrays", func() any { return new(map[string][2]bool) }, `{"a": [true, false], "b": [false, true]}`},
	{"nested slices", func() any { return new([][]map[string]uint8) }, ` [ [ {"a": 255} ], [], [{}, {"b": 0}] ] `},
	{"string", func() any { return new(string) }, `"\u0000\u001f\u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff"`},
	{"pointer to pointer", func() any { return new(**cmpOffer) }, `{"id": "p"}`},
	{"null pointer root", func() any { return new(*cmpOffer) }, `null`},
	{"ints", func() any { return new([]int64) }, `[0, -0, 1, -1, 9223372036854775807, -9223372036854775808]`},
	{"uints", func() any { return new([]uint64) }, `[0, 1, 18446744073709551615]`},
	{"bool", func() any { return new(bool) }, `true`},
}

func TestMatchesEncodingJSON(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			ours, theirs := fx.zero(), fx.zero()
			if err := strictjson.Unmarshal([]byte(fx.in), ours); err != nil {
				t.Fatalf("strictjson: %v", err)
			}
			if err := json.Unmarshal([]byte(fx.in), theirs); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if !reflect.DeepEqual(ours, theirs) || !sameFloats(ours, theirs) {
				t.Errorf("strictjson:    %s\nencoding/json: %s", dump(ours), dump(theirs))
			}
		})
	}
}

// TestMatchesEncodingJSONRandom is a property test: for random bundles,
// marshalled by encoding/json, both decoders return the original value.
func TestMatchesEncodingJSONRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 30
	}
	for i := range n {
		want := genBundle(r, 1+i%4, true)
		data, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var ours, theirs cmpBundle
		if err := strictjson.Unmarshal(data, &ours); err != nil {
			t.Fatalf("case %d: strictjson: %v\n%s", i, err, data)
		}
		if err := json.Unmarshal(data, &theirs); err != nil {
			t.Fatalf("case %d: encoding/json: %v", i, err)
		}
		if !reflect.DeepEqual(&ours, &theirs) || !sameFloats(&ours, &theirs) {
			t.Fatalf("case %d differs:\nstrictjson:    %s\nencoding/json: %s", i, dump(&ours), dump(&theirs))
		}
		if !reflect.DeepEqual(&ours, want) {
			t.Fatalf("case %d: round trip differs:\ngot:  %s\nwant: %s", i, dump(&ours), dump(want))
		}
	}
}

// sameFloats compares the JSON encodings, which tells -0 from 0 (DeepEqual
// does not).
func sameFloats(a, b any) bool {
	return dump(a) == dump(b)
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

// genBundle returns a random bundle; size scales the number of elements.
// With nested, it may contain a Next bundle.
func genBundle(r *rand.Rand, size int, nested bool) *cmpBundle {
	b := &cmpBundle{
		Name:       genString(r),
		Version:    int(r.Int64()) >> r.IntN(64),
		Seed:       r.Uint64() >> r.IntN(64),
		Small:      int8(r.Uint32()),
		U16:        uint16(r.Uint32()),
		I64:        int64(r.Uint64()),
		U32:        r.Uint32(),
		Enabled:    r.IntN(2) == 0,
		Weight:     genFloat32(r),
		Thresholds: map[string]float64{},
		Tiers:      [3]float32{genFloat32(r), genFloat32(r), genFloat32(r)},
		Segments:   map[Transform][]int16{},
		Matrix:     [][]float64{},
	}
	for range r.IntN(3 * size) {
		f := cmpFeature{
			Name: genString(r), Transform: Transform(genString(r)), Default: genFloat64(r),
			Params:  []float64{},
			Buckets: [2]int32{int32(r.Uint32()), int32(r.Uint32()) >> r.IntN(32)},
			Labels:  map[string]string{},
		}
		for range r.IntN(5 * size) {
			f.Params = append(f.Params, genFloat64(r))
		}
		for range r.IntN(3) {
			f.Labels[genString(r)] = genString(r)
		}
		b.Features = append(b.Features, f)
	}
	if b.Features == nil {
		b.Features = []cmpFeature{}
	}
	for range r.IntN(4) {
		b.Thresholds[genString(r)] = genFloat64(r)
	}
	b.Model = genRaw(r, size)
	if r.IntN(2) == 0 {
		b.Fallback = genOffer(r, size)
	}
	b.Offers = []cmpOffer{}
	for range r.IntN(2 * size) {
		b.Offers = append(b.Offers, *genOffer(r, size))
	}
	for range r.IntN(3) {
		s := []int16{}
		for range r.IntN(4) {
			s = append(s, int16(r.Uint32()))
		}
		b.Segments[Transform(genString(r))] = s
	}
	for range r.IntN(3) {
		row := []float64{}
		for range r.IntN(4) {
			row = append(row, genFloat64(r))
		}
		b.Matrix = append(b.Matrix, row)
	}
	if nested && r.IntN(4) == 0 {
		b.Next = genBundle(r, 1, false)
	}
	return b
}

func genOffer(r *rand.Rand, size int) *cmpOffer {
	o := &cmpOffer{ID: genString(r), Discount: genFloat32(r), Cost: genFloat64(r), Rules: []Rule{}}
	for range r.IntN(2 * size) {
		o.Rules = append(o.Rules, Rule{Feature: genString(r), Op: "<=", Value: genFloat64(r), Min: uint16(r.Uint32())})
	}
	if r.IntN(2) == 0 {
		l := genFloat64(r)
		o.Limit = &l
	}
	return o
}

// genRaw returns compact JSON (as encoding/json would re-encode it).
func genRaw(r *rand.Rand, size int) json.RawMessage {
	tree := map[string]any{"split_indices": []int{}, "split_conditions": []float64{}, "default_left": []bool{}}
	for range r.IntN(10 * size) {
		tree["split_indices"] = append(tree["split_indices"].([]int), r.IntN(100))
		tree["split_conditions"] = append(tree["split_conditions"].([]float64), genFloat64(r))
		tree["default_left"] = append(tree["default_left"].([]bool), r.IntN(2) == 0)
	}
	b, err := json.Marshal(map[string]any{"learner": map[string]any{"trees": []any{tree, nil, genString(r)}}})
	if err != nil {
		panic(err)
	}
	return b
}

var genRunes = []rune("abcXYZ019 _-.\"\\/\b\f\n\r\t\x00\x1f\x7f<>&éü€\u2028\u2029\U0001F600\U0010FFFF\uFFFD")

func genString(r *rand.Rand) string {
	var sb strings.Builder
	for range r.IntN(12) {
		sb.WriteRune(genRunes[r.IntN(len(genRunes))])
	}
	return sb.String()
}

func genFloat64(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return float64(r.IntN(2000) - 1000)
	case 1:
		return math.Round(r.NormFloat64()*1e4) / 1e4
	case 2:
		return math.Copysign(0, -1)
	}
	for {
		if f := math.Float64frombits(r.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

func genFloat32(r *rand.Rand) float32 {
	if r.IntN(2) == 0 {
		return float32(r.IntN(100)) / 8
	}
	for {
		if f := math.Float32frombits(r.Uint32()); !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
			return f
		}
	}
}

// benchDoc returns a ~50 KB bundle document.
func benchDoc() []byte {
	r := rand.New(rand.NewPCG(7, 7))
	for {
		b := genBundle(r, 12, false)
		data, err := json.MarshalIndent(b, "", " ")
		if err != nil {
			panic(err)
		}
		if len(data) >= 45<<10 && len(data) <= 55<<10 {
			return data
		}
	}
}

func TestBenchDoc(t *testing.T) {
	data := benchDoc()
	var ours, theirs cmpBundle
	if err := strictjson.Unmarshal(data, &ours); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &theirs); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&ours, &theirs) {
		t.Fatal("decoders differ on the benchmark document")
	}
	t.Logf("benchmark document: %s bytes, %d features, %d offers", strconv.Itoa(len(data)), len(ours.Features), len(ours.Offers))
}
