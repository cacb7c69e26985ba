package shopper

import "math"

// Missing is the value of a numeric field that was not observed. It is a quiet
// NaN: arithmetic keeps it missing, every comparison with it is false, and
// XGBoost routes it down each split's default branch, which is exactly how
// trained tree models expect an absent value to behave.
var Missing = math.NaN()

// IsMissing reports whether v is the missing marker (any NaN).
func IsMissing(v float64) bool { return v != v }

// Context is everything known about one shopper at the moment of one visit:
// the input of one decision.
//
// Numeric fields use Missing (NaN) for "not observed" so that zero stays a real
// value (zero pageviews, an empty cart, midnight). String fields use "" for
// missing and enumerations use their zero value (Unknown). A zero Context is
// therefore NOT an empty one: call Reset before filling a reused Context.
//
// Times in History are in days. A bundle's lifetime value model states the
// length of its period (7 for the weekly CDNOW parameters) and converts.
type Context struct {
	// ShopperID is an opaque identifier, already hashed by the caller (a
	// cookie id or a hashed customer number). It feeds experiment bucketing
	// and the exploration seed; it is never interpreted.
	ShopperID string
	// Known is true when the shopper has been identified (logged in or a
	// valid profile cookie); false for a first visit.
	Known bool
	// Seed is request-scoped randomness chosen by the host (for example the
	// low bits of the decision id). Exploration draws only from Seed and
	// ShopperID, so a decision can be replayed exactly.
	Seed uint64

	History History
	Session Session
	Place   Place
}

// History summarises the shopper's past purchases, in days.
type History struct {
	// Frequency is the number of repeat purchases x (purchases after the
	// first), as in BG/NBD.
	Frequency float64
	// Recency is t_x: days from the first purchase to the last one.
	Recency float64
	// Tenure is T: days from the first purchase to now.
	Tenure float64
	// AvgOrderValue is the mean value of the repeat purchases (Gamma-Gamma's
	// z̄, in the shop's currency).
	AvgOrderValue float64
	// TotalSpend is the sum of all purchases.
	TotalSpend float64
	// Affinities are scores per product category (for example the share of
	// past spend), at most MaxAffinities of them.
	Affinities []Affinity
}

// Affinity is the shopper's affinity to one category.
type Affinity struct {
	Category string
	Score    float64
}

// Session describes the current visit.
type Session struct {
	Page     PageType
	Category string  // category being viewed, "" if none
	SKU      string  // SKU being viewed, "" if none
	Price    float64 // unit price of the viewed SKU
	Cart     []CartLine
	// CartValue is the cart's value as the shop computed it. When Missing
	// and Cart has lines, the sum of the lines is used.
	CartValue float64
	Pageviews float64 // pages seen in this session
	Minutes   float64 // minutes on site in this session
	Channel   Channel
	Device    Device
}

// CartLine is one line in the shopper's cart.
type CartLine struct {
	SKU       string
	Category  string
	Qty       float64
	UnitPrice float64
}

// Place is where and when the shopper is.
type Place struct {
	Country string // ISO 3166-1 alpha-2, "" if unknown
	Region  string // shop-defined region code, "" if unknown
	Lat     float64
	Lon     float64
	Hour    float64 // local hour of day, 0–23
	Weekday float64 // local day of week, 0 = Monday … 6 = Sunday
}

// Limits on the variable-length parts of a context. They bound the work of one
// decision and the size of the wire record.
const (
	MaxAffinities = 32
	MaxCartLines  = 64
	MaxStringLen  = 128
)

// Reset makes c an empty context: every numeric field Missing, every string
// empty, slices truncated (their capacity is kept so a reused Context does not
// allocate).
func (c *Context) Reset() {
	aff := c.History.Affinities[:0]
	cart := c.Session.Cart[:0]
	*c = Context{}
	c.History = History{
		Frequency: Missing, Recency: Missing, Tenure: Missing,
		AvgOrderValue: Missing, TotalSpend: Missing, Affinities: aff,
	}
	c.Session = Session{
		Price: Missing, Cart: cart, CartValue: Missing,
		Pageviews: Missing, Minutes: Missing,
	}
	c.Place = Place{Lat: Missing, Lon: Missing, Hour: Missing, Weekday: Missing}
}

// EffectiveCartValue is CartValue when present, else the sum of the cart
// lines, else Missing when there is no cart information at all.
func (s *Session) EffectiveCartValue() float64 {
	if !IsMissing(s.CartValue) {
		return s.CartValue
	}
	if len(s.Cart) == 0 {
		return Missing
	}
	var v float64
	for i := range s.Cart {
		l := &s.Cart[i]
		if IsMissing(l.Qty) || IsMissing(l.UnitPrice) {
			continue
		}
		v += float64(l.Qty * l.UnitPrice) // float64: never fused into an FMA
	}
	return v
}

// Affinity returns the shopper's affinity to category, or Missing.
func (h *History) Affinity(category string) float64 {
	for i := range h.Affinities {
		if h.Affinities[i].Category == category {
			return h.Affinities[i].Score
		}
	}
	return Missing
}
