package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
)

// TestLifecycleAcrossRestart drives the real HTTP API through upload →
// canary → ramp → (restart) → rollback, the way an operator and an edge
// would, and checks that every piece of state survives the restart.
func TestLifecycleAcrossRestart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	admin := e.client(e.admin)

	base := e.upload("model", "1")
	next := e.upload("model", "2")
	if m, created, err := admin.Upload(ctx, controlplane.UploadRequest{Name: "model", Version: "1",
		Bundle: []byte(`{"propensity":{"id":"model@1"}}`)}); err != nil || created || m.Digest != base.Digest {
		t.Fatalf("re-upload of identical content = %v, %v, %v; want the stored bundle, not created", m.Digest, created, err)
	}
	if _, err := admin.SetAlias(ctx, "challenger", "model@2"); err != nil {
		t.Fatal(err)
	}

	// An edge watches the group before anything is rolled out.
	edge := e.client(e.edge)
	watchCtx, stopWatch := context.WithCancel(ctx)
	var mu sync.Mutex
	var seen []uint64
	watchDone := make(chan error, 1)
	go func() {
		watchDone <- edge.Watch(watchCtx, "eu", func(m *controlplane.Manifest) error {
			mu.Lock()
			seen = append(seen, m.Sequence)
			mu.Unlock()
			return nil
		})
	}()
	waitFor := func(seq uint64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			n := len(seen)
			last := uint64(0)
			if n > 0 {
				last = seen[n-1]
			}
			mu.Unlock()
			if last >= seq {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("watcher did not see sequence %d (saw %v)", seq, seen)
	}

	r, err := admin.Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "model@1"})
	if err != nil || r.Sequence != 1 {
		t.Fatalf("promote = %+v, %v", r, err)
	}
	waitFor(1)
	r, err = admin.Canary(ctx, "eu", controlplane.CanaryRequest{Bundle: "challenger", Percent: ptr(5.0)})
	if err != nil || weightsOf(r) != "challenger=500 champion=9500" {
		t.Fatalf("canary = %+v, %v", r, err)
	}
	waitFor(2)
	seq := r.Sequence
	r, err = admin.Ramp(ctx, "eu", controlplane.RampRequest{Percent: ptr(25.0), IfSequence: &seq})
	if err != nil || weightsOf(r) != "challenger=2500 champion=7500" || r.Sequence != 3 {
		t.Fatalf("ramp = %+v, %v", r, err)
	}
	waitFor(3)

	// The manifest: signed, ETag, 304 on revalidation.
	m, etag, _, err := edge.Manifest(ctx, "eu", "")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := edge.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(keys[0].Key)
	pinned := []ed25519.PublicKey{ed25519.PublicKey(raw)}
	if err := controlplane.VerifyManifest(m, pinned, 2); err != nil {
		t.Fatal(err)
	}
	if _, _, notModified, err := edge.Manifest(ctx, "eu", etag); err != nil || !notModified {
		t.Fatalf("revalidation: notModified=%v, %v; want 304", notModified, err)
	}
	// Bundles download from immutable URLs; the edge checks digest and signature.
	status, hdr, body := e.call("GET", m.Arms[0].URL, e.edge, "", "")
	if status != 200 || hdr.Get("Cache-Control") != "public, max-age=31536000, immutable" || hdr.Get("ETag") != `"`+next.Digest+`"` {
		t.Fatalf("blob: %d %v", status, hdr)
	}
	if err := controlplane.VerifyBundleSignature(pinned[0], next.Digest, hdr.Get("X-Edgescore-Signature")); err != nil {
		t.Fatal(err)
	}
	if _, err := edge.Blob(ctx, next.Digest); err != nil || body == "" {
		t.Fatalf("blob download: %v", err)
	}
	if status, _, _ := e.call("GET", m.Arms[0].URL, e.edge, "", "", "If-None-Match", `"`+next.Digest+`"`); status != 304 {
		t.Fatalf("blob revalidation: %d, want 304", status)
	}
	if _, err := edge.Heartbeat(ctx, controlplane.Heartbeat{EdgeID: "edge-1", Group: "eu", Sequence: 3,
		Bundles: []string{next.Digest, base.Digest}, Version: "0.1.0"}); err != nil {
		t.Fatal(err)
	}

	// Restart the service on the same data directory.
	stopWatch()
	<-watchDone
	before := e.snapshot()
	e.restart()
	if after := e.snapshot(); after != before {
		t.Fatalf("state changed across restart:\nbefore %s\nafter  %s", before, after)
	}
	admin, edge = e.client(e.admin), e.client(e.edge) // the server has a new address; tokens survive
	r, err = admin.Rollout(ctx, "eu")
	if err != nil || r.Sequence != 3 || weightsOf(r) != "challenger=2500 champion=7500" {
		t.Fatalf("after restart: rollout = %+v, %v", r, err)
	}
	if _, _, notModified, err := edge.Manifest(ctx, "eu", etag); err != nil || !notModified {
		t.Fatalf("after restart: the same manifest must revalidate with the same ETag (%v, %v)", notModified, err)
	}

	// Instant rollback.
	r, err = admin.Rollback(ctx, "eu", controlplane.RollbackRequest{})
	if err != nil || weightsOf(r) != "champion=10000" || r.Arms[0].Bundle != base.Digest || r.Sequence != 4 {
		t.Fatalf("rollback = %+v, %v", r, err)
	}
	m2, etag2, _, err := edge.Manifest(ctx, "eu", etag)
	if err != nil || m2 == nil || etag2 == etag {
		t.Fatalf("after rollback the old ETag must not match (%v)", err)
	}
	if err := controlplane.VerifyManifest(m2, pinned, m.Sequence); err != nil {
		t.Fatal(err)
	}
	// A replay of the older manifest is what an edge must refuse.
	if err := controlplane.VerifyManifest(m, pinned, m2.Sequence); !errors.Is(err, controlplane.ErrReplayed) {
		t.Fatalf("replayed manifest: %v", err)
	}
	// Kill switch, then the fleet view sees the edge behind.
	if r, err = admin.Kill(ctx, "eu", true); err != nil || !r.KillSwitch {
		t.Fatalf("kill = %+v, %v", r, err)
	}
	f, err := e.client(e.read).Fleet(ctx, "eu")
	if err != nil || len(f.Edges) != 1 || f.Edges[0].Status != controlplane.EdgeBehind || f.Edges[0].Behind != 2 {
		t.Fatalf("fleet = %+v, %v", f, err)
	}
	audit, err := admin.Audit(ctx, "eu", 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); got != "kill,rollback,ramp,canary,promote" {
		t.Fatalf("audit = %s", got)
	}
	if audit[1].Actor != "admin" || audit[1].From == nil || audit[1].To == nil {
		t.Fatalf("audit entry lacks who/from/to: %+v", audit[1])
	}
}

