package edge

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/shopper"
)

func referenceFixture(b *testing.B) *fixture {
	bin, err := os.ReadFile("../../module/testdata/reference.esb")
	if err != nil {
		b.Skip("no reference bundle:", err)
	}
	f := &fixture{origin: &origin{}, events: &sink{}}
	cfg := DefaultConfig()
	cfg.Keys = testKeys(b)
	cfg.Logger = quiet
	if v := os.Getenv("EDGESCORE_BENCH_BUDGET"); v != "" {
		cfg.Budget, _ = time.ParseDuration(v)
	}
	srv, err := New(cfg, Deps{Engines: factory(b, false)})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Apply(context.Background(), planOf(1, false, armSpec{"champion", bin, 10000})); err != nil {
		b.Fatal(err)
	}
	// Wait until every instance has the bundle (the pool switches the
	// others in the background), so no measured call waits for one.
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		if st := srv.poolStats(); st.Idle == st.Size && st.Size > 0 {
			break
		}
		if time.Since(start) > 10*time.Second {
			b.Fatal("the pool did not get ready")
		}
	}
	f.srv = srv
	return f
}

// BenchmarkDecide is one decision through the server's fail-open path with
// the reference bundle, over the held-out contexts.
func BenchmarkDecide(b *testing.B) {
	f := referenceFixture(b)
	data, err := os.ReadFile("../../module/testdata/contexts.ndjson")
	if err != nil {
		b.Skip(err)
	}
	var ctxs []shopper.Context
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte{'\n'}) {
		var c shopper.Context
		if err := jsonform.ParseContext(line, &c); err != nil {
			b.Fatal(err)
		}
		ctxs = append(ctxs, c)
	}
	ctx := context.Background()
	var timeouts atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		o := new(outcome)
		c := new(shopper.Context)
		i := 0
		for pb.Next() {
			*c = ctxs[i%len(ctxs)]
			f.srv.decide(ctx, c, o)
			switch {
			case o.reason == ReasonTimeout:
				timeouts.Add(1) // the machine paused us past the budget
			case !o.ok:
				b.Fatal(o.reason)
			}
			i++
		}
	})
	b.ReportMetric(float64(timeouts.Load())/float64(b.N), "timeouts/op")
}

// BenchmarkDecideAPI is POST /v1/decide through the handler (no network).
func BenchmarkDecideAPI(b *testing.B) {
	f := referenceFixture(b)
	body := []byte(`{"shopper_id":"shp-1","known":true,"history":{"frequency":2,"recency":120,"tenure":400,"aov":54.2},"session":{"page":"product","category":"shoes","pageviews":4},"place":{"country":"DE","hour":21,"weekday":4}}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("POST", "/v1/decide", bytes.NewReader(body))
			w := httptest.NewRecorder()
			f.srv.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
}

// BenchmarkNewEngine is what applying a manifest with a new bundle costs
// the edge per arm: a pool of the default size with the reference bundle
// loaded (then closed). "shared" uses the factory's compiled module, as
// NewFactory sets up; "compile" compiles the guest for each pool.
func BenchmarkNewEngine(b *testing.B) {
	bin, err := os.ReadFile("../../module/testdata/reference.esb")
	if err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	f, err := NewWazeroFactory(ctx, guesttest.Module(b), 2, quiet)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  host.Module
	}{{"shared", f.Module}, {"compile", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			pf := *f
			pf.Module = tc.mod
			for b.Loop() {
				e, err := pf.NewEngine(ctx, bin)
				if err != nil {
					b.Fatal(err)
				}
				e.Close(ctx)
			}
		})
	}
}
