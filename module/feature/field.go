package feature

import (
	"math"

	"github.com/edgescore/edgescore/module/shopper"
)

// Field is a value read from the shopper context (or derived from it and the
// bundle's inventory). Numeric fields are float64 with NaN for missing;
// categorical fields are strings with "" for missing.
type Field uint8

// Fields. Their spelling in bundles is Field.String().
const (
	FieldInvalid Field = iota
	// numeric
	FieldKnown             // 1 when the shopper is identified, else 0 (never missing)
	FieldFrequency         // repeat purchases x
	FieldRecency           // t_x, days
	FieldTenure            // T, days
	FieldDaysSincePurchase // T − t_x, days since the last purchase
	FieldAOV               // average order value
	FieldTotalSpend        // total spend
	FieldAffinity          // affinity to the category named by Def.Key
	FieldViewedAffinity    // affinity to the category being viewed
	FieldPrice             // price of the viewed SKU
	FieldCartValue         // cart value (lines summed when not given)
	FieldCartLines         // number of cart lines (missing when no cart information)
	FieldCartQty           // total quantity in the cart
	FieldPageviews         // pageviews this session
	FieldMinutes           // minutes on site this session
	FieldLat               // latitude
	FieldLon               // longitude
	FieldHour              // local hour 0–23
	FieldWeekday           // local weekday 0 (Monday)–6
	FieldStoreKM           // km to the nearest store with the viewed SKU in stock
	// categorical
	FieldPageType
	FieldChannel
	FieldDevice
	FieldCategory
	FieldSKU
	FieldCountry
	FieldRegion
	numFields
)

var fieldNames = [numFields]string{
	"", "known", "frequency", "recency", "tenure", "days_since_purchase", "aov", "total_spend",
	"affinity", "viewed_affinity", "price", "cart_value", "cart_lines", "cart_qty", "pageviews",
	"minutes", "lat", "lon", "hour", "weekday", "store_km",
	"page_type", "channel", "device", "category", "sku", "country", "region",
}

func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return "invalid"
}

// ParseField returns the field named s.
func ParseField(s string) (Field, bool) {
	for i := 1; i < int(numFields); i++ {
		if fieldNames[i] == s {
			return Field(i), true
		}
	}
	return FieldInvalid, false
}

// Categorical reports whether f holds a string rather than a number.
func (f Field) Categorical() bool { return f >= FieldPageType && f < numFields }

// Fields lists every field (for documentation and rule environments).
func Fields() []Field {
	out := make([]Field, 0, numFields-1)
	for f := Field(1); f < numFields; f++ {
		out = append(out, f)
	}
	return out
}

// Derived holds context values that need the bundle to compute; the scorer
// fills it once per decision.
type Derived struct {
	StoreKM float64 // FieldStoreKM; NaN when unknown
}

// Number reads a numeric field. key is the category for FieldAffinity.
func Number(f Field, key string, c *shopper.Context, d *Derived) float64 {
	h, s, p := &c.History, &c.Session, &c.Place
	switch f {
	case FieldKnown:
		if c.Known {
			return 1
		}
		return 0
	case FieldFrequency:
		return h.Frequency
	case FieldRecency:
		return h.Recency
	case FieldTenure:
		return h.Tenure
	case FieldDaysSincePurchase:
		return h.Tenure - h.Recency
	case FieldAOV:
		return h.AvgOrderValue
	case FieldTotalSpend:
		return h.TotalSpend
	case FieldAffinity:
		return h.Affinity(key)
	case FieldViewedAffinity:
		if s.Category == "" {
			return math.NaN()
		}
		return h.Affinity(s.Category)
	case FieldPrice:
		return s.Price
	case FieldCartValue:
		return s.EffectiveCartValue()
	case FieldCartLines:
		if len(s.Cart) == 0 && shopper.IsMissing(s.CartValue) {
			return math.NaN()
		}
		return float64(len(s.Cart))
	case FieldCartQty:
		if len(s.Cart) == 0 && shopper.IsMissing(s.CartValue) {
			return math.NaN()
		}
		var q float64
		for i := range s.Cart {
			if v := s.Cart[i].Qty; v == v {
				q += v
			}
		}
		return q
	case FieldPageviews:
		return s.Pageviews
	case FieldMinutes:
		return s.Minutes
	case FieldLat:
		return p.Lat
	case FieldLon:
		return p.Lon
	case FieldHour:
		return p.Hour
	case FieldWeekday:
		return p.Weekday
	case FieldStoreKM:
		return d.StoreKM
	}
	return math.NaN()
}

// Text reads a categorical field ("" when missing).
func Text(f Field, c *shopper.Context) string {
	switch f {
	case FieldPageType:
		return c.Session.Page.String()
	case FieldChannel:
		return c.Session.Channel.String()
	case FieldDevice:
		return c.Session.Device.String()
	case FieldCategory:
		return c.Session.Category
	case FieldSKU:
		return c.Session.SKU
	case FieldCountry:
		return c.Place.Country
	case FieldRegion:
		return c.Place.Region
	}
	return ""
}
