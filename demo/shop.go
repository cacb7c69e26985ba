package demo

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgescore/edgescore/host/edge"
	"github.com/edgescore/edgescore/module/shopper"
)

// Product is one article of the demo shop.
type Product struct {
	SKU, Category, Name string
	Price               float64
}

// Catalog is the demo shop's assortment: the categories of the reference
// bundle, a few articles each.
var Catalog = func() []Product {
	names := map[string][]string{
		"shoes":       {"Trail Runner", "City Boot", "Canvas Sneaker"},
		"apparel":     {"Merino Sweater", "Rain Jacket", "Linen Shirt"},
		"accessories": {"Leather Belt", "Wool Scarf"},
		"beauty":      {"Face Serum", "Hand Cream"},
		"electronics": {"Noise-cancelling Headphones", "Smart Watch", "E-Reader"},
		"home":        {"Ceramic Vase", "Table Lamp"},
		"sports":      {"Yoga Mat", "Tennis Racket"},
		"kids":        {"Rain Boots", "Puzzle Set"},
	}
	prices := map[string]float64{"shoes": 89, "apparel": 59, "accessories": 35, "beauty": 24, "electronics": 179,
		"home": 45, "sports": 39, "kids": 29}
	var out []Product
	for _, c := range Categories {
		for i, n := range names[c] {
			out = append(out, Product{SKU: fmt.Sprintf("%s-%04d", strings.ToUpper(c[:3]), i+1), Category: c, Name: n,
				Price: math.Round(prices[c]*(0.8+0.2*float64(i))) - 0.1})
		}
	}
	return out
}()

// Categories of the shop, in menu order.
var Categories = []string{"shoes", "apparel", "accessories", "beauty", "electronics", "home", "sports", "kids"}

// margins are the shop's gross margins by category (as in the reference
// bundle's economics).
var margins = map[string]float64{"apparel": 0.45, "beauty": 0.55, "electronics": 0.12, "home": 0.3, "shoes": 0.4}

func margin(cat string) float64 {
	if m, ok := margins[cat]; ok {
		return m
	}
	return 0.35
}

// ShippingFee is what the shop pays for shipping an order; a free-shipping
// offer gives it away.
const ShippingFee = 4.90

func product(sku string) (Product, bool) {
	for _, p := range Catalog {
		if p.SKU == sku {
			return p, true
		}
	}
	return Product{}, false
}

// OfferEffect is what an offer id means to the shop: a percent off the
// order, free shipping, or nothing monetary (a message or a store nudge).
func OfferEffect(id string) (pct float64, freeShipping bool) {
	if rest, ok := strings.CutPrefix(id, "pct"); ok {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if v, err := strconv.Atoi(rest[:n]); err == nil {
			return float64(v) / 100, false
		}
	}
	return 0, strings.HasPrefix(id, "ship") || strings.Contains(id, "free_shipping")
}

// View is one page the shop served, with the decision it got.
type View struct {
	At                                         time.Time
	Shopper, Page, Offer, Kind, Segments, Tier string
	Variant, Arm, Status, Known                string
}

// Shop is the demo shop's origin: it renders each page with the offer in
// the edge's request headers and reports orders in X-Edgescore-Order.
type Shop struct {
	mu      sync.Mutex
	views   []View            // the latest, newest last
	offers  map[string]string // shopper → offer shown at checkout
	orders  map[string]bool   // order ids already reported
	nextID  int
	started time.Time
}

// NewShop returns the shop.
func NewShop() *Shop {
	return &Shop{offers: map[string]string{}, orders: map[string]bool{}, started: time.Now()}
}

const maxViews = 200

