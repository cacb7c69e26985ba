package bundlesync

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
)

// MaxBundleSize bounds a bundle download.
const MaxBundleSize = 64 << 20

// Plan is a verified manifest with the binary of every bundle it gives
// shoppers to (arms of weight 0 are not fetched), by digest.
type Plan struct {
	Manifest  *controlplane.Manifest
	Bundles   map[string][]byte
	FromCache bool
}

// Applier makes a verified plan current. An error leaves the previous plan
// in force (and the manifest is tried again later). Apply is called from
// one goroutine at a time.
type Applier interface {
	Apply(ctx context.Context, p *Plan) error
}

// ApplierFunc adapts a function to Applier.
type ApplierFunc func(ctx context.Context, p *Plan) error

// Apply implements Applier.
func (f ApplierFunc) Apply(ctx context.Context, p *Plan) error { return f(ctx, p) }

// Config tunes a Syncer.
type Config struct {
	BaseURL string // the control plane, e.g. http://127.0.0.1:8080
	Group   string
	Token   string // a token with scope edge
	// Keys are the pinned public keys; a manifest must be signed by one.
	Keys []ed25519.PublicKey
	// CacheDir keeps the last verified manifest and its bundles ("": none).
	CacheDir string
	// PollInterval is the ETag poll period while the watch is down (default
	// 5 s), SlowPollInterval while it is up (default 60 s).
	PollInterval, SlowPollInterval time.Duration
	// ReconnectMax caps the watch's reconnect backoff (default 2 s).
	ReconnectMax time.Duration
	// StreamIdle ends a watch stream that has sent nothing, not even a
	// ping, for this long (default 45 s: three control plane pings).
	StreamIdle time.Duration
	// HeartbeatInterval is how often the edge reports (default 10 s; < 0
	// disables).
	HeartbeatInterval time.Duration
	EdgeID, Version   string
	HTTPClient        *http.Client
	Logger            *slog.Logger
}

// Status is what the syncer knows.
type Status struct {
	Group       string
	Sequence    uint64 // of the plan in force; 0 for none
	IssuedAt    string
	KillSwitch  bool
	FromCache   bool      // the plan in force was loaded from disk
	AppliedAt   time.Time // when the plan in force was applied
	LastContact time.Time // last answer from the control plane
	Watching    bool      // the SSE stream is connected
	Rejected    uint64    // manifests refused (signature, replay, group, digest, load)
	LastError   string
}

// Syncer follows one group's manifest.
type Syncer struct {
	cfg   Config
	apply Applier
	api   *client.Client
	hc    *http.Client
	log   *slog.Logger
	base  *url.URL

	mu       sync.Mutex // one manifest at a time; guards the fields below
	seq      uint64
	etag     string
	current  *controlplane.Manifest
	fromDisk bool
	applied  time.Time
	lastErr  string

	contact  atomic.Int64 // unix nanos
	watching atomic.Bool
	rejected atomic.Uint64
	started  time.Time
	pollNow  chan struct{}
}

// New returns a Syncer; call Start, then Run.
func New(cfg Config, a Applier) (*Syncer, error) {
	if cfg.BaseURL == "" || cfg.Group == "" {
		return nil, errors.New("bundlesync: BaseURL and Group are required")
	}
	if len(cfg.Keys) == 0 {
		return nil, errors.New("bundlesync: at least one pinned public key is required")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("bundlesync: control plane URL %q is not absolute", cfg.BaseURL)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.SlowPollInterval <= 0 {
		cfg.SlowPollInterval = 60 * time.Second
	}
	if cfg.ReconnectMax <= 0 {
		cfg.ReconnectMax = 2 * time.Second
	}
	if cfg.StreamIdle <= 0 {
		cfg.StreamIdle = 45 * time.Second
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Transport: http.DefaultTransport}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := *cfg.HTTPClient
	hc.Timeout = 30 * time.Second
	s := &Syncer{cfg: cfg, apply: a, hc: cfg.HTTPClient, log: cfg.Logger, base: base,
		api: client.New(base.String(), cfg.Token, client.WithHTTPClient(&hc)), started: time.Now(),
		pollNow: make(chan struct{}, 1)}
	return s, nil
}

// Status returns a snapshot.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	st := Status{Group: s.cfg.Group, Sequence: s.seq, FromCache: s.fromDisk, AppliedAt: s.applied, LastError: s.lastErr}
	if s.current != nil {
		st.IssuedAt, st.KillSwitch = s.current.IssuedAt, s.current.KillSwitch
	}
	s.mu.Unlock()
	if c := s.contact.Load(); c != 0 {
		st.LastContact = time.Unix(0, c)
	}
	st.Watching = s.watching.Load()
	st.Rejected = s.rejected.Load()
	return st
}

// Staleness is the time since the control plane last answered (since the
// start, if it never did).
func (s *Syncer) Staleness() time.Duration {
	if c := s.contact.Load(); c != 0 {
		return time.Since(time.Unix(0, c))
	}
	return time.Since(s.started)
}

func (s *Syncer) touch() { s.contact.Store(time.Now().UnixNano()) }

