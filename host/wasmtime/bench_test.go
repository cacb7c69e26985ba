//go:build cgo

package wasmtimehost_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/conformance"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/wasm/abi"
)

// runtimes are the engines the benchmarks compare, made fresh per
// benchmark (wazero without its disk cache, wasmtime with the test cache):
// wazero as host/wazero configures it by default (calls interruptible by
// their context) and without interruption, for reference.
var runtimes = []struct {
	name string
	new  func(b *testing.B) host.Runtime
}{
	{"wazero", func(b *testing.B) host.Runtime {
		rt, err := wazerohost.New(context.Background(), wazerohost.WithCacheDir(""))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close(context.Background()) })
		return rt
	}},
	{"wazero-uninterruptible", func(b *testing.B) host.Runtime {
		rt, err := wazerohost.New(context.Background(), wazerohost.WithCacheDir(""), wazerohost.WithInterruptible(false))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close(context.Background()) })
		return rt
	}},
	{"wasmtime", func(b *testing.B) host.Runtime { return newRuntime(b) }},
}

var quiet = host.WithLogger(slog.New(slog.DiscardHandler))

// BenchmarkCall is the cost of one call across the boundary: a stub export
// that returns a constant, through host.Function (wazero's CallWithStack;
// wasmtime's es_call), and through wasmtime-go's Func.Call for comparison.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	for _, r := range runtimes {
		b.Run(r.name, func(b *testing.B) {
			m, err := r.new(b).Compile(ctx, stub().Bytes())
			if err != nil {
				b.Fatal(err)
			}
			in, err := m.Instantiate(ctx, host.InstanceConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close(ctx)
			fn := in.Function(abi.ExportABIVersion)
			stack := make([]uint64, 1)
			b.ReportAllocs()
			for b.Loop() {
				if err := fn.Call(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("wasmtime-go-Func.Call", func(b *testing.B) {
		e := wasmtime.NewEngine()
		defer e.Close()
		m, err := wasmtime.NewModule(e, stub().Bytes())
		if err != nil {
			b.Fatal(err)
		}
		s := wasmtime.NewStore(e)
		defer s.Close()
		in, err := wasmtime.NewInstance(s, m, nil)
		if err != nil {
			b.Fatal(err)
		}
		fn := in.GetFunc(s, abi.ExportABIVersion)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := fn.Call(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRoundTrip: write 256 bytes into the guest, call, read 64 bytes
// back (the stub's decide returns at once): the boundary cost of one
// decision without the decision.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	in256 := make([]byte, 256)
	out64 := make([]byte, 64)
	for _, r := range runtimes {
		b.Run(r.name, func(b *testing.B) {
			m, err := r.new(b).Compile(ctx, stub().Bytes())
			if err != nil {
				b.Fatal(err)
			}
			in, err := m.Instantiate(ctx, host.InstanceConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close(ctx)
			fn, mem := in.Function(abi.ExportDecide), in.Memory()
			stack := make([]uint64, 2)
			b.ReportAllocs()
			for b.Loop() {
				buf, _ := mem.View(1024, 256)
				copy(buf, in256)
				stack[0], stack[1] = 1024, 256
				if err := fn.Call(ctx, stack); err != nil {
					b.Fatal(err)
				}
				out, _ := mem.View(2048, 64)
				copy(out64, out)
			}
		})
	}
}

// BenchmarkDecide is one full decision over the varied contexts (encode the
// context, decide, decode the decision) through a host.Pool, against the
// native core. Contexts cycle so that branch prediction cannot learn one.
func BenchmarkDecide(b *testing.B) {
	ctx := context.Background()
	data, name := testbundle.Reference(b)
	cs := testbundle.Contexts(b)
	b.Logf("bundle: %s, %d contexts", name, len(cs))
	b.Run("native", func(b *testing.B) {
		dec := conformance.Native(&testing.T{}, data)
		var d scorer.Decision
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			dec.Decide(ctx, cs[i%len(cs)], &d)
			i++
		}
	})
	wasm := guesttest.Module(b)
	for _, r := range runtimes {
		b.Run(r.name, func(b *testing.B) {
			p := newPool(b, r.new(b), wasm, host.WithSize(1), quiet)
			if _, err := p.LoadBundle(ctx, data); err != nil {
				b.Fatal(err)
			}
			var d scorer.Decision
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Decide(ctx, cs[i%len(cs)], &d); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkInstantiate is starting one instance: instantiating the module
// and running _initialize (the Go runtime's start-up), then closing it;
// "+bundle" also loads the reference bundle; "restore" is what the pool
// does once it has a bundle: start the instance as a copy of a snapshot
// taken after the load.
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	wasm := guesttest.Module(b)
	data, _ := testbundle.Reference(b)
	for _, r := range runtimes {
		m, err := r.new(b).Compile(ctx, wasm)
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close(ctx)
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				in, err := m.Instantiate(ctx, host.InstanceConfig{})
				if err != nil {
					b.Fatal(err)
				}
				in.Close(ctx)
			}
		})
		b.Run(r.name+"+bundle", func(b *testing.B) {
			for b.Loop() {
				in, err := m.Instantiate(ctx, host.InstanceConfig{})
				if err != nil {
					b.Fatal(err)
				}
				loadBundle(b, in, data)
				in.Close(ctx)
			}
		})
		b.Run(r.name+"-restore", func(b *testing.B) {
			src, err := m.Instantiate(ctx, host.InstanceConfig{})
			if err != nil {
				b.Fatal(err)
			}
			loadBundle(b, src, data)
			snap, err := src.(host.Snapshotter).Snapshot()
			src.Close(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				in, err := m.(host.Restorer).Restore(ctx, host.InstanceConfig{}, snap)
				if err != nil {
					b.Fatal(err)
				}
				in.Close(ctx)
			}
			b.ReportMetric(float64(len(snap.Memory)), "memory-bytes/instance")
		})
	}
}
