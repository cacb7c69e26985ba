package abi

import (
	"math"

	"github.com/edgescore/edgescore/module/shopper"
)

// The context record: the input of decide. A fixed header, then the
// variable part in this order: the five header strings (shopper id,
// session category, session SKU, country, region), the affinities, the cart
// lines. Numbers are little-endian; floats are IEEE 754 bit patterns (NaN is
// "missing" and its payload is kept); strings are raw bytes with their length
// in the header or entry. The record's length must be exactly the sum of its
// parts.
const (
	CtxSeed          = 0   // u64
	CtxFrequency     = 8   // f64 history.frequency
	CtxRecency       = 16  // f64 history.recency
	CtxTenure        = 24  // f64 history.tenure
	CtxAvgOrderValue = 32  // f64 history.avg_order_value
	CtxTotalSpend    = 40  // f64 history.total_spend
	CtxPrice         = 48  // f64 session.price
	CtxCartValue     = 56  // f64 session.cart_value
	CtxPageviews     = 64  // f64 session.pageviews
	CtxMinutes       = 72  // f64 session.minutes
	CtxLat           = 80  // f64 place.lat
	CtxLon           = 88  // f64 place.lon
	CtxHour          = 96  // f64 place.hour
	CtxWeekday       = 104 // f64 place.weekday
	CtxFlags         = 112 // u8: bit 0 known; other bits zero
	CtxPage          = 113 // u8 shopper.PageType
	CtxChannel       = 114 // u8 shopper.Channel
	CtxDevice        = 115 // u8 shopper.Device
	CtxShopperIDLen  = 116 // u8
	CtxCategoryLen   = 117 // u8 session.category
	CtxSKULen        = 118 // u8 session.sku
	CtxCountryLen    = 119 // u8 place.country
	CtxRegionLen     = 120 // u8 place.region
	CtxAffinityCount = 121 // u8, at most shopper.MaxAffinities
	CtxCartCount     = 122 // u8, at most shopper.MaxCartLines
	CtxReserved      = 123 // u8, zero
	CtxHeaderSize    = 124

	// FlagKnown is bit 0 of the flags byte: Context.Known.
	FlagKnown = 1 << 0

	// An affinity entry: f64 score, u8 category length, the category.
	AffinityFixedSize = 9
	// A cart line entry: f64 qty, f64 unit price, u8 SKU length, u8
	// category length, the SKU, the category.
	CartLineFixedSize = 18

	// MaxContextSize is the largest valid context record.
	MaxContextSize = CtxHeaderSize + 5*shopper.MaxStringLen +
		shopper.MaxAffinities*(AffinityFixedSize+shopper.MaxStringLen) +
		shopper.MaxCartLines*(CartLineFixedSize+2*shopper.MaxStringLen)
)

// header field offsets of the f64 fields, in record order, with the
// accessors into a Context; used by both directions so they cannot disagree.
func ctxFloats(c *shopper.Context) [13]*float64 {
	return [13]*float64{
		&c.History.Frequency, &c.History.Recency, &c.History.Tenure,
		&c.History.AvgOrderValue, &c.History.TotalSpend,
		&c.Session.Price, &c.Session.CartValue, &c.Session.Pageviews, &c.Session.Minutes,
		&c.Place.Lat, &c.Place.Lon, &c.Place.Hour, &c.Place.Weekday,
	}
}

