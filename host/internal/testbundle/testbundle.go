// Package testbundle gives host tests bundles and varied shopper contexts:
// the reference bundle and contexts of module/testdata when present, and
// small generated bundles that differ only by id and intercept (for
// hot-swap tests, where two bundles must tell their decisions apart).
package testbundle

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/shopper"
)

// Root is the repository root (the directory of go.mod), found from the
// working directory of the test.
func Root(tb testing.TB) string {
	tb.Helper()
	d, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			tb.Fatal("testbundle: go.mod not found above the working directory")
		}
		d = p
	}
}

// ReferencePath is the binary reference bundle, relative to Root.
const ReferencePath = "module/testdata/reference.esb"

// ContextsPath is the varied contexts, relative to Root.
const ContextsPath = "module/testdata/contexts.ndjson"

// Reference returns the binary reference bundle, or, while it does not
// exist yet, Small("small@1", 0) (the name says which: "reference" or
// "small").
func Reference(tb testing.TB) (data []byte, name string) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(Root(tb), ReferencePath))
	if err == nil {
		return data, "reference"
	}
	if !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	return Small(tb, "small@1", 0), "small"
}

// Contexts returns the varied contexts of ContextsPath.
func Contexts(tb testing.TB) []*shopper.Context {
	tb.Helper()
	f, err := os.Open(filepath.Join(Root(tb), ContextsPath))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cs []*shopper.Context
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		c := new(shopper.Context)
		if err := jsonform.ParseContext(line, c); err != nil {
			tb.Fatalf("%s line %d: %v", ContextsPath, len(cs)+1, err)
		}
		cs = append(cs, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(cs) == 0 {
		tb.Fatalf("%s: no contexts", ContextsPath)
	}
	return cs
}

// Small returns a small binary bundle exercising every part of the core
// (features with transforms, a logistic model blended with a tree
// ensemble, lifetime value, tiers, clusters, segments, offers with stock,
// an experiment). Bundles with different id or intercept decide
// differently.
func Small(tb testing.TB, id string, intercept float64) []byte {
	tb.Helper()
	doc := bytes.ReplaceAll([]byte(smallJSON), []byte("$ID"), []byte(strconv.Quote(id)))
	doc = bytes.ReplaceAll(doc, []byte("$INTERCEPT"), strconv.AppendFloat(nil, intercept, 'g', -1, 64))
	model, err := os.ReadFile(filepath.Join(Root(tb), "module/xgboost/testdata/binary.json"))
	if err != nil {
		tb.Fatal(err)
	}
	spec, err := jsonform.ParseBundleWithModel(doc, model)
	if err != nil {
		tb.Fatalf("testbundle: %v", err)
	}
	spec.Propensity.GBDT.Blend = 0.5
	if _, err := bundle.Compile(spec); err != nil {
		tb.Fatalf("testbundle: %v", err)
	}
	data, err := bundle.Encode(spec)
	if err != nil {
		tb.Fatalf("testbundle: %v", err)
	}
	return data
}

// smallJSON is the authoring document of Small. The tree model's features
// (module/xgboost/testdata/binary.json) are named age … referrer_score; the
// bundle maps them to context fields.
const smallJSON = `{
  "format": 1,
  "id": $ID,
  "features": [
    {"name": "age", "field": "tenure", "transforms": [{"op": "log1p"}, {"op": "standardize", "mean": 4, "std": 2}]},
    {"name": "sessions", "field": "frequency", "transforms": [{"op": "clip", "min": 0, "max": 50}]},
    {"name": "cart_value", "field": "cart_value", "transforms": [{"op": "log1p"}]},
    {"name": "days_since_visit", "field": "days_since_purchase", "transforms": [{"op": "log1p"}]},
    {"name": "pages_viewed", "field": "pageviews", "transforms": [{"op": "clip", "min": 0, "max": 40}, {"op": "standardize", "mean": 5, "std": 6}]},
    {"name": "is_mobile", "field": "device", "transforms": [{"op": "onehot", "value": "mobile"}]},
    {"name": "discount_pct", "field": "hour", "transforms": [{"op": "cyclic_sin", "period": 24}]},
    {"name": "referrer_score", "field": "affinity", "key": "shoes"}
  ],
  "propensity": {
    "logistic": {"intercept": $INTERCEPT, "weights": {"age": 0.3, "sessions": 0.05, "cart_value": 0.4, "days_since_visit": -0.2, "pages_viewed": 0.25, "is_mobile": -0.1, "discount_pct": 0.05, "referrer_score": 0.8}, "blend": 0.5}
  },
  "lifetime": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "gamma": 15.44,
    "period_days": 7, "horizon": 52, "steps": 52, "discount_rate": 0.01, "margin": 0.3},
  "tiers": [
    {"name": "vip", "when": "clv > 60"},
    {"name": "active", "when": "p_alive > 0.5"},
    {"name": "other", "when": ""}
  ],
  "clusters": {
    "names": ["browsers", "buyers", "loyal"],
    "features": ["pages_viewed", "cart_value", "sessions"],
    "mean": [0, 2, 3], "scale": [1, 2, 5],
    "centroids": [[1, -1, -0.5], [0, 1, 0], [-0.5, 0, 2]]
  },
  "segments": [
    {"name": "big_cart", "when": "cart_value > 80"},
    {"name": "hesitant", "when": "propensity < 0.3 && pageviews > 3"},
    {"name": "app_user", "when": "channel == \"app\""}
  ],
  "economics": {"margin_rate": 0.35, "category_margins": {"electronics": 0.15, "beauty": 0.5}, "default_basket": 60},
  "policy": {"epsilon": 0.1, "sure_buyer": 0.9},
  "offers": [
    {"id": "ten_off", "kind": "percent_discount", "discount": 0.1, "lift": 0.4,
     "segment_lifts": [{"segment": "hesitant", "lift": 0.7}]},
    {"id": "free_ship", "kind": "free_shipping", "cost_on_purchase": 6, "lift": 0.3,
     "eligible": {"min_cart": 40}},
    {"id": "visit_store", "kind": "store_nudge", "cost_per_exposure": 0.05, "lift": 0.2,
     "eligible": {"store_radius_km": 30}},
    {"id": "hello", "kind": "message", "lift": 0.05, "eligible": {"channels": ["app", "web"]}}
  ],
  "inventory": {
    "stores": [{"id": "paris", "region": "FR-IDF", "lat": 48.8566, "lon": 2.3522},
               {"id": "nyc", "region": "US-NY", "lat": 40.7128, "lon": -74.006}],
    "stock": [{"category": "shoes", "qty": 100}, {"category": "apparel", "store": "paris", "qty": 5},
              {"category": "electronics", "store": "nyc", "qty": 3}]
  },
  "experiment": {"salt": "exp-1", "variants": [
    {"name": "control", "weight": 45},
    {"name": "greedy", "weight": 45, "epsilon": 0},
    {"name": "holdout", "weight": 10, "holdout": true}
  ]}
}`

// MustSmall is Small for examples, which have no testing.TB.
func MustSmall(id string, intercept float64) []byte {
	var tb panicTB
	return Small(&tb, id, intercept)
}

// panicTB is a testing.TB for examples: failures panic.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                           {}
func (panicTB) Fatal(args ...any)                 { panic(fmtArgs(args)) }
func (panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func fmtArgs(args []any) string { return fmt.Sprint(args...) }