func (s *Shop) record(r *http.Request, page string) View {
	v := View{At: time.Now(), Shopper: r.Header.Get("X-Edgescore-Shopper"), Page: page,
		Offer: r.Header.Get("X-Edgescore-Offer"), Kind: r.Header.Get("X-Edgescore-Offer-Kind"),
		Segments: r.Header.Get("X-Edgescore-Segments"), Tier: r.Header.Get("X-Edgescore-Tier"),
		Variant: r.Header.Get("X-Edgescore-Variant"), Arm: r.Header.Get("X-Edgescore-Arm"),
		Status: r.Header.Get("X-Edgescore-Status"), Known: r.Header.Get("X-Edgescore-Known")}
	if v.Status != "ok" && v.Status != "" {
		v.Status += " (" + r.Header.Get("X-Edgescore-Reason") + ")"
	}
	s.mu.Lock()
	s.views = append(s.views, v)
	if len(s.views) > maxViews {
		s.views = s.views[len(s.views)-maxViews:]
	}
	s.mu.Unlock()
	return v
}

// ServeHTTP implements http.Handler.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/":
		s.page(w, r, "home", pageData{Title: "Welcome", Products: featured()})
	case strings.HasPrefix(path, "/c/"):
		cat := strings.TrimPrefix(path, "/c/")
		var ps []Product
		for _, p := range Catalog {
			if p.Category == cat {
				ps = append(ps, p)
			}
		}
		if ps == nil {
			http.NotFound(w, r)
			return
		}
		s.page(w, r, "category", pageData{Title: strings.ToUpper(cat[:1]) + cat[1:], Products: ps})
	case strings.HasPrefix(path, "/p/"):
		parts := strings.Split(strings.TrimPrefix(path, "/p/"), "/")
		p, ok := product(parts[len(parts)-1])
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.page(w, r, "product", pageData{Title: p.Name, Product: &p})
	case path == "/cart/add" && r.Method == http.MethodPost:
		s.addToCart(w, r)
	case path == "/cart":
		lines, total := cart(r)
		s.page(w, r, "cart", pageData{Title: "Your cart", Lines: lines, Subtotal: total})
	case path == "/checkout":
		lines, total := cart(r)
		v := s.record(r, "checkout")
		s.mu.Lock()
		s.offers[v.Shopper] = v.Offer
		s.mu.Unlock()
		pct, ship := OfferEffect(v.Offer)
		d := pageData{Title: "Checkout", Lines: lines, Subtotal: total, Discount: round2(total * pct), Shipping: ShippingFee}
		if ship {
			d.Shipping = 0
		}
		d.Total = round2(total - d.Discount + d.Shipping)
		s.render(w, r, "checkout", d, v)
	case path == "/checkout/buy" && r.Method == http.MethodPost:
		s.mu.Lock()
		s.nextID++
		id := fmt.Sprintf("o-%d-%d", s.started.Unix(), s.nextID)
		s.mu.Unlock()
		http.Redirect(w, r, "/checkout/done?order="+url.QueryEscape(id), http.StatusSeeOther)
	case path == "/checkout/done":
		s.done(w, r)
	case path == "/_demo":
		s.dashboard(w, r)
	default:
		http.NotFound(w, r)
	}
}