// TestKeyRotationResigns rotates the key with the service stopped; the next
// start re-signs every manifest under a new sequence with the new key.
func TestKeyRotationResigns(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.upload("m", "1")
	if _, err := e.client(e.admin).Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "m@1"}); err != nil {
		t.Fatal(err)
	}
	e.stop()
	oldID, newID, err := controlplane.RotateSigningKey(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.start()
	m, _, _, err := e.client(e.edge).Manifest(ctx, "eu", "")
	if err != nil || m.KeyID != newID || m.Sequence != 2 {
		t.Fatalf("manifest after rotation = %+v, %v; want key %s (was %s), sequence 2", m, err, newID, oldID)
	}
	keys, _ := e.client(e.edge).Keys(ctx)
	if len(keys) != 2 || keys[1].KeyID != oldID {
		t.Fatalf("keys = %+v", keys)
	}
	audit, _ := e.svc.Audit(ctx, "eu", 1)
	if audit[0].Action != "resign" || audit[0].Actor != "system" {
		t.Fatalf("audit = %+v", audit[0])
	}
}

func TestFleetStaleness(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	var mu sync.Mutex
	e := newEnv(t, func(c *controlplane.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	e.upload("m", "1")
	e.client(e.admin).Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "m@1"})
	edge := e.client(e.edge)
	if rep, err := edge.Heartbeat(ctx, controlplane.Heartbeat{EdgeID: "a", Group: "eu", Sequence: 1}); err != nil || !rep.UpToDate {
		t.Fatalf("heartbeat = %+v, %v", rep, err)
	}
	if _, err := edge.Heartbeat(ctx, controlplane.Heartbeat{EdgeID: "b", Group: "eu", Sequence: 9}); client.StatusOf(err) != http.StatusConflict {
		t.Fatalf("heartbeat with a never-issued sequence: %v, want 409", err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	f, err := e.client(e.read).Fleet(ctx, "")
	if err != nil || len(f.Groups) != 1 || f.Groups[0].Stale != 1 || f.Edges[0].AgeSeconds < 119 {
		t.Fatalf("fleet = %+v, %v", f, err)
	}
}

func ptr[T any](v T) *T { return &v }

func weightsOf(r controlplane.Rollout) string {
	var s []string
	for _, a := range r.Arms {
		s = append(s, a.Name+"="+strconv.Itoa(a.Weight))
	}
	return strings.Join(s, " ")
}
