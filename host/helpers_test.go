package host_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

func newRuntime(tb testing.TB, opts ...wazerohost.Option) *wazerohost.Runtime {
	tb.Helper()
	rt, err := wazerohost.New(context.Background(), append([]wazerohost.Option{wazerohost.WithCacheDir(cacheDir)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

func newPool(tb testing.TB, wasm []byte, opts ...host.Option) *host.Pool {
	tb.Helper()
	p, err := host.NewPool(context.Background(), newRuntime(tb), wasm, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := p.Close(context.Background()); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return p
}

// native decides with the core directly: the reference for every runtime.
type native struct {
	s   *scorer.Scorer
	crc uint32
}

func newNative(tb testing.TB, data []byte) *native {
	tb.Helper()
	b, err := bundle.Load(data)
	if err != nil {
		tb.Fatal(err)
	}
	return &native{s: scorer.New(b), crc: abi.BundleCRC(data)}
}

// record returns the decision record native would produce for c.
func (n *native) record(c *shopper.Context) []byte {
	var d scorer.Decision
	n.s.Decide(c, &d)
	rec := make([]byte, abi.DecisionSize)
	abi.PutDecision(rec, &d, n.crc)
	return rec
}

// record encodes a decision made by bundle crc, for bitwise comparison.
func record(d *scorer.Decision, crc uint32) []byte {
	rec := make([]byte, abi.DecisionSize)
	abi.PutDecision(rec, d, crc)
	return rec
}

func sameRecord(a, b []byte) bool { return bytes.Equal(a, b) }

// contexts returns the varied test contexts.
func contexts(tb testing.TB) []*shopper.Context { return testbundle.Contexts(tb) }

func ctxWithID(id string) *shopper.Context {
	c := new(shopper.Context)
	c.Reset()
	c.ShopperID = id
	return c
}

// quiet discards pool logs in benchmarks.
var quiet = slog.New(slog.DiscardHandler)

// expected decides every context with each bundle on a pool of its own (one
// instance, no swaps): the decisions the pool under test must reproduce,
// by bundle CRC and context index. Pool tests compare with these, not with
// the native core, so that they test the pool; bit-identity with the
// native core is the conformance suite's subject.
func expected(tb testing.TB, wasm []byte, cs []*shopper.Context, bundles ...[]byte) map[uint32][][]byte {
	tb.Helper()
	ctx := context.Background()
	p := newPool(tb, wasm, host.WithSize(1), host.WithLogger(quiet))
	out := map[uint32][][]byte{}
	for _, data := range bundles {
		b, err := p.LoadBundle(ctx, data)
		if err != nil {
			tb.Fatal(err)
		}
		recs := make([][]byte, len(cs))
		var d scorer.Decision
		for i, c := range cs {
			if err := p.Decide(ctx, c, &d); err != nil {
				tb.Fatal(err)
			}
			recs[i] = record(&d, b.CRC())
		}
		out[b.CRC()] = recs
	}
	return out
}
