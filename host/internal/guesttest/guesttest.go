// Package guesttest gives host tests the guest module: the one `make wasm`
// built (EDGESCORE_WASM), or a fresh build of wasm/guest into a temporary
// directory, so `go test ./host/...` works on its own and never trusts a
// stale binary it did not build.
package guesttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/edgescore/edgescore/wasm/abi"
)

// EnvModule names the environment variable with the path of a prebuilt
// production module.
const EnvModule = "EDGESCORE_WASM"

const guestPkg = "github.com/edgescore/edgescore/wasm/guest"

type built struct {
	once sync.Once
	wasm []byte
	err  error
}

var prod, debug built

// Module returns the production guest module.
func Module(tb testing.TB) []byte {
	tb.Helper()
	loadProd()
	if prod.err != nil {
		tb.Fatalf("guest module: %v", prod.err)
	}
	return prod.wasm
}

func loadProd() {
	prod.once.Do(func() {
		if p := os.Getenv(EnvModule); p != "" {
			prod.wasm, prod.err = os.ReadFile(p)
			return
		}
		prod.wasm, prod.err = build("")
	})
}

// DebugModule returns the guest built with the test-only hooks of ABI.md §9
// (-tags edgescore_debug). It is always built, once per test binary.
func DebugModule(tb testing.TB) []byte {
	tb.Helper()
	debug.once.Do(func() { debug.wasm, debug.err = build(abi.DebugBuildTag) })
	if debug.err != nil {
		tb.Fatalf("debug guest module: %v", debug.err)
	}
	return debug.wasm
}

// build compiles the guest exactly as the Makefile's wasm target does.
func build(tags string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "edgescore-guest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "edgescore.wasm")
	args := []string{"build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command(goTool(), append(args, guestPkg)...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, &buildError{err: err, out: string(msg)}
	}
	return os.ReadFile(out)
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build " + guestPkg + ": " + e.err.Error() + "\n" + e.out
}

// goTool is the go command: the one on PATH, as for `make`.
func goTool() string { return "go" }

// MustModule is Module for examples, which have no testing.TB: it panics on
// failure.
func MustModule() []byte {
	loadProd()
	if prod.err != nil {
		panic(prod.err)
	}
	return prod.wasm
}
