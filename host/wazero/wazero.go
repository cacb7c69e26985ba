package wazerohost

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/instrument"
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
	rt            wazero.Runtime
	ownCache      wazero.CompilationCache
	interruptible bool
}

var (
	_ host.Runtime     = (*Runtime)(nil)
	_ host.Restorer    = (*module)(nil)
	_ host.Snapshotter = (*instance)(nil)
)

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
	// Not WithCloseOnContextDone: it leaves native code for Go at every
	// loop header, and Go's wasm output reaches a loop header at every jump
	// (a decision took 4.5× as long). Interruption is by fuel instead:
	// see Compile and yield.
	rc := wazero.NewRuntimeConfig(). // the compiler where wazero has one, else its interpreter
						WithCompilationCache(cache).
						WithMemoryLimitPages(uint32(pages))
	r.rt = wazero.NewRuntimeWithConfig(ctx, rc)
	r.interruptible = cfg.interruptible
	wasi := r.rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(wasi)
	wasi.NewFunctionBuilder().
		WithGoFunction(api.GoFunc(yield), nil, []api.ValueType{api.ValueTypeI32}).
		WithName("sched_yield").
		Export("sched_yield")
	if _, err := wasi.Instantiate(ctx); err != nil {
		_ = r.Close(ctx)
		return nil, fmt.Errorf("wazerohost: instantiating WASI: %w", err)
	}
	return r, nil
}

// FuelQuantum is the number of loop headers an interruptible guest passes
// between two yields to the host. A decision with the reference bundle
// passes a few thousand; a yield costs about as much as 100 headers, so
// the overhead is about 1%, and a runaway guest is stopped within a
// fraction of a millisecond of its deadline.
const FuelQuantum = 10000

// yield replaces WASI's sched_yield (a no-op for a single-threaded guest).
// The instrumented guest calls it whenever its fuel runs out: if the
// call's context is done or past its deadline, the call ends here with an
// error wrapping the context's error. Being Go code, it is also where the
// Go scheduler and garbage collector can stop this goroutine, which they
// cannot do while it runs the guest's native code.
func yield(ctx context.Context, stack []uint64) {
	if err := ctx.Err(); err != nil {
		panic(&interrupted{err})
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		panic(&interrupted{context.DeadlineExceeded})
	}
	stack[0] = 0 // errno success
}

// interrupted is the error a call ends with when yield stops it.
type interrupted struct{ err error }

func (e *interrupted) Error() string { return "interrupted by the host: " + e.err.Error() }
func (e *interrupted) Unwrap() error { return e.err }

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
//
// The module is instrumented first (host/internal/instrument): with fuel if
// the runtime is interruptible, with its globals exported so that instances
// can be snapshotted (host.Snapshotter), and with its 27,000 data segments
// merged into a few (instantiation with the Go runtime start: 5.4 → 1.7 ms). The compilation cache
// holds the instrumented code.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (host.Module, error) {
	cfg := instrument.Config{ExportGlobals: true, MergeData: true}
	if r.interruptible {
		cfg.Fuel = FuelQuantum
		cfg.YieldModule, cfg.YieldName = wasi_snapshot_preview1.ModuleName, "sched_yield"
	}
	inst, info, err := instrument.Module(wasm, cfg)
	if err != nil {
		if errors.Is(err, instrument.ErrNoYield) {
			return nil, fmt.Errorf("wazerohost: cannot make the module interruptible: it does not import wasi_snapshot_preview1.sched_yield () -> i32: %w", err)
		}
		return nil, fmt.Errorf("wazerohost: %w", err)
	}
	cm, err := r.rt.CompileModule(ctx, inst)
	if err != nil {
		return nil, err
	}
	return &module{rt: r.rt, cm: cm, globals: len(info.Globals), dataEnd: info.DataEnd}, nil
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
	rt      wazero.Runtime
	cm      wazero.CompiledModule
	globals int    // exported as instrument.GlobalExportPrefix+i
	dataEnd uint64 // a fresh instance's memory is zero from here on
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
	mod, err := m.rt.InstantiateModule(ctx, m.cm, m.config(cfg))
	if err != nil {
		return nil, err
	}
	return &instance{mod: mod, globals: m.globals}, nil
}

