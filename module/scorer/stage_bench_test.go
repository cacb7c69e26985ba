package scorer_test

import (
	"testing"

	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/ltv"
	"github.com/edgescore/edgescore/module/offer"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// The stage benchmarks time one part of Decide at a time, over the varied
// reference contexts, with every input of the stage precomputed by a full
// decision. They run natively and under wasm (GOOS=wasip1), which is where
// the share of each stage differs most from native: a stage that is cheap
// natively can be dear in Go's wasm output.

type stageData struct {
	s       *scorer.Scorer
	ctxs    []shopper.Context
	dec     []scorer.Decision
	stock   []offer.Stock
	x       [][]float32
	inputs  []*gbdt.Input // per context, after Margins
	tracked []*gbdt.Input // the same with contributions summed in the walk, as Decide has them
	reqs    []offer.Request
}

func loadStages(b *testing.B) *stageData {
	b.Helper()
	bun, ctxs := loadReference(b)
	sd := &stageData{s: scorer.New(bun), ctxs: ctxs}
	s := sd.s
	p := s.PartsForTest()
	for i := range sd.ctxs {
		c := &sd.ctxs[i]
		var d scorer.Decision
		s.Decide(c, &d)
		sd.dec = append(sd.dec, d)
		sd.x = append(sd.x, append([]float32(nil), s.Features()...))
		place := c.Place.Region
		if place == "" {
			place = c.Place.Country
		}
		st := p.Catalog.LookupStock(c.Session.SKU, c.Session.Category, place, c.Place.Lat, c.Place.Lon)
		sd.stock = append(sd.stock, st)
		in := p.Trees.NewInput()
		in.Set(s.Features())
		p.Trees.Margins(in, s.MarginsForTest())
		sd.inputs = append(sd.inputs, in)
		tin := p.Trees.NewInput()
		tin.TrackContributions(p.Class)
		tin.Set(s.Features())
		p.Trees.Margins(tin, s.MarginsForTest())
		sd.tracked = append(sd.tracked, tin)
		cart := c.Session.EffectiveCartValue()
		sd.reqs = append(sd.reqs, offer.Request{
			P0:        d.Propensity,
			Basket:    p.Catalog.Basket(cart, c.Session.Price, d.ExpectedAOV),
			Margin:    p.Catalog.Margin(c.Session.Category),
			Category:  c.Session.Category,
			CartValue: cart,
			Channel:   c.Session.Channel,
			Region:    c.Place.Region,
			Country:   c.Place.Country,
			Stock:     st,
			Member:    offer.Membership{Tier: d.Tier, Cluster: d.Cluster, Rules: d.Segments},
			Epsilon:   p.Epsilons[d.Variant],
			Holdout:   p.Holdouts[d.Variant],
			U1:        0.5, U2: 0.5,
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	return sd
}

func BenchmarkStageStock(b *testing.B) {
	sd := loadStages(b)
	cat := sd.s.PartsForTest().Catalog
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		c := &sd.ctxs[i%n]
		place := c.Place.Region
		if place == "" {
			place = c.Place.Country
		}
		cat.LookupStock(c.Session.SKU, c.Session.Category, place, c.Place.Lat, c.Place.Lon)
	}
}

func BenchmarkStageFeatures(b *testing.B) {
	sd := loadStages(b)
	p := sd.s.PartsForTest()
	x := make([]float32, p.Features.Len())
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		d := feature.Derived{StoreKM: sd.stock[i%n].NearestKM}
		p.Features.Compute(&sd.ctxs[i%n], &d, x)
	}
}

func BenchmarkStageLogit(b *testing.B) {
	sd := loadStages(b)
	lg := sd.s.PartsForTest().Logistic
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		lg.Logit(sd.x[i%n])
	}
}

func BenchmarkStageMargins(b *testing.B) {
	sd := loadStages(b)
	tr := sd.s.PartsForTest().Trees
	in := tr.NewInput()
	m := make([]float32, tr.NumClass())
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		in.Set(sd.x[i%n])
		tr.Margins(in, m)
	}
}

func BenchmarkStageContributions(b *testing.B) {
	sd := loadStages(b)
	p := sd.s.PartsForTest()
	out := make([]float32, p.Features.Len()+1)
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		p.Trees.Contributions(sd.inputs[i%n], p.Class, out)
	}
}

func BenchmarkStageLifetime(b *testing.B) {
	sd := loadStages(b)
	lt := sd.s.PartsForTest().Lifetime
	n := len(sd.ctxs)
	var r ltv.Result
	for i := 0; b.Loop(); i++ {
		h := &sd.ctxs[i%n].History
		lt.Score(h.Frequency, h.Recency, h.Tenure, h.AvgOrderValue, &r)
	}
}

func BenchmarkStageCluster(b *testing.B) {
	sd := loadStages(b)
	cl := sd.s.PartsForTest().Clusters
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		cl.Nearest(sd.x[i%n])
	}
}

// BenchmarkStageRules fills the rule environment and evaluates every tier
// and segment (the feature vector is the one of the last decision; rules
// only read it, so the figure does not depend on that).
func BenchmarkStageRules(b *testing.B) {
	sd := loadStages(b)
	s := sd.s
	n := len(sd.ctxs)
	d := make([]scorer.Decision, n)
	copy(d, sd.dec)
	for i := 0; b.Loop(); i++ {
		k := i % n
		s.RulesForTest(&sd.ctxs[k], sd.stock[k].NearestKM, &d[k])
	}
}

func BenchmarkStageOffer(b *testing.B) {
	sd := loadStages(b)
	cat := sd.s.PartsForTest().Catalog
	n := len(sd.ctxs)
	var ch offer.Choice
	for i := 0; b.Loop(); i++ {
		cat.Choose(&sd.reqs[i%n], &ch)
	}
}

// BenchmarkStageReasons includes Contributions (reasons calls it) as
// Decide runs it: copying out the sums the tree walk made.
func BenchmarkStageReasons(b *testing.B) {
	sd := loadStages(b)
	s := sd.s
	n := len(sd.ctxs)
	d := make([]scorer.Decision, n)
	copy(d, sd.dec)
	for i := 0; b.Loop(); i++ {
		k := i % n
		s.ReasonsForTest(sd.x[k], sd.tracked[k], &d[k])
	}
}

// BenchmarkStageTrees is the whole tree part of a decision as Decide runs
// it: the row loaded, the margins and the contributions reasons reads.
func BenchmarkStageTrees(b *testing.B) {
	sd := loadStages(b)
	p := sd.s.PartsForTest()
	in := p.Trees.NewInput()
	in.TrackContributions(p.Class)
	m := make([]float32, p.Trees.NumClass())
	out := make([]float32, p.Features.Len()+1)
	n := len(sd.ctxs)
	for i := 0; b.Loop(); i++ {
		in.Set(sd.x[i%n])
		p.Trees.Margins(in, m)
		p.Trees.Contributions(in, p.Class, out)
	}
}
