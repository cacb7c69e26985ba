package bundle

import (
	"math"
	"strconv"

	"github.com/edgescore/edgescore/module/cluster"
	"github.com/edgescore/edgescore/module/experiment"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/internal/quote"
	"github.com/edgescore/edgescore/module/linear"
	"github.com/edgescore/edgescore/module/ltv"
	"github.com/edgescore/edgescore/module/offer"
	"github.com/edgescore/edgescore/module/rule"
)

// Limits on a bundle's parts.
const (
	MaxTiers    = 16
	MaxSegments = 64 // one bit each in Decision.Segments
	MaxVariants = 16
	MaxNameLen  = 64
	MaxIDLen    = 128
)

// Bundle is a compiled bundle: immutable, safe for concurrent use by any
// number of Scorers.
type Bundle struct {
	id       string
	features *feature.Set

	logistic *linear.Model
	blendL   float64
	trees    *gbdt.Ensemble
	blendG   float64
	class    int

	lifetime *ltv.Model

	tiers     []compiledRule
	clusters  *cluster.Model
	clusterNm []string
	segments  []compiledRule

	catalog *offer.Catalog

	salt     string
	variants []Variant
	weights  []int // basis points

	env envLayout
}

type compiledRule struct {
	name string
	prog *rule.Program // nil: always true (a default tier)
}

// Compile validates s and builds a Bundle. Every error is an *Error whose
// Path names the offending part, e.g. "offers[3].discount".
func Compile(s *Spec) (*Bundle, error) {
	if s.Format != FormatVersion {
		return nil, errf("format", "unsupported format "+strconv.Itoa(s.Format)+"; this build reads "+strconv.Itoa(FormatVersion))
	}
	if s.ID == "" || len(s.ID) > MaxIDLen {
		return nil, errf("id", "must be 1 to "+strconv.Itoa(MaxIDLen)+" characters")
	}
	b := &Bundle{id: s.ID}
	fs, err := feature.Compile(s.Features)
	if err != nil {
		return nil, wrap("features", err)
	}
	b.features = fs
	if err := b.compilePropensity(&s.Propensity); err != nil {
		return nil, err
	}
	if s.Lifetime != nil {
		l := s.Lifetime
		m, err := ltv.New(ltv.Params{
			R: l.R, Alpha: l.Alpha, A: l.A, B: l.B, P: l.P, Q: l.Q, Gamma: l.Gamma,
			PeriodDays: l.PeriodDays, Horizon: l.Horizon, Steps: l.Steps,
			DiscountRate: l.DiscountRate, Margin: l.Margin,
		})
		if err != nil {
			return nil, wrap("lifetime", err)
		}
		b.lifetime = m
	}
	if s.Clusters != nil {
		if err := b.compileClusters(s.Clusters); err != nil {
			return nil, err
		}
	}
	b.env = newEnvLayout(fs)
	if b.tiers, err = b.compileRules("tiers", s.Tiers, MaxTiers, true); err != nil {
		return nil, err
	}
	if b.segments, err = b.compileRules("segments", s.Segments, MaxSegments, false); err != nil {
		return nil, err
	}
	if err := b.checkNames(); err != nil {
		return nil, err
	}
	cat, err := offer.Compile(s.Offers, &s.Inventory, &s.Economics, &s.Policy, b.resolveSegment)
	if err != nil {
		return nil, wrap("", err)
	}
	b.catalog = cat
	if err := b.compileExperiment(s.Experiment); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bundle) compilePropensity(p *Propensity) error {
	if p.Logistic == nil && p.GBDT == nil {
		return errf("propensity", "needs a logistic model, a gbdt model, or both")
	}
	both := p.Logistic != nil && p.GBDT != nil
	if l := p.Logistic; l != nil {
		m, err := linear.New(l.Intercept, l.Weights, b.features.Len(), b.features.Index)
		if err != nil {
			return wrap("propensity.logistic", err)
		}
		b.logistic = m
		if b.blendL, err = blend("propensity.logistic.blend", l.Blend, both); err != nil {
			return err
		}
	}
	if g := p.GBDT; g != nil {
		if g.Model == nil {
			return errf("propensity.gbdt.xgboost", "model is required")
		}
		ens, err := gbdt.Compile(g.Model)
		if err != nil {
			return wrap("propensity.gbdt.xgboost", err)
		}
		switch ens.Objective() {
		case gbdt.BinaryLogistic:
			if g.Class != 0 {
				return errf("propensity.gbdt.class", "must be 0 for binary:logistic")
			}
		case gbdt.MultiSoftprob:
			if g.Class < 0 || g.Class >= ens.NumClass() {
				return errf("propensity.gbdt.class", "must be in [0,"+strconv.Itoa(ens.NumClass())+")")
			}
		default:
			return errf("propensity.gbdt.xgboost", "objective "+ens.Objective().String()+" does not give a probability; use binary:logistic or multi:softprob")
		}
		if ens.NumFeature() != b.features.Len() {
			return errf("propensity.gbdt.xgboost", "model has "+strconv.Itoa(ens.NumFeature())+" features, the spec "+strconv.Itoa(b.features.Len()))
		}
		for i, n := range g.Model.FeatureNames {
			if n != b.features.Name(i) {
				return errf("propensity.gbdt.xgboost", "feature "+strconv.Itoa(i)+" is "+quote.String(n)+" in the model but "+quote.String(b.features.Name(i))+" in the spec")
			}
		}
		b.trees, b.class = ens, g.Class
		if b.blendG, err = blend("propensity.gbdt.blend", g.Blend, both); err != nil {
			return err
		}
	}
	return nil
}

