package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// Run runs the suite. open must return a new, empty store for each call.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"bundles", testBundles},
		{"aliases", testAliases},
		{"rollouts", testRollouts},
		{"fleet", testFleet},
		{"tokens", testTokens},
		{"ingest", testIngest},
		{"attribution", testAttribution},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			c.fn(t, s)
		})
	}
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func digest(i int) string { return fmt.Sprintf("%064x", i) }

func testBundles(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := store.Bundle{Digest: digest(1), SourceDigest: digest(2), Size: 3, Name: "m", Version: "1",
		Author: "ann", Info: []byte(`{"validator":"x"}`), KeyID: "k", Signature: "sig", CreatedAt: t0}
	created, err := s.PutBundle(ctx, b, []byte("src"), []byte("bin"))
	if err != nil || !created {
		t.Fatalf("PutBundle = %v, %v; want created", created, err)
	}
	if created, err := s.PutBundle(ctx, b, []byte("src"), []byte("bin")); err != nil || created {
		t.Fatalf("PutBundle again = %v, %v; want not created, no error", created, err)
	}
	other := b
	other.Digest = digest(9)
	if _, err := s.PutBundle(ctx, other, []byte("x"), []byte("y")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("same name@version, other digest: err = %v, want ErrConflict", err)
	}
	got, err := s.Bundle(ctx, b.Digest)
	if err != nil || got.Name != "m" || got.Author != "ann" || !got.CreatedAt.Equal(t0) || string(got.Info) != `{"validator":"x"}` {
		t.Fatalf("Bundle = %+v, %v", got, err)
	}
	if got, err := s.BundleByVersion(ctx, "m", "1"); err != nil || got.Digest != b.Digest {
		t.Fatalf("BundleByVersion = %+v, %v", got, err)
	}
	if bin, err := s.BundleBinary(ctx, b.Digest); err != nil || string(bin) != "bin" {
		t.Fatalf("BundleBinary = %q, %v", bin, err)
	}
	if src, err := s.BundleSource(ctx, b.Digest); err != nil || string(src) != "src" {
		t.Fatalf("BundleSource = %q, %v", src, err)
	}
	if _, err := s.Bundle(ctx, digest(7)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing bundle: err = %v, want ErrNotFound", err)
	}
	if _, err := s.BundleBinary(ctx, digest(7)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing binary: err = %v, want ErrNotFound", err)
	}
	b2 := b
	b2.Digest, b2.Version, b2.CreatedAt = digest(3), "2", t0.Add(time.Hour)
	if _, err := s.PutBundle(ctx, b2, nil, []byte("b2")); err != nil {
		t.Fatal(err)
	}
	list, err := s.Bundles(ctx)
	if err != nil || len(list) != 2 || list[0].Digest != b2.Digest {
		t.Fatalf("Bundles = %+v, %v; want newest first", list, err)
	}
}

