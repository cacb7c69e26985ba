package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// Pool makes decisions with a fixed number of guest instances, each lent to
// one caller at a time. All methods are safe for concurrent use.
type Pool struct {
	rt        Runtime // nil for NewPoolFromModule
	mod       Module
	ownModule bool // Close closes mod
	cfg       config
	log       *slog.Logger

	idle    chan *instance // ready instances
	need    chan struct{}  // one token per instance to start in the background
	refresh chan struct{}  // a swap happened: reload idle instances eagerly
	done    chan struct{}  // closed by Close

	cur    atomic.Pointer[generation] // the bundle new calls use
	loadMu sync.Mutex                 // one LoadBundle at a time
	seq    uint64                     // generations made, under loadMu

	live      sync.WaitGroup // instances not closed yet
	bg        sync.WaitGroup // background goroutines
	closeOnce sync.Once
	nextID    atomic.Uint64

	started, restored, switched, discarded, abandoned, traps, interrupts atomic.Uint64
	memory                                                               atomic.Uint64
}

// generation is one successfully loaded bundle.
type generation struct {
	seq    uint64
	data   []byte
	bundle *Bundle
	// snap is the instance that loaded the bundle, just after: new
	// instances start from it. nil if the runtime cannot snapshot.
	snap *Snapshot
}

// instanceStartTimeout bounds starting one instance in the background.
const instanceStartTimeout = 30 * time.Second

// NewPool compiles wasm with rt, checks that it is a guest this host can
// run (every export with its exact signature, the memory, the ABI version),
// and starts the pool's instances before returning, so that no call pays
// for starting one. The pool has no bundle until LoadBundle.
func NewPool(ctx context.Context, rt Runtime, wasm []byte, opts ...Option) (*Pool, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("host: compiling the guest: %w", err)
	}
	p, err := newPool(ctx, rt, mod, true, cfg)
	if err != nil {
		_ = mod.Close(ctx)
	}
	return p, err
}

// NewPoolFromModule is NewPool on a module already compiled by a Runtime,
// which the pool uses but does not close: pools that share one module
// (one per bundle, say) pay for compiling the guest once. Compiling means
// rewriting and validating the whole module even when the compiled code
// is cached, about 0.3 s of CPU with wazero. WithCloseRuntime is ignored.
func NewPoolFromModule(ctx context.Context, mod Module, opts ...Option) (*Pool, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	cfg.closeRuntime = false
	return newPool(ctx, nil, mod, false, cfg)
}

