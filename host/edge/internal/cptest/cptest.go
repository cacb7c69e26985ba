// Package cptest runs a real control plane (service, SQLite store, HTTP
// API) on loopback for the edge's tests, and can stop and restart it on the
// same address and data directory, as an outage would.
package cptest

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
	"github.com/edgescore/edgescore/controlplane/httpapi"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
)

// Server is a running (or stopped) control plane.
type Server struct {
	Dir  string
	Addr string // host:port, kept across restarts
	URL  string
	// Admin is a client with the admin token; EdgeToken has scope edge.
	Admin     *client.Client
	EdgeToken string
	Svc       *controlplane.Service

	validator controlplane.BundleValidator
	cfg       controlplane.Config
	srv       *http.Server
	st        *sqlitestore.Store
	cancel    context.CancelFunc
	done      chan struct{}
}

// Start runs a control plane with its data in dir, listening on a free
// loopback port. cfg may be nil (defaults, with a 200 ms watch heartbeat so
// that tests see pings).
func Start(tb testing.TB, dir string, v controlplane.BundleValidator, cfg *controlplane.Config) *Server {
	tb.Helper()
	c := controlplane.DefaultConfig()
	c.WatchHeartbeat = 200 * time.Millisecond
	c.SchedulerTick = 50 * time.Millisecond
	if cfg != nil {
		c = *cfg
	}
	c.Logger = slog.New(slog.DiscardHandler)
	s := &Server{Dir: dir, Addr: "127.0.0.1:0", validator: v, cfg: c}
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
	secret, err := controlplane.ReadAdminToken(dir)
	if err != nil {
		tb.Fatal(err)
	}
	s.Admin = client.New(s.URL, secret)
	s.EdgeToken, _, err = s.Admin.MintToken(context.Background(), "edge", controlplane.ScopeEdge)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) start() error {
	ctx, cancel := context.WithCancel(context.Background())
	signer, err := controlplane.LoadOrCreateSigner(s.Dir)
	if err != nil {
		cancel()
		return err
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(s.Dir, "controlplane.db"), sqlitestore.Options{})
	if err != nil {
		cancel()
		return err
	}
	svc, err := controlplane.New(ctx, st, signer, s.validator, s.cfg)
	if err != nil {
		st.Close()
		cancel()
		return err
	}
	if _, _, err := svc.BootstrapAdmin(ctx, s.Dir); err != nil {
		st.Close()
		cancel()
		return err
	}
	go svc.Run(ctx)
	var ln net.Listener
	for range 100 { // the port may linger briefly after a stop
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		st.Close()
		cancel()
		return err
	}
	s.Addr = ln.Addr().String()
	s.URL = "http://" + s.Addr
	s.srv = &http.Server{Handler: httpapi.New(svc, httpapi.Options{Logger: slog.New(slog.DiscardHandler)}),
		BaseContext: func(net.Listener) context.Context { return ctx }}
	s.Svc, s.st, s.cancel, s.done = svc, st, cancel, make(chan struct{})
	go func() { _ = s.srv.Serve(ln); close(s.done) }()
	return nil
}

// PublicKey is the control plane's current signing key.
func (s *Server) PublicKey() ed25519.PublicKey { return s.Svc.Signer().PublicKey() }

// Stop stops the control plane abruptly, as a crash or a network cut would:
// connections, watch streams included, are closed at once.
func (s *Server) Stop() {
	if s.srv == nil {
		return
	}
	s.cancel()
	_ = s.srv.Close()
	<-s.done
	_ = s.st.Close()
	s.srv = nil
}

// Restart starts it again on the same address and data.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if s.srv != nil {
		tb.Fatal("cptest: Restart of a running control plane")
	}
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
}

// Running reports whether it is serving.
func (s *Server) Running() bool { return s.srv != nil }
