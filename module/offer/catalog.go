package offer

import (
	"math"
	"strconv"

	"github.com/edgescore/edgescore/module/internal/fmath"
	"github.com/edgescore/edgescore/module/internal/quote"
	"github.com/edgescore/edgescore/module/shopper"
)

// Kinds of action.
const (
	KindNone Kind = iota
	KindPercentDiscount
	KindFreeShipping
	KindStoreNudge
	KindMessage
	numKinds
)

// Kind is the kind of an action.
type Kind uint8

var kindNames = [numKinds]string{"none", "percent_discount", "free_shipping", "store_nudge", "message"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "invalid"
}

// MaxOffers bounds the catalogue (not counting "no offer").
const MaxOffers = 63

// NoOfferID is the id of action 0.
const NoOfferID = "no_offer"

// SegmentRef is a resolved segment name.
type SegmentRef struct {
	Kind  SegmentKind
	Index int
}

// SegmentKind says which of a decision's segment kinds a name refers to.
type SegmentKind uint8

// Segment kinds.
const (
	SegTier SegmentKind = iota + 1
	SegRule
	SegCluster
)

// Membership is a shopper's segments in one decision.
type Membership struct {
	Tier    int
	Cluster int
	Rules   uint64
}

func (m *Membership) has(r SegmentRef) bool {
	switch r.Kind {
	case SegTier:
		return m.Tier == r.Index
	case SegCluster:
		return m.Cluster == r.Index
	case SegRule:
		return m.Rules&(1<<uint(r.Index)) != 0
	}
	return false
}

type action struct {
	id              string
	kind            Kind
	discount        float64
	costOnPurchase  float64
	costPerExposure float64
	lift            float64
	segLifts        []segLift
	segments        []SegmentRef
	categories      []string
	minCart         float64
	channels        uint32 // bit per shopper.Channel
	regions         []string
	requiresStock   bool
	radiusKM        float64

	// The eligibility rules as flags and bit masks, for Choose's fast
	// path (see buildMasks).
	sure, pct, stock, nudge uint   // 1: the rule applies
	segAny, catAny, regAny  uint   // 1: the list is not empty
	segTier, segCluster     uint64 // bit per tier or cluster index
	segRule                 uint64 // bit per rule segment
	catMask, regMask        uint64 // bit per index in Catalog.dict
}

type segLift struct {
	seg  SegmentRef
	lift float64
}

// Catalog is the compiled offer catalogue, inventory and economics;
// immutable.
type Catalog struct {
	actions   []action // [0] is no offer
	marginDef float64
	catMargin map[string]float64
	basketDef float64
	epsilon   float64
	sureBuyer float64
	stores    []Store
	cosLat    []float64 // per store: fmath.Cos(Lat × rad), as Haversine computes it
	skuStock  map[string]*itemStock
	catStock  map[string]*itemStock
	elig      eligMasks
}

// eligMasks holds the eligibility rules as sets of actions, one bit per
// action (MaxOffers+1 ≤ 64), so that Choose narrows the catalogue to the
// eligible actions with a few AND/OR per request instead of testing every
// action's lists with string comparisons and calls (each ~15–20 ns in Go's
// wasm output). Bit i is action i; action 0 is in no set.
type eligMasks struct {
	all                       uint64   // every action but 0
	sure, stock               uint64   // excluded for sure buyers, without stock
	noSeg, noCat, noReg, noCh uint64   // actions without that list
	tier, cluster             []uint64 // by index: actions listing the tier or cluster
	rule                      [64]uint64
	cat, reg                  []uint64 // by index in catDict, regDict
	catDict, regDict          []string
	ch                        [32]uint64 // by channel
}

type itemStock struct {
	global  bool
	regions []string
	stores  []int
}

