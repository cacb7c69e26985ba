package host_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/conformance"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// TestDecideMatchesNative: over the varied contexts, the pool's decisions
// are the native core's, bit for bit, and carry the bundle's CRC.
func TestDecideMatchesNative(t *testing.T) {
	data, name := testbundle.Reference(t)
	p := newPool(t, guesttest.Module(t), host.WithSize(2))
	b, err := p.LoadBundle(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if b.CRC() != abi.BundleCRC(data) || b.ID() == "" || b.NumFeatures() == 0 || b.ActionID(0) == "" {
		t.Fatalf("bundle info: id %q crc %#x features %d", b.ID(), b.CRC(), b.NumFeatures())
	}
	nat := newNative(t, data)
	var d scorer.Decision
	for i, c := range contexts(t) {
		got, err := p.DecideBundle(context.Background(), c, &d)
		if err != nil {
			t.Fatalf("%s context %d: %v", name, i, err)
		}
		if got != b {
			t.Fatalf("context %d decided by bundle %v, want %v", i, got, b)
		}
		if want := nat.record(c); !sameRecord(record(&d, b.CRC()), want) {
			t.Fatalf("%s context %d: wasm decision differs from native:\n%s\n% X\n% X", name, i, conformance.Diff(record(&d, b.CRC()), want), record(&d, b.CRC()), want)
		}
	}
}

func TestDecideErrors(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, guesttest.Module(t), host.WithSize(1))
	var d scorer.Decision

	if err := p.Decide(ctx, ctxWithID("a"), &d); !errors.Is(err, host.ErrNoBundle) {
		t.Errorf("before any bundle: err = %v, want ErrNoBundle", err)
	}
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatal(err)
	}
	bad := ctxWithID(strings.Repeat("x", shopper.MaxStringLen+1))
	if err := p.Decide(ctx, bad, &d); !errors.Is(err, host.ErrBadContext) {
		t.Errorf("long shopper id: err = %v, want ErrBadContext", err)
	}
	invalid := ctxWithID("a")
	invalid.Session.Device = 99
	if err := p.Decide(ctx, invalid, &d); !errors.Is(err, host.ErrBadContext) {
		t.Errorf("invalid device: err = %v, want ErrBadContext", err)
	}
	if err := p.Decide(ctx, ctxWithID("a"), &d); err != nil {
		t.Errorf("after errors: %v", err)
	}
	if s := p.Stats(); s.Discarded != 0 || s.Started != 1 {
		t.Errorf("errors must not cost an instance: %+v", s)
	}
}

// TestLoadBundleRejected: a bundle the guest rejects changes nothing: the
// error carries the guest's message, the pool keeps its bundle and its
// instances, and decisions go on with the old bundle. Without "swap only
// on success" (guest) or "publish only on success" (pool), decisions would
// fail or change bundle.
func TestLoadBundleRejected(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, guesttest.Module(t), host.WithSize(2))
	good := testbundle.Small(t, "good@1", 0)
	if _, err := p.LoadBundle(ctx, good); err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0x40
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"checksum", corrupt, "checksum"},
		{"not a bundle", []byte("{\"id\": \"json is not accepted by the guest\"}"), "bundle"},
		{"empty", nil, "out of range"},
		{"truncated", good[:len(good)-7], "bundle"},
	}
	want := expected(t, guesttest.Module(t), contexts(t)[:1], good)[abi.BundleCRC(good)][0]
	c := contexts(t)[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.LoadBundle(ctx, tt.data)
			if !errors.Is(err, host.ErrBadBundle) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want ErrBadBundle mentioning %q", err, tt.msg)
			}
			if b := p.Bundle(); b.ID() != "good@1" {
				t.Errorf("current bundle is %q", b.ID())
			}
			for range 3 { // every instance
				var d scorer.Decision
				b, err := p.DecideBundle(ctx, c, &d)
				if err != nil {
					t.Fatal(err)
				}
				if b.ID() != "good@1" || !sameRecord(record(&d, b.CRC()), want) {
					t.Errorf("decided by %q", b.ID())
				}
			}
			if s := p.Stats(); s.Generation != 1 || s.Discarded != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestHotSwap: goroutines decide without pause while bundles are swapped.