// ContextSize validates c for the wire and returns the size of its record.
func ContextSize(c *shopper.Context) (int, error) {
	n := CtxHeaderSize
	for i, s := range [5]string{c.ShopperID, c.Session.Category, c.Session.SKU, c.Place.Country, c.Place.Region} {
		if len(s) > shopper.MaxStringLen {
			return 0, tooLong(headerStringNames[i])
		}
		n += len(s)
	}
	if !c.Session.Page.Valid() {
		return 0, encodeErr("session.page", "invalid page type "+utoa(uint64(c.Session.Page)))
	}
	if !c.Session.Channel.Valid() {
		return 0, encodeErr("session.channel", "invalid channel "+utoa(uint64(c.Session.Channel)))
	}
	if !c.Session.Device.Valid() {
		return 0, encodeErr("session.device", "invalid device "+utoa(uint64(c.Session.Device)))
	}
	if len(c.History.Affinities) > shopper.MaxAffinities {
		return 0, encodeErr("history.affinities", "more than "+utoa(shopper.MaxAffinities)+" entries")
	}
	for i := range c.History.Affinities {
		a := &c.History.Affinities[i]
		if len(a.Category) > shopper.MaxStringLen {
			return 0, tooLong("history.affinities[" + utoa(uint64(i)) + "].category")
		}
		n += AffinityFixedSize + len(a.Category)
	}
	if len(c.Session.Cart) > shopper.MaxCartLines {
		return 0, encodeErr("session.cart", "more than "+utoa(shopper.MaxCartLines)+" lines")
	}
	for i := range c.Session.Cart {
		l := &c.Session.Cart[i]
		if len(l.SKU) > shopper.MaxStringLen {
			return 0, tooLong("session.cart[" + utoa(uint64(i)) + "].sku")
		}
		if len(l.Category) > shopper.MaxStringLen {
			return 0, tooLong("session.cart[" + utoa(uint64(i)) + "].category")
		}
		n += CartLineFixedSize + len(l.SKU) + len(l.Category)
	}
	return n, nil
}

var headerStringNames = [5]string{"shopper_id", "session.category", "session.sku", "place.country", "place.region"}

// PutContext writes the record of c at the start of dst and returns its
// length. It fails, writing nothing, when c does not fit the wire (a string
// longer than shopper.MaxStringLen, too many entries, an invalid
// enumeration) or dst is too short. It allocates nothing, so a host can
// encode straight into guest memory.
func PutContext(dst []byte, c *shopper.Context) (int, error) {
	n, err := ContextSize(c)
	if err != nil {
		return 0, err
	}
	if len(dst) < n {
		return 0, encodeErr("", "record of "+utoa(uint64(n))+" bytes does not fit a buffer of "+utoa(uint64(len(dst))))
	}
	le := littleEndian{}
	h := dst[:CtxHeaderSize]
	le.PutUint64(h[CtxSeed:], c.Seed)
	for i, p := range ctxFloats(c) {
		le.PutUint64(h[CtxFrequency+8*i:], math.Float64bits(*p))
	}
	var flags byte
	if c.Known {
		flags |= FlagKnown
	}
	h[CtxFlags] = flags
	h[CtxPage] = byte(c.Session.Page)
	h[CtxChannel] = byte(c.Session.Channel)
	h[CtxDevice] = byte(c.Session.Device)
	h[CtxShopperIDLen] = byte(len(c.ShopperID))
	h[CtxCategoryLen] = byte(len(c.Session.Category))
	h[CtxSKULen] = byte(len(c.Session.SKU))
	h[CtxCountryLen] = byte(len(c.Place.Country))
	h[CtxRegionLen] = byte(len(c.Place.Region))
	h[CtxAffinityCount] = byte(len(c.History.Affinities))
	h[CtxCartCount] = byte(len(c.Session.Cart))
	h[CtxReserved] = 0

	o := CtxHeaderSize
	o += copy(dst[o:], c.ShopperID)
	o += copy(dst[o:], c.Session.Category)
	o += copy(dst[o:], c.Session.SKU)
	o += copy(dst[o:], c.Place.Country)
	o += copy(dst[o:], c.Place.Region)
	for i := range c.History.Affinities {
		a := &c.History.Affinities[i]
		le.PutUint64(dst[o:], math.Float64bits(a.Score))
		dst[o+8] = byte(len(a.Category))
		o += AffinityFixedSize
		o += copy(dst[o:], a.Category)
	}
	for i := range c.Session.Cart {
		l := &c.Session.Cart[i]
		le.PutUint64(dst[o:], math.Float64bits(l.Qty))
		le.PutUint64(dst[o+8:], math.Float64bits(l.UnitPrice))
		dst[o+16] = byte(len(l.SKU))
		dst[o+17] = byte(len(l.Category))
		o += CartLineFixedSize
		o += copy(dst[o:], l.SKU)
		o += copy(dst[o:], l.Category)
	}
	return o, nil
}