// Error names the path at fault, relative to the bundle root.
type Error struct{ Path, Msg string }

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// Compile validates the catalogue. resolve maps a segment name to its
// reference.
func Compile(defs []Def, inv *Inventory, econ *Economics, pol *Policy, resolve func(string) (SegmentRef, bool)) (*Catalog, error) {
	if len(defs) > MaxOffers {
		return nil, newError("offers", strconv.Itoa(len(defs))+" offers exceed the maximum "+strconv.Itoa(MaxOffers))
	}
	c := &Catalog{actions: make([]action, 1, len(defs)+1)}
	c.actions[0] = action{id: NoOfferID, kind: KindNone}
	if err := c.compileEconomics(econ, pol); err != nil {
		return nil, err
	}
	if err := c.compileInventory(inv); err != nil {
		return nil, err
	}
	seen := map[string]int{NoOfferID: -1}
	for i := range defs {
		d := &defs[i]
		at := "offers[" + strconv.Itoa(i) + "]"
		if d.ID == "" || len(d.ID) > 64 {
			return nil, newError(at+".id", "must be 1 to 64 characters")
		}
		if j, dup := seen[d.ID]; dup {
			if j < 0 {
				return nil, newError(at+".id", NoOfferID+" is reserved for the implicit no-offer action")
			}
			return nil, newError(at+".id", quote.String(d.ID)+" duplicates offers["+strconv.Itoa(j)+"]")
		}
		seen[d.ID] = i
		a := action{id: d.ID}
		switch d.Kind {
		case "percent_discount":
			a.kind = KindPercentDiscount
			if !(d.Discount > 0 && d.Discount < 1) {
				return nil, newError(at+".discount", "must be in (0,1) for a percent_discount")
			}
		case "free_shipping":
			a.kind = KindFreeShipping
		case "store_nudge":
			a.kind = KindStoreNudge
			if !(d.Eligible.StoreRadiusKM > 0) || math.IsInf(d.Eligible.StoreRadiusKM, 0) {
				return nil, newError(at+".eligible.store_radius_km", "must be > 0 for a store_nudge")
			}
			if len(c.stores) == 0 {
				return nil, newError(at+".kind", "store_nudge needs inventory.stores")
			}
		case "message":
			a.kind = KindMessage
		default:
			return nil, newError(at+".kind", "unknown kind "+quote.String(d.Kind)+"; one of percent_discount, free_shipping, store_nudge, message")
		}
		if !(d.Discount >= 0 && d.Discount < 1) {
			return nil, newError(at+".discount", "must be in [0,1)")
		}
		if a.kind != KindPercentDiscount && d.Discount != 0 {
			return nil, newError(at+".discount", "only a percent_discount has a discount")
		}
		if !nonNeg(d.CostOnPurchase) {
			return nil, newError(at+".cost_on_purchase", "must be finite and ≥ 0")
		}
		if !nonNeg(d.CostPerExposure) {
			return nil, newError(at+".cost_per_exposure", "must be finite and ≥ 0")
		}
		if !finite(d.Lift) || math.Abs(d.Lift) > 10 {
			return nil, newError(at+".lift", "must be a finite logit lift in [-10,10]")
		}
		a.discount, a.costOnPurchase, a.costPerExposure, a.lift = d.Discount, d.CostOnPurchase, d.CostPerExposure, d.Lift
		for k, sl := range d.SegmentLifts {
			sat := at + ".segment_lifts[" + strconv.Itoa(k) + "]"
			ref, ok := resolve(sl.Segment)
			if !ok {
				return nil, newError(sat+".segment", "no tier, rule segment or cluster named "+quote.String(sl.Segment))
			}
			if !finite(sl.Lift) || math.Abs(sl.Lift) > 10 {
				return nil, newError(sat+".lift", "must be a finite logit lift in [-10,10]")
			}
			a.segLifts = append(a.segLifts, segLift{ref, sl.Lift})
		}
		e := &d.Eligible
		for k, s := range e.Segments {
			ref, ok := resolve(s)
			if !ok {
				return nil, newError(at+".eligible.segments["+strconv.Itoa(k)+"]", "no tier, rule segment or cluster named "+quote.String(s))
			}
			a.segments = append(a.segments, ref)
		}
		for k, s := range e.Categories {
			if s == "" {
				return nil, newError(at+".eligible.categories["+strconv.Itoa(k)+"]", "must not be empty")
			}
		}
		a.categories = append([]string(nil), e.Categories...)
		if !nonNeg(e.MinCart) {
			return nil, newError(at+".eligible.min_cart", "must be finite and ≥ 0")
		}
		a.minCart = e.MinCart
		for k, s := range e.Channels {
			ch, ok := shopper.ParseChannel(s)
			if !ok || ch == shopper.ChannelUnknown {
				return nil, newError(at+".eligible.channels["+strconv.Itoa(k)+"]", "unknown channel "+quote.String(s))
			}
			a.channels |= 1 << ch
		}
		for k, s := range e.Regions {
			if s == "" {
				return nil, newError(at+".eligible.regions["+strconv.Itoa(k)+"]", "must not be empty")
			}
		}
		a.regions = append([]string(nil), e.Regions...)
		a.requiresStock = e.RequiresStock
		if e.StoreRadiusKM != 0 && a.kind != KindStoreNudge {
			return nil, newError(at+".eligible.store_radius_km", "applies to store_nudge only")
		}
		a.radiusKM = e.StoreRadiusKM
		c.actions = append(c.actions, a)
	}
	c.buildMasks()
	return c, nil
}