// No call fails; every decision is exactly the decision of the bundle it
// reports (old or new, as made by a pool that never swaps); and a call that starts after LoadBundle
// returns uses the new bundle (without the switch on checkout, the
// instances would keep deciding with the bundle they loaded first).
func TestHotSwap(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, guesttest.Module(t), host.WithSize(3))
	bundles := [][]byte{testbundle.Small(t, "swap@A", -1), testbundle.Small(t, "swap@B", 1)}
	cs := contexts(t)
	want := expected(t, guesttest.Module(t), cs, bundles...)
	if _, err := p.LoadBundle(ctx, bundles[0]); err != nil {
		t.Fatal(err)
	}

	var (
		stop    atomic.Bool
		wg      sync.WaitGroup
		decided atomic.Int64
		failed  atomic.Value
	)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d scorer.Decision
			for i := g; !stop.Load(); i++ {
				k := i % len(cs)
				b, err := p.DecideBundle(ctx, cs[k], &d)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				if w := want[b.CRC()]; w == nil || !sameRecord(record(&d, b.CRC()), w[k]) {
					failed.Store("decision of bundle " + b.ID() + " is not that bundle's")
					return
				}
				decided.Add(1)
			}
		}()
	}
	swaps := 30
	if testing.Short() {
		swaps = 10
	}
	var d scorer.Decision
	for i := 1; i <= swaps; i++ {
		want := bundles[i%2]
		if _, err := p.LoadBundle(ctx, want); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 { // a rejected bundle in the middle changes nothing
			if _, err := p.LoadBundle(ctx, want[:len(want)-1]); err == nil {
				t.Fatal("truncated bundle accepted")
			}
		}
		for range 4 { // more calls than instances: every instance switched
			b, err := p.DecideBundle(ctx, cs[i%len(cs)], &d)
			if err != nil {
				t.Fatal(err)
			}
			if b.CRC() != abi.BundleCRC(want) {
				t.Fatalf("swap %d: a call after LoadBundle decided with %s", i, b.ID())
			}
		}
		// The deciding goroutines decide between every two swaps, however
		// the machine schedules them (a fixed pause did not guarantee it).
		n := decided.Load()
		time.Sleep(2 * time.Millisecond)
		waitFor(t, func() bool { return decided.Load() > n || failed.Load() != nil })
	}
	stop.Store(true)
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
	if decided.Load() < int64(swaps) {
		t.Errorf("only %d decisions during %d swaps", decided.Load(), swaps)
	}
	if s := p.Stats(); s.Discarded != 0 || s.Generation != uint64(swaps+1) {
		t.Errorf("stats %+v", s)
	}
}

// TestDeadline: a context that ends stops the call, even one in an endless
// loop in the guest; the instance is discarded and replaced and the next
// call works. Without interruption, the spinning call would never return.
func TestDeadline(t *testing.T) {
	ctx := context.Background()
	p := newPool(t, guesttest.DebugModule(t), host.WithSize(1))
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatal(err)
	}
	var d scorer.Decision

	t.Run("already cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := p.Decide(cctx, ctxWithID("a"), &d); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})

	t.Run("deadline during an endless call", func(t *testing.T) {
		waitFor(t, func() bool { return p.Stats().Idle == 1 }) // the replacement
		before := p.Stats()
		dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- p.Decide(dctx, ctxWithID(abi.DebugSpinShopperID), &d) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want DeadlineExceeded", err)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("the call took %v to stop", el)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the spinning call was not interrupted")
		}
		s := p.Stats()
		if s.Interrupts != before.Interrupts+1 || s.Discarded != before.Discarded+1 {
			t.Errorf("stats %+v after %+v", s, before)
		}
	})

	t.Run("next call", func(t *testing.T) {
		if err := p.Decide(ctx, ctxWithID("a"), &d); err != nil {
			t.Fatal(err)
		}
		if s := p.Stats(); s.Started < 2 {
			t.Errorf("no replacement instance: %+v", s)
		}
	})
}

