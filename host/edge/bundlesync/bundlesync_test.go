package bundlesync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/host/edge/internal/cptest"
)

// recorder is an Applier that keeps every plan it was given.
type recorder struct {
	mu    sync.Mutex
	plans []*Plan
	fail  error
}

func (r *recorder) Apply(_ context.Context, p *Plan) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.plans = append(r.plans, p)
	return nil
}

func (r *recorder) last() *Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.plans) == 0 {
		return nil
	}
	return r.plans[len(r.plans)-1]
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.plans)
}

// waitSeq waits until the applier has a plan with sequence seq and
// returns how long that took.
func waitSeq(t *testing.T, r *recorder, seq uint64, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if p := r.last(); p != nil && p.Manifest.Sequence == seq {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("sequence %d not applied within %v (last %+v)", seq, within, r.last())
		}
		time.Sleep(time.Millisecond)
	}
}

func upload(t *testing.T, cp *cptest.Server, version string) string {
	t.Helper()
	body := fmt.Appendf(nil, `{"id":"demo@%s","propensity":{"bias":%s}}`, version, version)
	m, _, err := cp.Admin.Upload(context.Background(), controlplane.UploadRequest{Name: "demo", Version: version, Bundle: body})
	if err != nil {
		t.Fatal(err)
	}
	return m.Digest
}

func pct(v float64) *float64 { return &v }

// The whole life of a group over a real control plane: plan, canary and
// rollback each reach the edge through the watch in well under a second;
// the cache then lets a new edge start while the control plane is down.
func TestRealControlPlane(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cp := cptest.Start(t, t.TempDir(), controlplane.StructuralValidator{}, nil)
	champion, challenger := upload(t, cp, "1"), upload(t, cp, "2")
	r0, err := cp.Admin.SetPlan(ctx, "eu", controlplane.PlanRequest{Arms: []controlplane.ArmRequest{{Name: controlplane.ArmChampion, Bundle: champion, Percent: pct(100)}}})
	if err != nil {
		t.Fatal(err)
	}

	cache := t.TempDir()
	rec := &recorder{}
	s, err := New(Config{BaseURL: cp.URL, Group: "eu", Token: cp.EdgeToken, Keys: []ed25519.PublicKey{cp.PublicKey()},
		CacheDir: cache, EdgeID: "edge-1", HeartbeatInterval: 50 * time.Millisecond}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go s.Run(ctx)
	waitSeq(t, rec, r0.Sequence, 5*time.Second)
	for deadline := time.Now().Add(10 * time.Second); !s.Status().Watching; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the watch did not connect")
		}
	}

	steps := []struct {
		name   string
		change func() (controlplane.Rollout, error)
		arms   int
	}{
		{"canary 20%", func() (controlplane.Rollout, error) {
			return cp.Admin.Canary(ctx, "eu", controlplane.CanaryRequest{Bundle: challenger, Percent: pct(20)})
		}, 2},
		{"ramp 50%", func() (controlplane.Rollout, error) {
			return cp.Admin.Ramp(ctx, "eu", controlplane.RampRequest{Percent: pct(50)})
		}, 2},
		{"rollback", func() (controlplane.Rollout, error) {
			return cp.Admin.Rollback(ctx, "eu", controlplane.RollbackRequest{})
		}, 1},
	}
	for _, st := range steps {
		r, err := st.change()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		took := waitSeq(t, rec, r.Sequence, time.Second)
		p := rec.last()
		if len(p.Manifest.Arms) != st.arms || len(p.Bundles) != st.arms {
			t.Fatalf("%s: plan has %d arms and %d bundles", st.name, len(p.Manifest.Arms), len(p.Bundles))
		}
		t.Logf("%s reached the edge in %v", st.name, took)
	}
	final := rec.last().Manifest.Sequence

	// The heartbeat shows up in the fleet view.
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := cp.Admin.Fleet(ctx, "eu")
		if err == nil && len(f.Edges) == 1 && f.Edges[0].Sequence == final {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fleet view: %+v %v", f, err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Control plane down: a fresh edge starts from the cache.
	cp.Stop()
	rec2 := &recorder{}
	s2, err := New(Config{BaseURL: cp.URL, Group: "eu", Token: cp.EdgeToken, Keys: []ed25519.PublicKey{cp.PublicKey()}, CacheDir: cache}, rec2)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	p := rec2.last()
	if p == nil || !p.FromCache || p.Manifest.Sequence != final || len(p.Bundles) != 1 || p.Bundles[champion] == nil {
		t.Fatalf("cached plan: %+v", p)
	}
	if st := s2.Status(); !st.FromCache || st.Sequence != final {
		t.Fatalf("status %+v", st)
	}
	// Bundles the plan no longer names were removed from the cache.
	if _, err := os.Stat(filepath.Join(cache, "bundles", challenger+".esb")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("rolled-back bundle still cached: %v", err)
	}
}

// fakeCP serves whatever manifest and bundles a test sets, with no watch
// (so the poll path is used).
type fakeCP struct {
	mu       sync.Mutex
	manifest []byte
	blobs    map[string][]byte
	polls    int
	notMod   int
}

