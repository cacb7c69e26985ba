package main

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The shop's world: categories with their popularity and price level, a SKU
// catalogue, and the cities shoppers visit from. The stores and stock are
// not here: they are the bundle's inventory, read from template.json, so the
// store_km feature is computed from the same inventory at training and at
// scoring time.

type category struct {
	name   string
	prefix string  // SKU prefix
	pop    float64 // share of browsing
	median float64 // median unit price
}

var categories = []category{
	{"shoes", "SHO", 0.16, 90},
	{"apparel", "APP", 0.22, 45},
	{"accessories", "ACC", 0.10, 30},
	{"beauty", "BEA", 0.10, 25},
	{"electronics", "ELE", 0.12, 220},
	{"home", "HOM", 0.12, 60},
	{"sports", "SPO", 0.10, 70},
	{"kids", "KID", 0.08, 28},
}

// skusPerCategory SKUs per category, ids PREFIX-0001 …
const skusPerCategory = 40

type sku struct {
	id    string
	cat   int
	price float64
}

type city struct {
	name     string
	country  string
	region   string // the shop's region code
	lat, lon float64
}

// Cities by country. Stores (template.json) are in DE, FR, GB, NL and ES;
// IT, AT and US shoppers have none nearby.
var cities = []city{
	{"Berlin", "DE", "DE-BE", 52.520, 13.405},
	{"Munich", "DE", "DE-BY", 48.137, 11.575},
	{"Hamburg", "DE", "DE-HH", 53.551, 9.993},
	{"Cologne", "DE", "DE-NW", 50.938, 6.960},
	{"Frankfurt", "DE", "DE-HE", 50.110, 8.682},
	{"Leipzig", "DE", "DE-SN", 51.340, 12.375},
	{"Paris", "FR", "FR-IDF", 48.857, 2.352},
	{"Lyon", "FR", "FR-ARA", 45.764, 4.836},
	{"Marseille", "FR", "FR-PAC", 43.296, 5.370},
	{"Lille", "FR", "FR-HDF", 50.629, 3.057},
	{"London", "GB", "GB-LND", 51.507, -0.128},
	{"Manchester", "GB", "GB-MAN", 53.481, -2.243},
	{"Birmingham", "GB", "GB-BIR", 52.486, -1.890},
	{"Edinburgh", "GB", "GB-EDH", 55.953, -3.188},
	{"Amsterdam", "NL", "NL-NH", 52.368, 4.904},
	{"Rotterdam", "NL", "NL-ZH", 51.924, 4.478},
	{"Utrecht", "NL", "NL-UT", 52.091, 5.122},
	{"Madrid", "ES", "ES-MD", 40.417, -3.704},
	{"Barcelona", "ES", "ES-CT", 41.385, 2.173},
	{"Valencia", "ES", "ES-VC", 39.470, -0.376},
	{"Milan", "IT", "IT-25", 45.464, 9.190},
	{"Rome", "IT", "IT-62", 41.903, 12.496},
	{"Vienna", "AT", "AT-9", 48.208, 16.373},
	{"New York", "US", "US-NY", 40.713, -74.006},
}

// Country shares; "" is an unknown country (no geo-IP).
var countries = []struct {
	code  string
	share float64
}{
	{"DE", 0.30}, {"FR", 0.18}, {"GB", 0.18}, {"NL", 0.10}, {"ES", 0.10},
	{"IT", 0.05}, {"AT", 0.03}, {"US", 0.03}, {"", 0.03},
}

type world struct {
	skus      [][]sku // by category
	skuByID   map[string]sku
	byCountry map[string][]city
}

// newWorld builds the SKU catalogue from its own seed, so that the
// catalogue does not depend on how many shoppers are drawn.
func newWorld() *world {
	r := rand.New(rand.NewPCG(seedWorld, 1))
	w := &world{skuByID: map[string]sku{}, byCountry: map[string][]city{}}
	for ci, c := range categories {
		var list []sku
		for k := 1; k <= skusPerCategory; k++ {
			p := c.median * math.Exp(0.5*r.NormFloat64())
			p = math.Max(4.99, math.Round(p)-0.01)
			s := sku{id: fmt.Sprintf("%s-%04d", c.prefix, k), cat: ci, price: p}
			list = append(list, s)
			w.skuByID[s.id] = s
		}
		w.skus = append(w.skus, list)
	}
	for _, c := range cities {
		w.byCountry[c.country] = append(w.byCountry[c.country], c)
	}
	return w
}

// popularSKU draws a SKU of category ci, low numbers more popular.
func (w *world) popularSKU(r *rand.Rand, ci int) sku {
	u := r.Float64()
	return w.skus[ci][int(float64(skusPerCategory)*u*u)]
}

func categoryIndex(name string) int {
	for i, c := range categories {
		if c.name == name {
			return i
		}
	}
	return -1
}
