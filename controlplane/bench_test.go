package controlplane_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
)

// BenchmarkServiceIngest is ingestion without HTTP: parse, schema-check and
// store batches of 500 events (300 decisions, 100 exposures, 100
// conversions).
func BenchmarkServiceIngest(b *testing.B) {
	f := newFixture(b)
	bundle := f.upload(b, "m", "1")
	ctx := context.Background()
	now := t0.Add(-time.Hour).Format(time.RFC3339Nano)
	n := 0
	var buf bytes.Buffer
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
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
		rep, err := f.svc.Ingest(ctx, bytes.NewReader(buf.Bytes()), controlplane.FormatJSON)
		if err != nil || rep.Accepted != 500 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
}