// Start applies the cached plan, if there is a valid one. A missing or
// invalid cache is not an error: the edge waits for the control plane
// (and serves default decisions meanwhile).
func (s *Syncer) Start(ctx context.Context) error {
	if s.cfg.CacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(s.cfg.CacheDir, "bundles"), 0o700); err != nil {
		return fmt.Errorf("bundlesync: cache: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(s.cfg.CacheDir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bundlesync: cache: %w", err)
	}
	var m controlplane.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		s.log.Warn("bundlesync: ignoring an unreadable cached manifest", "err", err)
		return nil
	}
	if err := s.offer(ctx, &m, "cache"); err != nil {
		s.log.Warn("bundlesync: ignoring the cached plan", "err", err)
	}
	return nil
}

// Run follows the manifest until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.watchLoop(ctx) }()
	go func() { defer wg.Done(); s.pollLoop(ctx) }()
	if s.cfg.HeartbeatInterval > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); s.heartbeatLoop(ctx) }()
	}
	wg.Wait()
}

// offer is the one gate every manifest goes through.
func (s *Syncer) offer(ctx context.Context, m *controlplane.Manifest, source string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if source != "cache" && m.Sequence == s.seq && s.seq != 0 {
		return nil // the one in force (a watch sends it on connect)
	}
	err := s.offerLocked(ctx, m, source)
	if err != nil {
		s.rejected.Add(1)
		s.lastErr = err.Error()
		s.log.Error("bundlesync: manifest refused; keeping the plan in force",
			"source", source, "sequence", m.Sequence, "in_force", s.seq, "err", err)
	}
	return err
}

func (s *Syncer) offerLocked(ctx context.Context, m *controlplane.Manifest, source string) error {
	if err := controlplane.VerifyManifest(m, s.cfg.Keys, s.seq); err != nil {
		return err
	}
	if m.Group != s.cfg.Group {
		return fmt.Errorf("manifest is for group %q, this edge serves %q", m.Group, s.cfg.Group)
	}
	p := &Plan{Manifest: m, Bundles: map[string][]byte{}, FromCache: source == "cache"}
	for i, a := range m.Arms {
		if a.Weight == 0 || p.Bundles[a.Bundle] != nil {
			continue
		}
		data, err := s.bundle(ctx, a, source == "cache")
		if err != nil {
			return fmt.Errorf("arms[%d] (%s): %w", i, a.Name, err)
		}
		p.Bundles[a.Bundle] = data
	}
	if err := s.apply.Apply(ctx, p); err != nil {
		return fmt.Errorf("applying sequence %d: %w", m.Sequence, err)
	}
	s.seq, s.current, s.fromDisk, s.applied, s.lastErr = m.Sequence, m, source == "cache", time.Now(), ""
	if source != "cache" {
		s.persist(m)
	}
	s.log.Info("bundlesync: plan in force", "source", source, "group", m.Group, "sequence", m.Sequence,
		"arms", len(m.Arms), "kill_switch", m.KillSwitch)
	return nil
}

// bundle returns the binary of arm a, from the cache or the network, with
// its sha256 checked against the signed digest.
func (s *Syncer) bundle(ctx context.Context, a controlplane.ManifestArm, cacheOnly bool) ([]byte, error) {
	path := ""
	if s.cfg.CacheDir != "" {
		path = filepath.Join(s.cfg.CacheDir, "bundles", a.Bundle+".esb")
		if data, err := os.ReadFile(path); err == nil {
			if digest(data) == a.Bundle {
				return data, nil
			}
			s.log.Warn("bundlesync: cached bundle is damaged; fetching it again", "digest", a.Bundle)
		}
	}
	if cacheOnly {
		return nil, fmt.Errorf("bundle %s is not in the cache", a.Bundle)
	}
	data, err := s.fetch(ctx, a)
	if err != nil {
		return nil, err
	}
	if got := digest(data); got != a.Bundle {
		return nil, fmt.Errorf("bundle from %s hashes to %s, the manifest signs %s", a.URL, got, a.Bundle)
	}
	if path != "" {
		if err := writeAtomic(path, data); err != nil {
			s.log.Warn("bundlesync: caching a bundle", "err", err)
		}
	}
	return data, nil
}

func (s *Syncer) fetch(ctx context.Context, a controlplane.ManifestArm) ([]byte, error) {
	u := a.URL
	if u == "" {
		u = "/v1/blobs/" + a.Bundle
	}
	ref, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("bundle URL %q: %w", u, err)
	}
	abs := s.base.ResolveReference(ref)
	req, err := http.NewRequestWithContext(ctx, "GET", abs.String(), nil)
	if err != nil {
		return nil, err
	}
	if abs.Host == s.base.Host && s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token) // never to a third-party CDN
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := s.hc.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("fetching bundle: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching bundle %s: HTTP %d", abs, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBundleSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching bundle: %w", err)
	}
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("bundle %s exceeds %d bytes", a.Bundle, MaxBundleSize)
	}
	return data, nil
}

