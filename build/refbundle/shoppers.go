package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/edgescore/edgescore/module/shopper"
)

// The data generating process (README.md explains it in prose).
//
// A draw is one visit: the true context, the context as observed (some
// fields lost at random), the shopper's latent traits and the true
// probability that the visit ends in a purchase. Training labels are
// Bernoulli draws of that probability; the models never see the latent
// traits or the truth, only the observed context's features.

type latent struct {
	lambda  float64   // purchase rate per week while alive (BG/NBD's λ)
	pref    []float64 // category preference (sums to 1)
	effect  float64   // shopper-level random effect on the purchase logit
	hasPref bool
}

type draw struct {
	truth    shopper.Context
	observed shopper.Context
	lat      latent
	p        float64 // true P(purchase in this visit)
}

type generator struct {
	w       *world
	r       *rand.Rand
	storeKM func(c *shopper.Context) float64 // from the bundle's inventory
}

var (
	// Indexed by shopper.PageType: unknown, home, category, product,
	// search, cart, checkout, other.
	pageShare  = []float64{0.03, 0.14, 0.20, 0.30, 0.10, 0.12, 0.06, 0.05}
	pageEffect = []float64{-0.2, -0.6, -0.2, 0.3, 0.0, 1.3, 2.4, -0.8}
	// Indexed by shopper.Channel: unknown, web, app, social, email,
	// call_centre.
	channelShare  = []float64{0.06, 0.48, 0.18, 0.12, 0.12, 0.04}
	channelEffect = []float64{-0.1, 0, 0.45, -0.45, 0.35, 0.6}
	// Local hour of the visit: a diurnal curve, low at night.
	hourShare = []float64{1.2, 0.8, 0.5, 0.4, 0.4, 0.6, 1.2, 2.2, 3.2, 3.8, 4.2, 4.6,
		5.0, 4.8, 4.4, 4.2, 4.3, 4.6, 5.2, 6.0, 6.4, 5.6, 4.0, 2.4}
	weekdayShare = []float64{1, 1, 1, 1, 1.1, 1.3, 1.3}
)

func newGenerator(w *world, seed uint64, storeKM func(*shopper.Context) float64) *generator {
	return &generator{w: w, r: rand.New(rand.NewPCG(seed, 0x5eed)), storeKM: storeKM}
}

// next draws one visit.
func (g *generator) next() *draw {
	r := g.r
	d := &draw{}
	c := &d.truth
	c.Reset()
	c.ShopperID = fmt.Sprintf("shp-%016x", r.Uint64())
	c.Seed = r.Uint64() >> 11 // < 2^53: exact in every JSON reader
	c.Known = bernoulli(r, 0.65)
	d.lat.effect = 0.35 * r.NormFloat64()
	d.lat.pref = make([]float64, len(categories))
	for i, cat := range categories {
		d.lat.pref[i] = cat.pop
	}
	if c.Known {
		g.history(c, &d.lat)
	}
	g.session(c, &d.lat)
	g.place(c)
	d.p = sigmoid(g.trueLogit(c, &d.lat))
	d.observed = cloneContext(c)
	g.mask(&d.observed)
	return d
}

// history simulates a known shopper's purchases as BG/NBD and Gamma-Gamma
// assume them: purchases arrive as a Poisson process with rate λ while the
// shopper is alive, after each repeat purchase the shopper drops out with
// probability p, and order values are Gamma(6.25, ν) with ν ~ Gamma(3.74,
// 15.44) per shopper (the CDNOW estimates), scaled to euros.
func (g *generator) history(c *shopper.Context, lat *latent) {
	r := g.r
	h := &c.History
	tenure := math.Floor(1 + 1460*math.Pow(r.Float64(), 1.5))
	lat.lambda = gammaRand(r, 0.9, 1/3.0)
	drop := betaRand(r, 0.8, 4.0)
	nu := gammaRand(r, 3.74, 1/15.44)
	order := func() float64 { return round(2.5*gammaRand(r, 6.25, 1/nu), 2) }
	x, tx, t := 0, 0.0, 0.0
	total := order()
	var repeat float64
	for x < 2000 {
		t += r.ExpFloat64() * 7 / lat.lambda
		if t > tenure {
			break
		}
		x++
		tx = t
		v := order()
		repeat += v
		total += v
		if bernoulli(r, drop) {
			break
		}
	}
	h.Frequency = float64(x)
	h.Recency = math.Floor(tx)
	h.Tenure = tenure
	h.TotalSpend = round(total, 2)
	if x > 0 {
		h.AvgOrderValue = round(repeat/float64(x), 2)
	}
	// Category preference: Dirichlet around the shop's popularity. The
	// affinities are the shares of (up to 50 of) the past purchases.
	var sum float64
	for i := range lat.pref {
		lat.pref[i] = gammaRand(r, 0.5, 1) * categories[i].pop
		sum += lat.pref[i]
	}
	for i := range lat.pref {
		lat.pref[i] /= sum
	}
	lat.hasPref = true
	n := min(x+1, 50)
	counts := make([]int, len(categories))
	for k := 0; k < n; k++ {
		counts[pick(r, lat.pref)]++
	}
	for i, k := range counts {
		if k > 0 {
			h.Affinities = append(h.Affinities, shopper.Affinity{Category: categories[i].name, Score: round(float64(k)/float64(n), 3)})
		}
	}
}

