package strictjson_test

import (
	"encoding/json"
	"testing"

	"github.com/edgescore/edgescore/internal/strictjson"
)

// BenchmarkUnmarshal decodes a ~50 KB bundle document (features, offers,
// maps, a raw model) with both decoders; compare the MB/s columns.
func BenchmarkUnmarshal(b *testing.B) {
	data := benchDoc()
	b.Run("strictjson", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v cmpBundle
			if err := strictjson.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v cmpBundle
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkUnmarshalSmall decodes a small struct of floats, the shape of a
// per-request shopper context.
func BenchmarkUnmarshalSmall(b *testing.B) {
	data := []byte(`{"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43}`)
	b.Run("strictjson", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v Priors
			if err := strictjson.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v Priors
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
