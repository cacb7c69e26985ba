package offer

import (
	"math"
	"math/bits"

	"github.com/edgescore/edgescore/module/internal/fmath"

	"github.com/edgescore/edgescore/module/shopper"
)

// Stock is what the inventory says about the viewed SKU for one shopper.
type Stock struct {
	// Tracked is true when the inventory lists the SKU or its category.
	Tracked bool
	// Available: in stock for the shopper's place — always true when the
	// item is not tracked (the bundle cannot know better).
	Available bool
	// NearestKM is the distance to the nearest store that has it in stock,
	// NaN when there is none or the shopper's position is unknown.
	NearestKM float64
}

// LookupStock finds the viewed item's stock. place is the shopper's region,
// or country when the region is unknown; it matches stock entries' region
// and stores' region. A SKU's own entries take precedence over its
// category's.
func (c *Catalog) LookupStock(sku, category, place string, lat, lon float64) Stock {
	var it *itemStock
	if sku != "" {
		it = c.skuStock[sku]
	}
	if it == nil && category != "" {
		it = c.catStock[category]
	}
	if it == nil {
		return Stock{Available: true, NearestKM: math.NaN()}
	}
	st := Stock{Tracked: true, Available: it.global, NearestKM: math.NaN()}
	if !st.Available && place != "" {
		for _, r := range it.regions {
			if r == place {
				st.Available = true
				break
			}
		}
	}
	geo := lat == lat && lon == lon
	cosLat := fmath.Cos(lat * rad) // Haversine's cos(lat1), the same for every store
	minA := math.Inf(1)
	for _, si := range it.stores {
		s := &c.stores[si]
		if place != "" && s.Region == place {
			st.Available = true
		}
		if geo {
			minA = min(minA, haversineA(lat, lon, cosLat, s.Lat, s.Lon, c.cosLat[si]))
		}
	}
	// The distance grows with a, so the nearest store is the one with the
	// least a: one arcsine and one square root per lookup instead of one
	// per store (each ~40 ns in Go's wasm output).
	if geo && len(it.stores) > 0 {
		st.NearestKM = haversineKM(minA)
	}
	return st
}

const rad = math.Pi / 180

// haversineA and haversineKM are Haversine split in two, with the cosines
// of the latitudes given: the store's is computed once at compile time, the
// shopper's once per lookup (a cosine costs ~35 ns in Go's wasm output).
// haversineA is the haversine of the central angle, clamped to 1.
func haversineA(lat1, lon1, cosLat1, lat2, lon2, cosLat2 float64) float64 {
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	s1 := fmath.Sin(dlat / 2)
	s2 := fmath.Sin(dlon / 2)
	a := float64(s1*s1) + float64(cosLat1*cosLat2*s2*s2)
	return math.Min(1, a)
}

// haversineKM is the distance for haversineA's a.
func haversineKM(a float64) float64 {
	const r = 6371.0088 // mean Earth radius, km
	return 2 * r * fmath.Asin(math.Sqrt(a))
}

// Haversine is the great-circle distance in km.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0088 // mean Earth radius, km
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	s1 := fmath.Sin(dlat / 2)
	s2 := fmath.Sin(dlon / 2)
	a := float64(s1*s1) + float64(fmath.Cos(lat1*rad)*fmath.Cos(lat2*rad)*s2*s2)
	return 2 * r * fmath.Asin(math.Sqrt(math.Min(1, a)))
}

// Margin is the margin rate for a purchase in category.
func (c *Catalog) Margin(category string) float64 {
	if category != "" {
		if m, ok := c.catMargin[category]; ok {
			return m
		}
	}
	return c.marginDef
}

// Basket values the purchase the shopper is considering: the cart if it
// has value, else the viewed item's price, else the expected order value,
// else the bundle's default.
func (c *Catalog) Basket(cartValue, price, expectedAOV float64) float64 {
	switch {
	case cartValue > 0:
		return cartValue
	case price > 0:
		return price
	case expectedAOV > 0:
		return expectedAOV
	}
	return c.basketDef
}

// Request is everything the choice depends on.
type Request struct {
	P0        float64 // propensity with no offer
	Basket    float64 // value of the purchase
	Margin    float64 // margin rate
	Category  string  // viewed category
	CartValue float64 // NaN when unknown
	Channel   shopper.Channel
	Region    string
	Country   string
	Stock     Stock
	Member    Membership
	Epsilon   float64 // exploration rate for this shopper's variant
	Holdout   bool    // the variant never makes offers
	U1, U2    float64 // uniform draws in [0,1) from the request's seed
}

// Choice is the chosen action and the figures behind it.
type Choice struct {
	Action      int
	Greedy      int
	Eligible    int
	Probability float64 // probability the policy picks Action for this request
	Explored    bool
	Profit      float64 // expected profit of Action
	BuyProb     float64 // P(buy | Action)
}

