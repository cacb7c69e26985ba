//go:build cgo

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/internal/bundletest"
)

// TestScoreWasmtime: --runtime wasmtime prints exactly the native
// decisions (floats are written in their shortest round-trip form, so equal
// text is equal bits), for a binary bundle.
func TestScoreWasmtime(t *testing.T) {
	if os.Getenv("EDGESCORE_WASM") == "" {
		t.Setenv("EDGESCORE_WASM", buildWasmtimeGuest(t))
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // keep the compiled-code cache out of the user's
	dir := t.TempDir()
	path := filepath.Join(dir, "b.esb")
	if err := os.WriteFile(path, bundletest.Binary(), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"shopper_id":"shopper-7","seed":1,"session":{"channel":"app","cart_value":120,"pageviews":2}}
{"shopper_id":"shopper-8","seed":2,"known":true,"history":{"frequency":4,"recency":200,"tenure":300,"aov":45}}
{"shopper_id":"shopper-9","seed":3,"session":{"page":"cart","cart":[{"sku":"BOOT-1","category":"shoes","qty":1,"unit_price":120}]},"place":{"region":"DE-BE","lat":52.5,"lon":13.4}}
`
	score := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(append([]string{"score", "--bundle", path}, args...), strings.NewReader(in), &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	native, wasm := score(), score("--runtime", "wasmtime")
	if strings.Count(wasm, "\n") != 3 || wasm != native {
		t.Errorf("wasmtime:\n%s\nnative:\n%s", wasm, native)
	}
}

// buildWasmtimeGuest builds the guest module as `make wasm` does.
func buildWasmtimeGuest(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "edgescore.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, "github.com/edgescore/edgescore/wasm/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, msg)
	}
	return out
}
