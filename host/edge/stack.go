package edge

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/edgescore/edgescore/controlplane/client"
	"github.com/edgescore/edgescore/host/edge/bundlesync"
	"github.com/edgescore/edgescore/host/edge/outbox"
)

// StackOptions configure a Stack: a Server with its bundle sync and its
// outbox, talking to one control plane.
type StackOptions struct {
	Server Config
	// ControlPlane is its base URL; Token has scope edge; Keys are the
	// pinned manifest signing keys.
	ControlPlane string
	Token        string
	Keys         []ed25519.PublicKey
	// DataDir holds the bundle cache (DataDir/cache) and the event spool
	// (DataDir/spool).
	DataDir string
	Engines EngineFactory
	// Outbox and Sync tune those parts; their Dir, CacheDir, BaseURL,
	// Group, Token, Keys, EdgeID and Logger are set from the fields above.
	Outbox outbox.Config
	Sync   bundlesync.Config
	// Version is reported in heartbeats.
	Version string
}

// Stack is a running edge minus its listener: serve Server with an
// http.Server, and Close the stack after shutting that down.
type Stack struct {
	Server *Server
	Sync   *bundlesync.Syncer
	Outbox *outbox.Outbox
	cancel context.CancelFunc
	done   chan struct{}
}

// OpenStack starts the outbox (resuming its spool), applies the cached
// plan if there is one, and starts following the control plane.
func OpenStack(ctx context.Context, o StackOptions) (*Stack, error) {
	if o.DataDir == "" {
		return nil, fmt.Errorf("%w: DataDir is required", ErrConfig)
	}
	log := o.Server.Logger
	api := client.New(o.ControlPlane, o.Token, client.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
	oc := o.Outbox
	oc.Dir, oc.Logger = filepath.Join(o.DataDir, "spool"), log
	ob, err := outbox.New(oc, IngestSender{Client: api})
	if err != nil {
		return nil, err
	}
	sc := o.Sync
	sc.BaseURL, sc.Group, sc.Token, sc.Keys = o.ControlPlane, o.Server.Group, o.Token, o.Keys
	sc.CacheDir, sc.EdgeID, sc.Version, sc.Logger = filepath.Join(o.DataDir, "cache"), o.Server.EdgeID, o.Version, log
	st := &Stack{Outbox: ob, done: make(chan struct{})}
	srvApplier := bundlesync.ApplierFunc(func(ctx context.Context, p *bundlesync.Plan) error {
		return st.Server.Apply(ctx, p)
	})
	syncer, err := bundlesync.New(sc, srvApplier)
	if err != nil {
		_ = ob.Close(ctx)
		return nil, err
	}
	srv, err := New(o.Server, Deps{Engines: o.Engines, Events: ob, Sync: syncer, Outbox: ob})
	if err != nil {
		_ = ob.Close(ctx)
		return nil, err
	}
	st.Server, st.Sync = srv, syncer
	if err := syncer.Start(ctx); err != nil {
		_ = ob.Close(ctx)
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	go func() { syncer.Run(rctx); close(st.done) }()
	return st, nil
}

// Close stops following the control plane, flushes the outbox (what cannot
// be delivered before ctx ends stays spooled for the next start) and
// closes the engines. Shut the HTTP server down first.
func (s *Stack) Close(ctx context.Context) error {
	s.Server.SetReady(false)
	s.cancel()
	<-s.done
	err := s.Outbox.Close(ctx)
	s.Server.Close(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return err
}