func (m *module) config(cfg host.InstanceConfig) wazero.ModuleConfig {
	return wazero.NewModuleConfig().
		WithName(""). // anonymous: many instances of one module
		WithStartFunctions(abi.ExportInitialize).
		WithStdout(orDiscard(cfg.Stdout)).
		WithStderr(orDiscard(cfg.Stderr)).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
}

// Restore implements host.Restorer: a new instance whose _initialize is not
// run; its memory is grown to the snapshot's size and overwritten, and its
// globals set, which makes it the snapshotted instance's twin.
func (m *module) Restore(ctx context.Context, cfg host.InstanceConfig, s *host.Snapshot) (host.Instance, error) {
	if len(s.Globals) != m.globals {
		return nil, fmt.Errorf("wazerohost: snapshot has %d globals, the module %d", len(s.Globals), m.globals)
	}
	if len(s.Memory)%pageSize != 0 {
		return nil, fmt.Errorf("wazerohost: snapshot memory of %d bytes is not a whole number of pages", len(s.Memory))
	}
	mod, err := m.rt.InstantiateModule(ctx, m.cm, m.config(cfg).WithStartFunctions())
	if err != nil {
		return nil, err
	}
	fail := func(err error) (host.Instance, error) {
		_ = mod.Close(ctx)
		return nil, fmt.Errorf("wazerohost: restoring a snapshot: %w", err)
	}
	mem := mod.ExportedMemory(abi.ExportMemory)
	if mem == nil {
		return fail(errors.New("no memory exported"))
	}
	if have, want := mem.Size(), uint32(len(s.Memory)); have < want {
		if _, ok := mem.Grow((want - have) / pageSize); !ok {
			return fail(fmt.Errorf("growing memory to %d bytes", want))
		}
	} else if have > want {
		return fail(fmt.Errorf("a fresh instance has %d bytes of memory, more than the snapshot's %d", have, want))
	}
	view, ok := mem.Read(0, uint32(len(s.Memory)))
	if !ok {
		return fail(errors.New("reading memory"))
	}
	s.CopyTo(view, m.dataEnd)
	for i, v := range s.Globals {
		switch g := mod.ExportedGlobal(globalName(i)).(type) {
		case api.MutableGlobal:
			g.Set(v)
		case nil:
			return fail(fmt.Errorf("global %d is not exported", i))
		default:
			if g.Get() != v {
				return fail(fmt.Errorf("immutable global %d differs", i))
			}
		}
	}
	return &instance{mod: mod, globals: m.globals}, nil
}

func globalName(i int) string { return instrument.GlobalExportPrefix + strconv.Itoa(i) }

func (m *module) Close(ctx context.Context) error { return m.cm.Close(ctx) }

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

type instance struct {
	mod     api.Module
	globals int
}

// Snapshot implements host.Snapshotter.
func (i *instance) Snapshot() (*host.Snapshot, error) {
	mem := i.mod.ExportedMemory(abi.ExportMemory)
	if mem == nil {
		return nil, errors.New("wazerohost: snapshot: no memory exported")
	}
	view, ok := mem.Read(0, mem.Size())
	if !ok {
		return nil, errors.New("wazerohost: snapshot: reading memory")
	}
	s := &host.Snapshot{Memory: bytes.Clone(view), Globals: make([]uint64, i.globals)}
	for k := range s.Globals {
		g := i.mod.ExportedGlobal(globalName(k))
		if g == nil {
			return nil, fmt.Errorf("wazerohost: snapshot: global %d is not exported", k)
		}
		s.Globals[k] = g.Get()
	}
	return s, nil
}

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
