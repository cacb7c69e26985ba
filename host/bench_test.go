package host_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/wasm/abi"
)

// The benchmarks decide over the varied contexts in turn (512 of them), so
// that neither side is flattered by a branch predictor that has learnt one
// input; per-decision figures include encoding the context, the call and
// decoding the decision.

// BenchmarkDecideNative is the core called directly: the baseline.
func BenchmarkDecideNative(b *testing.B) {
	data, name := testbundle.Reference(b)
	nat := newNative(b, data)
	cs := contexts(b)
	b.Logf("bundle %s, %d contexts", name, len(cs))
	var d scorer.Decision
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		nat.s.Decide(cs[i%len(cs)], &d)
	}
}

// BenchmarkDecideWazero is one pool instance called from one goroutine.
func BenchmarkDecideWazero(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []wazerohost.Option
	}{
		{"interruptible", nil},
		{"uninterruptible", []wazerohost.Option{wazerohost.WithInterruptible(false)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := benchPool(b, 1, tc.opts...)
			cs := contexts(b)
			ctx := context.Background()
			var d scorer.Decision
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := p.Decide(ctx, cs[i%len(cs)], &d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPoolParallel is the pool under b.RunParallel: ns/op is wall time
// per decision across all goroutines, so throughput is 1/ns·op. Compare
// size=1 (one instance, callers queue) with size=GOMAXPROCS.
func BenchmarkPoolParallel(b *testing.B) {
	for _, size := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			p := benchPool(b, size)
			cs := contexts(b)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var d scorer.Decision
				for i := 0; pb.Next(); i++ {
					if err := p.Decide(ctx, cs[i%len(cs)], &d); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkInstanceStart is what a pool pays to start or replace an
// instance from its compiled module: Instantiate (the Go runtime's
// _initialize), then loading the reference bundle. Sub-benchmark
// "instantiate" stops before the bundle; "from cache" also compiles, from
// the on-disk cache, as a restarted process does; "restore snapshot" is
// what the pool does once it has a bundle: copy the state of the instance
// that loaded it. The instance's linear memory is reported.
func BenchmarkInstanceStart(b *testing.B) {
	data, _ := testbundle.Reference(b)
	wasm := guesttest.Module(b)
	ctx := context.Background()
	rt := newRuntime(b)
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mod.Close(ctx) })
	start := func(b *testing.B, m host.Module, load bool) host.Instance {
		inst, err := m.Instantiate(ctx, host.InstanceConfig{})
		if err != nil {
			b.Fatal(err)
		}
		if load {
			loadInto(b, inst, data)
		}
		return inst
	}
	// What the pool does instead once a bundle is loaded: restore a
	// snapshot of the instance that loaded it.
	b.Run("restore snapshot", func(b *testing.B) {
		src := start(b, mod, true)
		snap, err := src.(host.Snapshotter).Snapshot()
		src.Close(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			inst, err := mod.(host.Restorer).Restore(ctx, host.InstanceConfig{}, snap)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			inst.Close(ctx)
			b.StartTimer()
		}
		b.ReportMetric(float64(len(snap.Memory)), "memory-bytes/instance")
	})
	for _, tc := range []struct {
		name      string
		load      bool
		fromCache bool
	}{{"instantiate", false, false}, {"instantiate+bundle", true, false}, {"from cache+instantiate+bundle", true, true}} {
		b.Run(tc.name, func(b *testing.B) {
			var mem uint64
			b.ReportAllocs()
			for b.Loop() {
				m := mod
				if tc.fromCache {
					r := newRuntime(b)
					if m, err = r.Compile(ctx, wasm); err != nil {
						b.Fatal(err)
					}
				}
				inst := start(b, m, tc.load)
				b.StopTimer()
				mem = inst.Memory().Size()
				inst.Close(ctx)
				b.StartTimer()
			}
			b.ReportMetric(float64(mem), "memory-bytes/instance")
		})
	}
}

// loadInto loads a bundle into a bare instance, as the pool does.
func loadInto(b *testing.B, inst host.Instance, data []byte) {
	ctx := context.Background()
	st := []uint64{uint64(len(data)), 0}
	if err := inst.Function(abi.ExportBundleBuffer).Call(ctx, st); err != nil {
		b.Fatal(err)
	}
	ptr := uint32(st[0])
	buf, ok := inst.Memory().View(ptr, uint32(len(data)))
	if !ok {
		b.Fatal("bundle buffer outside memory")
	}
	copy(buf, data)
	st[0], st[1] = uint64(ptr), uint64(len(data))
	if err := inst.Function(abi.ExportLoadBundle).Call(ctx, st); err != nil || st[0] != 0 {
		b.Fatalf("load_bundle: %v, status %d", err, st[0])
	}
}

// BenchmarkLoadBundle is a hot-swap of the reference bundle on one
// instance.
func BenchmarkLoadBundle(b *testing.B) {
	data, _ := testbundle.Reference(b)
	p := benchPool(b, 1)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.LoadBundle(ctx, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeContext is the host's share of the boundary: encoding a
// context into the input buffer and decoding a decision record.
func BenchmarkEncodeContext(b *testing.B) {
	cs := contexts(b)
	buf := make([]byte, abi.InputBufferSize)
	out := make([]byte, abi.DecisionSize)
	var d scorer.Decision
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := abi.PutContext(buf, cs[i%len(cs)]); err != nil {
			b.Fatal(err)
		}
		if _, err := abi.DecodeDecision(out, &d); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPool(b *testing.B, size int, opts ...wazerohost.Option) *host.Pool {
	b.Helper()
	data, _ := testbundle.Reference(b)
	rt := newRuntime(b, opts...)
	p := newPoolOn(b, rt, guesttest.Module(b), size)
	b.Cleanup(func() { p.Close(context.Background()) })
	if _, err := p.LoadBundle(context.Background(), data); err != nil {
		b.Fatal(err)
	}
	return p
}

func newPoolOn(b *testing.B, rt host.Runtime, wasm []byte, size int) *host.Pool {
	b.Helper()
	p, err := host.NewPool(context.Background(), rt, wasm, host.WithSize(size), host.WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	return p
}
