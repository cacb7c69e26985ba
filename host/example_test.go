package host_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// A pool decides with the current bundle; LoadBundle swaps it for every
// call that starts afterwards, and a bundle the guest rejects changes
// nothing.
func Example() {
	ctx := context.Background()
	rt, err := wazerohost.New(ctx)
	if err != nil {
		panic(err)
	}
	pool, err := host.NewPool(ctx, rt, guesttest.MustModule(), host.WithSize(2), host.WithCloseRuntime())
	if err != nil {
		panic(err)
	}
	defer pool.Close(ctx)

	var c shopper.Context
	c.Reset()
	c.ShopperID = "shp-42"
	var d scorer.Decision

	for _, data := range [][]byte{
		testbundle.MustSmall("shoes@1", 0),
		[]byte("ESBN, but damaged"),
		testbundle.MustSmall("shoes@2", 1),
	} {
		if _, err := pool.LoadBundle(ctx, data); errors.Is(err, host.ErrBadBundle) {
			fmt.Println("rejected; still", pool.Bundle().ID())
			continue
		} else if err != nil {
			panic(err)
		}
		b, err := pool.DecideBundle(ctx, &c, &d)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: bucket %d, variant %s\n", b.ID(), d.Bucket, b.VariantName(d.Variant))
	}
	// Output:
	// shoes@1: bucket 718, variant control
	// rejected; still shoes@1
	// shoes@2: bucket 718, variant control
}
