package xgboost

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/module/gbdt"
)

// fixtures: model file and the name of the XGBoost outputs it must
// reproduce. binary_v2 / binary_v31 are binary.json with base_score and the
// version rewritten as XGBoost 2.1 / 3.1 store them (see gen_fixtures.py), so
// they share binary's expected outputs.
var fixtures = []struct {
	model, data string
}{
	{"binary.json", "binary"},
	{"binary_v2.json", "binary"},
	{"binary_v31.json", "binary"},
	{"regression.json", "regression"},
	{"multiclass.json", "multiclass"},
	{"stumps.json", "stumps"},
	{"dart.json", "dart"},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, name string) *gbdt.Spec {
	t.Helper()
	s, err := Parse(readFixture(t, name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return s
}

// readCSV reads a fixture CSV: a header line, then float32 values ("nan" for
// missing) written with %.9g so that they round-trip exactly.
func readCSV(t testing.TB, name string) ([]string, [][]float32) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(readFixture(t, name)))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rows := make([][]float32, len(recs)-1)
	for i, rec := range recs[1:] {
		rows[i] = make([]float32, len(rec))
		for j, s := range rec {
			f, err := strconv.ParseFloat(s, 32)
			if err != nil {
				t.Fatalf("%s row %d col %d: %v", name, i+1, j, err)
			}
			rows[i][j] = float32(f)
		}
	}
	return recs[0], rows
}

func TestStructureBinary(t *testing.T) {
	s := mustParse(t, "binary.json")
	if s.Objective != gbdt.BinaryLogistic || s.NumClass != 1 || s.NumFeature != 8 || len(s.Trees) != 30 {
		t.Fatalf("got objective %v, %d classes, %d features, %d trees", s.Objective, s.NumClass, s.NumFeature, len(s.Trees))
	}
	wantNames := []string{"age", "sessions", "cart_value", "days_since_visit", "pages_viewed", "is_mobile", "discount_pct", "referrer_score"}
	if !reflect.DeepEqual(s.FeatureNames, wantNames) {
		t.Errorf("feature names %q", s.FeatureNames)
	}
	// base_score "3E-1" → logit(0.3) = -0.8472979 (XGBoost's -logf(1/p-1)).
	if len(s.BaseMargin) != 1 || math.Abs(float64(s.BaseMargin[0])+0.84729786) > 1e-6 {
		t.Errorf("base margin %v, want [-0.84729786]", s.BaseMargin)
	}
	if got := len(s.Trees[0].Nodes); got != 55 {
		t.Errorf("tree 0: %d nodes, want 55", got)
	}
	// Root of tree 0 as stored by XGBoost: split_indices[0]=0,
	// split_conditions[0]=-0.21063362, default_left[0]=0, sum_hessian[0]=630.
	root := s.Trees[0].Nodes[0]
	want := gbdt.Node{Left: 1, Right: 2, Feature: 0, Threshold: -0.21063362, DefaultLeft: false, Cover: 630}
	if root != want {
		t.Errorf("tree 0 root %+v, want %+v", root, want)
	}
	// Node 1: feature 1, threshold -0.3260761, default left, cover 217.56001.
	n1 := s.Trees[0].Nodes[1]
	if n1.Feature != 1 || n1.Threshold != -0.3260761 || !n1.DefaultLeft || n1.Cover != 217.56001 || n1.Left != 3 || n1.Right != 4 {
		t.Errorf("tree 0 node 1 %+v", n1)
	}
	// Trees 23..29 are a single leaf (gamma stops every split).
	for i := 23; i < 30; i++ {
		if n := s.Trees[i].Nodes; len(n) != 1 || !n[0].IsLeaf() {
			t.Errorf("tree %d: %d nodes, want a single leaf", i, len(n))
		}
	}
	// Not every tree is complete: some leaves are above max depth 5, and
	// default directions vary.
	var left, right, shallow int
	for _, tr := range s.Trees {
		d := depths(tr.Nodes)
		for i, n := range tr.Nodes {
			if n.IsLeaf() {
				if d[i] < 5 {
					shallow++
				}
				if n.Feature != 0 || n.Threshold != 0 || n.DefaultLeft {
					t.Errorf("leaf carries split fields: %+v", n)
				}
			} else if n.DefaultLeft {
				left++
			} else {
				right++
			}
		}
	}
	if left == 0 || right == 0 || shallow == 0 {
		t.Errorf("default left %d, default right %d, shallow leaves %d: fixture lacks variety", left, right, shallow)
	}
}

