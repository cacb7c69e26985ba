package jsonform

import (
	"math"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/module/shopper"
)

func TestParseContext(t *testing.T) {
	doc := `{"shopper_id": "c0ffee", "known": true, "seed": 18446744073709551615,
	 "history": {"frequency": 3, "recency": 120, "tenure": 400, "aov": null,
	             "affinities": {"shoes": 0.6, "hats": 0.1}},
	 "session": {"page": "product", "category": "shoes", "sku": "BOOT-1", "price": 89.9,
	             "cart": [{"sku": "SOCK-2", "category": "socks", "qty": 2, "unit_price": 9.5}],
	             "pageviews": 0, "channel": "call_centre", "device": "mobile"},
	 "place": {"country": "DE", "lat": 52.52, "lon": 13.4, "hour": 0, "weekday": 6}}`
	var c shopper.Context
	if err := ParseContext([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"frequency", c.History.Frequency, 3},
		{"tenure", c.History.Tenure, 400},
		{"pageviews zero is zero", c.Session.Pageviews, 0},
		{"hour zero is zero", c.Place.Hour, 0},
		{"weekday", c.Place.Weekday, 6},
		{"cart line qty", c.Session.Cart[0].Qty, 2},
		{"affinity", c.History.Affinity("shoes"), 0.6},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	for name, v := range map[string]float64{"aov (null)": c.History.AvgOrderValue, "total_spend (absent)": c.History.TotalSpend,
		"minutes (absent)": c.Session.Minutes, "cart_value (absent)": c.Session.CartValue} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %v, want missing", name, v)
		}
	}
	if c.Seed != math.MaxUint64 || !c.Known || c.Session.Channel != shopper.ChannelCallCentre || c.Session.Page != shopper.PageProduct {
		t.Errorf("seed/known/channel/page wrong: %+v", c)
	}
	if c.History.Affinities[0].Category != "hats" {
		t.Errorf("affinities not sorted: %+v", c.History.Affinities)
	}
}

func TestParseContextRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "unexpected end of input (at byte 1)"},
		{"unknown field", `{"shoper_id": "x"}`, "shoper_id: unknown field"},
		{"wrong type", `{"history": {"frequency": "3"}}`, "history.frequency: expected number, got string"},
		{"negative", `{"history": {"frequency": -1}}`, "history.frequency: must be ≥ 0"},
		{"recency after tenure", `{"history": {"recency": 10, "tenure": 5}}`, "history.recency: must not exceed history.tenure"},
		{"bad page", `{"session": {"page": "prodct"}}`, `session.page: unknown value "prodct"; one of home,`},
		{"bad channel", `{"session": {"channel": "fax"}}`, `session.channel: unknown value "fax"`},
		{"cart qty missing", `{"session": {"cart": [{"sku": "a", "unit_price": 1}]}}`, "session.cart[0].qty: required"},
		{"cart extra field", `{"session": {"cart": [{"sku": "a", "qty": 1, "unit_price": 1, "color": "red"}]}}`, "session.cart[0].color: unknown field"},
		{"hour 24", `{"place": {"hour": 24}}`, "place.hour: must be in [0,24)"},
		{"weekday fraction", `{"place": {"weekday": 2.5}}`, "place.weekday: must be an integer"},
		{"latitude", `{"place": {"lat": 91}}`, "place.lat"},
		{"long sku", `{"session": {"sku": "` + strings.Repeat("x", 129) + `"}}`, "session.sku: longer than 128 bytes"},
		{"seed negative", `{"seed": -1}`, "seed"},
		{"duplicate key", `{"known": true, "known": false}`, "known: duplicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c shopper.Context
			err := ParseContext([]byte(tc.doc), &c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// A reused context is fully reset: nothing from the previous shopper leaks.
func TestParseContextResets(t *testing.T) {
	var c shopper.Context
	if err := ParseContext([]byte(`{"shopper_id":"a","known":true,"history":{"frequency":5},"session":{"cart":[{"sku":"x","qty":1,"unit_price":2}]}}`), &c); err != nil {
		t.Fatal(err)
	}
	if err := ParseContext([]byte(`{"shopper_id":"b"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.Known || !math.IsNaN(c.History.Frequency) || len(c.Session.Cart) != 0 {
		t.Fatalf("state leaked: %+v", c)
	}
}
