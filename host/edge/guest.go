package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/edgescore/edgescore/host"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
)

// GuestFile is the guest module's file name, as `make build` writes it
// beside the edgescore binary (out/edgescore.wasm).
const GuestFile = "edgescore.wasm"

// FindGuest reads the guest module from path, or when path is "" from
// beside the running executable, then from out/ under the working
// directory.
func FindGuest(path string) ([]byte, string, error) {
	var tries []string
	if path != "" {
		tries = []string{path}
	} else {
		if exe, err := os.Executable(); err == nil {
			tries = append(tries, filepath.Join(filepath.Dir(exe), GuestFile))
		}
		tries = append(tries, filepath.Join("out", GuestFile))
	}
	for _, p := range tries {
		data, err := os.ReadFile(p)
		if err == nil {
			return data, p, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, p, err
		}
	}
	return nil, "", fmt.Errorf("edge: guest module not found (tried %v); build it with `make build` or pass -wasm", tries)
}

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