func depths(nodes []gbdt.Node) []int {
	d := make([]int, len(nodes))
	for i, n := range nodes {
		if !n.IsLeaf() {
			d[n.Left], d[n.Right] = d[i]+1, d[i]+1
		}
	}
	return d
}

func TestStructureRegressionDeletedNodes(t *testing.T) {
	s := mustParse(t, "regression.json")
	if s.Objective != gbdt.RegSquaredError || s.NumClass != 1 || s.NumFeature != 6 || len(s.Trees) != 20 {
		t.Fatalf("got objective %v, %d classes, %d features, %d trees", s.Objective, s.NumClass, s.NumFeature, len(s.Trees))
	}
	if s.BaseMargin[0] != 2.5 {
		t.Errorf("base margin %v, want [2.5] (identity)", s.BaseMargin)
	}
	// Tree 19 has num_nodes 19 with 4 nodes deleted by the pruner (7, 8,
	// 15, 16): they are dropped and the rest renumbered.
	var raw map[string]any
	if err := json.Unmarshal(readFixture(t, "regression.json"), &raw); err != nil {
		t.Fatal(err)
	}
	tj := raw["learner"].(map[string]any)["gradient_booster"].(map[string]any)["model"].(map[string]any)["trees"].([]any)[19].(map[string]any)
	if got := tj["tree_param"].(map[string]any)["num_deleted"]; got != "4" {
		t.Fatalf("fixture changed: tree 19 num_deleted %v", got)
	}
	if got := len(s.Trees[19].Nodes); got != 15 {
		t.Errorf("tree 19: %d nodes, want 19-4", got)
	}
	// Every reachable node of the JSON maps to a node with the same fields.
	conds := tj["split_conditions"].([]any)
	lefts := tj["left_children"].([]any)
	var walk func(j int, n int32)
	walk = func(j int, n int32) {
		nd := s.Trees[19].Nodes[n]
		c := float32(conds[j].(float64))
		if int(lefts[j].(float64)) == -1 {
			if !nd.IsLeaf() || nd.Value != c {
				t.Errorf("json node %d -> %d: %+v, want leaf %v", j, n, nd, c)
			}
			return
		}
		if nd.IsLeaf() || nd.Threshold != c {
			t.Errorf("json node %d -> %d: %+v, want threshold %v", j, n, nd, c)
			return
		}
		walk(int(lefts[j].(float64)), nd.Left)
		walk(int(tj["right_children"].([]any)[j].(float64)), nd.Right)
	}
	walk(0, 0)
	// Trees without deleted nodes keep XGBoost's ids: tree 5 node 3
	// splits feature 3 (tier) at 1.5.
	if n := s.Trees[5].Nodes[3]; n.Feature != 3 || n.Threshold != 1.5 || n.Left != 7 || n.Right != 8 {
		t.Errorf("tree 5 node 3 %+v", n)
	}
}

func TestStructureMulticlass(t *testing.T) {
	s := mustParse(t, "multiclass.json")
	if s.Objective != gbdt.MultiSoftprob || s.NumClass != 3 || s.NumFeature != 5 || len(s.Trees) != 30 {
		t.Fatalf("got objective %v, %d classes, %d features, %d trees", s.Objective, s.NumClass, s.NumFeature, len(s.Trees))
	}
	// multi:softprob: base_score is added to each class margin as is
	// (XGBoost 1.7.4, verified by the parity test).
	if !reflect.DeepEqual(s.BaseMargin, []float32{0.2, 0.2, 0.2}) {
		t.Errorf("base margin %v", s.BaseMargin)
	}
	for i, tr := range s.Trees {
		if tr.Group != i%3 {
			t.Errorf("tree %d group %d, want %d", i, tr.Group, i%3)
		}
	}
}

func TestStructureStumpsNoNames(t *testing.T) {
	s := mustParse(t, "stumps.json")
	if s.FeatureNames != nil {
		t.Errorf("feature names %q, want nil (trained without names)", s.FeatureNames)
	}
	if s.NumFeature != 4 || len(s.Trees) != 15 || s.BaseMargin[0] != 0 {
		t.Errorf("%d features, %d trees, base margin %v", s.NumFeature, len(s.Trees), s.BaseMargin)
	}
	for i, tr := range s.Trees {
		if len(tr.Nodes) != 3 || tr.Nodes[0].IsLeaf() || !tr.Nodes[1].IsLeaf() || !tr.Nodes[2].IsLeaf() {
			t.Errorf("tree %d is not a stump: %+v", i, tr.Nodes)
		}
	}
}

