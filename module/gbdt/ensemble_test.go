package gbdt

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// A hand-built ensemble whose every prediction is worked out below.
//
// tree 0 (depth 2):            tree 1 (a stump, padded to depth 2):
//
//	x0 < 1 (missing → left)     x1 < 5 (missing → right)
//	 ├ x1 < 2 (missing → right)   ├ leaf  0.5
//	 │  ├ leaf 1.0               └ leaf −0.5
//	 │  └ leaf 2.0
//	 └ leaf 3.0  (a shallow leaf: padded)
func handSpec() *Spec {
	return &Spec{
		Objective: RegSquaredError, NumClass: 1, NumFeature: 2, BaseMargin: []float32{0.25},
		Trees: []Tree{
			{Nodes: []Node{
				{Left: 1, Right: 2, Feature: 0, Threshold: 1, DefaultLeft: true, Cover: 10},
				{Left: 3, Right: 4, Feature: 1, Threshold: 2, DefaultLeft: false, Cover: 6},
				{Left: -1, Right: -1, Value: 3, Cover: 4},
				{Left: -1, Right: -1, Value: 1, Cover: 2},
				{Left: -1, Right: -1, Value: 2, Cover: 4},
			}},
			{Nodes: []Node{
				{Left: 1, Right: 2, Feature: 1, Threshold: 5, DefaultLeft: false, Cover: 10},
				{Left: -1, Right: -1, Value: 0.5, Cover: 5},
				{Left: -1, Right: -1, Value: -0.5, Cover: 5},
			}},
		},
	}
}

func TestMarginsHandBuilt(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name string
		x    []float32
		want float32
	}{
		{"left-left, stump left", []float32{0, 1}, 0.25 + 1 + 0.5},
		{"left-right, stump left", []float32{0, 2}, 0.25 + 2 + 0.5}, // on the threshold: right
		{"right (padded leaf), stump right", []float32{1, 7}, 0.25 + 3 - 0.5},
		{"x0 missing goes left", []float32{nan, 1}, 0.25 + 1 + 0.5},
		{"x1 missing goes right in both trees", []float32{0, nan}, 0.25 + 2 - 0.5},
		{"all missing", []float32{nan, nan}, 0.25 + 2 - 0.5},
		{"+Inf is a value, not missing", []float32{float32(math.Inf(1)), 1}, 0.25 + 3 + 0.5},
	}
	e, err := Compile(handSpec())
	if err != nil {
		t.Fatal(err)
	}
	if e.Depth() != 2 {
		t.Fatalf("depth %d, want 2", e.Depth())
	}
	in := e.NewInput()
	out := make([]float32, 1)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in.Set(tc.x)
			e.Margins(in, out)
			if out[0] != tc.want {
				t.Fatalf("margin = %v, want %v", out[0], tc.want)
			}
		})
	}
}

// Saabas contributions by hand. Means: tree 0 node1 = (1·2+2·4)/6 = 5/3,
// root = (5/3·6 + 3·4)/10 = 2.2; tree 1 root = 0.
func TestContributionsHandBuilt(t *testing.T) {
	e, err := Compile(handSpec())
	if err != nil {
		t.Fatal(err)
	}
	in := e.NewInput()
	in.Set([]float32{0, 1})
	m := make([]float32, 1)
	e.Margins(in, m)
	c := make([]float32, 3)
	e.Contributions(in, 0, c)
	want := []float32{
		float32(5.0/3) - 2.2,             // x0: root → node1
		(1 - float32(5.0/3)) + (0.5 - 0), // x1: node1 → leaf, and the stump
		0.25 + 2.2 + 0,                   // bias: base + root means
	}
	for i := range want {
		if d := math.Abs(float64(c[i] - want[i])); d > 1e-6 {
			t.Errorf("contribution[%d] = %v, want %v", i, c[i], want[i])
		}
	}
	var sum float32
	for _, v := range c {
		sum += v
	}
	if d := math.Abs(float64(sum - m[0])); d > 1e-5 {
		t.Errorf("contributions sum to %v, margin %v", sum, m[0])
	}
}

