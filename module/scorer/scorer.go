package scorer

import (
	"math"
	"math/bits"

	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/experiment"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/internal/fnv1a"
	"github.com/edgescore/edgescore/module/linear"
	"github.com/edgescore/edgescore/module/ltv"
	"github.com/edgescore/edgescore/module/offer"
	"github.com/edgescore/edgescore/module/rule"
	"github.com/edgescore/edgescore/module/shopper"
)

// Scorer makes decisions with one bundle. It owns the scratch space of a
// decision, so it is not safe for concurrent use: keep one per goroutine (or
// per wasm instance). The bundle it reads is shared and immutable.
type Scorer struct {
	b       *bundle.Bundle
	p       bundle.Parts
	x       []float32
	in      *gbdt.Input
	margins []float32
	probs   []float32
	c32     []float32
	lw      []float64        // blend × logistic weight per feature, nil without a logistic model
	rv      []float64        // per feature: contribution to the logit (reasons)
	miss    [missSize]uint16 // reasons: indexes of the missing features
	env     []float64
	raw     feature.Raw // the context's numeric fields, read by Compute
	rules   *rule.Set   // tiers (group 0) and segments (group 1)
	tierNil uint64      // tiers without a rule (always true)
}

// New returns a Scorer for b. All scratch space is allocated here, so
// Decide allocates nothing.
func New(b *bundle.Bundle) *Scorer {
	p := b.Parts()
	nf := p.Features.Len()
	s := &Scorer{
		b: b, p: p,
		x:   make([]float32, nf),
		rv:  make([]float64, nf),
		env: make([]float64, max(p.Env.Size, rule.SetVals)), // see rule.Set.Eval
	}
	if p.Logistic != nil {
		s.lw = make([]float64, nf)
		for i := range s.lw {
			s.lw[i] = p.BlendL * p.Logistic.Weight(i)
		}
	}
	if p.Trees != nil {
		s.in = p.Trees.NewInput()
		s.in.TrackContributions(p.Class) // reasons reads them: sum them in the walk
		s.margins = make([]float32, p.Trees.NumClass())
		s.probs = make([]float32, p.Trees.NumClass())
		s.c32 = make([]float32, nf+1)
	}
	for i := range s.env {
		s.env[i] = math.NaN()
	}
	s.rules = rule.NewSet(p.Tiers, p.Segments)
	for i, t := range p.Tiers {
		if t == nil {
			s.tierNil |= 1 << uint(i)
		}
	}
	return s
}

// Bundle is the bundle this Scorer decides with.
func (s *Scorer) Bundle() *bundle.Bundle { return s.b }

// Features is the feature vector of the last decision (read-only; valid
// until the next Decide).
func (s *Scorer) Features() []float32 { return s.x }

// Decide scores one shopper context and picks an action. It is
// deterministic: the same bundle, context and seed give the same decision,
// bit for bit, on every host.
func (s *Scorer) Decide(c *shopper.Context, d *Decision) {
	p := &s.p
	*d = Decision{}

	// Place and stock of the viewed item (also a feature: store_km).
	place := c.Place.Region
	if place == "" {
		place = c.Place.Country
	}
	stock := p.Catalog.LookupStock(c.Session.SKU, c.Session.Category, place, c.Place.Lat, c.Place.Lon)
	derived := feature.Derived{StoreKM: stock.NearestKM}
	p.Features.ComputeRaw(c, &derived, s.x, &s.raw)

	// Propensity: blended logit of the models present.
	var z float64
	if p.Logistic != nil {
		z += float64(p.BlendL * p.Logistic.Logit(s.x)) // float64: never fused into an FMA
	}
	if p.Trees != nil {
		s.in.Set(s.x)
		p.Trees.Margins(s.in, s.margins)
		if p.Trees.Objective() == gbdt.MultiSoftprob {
			p.Trees.Transform(s.margins, s.probs)
			z += float64(p.BlendG * linear.Logit(float64(s.probs[p.Class])))
		} else {
			z += float64(p.BlendG * float64(s.margins[0]))
		}
	}
	d.Propensity = linear.Sigmoid(z)

	// Lifetime value.
	if p.Lifetime != nil {
		var r ltv.Result
		h := &c.History
		p.Lifetime.Score(h.Frequency, h.Recency, h.Tenure, h.AvgOrderValue, &r)
		d.PAlive, d.ExpectedPurchases, d.ExpectedAOV, d.CLV = r.PAlive, r.ExpectedPurchases, r.ExpectedAOV, r.CLV
	} else {
		nan := math.NaN()
		d.PAlive, d.ExpectedPurchases, d.ExpectedAOV, d.CLV = nan, nan, nan, nan
	}

	// Behavioural cluster.
	d.Cluster, d.ClusterDistance = NoCluster, math.NaN()
	if p.Clusters != nil {
		d.Cluster, d.ClusterDistance = p.Clusters.Nearest(s.x)
	}

	// Rules: value tier (first match) and rule segments (all matches).
	s.fillEnv(c, &derived, d)
	s.evalRules(d)

	// Experiment arm.
	d.Bucket = experiment.Bucket(p.Salt, c.ShopperID)
	d.Variant = experiment.Arm(p.Weights, d.Bucket)

	// Offer.
	rng := c.Seed ^ uint64(experiment.Hash("explore", c.ShopperID))<<32
	u1, u2 := uniform(&rng), uniform(&rng)
	cart := c.Session.EffectiveCartValue()
	category := c.Session.Category
	req := offer.Request{
		P0:        d.Propensity,
		Basket:    p.Catalog.Basket(cart, c.Session.Price, d.ExpectedAOV),
		Margin:    p.Catalog.Margin(category),
		Category:  category,
		CartValue: cart,
		Channel:   c.Session.Channel,
		Region:    c.Place.Region,
		Country:   c.Place.Country,
		Stock:     stock,
		Member:    offer.Membership{Tier: d.Tier, Cluster: d.Cluster, Rules: d.Segments},
		Epsilon:   p.Epsilons[d.Variant],
		Holdout:   p.Holdouts[d.Variant],
		U1:        u1, U2: u2,
	}
	var ch offer.Choice
	p.Catalog.Choose(&req, &ch)
	d.Action, d.GreedyAction, d.Eligible = ch.Action, ch.Greedy, ch.Eligible
	d.ActionProbability, d.Explored = ch.Probability, ch.Explored
	d.ExpectedProfit, d.BuyProbability = ch.Profit, ch.BuyProb

	s.reasons(d)
}