func TestStructureDart(t *testing.T) {
	s := mustParse(t, "dart.json")
	if s.NumFeature != 6 || len(s.Trees) != 12 || s.BaseMargin[0] != 1 {
		t.Fatalf("%d features, %d trees, base margin %v", s.NumFeature, len(s.Trees), s.BaseMargin)
	}
	// Tree 1's first leaf (node 7, -0.22443691) times weight_drop[1]
	// (0.82644635), rounded to float32.
	want := float32(-0.22443691) * float32(0.82644635)
	if got := s.Trees[1].Nodes[7].Value; got != want {
		t.Errorf("tree 1 node 7 value %v, want %v", got, want)
	}
}

// The v2 / v3.1 spellings of base_score must give the very same spec.
func TestBaseScoreVersionsIdentical(t *testing.T) {
	want := mustParse(t, "binary.json")
	for _, name := range []string{"binary_v2.json", "binary_v31.json"} {
		if got := mustParse(t, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: spec differs from binary.json", name)
		}
	}
	// Other accepted spellings.
	src := string(readFixture(t, "binary.json"))
	for _, bs := range []string{`"[3E-1]"`, `"(3E-1)"`, `" 0.3 "`, `0.3`, `[0.3]`, `["3E-1"]`, `"[ 3E-1 ]"`} {
		m := strings.Replace(src, `"base_score":"3E-1"`, `"base_score":`+bs, 1)
		got, err := Parse([]byte(m))
		if err != nil {
			t.Errorf("base_score %s: %v", bs, err)
			continue
		}
		if !reflect.DeepEqual(got.BaseMargin, want.BaseMargin) {
			t.Errorf("base_score %s: margin %v, want %v", bs, got.BaseMargin, want.BaseMargin)
		}
	}
	// Per-class list for multi:softprob.
	mc := strings.Replace(string(readFixture(t, "multiclass.json")), `"base_score":"2E-1"`, `"base_score":"[1E-1,2E-1,3E-1]"`, 1)
	s, err := Parse([]byte(mc))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.BaseMargin, []float32{0.1, 0.2, 0.3}) {
		t.Errorf("per-class base margin %v", s.BaseMargin)
	}
}

// Liberal inputs: default_left as booleans, integers as numbers instead of
// strings, no optional arrays.
func TestLiberalSpellings(t *testing.T) {
	want := mustParse(t, "binary.json")
	m := decode(t, readFixture(t, "binary.json"))
	for i := range 30 {
		tr := treeOf(m, i)
		dl := tr["default_left"].([]any)
		for j, v := range dl {
			dl[j] = v.(json.Number) == "1"
		}
		p := tr["tree_param"].(map[string]any)
		p["num_nodes"] = json.Number(p["num_nodes"].(string))
		delete(tr, "base_weights")
		delete(tr, "split_type")
		delete(tr, "categories_nodes")
		delete(tr, "parents")
		delete(tr, "loss_changes")
	}
	got, err := Parse(encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("spec differs from binary.json")
	}
}

// ---- parity with XGBoost ---------------------------------------------------

type errStat struct {
	maxAbs, maxRel float64
	n, bad         int
}

// add records |got-want|; within tolerance when ≤ 1e-5 relative or ≤ 1e-6
// absolute.
func (e *errStat) add(got, want float32) bool {
	d := math.Abs(float64(got) - float64(want))
	e.n++
	e.maxAbs = max(e.maxAbs, d)
	if w := math.Abs(float64(want)); w > 1e-6 {
		e.maxRel = max(e.maxRel, d/w)
	}
	ok := d <= 1e-6 || d <= 1e-5*math.Abs(float64(want))
	if !ok {
		e.bad++
	}
	return ok
}

func (e *errStat) String() string {
	return fmt.Sprintf("%d values, max abs err %.3g, max rel err %.3g", e.n, e.maxAbs, e.maxRel)
}

type expected struct {
	header                []string
	input, margin, pred   [][]float32
	contrib               [][]float32
	numClass, numFeatures int
}

func loadExpected(t *testing.T, data string, s *gbdt.Spec) *expected {
	e := &expected{numClass: s.NumClass, numFeatures: s.NumFeature}
	e.header, e.input = readCSV(t, data+".input.csv")
	_, e.margin = readCSV(t, data+".margin.csv")
	_, e.pred = readCSV(t, data+".pred.csv")
	_, e.contrib = readCSV(t, data+".contrib.csv")
	if len(e.input) < 200 || len(e.margin) != len(e.input) || len(e.pred) != len(e.input) || len(e.contrib) != len(e.input) {
		t.Fatalf("%s: %d input rows, %d margins, %d preds, %d contribs", data, len(e.input), len(e.margin), len(e.pred), len(e.contrib))
	}
	if len(e.header) != s.NumFeature || len(e.margin[0]) != s.NumClass || len(e.contrib[0]) != s.NumClass*(s.NumFeature+1) {
		t.Fatalf("%s: shapes do not match the model", data)
	}
	if s.FeatureNames != nil && !reflect.DeepEqual(s.FeatureNames, e.header) {
		t.Fatalf("%s: feature names %q, csv header %q", data, s.FeatureNames, e.header)
	}
	return e
}

