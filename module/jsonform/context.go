package jsonform

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/edgescore/edgescore/internal/strictjson"
	"github.com/edgescore/edgescore/module/shopper"
)

// The JSON form of a shopper context. Numeric fields that are absent or null
// are missing (NaN), never zero.
//
//	{"shopper_id": "c0ffee", "known": true, "seed": 42,
//	 "history": {"frequency": 3, "recency": 120, "tenure": 400, "aov": 54.2,
//	             "total_spend": 216.8, "affinities": {"shoes": 0.6}},
//	 "session": {"page": "product", "category": "shoes", "sku": "SKU-1",
//	             "price": 89.9, "cart": [{"sku": "SKU-2", "category": "socks",
//	             "qty": 2, "unit_price": 9.5}], "cart_value": 19,
//	             "pageviews": 4, "minutes": 6.5, "channel": "web", "device": "mobile"},
//	 "place": {"country": "DE", "region": "DE-BE", "lat": 52.52, "lon": 13.40,
//	           "hour": 21, "weekday": 4}}
type contextJSON struct {
	ShopperID string      `json:"shopper_id"`
	Known     bool        `json:"known"`
	Seed      uint64      `json:"seed"`
	History   historyJSON `json:"history"`
	Session   sessionJSON `json:"session"`
	Place     placeJSON   `json:"place"`
}

type historyJSON struct {
	Frequency  float64            `json:"frequency"`
	Recency    float64            `json:"recency"`
	Tenure     float64            `json:"tenure"`
	AOV        float64            `json:"aov"`
	TotalSpend float64            `json:"total_spend"`
	Affinities map[string]float64 `json:"affinities"`
}

type sessionJSON struct {
	Page      string     `json:"page"`
	Category  string     `json:"category"`
	SKU       string     `json:"sku"`
	Price     float64    `json:"price"`
	Cart      []lineJSON `json:"cart"`
	CartValue float64    `json:"cart_value"`
	Pageviews float64    `json:"pageviews"`
	Minutes   float64    `json:"minutes"`
	Channel   string     `json:"channel"`
	Device    string     `json:"device"`
}

type lineJSON struct {
	SKU       string   `json:"sku"`
	Category  string   `json:"category"`
	Qty       *float64 `json:"qty"`
	UnitPrice *float64 `json:"unit_price"`
}