func blend(path string, v float64, required bool) (float64, error) {
	if v == 0 {
		if required {
			return 0, errf(path, "required when both logistic and gbdt are present")
		}
		return 1, nil
	}
	if !(v > 0 && v <= 10) {
		return 0, errf(path, "must be in (0,10]")
	}
	return v, nil
}

func (b *Bundle) compileClusters(c *Clusters) error {
	idx := make([]int, len(c.Features))
	for i, name := range c.Features {
		j, ok := b.features.Index(name)
		if !ok {
			return errf("clusters.features["+strconv.Itoa(i)+"]", "no feature named "+quote.String(name))
		}
		idx[i] = j
	}
	m, err := cluster.New(idx, c.Mean, c.Scale, c.Centroids)
	if err != nil {
		return wrap("clusters", err)
	}
	if len(c.Names) != m.K() {
		return errf("clusters.names", "has "+strconv.Itoa(len(c.Names))+" names for "+strconv.Itoa(m.K())+" centroids")
	}
	for i, n := range c.Names {
		if !validName(n) {
			return errf("clusters.names["+strconv.Itoa(i)+"]", "must be 1 to 64 characters of [A-Za-z0-9_-]")
		}
	}
	b.clusters, b.clusterNm = m, append([]string(nil), c.Names...)
	return nil
}

func (b *Bundle) compileRules(path string, rules []Rule, limit int, defaultOK bool) ([]compiledRule, error) {
	if len(rules) > limit {
		return nil, errf(path, strconv.Itoa(len(rules))+" exceed the maximum "+strconv.Itoa(limit))
	}
	out := make([]compiledRule, len(rules))
	for i, r := range rules {
		at := path + "[" + strconv.Itoa(i) + "]"
		if !validName(r.Name) {
			return nil, errf(at+".name", "must be 1 to 64 characters of [A-Za-z0-9_-]")
		}
		for j := 0; j < i; j++ {
			if rules[j].Name == r.Name {
				return nil, errf(at+".name", quote.String(r.Name)+" duplicates "+path+"["+strconv.Itoa(j)+"]")
			}
		}
		out[i].name = r.Name
		if r.When == "" {
			if !defaultOK || i != len(rules)-1 {
				return nil, errf(at+".when", "must not be empty (only the last tier may be a default)")
			}
			continue
		}
		p, err := rule.Compile(r.When, b.env.vars)
		if err != nil {
			return nil, wrap(at+".when", err)
		}
		b.env.use(p)
		out[i].prog = p
	}
	return out, nil
}

