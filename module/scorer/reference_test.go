package scorer_test

// Tests against the reference bundle in module/testdata, built by
// build/refbundle (make -C build/refbundle): its models were trained by
// XGBoost and scikit-learn on features computed by this module, and the
// golden files hold those libraries' own outputs for 512 held-out contexts.
// So these tests check the Go core against the real libraries, not against
// itself.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/linear"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

const refDir = "../testdata"

var refFiles = struct {
	once     sync.Once
	json     []byte
	esb      []byte
	contexts []string
	err      error
}{}

func refData(t testing.TB) ([]byte, []byte, []string) {
	t.Helper()
	refFiles.once.Do(func() {
		r := &refFiles
		if r.json, r.err = os.ReadFile(filepath.Join(refDir, "reference.bundle.json")); r.err != nil {
			return
		}
		if r.esb, r.err = os.ReadFile(filepath.Join(refDir, "reference.esb")); r.err != nil {
			return
		}
		r.contexts, r.err = readLines(filepath.Join(refDir, "contexts.ndjson"))
	})
	if refFiles.err != nil {
		t.Fatal(refFiles.err)
	}
	return refFiles.json, refFiles.esb, refFiles.contexts
}

func readLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	return out, sc.Err()
}

// readCSV reads a golden file: a header and rows of numbers ("nan" = NaN).
func readCSV(t *testing.T, name string) ([]string, [][]float64) {
	t.Helper()
	lines, err := readLines(filepath.Join(refDir, name))
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Split(lines[0], ",")
	var rows [][]float64
	for i, line := range lines[1:] {
		fields := strings.Split(line, ",")
		if len(fields) != len(header) {
			t.Fatalf("%s:%d: %d fields, header has %d", name, i+2, len(fields), len(header))
		}
		row := make([]float64, len(fields))
		for k, f := range fields {
			if row[k], err = strconv.ParseFloat(f, 64); err != nil {
				t.Fatalf("%s:%d: %v", name, i+2, err)
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}

func loadJSONBundle(t testing.TB) (*bundle.Spec, *bundle.Bundle) {
	t.Helper()
	doc, _, _ := refData(t)
	spec, err := jsonform.ParseBundle(doc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	return spec, b
}

func loadContexts(t testing.TB) []shopper.Context {
	t.Helper()
	_, _, lines := refData(t)
	out := make([]shopper.Context, len(lines))
	for i, line := range lines {
		if err := jsonform.ParseContext([]byte(line), &out[i]); err != nil {
			t.Fatalf("contexts.ndjson:%d: %v", i+1, err)
		}
	}
	return out
}

func TestReferenceBundleContents(t *testing.T) {
	spec, b := loadJSONBundle(t)
	p := b.Parts()
	checks := []struct {
		what     string
		got, min int
	}{
		{"features", b.NumFeatures(), 40},
		{"tiers", b.NumTiers(), 5},
		{"clusters", b.NumClusters(), 8},
		{"segments", b.NumSegments(), 10},
		{"offers", b.NumActions() - 1, 20},
		{"stores", len(spec.Inventory.Stores), 10},
		{"variants", b.NumVariants(), 2},
	}
	for _, c := range checks {
		if c.got < c.min {
			t.Errorf("%s: %d, want ≥ %d", c.what, c.got, c.min)
		}
	}
	if p.Trees == nil || p.Trees.NumTrees() != 100 || p.Trees.Depth() != 6 || p.Trees.Objective() != gbdt.BinaryLogistic {
		t.Errorf("trees: want 100 binary:logistic trees of depth 6")
	}
	if p.Logistic == nil || p.Lifetime == nil || p.Clusters == nil {
		t.Errorf("logistic, lifetime and clusters must all be present")
	}
	kinds := map[string]bool{}
	for i := 1; i < b.NumActions(); i++ {
		kinds[b.ActionKind(i).String()] = true
	}
	for _, k := range []string{"percent_discount", "free_shipping", "store_nudge", "message"} {
		if !kinds[k] {
			t.Errorf("no offer of kind %s", k)
		}
	}
}

// decisionString renders every field of a decision; floats print in their
// shortest exact form, so equal strings mean bit-equal values (NaN included).
func decisionString(d *scorer.Decision) string { return fmt.Sprintf("%+v", *d) }

func TestReferenceJSONAndBinaryAgree(t *testing.T) {
	_, esb, _ := refData(t)
	spec, bj := loadJSONBundle(t)
	bb, err := bundle.Load(esb)
	if err != nil {
		t.Fatal(err)
	}
	// reference.esb is the encoding of reference.bundle.json.
	enc, err := bundle.Encode(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, esb) {
		t.Errorf("reference.esb (%d bytes) is not bundle.Encode of reference.bundle.json (%d bytes); "+
			"regenerate with `go run ./build/refbundle encode`", len(esb), len(enc))
	}
	sj, sb := scorer.New(bj), scorer.New(bb)
	var dj, db scorer.Decision
	ctxs := loadContexts(t)
	for i := range ctxs {
		sj.Decide(&ctxs[i], &dj)
		sb.Decide(&ctxs[i], &db)
		if a, b := decisionString(&dj), decisionString(&db); a != b {
			t.Errorf("context %d: JSON bundle decided\n\t%s\nbinary bundle decided\n\t%s", i, a, b)
		}
		if !sameFloats(sj.Features(), sb.Features()) {
			t.Errorf("context %d: feature vectors differ", i)
		}
	}
}

func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}

// TestReferenceFeatures: the scorer computes, for every held-out context,
// exactly the feature vector the training pipeline wrote (and the golden
// outputs were computed from).
func TestReferenceFeatures(t *testing.T) {
	_, b := loadJSONBundle(t)
	header, rows := readCSV(t, "contexts.features.csv")
	for i, name := range header {
		if b.FeatureName(i) != name {
			t.Fatalf("contexts.features.csv column %d is %q, the bundle's feature %d is %q", i, name, i, b.FeatureName(i))
		}
	}
	ctxs := loadContexts(t)
	if len(rows) != len(ctxs) {
		t.Fatalf("%d feature rows for %d contexts", len(rows), len(ctxs))
	}
	s := scorer.New(b)
	var d scorer.Decision
	bad := 0
	for i := range ctxs {
		s.Decide(&ctxs[i], &d)
		x := s.Features()
		for k, want := range rows[i] {
			w := float32(want)
			if math.Float32bits(x[k]) != math.Float32bits(w) && !(x[k] != x[k] && w != w) {
				if bad++; bad <= 10 {
					t.Errorf("context %d, feature %s: got %v, want %v", i, header[k], x[k], w)
				}
			}
		}
	}
}

func featureRows(t *testing.T) [][]float32 {
	_, rows := readCSV(t, "contexts.features.csv")
	out := make([][]float32, len(rows))
	for i, r := range rows {
		out[i] = make([]float32, len(r))
		for k, v := range r {
			out[i][k] = float32(v)
		}
	}
	return out
}

func goldenColumns(t *testing.T, name string) map[string][]float64 {
	header, rows := readCSV(t, name)
	cols := map[string][]float64{}
	for k, h := range header {
		for _, r := range rows {
			cols[h] = append(cols[h], r[k])
		}
	}
	return cols
}

// closeTo: within rel relative error, or abs absolute error near zero.
func closeTo(got, want, rel, abs float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= math.Max(abs, rel*math.Abs(want))
}

// errStat tracks the largest error seen, for the test log.
type errStat struct {
	name     string
	abs, rel float64
	row      int
}

func (e *errStat) add(row int, got, want float64) {
	d := math.Abs(got - want)
	if d > e.abs {
		e.abs, e.row = d, row
	}
	if math.Abs(want) >= 1e-4 {
		if r := d / math.Abs(want); r > e.rel {
			e.rel = r
		}
	}
}

func (e *errStat) log(t *testing.T) {
	t.Logf("%-22s max abs error %.3g (row %d), max rel error %.3g (where |want| ≥ 1e-4)", e.name, e.abs, e.row, e.rel)
}

func TestReferenceXGBoostParity(t *testing.T) {
	_, b := loadJSONBundle(t)
	ens := b.Parts().Trees
	rows := featureRows(t)
	g := goldenColumns(t, "golden_models.csv")
	ch, contribs := readCSV(t, "golden_contribs.csv")
	nf := ens.NumFeature()
	if len(ch) != nf+1 || len(contribs) != len(rows) || len(g["xgb_margin"]) != len(rows) {
		t.Fatalf("golden files do not match: %d contribution columns for %d features, %d/%d/%d rows",
			len(ch), nf, len(contribs), len(g["xgb_margin"]), len(rows))
	}
	in := ens.NewInput()
	margin, prob := make([]float32, 1), make([]float32, 1)
	c := make([]float32, nf+1)
	em, ep, ec := errStat{name: "xgboost margin"}, errStat{name: "xgboost probability"}, errStat{name: "xgboost contributions"}
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i, x := range rows {
		in.Set(x)
		ens.Margins(in, margin)
		ens.Transform(margin, prob)
		ens.Contributions(in, 0, c)
		em.add(i, float64(margin[0]), g["xgb_margin"][i])
		ep.add(i, float64(prob[0]), g["xgb_prob"][i])
		if !closeTo(float64(margin[0]), g["xgb_margin"][i], 1e-5, 1e-6) {
			fail("row %d: margin %v, XGBoost %v", i, margin[0], g["xgb_margin"][i])
		}
		if !closeTo(float64(prob[0]), g["xgb_prob"][i], 1e-5, 1e-6) {
			fail("row %d: probability %v, XGBoost %v", i, prob[0], g["xgb_prob"][i])
		}
		var sum float64
		for k := range c {
			ec.add(i, float64(c[k]), contribs[i][k])
			if !closeTo(float64(c[k]), contribs[i][k], 1e-5, 1e-6) {
				fail("row %d: contribution of %s %v, XGBoost %v", i, ch[k], c[k], contribs[i][k])
			}
			sum += float64(c[k])
		}
		if !closeTo(sum, float64(margin[0]), 1e-5, 1e-5) {
			fail("row %d: contributions sum to %v, margin %v", i, sum, margin[0])
		}
	}
	em.log(t)
	ep.log(t)
	ec.log(t)
}

func TestReferenceLogisticParity(t *testing.T) {
	_, b := loadJSONBundle(t)
	m := b.Parts().Logistic
	rows := featureRows(t)
	g := goldenColumns(t, "golden_models.csv")
	ed, ep := errStat{name: "logistic logit"}, errStat{name: "logistic probability"}
	for i, x := range rows {
		z := m.Logit(x)
		p := linear.Sigmoid(z)
		ed.add(i, z, g["logistic_decision"][i])
		ep.add(i, p, g["logistic_proba"][i])
		if !closeTo(z, g["logistic_decision"][i], 1e-9, 1e-9) {
			t.Errorf("row %d: logit %v, scikit-learn decision_function %v", i, z, g["logistic_decision"][i])
		}
		if !closeTo(p, g["logistic_proba"][i], 1e-9, 1e-9) {
			t.Errorf("row %d: probability %v, scikit-learn predict_proba %v", i, p, g["logistic_proba"][i])
		}
	}
	ed.log(t)
	ep.log(t)
}

func TestReferenceClusterParity(t *testing.T) {
	_, b := loadJSONBundle(t)
	m := b.Parts().Clusters
	rows := featureRows(t)
	g := goldenColumns(t, "golden_models.csv")
	ed := errStat{name: "cluster distance"}
	for i, x := range rows {
		k, dist := m.Nearest(x)
		ed.add(i, dist, g["kmeans_distance"][i])
		if float64(k) != g["kmeans_label"][i] {
			t.Errorf("row %d: cluster %d, scikit-learn predict %v", i, k, g["kmeans_label"][i])
		}
		if !closeTo(dist, g["kmeans_distance"][i], 1e-9, 1e-9) {
			t.Errorf("row %d: distance %v, scikit-learn transform().min() %v", i, dist, g["kmeans_distance"][i])
		}
	}
	ed.log(t)
}

// --- Invalid bundles ------------------------------------------------------

// refDoc is the reference bundle as generic JSON, numbers kept as written.
func refDoc(t *testing.T) map[string]any {
	doc, _, _ := refData(t)
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// at walks a path like `offers[3].eligible` and returns the container that
// holds the last step and the step (a key or an index).
func at(t *testing.T, doc any, path string) (any, any) {
	t.Helper()
	var steps []any
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			steps = append(steps, name)
		}
		for rest != "" {
			idx, tail, _ := strings.Cut(rest, "]")
			n, err := strconv.Atoi(idx)
			if err != nil {
				t.Fatalf("bad path %q", path)
			}
			steps = append(steps, n)
			rest = strings.TrimPrefix(tail, "[")
		}
	}
	cur := doc
	for _, s := range steps[:len(steps)-1] {
		switch k := s.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
		if cur == nil {
			t.Fatalf("path %q: nothing at %v", path, s)
		}
	}
	return cur, steps[len(steps)-1]
}

func set(t *testing.T, doc any, path string, v any) {
	t.Helper()
	c, step := at(t, doc, path)
	switch k := step.(type) {
	case string:
		c.(map[string]any)[k] = v
	case int:
		c.([]any)[k] = v
	}
}

func get(t *testing.T, doc any, path string) any {
	t.Helper()
	c, step := at(t, doc, path)
	switch k := step.(type) {
	case string:
		return c.(map[string]any)[k]
	case int:
		return c.([]any)[k]
	}
	return nil
}

func del(t *testing.T, doc any, path string) {
	t.Helper()
	c, step := at(t, doc, path)
	switch k := step.(type) {
	case string:
		delete(c.(map[string]any), k)
	case int:
		s := c.([]any)
		parent, pstep := at(t, doc, path[:strings.LastIndex(path, "[")])
		s = append(s[:k:k], s[k+1:]...)
		switch pk := pstep.(type) {
		case string:
			parent.(map[string]any)[pk] = s
		case int:
			parent.([]any)[pk] = s
		}
	}
}

func num(v string) json.Number { return json.Number(v) }

// findIndex returns the index of the element of the array at path whose
// field key equals value.
func findIndex(t *testing.T, doc any, path, key, value string) int {
	t.Helper()
	for i, e := range get(t, doc, path).([]any) {
		if e.(map[string]any)[key] == value {
			return i
		}
	}
	t.Fatalf("%s: no element with %s %q", path, key, value)
	return -1
}

func TestReferenceBadBundles(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(t *testing.T, d map[string]any)
		path   string // the error text must contain it
	}{
		{"unknown field", func(t *testing.T, d map[string]any) {
			set(t, d, "features[4].tranforms", get(t, d, "features[4].transforms"))
		}, "features[4].tranforms"},
		{"unknown top-level field", func(t *testing.T, d map[string]any) { set(t, d, "segmentz", []any{}) }, "segmentz"},
		{"format", func(t *testing.T, d map[string]any) { set(t, d, "format", num("2")) }, "format"},
		{"discount above 1", func(t *testing.T, d map[string]any) { set(t, d, "offers[3].discount", num("1.5")) }, "offers[3].discount"},
		{"discount on a message", func(t *testing.T, d map[string]any) {
			i := findIndex(t, d, "offers", "kind", "message")
			set(t, d, fmt.Sprintf("offers[%d].discount", i), num("0.1"))
		}, "].discount"},
		{"lift of the wrong type", func(t *testing.T, d map[string]any) { set(t, d, "offers[0].lift", "high") }, "offers[0].lift"},
		{"weights not summing to 100", func(t *testing.T, d map[string]any) {
			set(t, d, "experiment.variants[1].weight", num("20"))
		}, "experiment.variants"},
		{"weight with three decimals", func(t *testing.T, d map[string]any) {
			set(t, d, "experiment.variants[0].weight", num("89.995"))
			set(t, d, "experiment.variants[1].weight", num("10.005"))
		}, "experiment.variants[0].weight"},
		{"duplicate variant", func(t *testing.T, d map[string]any) {
			set(t, d, "experiment.variants[1].name", get(t, d, "experiment.variants[0].name"))
		}, "experiment.variants[1].name"},
		{"rule syntax error", func(t *testing.T, d map[string]any) {
			set(t, d, "segments[0].when", "cart_value > && propensity < 0.3")
		}, "segments[0].when"},
		{"rule type error", func(t *testing.T, d map[string]any) { set(t, d, "segments[1].when", `channel == 3`) }, "segments[1].when"},
		{"rule with an unknown name", func(t *testing.T, d map[string]any) {
			set(t, d, "tiers[1].when", "known == 1 && p_alivee >= 0.5")
		}, "tiers[1].when"},
		{"empty rule before the last tier", func(t *testing.T, d map[string]any) { set(t, d, "tiers[0].when", "") }, "tiers[0].when"},
		{"segment named like a tier", func(t *testing.T, d map[string]any) {
			set(t, d, "segments[2].name", get(t, d, "tiers[0].name"))
		}, "segments[2].name"},
		{"offer eligible for an unknown tier", func(t *testing.T, d map[string]any) {
			set(t, d, "offers[0].eligible.segments", []any{"platinum"})
		}, "offers[0].eligible.segments[0]"},
		{"segment lift for an unknown segment", func(t *testing.T, d map[string]any) {
			set(t, d, "offers[3].segment_lifts[0].segment", "at-risk")
		}, "offers[3].segment_lifts[0].segment"},
		{"unknown channel", func(t *testing.T, d map[string]any) {
			set(t, d, "offers[1].eligible.channels", []any{"kiosk"})
		}, "offers[1].eligible.channels[0]"},
		{"duplicate offer id", func(t *testing.T, d map[string]any) { set(t, d, "offers[5].id", get(t, d, "offers[2].id")) }, "offers[5].id"},
		{"offer id no_offer", func(t *testing.T, d map[string]any) { set(t, d, "offers[0].id", "no_offer") }, "offers[0].id"},
		{"unknown offer kind", func(t *testing.T, d map[string]any) { set(t, d, "offers[2].kind", "coupon") }, "offers[2].kind"},
		{"store_nudge without radius", func(t *testing.T, d map[string]any) {
			i := findIndex(t, d, "offers", "kind", "store_nudge")
			del(t, d, fmt.Sprintf("offers[%d].eligible.store_radius_km", i))
		}, "].eligible.store_radius_km"},
		{"store_nudge without stores", func(t *testing.T, d map[string]any) {
			set(t, d, "inventory", map[string]any{})
		}, "].kind"},
		{"unknown feature in logistic weights", func(t *testing.T, d map[string]any) {
			set(t, d, "propensity.logistic.weights.log_frequncy", num("0.5"))
		}, "propensity.logistic.weights.log_frequncy"},
		{"blend missing with two models", func(t *testing.T, d map[string]any) { del(t, d, "propensity.logistic.blend") }, "propensity.logistic.blend"},
		{"wrong XGBoost feature count", func(t *testing.T, d map[string]any) {
			// Drop the last feature from the spec (and its logistic
			// weight): the trees still have one more.
			feats := get(t, d, "features").([]any)
			last := feats[len(feats)-1].(map[string]any)["name"].(string)
			set(t, d, "features", feats[:len(feats)-1])
			del(t, d, "propensity.logistic.weights."+last)
		}, "propensity.gbdt.xgboost"},
		{"XGBoost feature names differ", func(t *testing.T, d map[string]any) {
			set(t, d, "propensity.gbdt.xgboost.learner.feature_names[1]", "log_freq")
		}, "propensity.gbdt.xgboost"},
		{"broken XGBoost tree", func(t *testing.T, d map[string]any) {
			p := "propensity.gbdt.xgboost.learner.gradient_booster.model.trees[7].split_indices"
			s := get(t, d, p).([]any)
			set(t, d, p, s[:len(s)-1])
		}, "trees[7]"},
		{"bad lifetime parameter", func(t *testing.T, d map[string]any) { set(t, d, "lifetime.r", num("-0.243")) }, "lifetime.r"},
		{"lifetime horizon", func(t *testing.T, d map[string]any) { set(t, d, "lifetime.period_days", num("0")) }, "lifetime.period_days"},
		{"cluster dimensions mismatch", func(t *testing.T, d map[string]any) {
			c := get(t, d, "clusters.centroids[2]").([]any)
			set(t, d, "clusters.centroids[2]", c[:len(c)-1])
		}, "clusters.centroids[2]"},
		{"cluster names count", func(t *testing.T, d map[string]any) {
			n := get(t, d, "clusters.names").([]any)
			set(t, d, "clusters.names", n[:len(n)-1])
		}, "clusters.names"},
		{"cluster scale zero", func(t *testing.T, d map[string]any) { set(t, d, "clusters.scale[3]", num("0")) }, "clusters.scale[3]"},
		{"cluster on an unknown feature", func(t *testing.T, d map[string]any) { set(t, d, "clusters.features[0]", "log_freq") }, "clusters.features[0]"},
		{"duplicate feature name", func(t *testing.T, d map[string]any) { set(t, d, "features[5].name", get(t, d, "features[4].name")) }, "features[5].name"},
		{"unknown transform", func(t *testing.T, d map[string]any) { set(t, d, "features[4].transforms[1].op", "zscore") }, "features[4].transforms[1].op"},
		{"standardize with std 0", func(t *testing.T, d map[string]any) { set(t, d, "features[4].transforms[1].std", num("0")) }, "features[4].transforms[1].std"},
		{"onehot of an unknown page type", func(t *testing.T, d map[string]any) {
			i := findIndex(t, d, "features", "name", "page_cart")
			set(t, d, fmt.Sprintf("features[%d].transforms[0].value", i), "basket")
		}, "].transforms[0].value"},
		{"unknown field name", func(t *testing.T, d map[string]any) { set(t, d, "features[1].field", "frequence") }, "features[1].field"},
		{"margin rate", func(t *testing.T, d map[string]any) { set(t, d, "economics.margin_rate", num("0")) }, "economics.margin_rate"},
		{"category margin", func(t *testing.T, d map[string]any) { set(t, d, "economics.category_margins.beauty", num("1.5")) }, "economics.category_margins.beauty"},
		{"epsilon", func(t *testing.T, d map[string]any) { set(t, d, "policy.epsilon", num("0.9")) }, "policy.epsilon"},
		{"duplicate store", func(t *testing.T, d map[string]any) {
			set(t, d, "inventory.stores[1].id", get(t, d, "inventory.stores[0].id"))
		}, "inventory.stores[1].id"},
		{"store latitude", func(t *testing.T, d map[string]any) { set(t, d, "inventory.stores[0].lat", num("95")) }, "inventory.stores[0].lat"},
		{"stock at an unknown store", func(t *testing.T, d map[string]any) { set(t, d, "inventory.stock[2].store", "berlin_zoo") }, "inventory.stock[2].store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := refDoc(t)
			c.mutate(t, d)
			data, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := jsonform.ParseBundle(data)
			if err == nil {
				_, err = bundle.Compile(spec)
			}
			if err == nil {
				t.Fatalf("accepted; want an error at %s", c.path)
			}
			var be *bundle.Error
			if !errors.As(err, &be) {
				t.Errorf("error %T %q is not a *bundle.Error", err, err)
			}
			if !strings.Contains(err.Error(), c.path) {
				t.Errorf("error %q does not name %s", err, c.path)
			}
			if spec == nil {
				return // a JSON-level error: no spec to encode
			}
			// The same spec in the binary form is rejected at the same
			// place when it loads (unless it cannot even be encoded).
			bin, encErr := bundle.Encode(spec)
			if encErr != nil {
				return
			}
			if _, err := bundle.Load(bin); err == nil {
				t.Errorf("binary form accepted; want an error at %s", c.path)
			} else if !strings.Contains(err.Error(), c.path) {
				t.Errorf("binary form: error %q does not name %s", err, c.path)
			}
		})
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
}