// TestTrap: a panic in the guest fails that call with ErrTrap, its message
// reaches the host's logger, the instance is replaced, and the other
// instances' calls are unaffected.
func TestTrap(t *testing.T) {
	ctx := context.Background()
	var sink guesttest.LogSink
	p := newPool(t, guesttest.DebugModule(t), host.WithSize(2), host.WithLogger(sink.Logger()))
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
		t.Fatal(err)
	}
	var d scorer.Decision
	err := p.Decide(ctx, ctxWithID(abi.DebugTrapShopperID), &d)
	if !errors.Is(err, host.ErrTrap) {
		t.Fatalf("err = %v, want ErrTrap", err)
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
	if s := p.Stats(); s.Traps != 1 || s.Started != 3+s.Switched {
		t.Errorf("stats %+v", s)
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

func TestClose(t *testing.T) {
	ctx := context.Background()
	p, err := host.NewPool(ctx, newRuntime(t), guesttest.Module(t), host.WithSize(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	var d scorer.Decision
	if err := p.Decide(ctx, ctxWithID("a"), &d); !errors.Is(err, host.ErrClosed) {
		t.Errorf("Decide after Close: %v", err)
	}
	if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); !errors.Is(err, host.ErrClosed) {
		t.Errorf("LoadBundle after Close: %v", err)
	}
}

// TestDecideAllocs: after warm-up, a decision allocates nothing, whether
// calls are interruptible (fuel) or not. (With wazero's CloseOnContextDone,
// which the host no longer uses, every interruptible call cost 3.)
func TestDecideAllocs(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("wazero runs its interpreter here, which allocates")
	}
	tests := []struct {
		name  string
		opts  []wazerohost.Option
		limit float64
	}{
		{"interruptible", nil, 0},
		{"uninterruptible", []wazerohost.Option{wazerohost.WithInterruptible(false)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p, err := host.NewPool(ctx, newRuntime(t, tt.opts...), guesttest.Module(t), host.WithSize(1))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			if _, err := p.LoadBundle(ctx, testbundle.Small(t, "s@1", 0)); err != nil {
				t.Fatal(err)
			}
			cs := contexts(t)
			var d scorer.Decision
			i := 0
			allocs := testing.AllocsPerRun(200, func() {
				if err := p.Decide(ctx, cs[i%len(cs)], &d); err != nil {
					t.Fatal(err)
				}
				i++
			})
			if allocs > tt.limit {
				t.Errorf("%.1f allocations per decision, want ≤ %v", allocs, tt.limit)
			}
		})
	}
}

// TestSnapshotRestore: an instance restored from the snapshot taken after
// a bundle load is the loading instance's twin — it decides as the native
// core does over the varied contexts, it loads a later bundle, and it
// survives being restored again after a trap. Without snapshots the same
// holds and nothing is restored.
func TestSnapshotRestore(t *testing.T) {
	ctx := context.Background()
	ref, _ := testbundle.Reference(t)
	small := testbundle.Small(t, "s@2", 0.5)
	for _, tc := range []struct {
		name     string
		opts     []host.Option
		restored bool
	}{
		{"snapshots", nil, true},
		{"without snapshots", []host.Option{host.WithoutSnapshots()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPool(t, guesttest.DebugModule(t), append(tc.opts, host.WithSize(1))...)
			check := func(data []byte, round string) {
				t.Helper()
				nat := newNative(t, data)
				var d scorer.Decision
				for i, c := range contexts(t) {
					b, err := p.DecideBundle(ctx, c, &d)
					if err != nil {
						t.Fatalf("%s: context %d: %v", round, i, err)
					}
					if got, want := record(&d, b.CRC()), nat.record(c); !sameRecord(got, want) {
						t.Fatalf("%s: context %d differs from native:\n%s", round, i, conformance.Diff(got, want))
					}
				}
			}
			trap := func() {
				t.Helper()
				var d scorer.Decision
				if err := p.Decide(ctx, ctxWithID(abi.DebugTrapShopperID), &d); !errors.Is(err, host.ErrTrap) {
					t.Fatalf("err = %v, want ErrTrap", err)
				}
				waitFor(t, func() bool { return p.Stats().Idle == 1 })
			}
			if _, err := p.LoadBundle(ctx, ref); err != nil {
				t.Fatal(err)
			}
			trap() // the replacement starts from the snapshot
			check(ref, "restored")
			if _, err := p.LoadBundle(ctx, small); err != nil { // into the restored instance
				t.Fatal(err)
			}
			check(small, "bundle loaded into a restored instance")
			trap()
			check(small, "restored again")
			s := p.Stats()
			if tc.restored != (s.Restored == 2) || (!tc.restored && s.Restored != 0) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestPoolsShareModule: pools made from one compiled module decide with
// their own bundles, and closing one leaves the module to the others.
func TestPoolsShareModule(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	mod, err := rt.Compile(ctx, guesttest.Module(t))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	ref, _ := testbundle.Reference(t)
	small := testbundle.Small(t, "small@1", 0.5)
	var pools [2]*host.Pool
	for i, data := range [][]byte{ref, small} {
		p, err := host.NewPoolFromModule(ctx, mod, host.WithSize(1), host.WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.LoadBundle(ctx, data); err != nil {
			t.Fatal(err)
		}
		pools[i] = p
	}
	check := func(p *host.Pool, data []byte) {
		t.Helper()
		nat := newNative(t, data)
		var d scorer.Decision
		for i, c := range contexts(t)[:64] {
			b, err := p.DecideBundle(ctx, c, &d)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := record(&d, b.CRC()), nat.record(c); !sameRecord(got, want) {
				t.Fatalf("context %d differs from native:\n%s", i, conformance.Diff(got, want))
			}
		}
	}
	check(pools[0], ref)
	check(pools[1], small)
	if err := pools[0].Close(ctx); err != nil {
		t.Fatal(err)
	}
	check(pools[1], small) // the module is still open
	p, err := host.NewPoolFromModule(ctx, mod, host.WithSize(1), host.WithLogger(quiet))
	if err != nil {
		t.Fatal("a new pool after another closed:", err)
	}
	p.Close(ctx)
	pools[1].Close(ctx)
}
