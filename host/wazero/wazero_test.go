package wazerohost_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/conformance"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
)

// TestConformance: the guest on wazero makes the native core's golden
// decisions, bit for bit.
func TestConformance(t *testing.T) {
	wasm := guesttest.Module(t)
	rt, err := wazerohost.New(context.Background(), wazerohost.WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	conformance.Run(t, func(t *testing.T, bundle []byte) conformance.Decider {
		p, err := host.NewPool(context.Background(), rt, wasm, host.WithSize(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(context.Background()) })
		if _, err := p.LoadBundle(context.Background(), bundle); err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// TestCompilationCache: a second runtime on the same cache directory (a
// restarted process) gets the compiled module from disk, much faster than
// compiling.
func TestCompilationCache(t *testing.T) {
	wasm := guesttest.Module(t)
	dir := t.TempDir()
	ctx := context.Background()
	compile := func() time.Duration {
		rt, err := wazerohost.New(ctx, wazerohost.WithCacheDir(dir))
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		start := time.Now()
		m, err := rt.Compile(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		m.Close(ctx)
		return el
	}
	cold := compile()
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 {
		t.Fatal("nothing was written to the cache directory")
	}
	warm := compile()
	t.Logf("compile: %v cold, %v from the on-disk cache", cold, warm)
	if warm > cold/3 {
		t.Errorf("cached compile %v is not much faster than %v", warm, cold)
	}
}

// TestMemoryLimit: a guest that needs more memory than the cap traps (the
// Go runtime's "out of memory") instead of taking the host's memory; the
// call fails, the instance is replaced, and nothing else changes.
func TestMemoryLimit(t *testing.T) {
	ctx := context.Background()
	rt, err := wazerohost.New(ctx, wazerohost.WithCacheDir(""), wazerohost.WithMemoryLimit(16<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	p, err := host.NewPool(ctx, rt, guesttest.Module(t), host.WithSize(1))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	_, err = p.LoadBundle(ctx, make([]byte, 32<<20)) // bundle_buffer cannot get 32 MiB under a 16 MiB cap
	if !errors.Is(err, host.ErrTrap) {
		t.Fatalf("err = %v, want ErrTrap", err)
	}
	if s := p.Stats(); s.Traps != 1 || s.Generation != 0 {
		t.Errorf("stats %+v", s)
	}

	if _, err := wazerohost.New(ctx, wazerohost.WithMemoryLimit(1000)); err == nil {
		t.Error("a cap under one page was accepted")
	}
	tiny, err := wazerohost.New(ctx, wazerohost.WithCacheDir(""), wazerohost.WithMemoryLimit(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close(ctx)
	if _, err := host.NewPool(ctx, tiny, guesttest.Module(t), host.WithSize(1)); err == nil {
		t.Error("a 1 MiB cap let the Go runtime start")
	}
}
