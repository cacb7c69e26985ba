//go:build cgo

package wasmtimehost_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	"github.com/edgescore/edgescore/host/internal/wasmbuild"
	wasmtimehost "github.com/edgescore/edgescore/host/wasmtime"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/wasm/abi"
)

// stub is a hand-written guest that passes every load-time check.
func stub() *wasmbuild.Module {
	return wasmbuild.Guest(abi.Version).With(wasmbuild.Func{
		Func:   abi.Func{Name: abi.ExportInputBuffer, Results: []abi.ValueType{abi.I64}},
		Return: int64(abi.Pack(1024, abi.InputBufferSize))})
}

// TestLoadTimeChecks: a module missing an export, or exporting one with
// the wrong signature, is refused with the error that names it; the stub
// itself is accepted.
func TestLoadTimeChecks(t *testing.T) {
	i32, i64 := []abi.ValueType{abi.I32}, []abi.ValueType{abi.I64}
	tests := []struct {
		name string
		wasm []byte
		want string // "" for accepted
	}{
		{"stub", stub().Bytes(), ""},
		{"missing decide", stub().Without(abi.ExportDecide).Bytes(),
			"guest does not export func[decide]: should be (i32, i32) -> (i64)"},
		{"missing _initialize", stub().Without(abi.ExportInitialize).Bytes(),
			"guest does not export func[_initialize]: should be () -> ()"},
		{"decide returning i32", stub().With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportDecide, Params: []abi.ValueType{abi.I32, abi.I32}, Results: i32}}).Bytes(),
			"guest exports the wrong signature for func[decide]: should be (i32, i32) -> (i64), not (i32, i32) -> (i32)"},
		{"bundle_buffer taking i64", stub().With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportBundleBuffer, Params: i64, Results: i32}}).Bytes(),
			"guest exports the wrong signature for func[bundle_buffer]: should be (i32) -> (i32), not (i64) -> (i32)"},
		{"no memory", func() []byte { m := stub(); m.MemoryName = ""; return m.Bytes() }(),
			"guest does not export memory[memory]"},
		{"ABI 2.0", stub().With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportABIVersion, Results: i32}, Return: 2 << 16}).Bytes(),
			"guest ABI version 2.0 is not supported by this host (ABI 1.0)"},
	}
	rt := newRuntime(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := host.NewPool(context.Background(), rt, tt.wasm, host.WithSize(1))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				p.Close(context.Background())
				return
			}
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("NewPool accepted the guest; want %q", tt.want)
			}
			if !errors.Is(err, host.ErrIncompatibleGuest) {
				t.Errorf("error %v does not match ErrIncompatibleGuest", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant %q", err, tt.want)
			}
		})
	}
}

func TestNotWasm(t *testing.T) {
	_, err := host.NewPool(context.Background(), newRuntime(t), []byte("not wasm"), host.WithSize(1))
	if err == nil || !strings.Contains(err.Error(), "compiling the guest") {
		t.Errorf("err = %v", err)
	}
}

// TestTrap: a guest panic fails that one call with ErrTrap, the panic's
// message (the guest's stderr) reaches the pool's logger, and the pool
// replaces the instance.
func TestTrap(t *testing.T) {
	ctx := context.Background()
	var sink guesttest.LogSink
	p := newPool(t, newRuntime(t), guesttest.DebugModule(t), host.WithSize(2), host.WithLogger(sink.Logger()))
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatal(err)
	}
	var d scorer.Decision
	err := p.Decide(ctx, ctxWithID(abi.DebugTrapShopperID), &d)
	if !errors.Is(err, host.ErrTrap) {
		t.Fatalf("err = %v, want ErrTrap", err)
	}
	var te *wasmtimehost.TrapError
	if !errors.As(err, &te) || te.Func != abi.ExportDecide {
		t.Errorf("err = %v, want a TrapError in decide", err)
	}
	if !sink.Contains("edgescore-debug: deliberate trap") {
		t.Errorf("the guest's panic message was not logged; log:\n%s", sink.String())
	}
	for i := range 10 {
		if err := p.Decide(ctx, ctxWithID("after"), &d); err != nil {
			t.Fatalf("call %d after the trap: %v", i, err)
		}
	}
	waitFor(t, func() bool { return p.Stats().Idle == 2 })
	if s := p.Stats(); s.Traps != 1 || s.Discarded != 1 || s.Started != 3+s.Switched {
		t.Errorf("stats %+v", s)
	}
}

// TestDeadline: a context that ends stops a call in an endless loop (epoch
// interruption); the instance is replaced and the next call works.
func TestDeadline(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, newRuntime(t), guesttest.DebugModule(t), host.WithSize(1))
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatal(err)
	}
	var d scorer.Decision
	spin := func(t *testing.T, cctx context.Context, want error, within time.Duration) {
		t.Helper()
		before := p.Stats()
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- p.Decide(cctx, ctxWithID(abi.DebugSpinShopperID), &d) }()
		select {
		case err := <-done:
			if !errors.Is(err, want) {
				t.Fatalf("err = %v, want %v", err, want)
			}
			if el := time.Since(start); el > within {
				t.Errorf("the call took %v to stop", el)
			}
			t.Logf("stopped after %v: %v", time.Since(start), err)
		case <-time.After(20 * time.Second):
			t.Fatal("the spinning call was not interrupted")
		}
		if s := p.Stats(); s.Interrupts != before.Interrupts+1 || s.Discarded != before.Discarded+1 {
			t.Errorf("stats %+v after %+v", s, before)
		}
		if err := p.Decide(ctx, ctxWithID("a"), &d); err != nil {
			t.Fatalf("next call: %v", err)
		}
	}

	t.Run("already cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := p.Decide(cctx, ctxWithID("a"), &d); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		spin(t, dctx, context.DeadlineExceeded, time.Second)
	})
	t.Run("cancelled without a deadline", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		spin(t, cctx, context.Canceled, time.Second)
	})
}