func TestCompileRejects(t *testing.T) {
	leaf := Node{Left: -1, Right: -1, Value: 1}
	tests := []struct {
		name string
		mut  func(s *Spec)
		want string
	}{
		{"no objective", func(s *Spec) { s.Objective = 0 }, "unsupported objective"},
		{"binary with 2 classes", func(s *Spec) { s.Objective = BinaryLogistic; s.NumClass = 2 }, "num_class must be 1"},
		{"multi with 1 class", func(s *Spec) { s.Objective = MultiSoftprob }, "num_class must be in [2,"},
		{"base margin count", func(s *Spec) { s.BaseMargin = nil }, "base margin has 0 values"},
		{"base margin NaN", func(s *Spec) { s.BaseMargin[0] = float32(math.NaN()) }, "base margin[0] is not finite"},
		{"no features", func(s *Spec) { s.NumFeature = 0 }, "num_feature must be in"},
		{"names count", func(s *Spec) { s.FeatureNames = []string{"a"} }, "1 feature names for 2 features"},
		{"group out of range", func(s *Spec) { s.Trees[1].Group = 1 }, "trees[1].group: 1 out of range"},
		{"empty tree", func(s *Spec) { s.Trees[0].Nodes = nil }, "trees[0]: no nodes"},
		{"feature out of range", func(s *Spec) { s.Trees[0].Nodes[1].Feature = 2 }, "trees[0].nodes[1]: split feature 2 out of range"},
		{"child out of range", func(s *Spec) { s.Trees[0].Nodes[0].Right = 9 }, "child 9 out of range"},
		{"cycle", func(s *Spec) { s.Trees[0].Nodes[1].Left = 0 }, "reached twice"},
		{"orphan", func(s *Spec) { s.Trees[1].Nodes = append(s.Trees[1].Nodes, leaf) }, "1 nodes are not reachable"},
		{"half leaf", func(s *Spec) { s.Trees[0].Nodes[2].Right = 0 }, "both children -1"},
		{"NaN threshold", func(s *Spec) { s.Trees[0].Nodes[0].Threshold = float32(math.NaN()) }, "threshold is not finite"},
		{"Inf leaf", func(s *Spec) { s.Trees[0].Nodes[2].Value = float32(math.Inf(1)) }, "leaf value is not finite"},
		{"negative cover", func(s *Spec) { s.Trees[0].Nodes[0].Cover = -1 }, "cover must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := handSpec()
			tc.mut(s)
			_, err := Compile(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCompileRejectsTooDeep(t *testing.T) {
	// A chain of MaxDepth+1 splits.
	var nodes []Node
	for d := 0; d <= MaxDepth; d++ {
		id := int32(len(nodes))
		nodes = append(nodes, Node{Left: id + 1, Right: id + 2, Cover: 1})
		nodes = append(nodes, Node{Left: -1, Right: -1})
		_ = id
	}
	// Re-link: node 2k splits into 2k+1 (leaf... ) — build properly below.
	nodes = nodes[:0]
	for d := 0; d <= MaxDepth; d++ {
		base := int32(2 * d)
		nodes = append(nodes, Node{Left: base + 1, Right: base + 2, Cover: 1}, Node{Left: -1, Right: -1})
	}
	nodes = append(nodes, Node{Left: -1, Right: -1})
	s := &Spec{Objective: RegSquaredError, NumClass: 1, NumFeature: 1, BaseMargin: []float32{0}, Trees: []Tree{{Nodes: nodes}}}
	if _, err := Compile(s); err == nil || !strings.Contains(err.Error(), "deeper than the maximum depth") {
		t.Fatalf("err = %v", err)
	}
}

// randomSpec builds a random ensemble with shallow leaves and missing routing,
// for the reference-walk test and benchmarks.
func randomSpec(r *rand.Rand, nTrees, depth, nFeat int) *Spec {
	s := &Spec{Objective: BinaryLogistic, NumClass: 1, NumFeature: nFeat, BaseMargin: []float32{-0.3}}
	for t := 0; t < nTrees; t++ {
		var nodes []Node
		var grow func(d int) int32
		grow = func(d int) int32 {
			id := int32(len(nodes))
			nodes = append(nodes, Node{})
			if d == depth || (d > 1 && r.IntN(5) == 0) {
				nodes[id] = Node{Left: -1, Right: -1, Value: float32(r.NormFloat64() * 0.1), Cover: float32(1 + r.IntN(50))}
				return id
			}
			l := grow(d + 1)
			rt := grow(d + 1)
			nodes[id] = Node{Left: l, Right: rt, Feature: int32(r.IntN(nFeat)), Threshold: float32(r.NormFloat64()),
				DefaultLeft: r.IntN(2) == 0, Cover: nodes[l].Cover + nodes[rt].Cover}
			return id
		}
		grow(0)
		s.Trees = append(s.Trees, Tree{Nodes: nodes})
	}
	return s
}

// walk is the textbook recursive evaluation, the reference for the flat
// layout.
func walk(nodes []Node, x []float32) float32 {
	n := &nodes[0]
	for !n.IsLeaf() {
		v := x[n.Feature]
		var next int32
		switch {
		case v != v:
			next = n.Right
			if n.DefaultLeft {
				next = n.Left
			}
		case v < n.Threshold:
			next = n.Left
		default:
			next = n.Right
		}
		n = &nodes[next]
	}
	return n.Value
}

func TestFlatLayoutMatchesTreeWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, shape := range []struct{ trees, depth int }{{1, 0}, {3, 1}, {7, 3}, {101, 6}, {13, 8}} {
		s := randomSpec(r, shape.trees, shape.depth, 12)
		e, err := Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		in := e.NewInput()
		out := make([]float32, 1)
		c := make([]float32, 13)
		x := make([]float32, 12)
		for row := 0; row < 500; row++ {
			for i := range x {
				x[i] = float32(r.NormFloat64())
				if r.IntN(6) == 0 {
					x[i] = float32(math.NaN())
				}
			}
			want := s.BaseMargin[0]
			for _, tr := range s.Trees {
				want += walk(tr.Nodes, x)
			}
			in.Set(x)
			e.Margins(in, out)
			if out[0] != want {
				t.Fatalf("%d trees depth %d row %d: margin %v, walk %v", shape.trees, shape.depth, row, out[0], want)
			}
			e.Contributions(in, 0, c)
			var sum float64
			for _, v := range c {
				sum += float64(v)
			}
			if d := math.Abs(sum - float64(want)); d > 1e-4 {
				t.Fatalf("contributions sum %v, margin %v", sum, want)
			}
		}
	}
}

func TestMarginsAllocateNothing(t *testing.T) {
	e, _ := Compile(randomSpec(rand.New(rand.NewPCG(3, 4)), 100, 6, 40))
	in := e.NewInput()
	x := make([]float32, 40)
	out := make([]float32, 1)
	c := make([]float32, 41)
	if a := testing.AllocsPerRun(100, func() {
		in.Set(x)
		e.Margins(in, out)
		e.Contributions(in, 0, c)
	}); a != 0 {
		t.Fatalf("%v allocations per prediction", a)
	}
}

// benchEnsemble is the benchmarks' ensemble, 100 trees of depth 6 over 40
// features, and 1024 varied rows for it (one in eight values missing).
func benchEnsemble() (*Ensemble, [][]float32) {
	r := rand.New(rand.NewPCG(5, 6))
	e, _ := Compile(randomSpec(r, 100, 6, 40))
	rows := make([][]float32, 1024)
	for i := range rows {
		rows[i] = make([]float32, 40)
		for j := range rows[i] {
			rows[i][j] = float32(r.NormFloat64())
			if r.IntN(8) == 0 {
				rows[i][j] = float32(math.NaN())
			}
		}
	}
	return e, rows
}

// BenchmarkMargins: 100 trees of depth 6 over 40 features, cycling through
// 1024 varied rows (a fixed row lets the branch predictor learn the trees).
func BenchmarkMargins(b *testing.B) {
	e, rows := benchEnsemble()
	in := e.NewInput()
	out := make([]float32, 1)
	b.Run("margins", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			in.Set(rows[i&1023])
			e.Margins(in, out)
		}
	})
	c := make([]float32, 41)
	b.Run("margins+contributions", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			in.Set(rows[i&1023])
			e.Margins(in, out)
			e.Contributions(in, 0, c)
		}
	})
}

