package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/offer"
	"github.com/edgescore/edgescore/module/shopper"
)

// template is the part of template.json the data step reads: the feature
// spec (the same list scores and trains) and the inventory behind the
// store_km feature. The whole file is validated by the assemble step.
type template struct {
	Features  []feature.Def   `json:"features"`
	Economics offer.Economics `json:"economics"`
	Policy    offer.Policy    `json:"policy"`
	Inventory offer.Inventory `json:"inventory"`
}

// featurizer computes feature vectors exactly as the scorer does: the
// compiled feature set, with store_km from the bundle's inventory for the
// shopper's region (or country) and position.
type featurizer struct {
	set *feature.Set
	cat *offer.Catalog
}

func loadFeaturizer() (*featurizer, error) {
	data, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	var t template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", templatePath, err)
	}
	set, err := feature.Compile(t.Features)
	if err != nil {
		return nil, fmt.Errorf("%s: features%w", templatePath, err)
	}
	none := func(string) (offer.SegmentRef, bool) { return offer.SegmentRef{}, false }
	cat, err := offer.Compile(nil, &t.Inventory, &t.Economics, &t.Policy, none)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", templatePath, err)
	}
	return &featurizer{set: set, cat: cat}, nil
}

// storeKM mirrors scorer.Decide: the place is the region, else the country.
func (f *featurizer) storeKM(c *shopper.Context) float64 {
	place := c.Place.Region
	if place == "" {
		place = c.Place.Country
	}
	return f.cat.LookupStock(c.Session.SKU, c.Session.Category, place, c.Place.Lat, c.Place.Lon).NearestKM
}

func (f *featurizer) compute(c *shopper.Context, out []float32) {
	d := feature.Derived{StoreKM: f.storeKM(c)}
	f.set.Compute(c, &d, out)
}

func (f *featurizer) header() []byte {
	var b bytes.Buffer
	for i := 0; i < f.set.Len(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.set.Name(i))
	}
	return b.Bytes()
}

// formatF32 writes a float32 with 9 significant digits: the decimal is
// within 0.01 ulp of the float32, so any reader (even one that parses to
// float64 first and then rounds) gets the same float32 back. NaN is "nan".
func formatF32(v float32) string {
	if v != v {
		return "nan"
	}
	return strconv.FormatFloat(float64(v), 'g', 9, 64)
}

func runData() error {
	fz, err := loadFeaturizer()
	if err != nil {
		return err
	}
	w := newWorld()
	x := make([]float32, fz.set.Len())

	// Training set.
	g := newGenerator(w, seedTrain, fz.storeKM)
	var csv bytes.Buffer
	csv.Write(fz.header())
	csv.WriteString(",label,p_true\n")
	var pos int
	var psum float64
	for i := 0; i < numTrain; i++ {
		d := g.next()
		fz.compute(&d.observed, x)
		for _, v := range x {
			csv.WriteString(formatF32(v))
			csv.WriteByte(',')
		}
		label := 0
		if bernoulli(g.r, d.p) {
			label = 1
			pos++
		}
		psum += d.p
		fmt.Fprintf(&csv, "%d,%s\n", label, strconv.FormatFloat(d.p, 'g', 6, 64))
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(csv.Bytes())
	if err := zw.Close(); err != nil {
		return err
	}
	if err := writeFile(trainPath, gz.Bytes()); err != nil {
		return err
	}
	fmt.Printf("%s: %d rows, %d features, %.1f%% positive (mean true p %.3f), %d bytes\n",
		trainPath, numTrain, fz.set.Len(), 100*float64(pos)/numTrain, psum/numTrain, gz.Len())

	// Held-out contexts: random visits from another seed, then hand-made
	// edge cases.
	g = newGenerator(w, seedHeldOut, fz.storeKM)
	edges := edgeCases(w, g)
	var ctxs []shopper.Context
	for len(ctxs) < numHeldOut-len(edges) {
		ctxs = append(ctxs, g.next().observed)
	}
	ctxs = append(ctxs, edges...)
	var nd, fcsv bytes.Buffer
	fcsv.Write(fz.header())
	fcsv.WriteByte('\n')
	for i := range ctxs {
		line, err := json.Marshal(contextJSON(&ctxs[i], i%5 == 4))
		if err != nil {
			return err
		}
		nd.Write(line)
		nd.WriteByte('\n')
		fz.compute(&ctxs[i], x)
		for k, v := range x {
			if k > 0 {
				fcsv.WriteByte(',')
			}
			fcsv.WriteString(formatF32(v))
		}
		fcsv.WriteByte('\n')
	}
	if err := writeFile(contextsPath, nd.Bytes()); err != nil {
		return err
	}
	if err := writeFile(featuresPath, fcsv.Bytes()); err != nil {
		return err
	}
	fmt.Printf("%s: %d contexts (%d edge cases)\n", contextsPath, len(ctxs), len(edges))
	return nil
}

// contextJSON is the JSON form of a context as jsonform.ParseContext reads
// it. Missing numbers are left out, or written as null when nulls is set
// (both mean missing); empty strings and unknown enums are left out.
func contextJSON(c *shopper.Context, nulls bool) map[string]any {
	num := func(m map[string]any, key string, v float64) {
		if v == v {
			m[key] = v
		} else if nulls {
			m[key] = nil
		}
	}
	str := func(m map[string]any, key, v string) {
		if v != "" {
			m[key] = v
		}
	}
	out := map[string]any{"shopper_id": c.ShopperID, "known": c.Known, "seed": c.Seed}
	h := map[string]any{}
	num(h, "frequency", c.History.Frequency)
	num(h, "recency", c.History.Recency)
	num(h, "tenure", c.History.Tenure)
	num(h, "aov", c.History.AvgOrderValue)
	num(h, "total_spend", c.History.TotalSpend)
	if len(c.History.Affinities) > 0 {
		aff := map[string]float64{}
		for _, a := range c.History.Affinities {
			aff[a.Category] = a.Score
		}
		h["affinities"] = aff
	}
	if len(h) > 0 {
		out["history"] = h
	}
	s := map[string]any{}
	str(s, "page", c.Session.Page.String())
	str(s, "category", c.Session.Category)
	str(s, "sku", c.Session.SKU)
	num(s, "price", c.Session.Price)
	if len(c.Session.Cart) > 0 {
		var lines []map[string]any
		for _, l := range c.Session.Cart {
			m := map[string]any{}
			str(m, "sku", l.SKU)
			str(m, "category", l.Category)
			num(m, "qty", l.Qty)
			num(m, "unit_price", l.UnitPrice)
			lines = append(lines, m)
		}
		s["cart"] = lines
	}
	num(s, "cart_value", c.Session.CartValue)
	num(s, "pageviews", c.Session.Pageviews)
	num(s, "minutes", c.Session.Minutes)
	str(s, "channel", c.Session.Channel.String())
	str(s, "device", c.Session.Device.String())
	if len(s) > 0 {
		out["session"] = s
	}
	p := map[string]any{}
	str(p, "country", c.Place.Country)
	str(p, "region", c.Place.Region)
	num(p, "lat", c.Place.Lat)
	num(p, "lon", c.Place.Lon)
	num(p, "hour", c.Place.Hour)
	num(p, "weekday", c.Place.Weekday)
	if len(p) > 0 {
		out["place"] = p
	}
	return out
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// readLines reads a text file's lines (for the assemble step).
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}