// TestBusy: entering an instance that is already in a call fails that
// call with ErrBusy instead of corrupting the instance (or the process).
func TestBusy(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	m, err := rt.Compile(ctx, guesttest.DebugModule(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	in, err := m.Instantiate(ctx, host.InstanceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close(ctx)
	stack := make([]uint64, 2)
	// Put the spin id in the input buffer and a bundle in.
	if err := in.Function(abi.ExportInputBuffer).Call(ctx, stack); err != nil {
		t.Fatal(err)
	}
	ptr, capacity := abi.Unpack(stack[0])
	loadBundle(t, in, testbundle.Small(t, "s@1", 0))
	buf, _ := in.Memory().View(ptr, capacity)
	n, err := abi.PutContext(buf, ctxWithID(abi.DebugSpinShopperID))
	if err != nil {
		t.Fatal(err)
	}

	decide, version := in.Function(abi.ExportDecide), in.Function(abi.ExportABIVersion)
	// The spinning call runs until it is cancelled, which happens only
	// after the second caller has been refused: a deadline could pass
	// before a slow machine even starts the goroutine.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	var spinErr error
	go func() {
		defer wg.Done()
		st := []uint64{uint64(ptr), uint64(n)}
		spinErr = decide.Call(cctx, st)
	}()
	waitFor(t, func() bool { return wasmtimehost.InCall(in) })
	if err := version.Call(ctx, make([]uint64, 1)); !errors.Is(err, wasmtimehost.ErrBusy) {
		t.Errorf("second caller: err = %v, want ErrBusy", err)
	}
	cancel()
	wg.Wait()
	if !errors.Is(spinErr, wasmtimehost.ErrInterrupted) || !errors.Is(spinErr, context.Canceled) {
		t.Errorf("spinning call: err = %v, want ErrInterrupted and Canceled", spinErr)
	}
	if err := version.Call(ctx, make([]uint64, 1)); !errors.Is(err, wasmtimehost.ErrUnusable) {
		t.Errorf("after the interrupted call: err = %v, want ErrUnusable", err)
	}
	if _, ok := in.Memory().View(ptr, 1); ok {
		t.Error("the memory of a dead instance is still readable")
	}
}

// loadBundle loads a bundle into a bare instance.
func loadBundle(t testing.TB, in host.Instance, data []byte) {
	t.Helper()
	ctx := context.Background()
	st := make([]uint64, 2)
	st[0] = uint64(len(data))
	if err := in.Function(abi.ExportBundleBuffer).Call(ctx, st); err != nil || st[0] == 0 {
		t.Fatalf("bundle_buffer: %v %d", err, st[0])
	}
	ptr := uint32(st[0])
	buf, ok := in.Memory().View(ptr, uint32(len(data)))
	if !ok {
		t.Fatal("bundle buffer outside memory")
	}
	copy(buf, data)
	st[0], st[1] = uint64(ptr), uint64(len(data))
	if err := in.Function(abi.ExportLoadBundle).Call(ctx, st); err != nil || st[0] != 0 {
		t.Fatalf("load_bundle: %v status %d", err, st[0])
	}
}

// TestMemoryLimit: a guest that needs more memory than the limit traps
// (the Go runtime's fatal out-of-memory error) instead of growing; the
// pool survives it.
func TestMemoryLimit(t *testing.T) {
	ctx := context.Background()
	var sink guesttest.LogSink
	p := newPool(t, newRuntime(t, wasmtimehost.WithMemoryLimit(32<<20)), guesttest.Module(t),
		host.WithSize(1), host.WithLogger(sink.Logger()))
	big := make([]byte, 48<<20) // bundle_buffer must allocate 48 MiB
	_, err := p.LoadBundle(ctx, big)
	if !errors.Is(err, host.ErrTrap) {
		t.Fatalf("err = %v, want ErrTrap", err)
	}
	if !sink.Contains("out of memory") {
		t.Errorf("no out-of-memory message in the log:\n%s", sink.String())
	}
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatalf("after the trap: %v", err)
	}
}

// TestCache: a second runtime loads the compiled code from the cache
// directory instead of compiling.
func TestCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wasm := guesttest.Module(t)
	var times [2]time.Duration
	for i := range times {
		rt := newRuntime(t, wasmtimehost.WithCacheDir(dir))
		start := time.Now()
		m, err := rt.Compile(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		times[i] = time.Since(start)
		m.Close(ctx)
	}
	t.Logf("compile: %v, from the cache: %v", times[0], times[1])
	if times[1] > times[0]/2 {
		t.Errorf("the cached compile took %v, the first %v", times[1], times[0])
	}
}

// TestDecideAllocs: after warm-up a decision allocates nothing on the host
// side: the call path (es_call on a preallocated wasmtime_val_raw_t array)
// is allocation-free, unlike wasmtime-go's Func.Call.
func TestDecideAllocs(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, newRuntime(t), guesttest.Module(t), host.WithSize(1))
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatal(err)
	}
	cs := testbundle.Contexts(t)
	dctx, cancel := context.WithTimeout(ctx, time.Minute) // with a deadline, as in production
	defer cancel()
	var d scorer.Decision
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		if err := p.Decide(dctx, cs[i%len(cs)], &d); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per decision, want 0", allocs)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 20*time.Second {
			t.Fatal("condition not reached")
		}
	}
}
