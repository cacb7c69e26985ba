package controlplane

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// Config tunes a Service. Start from DefaultConfig; New checks the result.
type Config struct {
	// BlobBaseURL prefixes a bundle digest to make the URL an edge fetches
	// it from: "/v1/blobs/" (relative to the control plane) by default, or a
	// CDN origin such as "https://cdn.example.com/v1/blobs/".
	BlobBaseURL string
	// BlobMaxAge is the max-age of bundle downloads, which never change.
	BlobMaxAge time.Duration
	// AttributionWindow is how long after a decision a conversion of the
	// same shopper is attributed to it (when it is the shopper's latest).
	AttributionWindow time.Duration
	// MaxBatchEvents and MaxBatchBytes bound one ingestion request.
	MaxBatchEvents int
	MaxBatchBytes  int64
	// MaxBundleBytes bounds one upload (bundle JSON, or template plus model).
	MaxBundleBytes int64
	// MaxWatchers bounds concurrent manifest watchers (SSE connections);
	// beyond it Watch fails with ErrUnavailable.
	MaxWatchers int
	// WatchHeartbeat is how often an idle watch stream gets a comment line,
	// so proxies keep it open and dead peers are noticed.
	WatchHeartbeat time.Duration
	// EdgeStaleAfter: an edge silent for longer is reported stale.
	EdgeStaleAfter time.Duration
	// SchedulerTick is how often scheduled ramp steps are checked.
	SchedulerTick time.Duration

	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
	// Rand is the source of salts and token secrets; nil means crypto/rand.
	Rand io.Reader
	// Logger receives operational messages; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the configuration used when nothing is tuned.
func DefaultConfig() Config {
	return Config{
		BlobBaseURL:       "/v1/blobs/",
		BlobMaxAge:        365 * 24 * time.Hour,
		AttributionWindow: 24 * time.Hour,
		MaxBatchEvents:    5000,
		MaxBatchBytes:     8 << 20,
		MaxBundleBytes:    32 << 20,
		MaxWatchers:       10000,
		WatchHeartbeat:    15 * time.Second,
		EdgeStaleAfter:    60 * time.Second,
		SchedulerTick:     time.Second,
	}
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	switch {
	case c.BlobBaseURL == "":
		return errors.New("config: BlobBaseURL is empty")
	case c.BlobMaxAge <= 0:
		return errors.New("config: BlobMaxAge must be positive")
	case c.AttributionWindow <= 0:
		return errors.New("config: AttributionWindow must be positive")
	case c.MaxBatchEvents <= 0 || c.MaxBatchBytes <= 0 || c.MaxBundleBytes <= 0:
		return errors.New("config: batch and bundle limits must be positive")
	case c.MaxWatchers <= 0:
		return errors.New("config: MaxWatchers must be positive")
	case c.WatchHeartbeat <= 0 || c.EdgeStaleAfter <= 0 || c.SchedulerTick <= 0:
		return errors.New("config: WatchHeartbeat, EdgeStaleAfter and SchedulerTick must be positive")
	}
	return nil
}

// Service is the control plane: registry, signing, rollouts, distribution,
// fleet, outcomes, metrics and tokens, as plain Go over a store.Store. It is
// safe for concurrent use. One Service must own its store: it caches the
// current manifests, tokens and known bundle digests in memory.
type Service struct {
	cfg       Config
	st        store.Store
	signer    *Signer
	validator BundleValidator
	log       *slog.Logger

	// mu serializes rollout changes; rollouts is the current state of
	// every group (the store is the truth, this is its copy).
	mu       sync.Mutex
	rollouts map[string]*Rollout

	// Read-mostly caches, replaced whole on change (copy on write) so the
	// hot paths (manifest, auth, ingestion) never take a lock.
	published atomic.Pointer[map[string]*Published]
	tokens    atomic.Pointer[map[[32]byte]Principal]
	bundles   atomic.Pointer[map[string]struct{}]
	cacheMu   sync.Mutex // serializes copy-on-write updates of the three maps

	hub *hub
}

// New builds a Service on st: it loads the rollouts, re-signs manifests
// signed by a key other than signer's (after a rotation), and warms the
// caches.
func New(ctx context.Context, st store.Store, signer *Signer, v BundleValidator, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if st == nil || signer == nil || v == nil {
		return nil, errors.New("controlplane: store, signer and validator are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{cfg: cfg, st: st, signer: signer, validator: v, log: cfg.Logger,
		rollouts: map[string]*Rollout{}, hub: newHub(cfg.MaxWatchers)}
	s.published.Store(&map[string]*Published{})
	if err := s.loadTokens(ctx); err != nil {
		return nil, err
	}
	if err := s.loadBundles(ctx); err != nil {
		return nil, err
	}
	if err := s.loadRollouts(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Config returns the configuration in force.
func (s *Service) Config() Config { return s.cfg }

// Signer returns the signer (for /v1/keys).
func (s *Service) Signer() *Signer { return s.signer }

// Run applies scheduled ramp steps until ctx is done.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.SchedulerTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.ApplyDueSteps(ctx); err != nil {
				s.log.Error("scheduled ramp", "err", err)
			}
		}
	}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func (s *Service) random(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		panic(fmt.Sprintf("controlplane: random source failed: %v", err))
	}
	return b
}

// audit appends a non-rollout audit entry; failures are logged, the change
// itself already happened.
func (s *Service) audit(ctx context.Context, actor, action string, from, to any) {
	a := store.AuditEntry{At: s.now(), Actor: actor, Action: action}
	if from != nil {
		a.From, _ = json.Marshal(from)
	}
	a.To, _ = json.Marshal(to)
	if err := s.st.AppendAudit(ctx, a); err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}

// Audit lists audit entries, newest first; group "" lists every group and
// the registry and token changes too.
func (s *Service) Audit(ctx context.Context, group string, limit int) ([]AuditEntry, error) {
	if limit < 0 || limit > 1000 {
		return nil, invalidf("limit", "must be between 0 and 1000")
	}
	es, err := s.st.Audit(ctx, store.AuditFilter{Group: group, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]AuditEntry, len(es))
	for i, e := range es {
		out[i] = AuditEntry{ID: e.ID, At: e.At, Actor: e.Actor, Group: e.Group, Action: e.Action,
			Sequence: e.Sequence, From: json.RawMessage(e.From), To: json.RawMessage(e.To)}
		if len(e.From) == 0 {
			out[i].From = nil
		}
	}
	return out, nil
}

// AuditEntry is one recorded change.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Group    string          `json:"group,omitempty"`
	Action   string          `json:"action"`
	Sequence uint64          `json:"sequence,omitempty"`
	From     json.RawMessage `json:"from"`
	To       json.RawMessage `json:"to"`
}
