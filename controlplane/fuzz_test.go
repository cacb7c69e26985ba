package controlplane_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/store"
)

// memEvents is a store that keeps only what Ingest is given: enough for New
// and for fuzzing the batch decoder without a database.
type memEvents struct {
	store.Store // nil: any other method panics
	last        *store.Batch
	bundles     []store.Bundle
}

func (m *memEvents) Tokens(context.Context) ([]store.Token, error)     { return nil, nil }
func (m *memEvents) Bundles(context.Context) ([]store.Bundle, error)   { return m.bundles, nil }
func (m *memEvents) Rollouts(context.Context) ([]store.Rollout, error) { return nil, nil }
func (m *memEvents) Ingest(_ context.Context, b *store.Batch) (store.IngestResult, error) {
	m.last = b
	return store.IngestResult{Inserted: len(b.Decisions) + len(b.Exposures) + len(b.Conversions)}, nil
}

// FuzzIngest feeds arbitrary bodies to the batch decoder, as a JSON array
// and as NDJSON: it must never panic, and every event it reports must be
// either stored or rejected with an index in range and kept in quarantine.
func FuzzIngest(f *testing.F) {
	digest := strings.Repeat("a", 64)
	for _, seed := range []string{
		`[{"event_id":"e1","type":"exposure","ts":"2025-01-01T00:00:00Z","decision_id":"d","shopper_id":"s"}]`,
		`[{"event_id":"e1","type":"decision","ts":"2025-01-01T00:00:00Z","decision_id":"d","shopper_id":"s","group":"g","bundle_id":"` + digest + `","variant":"A","action":"none","action_probability":1,"propensity":0.5,"clv":1}]`,
		`[{"event_id":"c","type":"conversion","ts":"2025-01-01T00:00:00Z","shopper_id":"s","order_id":"o","revenue":1,"margin":1,"discount_cost":0},5,"x",null,{}]`,
		`[{"type":"exposure","revenue":"x"},{"event_id":{"a":1}}]`,
		"{\"type\":\"exposure\"}\n{not json\n\n[1]",
		`[`, `]`, `[]`, `{}`, ``,
	} {
		f.Add([]byte(seed))
	}
	st := &memEvents{bundles: []store.Bundle{{Digest: digest}}}
	cfg := controlplane.DefaultConfig()
	svc, err := controlplane.New(context.Background(), st, controlplane.NewSigner(make([]byte, 64)), controlplane.StructuralValidator{}, cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, format := range []controlplane.BatchFormat{controlplane.FormatJSON, controlplane.FormatNDJSON} {
			st.last = nil
			rep, err := svc.Ingest(context.Background(), bytes.NewReader(body), format)
			if err != nil {
				continue
			}
			b := st.last
			stored := len(b.Decisions) + len(b.Exposures) + len(b.Conversions)
			if rep.Received != stored+len(rep.Rejected) || len(b.Quarantine) != len(rep.Rejected) || rep.Accepted != stored {
				t.Fatalf("format %d: report %+v does not add up (stored %d, quarantined %d)", format, rep, stored, len(b.Quarantine))
			}
			for _, r := range rep.Rejected {
				if r.Index < 0 || r.Index >= rep.Received || r.Error == "" {
					t.Fatalf("bad rejection %+v", r)
				}
			}
		}
	})
}
