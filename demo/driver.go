package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// persona is a synthetic shopper: where they are, what they use and like,
// and how likely they are to buy.
type persona struct {
	id       int
	client   *http.Client
	country  string
	region   string
	lat, lon float64
	tz       string
	ua       string
	medium   string
	likes    string  // favourite category
	buy      float64 // base probability of buying once at checkout
	cartRate float64 // probability of adding a viewed product to the cart
}

var places = []struct {
	country, region, tz string
	lat, lon            float64
}{
	{"DE", "DE-BE", "Europe/Berlin", 52.52, 13.40}, {"DE", "DE-BY", "Europe/Berlin", 48.14, 11.58},
	{"FR", "FR-IDF", "Europe/Paris", 48.86, 2.35}, {"GB", "GB-LND", "Europe/London", 51.51, -0.13},
	{"NL", "NL-NH", "Europe/Amsterdam", 52.37, 4.90}, {"ES", "ES-MD", "Europe/Madrid", 40.42, -3.70},
	{"IT", "IT-RM", "Europe/Rome", 41.90, 12.50},
}

var agents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
	"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36",
	"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15",
}

func newPersona(id int, r *rand.Rand) *persona {
	jar, _ := cookiejar.New(nil)
	p := places[r.IntN(len(places))]
	media := []string{"", "", "", "email", "social", "app"}
	return &persona{id: id, client: &http.Client{Jar: jar, Timeout: 10 * time.Second},
		country: p.country, region: p.region, tz: p.tz, lat: p.lat + r.NormFloat64()*0.05, lon: p.lon + r.NormFloat64()*0.05,
		ua: agents[r.IntN(len(agents))], medium: media[r.IntN(len(media))],
		likes: Categories[r.IntN(len(Categories))], buy: 0.15 + 0.5*r.Float64()*r.Float64(), cartRate: 0.2 + 0.5*r.Float64()}
}

// DriverStats count what the shoppers did.
type DriverStats struct {
	Sessions, Pages, Carts, Checkouts, Orders, Abandoned, Errors atomic.Int64
}

// Driver sends synthetic shoppers through the edge.
type Driver struct {
	base     string
	shoppers []*persona
	Stats    DriverStats
	// Think is the pause between a shopper's pages.
	Think time.Duration
	mu    sync.Mutex
	rng   *rand.Rand
}

// NewDriver makes n shoppers who visit the shop at base (the edge's URL).
func NewDriver(base string, n int, seed uint64) *Driver {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &Driver{base: strings.TrimRight(base, "/"), rng: r, Think: 20 * time.Millisecond}
	for i := range n {
		d.shoppers = append(d.shoppers, newPersona(i, r))
	}
	return d
}

func (d *Driver) draw() (*persona, *rand.Rand) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.shoppers[d.rng.IntN(len(d.shoppers))], rand.New(rand.NewPCG(d.rng.Uint64(), 2))
}

// Run runs workers concurrent sessions until ctx ends or sessions have
// been run (0: no limit).
func (d *Driver) Run(ctx context.Context, workers int, sessions int64) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if sessions > 0 && d.Stats.Sessions.Add(1) > sessions {
					return
				}
				if sessions == 0 {
					d.Stats.Sessions.Add(1)
				}
				p, r := d.draw()
				d.session(ctx, p, r)
			}
		}()
	}
	wg.Wait()
}

// session is one visit: home, a category (usually the favourite), a few
// products, maybe the cart, maybe checkout, maybe an order.
func (d *Driver) session(ctx context.Context, p *persona, r *rand.Rand) {
	q := ""
	if p.medium != "" {
		q = "?utm_medium=" + p.medium
	}
	if _, ok := d.get(ctx, p, "/"+q); !ok {
		return
	}
	cat := p.likes
	if r.Float64() < 0.3 {
		cat = Categories[r.IntN(len(Categories))]
	}
	d.get(ctx, p, "/c/"+cat)
	var inCat []Product
	for _, pr := range Catalog {
		if pr.Category == cat {
			inCat = append(inCat, pr)
		}
	}
	added := false
	for range 1 + r.IntN(3) {
		pr := inCat[r.IntN(len(inCat))]
		d.get(ctx, p, "/p/"+pr.Category+"/"+pr.SKU)
		if r.Float64() < p.cartRate {
			d.post(ctx, p, "/cart/add", url.Values{"sku": {pr.SKU}})
			added = true
		}
	}
	if !added {
		return
	}
	d.Stats.Carts.Add(1)
	if r.Float64() < 0.25 {
		d.Stats.Abandoned.Add(1) // leaves with a full cart: next visit is an abandonment-risk one
		return
	}
	d.Stats.Checkouts.Add(1)
	body, ok := d.get(ctx, p, "/checkout")
	if !ok {
		return
	}
	// The offer on the checkout page moves the decision to buy: discounts
	// most, free shipping some, messages and nudges a little.
	offer := ""
	if i := strings.Index(body, "offer <code>"); i >= 0 {
		rest := body[i+len("offer <code>"):]
		offer = rest[:strings.Index(rest, "<")]
	}
	pct, ship := OfferEffect(offer)
	lift := 1 + 4*pct
	if ship {
		lift += 0.25
	} else if offer != "" && offer != "none" && pct == 0 {
		lift += 0.05
	}
	if r.Float64() < min(p.buy*lift, 0.95) {
		if _, ok := d.post(ctx, p, "/checkout/buy", nil); ok {
			d.Stats.Orders.Add(1)
		}
	} else {
		d.Stats.Abandoned.Add(1)
	}
}

func (d *Driver) do(ctx context.Context, p *persona, req *http.Request) (string, bool) {
	req.Header.Set("User-Agent", p.ua)
	// What a CDN would add in front of the edge.
	req.Header.Set("CF-IPCountry", p.country)
	req.Header.Set("X-Geo-Region", p.region)
	req.Header.Set("X-Geo-Lat", fmt.Sprintf("%.4f", p.lat))
	req.Header.Set("X-Geo-Lon", fmt.Sprintf("%.4f", p.lon))
	req.Header.Set("X-Geo-Timezone", p.tz)
	resp, err := p.client.Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() == nil {
			d.Stats.Errors.Add(1)
		}
		return "", false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	d.Stats.Pages.Add(1)
	if resp.StatusCode != http.StatusOK {
		d.Stats.Errors.Add(1)
		return "", false
	}
	if d.Think > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(d.Think):
		}
	}
	return string(b), true
}

func (d *Driver) get(ctx context.Context, p *persona, path string) (string, bool) {
	req, _ := http.NewRequest("GET", d.base+path, nil)
	return d.do(ctx, p, req)
}

func (d *Driver) post(ctx context.Context, p *persona, path string, form url.Values) (string, bool) {
	req, _ := http.NewRequest("POST", d.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return d.do(ctx, p, req)
}
