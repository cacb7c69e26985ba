package abi_test

import (
	"bufio"
	"bytes"
	"os"
	"testing"
	"unsafe"

	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// BenchmarkGuestBoundary is the guest's share of a decide call beyond the
// decision itself: decoding the context record (strings aliased, as the
// guest does) and encoding the decision record, over the varied reference
// contexts. Run it in wasm with make bench-wasm.
func BenchmarkGuestBoundary(b *testing.B) {
	raw, err := os.ReadFile("../../module/testdata/contexts.ndjson")
	if err != nil {
		b.Skip(err)
	}
	var recs [][]byte
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var c shopper.Context
		if err := jsonform.ParseContext(sc.Bytes(), &c); err != nil {
			b.Fatal(err)
		}
		rec := make([]byte, abi.MaxContextSize)
		n, err := abi.PutContext(rec, &c)
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec[:n])
	}
	alias := func(p []byte) string { return unsafe.String(unsafe.SliceData(p), len(p)) }
	var c shopper.Context
	var d scorer.Decision
	out := make([]byte, abi.DecisionSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := abi.DecodeContext(recs[i%len(recs)], &c, alias); err != nil {
			b.Fatal(err)
		}
		abi.PutDecision(out, &d, 7)
	}
}
