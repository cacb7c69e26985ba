package strictjson_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/internal/strictjson"
)

// FuzzUnmarshal checks that Unmarshal never panics or hangs, that its errors
// are well formed, and that whatever it accepts encoding/json accepts too,
// with the same result. The one intentional exception: integer fields accept
// integral numbers that are not plain integer literals (3.0, 1e2, and -0
// for unsigned types), which encoding/json rejects.
//
// (The other differences all go the other way: strictjson rejects duplicate
// and unknown keys, case-insensitive key matches, null, wrongly sized arrays,
// invalid UTF-8 and unpaired surrogates, which encoding/json accepts.)
func FuzzUnmarshal(f *testing.F) {
	for _, fx := range fixtures {
		f.Add([]byte(fx.in))
	}
	for _, tc := range badCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(goodBundle))
	r := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		b, err := json.Marshal(genBundle(r, 1, true))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"small": 1.0, "u16": -0, "version": 12e1}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		// Other root types and options: only "no panic" and well-formed
		// errors.
		var offers []cmpOffer
		checkFuzzErr(t, data, strictjson.Unmarshal(data, &offers, strictjson.NullFloatNaN(), strictjson.MaxDepth(4)))
		var m map[string]deep
		checkFuzzErr(t, data, strictjson.Unmarshal(data, &m, strictjson.MaxDepth(3)))
		b := newBundle()
		checkFuzzErr(t, data, strictjson.Unmarshal(data, b, strictjson.NullFloatNaN()))

		var ours cmpBundle
		err := strictjson.Unmarshal(data, &ours)
		checkFuzzErr(t, data, err)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("strictjson accepted invalid JSON %q", data)
		}
		var theirs cmpBundle
		if jerr := json.Unmarshal(data, &theirs); jerr != nil {
			var te *json.UnmarshalTypeError
			if errors.As(jerr, &te) && nonCanonicalInteger(te) {
				return // intentional difference
			}
			t.Fatalf("strictjson accepted what encoding/json rejects (%v): %q", jerr, data)
		}
		if !reflect.DeepEqual(&ours, &theirs) || !sameFloats(&ours, &theirs) {
			t.Fatalf("results differ on %q\nstrictjson:    %s\nencoding/json: %s", data, dump(&ours), dump(&theirs))
		}
	})
}

// nonCanonicalInteger reports whether encoding/json rejected an integral
// number written with a fraction or exponent (or -0 for an unsigned type),
// which strictjson accepts by design.
func nonCanonicalInteger(te *json.UnmarshalTypeError) bool {
	lit, ok := strings.CutPrefix(te.Value, "number ")
	if !ok {
		return false
	}
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		return false
	}
	return strings.ContainsAny(lit, ".eE") || lit == "-0"
}

func checkFuzzErr(t *testing.T, data []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *strictjson.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is not a *strictjson.Error: %v", err)
	}
	if e.Offset < 0 || e.Offset > int64(len(data)) {
		t.Fatalf("offset %d outside the input (%d bytes): %v", e.Offset, len(data), err)
	}
	if e.Msg == "" || len(e.Error()) > 2000 {
		t.Fatalf("bad message: %.3000q", e.Error())
	}
}
