//go:build cgo

package wasmtimehost_test

import (
	"context"
	"os"
	"testing"

	"github.com/edgescore/edgescore/host"
	wasmtimehost "github.com/edgescore/edgescore/host/wasmtime"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// cacheDir is shared by every runtime of the test binary, so each module is
// compiled once (most of a second) and loaded from there afterwards.
var cacheDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "edgescore-wasmtime-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func newRuntime(tb testing.TB, opts ...wasmtimehost.Option) *wasmtimehost.Runtime {
	tb.Helper()
	rt, err := wasmtimehost.New(context.Background(), append([]wasmtimehost.Option{wasmtimehost.WithCacheDir(cacheDir)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

func newPool(tb testing.TB, rt host.Runtime, wasm []byte, opts ...host.Option) *host.Pool {
	tb.Helper()
	p, err := host.NewPool(context.Background(), rt, wasm, opts...)
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

// record encodes a decision made by bundle crc, for bitwise comparison.
func record(d *scorer.Decision, crc uint32) []byte {
	rec := make([]byte, abi.DecisionSize)
	abi.PutDecision(rec, d, crc)
	return rec
}

func ctxWithID(id string) *shopper.Context {
	c := new(shopper.Context)
	c.Reset()
	c.ShopperID = id
	return c
}
