// Command fmacheck fails when the Go compiler fuses a multiply and an add
// into one FMA instruction anywhere in the scoring core (module/...).
//
// A decision must be bit-identical on every host (RATIONALE.md, "Portable
// floating point"). WebAssembly has no fused multiply-add, but the Go
// specification lets a compiler fuse x*y + z on platforms that have one,
// and Go does on arm64, ppc64le, riscv64, s390x and amd64 with
// GOAMD64=v3: a native decision there would round differently from the
// wasm module's. An explicit float64(…) (or float32(…)) conversion of the
// product is a rounding point the compiler must keep, so every such sum in
// the core is written with one. This command compiles the core for arm64
// and for amd64 v3 with -S and lists every fused instruction by file and
// line, so that a new unsplit sum is found by the tests, not by a
// customer's arm64 edge.
//
//	go run ./build/fmacheck [packages]   (default ./module/...)
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/edgescore/edgescore/build/fmacheck/fused"
)

func main() {
	pkgs := os.Args[1:]
	if len(pkgs) == 0 {
		pkgs = []string{"./module/..."}
	}
	sites, err := fused.Find(pkgs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fmacheck:", err)
		os.Exit(2)
	}
	if len(sites) > 0 {
		fmt.Fprintf(os.Stderr, "fmacheck: %d fused multiply-adds; split each product with float64(…):\n  %s\n",
			len(sites), strings.Join(sites, "\n  "))
		os.Exit(1)
	}
}