// Choose picks the action with the highest expected profit
//
//	profit(a) = P(buy | a) × (basket × (margin − discount) − cost_on_purchase) − cost_per_exposure
//	P(buy | a) = sigmoid(logit(P0) + lift(a))
//
// among eligible actions. "No offer" (profit P0 × basket × margin) is always
// eligible and wins ties, so a discount is only chosen when the extra
// purchases it brings pay for what it gives away; above the sure-buyer
// propensity, discounts are not even considered. With probability Epsilon the
// action is instead drawn uniformly from the eligible ones, and the
// probability of the action actually chosen is reported for off-policy
// evaluation.
func (c *Catalog) Choose(r *Request, out *Choice) {
	var eligible [MaxOffers + 1]uint8
	var profit, buy [MaxOffers + 1]float64
	base := 0.0
	if r.P0 > 0 && r.P0 < 1 {
		base = fmath.Log(r.P0 / (1 - r.P0))
	} else if r.P0 >= 1 {
		base = 40
	} else {
		base = -40
	}
	n := 1
	eligible[0] = 0
	profit[0] = r.P0 * r.Basket * r.Margin
	buy[0] = r.P0
	best := 0
	if !r.Holdout {
		// The actions the request's lists and flags allow, in index order;
		// the numeric rules of each are tested in the loop.
		for set := c.eligibleSet(r); set != 0; set &= set - 1 {
			i := bits.TrailingZeros64(set)
			a := &c.actions[i]
			if !c.eligibleNumbers(a, r) {
				continue
			}
			lift := a.lift
			for k := range a.segLifts {
				if r.Member.has(a.segLifts[k].seg) {
					lift = a.segLifts[k].lift
					break
				}
			}
			p := 1 / (1 + fmath.Exp(-(base + lift)))
			profit[i] = float64(p*(float64(r.Basket*(r.Margin-a.discount))-a.costOnPurchase)) - a.costPerExposure
			buy[i] = p
			eligible[n] = uint8(i)
			n++
			if profit[i] > profit[best] {
				best = i
			}
		}
	}
	out.Greedy, out.Eligible = best, n
	out.Action, out.Explored = best, false
	eps := r.Epsilon
	if n == 1 || r.Holdout {
		eps = 0
	}
	if eps > 0 && r.U1 < eps {
		k := int(r.U2 * float64(n))
		if k >= n {
			k = n - 1
		}
		out.Action = int(eligible[k])
		out.Explored = out.Action != best
	}
	out.Probability = eps / float64(n)
	if out.Action == best {
		out.Probability += 1 - eps
	}
	out.Profit, out.BuyProb = profit[out.Action], buy[out.Action]
}

// eligibleSet is the set of actions (bit i for action i) that pass every
// rule of eligible but those eligibleNumbers tests.
func (c *Catalog) eligibleSet(r *Request) uint64 {
	m := &c.elig
	set := m.all
	if r.P0 >= c.sureBuyer {
		set &^= m.sure
	}
	seg := m.noSeg
	if t := r.Member.Tier; t >= 0 && t < len(m.tier) {
		seg |= m.tier[t]
	}
	if k := r.Member.Cluster; k >= 0 && k < len(m.cluster) {
		seg |= m.cluster[k]
	}
	for rb := r.Member.Rules; rb != 0; rb &= rb - 1 {
		seg |= m.rule[bits.TrailingZeros64(rb)]
	}
	set &= seg
	cat := m.noCat
	if k := lookup(m.catDict, r.Category); k >= 0 {
		cat |= m.cat[k]
	}
	set &= cat
	reg := m.noReg
	if k := lookup(m.regDict, r.Region); k >= 0 {
		reg |= m.reg[k]
	}
	if k := lookup(m.regDict, r.Country); k >= 0 {
		reg |= m.reg[k]
	}
	set &= reg
	ch := m.noCh
	if int(r.Channel) < len(m.ch) {
		ch |= m.ch[r.Channel]
	}
	set &= ch
	if !r.Stock.Available {
		set &^= m.stock
	}
	return set
}

// lookup is s's index in dict, −1 when s is empty (contains is false for
// an empty string) or not listed. Length and first byte are compared
// first, so a string comparison (a call) is made only for a likely match.
func lookup(dict []string, s string) int {
	if s == "" {
		return -1
	}
	for i, v := range dict {
		if len(v) == len(s) && v[0] == s[0] && v == s {
			return i
		}
	}
	return -1
}

// eligibleNumbers tests the rules of eligible that depend on the action's
// numbers.
func (c *Catalog) eligibleNumbers(a *action, r *Request) bool {
	// float64(…): no FMA on any platform, see RATIONALE.md.
	if float64(r.Basket*(r.Margin-a.discount))-a.costOnPurchase < 0 && a.kind == KindPercentDiscount {
		return false
	}
	if a.minCart > 0 && !(r.CartValue >= a.minCart) {
		return false
	}
	if a.kind == KindStoreNudge && !(r.Stock.NearestKM <= a.radiusKM) {
		return false
	}
	return true
}

// eligible is the specification of eligibility, action by action;
// Choose computes the same with eligibleSet and eligibleNumbers.
func (c *Catalog) eligible(a *action, r *Request) bool {
	if (a.kind == KindPercentDiscount || a.kind == KindFreeShipping) && r.P0 >= c.sureBuyer {
		return false
	}
	// float64(…): no FMA on any platform, see RATIONALE.md.
	if float64(r.Basket*(r.Margin-a.discount))-a.costOnPurchase < 0 && a.kind == KindPercentDiscount {
		// A discount deeper than the margin loses money on every sale.
		return false
	}
	if len(a.segments) > 0 {
		ok := false
		for _, s := range a.segments {
			if r.Member.has(s) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(a.categories) > 0 && !contains(a.categories, r.Category) {
		return false
	}
	if a.minCart > 0 && !(r.CartValue >= a.minCart) {
		return false
	}
	if a.channels != 0 && a.channels&(1<<r.Channel) == 0 {
		return false
	}
	if len(a.regions) > 0 && !contains(a.regions, r.Region) && !contains(a.regions, r.Country) {
		return false
	}
	if a.requiresStock && !r.Stock.Available {
		return false
	}
	if a.kind == KindStoreNudge && !(r.Stock.NearestKM <= a.radiusKM) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	if s == "" {
		return false
	}
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
