package bundle

import (
	"github.com/edgescore/edgescore/module/cluster"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/linear"
	"github.com/edgescore/edgescore/module/ltv"
	"github.com/edgescore/edgescore/module/offer"
	"github.com/edgescore/edgescore/module/rule"
)

// The accessors below resolve the indexes a Decision carries into names, and
// give the scorer the compiled parts. Names returned are the bundle's own
// strings: reading them allocates nothing.

// ID is the bundle's human id.
func (b *Bundle) ID() string { return b.id }

// NumFeatures and FeatureName describe the feature vector.
func (b *Bundle) NumFeatures() int         { return b.features.Len() }
func (b *Bundle) FeatureName(i int) string { return b.features.Name(i) }

// NumTiers and TierName describe the value tiers; a decision's tier is −1
// when no tier matched.
func (b *Bundle) NumTiers() int { return len(b.tiers) }
func (b *Bundle) TierName(i int) string {
	if i < 0 || i >= len(b.tiers) {
		return ""
	}
	return b.tiers[i].name
}

// NumSegments and SegmentName describe the rule segments (bit i of
// Decision.Segments).
func (b *Bundle) NumSegments() int         { return len(b.segments) }
func (b *Bundle) SegmentName(i int) string { return b.segments[i].name }

// NumClusters and ClusterName describe the behavioural clusters.
func (b *Bundle) NumClusters() int { return len(b.clusterNm) }
func (b *Bundle) ClusterName(i int) string {
	if i < 0 || i >= len(b.clusterNm) {
		return ""
	}
	return b.clusterNm[i]
}

// NumVariants, VariantName and VariantWeight describe the experiment.
func (b *Bundle) NumVariants() int         { return len(b.variants) }
func (b *Bundle) VariantName(i int) string { return b.variants[i].Name }
func (b *Bundle) VariantHoldout(i int) bool {
	return b.variants[i].Holdout
}

// NumActions, ActionID and ActionKind describe the offers; action 0 is
// "no_offer".
func (b *Bundle) NumActions() int             { return b.catalog.NumActions() }
func (b *Bundle) ActionID(i int) string       { return b.catalog.ActionID(i) }
func (b *Bundle) ActionKind(i int) offer.Kind { return b.catalog.ActionKind(i) }
func (b *Bundle) ActionKindName(i int) string { return b.catalog.ActionKind(i).String() }

// HasLifetime reports whether the bundle values shoppers with BG/NBD.
func (b *Bundle) HasLifetime() bool { return b.lifetime != nil }

// Parts gives the scorer (and tests) the compiled components. The fields
// are read-only.
type Parts struct {
	Features *feature.Set
	Logistic *linear.Model
	BlendL   float64
	Trees    *gbdt.Ensemble
	BlendG   float64
	Class    int
	Lifetime *ltv.Model
	Clusters *cluster.Model
	Catalog  *offer.Catalog
	Salt     string
	Weights  []int
	Epsilons []float64 // per variant, resolved
	Holdouts []bool
	Tiers    []*rule.Program // nil entry: default tier
	Segments []*rule.Program
	Env      Env
}

// Env describes the rule environment's layout for the scorer.
type Env struct {
	Size      int
	ScoreBase int
	FeatBase  int
	RawNum    []feature.Field
	RawCat    []feature.Field
	Feats     []int
}

// Parts returns the compiled components.
func (b *Bundle) Parts() Parts {
	p := Parts{
		Features: b.features, Logistic: b.logistic, BlendL: b.blendL,
		Trees: b.trees, BlendG: b.blendG, Class: b.class,
		Lifetime: b.lifetime, Clusters: b.clusters, Catalog: b.catalog,
		Salt: b.salt, Weights: b.weights,
		Env: Env{Size: b.env.size, ScoreBase: b.env.scoreBase, FeatBase: b.env.featBase,
			RawNum: b.env.rawNum, RawCat: b.env.rawCat, Feats: b.env.feats},
	}
	for _, v := range b.variants {
		eps := b.catalog.Epsilon()
		if v.Epsilon != nil {
			eps = *v.Epsilon
		}
		p.Epsilons = append(p.Epsilons, eps)
		p.Holdouts = append(p.Holdouts, v.Holdout)
	}
	for _, t := range b.tiers {
		p.Tiers = append(p.Tiers, t.prog)
	}
	for _, s := range b.segments {
		p.Segments = append(p.Segments, s.prog)
	}
	return p
}