func featured() []Product {
	var out []Product
	for i, p := range Catalog {
		if i%3 == 0 {
			out = append(out, p)
		}
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func cart(r *http.Request) ([]shopper.CartLine, float64) {
	ck, err := r.Cookie("es_cart")
	if err != nil {
		return nil, 0
	}
	lines := edge.ParseCart(ck.Value, nil)
	total := 0.0
	for _, l := range lines {
		total += l.Qty * l.UnitPrice
	}
	return lines, round2(total)
}

func (s *Shop) addToCart(w http.ResponseWriter, r *http.Request) {
	p, ok := product(r.FormValue("sku"))
	if !ok {
		http.Error(w, "no such product", http.StatusBadRequest)
		return
	}
	lines, _ := cart(r)
	found := false
	for i := range lines {
		if lines[i].SKU == p.SKU {
			lines[i].Qty++
			found = true
		}
	}
	if !found && len(lines) < 20 {
		lines = append(lines, shopper.CartLine{SKU: p.SKU, Category: p.Category, Qty: 1, UnitPrice: p.Price})
	}
	http.SetCookie(w, &http.Cookie{Name: "es_cart", Value: edge.FormatCart(lines), Path: "/", MaxAge: 7 * 86400, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/cart", http.StatusSeeOther)
}

// done confirms the order and reports it to the edge once.
func (s *Shop) done(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("order")
	lines, total := cart(r)
	v := s.record(r, "order")
	s.mu.Lock()
	offer := s.offers[v.Shopper]
	first := id != "" && !s.orders[id] && total > 0
	if first {
		s.orders[id] = true
	}
	s.mu.Unlock()
	pct, ship := OfferEffect(offer)
	discount := round2(total * pct)
	cost := discount
	if ship {
		cost += ShippingFee
	}
	var marginSum float64
	items := map[string]float64{}
	for _, l := range lines {
		marginSum += l.Qty * l.UnitPrice * margin(l.Category)
		items[l.Category] += l.Qty * l.UnitPrice
	}
	if first {
		var it []string
		for c, v := range items {
			it = append(it, fmt.Sprintf("%s:%.2f", c, v))
		}
		sort.Strings(it)
		w.Header().Set("X-Edgescore-Order", fmt.Sprintf("id=%s; revenue=%.2f; margin=%.2f; discount=%.2f; items=%s",
			id, total-discount, marginSum, cost, strings.Join(it, ",")))
		http.SetCookie(w, &http.Cookie{Name: "es_cart", Value: "", Path: "/", MaxAge: -1})
	}
	s.render(w, r, "done", pageData{Title: "Thank you!", Lines: lines, Subtotal: total, Discount: discount,
		Total: round2(total - discount), Order: id}, v)
}

// Views returns the latest page views, newest first.
func (s *Shop) Views(n int) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, n)
	for i := len(s.views) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, s.views[i])
	}
	return out
}

type pageData struct {
	Title                               string
	Categories                          []string
	Products                            []Product
	Product                             *Product
	Lines                               []shopper.CartLine
	Subtotal, Discount, Shipping, Total float64
	Order                               string
	View                                View
	OfferText                           string
	Views                               []View
}

func (s *Shop) page(w http.ResponseWriter, r *http.Request, kind string, d pageData) {
	s.render(w, r, kind, d, s.record(r, kind))
}

