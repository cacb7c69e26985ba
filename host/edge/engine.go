package edge

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/edge/bundlesync"
	"github.com/edgescore/edgescore/module/experiment"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// Engine decides with one loaded bundle. *host.Pool implements it.
// DecideBundle must be safe for concurrent use, return within ctx's
// deadline, and never be affected by a failure of an earlier call; Close
// waits for calls in flight.
type Engine interface {
	DecideBundle(ctx context.Context, c *shopper.Context, d *scorer.Decision) (*host.Bundle, error)
	Close(ctx context.Context) error
}

// EngineFactory starts an Engine with a bundle (binary encoding) loaded.
// A bundle the guest refuses is an error.
type EngineFactory interface {
	NewEngine(ctx context.Context, bundle []byte) (Engine, error)
}

// PoolFactory starts a host.Pool per bundle, all on one Runtime. With
// Module set (NewFactory sets it) the pools share that compiled guest;
// otherwise each pool compiles Wasm itself.
type PoolFactory struct {
	Runtime host.Runtime
	Wasm    []byte
	Module  host.Module
	Options []host.Option
}

// NewEngine implements EngineFactory.
func (f *PoolFactory) NewEngine(ctx context.Context, bundle []byte) (Engine, error) {
	var p *host.Pool
	var err error
	if f.Module != nil {
		p, err = host.NewPoolFromModule(ctx, f.Module, f.Options...)
	} else {
		p, err = host.NewPool(ctx, f.Runtime, f.Wasm, f.Options...)
	}
	if err != nil {
		return nil, err
	}
	if _, err := p.LoadBundle(ctx, bundle); err != nil {
		_ = p.Close(ctx)
		return nil, err
	}
	return p, nil
}

// arm is one arm of the plan in force.
type arm struct {
	name, digest string
	weight       int
	eng          Engine // nil for an arm of weight 0
	gate         *gate
}

// gate admits as many calls into an engine as it has instances, so that
// requests queue here, where giving up at the budget costs nothing, and
// not inside the pool. The call itself is then made on the request's own
// goroutine: handing it to another goroutine and back cost two trips
// through the scheduler's run queues, which under load doubled the
// decision latency (see RATIONALE.md, "Edge admission gate").
type gate struct{ slots chan struct{} }

func newGate(n int) *gate { return &gate{slots: make(chan struct{}, max(n, 1))} }

// gateSize is the number of concurrent calls an engine serves: its
// instances, if it says.
func gateSize(e Engine) int {
	if s, ok := e.(interface{ Stats() host.Stats }); ok {
		if n := s.Stats().Size; n > 0 {
			return n
		}
	}
	return 2 * runtime.GOMAXPROCS(0)
}

// plan is the manifest in force with an engine per arm. Immutable.
type plan struct {
	seq      uint64
	salt     string
	kill     bool
	weights  []int
	arms     []arm
	engines  map[string]Engine // by digest
	gates    map[string]*gate  // by digest, shared by the arms of one engine
	issuedAt string
}

// pick returns the shopper's arm.
func (p *plan) pick(shopperID string) (*arm, int) {
	b := experiment.Bucket(p.salt, shopperID)
	return &p.arms[experiment.Arm(p.weights, b)], b
}

// retireDelay lets requests that loaded the previous plan just before a
// swap start their call before its unused engines close (Close then waits
// for calls in flight).
const retireDelay = time.Second

// Apply implements bundlesync.Applier: it starts engines for new bundles,
// switches to the new plan at once, and retires engines no arm uses.
func (s *Server) Apply(ctx context.Context, bp *bundlesync.Plan) error {
	if s.engines == nil {
		return fmt.Errorf("%w: no EngineFactory", ErrConfig)
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	m := bp.Manifest
	old := s.plan.Load()
	np := &plan{seq: m.Sequence, salt: m.Salt, kill: m.KillSwitch, engines: map[string]Engine{},
		gates: map[string]*gate{}, issuedAt: m.IssuedAt}
	var started []Engine
	fail := func(err error) error {
		for _, e := range started {
			_ = e.Close(ctx)
		}
		return err
	}
	for i, a := range m.Arms {
		np.weights = append(np.weights, a.Weight)
		ar := arm{name: a.Name, digest: a.Bundle, weight: a.Weight}
		if a.Weight > 0 {
			e := np.engines[a.Bundle]
			if e == nil && old != nil {
				e = old.engines[a.Bundle]
			}
			if e == nil {
				data := bp.Bundles[a.Bundle]
				if data == nil {
					return fail(fmt.Errorf("arms[%d]: bundle %s missing from the plan", i, a.Bundle))
				}
				t0 := time.Now()
				var err error
				if e, err = s.engines.NewEngine(ctx, data); err != nil {
					return fail(fmt.Errorf("arms[%d] (%s): loading bundle %s: %w", i, a.Name, a.Bundle, err))
				}
				started = append(started, e)
				s.log.Info("edge: engine started", "arm", a.Name, "digest", a.Bundle[:12], "took", time.Since(t0))
			}
			np.engines[a.Bundle] = e
			g := np.gates[a.Bundle]
			if g == nil && old != nil && old.engines[a.Bundle] == e {
				g = old.gates[a.Bundle]
			}
			if g == nil {
				g = newGate(gateSize(e))
			}
			np.gates[a.Bundle] = g
			ar.eng, ar.gate = e, g
		}
		np.arms = append(np.arms, ar)
	}
	s.plan.Store(np)
	if old != nil {
		var retire []Engine
		for d, e := range old.engines {
			if np.engines[d] != e {
				retire = append(retire, e)
			}
		}
		if len(retire) > 0 {
			time.AfterFunc(retireDelay, func() {
				for _, e := range retire {
					cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					if err := e.Close(cctx); err != nil && !errors.Is(err, host.ErrClosed) {
						s.log.Warn("edge: closing a retired engine", "err", err)
					}
					cancel()
				}
			})
		}
	}
	s.log.Info("edge: plan in force", "sequence", np.seq, "arms", len(np.arms), "engines", len(np.engines),
		"kill_switch", np.kill)
	return nil
}

// closeEngines closes every engine of the plan in force (at shutdown).
func (s *Server) closeEngines(ctx context.Context) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	p := s.plan.Swap(nil)
	if p == nil {
		return
	}
	for _, e := range p.engines {
		if err := e.Close(ctx); err != nil {
			s.log.Warn("edge: closing an engine", "err", err)
		}
	}
}

// poolStats sums the host pools' counters.
func (s *Server) poolStats() (st host.Stats) {
	p := s.plan.Load()
	if p == nil {
		return
	}
	for _, e := range p.engines {
		if hp, ok := e.(interface{ Stats() host.Stats }); ok {
			x := hp.Stats()
			st.Size += x.Size
			st.Idle += x.Idle
			st.Started += x.Started
			st.Discarded += x.Discarded
			st.Traps += x.Traps
			st.Interrupts += x.Interrupts
			st.InstanceMemory += x.InstanceMemory * uint64(x.Size)
		}
	}
	return
}