// AppendContext appends the record of c to dst.
func AppendContext(dst []byte, c *shopper.Context) ([]byte, error) {
	n, err := ContextSize(c)
	if err != nil {
		return dst, err
	}
	dst = grow(dst, n)
	if _, err := PutContext(dst[len(dst)-n:], c); err != nil {
		return dst[:len(dst)-n], err
	}
	return dst, nil
}

// StringFunc makes a string of bytes of a record. DecodeContext calls it for
// every string it sets; nil means string(b), a copy. The guest passes a
// function that aliases its input buffer instead, to decode without
// allocating; such strings are valid only while the buffer is unchanged.
type StringFunc func(b []byte) string

// DecodeContext decodes a context record into c, reusing the capacity of
// c's slices. It checks the whole record (lengths, limits, enumerations,
// reserved bits, exact size) and never panics; on error c is left reset or
// partly filled.
//
// It runs on every decide in the guest, so it writes every field of c
// once, from the record, rather than resetting c first and overwriting it:
// in Go's wasm output the reset (a struct clear with pointer fields, then
// NaN stores) cost as much as the rest of the decode.
func DecodeContext(rec []byte, c *shopper.Context, str StringFunc) error {
	if err := checkHeader(rec); err != nil {
		c.Reset()
		return err
	}
	if str == nil {
		str = copyString
	}
	le := littleEndian{}
	h := rec[:CtxHeaderSize]
	f := func(o int) float64 { return math.Float64frombits(le.Uint64(h[o:])) }
	c.Seed = le.Uint64(h[CtxSeed:])
	c.Known = h[CtxFlags]&FlagKnown != 0
	c.History.Frequency = f(CtxFrequency)
	c.History.Recency = f(CtxRecency)
	c.History.Tenure = f(CtxTenure)
	c.History.AvgOrderValue = f(CtxAvgOrderValue)
	c.History.TotalSpend = f(CtxTotalSpend)
	c.Session.Page = shopper.PageType(h[CtxPage])
	c.Session.Price = f(CtxPrice)
	c.Session.CartValue = f(CtxCartValue)
	c.Session.Pageviews = f(CtxPageviews)
	c.Session.Minutes = f(CtxMinutes)
	c.Session.Channel = shopper.Channel(h[CtxChannel])
	c.Session.Device = shopper.Device(h[CtxDevice])
	c.Place.Lat = f(CtxLat)
	c.Place.Lon = f(CtxLon)
	c.Place.Hour = f(CtxHour)
	c.Place.Weekday = f(CtxWeekday)

	// checkHeader made sure the five header strings are within rec.
	o := CtxHeaderSize
	c.ShopperID, o = takeIn(rec, o, int(h[CtxShopperIDLen]), str)
	c.Session.Category, o = takeIn(rec, o, int(h[CtxCategoryLen]), str)
	c.Session.SKU, o = takeIn(rec, o, int(h[CtxSKULen]), str)
	c.Place.Country, o = takeIn(rec, o, int(h[CtxCountryLen]), str)
	c.Place.Region, o = takeIn(rec, o, int(h[CtxRegionLen]), str)

	na, nc := int(h[CtxAffinityCount]), int(h[CtxCartCount])
	aff := c.History.Affinities
	if cap(aff) < na {
		aff = make([]shopper.Affinity, na)
	}
	aff = aff[:na]
	c.History.Affinities = aff
	var ok bool
	for i := range aff {
		if len(rec)-o < AffinityFixedSize {
			return decodeFail(c, truncated(o))
		}
		a := &aff[i]
		a.Score = math.Float64frombits(le.Uint64(rec[o:]))
		n := int(rec[o+8])
		if n > shopper.MaxStringLen {
			return decodeFail(c, decodeErr(o+8, "affinity category longer than "+utoa(shopper.MaxStringLen)+" bytes"))
		}
		if a.Category, o, ok = take(rec, o+AffinityFixedSize, n, str); !ok {
			return decodeFail(c, truncated(o))
		}
	}

	cart := c.Session.Cart
	if cap(cart) < nc {
		cart = make([]shopper.CartLine, nc)
	}
	cart = cart[:nc]
	c.Session.Cart = cart
	for i := range cart {
		if len(rec)-o < CartLineFixedSize {
			return decodeFail(c, truncated(o))
		}
		l := &cart[i]
		l.Qty = math.Float64frombits(le.Uint64(rec[o:]))
		l.UnitPrice = math.Float64frombits(le.Uint64(rec[o+8:]))
		ns, nk := int(rec[o+16]), int(rec[o+17])
		if ns > shopper.MaxStringLen || nk > shopper.MaxStringLen {
			return decodeFail(c, decodeErr(o+16, "cart line string longer than "+utoa(shopper.MaxStringLen)+" bytes"))
		}
		if l.SKU, o, ok = take(rec, o+CartLineFixedSize, ns, str); !ok {
			return decodeFail(c, truncated(o))
		}
		if l.Category, o, ok = take(rec, o, nk, str); !ok {
			return decodeFail(c, truncated(o))
		}
	}
	if o != len(rec) {
		return decodeFail(c, decodeErr(o, utoa(uint64(len(rec)-o))+" bytes after the end of the record"))
	}
	return nil
}

