package edge

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/edgescore/edgescore/host"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
)

// NewWazeroFactory returns an EngineFactory of host pools of size
// instances each on one wazero runtime (size 0: host.DefaultSize()) made
// with opts.
func NewWazeroFactory(ctx context.Context, wasm []byte, size int, log *slog.Logger, opts ...wazerohost.Option) (*PoolFactory, error) {
	rt, err := wazerohost.New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return NewFactory(ctx, rt, wasm, size, log)
}

// NewFactory returns an EngineFactory of host pools of size instances each
// (size 0: host.DefaultSize()) on rt — wazero, or wasmtime in cgo builds.
// It takes ownership of rt: on error rt is closed.
func NewFactory(ctx context.Context, rt host.Runtime, wasm []byte, size int, log *slog.Logger) (*PoolFactory, error) {
	if size <= 0 {
		size = host.DefaultSize()
	}
	f := &PoolFactory{Runtime: rt, Wasm: wasm, Options: []host.Option{host.WithSize(size), host.WithLogger(log)}}
	// Compile and check the guest now, so a bad module fails at start and
	// not at the first manifest. Every engine's pool shares this compiled
	// module: a new bundle does not recompile the guest.
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("edge: compiling the guest: %w", err)
	}
	if err := host.CheckModule(mod); err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	f.Module = mod
	return f, nil
}
