package wazerohost

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/wasm/abi"
)

// DefaultMemoryLimit caps each instance's linear memory unless WithMemoryLimit
// says otherwise: room for the largest bundle (64 MiB) twice over.
const DefaultMemoryLimit = 256 << 20

const pageSize = 64 << 10

// Option configures a Runtime.
type Option func(*config)

type config struct {
	cacheDir      string
	cache         wazero.CompilationCache
	memoryLimit   uint64
	interruptible bool
}

// WithCacheDir keeps compiled code in dir, shared by processes. The default
// is DefaultCacheDir(); "" keeps it in memory only.
func WithCacheDir(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithCompilationCache uses a cache the caller owns (and closes), for
// example one shared by many runtimes in a test binary. It overrides
// WithCacheDir.
func WithCompilationCache(cache wazero.CompilationCache) Option {
	return func(c *config) { c.cache = cache }
}

// WithMemoryLimit caps each instance's linear memory, in bytes (rounded
// down to 64 KiB pages; default DefaultMemoryLimit). A guest that needs more
// fails its memory.grow, which a Go guest reports as a fatal out-of-memory
// error: the call traps and the pool replaces the instance.
func WithMemoryLimit(bytes uint64) Option { return func(c *config) { c.memoryLimit = bytes } }

// WithInterruptible(false) compiles without the checks that let a context
// end a running call. Calls are then a little faster but a runaway guest
// cannot be stopped: only for trusted guests in batch jobs. Default true.
func WithInterruptible(on bool) Option { return func(c *config) { c.interruptible = on } }

// DefaultCacheDir is where compiled code is cached by default: edgescore/wazero
// under the user's cache directory, or "" (memory) if there is none.
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "edgescore", "wazero")
}

// Runtime is a wazero runtime with the WASI preview 1 host module. It
// implements host.Runtime.
type Runtime struct {
	rt       wazero.Runtime
	ownCache wazero.CompilationCache
}

var _ host.Runtime = (*Runtime)(nil)

// New returns a Runtime.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	cfg := config{cacheDir: DefaultCacheDir(), memoryLimit: DefaultMemoryLimit, interruptible: true}
	for _, o := range opts {
		o(&cfg)
	}
	pages := cfg.memoryLimit / pageSize
	if pages < 1 || pages > 65536 {
		return nil, fmt.Errorf("wazerohost: memory limit %d bytes out of range 64 KiB…4 GiB", cfg.memoryLimit)
	}
	r := &Runtime{}
	cache := cfg.cache
	if cache == nil {
		var err error
		if cfg.cacheDir != "" {
			cache, err = wazero.NewCompilationCacheWithDir(cfg.cacheDir)
		}
		if cache == nil || err != nil {
			cache = wazero.NewCompilationCache()
		}
		r.ownCache = cache
	}
	rc := wazero.NewRuntimeConfig(). // the compiler where wazero has one, else its interpreter
						WithCompilationCache(cache).
						WithMemoryLimitPages(uint32(pages)).
						WithCloseOnContextDone(cfg.interruptible)
	r.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r.rt); err != nil {
		_ = r.Close(ctx)
		return nil, fmt.Errorf("wazerohost: instantiating WASI: %w", err)
	}
	return r, nil
}

// NewPool is host.NewPool on a new Runtime with the default options (an
// on-disk compilation cache, DefaultMemoryLimit, interruptible calls),
// closed with the pool.
func NewPool(ctx context.Context, wasm []byte, opts ...host.Option) (*host.Pool, error) {
	rt, err := New(ctx)
	if err != nil {
		return nil, err
	}
	p, err := host.NewPool(ctx, rt, wasm, append(opts, host.WithCloseRuntime())...)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, err
	}
	return p, nil
}

// Compile implements host.Runtime.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (host.Module, error) {
	cm, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	return &module{rt: r.rt, cm: cm}, nil
}

// Close implements host.Runtime.
func (r *Runtime) Close(ctx context.Context) error {
	err := r.rt.Close(ctx)
	if r.ownCache != nil {
		err = errors.Join(err, r.ownCache.Close(ctx))
	}
	return err
}

type module struct {
	rt wazero.Runtime
	cm wazero.CompiledModule
}

func (m *module) ExportedFunctions() map[string]abi.Func {
	defs := m.cm.ExportedFunctions()
	fns := make(map[string]abi.Func, len(defs))
	for name, d := range defs {
		fns[name] = abi.Func{Name: name, Params: types(d.ParamTypes()), Results: types(d.ResultTypes())}
	}
	return fns
}

func types(ts []api.ValueType) []abi.ValueType {
	out := make([]abi.ValueType, len(ts))
	for i, t := range ts {
		out[i] = abi.ValueType(t)
	}
	return out
}

func (m *module) ExportedMemories() []string {
	var names []string
	for name := range m.cm.ExportedMemories() {
		names = append(names, name)
	}
	return names
}

func (m *module) Instantiate(ctx context.Context, cfg host.InstanceConfig) (host.Instance, error) {
	mc := wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module
		WithStartFunctions(abi.ExportInitialize).
		WithStdout(orDiscard(cfg.Stdout)).
		WithStderr(orDiscard(cfg.Stderr)).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	mod, err := m.rt.InstantiateModule(ctx, m.cm, mc)
	if err != nil {
		return nil, err
	}
	return &instance{mod: mod}, nil
}

func (m *module) Close(ctx context.Context) error { return m.cm.Close(ctx) }

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

type instance struct{ mod api.Module }

func (i *instance) Function(name string) host.Function {
	f := i.mod.ExportedFunction(name)
	if f == nil {
		return nil
	}
	return function{f}
}

func (i *instance) Memory() host.Memory {
	m := i.mod.ExportedMemory(abi.ExportMemory)
	if m == nil {
		return nil
	}
	return memory{m}
}

func (i *instance) Close(ctx context.Context) error { return i.mod.Close(ctx) }

type function struct{ f api.Function }

func (f function) Call(ctx context.Context, stack []uint64) error {
	return f.f.CallWithStack(ctx, stack)
}

type memory struct{ m api.Memory }

func (m memory) View(offset, n uint32) ([]byte, bool) { return m.m.Read(offset, n) }
func (m memory) Size() uint64                         { return uint64(m.m.Size()) }
