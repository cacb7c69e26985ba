//go:build wasip1 && edgescore_debug

package main

import (
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// Test-only hooks (ABI.md §9), compiled in only with -tags edgescore_debug:
// host tests use them to check that a trap or a runaway call costs one call
// and one instance, nothing more.

var spins uint64

func init() {
	debugHook = func(c *shopper.Context) {
		switch c.ShopperID {
		case abi.DebugTrapShopperID:
			panic("edgescore-debug: deliberate trap")
		case abi.DebugSpinShopperID:
			for {
				spins++
			}
		}
	}
}