func newPool(ctx context.Context, rt Runtime, mod Module, ownModule bool, cfg config) (*Pool, error) {
	if err := CheckModule(mod); err != nil {
		return nil, err
	}
	p := &Pool{
		rt: rt, mod: mod, ownModule: ownModule, cfg: cfg, log: cfg.log,
		idle:    make(chan *instance, cfg.size),
		need:    make(chan struct{}, cfg.size),
		refresh: make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	for range cfg.size {
		in, err := p.startInstance(ctx)
		if err != nil {
			p.ownModule = false // the caller closes it
			p.shutdown()
			return nil, err
		}
		p.idle <- in
	}
	p.bg.Add(2)
	go p.spawner()
	go p.refresher()
	return p, nil
}

// Decide makes one decision with the pool's current bundle. It waits for a
// free instance (or ctx). When ctx ends during the call, the call stops,
// the error wraps ctx.Err() and the instance is replaced; a trap fails only
// this call (ErrTrap) and the instance is replaced too.
func (p *Pool) Decide(ctx context.Context, c *shopper.Context, d *scorer.Decision) error {
	_, err := p.DecideBundle(ctx, c, d)
	return err
}

// DecideBundle is Decide that also returns the bundle that made the
// decision: during a hot-swap it may be the previous one, and its names are
// the ones d's indexes refer to.
func (p *Pool) DecideBundle(ctx context.Context, c *shopper.Context, d *scorer.Decision) (*Bundle, error) {
	// A runtime notices a done context only at its next check inside the
	// call, which a short call may never reach.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("host: not calling the guest: %w", err)
	}
	in, err := p.checkout(ctx, true)
	if err != nil {
		return nil, err
	}
	err, dead := in.decide(ctx, c, d)
	b := in.gen.bundle
	if dead {
		p.discard(in, err)
		return nil, err
	}
	p.checkin(in)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// LoadBundle makes data (a binary bundle) the bundle of every call that
// starts after it returns; calls in flight finish with the previous one.
// The bundle is first loaded into one instance: if the guest rejects it
// (ErrBadBundle, with the guest's message) or anything else fails, nothing
// changes. The other instances switch before their next call (eagerly, in
// the background, when idle).
func (p *Pool) LoadBundle(ctx context.Context, data []byte) (*Bundle, error) {
	if len(data) == 0 || len(data) > abi.MaxBundleSize {
		return nil, fmt.Errorf("%w: size %d out of range 1…%d", ErrBadBundle, len(data), abi.MaxBundleSize)
	}
	p.loadMu.Lock()
	defer p.loadMu.Unlock()
	in, err := p.checkout(ctx, false)
	if err != nil {
		return nil, err
	}
	g := &generation{seq: p.seq + 1, data: bytes.Clone(data)}
	b, err, dead := in.load(ctx, g, true)
	if dead {
		p.discard(in, err)
		return nil, err
	}
	if err != nil {
		p.checkin(in)
		return nil, err
	}
	g.bundle = b
	g.snap = p.snapshot(in)
	p.seq++
	p.cur.Store(g)
	p.memory.Store(in.mem.Size())
	p.checkin(in)
	select {
	case p.refresh <- struct{}{}:
	default:
	}
	p.log.Info("bundle loaded", "id", b.ID(), "crc", b.CRC(), "size", len(data), "generation", g.seq)
	return b, nil
}

// Bundle returns the current bundle (nil before the first LoadBundle).
func (p *Pool) Bundle() *Bundle {
	if g := p.cur.Load(); g != nil {
		return g.bundle
	}
	return nil
}

// Stats is a snapshot of the pool's counters.
type Stats struct {
	Size      int    // instances the pool keeps
	Idle      int    // instances ready now
	Started   uint64 // instances started, replacements included
	Restored  uint64 // of those, instances started from a snapshot
	Switched  uint64 // instances replaced by a restored one to change bundle
	Discarded uint64 // instances discarded after a trap or an interruption
	// Abandoned counts instances closed before they served: started for a
	// bundle that a newer swap replaced meanwhile, or whose bundle failed
	// to load. Every start is one of Size, Discarded, Switched or
	// Abandoned: Started = Size + Discarded + Switched + Abandoned once
	// the pool is idle.
	Abandoned  uint64
	Traps      uint64 // calls that trapped
	Interrupts uint64 // calls ended by their context
	Generation uint64 // bundles loaded successfully
	// InstanceMemory is the linear memory, in bytes, of the instance that
	// last started or loaded a new bundle (after loading it).
	InstanceMemory uint64
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	s := Stats{
		Size: p.cfg.size, Idle: len(p.idle),
		Started: p.started.Load(), Restored: p.restored.Load(), Switched: p.switched.Load(), Discarded: p.discarded.Load(), Abandoned: p.abandoned.Load(),
		Traps: p.traps.Load(), Interrupts: p.interrupts.Load(),
		InstanceMemory: p.memory.Load(),
	}
	if g := p.cur.Load(); g != nil {
		s.Generation = g.seq
	}
	return s
}

// Close stops the pool: new calls fail with ErrClosed, calls in flight
// finish, then every instance and the compiled module are closed (and the
// runtime, with WithCloseRuntime). It returns early with ctx's error if ctx
// ends first.
func (p *Pool) Close(ctx context.Context) error {
	first := false
	p.closeOnce.Do(func() { first = true; close(p.done) })
	if !first {
		return nil
	}
	p.bg.Wait()
	p.drainIdle()
	waited := make(chan struct{})
	go func() { p.live.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		return ctx.Err()
	}
	return p.closeModule(ctx)
}

// shutdown undoes a half-built pool.
func (p *Pool) shutdown() {
	p.closeOnce.Do(func() { close(p.done) })
	p.drainIdle()
	_ = p.closeModule(context.Background())
}

func (p *Pool) closeModule(ctx context.Context) error {
	var err error
	if p.ownModule {
		err = p.mod.Close(ctx)
	}
	if p.cfg.closeRuntime {
		if e := p.rt.Close(ctx); err == nil {
			err = e
		}
	}
	return err
}

func (p *Pool) drainIdle() {
	for {
		select {
		case in := <-p.idle:
			p.retire(in)
		default:
			return
		}
	}
}

func (p *Pool) closed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// snapshot captures in, if the runtime can restore it: later instances
// start as copies of it (a memory copy instead of the Go runtime's start
// and the bundle load: about 1.5 ms instead of 45 ms with wazero). A
// failure only costs that speed.
func (p *Pool) snapshot(in *instance) *Snapshot {
	sn, ok := in.inst.(Snapshotter)
	if _, can := p.mod.(Restorer); !ok || !can || p.cfg.noSnapshots {
		return nil
	}
	s, err := sn.Snapshot()
	if err != nil {
		p.log.Warn("snapshotting a guest instance; new instances will load the bundle themselves", "err", err)
		return nil
	}
	return s
}

// startInstance starts one instance with the current bundle loaded:
// restored from the bundle's snapshot if there is one, else started and
// loaded.
func (p *Pool) startInstance(ctx context.Context) (*instance, error) {
	if g := p.cur.Load(); g != nil && g.snap != nil {
		in, err := startInstance(ctx, p.mod, g.snap, p.nextID.Add(1), p.log)
		if err == nil {
			in.gen = g
			p.live.Add(1)
			p.started.Add(1)
			p.restored.Add(1)
			return in, nil
		}
		p.log.Warn("restoring a guest instance from a snapshot; starting one afresh", "err", err)
	}
	in, err := startInstance(ctx, p.mod, nil, p.nextID.Add(1), p.log)
	if err != nil {
		return nil, err
	}
	p.live.Add(1)
	p.started.Add(1)
	if g := p.cur.Load(); g != nil {
		if _, err, _ := in.load(ctx, g, false); err != nil {
			p.abandoned.Add(1)
			p.retire(in)
			return nil, fmt.Errorf("host: loading bundle %s into a new instance: %w", g.bundle.ID(), err)
		}
	}
	p.memory.Store(in.mem.Size())
	return in, nil
}

// checkout takes an idle instance, waiting for one; with reload it first
// switches the instance to the current bundle.
func (p *Pool) checkout(ctx context.Context, reload bool) (*instance, error) {
	var in *instance
	select {
	case in = <-p.idle:
	default:
		select {
		case in = <-p.idle:
		case <-ctx.Done():
			return nil, fmt.Errorf("host: waiting for an instance: %w", ctx.Err())
		case <-p.done:
			return nil, ErrClosed
		}
	}
	if p.closed() {
		p.retire(in)
		return nil, ErrClosed
	}
	if !reload {
		return in, nil
	}
	g := p.cur.Load()
	if g == nil {
		p.checkin(in)
		return nil, fmt.Errorf("host: %w", ErrNoBundle)
	}
	if in.gen != g {
		nin, err, dead := p.switchTo(ctx, in, g)
		if err != nil {
			if dead {
				p.discard(in, err)
			} else {
				p.checkin(in)
			}
			return nil, fmt.Errorf("host: switching an instance to bundle %s: %w", g.bundle.ID(), err)
		}
		in = nin
	}
	return in, nil
}

// switchTo gives in's caller an instance with g loaded: a restored copy of
// g's snapshot, in place of in, when there is one; else in, after loading
// g into it. dead reports that in must be discarded.
func (p *Pool) switchTo(ctx context.Context, in *instance, g *generation) (*instance, error, bool) {
	if g.snap != nil {
		if nin, err := p.startInstance(ctx); err == nil && nin.gen == g {
			p.retire(in)
			p.switched.Add(1)
			return nin, nil, false
		} else if err == nil {
			p.abandoned.Add(1)
			p.retire(nin) // a newer bundle arrived meanwhile: load g the slow way
		}
	}
	_, err, dead := in.load(ctx, g, false)
	return in, err, dead
}

// checkin returns a healthy instance to the pool.
func (p *Pool) checkin(in *instance) {
	if p.closed() {
		p.retire(in)
		return
	}
	p.idle <- in
}

// discard closes an instance whose call failed and has the spawner start a
// replacement.
func (p *Pool) discard(in *instance, cause error) {
	p.discarded.Add(1)
	if ctxDone(cause) {
		p.interrupts.Add(1)
	} else {
		p.traps.Add(1)
	}
	p.log.Warn("guest instance discarded", "instance", in.id, "err", cause)
	p.retire(in)
	if !p.closed() {
		p.need <- struct{}{}
	}
}

// retire closes an instance.
func (p *Pool) retire(in *instance) {
	in.close()
	p.live.Done()
}

// spawner starts replacements for discarded instances, ahead of demand.
func (p *Pool) spawner() {
	defer p.bg.Done()
	backoff := 10 * time.Millisecond
	for {
		select {
		case <-p.done:
			return
		case <-p.need:
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), instanceStartTimeout)
			in, err := p.startInstance(ctx)
			cancel()
			if err == nil {
				p.checkin(in)
				backoff = 10 * time.Millisecond
				break
			}
			p.log.Error("starting a replacement guest instance", "err", err)
			select {
			case <-p.done:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// refresher switches idle instances to a new bundle after a swap, so that
// calls do not pay for it.
func (p *Pool) refresher() {
	defer p.bg.Done()
	for {
		select {
		case <-p.done:
			return
		case <-p.refresh:
		}
		for range p.cfg.size {
			var in *instance
			select {
			case in = <-p.idle:
			default:
			}
			if in == nil {
				break
			}
			g := p.cur.Load()
			if in.gen == g {
				p.checkin(in)
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), instanceStartTimeout)
			nin, err, dead := p.switchTo(ctx, in, g)
			cancel()
			if dead {
				p.discard(in, err)
				continue
			}
			if err != nil {
				p.log.Error("switching an idle instance to the new bundle", "err", err)
			}
			p.checkin(nin)
		}
	}
}

func ctxDone(err error) bool {
	return err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
