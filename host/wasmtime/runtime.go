//go:build cgo

package wasmtimehost

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/instrument"
)

// DefaultMemoryLimit caps each instance's linear memory unless
// WithMemoryLimit says otherwise: room for the largest bundle (64 MiB)
// twice over. The same as host/wazero's.
const DefaultMemoryLimit = 256 << 20

// DefaultEpochTick is how often the engine's epoch advances: the
// granularity of deadlines (a call is interrupted at most about one tick
// after its context ends).
const DefaultEpochTick = time.Millisecond

// Option configures a Runtime.
type Option func(*config)

type config struct {
	cacheDir    string
	memoryLimit uint64
	tick        time.Duration
}

// WithCacheDir keeps compiled code in dir. The default is
// DefaultCacheDir(); "" compiles every time. The directory must be
// writable only by the user: wasmtime trusts the code it loads from there.
func WithCacheDir(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithMemoryLimit caps each instance's linear memory, in bytes (default
// DefaultMemoryLimit). A guest that needs more fails its memory.grow,
// which a Go guest reports as a fatal out-of-memory error: the call traps
// and the pool replaces the instance.
func WithMemoryLimit(bytes uint64) Option { return func(c *config) { c.memoryLimit = bytes } }

// WithEpochTick sets how often the epoch advances (default
// DefaultEpochTick): shorter ticks stop a runaway call closer to its
// deadline and cost a wake-up each.
func WithEpochTick(d time.Duration) Option { return func(c *config) { c.tick = d } }

// DefaultCacheDir is where compiled code is cached by default:
// edgescore/wasmtime under the user's cache directory, or "" (none).
func DefaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "edgescore", "wasmtime")
}

// Runtime is a wasmtime engine with epoch interruption on, and the
// goroutine that advances its epoch. It implements host.Runtime.
type Runtime struct {
	engine *wasmtime.Engine
	cfg    config

	stop      chan struct{}
	ticking   sync.WaitGroup
	closeOnce sync.Once
}

var _ host.Runtime = (*Runtime)(nil)

// New returns a Runtime. ctx is not retained.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := config{cacheDir: DefaultCacheDir(), memoryLimit: DefaultMemoryLimit, tick: DefaultEpochTick}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.memoryLimit < 64<<10 || cfg.memoryLimit > 4<<30 {
		return nil, fmt.Errorf("wasmtimehost: memory limit %d bytes out of range 64 KiB…4 GiB", cfg.memoryLimit)
	}
	if cfg.tick <= 0 {
		return nil, fmt.Errorf("wasmtimehost: epoch tick %v is not positive", cfg.tick)
	}
	if err := checkLayout(); err != nil {
		return nil, err
	}
	wc := wasmtime.NewConfig()
	wc.SetEpochInterruption(true)
	r := &Runtime{engine: wasmtime.NewEngineWithConfig(wc), cfg: cfg, stop: make(chan struct{})}
	r.ticking.Add(1)
	go r.tick()
	return r, nil
}

// NewPool is host.NewPool on a new Runtime with the default options (an
// on-disk compilation cache, DefaultMemoryLimit, 1 ms epochs), closed with
// the pool.
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

// tick advances the epoch until Close. Each running call compares its
// store's deadline with the epoch at function entries and loop back-edges.
//
// The epoch counts ticks of real time, not ticks received: a Ticker drops
// ticks when this goroutine is not scheduled in time, and on a loaded
// machine the epoch then fell behind the clock, so that a 50 ms deadline
// interrupted its call after up to 287 ms. Each wake-up adds the ticks that
// have passed since the last one (at most maxCatchUp at once).
func (r *Runtime) tick() {
	defer r.ticking.Done()
	t := time.NewTicker(r.cfg.tick)
	defer t.Stop()
	next := time.Now().Add(r.cfg.tick) // when the epoch's next tick is due
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			n := max(1, 1+int64(now.Sub(next)/r.cfg.tick))
			next = next.Add(time.Duration(n) * r.cfg.tick)
			for range min(n, maxCatchUp) {
				r.engine.IncrementEpoch()
			}
		}
	}
}

// maxCatchUp bounds the ticks one wake-up of tick adds (a machine
// suspended for minutes need not make thousands of C calls).
const maxCatchUp = 1000

// ticks is the epoch deadline, in ticks from now, for a wait of d: at
// least one, and never before d has passed (the next tick may come at any
// moment, hence the extra one).
func (r *Runtime) ticks(d time.Duration) uint64 {
	if d <= 0 {
		return 1
	}
	return uint64(d/r.cfg.tick) + 2
}

// Compile implements host.Runtime. Compiling takes most of a second; with
// a cache directory a second process loads the compiled code instead.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (host.Module, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Globals exported so that instances can be snapshotted; data segments
	// merged (host/internal/instrument). No fuel: epochs interrupt calls.
	wasm, info, err := instrument.Module(wasm, instrument.Config{ExportGlobals: true, MergeData: true})
	if err != nil {
		return nil, fmt.Errorf("wasmtimehost: %w", err)
	}
	m, err := r.compileCached(wasm)
	if err != nil {
		return nil, fmt.Errorf("wasmtimehost: %w", err)
	}
	return newModule(r, m, info)
}

// Close implements host.Runtime: it stops the epoch and releases the
// engine. Modules and instances must be closed first.
func (r *Runtime) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		close(r.stop)
		r.ticking.Wait()
		r.engine.Close()
	})
	return nil
}

func (r *Runtime) closed() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}