// checkHeader checks the header of a context record: size limits, flags,
// the reserved byte, enumerations, string lengths and entry counts, and
// that the five header strings lie within the record.
func checkHeader(rec []byte) error {
	if len(rec) < CtxHeaderSize {
		return decodeErr(len(rec), "record of "+utoa(uint64(len(rec)))+" bytes is shorter than the "+utoa(CtxHeaderSize)+"-byte header")
	}
	if len(rec) > MaxContextSize {
		return decodeErr(MaxContextSize, "record of "+utoa(uint64(len(rec)))+" bytes is longer than "+utoa(MaxContextSize))
	}
	h := rec[:CtxHeaderSize]
	if h[CtxFlags]&^FlagKnown != 0 {
		return decodeErr(CtxFlags, "unknown flag bits set")
	}
	if h[CtxReserved] != 0 {
		return decodeErr(CtxReserved, "reserved byte is not zero")
	}
	if page := shopper.PageType(h[CtxPage]); !page.Valid() {
		return decodeErr(CtxPage, "invalid page type "+utoa(uint64(page)))
	}
	if channel := shopper.Channel(h[CtxChannel]); !channel.Valid() {
		return decodeErr(CtxChannel, "invalid channel "+utoa(uint64(channel)))
	}
	if device := shopper.Device(h[CtxDevice]); !device.Valid() {
		return decodeErr(CtxDevice, "invalid device "+utoa(uint64(device)))
	}
	for i := CtxShopperIDLen; i <= CtxRegionLen; i++ {
		if h[i] > shopper.MaxStringLen {
			return decodeErr(i, headerStringNames[i-CtxShopperIDLen]+" longer than "+utoa(shopper.MaxStringLen)+" bytes")
		}
	}
	if int(h[CtxAffinityCount]) > shopper.MaxAffinities {
		return decodeErr(CtxAffinityCount, "more than "+utoa(shopper.MaxAffinities)+" affinities")
	}
	if int(h[CtxCartCount]) > shopper.MaxCartLines {
		return decodeErr(CtxCartCount, "more than "+utoa(shopper.MaxCartLines)+" cart lines")
	}
	o := CtxHeaderSize
	for i := CtxShopperIDLen; i <= CtxRegionLen; i++ {
		if n := int(h[i]); n > len(rec)-o {
			return truncated(o)
		} else {
			o += n
		}
	}
	return nil
}

// decodeFail resets c and returns err (cold: error paths only).
//
//go:noinline
func decodeFail(c *shopper.Context, err error) error {
	c.Reset()
	return err
}

// takeIn is take for a string known to lie within rec.
func takeIn(rec []byte, o, n int, str StringFunc) (string, int) {
	if n == 0 {
		return "", o
	}
	return str(rec[o : o+n]), o + n
}

// take returns the n-byte string at rec[o:] and the offset after it; ok is
// false (and the offset o) when the record is too short.
func take(rec []byte, o, n int, str StringFunc) (string, int, bool) {
	if n > len(rec)-o {
		return "", o, false
	}
	if n == 0 {
		return "", o, true
	}
	return str(rec[o : o+n]), o + n, true
}

func copyString(b []byte) string { return string(b) }

func truncated(o int) error { return decodeErr(o, "record ends early") }

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}