func testAliases(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.SetAlias(ctx, store.Alias{Name: "champion", Digest: digest(1), UpdatedAt: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("alias to a missing bundle: err = %v, want ErrNotFound", err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := s.PutBundle(ctx, store.Bundle{Digest: digest(i), Name: "m", Version: fmt.Sprint(i), CreatedAt: t0}, nil, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetAlias(ctx, store.Alias{Name: "champion", Digest: digest(1), UpdatedAt: t0, UpdatedBy: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAlias(ctx, store.Alias{Name: "champion", Digest: digest(2), UpdatedAt: t0, UpdatedBy: "b"}); err != nil {
		t.Fatal(err)
	}
	a, err := s.Alias(ctx, "champion")
	if err != nil || a.Digest != digest(2) || a.UpdatedBy != "b" {
		t.Fatalf("Alias = %+v, %v", a, err)
	}
	if _, err := s.Alias(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing alias: err = %v", err)
	}
	if as, err := s.Aliases(ctx); err != nil || len(as) != 1 {
		t.Fatalf("Aliases = %+v, %v", as, err)
	}
}

func testRollouts(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.Rollout(ctx, "g"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing rollout: err = %v", err)
	}
	r1 := store.Rollout{Group: "g", Sequence: 1, State: []byte(`{"s":1}`), Manifest: []byte(`{"m":1}`), UpdatedAt: t0}
	a := store.AuditEntry{At: t0, Actor: "ann", Group: "g", Action: "promote", Sequence: 1, To: []byte(`{"s":1}`)}
	if err := s.CommitRollout(ctx, 0, r1, a); err != nil {
		t.Fatal(err)
	}
	// A second "create" and a stale update must both fail and change nothing.
	if err := s.CommitRollout(ctx, 0, r1, a); !errors.Is(err, store.ErrStaleSequence) {
		t.Fatalf("create twice: err = %v, want ErrStaleSequence", err)
	}
	r2 := r1
	r2.Sequence, r2.State = 2, []byte(`{"s":2}`)
	if err := s.CommitRollout(ctx, 5, store.Rollout{Group: "g", Sequence: 6, State: []byte("x"), Manifest: []byte("x")}, a); !errors.Is(err, store.ErrStaleSequence) {
		t.Fatalf("stale prev: err = %v, want ErrStaleSequence", err)
	}
	if err := s.CommitRollout(ctx, 1, store.Rollout{Group: "g", Sequence: 1, State: []byte("x"), Manifest: []byte("x")}, a); !errors.Is(err, store.ErrStaleSequence) {
		t.Fatalf("non-increasing sequence: err = %v, want ErrStaleSequence", err)
	}
	a2 := a
	a2.Action, a2.Sequence, a2.From = "canary", 2, []byte(`{"s":1}`)
	if err := s.CommitRollout(ctx, 1, r2, a2); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rollout(ctx, "g")
	if err != nil || got.Sequence != 2 || string(got.State) != `{"s":2}` {
		t.Fatalf("Rollout = %+v, %v", got, err)
	}
	if err := s.AppendAudit(ctx, store.AuditEntry{At: t0, Actor: "ann", Action: "alias.set", To: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Audit(ctx, store.AuditFilter{})
	if err != nil || len(all) != 3 || all[0].Action != "alias.set" || all[2].Action != "promote" {
		t.Fatalf("Audit = %+v, %v; want 3 entries, newest first", all, err)
	}
	g, err := s.Audit(ctx, store.AuditFilter{Group: "g", Limit: 1})
	if err != nil || len(g) != 1 || g[0].Action != "canary" || string(g[0].From) != `{"s":1}` {
		t.Fatalf("Audit(g, 1) = %+v, %v", g, err)
	}
	if rs, err := s.Rollouts(ctx); err != nil || len(rs) != 1 {
		t.Fatalf("Rollouts = %+v, %v", rs, err)
	}
}

func testFleet(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i, e := range []store.Edge{
		{ID: "e1", Group: "g", Sequence: 1, Bundles: []string{digest(1)}, Version: "v1", LastSeen: t0},
		{ID: "e2", Group: "h", Sequence: 1, Bundles: []string{}, LastSeen: t0},
		{ID: "e1", Group: "g", Sequence: 2, Bundles: []string{digest(2)}, Version: "v2", LastSeen: t0.Add(time.Minute)},
	} {
		if err := s.PutHeartbeat(ctx, e); err != nil {
			t.Fatalf("heartbeat %d: %v", i, err)
		}
	}
	es, err := s.Edges(ctx, "g")
	if err != nil || len(es) != 1 || es[0].Sequence != 2 || es[0].Version != "v2" || es[0].Bundles[0] != digest(2) {
		t.Fatalf("Edges(g) = %+v, %v", es, err)
	}
	if es, err := s.Edges(ctx, ""); err != nil || len(es) != 2 {
		t.Fatalf("Edges() = %+v, %v", es, err)
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := store.Token{ID: "t1", Name: "ci", Hash: make([]byte, 32), Scopes: []string{"edge", "read"}, CreatedAt: t0}
	if err := s.PutToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken(ctx, tok); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate token: err = %v, want ErrConflict", err)
	}
	if err := s.RevokeToken(ctx, "t1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "nope", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke missing: err = %v, want ErrNotFound", err)
	}
	ts, err := s.Tokens(ctx)
	if err != nil || len(ts) != 1 || !slices.Equal(ts[0].Scopes, []string{"edge", "read"}) || !ts[0].RevokedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Tokens = %+v, %v", ts, err)
	}
}

func ms(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

func testIngest(t *testing.T, s store.Store) {
	ctx := context.Background()
	b := &store.Batch{ReceivedAt: t0,
		Decisions: []store.Decision{
			{EventID: "d1", TS: ms(0), DecisionID: "D1", ShopperID: "s1", Group: "g", Bundle: digest(1), Variant: "A", Action: "none", ActionProbability: 1, Propensity: 0.2, Segments: []string{"new"}},
			{EventID: "d2", TS: ms(0), DecisionID: "D2", ShopperID: "s2", Group: "g", Bundle: digest(1), Variant: "A", Action: "10off", ActionProbability: 1, Propensity: 0.4},
		},
		Exposures: []store.Exposure{
			{EventID: "x1", TS: ms(time.Second), DecisionID: "D1", ShopperID: "s1"},
			{EventID: "x2", TS: ms(time.Second), DecisionID: "D1", ShopperID: "s1"}, // same decision: deduplicated
		},
		Conversions: []store.Conversion{{EventID: "c1", TS: ms(time.Minute), ShopperID: "s1", OrderID: "o1", Revenue: 50, Margin: 20}},
		Quarantine:  []store.Quarantined{{Index: 7, Reason: "bad", Raw: []byte("{}")}},
	}
	res, err := s.Ingest(ctx, b)
	if err != nil || res.Inserted != 4 || res.Duplicates != 1 {
		t.Fatalf("Ingest = %+v, %v; want 4 inserted, 1 duplicate", res, err)
	}
	// The same batch again (a retry) inserts nothing but quarantine again.
	res, err = s.Ingest(ctx, b)
	if err != nil || res.Inserted != 0 || res.Duplicates != 5 {
		t.Fatalf("retry: Ingest = %+v, %v; want 0 inserted, 5 duplicates", res, err)
	}
	var got []string
	if err := s.ScanExposedDecisions(ctx, store.DecisionFilter{}, func(d *store.ExposedDecision) error {
		got = append(got, d.DecisionID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"D1"}) {
		t.Fatalf("exposed decisions = %v, want [D1]", got)
	}
	q, err := s.Quarantine(ctx, 10)
	if err != nil || len(q) != 2 || q[0].Index != 7 || q[0].Reason != "bad" {
		t.Fatalf("Quarantine = %+v, %v", q, err)
	}
}

func testAttribution(t *testing.T, s store.Store) {
	ctx := context.Background()
	dec := func(id, shopper string, at time.Duration, group, bundle string) store.Decision {
		return store.Decision{EventID: "e" + id, TS: ms(at), DecisionID: id, ShopperID: shopper, Group: group,
			Bundle: bundle, Variant: "A", Action: "none", ActionProbability: 1, Propensity: 0.5}
	}
	b := &store.Batch{ReceivedAt: t0,
		Decisions: []store.Decision{
			dec("a1", "s1", 0, "g", digest(1)),
			dec("a2", "s1", time.Hour, "g", digest(2)), // latest before the order: wins
			dec("a3", "s1", 3*time.Hour, "g", digest(1)),
			dec("b1", "s2", 0, "h", digest(1)),
		},
		Conversions: []store.Conversion{
			{EventID: "c1", TS: ms(2 * time.Hour), ShopperID: "s1", OrderID: "o1", Revenue: 10},
			{EventID: "c2", TS: ms(30 * time.Hour), ShopperID: "s2", OrderID: "o2", Revenue: 20}, // outside 24h
			{EventID: "c3", TS: ms(time.Hour), ShopperID: "s3", OrderID: "o3", Revenue: 30},      // no decision
		},
	}
	if _, err := s.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	if err := s.ScanConversions(ctx, 0, 24*time.Hour, func(c *store.AttributedConversion) error {
		got[c.OrderID] = c.DecisionID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"o1": "a2", "o2": "", "o3": ""}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("attribution = %v, want %v", got, want)
	}
	got = map[string]string{}
	if err := s.ScanConversions(ctx, 0, 48*time.Hour, func(c *store.AttributedConversion) error {
		got[c.OrderID] = c.DecisionID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got["o2"] != "b1" {
		t.Fatalf("48h window: o2 -> %q, want b1", got["o2"])
	}
	// Filters on exposed decisions.
	b2 := &store.Batch{ReceivedAt: t0, Exposures: []store.Exposure{
		{EventID: "x1", TS: ms(0), DecisionID: "a1", ShopperID: "s1"},
		{EventID: "x2", TS: ms(0), DecisionID: "a2", ShopperID: "s1"},
		{EventID: "x3", TS: ms(0), DecisionID: "b1", ShopperID: "s2"},
	}}
	if _, err := s.Ingest(ctx, b2); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    store.DecisionFilter
		want []string
	}{
		{store.DecisionFilter{}, []string{"a1", "a2", "b1"}},
		{store.DecisionFilter{Group: "h"}, []string{"b1"}},
		{store.DecisionFilter{Bundles: []string{digest(2)}}, []string{"a2"}},
		{store.DecisionFilter{Since: ms(time.Minute)}, []string{"a2"}},
		{store.DecisionFilter{Until: ms(time.Minute)}, []string{"a1", "b1"}},
	} {
		var ids []string
		if err := s.ScanExposedDecisions(ctx, c.f, func(d *store.ExposedDecision) error {
			ids = append(ids, d.DecisionID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(ids)
		if !slices.Equal(ids, c.want) {
			t.Errorf("filter %+v: %v, want %v", c.f, ids, c.want)
		}
	}
}
