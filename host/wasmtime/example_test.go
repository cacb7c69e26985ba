//go:build cgo

package wasmtimehost_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wasmtimehost "github.com/edgescore/edgescore/host/wasmtime"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// A pool on wasmtime with the default options: an on-disk cache of the
// compiled code, the memory cap, 1 ms epochs for deadlines.
func Example() {
	ctx := context.Background()
	wasm := guesttest.MustModule()                    // in production: os.ReadFile("out/edgescore.wasm")
	bundle := testbundle.MustSmall("example@1", 0.25) // in production: a bundle from the control plane

	pool, err := wasmtimehost.NewPool(ctx, wasm, host.WithSize(2))
	if err != nil {
		panic(err)
	}
	defer pool.Close(ctx)
	if _, err := pool.LoadBundle(ctx, bundle); err != nil {
		panic(err)
	}

	var c shopper.Context
	c.Reset()
	c.ShopperID = "shp-1"
	c.Session.Page, c.Session.Category, c.Session.Price = shopper.PageProduct, "shoes", 89.9
	var d scorer.Decision
	// A deadline: a runaway call would be interrupted within a tick of it.
	// (Generous here: this first call may also switch its instance to the
	// bundle, and a loaded test machine stretches that.)
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	b, err := pool.DecideBundle(dctx, &c, &d)
	if err != nil {
		panic(err)
	}
	fmt.Println(b.ID(), b.VariantName(d.Variant), b.ActionID(d.Action), d.Bucket)
	// Output: example@1 control no_offer 3299
}

// A runtime with options of its own, shared by pools.
func ExampleNew() {
	ctx := context.Background()
	rt, err := wasmtimehost.New(ctx,
		wasmtimehost.WithMemoryLimit(128<<20),
		wasmtimehost.WithEpochTick(2*time.Millisecond),
		wasmtimehost.WithCacheDir(""), // compile every time
	)
	if err != nil {
		panic(err)
	}
	defer rt.Close(ctx)
	pool, err := host.NewPool(ctx, rt, guesttest.MustModule(), host.WithSize(1))
	if err != nil {
		panic(err)
	}
	defer pool.Close(ctx)
	fmt.Println(pool.Stats().Size, pool.Bundle() == nil)
	// Output: 1 true
}
