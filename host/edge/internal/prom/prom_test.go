package prom

import (
	"strings"
	"testing"
)

func TestExposition(t *testing.T) {
	var r Registry
	c := r.NewCounter("edgescore_things_total", "Things.")
	c.Add(3)
	v := r.NewCounterVec("edgescore_decisions_total", "Decisions.", "action", "segment")
	v.Add(1, "pct10", `a"b`)
	v.Add(2, "none", "x")
	r.NewGaugeFunc("edgescore_depth", "Depth.", func() float64 { return 1.5 })
	h := r.NewHistogram("edgescore_latency_seconds", "Latency.", []float64{0.001, 0.01})
	h.Observe(0.0005)
	h.Observe(0.005)
	h.Observe(1)
	r.NewLabelledGaugeFunc("edgescore_bundle_info", "Bundle.", []string{"arm"}, func() []Sample {
		return []Sample{{Values: []string{"champion"}, Value: 1}}
	})
	var sb strings.Builder
	r.WriteTo(&sb)
	want := `# HELP edgescore_things_total Things.
# TYPE edgescore_things_total counter
edgescore_things_total 3
# HELP edgescore_decisions_total Decisions.
# TYPE edgescore_decisions_total counter
edgescore_decisions_total{action="none",segment="x"} 2
edgescore_decisions_total{action="pct10",segment="a\"b"} 1
# HELP edgescore_depth Depth.
# TYPE edgescore_depth gauge
edgescore_depth 1.5
# HELP edgescore_latency_seconds Latency.
# TYPE edgescore_latency_seconds histogram
edgescore_latency_seconds_bucket{le="0.001"} 1
edgescore_latency_seconds_bucket{le="0.01"} 2
edgescore_latency_seconds_bucket{le="+Inf"} 3
edgescore_latency_seconds_sum 1.0055
edgescore_latency_seconds_count 3
# HELP edgescore_bundle_info Bundle.
# TYPE edgescore_bundle_info gauge
edgescore_bundle_info{arm="champion"} 1
`
	if sb.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", sb.String(), want)
	}
	if v.Value("none", "x") != 2 || h.Quantile(0.5) != 0.01 {
		t.Fatal("Value or Quantile wrong")
	}
}
