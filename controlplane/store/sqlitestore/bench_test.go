package sqlitestore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// BenchmarkStoreIngest measures the store alone: batches of 500 decisions,
// exposures and conversions in the proportions a shop produces.
func BenchmarkStoreIngest(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "cp.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	n := 0
	b.ResetTimer()
	for b.Loop() {
		batch := &store.Batch{ReceivedAt: time.Now()}
		for j := 0; j < 500; j++ {
			n++
			id := fmt.Sprintf("e%09d", n)
			switch j % 5 {
			case 0, 1, 2:
				batch.Decisions = append(batch.Decisions, store.Decision{EventID: id, TS: int64(n), DecisionID: "d" + id,
					ShopperID: fmt.Sprintf("s%d", n%5000), Group: "eu", Bundle: "abc", Variant: "A", Action: "none",
					ActionProbability: 0.9, Propensity: 0.1, CLV: 12, Segments: []string{"new", "mobile"}, Tier: "gold"})
			case 3:
				batch.Exposures = append(batch.Exposures, store.Exposure{EventID: id, TS: int64(n), DecisionID: fmt.Sprintf("de%09d", n-3), ShopperID: "s"})
			case 4:
				batch.Conversions = append(batch.Conversions, store.Conversion{EventID: id, TS: int64(n), ShopperID: "s", OrderID: "o" + id, Revenue: 10, Margin: 3})
			}
		}
		if _, err := s.Ingest(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
}