// buildMasks fills c.elig from the actions' eligibility lists.
func (c *Catalog) buildMasks() {
	m := &c.elig
	grow := func(l []uint64, i int) []uint64 {
		for len(l) <= i {
			l = append(l, 0)
		}
		return l
	}
	for i := 1; i < len(c.actions); i++ {
		a := &c.actions[i]
		b := uint64(1) << uint(i)
		m.all |= b
		if a.kind == KindPercentDiscount || a.kind == KindFreeShipping {
			m.sure |= b
		}
		if a.requiresStock {
			m.stock |= b
		}
		if len(a.segments) == 0 {
			m.noSeg |= b
		}
		for _, r := range a.segments {
			if r.Index < 0 {
				continue // no membership has a negative index
			}
			switch r.Kind {
			case SegTier:
				m.tier = grow(m.tier, r.Index)
				m.tier[r.Index] |= b
			case SegCluster:
				m.cluster = grow(m.cluster, r.Index)
				m.cluster[r.Index] |= b
			case SegRule:
				if r.Index < 64 { // Membership.Rules has 64 bits
					m.rule[r.Index] |= b
				}
			}
		}
		if len(a.categories) == 0 {
			m.noCat |= b
		}
		for _, s := range a.categories {
			m.catDict, m.cat = addMask(m.catDict, m.cat, s, b)
		}
		if len(a.regions) == 0 {
			m.noReg |= b
		}
		for _, s := range a.regions {
			m.regDict, m.reg = addMask(m.regDict, m.reg, s, b)
		}
		if a.channels == 0 {
			m.noCh |= b
		}
		for ch := range m.ch {
			if a.channels&(1<<uint(ch)) != 0 {
				m.ch[ch] |= b
			}
		}
	}
}

// addMask ors b into the mask of value s in a dictionary of values and
// their masks, adding s (with an empty mask) when it is new.
func addMask(dict []string, masks []uint64, s string, b uint64) ([]string, []uint64) {
	k := index(dict, s)
	if k < 0 {
		k = len(dict)
		dict, masks = append(dict, s), append(masks, 0)
	}
	masks[k] |= b
	return dict, masks
}

