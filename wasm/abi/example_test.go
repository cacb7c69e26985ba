package abi_test

import (
	"fmt"

	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// A host packs nothing itself; it unpacks the guest's i64 results.
func ExampleUnpack() {
	for _, v := range []uint64{0x0001_2A40_0000_0098, 0x0000_0000_0000_0003} {
		if ptr, n := abi.Unpack(v); ptr != 0 {
			fmt.Printf("record of %d bytes at %d\n", n, ptr)
		} else {
			fmt.Printf("status %d: %v\n", n, abi.PackedStatus(v))
		}
	}
	// Output:
	// record of 152 bytes at 76352
	// status 3: bad context record
}

// The host encodes a context into the guest's input buffer; the guest
// decodes it.
func ExamplePutContext() {
	var c shopper.Context
	c.Reset()
	c.ShopperID = "s-42"
	c.Session.Page = shopper.PageProduct
	c.Session.Price = 19.99

	buf := make([]byte, abi.InputBufferSize) // in a host: a view of guest memory
	n, err := abi.PutContext(buf, &c)
	if err != nil {
		panic(err)
	}
	var got shopper.Context
	if err := abi.DecodeContext(buf[:n], &got, nil); err != nil {
		panic(err)
	}
	fmt.Println(n, got.ShopperID, got.Session.Page, got.Session.Price, shopper.IsMissing(got.Session.Minutes))
	// Output:
	// 128 s-42 product 19.99 true
}
