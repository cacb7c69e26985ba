package ltv

import (
	"testing"
)

// benchScore cycles Score over all 2,357 CDNOW customers (history converted
// to days) with the published parameters, Horizon = 52 weeks.
func benchScore(b *testing.B, steps int) {
	cs := loadCDNOW(b)
	p := testParams(0.243, 4.414, 0.793, 2.426)
	p.Steps = steps
	m, err := New(p)
	if err != nil {
		b.Fatal(err)
	}
	// Days, as Score expects.
	days := make([]cdnowCustomer, len(cs))
	for i, c := range cs {
		days[i] = cdnowCustomer{c.x, c.tx * 7, c.T * 7, c.zbar}
	}
	var res Result
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := &days[i%len(days)]
		m.Score(c.x, c.tx, c.T, c.zbar, &res)
	}
}

func BenchmarkScore(b *testing.B) {
	b.Run("steps=4", func(b *testing.B) { benchScore(b, 4) })
	b.Run("steps=12", func(b *testing.B) { benchScore(b, 12) })
}

func BenchmarkNew(b *testing.B) {
	p := testParams(0.243, 4.414, 0.793, 2.426)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := New(p); err != nil {
			b.Fatal(err)
		}
	}
}