// browseCategory is the category a shopper looks at: their own preference
// 60% of the time when known, else the shop's popularity.
func (g *generator) browseCategory(c *shopper.Context, lat *latent) int {
	if lat.hasPref && bernoulli(g.r, 0.6) {
		return pick(g.r, lat.pref)
	}
	w := make([]float64, len(categories))
	for i, cat := range categories {
		w[i] = cat.pop
	}
	return pick(g.r, w)
}

func (g *generator) session(c *shopper.Context, lat *latent) {
	r := g.r
	s := &c.Session
	s.Page = shopper.PageType(pick(r, pageShare))
	ci := -1
	switch s.Page {
	case shopper.PageCategory, shopper.PageProduct:
		ci = g.browseCategory(c, lat)
	case shopper.PageSearch:
		if bernoulli(r, 0.3) {
			ci = g.browseCategory(c, lat)
		}
	}
	atCart := s.Page == shopper.PageCart || s.Page == shopper.PageCheckout
	pCart := 0.2
	if c.Known {
		pCart = 0.35
	}
	if atCart || bernoulli(r, pCart) {
		mean := 1.0
		if s.Page == shopper.PageCheckout {
			mean = 1.6
		}
		n := min(1+geometric(r, mean), 12)
		var sum float64
		for k := 0; k < n; k++ {
			sk := g.w.popularSKU(r, g.browseCategory(c, lat))
			qty := float64(1 + geometric(r, 0.4))
			s.Cart = append(s.Cart, shopper.CartLine{SKU: sk.id, Category: categories[sk.cat].name, Qty: qty, UnitPrice: sk.price})
			sum += qty * sk.price
		}
		if bernoulli(r, 0.7) {
			if bernoulli(r, 0.1) {
				sum *= 0.9 // a coupon already applied by the shop
			}
			s.CartValue = round(sum, 2)
		}
		if atCart && bernoulli(r, 0.5) {
			ci = categoryIndex(s.Cart[0].Category)
		}
	} else if bernoulli(r, 0.5) {
		s.CartValue = 0 // the shop says: empty cart
	}
	if ci >= 0 {
		s.Category = categories[ci].name
		if s.Page == shopper.PageProduct {
			sk := g.w.popularSKU(r, ci)
			s.SKU = sk.id
			s.Price = sk.price
			if bernoulli(r, 0.1) {
				s.Price = round(sk.price*0.8, 2) // on promotion
			}
		}
	}
	mean := 4.0
	if atCart {
		mean = 7
	}
	pv := float64(1 + geometric(r, mean))
	if bernoulli(r, 0.05) {
		pv *= 3 // a long session
	}
	s.Pageviews = pv
	s.Minutes = round(0.9*pv*math.Exp(0.6*r.NormFloat64()), 1)
	s.Channel = shopper.Channel(pick(r, channelShare))
	switch s.Channel {
	case shopper.ChannelApp:
		s.Device = shopper.DeviceMobile
		if bernoulli(r, 0.2) {
			s.Device = shopper.DeviceTablet
		}
	case shopper.ChannelCallCentre:
		s.Device = shopper.Device(pick(r, []float64{0.3, 0.7, 0, 0}))
	default:
		s.Device = shopper.Device(pick(r, []float64{0.05, 0.42, 0.45, 0.08}))
	}
}

