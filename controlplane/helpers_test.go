package controlplane_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	svc   *controlplane.Service
	clock *clock
	pub   ed25519.PublicKey
}

// newFixture is a Service on a real SQLite file in a temporary directory,
// with a fixed clock and a deterministic signing key.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "cp.db"), sqlitestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	c := &clock{t: t0}
	cfg := controlplane.DefaultConfig()
	cfg.Now = c.Now
	svc, err := controlplane.New(ctx, st, controlplane.NewSigner(priv), controlplane.StructuralValidator{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, clock: c, pub: priv.Public().(ed25519.PublicKey)}
}

// upload stores a small stand-in bundle and returns its digest.
func (f *fixture) upload(t testing.TB, name, version string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"propensity": map[string]any{"name": name, "version": version}})
	m, _, err := f.svc.Upload(context.Background(), "tester", controlplane.UploadRequest{Name: name, Version: version, Bundle: b})
	if err != nil {
		t.Fatalf("upload %s@%s: %v", name, version, err)
	}
	return m.Digest
}

func pct(p float64) *float64 { return &p }

func weights(r controlplane.Rollout) string {
	s := ""
	for _, a := range r.Arms {
		s += fmt.Sprintf("%s=%d ", a.Name, a.Weight)
	}
	return s
}