// fillEnv writes the values rules read: only the raw fields and features
// some rule names, and all scores.
func (s *Scorer) fillEnv(c *shopper.Context, derived *feature.Derived, d *Decision) {
	e := &s.p.Env
	env := s.env
	for _, f := range e.RawNum {
		if f == feature.FieldAffinity { // needs a key; rules cannot name it
			env[f] = feature.Number(f, "", c, derived)
			continue
		}
		env[f] = s.raw.Number(f)
	}
	// Categorical fields as rule.StringCode of feature.Text, or NaN when
	// missing: the enumerations from tables, the strings hashed here (a
	// call each costs ~15 ns in Go's wasm output).
	for _, f := range e.RawCat {
		var t string
		switch f {
		case feature.FieldPageType:
			env[f] = pageCodes[c.Session.Page]
			continue
		case feature.FieldChannel:
			env[f] = channelCodes[c.Session.Channel]
			continue
		case feature.FieldDevice:
			env[f] = deviceCodes[c.Session.Device]
			continue
		case feature.FieldCategory:
			t = c.Session.Category
		case feature.FieldSKU:
			t = c.Session.SKU
		case feature.FieldCountry:
			t = c.Place.Country
		case feature.FieldRegion:
			t = c.Place.Region
		}
		env[f] = textCode(t)
	}
	sc := env[e.ScoreBase : e.ScoreBase+7]
	sc[bundle.ScorePropensity] = d.Propensity
	sc[bundle.ScorePAlive] = d.PAlive
	sc[bundle.ScoreExpectedPurchases] = d.ExpectedPurchases
	sc[bundle.ScoreExpectedAOV] = d.ExpectedAOV
	sc[bundle.ScoreCLV] = d.CLV
	sc[bundle.ScoreCluster] = float64(d.Cluster)
	sc[bundle.ScoreClusterDistance] = d.ClusterDistance
	for _, i := range e.Feats {
		env[e.FeatBase+i] = float64(s.x[i])
	}
}

// textCode is a categorical value in the rule environment:
// rule.StringCode(t), or NaN when t is missing ("").
func textCode(t string) float64 {
	if t == "" {
		return math.NaN()
	}
	h := uint32(fnv1a.Offset) // fnv1a.Sum32, inlined
	for i := 0; i < len(t); i++ {
		h ^= uint32(t[i])
		h *= fnv1a.Prime
	}
	return float64(h)
}

// pageCodes, channelCodes and deviceCodes are textCode of every value of
// the enumerations, valid or not (String spells invalid ones "invalid").
var (
	pageCodes    = enumCodes[shopper.PageType]()
	channelCodes = enumCodes[shopper.Channel]()
	deviceCodes  = enumCodes[shopper.Device]()
)

func enumCodes[T interface {
	~uint8
	String() string
}]() *[256]float64 {
	t := new([256]float64)
	for v := range t {
		t[v] = textCode(T(v).String())
	}
	return t
}

// evalRules evaluates the tiers (the first that holds, -1 if none) and the
// rule segments (a bit each) on the rule environment, all at once.
func (s *Scorer) evalRules(d *Decision) {
	var r [rule.MaxSetGroups]uint64
	s.rules.Eval(s.env, &r)
	d.Tier = -1
	if t := r[0] | s.tierNil; t != 0 {
		d.Tier = bits.TrailingZeros64(t)
	}
	d.Segments = r[1]
}

