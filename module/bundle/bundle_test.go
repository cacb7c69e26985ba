package bundle_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/internal/bundletest"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/gbdt"
)

func mustEncode(t testing.TB, s *bundle.Spec) []byte {
	t.Helper()
	b, err := bundle.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	s := bundletest.Spec()
	if _, err := bundle.Compile(s); err != nil {
		t.Fatalf("test spec does not compile: %v", err)
	}
	enc := mustEncode(t, s)
	got, err := bundle.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("decoded spec differs:\n got %+v\nwant %+v", got, s)
	}
	if again := mustEncode(t, got); !bytes.Equal(again, enc) {
		t.Fatal("re-encoding changed the bytes")
	}
	// Maps are written sorted: insertion order does not matter.
	s2 := bundletest.Spec()
	s2.Economics.CategoryMargins = map[string]float64{"hats": 0.4, "shoes": 0.5}
	if !bytes.Equal(mustEncode(t, s2), enc) {
		t.Fatal("encoding depends on map order")
	}
}

func TestDecodeRejects(t *testing.T) {
	good := mustEncode(t, bundletest.Spec())
	tests := []struct {
		name string
		mut  func([]byte) []byte
		want string
	}{
		{"empty", func(b []byte) []byte { return nil }, "too short"},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, "bad magic"},
		{"future version", func(b []byte) []byte { b[4] = 9; return b }, "format: unsupported format version 9"},
		{"length mismatch", func(b []byte) []byte { return b[:len(b)-1] }, "does not match"},
		{"flipped bit", func(b []byte) []byte { b[40] ^= 1; return b }, "checksum mismatch"},
		{"trailing bytes", func(b []byte) []byte {
			b = append(b[:len(b)-4], 0, 0, 0, 0, 0)
			return bundle.Reseal(b)
		}, "unexpected bytes after the bundle"},
		{"truncated payload", func(b []byte) []byte {
			b = append(b[:60], 0, 0, 0, 0)
			return bundle.Reseal(b)
		}, "features[0].transforms: count 1 is larger than the bytes left (at byte 40)"},
		{"huge feature count", func(b []byte) []byte {
			// format varint (1 byte), id (len 1 byte + 6 bytes), then the count.
			b[bundle.HeaderSize+8] = 0xff
			b[bundle.HeaderSize+9] = 0x7f
			return bundle.Reseal(b)
		}, "features: count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.mut(append([]byte(nil), good...))
			_, err := bundle.Decode(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var be *bundle.Error
			if !errors.As(err, &be) {
				t.Fatalf("error %T is not *bundle.Error", err)
			}
		})
	}
	_, err := bundle.Decode(func() []byte { b := append([]byte(nil), good...); b[40] ^= 1; return b }())
	if !errors.Is(err, bundle.ErrChecksum) {
		t.Fatalf("checksum error does not wrap bundle.ErrChecksum: %v", err)
	}
}