func (f *fakeCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/v1/groups/eu/manifest":
		f.polls++
		etag := fmt.Sprintf(`"%x"`, digest(f.manifest)[:16])
		if r.Header.Get("If-None-Match") == etag {
			f.notMod++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(f.manifest)
	case len(r.URL.Path) > len("/v1/blobs/") && r.URL.Path[:len("/v1/blobs/")] == "/v1/blobs/":
		b, ok := f.blobs[r.URL.Path[len("/v1/blobs/"):]]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	default:
		http.Error(w, "no watch here", http.StatusServiceUnavailable)
	}
}

// set serves m from now on and returns how many polls came before it.
func (f *fakeCP) set(m *controlplane.Manifest) int {
	data, _ := json.Marshal(m)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.manifest = data
	return f.polls
}

// waitFor waits until cond, called under f.mu, holds.
func (f *fakeCP) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		ok := cond()
		f.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitOffered waits until the manifest set after poll n has been through
// the edge's gate: the syncer polls one request at a time, so once poll
// n+2 arrives it has finished with poll n+1, which fetched the manifest.
func (f *fakeCP) waitOffered(t *testing.T, n int) {
	t.Helper()
	f.waitFor(t, "the edge did not poll the manifest", func() bool { return f.polls >= n+2 })
}

func manifest(seq uint64, bundle string) *controlplane.Manifest {
	return &controlplane.Manifest{Group: "eu", Sequence: seq, IssuedAt: "2025-11-24T10:00:00Z", Salt: "s1",
		Arms: []controlplane.ManifestArm{{Name: "champion", Bundle: bundle, Weight: 10000, URL: "/v1/blobs/" + bundle}}}
}

func sign(m *controlplane.Manifest, priv ed25519.PrivateKey) *controlplane.Manifest {
	s := controlplane.NewSigner(priv)
	m.KeyID = s.KeyID()
	m.Signature = s.Sign(m.SigningBytes())
	return m
}

// Every kind of bad manifest is refused, counted, and leaves the plan in
// force; the poll path uses ETags.
func TestRefusesBadManifests(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	good, evil := []byte("bundle one"), []byte("bundle two")
	f := &fakeCP{blobs: map[string][]byte{digest(good): good, digest(evil): evil}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.set(sign(manifest(5, digest(good)), priv))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	s, err := New(Config{BaseURL: srv.URL, Group: "eu", Keys: []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)},
		PollInterval: 10 * time.Millisecond, HeartbeatInterval: -1}, rec)
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(ctx)
	waitSeq(t, rec, 5, 5*time.Second)
	// The polls after it carry its ETag and are answered 304.
	f.waitFor(t, "unchanged manifest was not answered 304 to a conditional poll", func() bool { return f.notMod > 0 })

	unsigned := manifest(6, digest(evil))
	unsigned.KeyID = controlplane.KeyID(priv.Public().(ed25519.PublicKey))
	tampered := sign(manifest(6, digest(good)), priv)
	tampered.Arms[0].Bundle = digest(evil)
	badBlob := sign(manifest(6, digest(evil)), priv)
	badBlob.Arms[0].URL = "/v1/blobs/" + digest(good) // serves other content
	wrongGroup := sign(manifest(6, digest(evil)), priv)
	wrongGroup.Group = "us"
	wrongGroup = sign(wrongGroup, priv)
	for _, tc := range []struct {
		name string
		m    *controlplane.Manifest
	}{
		{"unsigned", unsigned},
		{"signed by an unpinned key", sign(manifest(6, digest(evil)), other)},
		{"arm changed after signing", tampered},
		{"replayed older sequence", sign(manifest(4, digest(evil)), priv)},
		{"bundle does not match its digest", badBlob},
		{"another group", wrongGroup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Status().Rejected
			// Wait for this manifest to be offered, not just for a
			// rejection: the previous bad manifest is refused again at
			// every poll.
			f.waitOffered(t, f.set(tc.m))
			if s.Status().Rejected == before {
				t.Fatal("not refused")
			}
			if p := rec.last(); p.Manifest.Sequence != 5 || rec.count() != 1 {
				t.Fatalf("plan changed to %d (%d plans)", p.Manifest.Sequence, rec.count())
			}
		})
	}

	// A good newer manifest still goes through afterwards.
	f.set(sign(manifest(7, digest(evil)), priv))
	waitSeq(t, rec, 7, 5*time.Second)
}

// A plan the applier cannot load changes nothing and is retried.
func TestApplyFailureKeepsPlan(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	b := []byte("x")
	f := &fakeCP{blobs: map[string][]byte{digest(b): b}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.set(sign(manifest(1, digest(b)), priv))
	rec := &recorder{fail: errors.New("guest rejected the bundle")}
	s, _ := New(Config{BaseURL: srv.URL, Group: "eu", Keys: []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)},
		PollInterval: 10 * time.Millisecond, HeartbeatInterval: -1}, rec)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	for deadline := time.Now().Add(10 * time.Second); s.Status().Rejected < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v: the failing plan was not retried", s.Status())
		}
	}
	if s.Status().Sequence != 0 {
		t.Fatal("a failed apply advanced the sequence")
	}
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	waitSeq(t, rec, 1, 5*time.Second)
}