// TestParityReference checks the importer alone: a plain tree walk over the
// spec (no gbdt.Compile) reproduces XGBoost's margins and approximate
// contributions.
func TestParityReference(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.model, func(t *testing.T) {
			s := mustParse(t, fx.model)
			e := loadExpected(t, fx.data, s)
			var ms, cs errStat
			exact := 0
			for r, x := range e.input {
				m := refMargins(s, x)
				for g := range m {
					if !ms.add(m[g], e.margin[r][g]) {
						t.Errorf("row %d group %d: margin %v, XGBoost %v", r, g, m[g], e.margin[r][g])
					}
					if m[g] == e.margin[r][g] {
						exact++
					}
					c := refContribs(s, x, g)
					for j := range c {
						w := e.contrib[r][g*(s.NumFeature+1)+j]
						if !cs.add(c[j], w) {
							t.Errorf("row %d group %d contrib %d: %v, XGBoost %v", r, g, j, c[j], w)
						}
					}
				}
			}
			t.Logf("reference margins: %v (%d bit-exact); contributions: %v", &ms, exact, &cs)
		})
	}
}

func refLeaf(nodes []gbdt.Node, x []float32) int {
	i := 0
	for !nodes[i].IsLeaf() {
		n := &nodes[i]
		v := x[n.Feature]
		switch {
		case v != v:
			if n.DefaultLeft {
				i = int(n.Left)
			} else {
				i = int(n.Right)
			}
		case v < n.Threshold:
			i = int(n.Left)
		default:
			i = int(n.Right)
		}
	}
	return i
}

func refMargins(s *gbdt.Spec, x []float32) []float32 {
	m := append([]float32(nil), s.BaseMargin...)
	for _, tr := range s.Trees {
		m[tr.Group] += tr.Nodes[refLeaf(tr.Nodes, x)].Value
	}
	return m
}

// refContribs follows XGBoost 1.7's CalculateContributionsApprox: node means
// weighted by sum_hessian, each step's change of mean credited to the split
// feature, the root mean and base margin to the bias.
func refContribs(s *gbdt.Spec, x []float32, group int) []float32 {
	out := make([]float32, s.NumFeature+1)
	for _, tr := range s.Trees {
		if tr.Group != group {
			continue
		}
		mean := make([]float32, len(tr.Nodes))
		var fill func(i int32) float32
		fill = func(i int32) float32 {
			n := &tr.Nodes[i]
			if n.IsLeaf() {
				mean[i] = n.Value
			} else {
				l, r := fill(n.Left), fill(n.Right)
				mean[i] = (l*tr.Nodes[n.Left].Cover + r*tr.Nodes[n.Right].Cover) / n.Cover
			}
			return mean[i]
		}
		fill(0)
		this := make([]float32, len(out))
		this[s.NumFeature] += mean[0]
		i := 0
		for !tr.Nodes[i].IsLeaf() {
			n := &tr.Nodes[i]
			v := x[n.Feature]
			next := int(n.Right)
			if (v != v && n.DefaultLeft) || v < n.Threshold {
				next = int(n.Left)
			}
			this[n.Feature] += mean[next] - mean[i]
			i = next
		}
		for j := range out {
			out[j] += this[j]
		}
	}
	out[s.NumFeature] += s.BaseMargin[group]
	return out
}

// TestParityCompiled is the end-to-end check: XGBoost model → Parse →
// gbdt.Compile → Margins / Transform / Contributions against XGBoost's own
// outputs on the same rows.
func TestParityCompiled(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.model, func(t *testing.T) {
			s := mustParse(t, fx.model)
			e := loadExpected(t, fx.data, s)
			ens, err := gbdt.Compile(s)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			in := ens.NewInput()
			m := make([]float32, s.NumClass)
			p := make([]float32, s.NumClass)
			c := make([]float32, s.NumFeature+1)
			var ms, ps, cs errStat
			for r, x := range e.input {
				in.Set(x)
				ens.Margins(in, m)
				ens.Transform(m, p)
				for g := range m {
					if !ms.add(m[g], e.margin[r][g]) {
						t.Errorf("row %d group %d: margin %v, XGBoost %v", r, g, m[g], e.margin[r][g])
					}
					if !ps.add(p[g], e.pred[r][g]) {
						t.Errorf("row %d group %d: prediction %v, XGBoost %v", r, g, p[g], e.pred[r][g])
					}
					ens.Contributions(in, g, c)
					for j := range c {
						w := e.contrib[r][g*(s.NumFeature+1)+j]
						if !cs.add(c[j], w) {
							t.Errorf("row %d group %d contrib %d: %v, XGBoost %v", r, g, j, c[j], w)
						}
					}
				}
				if t.Failed() && r > 5 {
					t.FailNow()
				}
			}
			t.Logf("margins: %v; predictions: %v; contributions: %v", &ms, &ps, &cs)
		})
	}
}

