package scorer_test

import (
	"bufio"
	"bytes"
	"os"
	"testing"

	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// loadReference reads the reference bundle (binary) and its varied contexts
// from module/testdata, built by build/refbundle.
func loadReference(tb testing.TB) (*bundle.Bundle, []shopper.Context) {
	tb.Helper()
	data, err := os.ReadFile("../testdata/reference.esb")
	if err != nil {
		tb.Fatalf("reference bundle: %v (regenerate with make fixtures)", err)
	}
	b, err := bundle.Load(data)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile("../testdata/contexts.ndjson")
	if err != nil {
		tb.Fatal(err)
	}
	var ctxs []shopper.Context
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var c shopper.Context
		if err := jsonform.ParseContext(sc.Bytes(), &c); err != nil {
			tb.Fatalf("context %d: %v", len(ctxs)+1, err)
		}
		ctxs = append(ctxs, c)
	}
	return b, ctxs
}

// BenchmarkDecide is one full decision with the reference bundle, cycling
// over the varied reference contexts (a single fixed context would let the
// branch predictor learn every tree and flatter the figure).
func BenchmarkDecide(b *testing.B) {
	bun, ctxs := loadReference(b)
	s := scorer.New(bun)
	var d scorer.Decision
	for i := range ctxs { // warm up
		s.Decide(&ctxs[i], &d)
	}
	b.ReportAllocs()
	n := len(ctxs)
	for i := 0; b.Loop(); i++ {
		s.Decide(&ctxs[i%n], &d)
	}
}

func TestReferenceDecideAllocatesNothing(t *testing.T) {
	bun, ctxs := loadReference(t)
	s := scorer.New(bun)
	var d scorer.Decision
	i := 0
	if a := testing.AllocsPerRun(len(ctxs), func() {
		s.Decide(&ctxs[i%len(ctxs)], &d)
		i++
	}); a != 0 {
		t.Fatalf("%v allocations per decision over the reference contexts", a)
	}
}
