package edge

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

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
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var o outcome
		i := 0
		for pb.Next() {
			c := ctxs[i%len(ctxs)]
			f.srv.decide(ctx, &c, &o)
			if !o.ok {
				b.Fatal(o.reason)
			}
			i++
		}
	})
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