type placeJSON struct {
	Country string  `json:"country"`
	Region  string  `json:"region"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	Hour    float64 `json:"hour"`
	Weekday float64 `json:"weekday"`
}

// MaxContextJSON bounds a context document.
const MaxContextJSON = 64 << 10

// ContextError names the offending field of a context document.
type ContextError struct {
	Path   string
	Offset int // byte offset, or −1
	Msg    string
}

func (e *ContextError) Error() string {
	s := e.Path + ": " + e.Msg
	if e.Path == "" {
		s = e.Msg
	}
	if e.Offset >= 0 {
		s += " (at byte " + strconv.Itoa(e.Offset) + ")"
	}
	return s
}

// ParseContext reads a context document into c (which it Resets first),
// strictly: unknown fields, wrong types, out-of-range values and unknown
// enumeration values are errors naming the field.
func ParseContext(data []byte, c *shopper.Context) error {
	if len(data) > MaxContextJSON {
		return &ContextError{Offset: -1, Msg: "context JSON larger than 64 KiB"}
	}
	nan := math.NaN()
	j := contextJSON{
		History: historyJSON{Frequency: nan, Recency: nan, Tenure: nan, AOV: nan, TotalSpend: nan},
		Session: sessionJSON{Price: nan, CartValue: nan, Pageviews: nan, Minutes: nan},
		Place:   placeJSON{Lat: nan, Lon: nan, Hour: nan, Weekday: nan},
	}
	if err := strictjson.Unmarshal(data, &j, strictjson.NullFloatNaN()); err != nil {
		var je *strictjson.Error
		if errors.As(err, &je) {
			return &ContextError{Path: je.Path, Offset: int(je.Offset), Msg: je.Msg}
		}
		return &ContextError{Offset: -1, Msg: err.Error()}
	}
	c.Reset()
	return fill(&j, c)
}

func fill(j *contextJSON, c *shopper.Context) error {
	if err := checkString("shopper_id", j.ShopperID); err != nil {
		return err
	}
	c.ShopperID, c.Known, c.Seed = j.ShopperID, j.Known, j.Seed
	h := &j.History
	for _, f := range []struct {
		name string
		v    float64
	}{{"history.frequency", h.Frequency}, {"history.recency", h.Recency}, {"history.tenure", h.Tenure},
		{"history.aov", h.AOV}, {"history.total_spend", h.TotalSpend},
		{"session.price", j.Session.Price}, {"session.cart_value", j.Session.CartValue},
		{"session.pageviews", j.Session.Pageviews}, {"session.minutes", j.Session.Minutes}} {
		if f.v < 0 {
			return &ContextError{Path: f.name, Offset: -1, Msg: "must be ≥ 0"}
		}
	}
	if h.Recency > h.Tenure {
		return &ContextError{Path: "history.recency", Offset: -1, Msg: "must not exceed history.tenure"}
	}
	c.History.Frequency, c.History.Recency, c.History.Tenure = h.Frequency, h.Recency, h.Tenure
	c.History.AvgOrderValue, c.History.TotalSpend = h.AOV, h.TotalSpend
	if len(h.Affinities) > shopper.MaxAffinities {
		return &ContextError{Path: "history.affinities", Offset: -1, Msg: "more than " + strconv.Itoa(shopper.MaxAffinities) + " categories"}
	}
	cats := make([]string, 0, len(h.Affinities))
	for k := range h.Affinities {
		cats = append(cats, k)
	}
	slices.Sort(cats) // maps are unordered; the context must not be
	for _, k := range cats {
		if err := checkString("history.affinities."+k, k); err != nil {
			return err
		}
		c.History.Affinities = append(c.History.Affinities, shopper.Affinity{Category: k, Score: h.Affinities[k]})
	}

	s := &j.Session
	var ok bool
	if c.Session.Page, ok = shopper.ParsePageType(s.Page); !ok {
		return enumErr("session.page", s.Page, shopper.PageTypeNames())
	}
	if c.Session.Channel, ok = shopper.ParseChannel(s.Channel); !ok {
		return enumErr("session.channel", s.Channel, shopper.ChannelNames())
	}
	if c.Session.Device, ok = shopper.ParseDevice(s.Device); !ok {
		return enumErr("session.device", s.Device, shopper.DeviceNames())
	}
	for _, f := range [][2]string{{"session.category", s.Category}, {"session.sku", s.SKU}} {
		if err := checkString(f[0], f[1]); err != nil {
			return err
		}
	}
	c.Session.Category, c.Session.SKU, c.Session.Price = s.Category, s.SKU, s.Price
	c.Session.CartValue, c.Session.Pageviews, c.Session.Minutes = s.CartValue, s.Pageviews, s.Minutes
	if len(s.Cart) > shopper.MaxCartLines {
		return &ContextError{Path: "session.cart", Offset: -1, Msg: "more than " + strconv.Itoa(shopper.MaxCartLines) + " lines"}
	}
	for i, l := range s.Cart {
		at := "session.cart[" + strconv.Itoa(i) + "]"
		if err := checkString(at+".sku", l.SKU); err != nil {
			return err
		}
		if err := checkString(at+".category", l.Category); err != nil {
			return err
		}
		if l.Qty == nil || *l.Qty != *l.Qty || *l.Qty < 0 {
			return &ContextError{Path: at + ".qty", Offset: -1, Msg: "required, ≥ 0"}
		}
		if l.UnitPrice == nil || *l.UnitPrice != *l.UnitPrice || *l.UnitPrice < 0 {
			return &ContextError{Path: at + ".unit_price", Offset: -1, Msg: "required, ≥ 0"}
		}
		c.Session.Cart = append(c.Session.Cart, shopper.CartLine{SKU: l.SKU, Category: l.Category, Qty: *l.Qty, UnitPrice: *l.UnitPrice})
	}

	p := &j.Place
	for _, f := range [][2]string{{"place.country", p.Country}, {"place.region", p.Region}} {
		if err := checkString(f[0], f[1]); err != nil {
			return err
		}
	}
	switch {
	case p.Lat < -90 || p.Lat > 90:
		return &ContextError{Path: "place.lat", Offset: -1, Msg: "must be in [-90,90]"}
	case p.Lon < -180 || p.Lon > 180:
		return &ContextError{Path: "place.lon", Offset: -1, Msg: "must be in [-180,180]"}
	case p.Hour < 0 || p.Hour >= 24:
		return &ContextError{Path: "place.hour", Offset: -1, Msg: "must be in [0,24)"}
	case p.Weekday < 0 || p.Weekday > 6 || (p.Weekday == p.Weekday && p.Weekday != math.Trunc(p.Weekday)):
		return &ContextError{Path: "place.weekday", Offset: -1, Msg: "must be an integer in [0,6] (0 = Monday)"}
	}
	c.Place = shopper.Place{Country: p.Country, Region: p.Region, Lat: p.Lat, Lon: p.Lon, Hour: p.Hour, Weekday: p.Weekday}
	return nil
}

func checkString(path, s string) error {
	if len(s) > shopper.MaxStringLen {
		return &ContextError{Path: path, Offset: -1, Msg: "longer than " + strconv.Itoa(shopper.MaxStringLen) + " bytes"}
	}
	return nil
}

func enumErr(path, got string, names []string) error {
	return &ContextError{Path: path, Offset: -1, Msg: "unknown value " + strconv.Quote(got) + "; one of " + strings.Join(names, ", ")}
}