func TestCompileRejects(t *testing.T) {
	tests := []struct {
		name string
		mut  func(s *bundle.Spec)
		want string
	}{
		{"format", func(s *bundle.Spec) { s.Format = 2 }, "format: unsupported format 2"},
		{"no id", func(s *bundle.Spec) { s.ID = "" }, "id: must be"},
		{"feature error path", func(s *bundle.Spec) { s.Features[2].Transforms[0].Value = "fax" }, `features[2].transforms[0].value: "fax" is not a channel`},
		{"no model", func(s *bundle.Spec) { s.Propensity = bundle.Propensity{} }, "propensity: needs a logistic model"},
		{"blend required", func(s *bundle.Spec) { s.Propensity.Logistic.Blend = 0 }, "propensity.logistic.blend: required"},
		{"unknown weight", func(s *bundle.Spec) { s.Propensity.Logistic.Weights["nope"] = 1 }, `propensity.logistic.weights.nope: no feature named "nope"`},
		{"tree feature names", func(s *bundle.Spec) { s.Propensity.GBDT.Model.FeatureNames[1] = "pv" }, `feature 1 is "pv" in the model`},
		{"tree feature count", func(s *bundle.Spec) {
			s.Propensity.GBDT.Model.NumFeature = 5
			s.Propensity.GBDT.Model.FeatureNames = nil
		}, "model has 5 features, the spec 4"},
		{"regression for propensity", func(s *bundle.Spec) { s.Propensity.GBDT.Model.Objective = gbdt.RegSquaredError }, "does not give a probability"},
		{"lifetime", func(s *bundle.Spec) { s.Lifetime.Alpha = -1 }, "lifetime.alpha"},
		{"tier syntax", func(s *bundle.Spec) { s.Tiers[0].When = "clv >" }, "tiers[0].when: at offset"},
		{"default tier not last", func(s *bundle.Spec) { s.Tiers[0].When = "" }, "tiers[0].when: must not be empty"},
		{"duplicate tier", func(s *bundle.Spec) { s.Tiers[1].Name = "champions" }, `tiers[1].name: "champions" duplicates tiers[0]`},
		{"segment unknown name", func(s *bundle.Spec) { s.Segments[0].When = "cart_valu > 3" }, "segments[0].when"},
		{"segment named like a cluster", func(s *bundle.Spec) { s.Segments[1].Name = "buyers" }, `"buyers" is also the name of segments[1].name`},
		{"cluster dims", func(s *bundle.Spec) { s.Clusters.Mean = []float64{1} }, "clusters.mean: has 1 values for 2 features"},
		{"cluster feature", func(s *bundle.Spec) { s.Clusters.Features[0] = "nope" }, `clusters.features[0]: no feature named "nope"`},
		{"cluster names", func(s *bundle.Spec) { s.Clusters.Names = s.Clusters.Names[:1] }, "clusters.names: has 1 names for 2 centroids"},
		{"offer discount", func(s *bundle.Spec) { s.Offers[0].Discount = 1.5 }, "offers[0].discount: must be in (0,1)"},
		{"offer segment", func(s *bundle.Spec) { s.Offers[2].Eligible.Segments = []string{"vip"} }, `offers[2].eligible.segments[0]: no tier, rule segment or cluster named "vip"`},
		{"margin", func(s *bundle.Spec) { s.Economics.MarginRate = 0 }, "economics.margin_rate"},
		{"epsilon", func(s *bundle.Spec) { s.Policy.Epsilon = 0.9 }, "policy.epsilon"},
		{"store stock", func(s *bundle.Spec) { s.Inventory.Stock[0].Store = "s9" }, `inventory.stock[0].store: no store "s9"`},
		{"weights sum", func(s *bundle.Spec) { s.Experiment.Variants[1].Weight = 20 }, "experiment.variants: weights sum to 110.00, want 100"},
		{"weight decimals", func(s *bundle.Spec) { s.Experiment.Variants[1].Weight = 10.005 }, "experiment.variants[1].weight"},
		{"variant name", func(s *bundle.Spec) { s.Experiment.Variants[1].Name = "control" }, `experiment.variants[1].name: "control" duplicates`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := bundletest.Spec()
			tc.mut(s)
			_, err := bundle.Compile(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzDecode: any bytes give a spec or an error, never a panic or a hang;
// whatever decodes either compiles or is rejected cleanly.
func FuzzDecode(f *testing.F) {
	good := mustEncode(f, bundletest.Spec())
	f.Add(good)
	f.Add(good[:len(good)/2])
	small := bundletest.Spec()
	small.Propensity.GBDT = nil
	small.Propensity.Logistic.Blend = 0
	small.Clusters, small.Experiment, small.Lifetime = nil, nil, nil
	f.Add(mustEncode(f, small))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Most random inputs die at the checksum; re-seal half of them so
		// the fuzzer explores the payload decoder too.
		if len(data) >= bundle.HeaderSize+4 && len(data)%2 == 0 {
			data = append([]byte(nil), data...) // the engine owns its input
			copy(data, "ESBN")
			binary.LittleEndian.PutUint16(data[4:], bundle.FormatVersion)
			data = bundle.Reseal(data)
		}
		s, err := bundle.Decode(data)
		if err != nil {
			var be *bundle.Error
			if !errors.As(err, &be) {
				t.Fatalf("error %T is not *bundle.Error", err)
			}
			return
		}
		_, _ = bundle.Compile(s)
	})
}