func (g *generator) place(c *shopper.Context) {
	r := g.r
	p := &c.Place
	w := make([]float64, len(countries))
	for i, k := range countries {
		w[i] = k.share
	}
	p.Country = countries[pick(r, w)].code
	if p.Country != "" {
		list := g.w.byCountry[p.Country]
		ct := list[r.IntN(len(list))]
		p.Region = ct.region
		p.Lat = round(ct.lat+0.1*r.NormFloat64(), 4)
		p.Lon = round(ct.lon+0.15*r.NormFloat64(), 4)
	}
	p.Hour = float64(pick(r, hourShare))
	p.Weekday = float64(pick(r, weekdayShare))
}

// trueLogit is the hidden model of the purchase logit. It reads the true
// context and the latent traits, with interactions no single feature shows:
// affinity matters most on product pages, lapsed shoppers with big carts
// abandon, apps convert and night visits do not.
func (g *generator) trueLogit(c *shopper.Context, lat *latent) float64 {
	s, h, p := &c.Session, &c.History, &c.Place
	z := -3.5 + pageEffect[s.Page] + lat.effect
	cart := s.EffectiveCartValue()
	if cart > 0 {
		z += 0.45 * math.Log1p(cart/50)
	}
	if s.Page == shopper.PageCart || s.Page == shopper.PageCheckout {
		z += 0.08 * float64(min(len(s.Cart), 5))
	}
	if s.Category != "" {
		if a := h.Affinity(s.Category); a == a {
			z += 1.3 * a
			if s.Page == shopper.PageProduct && a >= 0.3 {
				z += 0.4
			}
		}
	}
	if c.Known {
		z += 0.25 + 0.3*math.Log1p(h.Frequency) + 0.6*math.Log1p(4*lat.lambda)
		if h.Frequency > 0 {
			since := h.Tenure - h.Recency
			z -= 0.5 * math.Min(since/180, 2)
			if cart > 150 && since > 90 {
				z -= 0.5
			}
		}
	}
	z += channelEffect[s.Channel]
	if s.Channel != shopper.ChannelApp {
		switch s.Device {
		case shopper.DeviceMobile:
			z -= 0.25
		case shopper.DeviceTablet:
			z -= 0.1
		}
	}
	switch {
	case p.Hour < 5:
		z -= 0.6
	case p.Hour >= 19 && p.Hour <= 22:
		z += 0.25
	}
	if p.Weekday >= 5 {
		z += 0.1
	}
	z += 0.35*math.Log1p(s.Pageviews) - 0.015*s.Pageviews
	if s.Page == shopper.PageProduct && s.Price > 0 {
		z -= 0.3 * math.Log(s.Price/80)
	}
	if km := g.storeKM(c); km < 10 {
		z += 0.25
	}
	switch p.Country {
	case "US":
		z -= 0.4
	case "":
		z -= 0.2
	}
	return z
}

// mask loses fields at random, as real traffic does: about one value in
// ten of each kind goes missing.
func (g *generator) mask(c *shopper.Context) {
	r := g.r
	h, s, p := &c.History, &c.Session, &c.Place
	nan := shopper.Missing
	if c.Known {
		if bernoulli(r, 0.03) { // a profile whose history failed to load
			h.Frequency, h.Recency, h.Tenure, h.AvgOrderValue, h.TotalSpend = nan, nan, nan, nan, nan
			h.Affinities = nil
		} else {
			for _, f := range []*float64{&h.Frequency, &h.Recency, &h.Tenure, &h.AvgOrderValue, &h.TotalSpend} {
				if bernoulli(r, 0.04) {
					*f = nan
				}
			}
			if bernoulli(r, 0.05) {
				h.Affinities = nil
			}
		}
	}
	if bernoulli(r, 0.08) {
		s.Price = nan
	}
	if bernoulli(r, 0.1) {
		s.Pageviews = nan
	}
	if bernoulli(r, 0.1) {
		s.Minutes = nan
	}
	if bernoulli(r, 0.1) {
		p.Hour = nan
	}
	if bernoulli(r, 0.1) {
		p.Weekday = nan
	}
	if bernoulli(r, 0.1) {
		p.Lat, p.Lon = nan, nan
	}
	if bernoulli(r, 0.08) {
		p.Region = ""
	}
}

func cloneContext(c *shopper.Context) shopper.Context {
	out := *c
	out.History.Affinities = slices.Clone(c.History.Affinities)
	out.Session.Cart = slices.Clone(c.Session.Cart)
	return out
}
