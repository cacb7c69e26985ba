package bundle_test

import (
	"os"
	"testing"

	"github.com/edgescore/edgescore/module/bundle"
)

// BenchmarkLoad decodes and compiles the reference bundle: what an edge (or
// a fresh wasm instance) pays to put a new model version into service.
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile("../testdata/reference.esb")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := bundle.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}