// The block layout, with and without contributions tracked by Margins, gives
// the flat layout's margins and contributions bit for bit.
func TestBlockLayoutMatchesFlat(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, shape := range []struct{ trees, depth, classes int }{
		{1, 0, 1}, {3, 1, 1}, {7, 3, 1}, {9, 5, 1}, {100, 6, 1}, {101, 6, 1}, {103, 6, 1}, {12, 4, 3}, {30, 6, 3},
	} {
		s := randomSpec(r, shape.trees, shape.depth, 12)
		if shape.classes > 1 {
			s.Objective, s.NumClass = MultiSoftprob, shape.classes
			s.BaseMargin = make([]float32, shape.classes)
			for i := range s.Trees {
				s.Trees[i].Group = i % shape.classes
			}
		}
		flat, err := compile(s, false)
		if err != nil {
			t.Fatal(err)
		}
		blk, err := Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		if flat.blocks != nil || blk.blocks == nil {
			t.Fatal("layouts not as intended")
		}
		inF, inB, inT := flat.NewInput(), blk.NewInput(), blk.NewInput()
		inT.TrackContributions(0)
		if inT.track != (shape.classes == 1) {
			t.Fatalf("track = %v with %d classes", inT.track, shape.classes)
		}
		mF, mB, mT := make([]float32, shape.classes), make([]float32, shape.classes), make([]float32, shape.classes)
		cF, cB, cT := make([]float32, 13), make([]float32, 13), make([]float32, 13)
		x := make([]float32, 12)
		specials := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
		for row := 0; row < 300; row++ {
			for i := range x {
				x[i] = float32(r.NormFloat64())
				if r.IntN(5) == 0 {
					x[i] = specials[r.IntN(len(specials))]
				}
			}
			inF.Set(x)
			inB.Set(x)
			inT.Set(x)
			flat.Margins(inF, mF)
			blk.Margins(inB, mB)
			blk.Margins(inT, mT)
			for g := range mF {
				if math.Float32bits(mF[g]) != math.Float32bits(mB[g]) || math.Float32bits(mF[g]) != math.Float32bits(mT[g]) {
					t.Fatalf("%+v row %d group %d: margins flat %v, block %v, tracked %v", shape, row, g, mF[g], mB[g], mT[g])
				}
				flat.Contributions(inF, g, cF)
				blk.Contributions(inB, g, cB)
				blk.Contributions(inT, g, cT)
				for i := range cF {
					if math.Float32bits(cF[i]) != math.Float32bits(cB[i]) || math.Float32bits(cF[i]) != math.Float32bits(cT[i]) {
						t.Fatalf("%+v row %d group %d: contribution %d flat %v, block %v, tracked %v", shape, row, g, i, cF[i], cB[i], cT[i])
					}
				}
			}
		}
	}
}

// BenchmarkMarginsTracked is BenchmarkMargins' second case with the
// contributions summed in the walk (Input.TrackContributions).
func BenchmarkMarginsTracked(b *testing.B) {
	e, rows := benchEnsemble()
	in := e.NewInput()
	in.TrackContributions(0)
	out := make([]float32, 1)
	c := make([]float32, 41)
	for i := 0; b.Loop(); i++ {
		in.Set(rows[i&1023])
		e.Margins(in, out)
		e.Contributions(in, 0, c)
	}
}
