package main

import (
	"fmt"
	"strings"

	"github.com/edgescore/edgescore/module/shopper"
)

// edgeCases are the held-out contexts written by hand (or drawn and then
// overridden) so that the golden files cover what random visits rarely
// reach: every page type × channel, every device, empty and extreme
// histories, huge carts, stock edge cases and positions far from any store.
func edgeCases(w *world, g *generator) []shopper.Context {
	var out []shopper.Context
	add := func(id string, edit func(c *shopper.Context)) {
		c := g.next().observed
		c.ShopperID = "edge-" + id
		edit(&c)
		out = append(out, c)
	}
	blank := func(id string, edit func(c *shopper.Context)) {
		var c shopper.Context
		c.Reset()
		c.ShopperID = "edge-" + id
		c.Seed = uint64(len(out)) * 0x9e3779b97f4a7
		edit(&c)
		out = append(out, c)
	}

	// Every page type (unknown included) on every channel, devices in turn.
	k := 0
	for page := shopper.PageUnknown; page.Valid(); page++ {
		for ch := shopper.ChannelUnknown; ch.Valid(); ch++ {
			dev := shopper.Device(k % 4)
			add(fmt.Sprintf("page-%d-channel-%d", page, ch), func(c *shopper.Context) {
				c.Session.Page, c.Session.Channel, c.Session.Device = page, ch, dev
			})
			k++
		}
	}

	blank("empty", func(c *shopper.Context) {})
	blank("known-no-history", func(c *shopper.Context) { c.Known = true })
	blank("extreme-history", func(c *shopper.Context) {
		c.Known = true
		h := &c.History
		h.Frequency, h.Recency, h.Tenure, h.AvgOrderValue, h.TotalSpend = 500, 4990, 5000, 80, 40080
		for _, cat := range categories {
			h.Affinities = append(h.Affinities, shopper.Affinity{Category: cat.name, Score: 0.125})
		}
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "shoes", "SHO-0002", w.skuByID["SHO-0002"].price
		c.Session.Channel, c.Session.Device = shopper.ChannelApp, shopper.DeviceMobile
		c.Place = shopper.Place{Country: "DE", Region: "DE-BE", Lat: 52.52, Lon: 13.40, Hour: 21, Weekday: 5}
	})
	blank("lapsed-whale", func(c *shopper.Context) {
		c.Known = true
		h := &c.History
		h.Frequency, h.Recency, h.Tenure, h.AvgOrderValue, h.TotalSpend = 40, 300, 2400, 310, 12700
		h.Affinities = []shopper.Affinity{{Category: "electronics", Score: 0.7}, {Category: "home", Score: 0.3}}
		c.Session.Page, c.Session.Channel, c.Session.Device = shopper.PageCart, shopper.ChannelEmail, shopper.DeviceDesktop
		c.Session.Cart = []shopper.CartLine{{SKU: "ELE-0001", Category: "electronics", Qty: 1, UnitPrice: w.skuByID["ELE-0001"].price}}
		c.Session.Pageviews, c.Session.Minutes = 3, 2.5
		c.Place = shopper.Place{Country: "DE", Region: "DE-BE", Lat: 52.5219, Lon: 13.4132, Hour: 10, Weekday: 1}
	})
	blank("joined-today", func(c *shopper.Context) {
		c.Known = true
		h := &c.History
		h.Frequency, h.Recency, h.Tenure, h.TotalSpend = 0, 0, 0, 49.9
		h.Affinities = []shopper.Affinity{{Category: "kids", Score: 1}}
		c.Session.Page, c.Session.Category = shopper.PageCategory, "kids"
		c.Place = shopper.Place{Country: "NL", Region: "NL-NH", Lat: 52.37, Lon: 4.89, Hour: 0, Weekday: 0}
	})
	blank("cart-64-lines", func(c *shopper.Context) {
		c.Known = true
		c.History.Frequency, c.History.Recency, c.History.Tenure, c.History.AvgOrderValue = 6, 200, 400, 75
		c.Session.Page, c.Session.Channel, c.Session.Device = shopper.PageCheckout, shopper.ChannelWeb, shopper.DeviceDesktop
		for i := 0; i < shopper.MaxCartLines; i++ {
			s := w.skus[i%len(categories)][i%skusPerCategory]
			c.Session.Cart = append(c.Session.Cart, shopper.CartLine{SKU: s.id, Category: categories[s.cat].name, Qty: float64(1 + i%3), UnitPrice: s.price})
		}
		c.Session.Pageviews, c.Session.Minutes = 80, 95
		c.Place = shopper.Place{Country: "FR", Region: "FR-IDF", Lat: 48.86, Lon: 2.34, Hour: 14, Weekday: 2}
	})
	blank("cart-lines-no-cart-value", func(c *shopper.Context) {
		c.Session.Page = shopper.PageCart
		c.Session.Cart = []shopper.CartLine{
			{SKU: "APP-0002", Category: "apparel", Qty: 2, UnitPrice: 39.99},
			{SKU: "APP-0003", Category: "apparel", Qty: 0, UnitPrice: 19.99},
			{SKU: "ACC-0001", Qty: 1, UnitPrice: 0},
			{Category: "beauty", Qty: 3, UnitPrice: 9.5},
		}
		c.Place = shopper.Place{Country: "GB", Region: "GB-LND", Lat: 51.51, Lon: -0.13, Hour: 3, Weekday: 6}
	})
	blank("cart-value-zero-with-lines", func(c *shopper.Context) {
		c.Session.Page, c.Session.CartValue = shopper.PageCart, 0
		c.Session.Cart = []shopper.CartLine{{SKU: "SPO-0001", Category: "sports", Qty: 1, UnitPrice: 70}}
	})
	blank("cart-value-huge", func(c *shopper.Context) {
		c.Known = true
		c.History.Frequency, c.History.Recency, c.History.Tenure, c.History.AvgOrderValue, c.History.TotalSpend = 12, 700, 720, 900, 11500
		c.Session.Page, c.Session.CartValue, c.Session.Channel = shopper.PageCheckout, 1e6, shopper.ChannelCallCentre
		c.Session.Cart = []shopper.CartLine{{SKU: "ELE-0007", Category: "electronics", Qty: 500, UnitPrice: 2000}}
	})
	blank("price-zero", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "accessories", "ACC-0040", 0
		c.Session.Pageviews, c.Session.Minutes = 0, 0
	})
	blank("price-huge-long-session", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "electronics", "ELE-0002", 25000
		c.Session.Pageviews, c.Session.Minutes = 500, 1000
		c.Session.Channel, c.Session.Device = shopper.ChannelSocial, shopper.DeviceTablet
		c.Place = shopper.Place{Country: "ES", Region: "ES-MD", Lat: 40.42, Lon: -3.70, Hour: 23, Weekday: 6}
	})
	blank("at-store-sku-in-stock", func(c *shopper.Context) {
		c.Known = true
		c.History.Frequency, c.History.Recency, c.History.Tenure, c.History.AvgOrderValue, c.History.TotalSpend = 9, 340, 365, 95, 1020
		c.History.Affinities = []shopper.Affinity{{Category: "shoes", Score: 0.8}, {Category: "sports", Score: 0.2}}
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "shoes", "SHO-0001", w.skuByID["SHO-0001"].price
		c.Session.Channel, c.Session.Device = shopper.ChannelApp, shopper.DeviceMobile
		c.Place = shopper.Place{Country: "DE", Region: "DE-BE", Lat: 52.5219, Lon: 13.4132, Hour: 17, Weekday: 5}
	})
	blank("sku-out-of-stock-everywhere", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "electronics", "ELE-0003", w.skuByID["ELE-0003"].price
		c.Place = shopper.Place{Country: "GB", Region: "GB-LND", Lat: 51.5154, Lon: -0.1410, Hour: 12, Weekday: 3}
	})
	blank("sku-only-store-out-of-stock", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "sports", "SPO-0010", w.skuByID["SPO-0010"].price
		c.Session.Cart = []shopper.CartLine{{SKU: "SPO-0010", Category: "sports", Qty: 1, UnitPrice: w.skuByID["SPO-0010"].price}}
		c.Place = shopper.Place{Country: "ES", Region: "ES-MD", Lat: 40.4200, Lon: -3.7058, Hour: 19, Weekday: 4}
	})
	blank("region-stock-only", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "apparel", "APP-0002", w.skuByID["APP-0002"].price
		c.Place = shopper.Place{Country: "GB", Region: "GB-LND", Lat: shopper.Missing, Lon: shopper.Missing, Hour: 9, Weekday: 0}
	})
	blank("beauty-country-stock", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category = shopper.PageCategory, "beauty"
		c.Place = shopper.Place{Country: "GB", Lat: 53.48, Lon: -2.24, Hour: 20, Weekday: 2}
	})
	blank("unknown-category", func(c *shopper.Context) {
		c.Known = true
		c.History.Affinities = []shopper.Affinity{{Category: "garden", Score: 0.9}, {Category: "home", Score: 0.1}}
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "garden", "GAR-0001", 35
		c.Place = shopper.Place{Country: "NL", Region: "NL-UT", Lat: 52.09, Lon: 5.12, Hour: 8, Weekday: 5}
	})
	blank("untracked-category-near-store", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category = shopper.PageCategory, "kids"
		c.Place = shopper.Place{Country: "DE", Region: "DE-HH", Lat: 53.553, Lon: 9.9925, Hour: 11, Weekday: 3}
	})
	blank("far-from-stores", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category, c.Session.SKU, c.Session.Price = shopper.PageProduct, "electronics", "ELE-0004", w.skuByID["ELE-0004"].price
		c.Session.Channel, c.Session.Device = shopper.ChannelWeb, shopper.DeviceDesktop
		c.Place = shopper.Place{Country: "US", Region: "US-NY", Lat: 40.713, Lon: -74.006, Hour: 15, Weekday: 2}
	})
	blank("southern-hemisphere", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category = shopper.PageCategory, "shoes"
		c.Place = shopper.Place{Country: "AU", Lat: -33.8688, Lon: 151.2093, Hour: 6, Weekday: 0}
	})
	blank("region-without-country", func(c *shopper.Context) {
		c.Session.Page, c.Session.Category = shopper.PageCategory, "home"
		c.Place = shopper.Place{Region: "DE-BE", Lat: shopper.Missing, Lon: shopper.Missing, Hour: shopper.Missing, Weekday: 4}
	})
	blank("many-affinities", func(c *shopper.Context) {
		c.Known = true
		c.History.Frequency, c.History.Recency, c.History.Tenure = 2, 30, 400
		for i := 0; i < shopper.MaxAffinities; i++ {
			name := fmt.Sprintf("cat%02d", i)
			if i < len(categories) {
				name = categories[i].name
			}
			c.History.Affinities = append(c.History.Affinities, shopper.Affinity{Category: name, Score: 1 / float64(shopper.MaxAffinities)})
		}
		c.Session.Page, c.Session.Category = shopper.PageSearch, "beauty"
	})
	blank("app-only", func(c *shopper.Context) { c.Session.Channel = shopper.ChannelApp })
	blank("long-id-max-seed", func(c *shopper.Context) {
		c.ShopperID = strings.Repeat("x", shopper.MaxStringLen)
		c.Seed = 1<<53 - 1
		c.Session.Page, c.Session.CartValue = shopper.PageHome, 0
	})
	blank("seed-zero", func(c *shopper.Context) {
		c.Seed = 0
		c.Session.Page, c.Session.CartValue, c.Session.Pageviews = shopper.PageCart, 120, 4
		c.Session.Channel = shopper.ChannelEmail
	})
	return out
}