func index(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func (c *Catalog) compileEconomics(econ *Economics, pol *Policy) error {
	if !(econ.MarginRate > 0 && econ.MarginRate <= 1) {
		return newError("economics.margin_rate", "must be in (0,1]")
	}
	c.marginDef = econ.MarginRate
	c.catMargin = make(map[string]float64, len(econ.CategoryMargins))
	for k, v := range econ.CategoryMargins {
		if !(v > 0 && v <= 1) {
			return newError("economics.category_margins."+k, "must be in (0,1]")
		}
		c.catMargin[k] = v
	}
	if !(econ.DefaultBasket > 0) || math.IsInf(econ.DefaultBasket, 0) {
		return newError("economics.default_basket", "must be > 0")
	}
	c.basketDef = econ.DefaultBasket
	if !(pol.Epsilon >= 0 && pol.Epsilon <= 0.5) {
		return newError("policy.epsilon", "must be in [0,0.5]")
	}
	c.epsilon = pol.Epsilon
	switch {
	case pol.SureBuyer == 0:
		c.sureBuyer = 1.01 // off: no propensity reaches it
	case pol.SureBuyer > 0 && pol.SureBuyer <= 1:
		c.sureBuyer = pol.SureBuyer
	default:
		return newError("policy.sure_buyer", "must be in (0,1] (0 turns it off)")
	}
	return nil
}

func (c *Catalog) compileInventory(inv *Inventory) error {
	storeIdx := make(map[string]int, len(inv.Stores))
	for i, s := range inv.Stores {
		at := "inventory.stores[" + strconv.Itoa(i) + "]"
		if s.ID == "" {
			return newError(at+".id", "must not be empty")
		}
		if _, dup := storeIdx[s.ID]; dup {
			return newError(at+".id", "duplicate store "+quote.String(s.ID))
		}
		if !(s.Lat >= -90 && s.Lat <= 90) {
			return newError(at+".lat", "must be in [-90,90]")
		}
		if !(s.Lon >= -180 && s.Lon <= 180) {
			return newError(at+".lon", "must be in [-180,180]")
		}
		storeIdx[s.ID] = i
	}
	c.stores = append([]Store(nil), inv.Stores...)
	c.cosLat = make([]float64, len(c.stores))
	for i := range c.stores {
		c.cosLat[i] = fmath.Cos(c.stores[i].Lat * rad)
	}
	c.skuStock = map[string]*itemStock{}
	c.catStock = map[string]*itemStock{}
	for i, e := range inv.Stock {
		at := "inventory.stock[" + strconv.Itoa(i) + "]"
		if (e.SKU == "") == (e.Category == "") {
			return newError(at, "exactly one of sku and category is required")
		}
		if e.Store != "" && e.Region != "" {
			return newError(at, "at most one of store and region")
		}
		if !nonNeg(e.Qty) {
			return newError(at+".qty", "must be finite and ≥ 0")
		}
		m, key := c.skuStock, e.SKU
		if key == "" {
			m, key = c.catStock, e.Category
		}
		it := m[key]
		if it == nil {
			it = &itemStock{}
			m[key] = it
		}
		if e.Qty <= 0 {
			continue // tracked, and out of stock there
		}
		switch {
		case e.Store != "":
			si, ok := storeIdx[e.Store]
			if !ok {
				return newError(at+".store", "no store "+quote.String(e.Store)+" in inventory.stores")
			}
			it.stores = append(it.stores, si)
		case e.Region != "":
			it.regions = append(it.regions, e.Region)
		default:
			it.global = true
		}
	}
	return nil
}

// NumActions is the number of actions including "no offer".
func (c *Catalog) NumActions() int { return len(c.actions) }

// ActionID is action i's id.
func (c *Catalog) ActionID(i int) string { return c.actions[i].id }

// ActionKind is action i's kind.
func (c *Catalog) ActionKind(i int) Kind { return c.actions[i].kind }

// Epsilon is the catalogue's default exploration rate.
func (c *Catalog) Epsilon() float64 { return c.epsilon }

func nonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// newError makes an Error. It is not inlined: an allocation inlined at each
// of Compile's 34 error returns made the wasm guest 5 KB larger for error
// paths only.
//
//go:noinline
func newError(path, msg string) *Error { return &Error{path, msg} }