// reasons computes each feature's contribution to the propensity logit
// (exact for the logistic model, Saabas path contributions for trees,
// blended with the same weights) and keeps the MaxReasons largest in
// absolute value, ties to the lower index.
//
// The contributions are computed first, without a branch per feature, and
// the top list is then kept with one well-predicted comparison per feature
// on the bits of |v| (which order like the values when no v is NaN). In
// Go's wasm output every branch is a trip through a dispatch table, so the
// fewer the better; natively the missing-value branches mispredicted. The
// blend is split with float64(…) so that no platform fuses it into an FMA
// (RATIONALE.md, "Portable floating point").
func (s *Scorer) reasons(d *Decision) {
	p := &s.p
	x := s.x
	v := s.rv[:len(x)]
	lw := s.lw // blend × logistic weight, or nil
	var nan uint
	switch {
	case p.Trees != nil:
		p.Trees.Contributions(s.in, p.Class, s.c32)
		tc := s.c32[:len(x)]
		bg := p.BlendG
		if lw != nil {
			lw = lw[:len(x)]
			// lw[i]·x[i] + bg·tc[i], where a missing x[i] contributes 0 to
			// the first term. Without a branch or a float's bits (a store
			// and a load each in wasm): a missing x gives NaN here, its
			// index is noted, and the few noted entries are redone below.
			miss := &s.miss
			nm := 0
			for i, xi := range x {
				w := float64(lw[i]*float64(xi)) + float64(bg*float64(tc[i])) // float64: never fused into an FMA
				v[i] = w
				ok := b2u(xi == xi)
				nan |= b2u(w != w) & ok
				miss[nm&(missSize-1)] = uint16(i) // kept when x[i] is missing
				nm += int(ok ^ 1)
			}
			for _, i := range miss[:min(nm, missSize)] {
				var w float64 // +0 + bg·tc, as the masked term gave
				w += float64(bg * float64(tc[i]))
				v[i] = w
				nan |= b2u(w != w)
			}
		} else {
			for i := range v {
				var w float64
				w += float64(bg * float64(tc[i])) // float64: never fused into an FMA
				v[i] = w
				nan |= b2u(w != w)
			}
		}
	case lw != nil:
		lw = lw[:len(x)]
		for i, xi := range x {
			w := math.Float64frombits(math.Float64bits(lw[i]*float64(xi)) & -uint64(b2u(xi == xi)))
			v[i] = w
			nan |= b2u(w != w)
		}
	default:
		clear(v)
	}
	if nan != 0 {
		s.reasonsSlow(v, d)
		return
	}
	s.topReasons(v, d)
}

// missSize is the size of Scorer.miss: a power of two above the number of
// features, so that an index masked with missSize-1 needs no bounds check.
const missSize = 2 * feature.MaxFeatures

// topReasons is the top list of reasons for contributions v, none NaN.
// It compares |v| as floats, which order like the values when none is NaN:
// math.Abs is one instruction in wasm, where the bits of |v| would cost a
// store and a load (Go's wasm output has no reinterpret).
func (s *Scorer) topReasons(v []float64, d *Decision) {
	var top [MaxReasons]int
	var mag [MaxReasons]float64 // |v|, descending; 0 = empty
	for i, w := range v {
		a := math.Abs(w)
		if a <= mag[MaxReasons-1] {
			continue
		}
		j := MaxReasons - 1
		for j > 0 && a > mag[j-1] {
			mag[j], top[j] = mag[j-1], top[j-1]
			j--
		}
		mag[j], top[j] = a, i
	}
	var r [MaxReasons]Reason
	n := 0
	for j := range mag {
		if mag[j] != 0 {
			r[j] = Reason{Feature: top[j], Contribution: v[top[j]]}
			n++
		}
	}
	d.Reasons, d.NumReasons = r, n
}

// reasonsSlow keeps the top list of contributions v when some is NaN,
// exactly as reasons always did: comparisons with NaN are false.
func (s *Scorer) reasonsSlow(v []float64, d *Decision) {
	n := 0
	var top [MaxReasons]Reason
	var topAbs [MaxReasons]float64
	for i, w := range v {
		a := math.Abs(w)
		if a == 0 || (n == MaxReasons && a <= topAbs[MaxReasons-1]) {
			continue
		}
		// Insert into the sorted top list; ties keep the lower index first.
		k := n
		if n < MaxReasons {
			n++
		} else {
			k--
		}
		for k > 0 && a > topAbs[k-1] {
			top[k], topAbs[k] = top[k-1], topAbs[k-1]
			k--
		}
		top[k], topAbs[k] = Reason{Feature: i, Contribution: w}, a
	}
	d.Reasons, d.NumReasons = top, n
}

func b2u(b bool) uint {
	if b {
		return 1
	}
	return 0
}

// uniform advances a SplitMix64 state and returns a float64 in [0,1). It is
// chosen because every host can reproduce it with 64-bit integer arithmetic.
func uniform(state *uint64) float64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) * (1.0 / (1 << 53))
}