// ---- malformed models ------------------------------------------------------

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func modelOf(m map[string]any) map[string]any {
	return at(m, "learner", "gradient_booster", "model")
}

func treeOf(m map[string]any, i int) map[string]any {
	return modelOf(m)["trees"].([]any)[i].(map[string]any)
}

func arr(m map[string]any, key string) []any { return m[key].([]any) }

const tp = "learner.gradient_booster.model.trees"

func TestMalformed(t *testing.T) {
	n7 := len(arr(treeOf(decode(t, readFixture(t, "binary.json")), 7), "split_indices"))
	cases := []struct {
		name    string
		fixture string
		mutate  func(m map[string]any)
		raw     func(b []byte) []byte // applied after encoding, if set
		want    string
	}{
		{name: "short split_indices", mutate: func(m map[string]any) {
			tr := treeOf(m, 7)
			tr["split_indices"] = arr(tr, "split_indices")[:12]
		}, want: fmt.Sprintf(tp+"[7].split_indices: length 12, want %d (num_nodes)", n7)},
		{name: "long sum_hessian", mutate: func(m map[string]any) {
			tr := treeOf(m, 3)
			tr["sum_hessian"] = append(arr(tr, "sum_hessian"), json.Number("1"))
		}, want: tp + "[3].sum_hessian: length"},
		{name: "num_nodes disagrees", mutate: func(m map[string]any) {
			at(treeOf(m, 2), "tree_param")["num_nodes"] = "1000000000"
		}, want: tp + "[2].left_children: length"},
		{name: "child out of range", mutate: func(m map[string]any) {
			arr(treeOf(m, 2), "left_children")[0] = json.Number("999")
		}, want: tp + "[2].left_children[0]: child 999 out of range"},
		{name: "child is root", mutate: func(m map[string]any) {
			arr(treeOf(m, 2), "right_children")[1] = json.Number("0")
		}, want: tp + "[2].right_children[1]: child 0 out of range"},
		{name: "cycle", mutate: func(m map[string]any) {
			// node 3 (child of 1) points back at its parent 1
			arr(treeOf(m, 0), "left_children")[3] = json.Number("1")
		}, want: tp + "[0].left_children[3]: node 1 is reached twice"},
		{name: "shared child", mutate: func(m map[string]any) {
			tr := treeOf(m, 0)
			arr(tr, "right_children")[2] = arr(tr, "left_children")[2]
		}, want: "is reached twice (cycle or shared child)"},
		{name: "orphan subtree", mutate: func(m map[string]any) {
			tr := treeOf(m, 0)
			arr(tr, "left_children")[1] = json.Number("-1")
			arr(tr, "right_children")[1] = json.Number("-1")
		}, want: tp + "[0]: node 3 is not reachable from the root (26 unreachable nodes, tree_param.num_deleted 0)"},
		{name: "leaf with one child", mutate: func(m map[string]any) {
			arr(treeOf(m, 0), "right_children")[1] = json.Number("-1")
		}, want: tp + "[0].left_children[1]: node 1 has children 3 and -1: a leaf must have both -1"},
		{name: "num_deleted wrong", fixture: "regression.json", mutate: func(m map[string]any) {
			at(treeOf(m, 19), "tree_param")["num_deleted"] = "0"
		}, want: tp + "[19]: node 7 is not reachable from the root (4 unreachable nodes, tree_param.num_deleted 0)"},
		{name: "num_deleted without deleted nodes", mutate: func(m map[string]any) {
			at(treeOf(m, 1), "tree_param")["num_deleted"] = "2"
		}, want: tp + "[1].tree_param.num_deleted: 2, but every node is reachable"},
		{name: "unsupported objective", mutate: func(m map[string]any) {
			at(m, "learner", "objective")["name"] = "reg:logistic"
		}, want: `learner.objective.name: unsupported objective "reg:logistic"`},
		{name: "multi:softmax", fixture: "multiclass.json", mutate: func(m map[string]any) {
			at(m, "learner", "objective")["name"] = "multi:softmax"
		}, want: `learner.objective.name: unsupported objective "multi:softmax"`},
		{name: "categorical split", mutate: func(m map[string]any) {
			arr(treeOf(m, 4), "split_type")[0] = json.Number("1")
		}, want: tp + "[4].split_type[0]: categorical split (type 1): categorical features are not supported"},
		{name: "categories_nodes", mutate: func(m map[string]any) {
			treeOf(m, 4)["categories_nodes"] = []any{json.Number("2")}
		}, want: tp + "[4].categories_nodes: categorical split at node 2"},
		{name: "NaN threshold", mutate: func(m map[string]any) {
			arr(treeOf(m, 3), "split_conditions")[0] = "__NaN__"
		}, raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"__NaN__"`), []byte(`NaN`), 1) // as XGBoost writes it
		}, want: tp + "[3].split_conditions[0]: threshold NaN is not finite"},
		{name: "infinite leaf", mutate: func(m map[string]any) {
			arr(treeOf(m, 23), "split_conditions")[0] = json.Number("1e39") // beyond float32
		}, want: tp + "[23].split_conditions[0]: leaf value +Inf is not finite"},
		{name: "-Infinity leaf", mutate: func(m map[string]any) {
			arr(treeOf(m, 23), "split_conditions")[0] = "__INF__"
		}, raw: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"__INF__"`), []byte(`-Infinity`), 1)
		}, want: tp + "[23].split_conditions[0]: leaf value -Inf is not finite"},
		{name: "threshold not a number", mutate: func(m map[string]any) {
			arr(treeOf(m, 3), "split_conditions")[2] = "x"
		}, want: tp + `[3].split_conditions[2]: "x" is not a number`},
		{name: "split feature out of range", mutate: func(m map[string]any) {
			arr(treeOf(m, 5), "split_indices")[0] = json.Number("8")
		}, want: tp + "[5].split_indices[0]: feature 8 out of range [0, 8) (num_feature)"},
		{name: "negative cover", mutate: func(m map[string]any) {
			arr(treeOf(m, 5), "sum_hessian")[0] = json.Number("-1")
		}, want: tp + "[5].sum_hessian[0]: -1, want finite and ≥ 0"},
		{name: "default_left 2", mutate: func(m map[string]any) {
			arr(treeOf(m, 6), "default_left")[4] = json.Number("2")
		}, want: tp + "[6].default_left[4]: 2, want 0 or 1"},
		{name: "bad base_score string", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["base_score"] = "3E-1x"
		}, want: `learner.learner_model_param.base_score: "3E-1x" is not a number`},
		{name: "bad base_score list", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["base_score"] = "[3E-1,]"
		}, want: `learner.learner_model_param.base_score[1]: "" is not a number`},
		{name: "unterminated base_score list", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["base_score"] = "[3E-1"
		}, want: `learner.learner_model_param.base_score: malformed list "[3E-1"`},
		{name: "base_score outside (0,1)", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["base_score"] = "1E0"
		}, want: "learner.learner_model_param.base_score: 1 out of (0, 1), required for binary:logistic"},
		{name: "base_score count", fixture: "multiclass.json", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["base_score"] = "[1E-1,2E-1]"
		}, want: "learner.learner_model_param.base_score: 2 values, want 1 or 3 (num_class)"},
		{name: "base_score missing", mutate: func(m map[string]any) {
			delete(at(m, "learner", "learner_model_param"), "base_score")
		}, want: "learner.learner_model_param: missing field base_score"},
		{name: "tree_info group beyond num_class", fixture: "multiclass.json", mutate: func(m map[string]any) {
			arr(modelOf(m), "tree_info")[5] = json.Number("3")
		}, want: "learner.gradient_booster.model.tree_info[5]: group 3 out of range [0, 3) (num_class)"},
		{name: "num_class shrunk below tree_info", fixture: "multiclass.json", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["num_class"] = "2"
			at(m, "learner", "objective", "softmax_multiclass_param")["num_class"] = "2"
		}, want: "learner.gradient_booster.model.tree_info[2]: group 2 out of range [0, 2) (num_class)"},
		{name: "num_class disagrees with objective", fixture: "multiclass.json", mutate: func(m map[string]any) {
			at(m, "learner", "objective", "softmax_multiclass_param")["num_class"] = "4"
		}, want: "learner.objective.softmax_multiclass_param.num_class: 4, but learner.learner_model_param.num_class is 3"},
		{name: "num_class on binary", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["num_class"] = "3"
		}, want: "learner.learner_model_param.num_class: 3, want 0 for binary:logistic"},
		{name: "softprob with one class", fixture: "multiclass.json", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["num_class"] = "1"
		}, want: "learner.learner_model_param.num_class: 1, want ≥ 2 for multi:softprob"},
		{name: "missing trees", mutate: func(m map[string]any) {
			delete(modelOf(m), "trees")
		}, want: "learner.gradient_booster.model: missing field trees"},
		{name: "num_trees mismatch", mutate: func(m map[string]any) {
			at(modelOf(m), "gbtree_model_param")["num_trees"] = "31"
		}, want: "learner.gradient_booster.model.trees: length 30, want 31 (gbtree_model_param.num_trees)"},
		{name: "tree_info short", mutate: func(m map[string]any) {
			modelOf(m)["tree_info"] = arr(modelOf(m), "tree_info")[:29]
		}, want: "learner.gradient_booster.model.tree_info: length 29, want 30 (num_trees)"},
		{name: "duplicate tree id", mutate: func(m map[string]any) {
			treeOf(m, 4)["id"] = json.Number("3")
		}, want: tp + "[4].id: duplicate tree id 3"},
		{name: "iteration_indptr inconsistent", fixture: "binary_v2.json", mutate: func(m map[string]any) {
			modelOf(m)["iteration_indptr"] = []any{json.Number("0"), json.Number("29")}
		}, want: "learner.gradient_booster.model.iteration_indptr: must start at 0 and end at 30 (num_trees)"},
		{name: "feature_names count", mutate: func(m map[string]any) {
			at(m, "learner")["feature_names"] = []any{"a", "b"}
		}, want: "learner.feature_names: 2 names, want 8 (num_feature)"},
		{name: "num_feature zero", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["num_feature"] = "0"
		}, want: "learner.learner_model_param.num_feature: 0 out of range"},
		{name: "multi-target", mutate: func(m map[string]any) {
			at(m, "learner", "learner_model_param")["num_target"] = "2"
		}, want: "learner.learner_model_param.num_target: 2: multi-target models are not supported"},
		{name: "multi-output trees", mutate: func(m map[string]any) {
			at(treeOf(m, 0), "tree_param")["size_leaf_vector"] = "3"
		}, want: tp + "[0].tree_param.size_leaf_vector: 3: multi-output trees are not supported"},
		{name: "gblinear", mutate: func(m map[string]any) {
			at(m, "learner", "gradient_booster")["name"] = "gblinear"
		}, want: `learner.gradient_booster.name: unsupported booster "gblinear"`},
		{name: "dart weight_drop short", fixture: "dart.json", mutate: func(m map[string]any) {
			gb := at(m, "learner", "gradient_booster")
			gb["weight_drop"] = arr(gb, "weight_drop")[:11]
		}, want: "learner.gradient_booster.weight_drop: length 11, want 12 (num_trees)"},
		{name: "dart tree error path", fixture: "dart.json", mutate: func(m map[string]any) {
			tr := at(m, "learner", "gradient_booster", "gbtree", "model")["trees"].([]any)[2].(map[string]any)
			tr["left_children"] = arr(tr, "left_children")[:3]
		}, want: "learner.gradient_booster.gbtree.model.trees[2].left_children: length 3, want 15 (num_nodes)"},
		{name: "wrong type", mutate: func(m map[string]any) {
			treeOf(m, 1)["split_conditions"] = "nope"
		}, want: tp + "[1].split_conditions: a string, want an array"},
		{name: "missing learner", mutate: func(m map[string]any) {
			delete(m, "learner")
		}, want: "(root): missing field learner"},
		{name: "not JSON", raw: func([]byte) []byte { return []byte(`{"learner":`) }, want: "xgboost: invalid JSON"},
		{name: "UBJSON", raw: func([]byte) []byte { return []byte("{L\x00\x00\x00\x00\x00\x00\x00\x07learner{}}") },
			want: "looks like UBJSON"},
		{name: "trailing data", raw: func(b []byte) []byte { return append(b, []byte(" {}")...) },
			want: "data after the top-level value"},
	}
	if len(cases) < 12 {
		t.Fatal("too few cases")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fixture := tc.fixture
			if fixture == "" {
				fixture = "binary.json"
			}
			m := decode(t, readFixture(t, fixture))
			if tc.mutate != nil {
				tc.mutate(m)
			}
			b := encode(t, m)
			if tc.raw != nil {
				b = tc.raw(b)
			}
			s, err := Parse(b)
			if err == nil {
				t.Fatalf("Parse succeeded (%d trees), want error containing %q", len(s.Trees), tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "xgboost: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// ---- fuzzing -----------------------------------------------------------------

// tinyModel is a small valid model, a cheap starting point for the fuzzer.
const tinyModel = `{"learner":{"feature_names":["a","b"],"gradient_booster":{"model":{"gbtree_model_param":{"num_trees":"2","size_leaf_vector":"0"},"tree_info":[0,0],"trees":[{"id":0,"tree_param":{"num_nodes":"3","num_deleted":"0"},"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[1,0,0],"split_conditions":[5E-1,-1E-1,2E-1],"default_left":[1,0,0],"sum_hessian":[1E1,4E0,6E0],"split_type":[0,0,0]},{"id":1,"tree_param":{"num_nodes":"1"},"left_children":[-1],"right_children":[-1],"split_indices":[0],"split_conditions":[3E-2],"default_left":[0],"sum_hessian":[1E1]}]},"name":"gbtree"},"learner_model_param":{"base_score":"[3E-1]","num_class":"0","num_feature":"2","num_target":"1"},"objective":{"name":"binary:logistic"}},"version":[3,1,0]}`

func FuzzParse(f *testing.F) {
	f.Add([]byte(tinyModel))
	f.Add([]byte(strings.Replace(tinyModel, `"binary:logistic"`, `"reg:squarederror"`, 1)))
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			if s != nil {
				t.Fatal("non-nil spec with an error")
			}
			return
		}
		checkSpec(t, s)
		// An accepted spec must also be safe to compile and score.
		ens, err := gbdt.Compile(s)
		if err != nil {
			return // beyond the scorer's limits (depth, trees, features)
		}
		in := ens.NewInput()
		x := make([]float32, s.NumFeature)
		for i := range x {
			if i%2 == 0 {
				x[i] = float32(math.NaN())
			}
		}
		in.Set(x)
		m := make([]float32, s.NumClass)
		ens.Margins(in, m)
		ens.Transform(m, make([]float32, s.NumClass))
		ens.Contributions(in, 0, make([]float32, s.NumFeature+1))
	})
}