// persist writes the manifest in force to the cache and removes bundles
// it no longer names. Bundles were written before it, so a crash between
// the two leaves the previous manifest with its bundles.
func (s *Syncer) persist(m *controlplane.Manifest) {
	if s.cfg.CacheDir == "" {
		return
	}
	data, err := json.Marshal(m)
	if err == nil {
		err = writeAtomic(filepath.Join(s.cfg.CacheDir, "manifest.json"), data)
	}
	if err != nil {
		s.log.Warn("bundlesync: caching the manifest", "err", err)
		return
	}
	keep := map[string]bool{}
	for _, a := range m.Arms {
		keep[a.Bundle+".esb"] = true
	}
	dir := filepath.Join(s.cfg.CacheDir, "bundles")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !keep[e.Name()] {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ---- loops ----

func jitter(d time.Duration) time.Duration {
	// ±20%, so that a fleet restarted together does not poll in step.
	return d*8/10 + rand.N(d*4/10+1)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Syncer) pollLoop(ctx context.Context) {
	for {
		d := s.cfg.PollInterval
		if s.watching.Load() {
			d = s.cfg.SlowPollInterval
		}
		t := time.NewTimer(jitter(d))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-s.pollNow:
			t.Stop()
		}
		s.poll(ctx)
	}
}

// Poll fetches the manifest once (ETag-conditional) and offers it.
func (s *Syncer) poll(ctx context.Context) {
	s.mu.Lock()
	etag := s.etag
	s.mu.Unlock()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, newTag, notModified, err := s.api.Manifest(pctx, s.cfg.Group, etag)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Debug("bundlesync: poll failed", "err", err)
		}
		return
	}
	s.touch()
	if notModified {
		return
	}
	if s.offer(ctx, m, "poll") == nil {
		s.mu.Lock()
		if s.seq == m.Sequence {
			s.etag = newTag
		}
		s.mu.Unlock()
	}
}

func (s *Syncer) heartbeatLoop(ctx context.Context) {
	for sleep(ctx, jitter(s.cfg.HeartbeatInterval)) {
		s.heartbeat(ctx)
	}
}

func (s *Syncer) heartbeat(ctx context.Context) {
	s.mu.Lock()
	hb := controlplane.Heartbeat{EdgeID: s.cfg.EdgeID, Group: s.cfg.Group, Sequence: s.seq, Version: s.cfg.Version, Bundles: []string{}}
	if s.current != nil {
		for _, a := range s.current.Arms {
			if a.Weight > 0 && len(hb.Bundles) < 16 {
				hb.Bundles = append(hb.Bundles, a.Bundle)
			}
		}
	}
	s.mu.Unlock()
	if hb.EdgeID == "" {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rep, err := s.api.Heartbeat(hctx, hb)
	if err != nil {
		s.log.Debug("bundlesync: heartbeat failed", "err", err)
		return
	}
	s.touch()
	if !rep.UpToDate && rep.Sequence > hb.Sequence {
		select {
		case s.pollNow <- struct{}{}:
		default:
		}
	}
}

// watchLoop keeps one SSE stream open, reconnecting with jittered backoff.
func (s *Syncer) watchLoop(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := s.watch(ctx)
		s.watching.Store(false)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = 50 * time.Millisecond
		}
		s.log.Debug("bundlesync: watch ended", "err", err)
		// The watch is down: poll now rather than wait for the next tick.
		select {
		case s.pollNow <- struct{}{}:
		default:
		}
		if !sleep(ctx, backoff/2+rand.N(backoff/2+1)) {
			return
		}
		backoff = min(2*backoff, s.cfg.ReconnectMax)
	}
}

// watch runs one stream; connected is true if it got as far as a 200.
func (s *Syncer) watch(ctx context.Context) (connected bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", s.base.String()+"/v1/groups/"+url.PathEscape(s.cfg.Group)+"/watch", nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	s.mu.Lock()
	if s.seq > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(s.seq, 10))
	}
	s.mu.Unlock()
	resp, err := s.hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("watch: HTTP %d", resp.StatusCode)
	}
	s.touch()
	s.watching.Store(true)

	// A stream that goes silent (no event, no ping) is dead.
	idle := time.AfterFunc(s.cfg.StreamIdle, cancel)
	defer idle.Stop()
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var event string
	var data []byte
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A field longer than the buffer: accumulate it.
			rest, err2 := r.ReadBytes('\n')
			line, err = append(append([]byte(nil), line...), rest...), err2
		}
		if err != nil {
			return true, err
		}
		idle.Reset(s.cfg.StreamIdle)
		s.touch()
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if event == "manifest" && len(data) > 0 {
				var m controlplane.Manifest
				if err := json.Unmarshal(data, &m); err != nil {
					s.rejected.Add(1)
					s.log.Error("bundlesync: unreadable manifest on the watch stream", "err", err)
				} else {
					_ = s.offer(ctx, &m, "watch")
				}
			}
			event, data = "", data[:0]
		case line[0] == ':':
			// comment (ping)
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(bytes.TrimSpace(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			if len(data) > MaxBundleSize {
				return true, errors.New("watch: event too large")
			}
			data = append(data, bytes.TrimPrefix(line[len("data:"):], []byte(" "))...)
		}
	}
}
