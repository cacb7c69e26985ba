package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
)

func TestEventsPartialSuccess(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	b := e.upload("m", "1").Digest
	edge := e.client(e.edge)
	unknown := strings.Repeat("f", 64)

	good := []string{
		decisionJSON("e1", "d1", "s1", b),
		exposureJSON("e2", "d1", "s1"),
		conversionJSON("e3", "s1", "o1", 40),
	}
	bad := []struct{ event, reason string }{
		{`{"event_id":"b1","type":"decision"}`, "events[3].decision_id: required"},
		{strings.Replace(decisionJSON("b2", "d2", "s2", b), `"propensity":0.25`, `"propensity":"high"`, 1), "events[4].propensity: want number, got string"},
		{strings.Replace(decisionJSON("b3", "d3", "s3", b), `"clv":12.5`, `"clv":12.5,"colour":"red"`, 1), `events[5]: unknown field "colour"`},
		{decisionJSON("b4", "d4", "s4", unknown), "events[6].bundle_id: bundle " + unknown + " is not in the registry"},
		{strings.Replace(decisionJSON("b5", "d5", "s5", b), `"action_probability":1`, `"action_probability":0`, 1), "events[7].action_probability: 0 is outside (0, 1]"},
		{`{"event_id":"b6","type":"click"}`, `events[8].type: "click" is not one of`},
		{`42`, "events[9]: want object, got number"},
		{strings.Replace(conversionJSON("b7", "s1", "o9", 10), `"margin":5,`, ``, 1), "events[10].margin: required"},
		{`{"event_id":"b8","type":"exposure","ts":"yesterday","decision_id":"d1","shopper_id":"s1"}`, `events[11].ts: "yesterday" is not an RFC 3339 time`},
	}
	var all []string
	all = append(all, good...)
	for _, x := range bad {
		all = append(all, x.event)
	}
	body := "[" + strings.Join(all, ",") + "]"
	rep, status, err := edge.Ingest(ctx, []byte(body), false)
	if err != nil || status != 207 {
		t.Fatalf("ingest: %d, %v; want 207", status, err)
	}
	if rep.Received != 12 || rep.Accepted != 3 || rep.Duplicates != 0 || len(rep.Rejected) != len(bad) {
		t.Fatalf("report = %+v", rep)
	}
	for i, x := range bad {
		r := rep.Rejected[i]
		if r.Index != 3+i || !strings.Contains(r.Error, x.reason) {
			t.Errorf("rejection %d = %+v, want index %d and %q", i, r, 3+i, x.reason)
		}
	}
	q, err := e.client(e.read).Quarantine(ctx, 100)
	if err != nil || len(q) != len(bad) {
		t.Fatalf("quarantine = %d events, %v", len(q), err)
	}
	// Retrying the batch never double counts the good events.
	rep, status, _ = edge.Ingest(ctx, []byte(body), false)
	if status != 207 || rep.Accepted != 0 || rep.Duplicates != 3 {
		t.Fatalf("retry: %d %+v", status, rep)
	}
	m, _ := e.svc.Metrics(ctx, controlplane.MetricsQuery{})
	if len(m.Variants) != 1 || m.Variants[0].Exposures != 1 || m.Variants[0].Orders != 1 || m.Variants[0].Revenue != 40 {
		t.Fatalf("metrics after retry = %+v", m.Variants)
	}

	// NDJSON: a line that is not JSON is one rejected event, not a failed batch.
	nd := decisionJSON("n1", "dn1", "s7", b) + "\n\n{not json\n" + exposureJSON("n2", "dn1", "s7") + "\n"
	rep, status, err = edge.Ingest(ctx, []byte(nd), true)
	if err != nil || status != 207 || rep.Received != 3 || rep.Accepted != 2 || rep.Rejected[0].Index != 1 {
		t.Fatalf("ndjson: %d %+v %v", status, rep, err)
	}
	// Everything rejected: 422 with the report.
	rep, status, err = edge.Ingest(ctx, []byte(`[{"type":"decision"}]`), false)
	if err != nil || status != 422 || len(rep.Rejected) != 1 {
		t.Fatalf("all rejected: %d %+v %v", status, rep, err)
	}
	// Everything accepted: 200.
	if _, status, _ = edge.Ingest(ctx, []byte("["+conversionJSON("ok1", "s9", "o99", 5)+"]"), false); status != 200 {
		t.Fatalf("all accepted: %d", status)
	}
}

// TestIngestHammer sends overlapping batches from many goroutines at once:
// every event must be stored exactly once.
func TestIngestHammer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	b := e.upload("m", "1").Digest
	const workers, batches, perBatch = 8, 6, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := e.client(e.edge)
			for i := 0; i < batches; i++ {
				// Worker w overlaps worker w−1 on half its batches.
				base := ((w/2)*batches + i) * perBatch
				var evs []string
				for j := 0; j < perBatch; j++ {
					n := base + j
					evs = append(evs, decisionJSON(fmt.Sprintf("h%d", n), fmt.Sprintf("hd%d", n), fmt.Sprintf("hs%d", n%97), b))
				}
				rep, status, err := c.Ingest(ctx, []byte("["+strings.Join(evs, ",")+"]"), false)
				if err != nil || status != 200 || rep.Accepted+rep.Duplicates != perBatch {
					errs <- fmt.Errorf("worker %d batch %d: %d %+v %v", w, i, status, rep, err)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Distinct events: workers pair up, so (workers/2)·batches·perBatch.
	exposures := []string{}
	for n := 0; n < workers/2*batches*perBatch; n++ {
		exposures = append(exposures, exposureJSON(fmt.Sprintf("hx%d", n), fmt.Sprintf("hd%d", n), "s"))
	}
	for i := 0; i < len(exposures); i += 500 {
		end := min(i+500, len(exposures))
		if _, status, err := e.client(e.edge).Ingest(ctx, []byte("["+strings.Join(exposures[i:end], ",")+"]"), false); status != 200 || err != nil {
			t.Fatalf("exposures: %d %v", status, err)
		}
	}
	m, err := e.svc.Metrics(ctx, controlplane.MetricsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Variants) != 1 || m.Variants[0].Exposures != int64(workers/2*batches*perBatch) {
		t.Fatalf("exposed decisions = %+v, want %d", m.Variants, workers/2*batches*perBatch)
	}
}