// checkSpec asserts what Parse promises about any spec it returns.
func checkSpec(t *testing.T, s *gbdt.Spec) {
	t.Helper()
	if s.Objective.String() == "invalid" || s.NumClass < 1 || len(s.BaseMargin) != s.NumClass || s.NumFeature < 1 {
		t.Fatalf("bad header: %v %d %v %d", s.Objective, s.NumClass, s.BaseMargin, s.NumFeature)
	}
	if (s.Objective == gbdt.MultiSoftprob) != (s.NumClass > 1) {
		t.Fatalf("objective %v with %d classes", s.Objective, s.NumClass)
	}
	for _, b := range s.BaseMargin {
		if !finite(b) {
			t.Fatalf("base margin %v", s.BaseMargin)
		}
	}
	if s.FeatureNames != nil && len(s.FeatureNames) != s.NumFeature {
		t.Fatalf("%d names for %d features", len(s.FeatureNames), s.NumFeature)
	}
	for ti, tr := range s.Trees {
		if tr.Group < 0 || tr.Group >= s.NumClass || len(tr.Nodes) == 0 {
			t.Fatalf("tree %d: group %d, %d nodes", ti, tr.Group, len(tr.Nodes))
		}
		seen := make([]bool, len(tr.Nodes))
		seen[0] = true
		count := 1
		stack := []int32{0}
		for len(stack) > 0 {
			n := tr.Nodes[stack[len(stack)-1]]
			stack = stack[:len(stack)-1]
			if !finite(n.Cover) || n.Cover < 0 {
				t.Fatalf("tree %d: cover %v", ti, n.Cover)
			}
			if n.IsLeaf() {
				if n.Right != -1 || !finite(n.Value) {
					t.Fatalf("tree %d: bad leaf %+v", ti, n)
				}
				continue
			}
			if n.Feature < 0 || int(n.Feature) >= s.NumFeature || !finite(n.Threshold) {
				t.Fatalf("tree %d: bad split %+v", ti, n)
			}
			for _, c := range []int32{n.Left, n.Right} {
				if c <= 0 || int(c) >= len(tr.Nodes) || seen[c] {
					t.Fatalf("tree %d: bad child %d", ti, c)
				}
				seen[c] = true
				count++
				stack = append(stack, c)
			}
		}
		if count != len(tr.Nodes) {
			t.Fatalf("tree %d: %d of %d nodes reachable", ti, count, len(tr.Nodes))
		}
	}
}