// checkNames makes segment names unambiguous: offers refer to tiers, rule
// segments and clusters by name alone.
func (b *Bundle) checkNames() error {
	seen := map[string]string{}
	add := func(kind, path, name string) error {
		if prev, dup := seen[name]; dup {
			return errf(path, quote.String(name)+" is also the name of "+prev)
		}
		seen[name] = path
		return nil
	}
	for i, t := range b.tiers {
		if err := add("tier", "tiers["+strconv.Itoa(i)+"].name", t.name); err != nil {
			return err
		}
	}
	for i, s := range b.segments {
		if err := add("segment", "segments["+strconv.Itoa(i)+"].name", s.name); err != nil {
			return err
		}
	}
	for i, c := range b.clusterNm {
		if err := add("cluster", "clusters.names["+strconv.Itoa(i)+"]", c); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bundle) resolveSegment(name string) (offer.SegmentRef, bool) {
	for i := range b.tiers {
		if b.tiers[i].name == name {
			return offer.SegmentRef{Kind: offer.SegTier, Index: i}, true
		}
	}
	for i := range b.segments {
		if b.segments[i].name == name {
			return offer.SegmentRef{Kind: offer.SegRule, Index: i}, true
		}
	}
	for i, n := range b.clusterNm {
		if n == name {
			return offer.SegmentRef{Kind: offer.SegCluster, Index: i}, true
		}
	}
	return offer.SegmentRef{}, false
}

func (b *Bundle) compileExperiment(e *Experiment) error {
	if e == nil {
		b.variants = []Variant{{Name: "default", Weight: 100}}
		b.weights = []int{experiment.Buckets}
		return nil
	}
	if len(e.Salt) > MaxNameLen {
		return errf("experiment.salt", "longer than "+strconv.Itoa(MaxNameLen))
	}
	if len(e.Variants) == 0 || len(e.Variants) > MaxVariants {
		return errf("experiment.variants", "need 1 to "+strconv.Itoa(MaxVariants)+" variants")
	}
	total := 0
	for i, v := range e.Variants {
		at := "experiment.variants[" + strconv.Itoa(i) + "]"
		if !validName(v.Name) {
			return errf(at+".name", "must be 1 to 64 characters of [A-Za-z0-9_-]")
		}
		for j := 0; j < i; j++ {
			if e.Variants[j].Name == v.Name {
				return errf(at+".name", quote.String(v.Name)+" duplicates experiment.variants["+strconv.Itoa(j)+"]")
			}
		}
		bp := math.Round(v.Weight * 100)
		if !(v.Weight >= 0 && v.Weight <= 100) || math.Abs(bp-float64(v.Weight*100)) > 1e-6 {
			return errf(at+".weight", "must be a percentage in [0,100] with at most two decimals")
		}
		if v.Epsilon != nil && !(*v.Epsilon >= 0 && *v.Epsilon <= 0.5) {
			return errf(at+".epsilon", "must be in [0,0.5]")
		}
		total += int(bp)
		b.weights = append(b.weights, int(bp))
	}
	if total != experiment.Buckets {
		return errf("experiment.variants", "weights sum to "+strconv.FormatFloat(float64(total)/100, 'f', 2, 64)+", want 100")
	}
	b.salt = e.Salt
	b.variants = make([]Variant, len(e.Variants))
	for i, v := range e.Variants {
		b.variants[i] = v
		if v.Epsilon != nil {
			eps := *v.Epsilon
			b.variants[i].Epsilon = &eps
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