func (s *Shop) render(w http.ResponseWriter, r *http.Request, kind string, d pageData, v View) {
	d.Categories, d.View, d.OfferText = Categories, v, offerText(v.Offer)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, kind, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func offerText(id string) string {
	pct, ship := OfferEffect(id)
	switch {
	case id == "" || id == "none":
		return ""
	case pct > 0:
		return fmt.Sprintf("%.0f%% off your order today", pct*100)
	case ship:
		return "Free shipping on this order"
	case strings.HasPrefix(id, "store"):
		return "In stock at a store near you — pick it up today"
	case strings.HasPrefix(id, "msg_"):
		return strings.ReplaceAll(strings.TrimPrefix(id, "msg_"), "_", " ")
	}
	return id
}

func (s *Shop) dashboard(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Edgescore-Exposed", "0") // the dashboard shows no offer
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "dashboard", pageData{Title: "Live shoppers", Views: s.Views(60), Categories: Categories})
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"money":     func(v float64) string { return fmt.Sprintf("€%.2f", v) },
	"lineTotal": func(l shopper.CartLine) string { return fmt.Sprintf("€%.2f", l.Qty*l.UnitPrice) },
	"ago":       func(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() },
}).Parse(`
{{define "head"}}<!doctype html><html><head><meta charset="utf-8"><title>{{.Title}} · Edge Outfitters</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1d3557;color:#fff;padding:12px 24px;display:flex;gap:18px;align-items:center}
header a{color:#fff;text-decoration:none} header b{font-size:20px;margin-right:16px}
.offer{background:#ffd166;padding:14px 24px;font-size:18px;font-weight:600}
.why{background:#eef;padding:6px 24px;font-size:13px;color:#445}
main{padding:24px} .grid{display:flex;flex-wrap:wrap;gap:16px}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:14px;width:200px}
table{border-collapse:collapse;background:#fff} td,th{border:1px solid #ddd;padding:6px 10px;text-align:left;font-size:14px}
button{background:#e63946;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:16px;cursor:pointer}
</style></head><body>
<header><b><a href="/">Edge Outfitters</a></b>{{range .Categories}}<a href="/c/{{.}}">{{.}}</a>{{end}}<a href="/cart">🛒 cart</a><a href="/_demo">live shoppers</a></header>
{{if .OfferText}}<div class="offer">🎁 {{.OfferText}}</div>{{end}}
<div class="why">edgescore: shopper <code>{{.View.Shopper}}</code>{{if eq .View.Known "1"}} (returning){{else}} (new){{end}} ·
offer <code>{{.View.Offer}}</code> · tier <code>{{.View.Tier}}</code> · segments <code>{{.View.Segments}}</code> ·
arm <code>{{.View.Arm}}</code> · variant <code>{{.View.Variant}}</code> · {{.View.Status}}</div>
<main><h1>{{.Title}}</h1>{{end}}
{{define "foot"}}</main></body></html>{{end}}
{{define "products"}}<div class="grid">{{range .}}<div class="card"><a href="/p/{{.Category}}/{{.SKU}}">{{.Name}}</a><br>{{.Category}} · {{money .Price}}</div>{{end}}</div>{{end}}
{{define "home"}}{{template "head" .}}<p>Featured this week:</p>{{template "products" .Products}}{{template "foot"}}{{end}}
{{define "category"}}{{template "head" .}}{{template "products" .Products}}{{template "foot"}}{{end}}
{{define "product"}}{{template "head" .}}<p>{{.Product.Category}} · <b>{{money .Product.Price}}</b> · SKU {{.Product.SKU}}</p>
<form method="post" action="/cart/add"><input type="hidden" name="sku" value="{{.Product.SKU}}"><button>Add to cart</button></form>{{template "foot"}}{{end}}
{{define "lines"}}<table><tr><th>article</th><th>qty</th><th>price</th></tr>{{range .}}<tr><td>{{.SKU}} ({{.Category}})</td><td>{{.Qty}}</td><td>{{lineTotal .}}</td></tr>{{end}}</table>{{end}}
{{define "cart"}}{{template "head" .}}{{if .Lines}}{{template "lines" .Lines}}<p>Subtotal {{money .Subtotal}}</p><p><a href="/checkout">Checkout →</a></p>{{else}}<p>Your cart is empty.</p>{{end}}{{template "foot"}}{{end}}
{{define "checkout"}}{{template "head" .}}{{template "lines" .Lines}}<p>Subtotal {{money .Subtotal}} · discount −{{money .Discount}} · shipping {{money .Shipping}} · <b>total {{money .Total}}</b></p>
<form method="post" action="/checkout/buy"><button>Buy now</button></form>{{template "foot"}}{{end}}
{{define "done"}}{{template "head" .}}<p>Order <code>{{.Order}}</code> confirmed: {{money .Total}}.</p>{{template "foot"}}{{end}}
{{define "dashboard"}}<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>Live shoppers</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px;text-align:left}</style></head><body>
<h1>Live shoppers <small style="font-size:14px">(latest page views through the edge; refreshes every 2 s) · <a href="/">shop</a></small></h1>
<table><tr><th>ago</th><th>shopper</th><th>known</th><th>page</th><th>offer</th><th>tier</th><th>segments</th><th>arm</th><th>variant</th><th>status</th></tr>
{{range .Views}}<tr><td>{{ago .At}}</td><td><code>{{.Shopper}}</code></td><td>{{.Known}}</td><td>{{.Page}}</td><td><b>{{.Offer}}</b></td><td>{{.Tier}}</td><td>{{.Segments}}</td><td>{{.Arm}}</td><td>{{.Variant}}</td><td>{{.Status}}</td></tr>{{end}}
</table></body></html>{{end}}
`))
