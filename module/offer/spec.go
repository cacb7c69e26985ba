package offer

// Def is one action in the catalogue, as authored. "No offer" is implicit:
// it is always action 0 and always eligible.
type Def struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // percent_discount | free_shipping | store_nudge | message
	// Discount is the fraction of the basket given away, in [0,1).
	Discount float64 `json:"discount,omitempty"`
	// CostOnPurchase is paid only when the shopper buys (e.g. the shipping
	// the shop absorbs); CostPerExposure every time the offer is shown.
	CostOnPurchase  float64 `json:"cost_on_purchase,omitempty"`
	CostPerExposure float64 `json:"cost_per_exposure,omitempty"`
	// Lift is the action's effect on the purchase logit; SegmentLifts
	// override it for shoppers in a segment (the first listed match wins).
	Lift         float64       `json:"lift"`
	SegmentLifts []SegmentLift `json:"segment_lifts,omitempty"`
	Eligible     Eligibility   `json:"eligible,omitempty"`
}

// SegmentLift is a lift for shoppers in one segment (a tier, rule segment or
// cluster name).
type SegmentLift struct {
	Segment string  `json:"segment"`
	Lift    float64 `json:"lift"`
}

// Eligibility lists conditions that must all hold; an empty list means no
// condition of that kind.
type Eligibility struct {
	Segments   []string `json:"segments,omitempty"`   // in any of these (tier, rule segment or cluster names)
	Categories []string `json:"categories,omitempty"` // viewing any of these categories
	MinCart    float64  `json:"min_cart,omitempty"`   // cart value at least this
	Channels   []string `json:"channels,omitempty"`   // on any of these channels
	Regions    []string `json:"regions,omitempty"`    // shopper's region or country is one of these
	// RequiresStock: the viewed SKU must be in stock for the shopper's
	// place (online/global stock, the place's region, or a store there).
	RequiresStock bool `json:"requires_stock,omitempty"`
	// StoreRadiusKM (store_nudge only, required there): a store within this
	// distance has the viewed SKU in stock.
	StoreRadiusKM float64 `json:"store_radius_km,omitempty"`
}

// Inventory is stock per SKU or category, per store, region, or everywhere.
type Inventory struct {
	Stores []Store      `json:"stores,omitempty"`
	Stock  []StockEntry `json:"stock,omitempty"`
}

// Store is a physical store.
type Store struct {
	ID     string  `json:"id"`
	Region string  `json:"region,omitempty"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
}

// StockEntry is the quantity of one SKU (or of a whole category, when the
// shop tracks stock that way) at one store, in one region, or — with neither
// — available everywhere (online).
type StockEntry struct {
	SKU      string  `json:"sku,omitempty"`
	Category string  `json:"category,omitempty"`
	Store    string  `json:"store,omitempty"`
	Region   string  `json:"region,omitempty"`
	Qty      float64 `json:"qty"`
}

// Economics values a purchase.
type Economics struct {
	// MarginRate is the gross margin as a fraction of the basket;
	// CategoryMargins overrides it for the viewed category.
	MarginRate      float64            `json:"margin_rate"`
	CategoryMargins map[string]float64 `json:"category_margins,omitempty"`
	// DefaultBasket values a purchase when there is no cart, no viewed
	// price and no expected order value.
	DefaultBasket float64 `json:"default_basket"`
}

// Policy tunes the choice.
type Policy struct {
	// Epsilon is the exploration rate: with this probability the action is
	// drawn uniformly from the eligible ones instead of the best.
	Epsilon float64 `json:"epsilon"`
	// SureBuyer: at or above this propensity, actions that cost money on
	// purchase (discounts, free shipping) are not eligible — never pay a
	// shopper who will buy anyway. 0 means 1 (off).
	SureBuyer float64 `json:"sure_buyer,omitempty"`
}
