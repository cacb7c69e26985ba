//go:build cgo

package wasmtimehost_test

import (
	"context"
	"errors"
	"testing"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/conformance"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/wasm/abi"
)

// TestConformance: the golden decisions, bit for bit, on wasmtime.
func TestConformance(t *testing.T) {
	rt := newRuntime(t)
	wasm := guesttest.Module(t)
	conformance.Run(t, func(t *testing.T, data []byte) conformance.Decider {
		p := newPool(t, rt, wasm, host.WithSize(1))
		if _, err := p.LoadBundle(context.Background(), data); err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// TestDecideMatchesWazero: over the varied contexts, wasmtime and wazero
// (the same guest on another engine) make the same decisions, bit for bit.
// WebAssembly arithmetic is deterministic (NaN payloads aside), so any
// difference is a bug in one host.
func TestDecideMatchesWazero(t *testing.T) {
	ctx := context.Background()
	wasm := guesttest.Module(t)
	wt := newPool(t, newRuntime(t), wasm, host.WithSize(1))
	wzrt, err := wazerohost.New(ctx, wazerohost.WithCacheDir(""))
	if err != nil {
		t.Fatal(err)
	}
	wz := newPool(t, wzrt, wasm, host.WithSize(1), host.WithCloseRuntime())
	ref, name := testbundle.Reference(t)
	bundles := map[string][]byte{name: ref, "small": testbundle.Small(t, "s@1", 0.25)}
	for name, data := range bundles {
		t.Run(name, func(t *testing.T) {
			b, err := wt.LoadBundle(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wz.LoadBundle(ctx, data); err != nil {
				t.Fatal(err)
			}
			var dt, dz scorer.Decision
			for i, c := range testbundle.Contexts(t) {
				if err := wt.Decide(ctx, c, &dt); err != nil {
					t.Fatalf("context %d: %v", i, err)
				}
				if err := wz.Decide(ctx, c, &dz); err != nil {
					t.Fatalf("context %d: wazero: %v", i, err)
				}
				if diff := conformance.Diff(record(&dt, b.CRC()), record(&dz, b.CRC())); diff != "" {
					t.Fatalf("context %d: wasmtime (got) and wazero (want) differ:\n%s", i, diff)
				}
			}
		})
	}
}

// TestConformanceRestored: the golden decisions from instances restored
// from a snapshot (the replacement of an instance that trapped), which is
// how the pool starts instances once it has a bundle.
func TestConformanceRestored(t *testing.T) {
	rt := newRuntime(t)
	wasm := guesttest.DebugModule(t)
	conformance.Run(t, func(t *testing.T, data []byte) conformance.Decider {
		ctx := context.Background()
		p := newPool(t, rt, wasm, host.WithSize(1))
		if _, err := p.LoadBundle(ctx, data); err != nil {
			t.Fatal(err)
		}
		var d scorer.Decision
		if err := p.Decide(ctx, ctxWithID(abi.DebugTrapShopperID), &d); !errors.Is(err, host.ErrTrap) {
			t.Fatalf("err = %v, want ErrTrap", err)
		}
		waitFor(t, func() bool { return p.Stats().Idle == 1 })
		if s := p.Stats(); s.Restored != 1 {
			t.Fatalf("the replacement was not restored from a snapshot: %+v", s)
		}
		return p
	})
}
