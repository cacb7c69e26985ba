package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
)

// fanout is n SSE watchers of one group, each on its own TCP connection.
type fanout struct {
	n       int
	target  atomic.Uint64
	reached atomic.Int64
	done    atomic.Pointer[chan struct{}]
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func startFanout(tb testing.TB, e *env, group string, n int) *fanout {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &fanout{n: n, cancel: cancel}
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0}
	hc := &http.Client{Transport: tr}
	connected := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v1/groups/"+group+"/watch", nil)
			req.Header.Set("Authorization", "Bearer "+e.edge)
			resp, err := hc.Do(req)
			if err != nil {
				connected <- struct{}{}
				return
			}
			defer resp.Body.Close()
			r := bufio.NewReader(resp.Body)
			first := true
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if !strings.HasPrefix(line, "id: ") {
					continue
				}
				seq, _ := strconv.ParseUint(strings.TrimSpace(line[4:]), 10, 64)
				if first {
					first = false
					connected <- struct{}{}
				}
				if seq == f.target.Load() && f.reached.Add(1) == int64(f.n) {
					close(*f.done.Load())
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case <-connected:
		case <-time.After(30 * time.Second):
			tb.Fatalf("only %d of %d watchers connected", i, n)
		}
	}
	if got := e.svc.Watchers(); got != n {
		tb.Fatalf("%d watchers registered, want %d", got, n)
	}
	return f
}

// round changes the rollout and returns how long until every watcher had
// the new manifest.
func (f *fanout) round(tb testing.TB, change func() uint64, nextSeq uint64) time.Duration {
	done := make(chan struct{})
	f.done.Store(&done)
	f.reached.Store(0)
	f.target.Store(nextSeq)
	start := time.Now()
	if got := change(); got != nextSeq {
		tb.Fatalf("change produced sequence %d, want %d", got, nextSeq)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		tb.Fatalf("only %d of %d watchers got sequence %d", f.reached.Load(), f.n, nextSeq)
	}
	return time.Since(start)
}

func (f *fanout) stop() { f.cancel(); f.wg.Wait() }

func fanoutEnv(tb testing.TB) *env {
	e := newEnv(tb)
	e.upload("m", "1")
	e.upload("m", "2")
	ctx := context.Background()
	admin := e.client(e.admin)
	if _, err := admin.Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "m@1"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Canary(ctx, "eu", controlplane.CanaryRequest{Bundle: "m@2", Percent: ptr(1.0)}); err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestSSEFanout1000: a rollout change reaches 1,000 connected watchers in at
// most one second.
func TestSSEFanout1000(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	e := fanoutEnv(t)
	f := startFanout(t, e, "eu", 1000)
	defer f.stop()
	ctx := context.Background()
	seq := uint64(2)
	for i, p := range []float64{5, 10} {
		seq++
		d := f.round(t, func() uint64 {
			r, err := e.svc.Ramp(ctx, "ops", "eu", controlplane.RampRequest{Percent: &p})
			if err != nil {
				t.Fatal(err)
			}
			return r.Sequence
		}, seq)
		t.Logf("round %d: 1000 watchers had sequence %d after %v", i, seq, d)
		if d > time.Second {
			t.Errorf("fan-out took %v, want ≤ 1s", d)
		}
	}
}

// BenchmarkSSEFanout1000 times one rollout change until all 1,000 watchers
// have the new manifest.
func BenchmarkSSEFanout1000(b *testing.B) {
	e := fanoutEnv(b)
	f := startFanout(b, e, "eu", 1000)
	defer f.stop()
	ctx := context.Background()
	seq := uint64(2)
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		seq++
		p := float64(2 + i%90)
		d := f.round(b, func() uint64 {
			r, err := e.svc.Ramp(ctx, "ops", "eu", controlplane.RampRequest{Percent: &p})
			if err != nil {
				b.Fatal(err)
			}
			return r.Sequence
		}, seq)
		worst = max(worst, d)
	}
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
}

// BenchmarkManifest304 is the path every edge polls: GET manifest with a
// matching If-None-Match over real loopback HTTP with keep-alive, from
// parallel clients.
func BenchmarkManifest304(b *testing.B) {
	e := fanoutEnv(b)
	p, err := e.svc.Manifest("eu")
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	url := e.srv.URL + "/v1/groups/eu/manifest"
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+e.edge)
		req.Header.Set("If-None-Match", p.ETag)
		for pb.Next() {
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				b.Errorf("status %d, want 304", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkIngest posts batches of 500 events (300 decisions, 100
// exposures, 100 conversions, every id new) over loopback HTTP into SQLite.
func BenchmarkIngest(b *testing.B) {
	e := newEnv(b)
	bundle := e.upload("m", "1").Digest
	c := e.client(e.edge)
	ctx := context.Background()
	now := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	n := 0
	var buf bytes.Buffer
	batch := func() []byte {
		buf.Reset()
		buf.WriteByte('[')
		for j := 0; j < 500; j++ {
			if j > 0 {
				buf.WriteByte(',')
			}
			n++
			switch j % 5 {
			case 0, 1, 2:
				fmt.Fprintf(&buf, `{"event_id":"d%d","type":"decision","ts":"%s","decision_id":"D%d","shopper_id":"s%d","group":"eu","bundle_id":"%s","variant":"A","action":"10off","action_probability":0.9,"propensity":0.31,"clv":42.5,"segments":["new","mobile"],"tier":"gold"}`,
					n, now, n, n%10000, bundle)
			case 3:
				fmt.Fprintf(&buf, `{"event_id":"x%d","type":"exposure","ts":"%s","decision_id":"D%d","shopper_id":"s%d"}`, n, now, n-3, (n-3)%10000)
			case 4:
				fmt.Fprintf(&buf, `{"event_id":"c%d","type":"conversion","ts":"%s","shopper_id":"s%d","order_id":"o%d","revenue":59.9,"margin":21.5,"discount_cost":5}`, n, now, n%10000, n)
			}
		}
		buf.WriteByte(']')
		return buf.Bytes()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, status, err := c.Ingest(ctx, batch(), false)
		if err != nil || status != 200 || rep.Accepted != 500 {
			b.Fatalf("%d %+v %v", status, rep, err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkManifest304Handler is the same 304 path without sockets: the
// handler's own cost (routing, bearer auth, ETag match), which bounds what
// the server can answer per core.
func BenchmarkManifest304Handler(b *testing.B) {
	e := fanoutEnv(b)
	p, err := e.svc.Manifest("eu")
	if err != nil {
		b.Fatal(err)
	}
	h := e.srv.Config.Handler
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", "/v1/groups/eu/manifest", nil)
		req.Header.Set("Authorization", "Bearer "+e.edge)
		req.Header.Set("If-None-Match", p.ETag)
		w := &nullWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, req)
			if w.status != http.StatusNotModified {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

type nullWriter struct {
	h      http.Header
	status int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) WriteHeader(s int)           { w.status = s }
