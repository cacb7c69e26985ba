package gbdt

import (
	"math"
	"strconv"
)

// Limits on what Compile accepts. They bound memory per instance and the
// work of one prediction.
const (
	MaxDepth    = 10
	MaxTrees    = 4096
	MaxFeatures = 512
	MaxClasses  = 64
)

// Ensemble is a compiled tree ensemble: every tree padded to the same depth
// and stored as flat arrays, so that one prediction is a fixed number of
// branch-free steps per tree. It is immutable and safe for concurrent use;
// per-call state lives in Input.
//
// Layout (see RATIONALE.md, "Tree layout"): tree t's internal nodes occupy
// feat/thr[t*stride : t*stride+stride-1] in heap order (children of n are
// 2n+1 and 2n+2); its leaves occupy leaf[t*stride : (t+1)*stride], where
// stride = 2^depth. A leaf of the original tree above the maximum depth is
// pushed down: its padded subtree splits on anything and every leaf below it
// carries its value, so the result does not depend on the padding splits.
// Ensembles of depth ≤ 6 are then moved into fixed-size blocks (block.go),
// one per tree, with each leaf's Saabas path stored beside its value.
type Ensemble struct {
	obj       Objective
	nClass    int
	nFeature  int
	depth     int
	stride    int
	nTrees    int
	base      []float32
	group     []int32   // per tree
	feat      []int32   // per internal node: index into Input.row
	thr       []float32 // per internal node
	leaf      []float32 // per leaf
	names     []string
	pathLen   int       // entries per leaf in pathFeat/pathDelta (= depth)
	pathFeat  []int32   // per leaf: depth entries, feature of each step (−1 = none)
	pathDelta []float32 // per leaf: depth entries, Saabas delta of each step
	rootMean  []float32 // per tree
	bias      []float32 // per group: base margin + Σ root means, the contributions' bias
	blocks    []block   // depth ≤ 6: the block layout (flat and path arrays unused)
}

// Input is one row prepared for scoring. It is not safe for concurrent use;
// keep one per goroutine (or per wasm instance).
//
// Missing values are handled without a branch per node: the row is stored
// twice, once with missing as +Inf and once with missing as −Inf, and each
// node reads the copy that sends missing its default way (x < thr is false
// for +Inf, so right; true for −Inf, so left).
type Input struct {
	row      [rowSize]float32 // [0,MaxFeatures): missing = +Inf; [MaxFeatures,2·MaxFeatures): missing = −Inf
	keys     [rowSize]int32   // orderKey of row, −0 as +0 (block layout)
	acc      [rowSize]float32 // contribution accumulator (block layout)
	leafs    []int32          // per tree: the leaf reached by the last Margins call (not kept when tracking)
	nf       int
	keysOnly bool // block layout: Set fills keys only
	fuse     bool // the ensemble can track contributions in Margins (block layout, one group)
	track    bool // Margins sums the contributions of group 0 into acc (TrackContributions)
}

// Compile validates s and lays it out for scoring.
func Compile(s *Spec) (*Ensemble, error) {
	return compile(s, true)
}

// compile is Compile; blocks = false keeps a depth ≤ 6 ensemble in the
// general flat layout (tests compare the two).
func compile(s *Spec, blocks bool) (*Ensemble, error) {
	if s == nil {
		return nil, newError("gbdt: nil spec")
	}
	if err := validate(s); err != nil {
		return nil, err
	}
	depth := 0
	for t := range s.Trees {
		d := treeDepth(s.Trees[t].Nodes, 0)
		if d > depth {
			depth = d
		}
	}
	if depth > MaxDepth {
		return nil, newError("gbdt: tree depth " + strconv.Itoa(depth) + " exceeds the maximum " + strconv.Itoa(MaxDepth))
	}
	stride := 1 << depth
	nt := len(s.Trees)
	e := &Ensemble{
		obj: s.Objective, nClass: s.NumClass, nFeature: s.NumFeature,
		depth: depth, stride: stride, nTrees: nt,
		base:      append([]float32(nil), s.BaseMargin...),
		group:     make([]int32, nt),
		feat:      make([]int32, nt*stride),
		thr:       make([]float32, nt*stride),
		leaf:      make([]float32, nt*stride),
		names:     append([]string(nil), s.FeatureNames...),
		pathLen:   depth,
		pathFeat:  make([]int32, nt*stride*depth),
		pathDelta: make([]float32, nt*stride*depth),
		rootMean:  make([]float32, nt),
	}
	pf := make([]int32, depth+1)
	pd := make([]float32, depth+1)
	for t := range s.Trees {
		tr := &s.Trees[t]
		e.group[t] = int32(tr.Group)
		means := nodeMeans(tr.Nodes)
		e.rootMean[t] = means[0]
		e.layout(t, tr.Nodes, means, 0, 0, 0, pf, pd)
	}
	// The bias of the contributions does not depend on the row: sum it once,
	// in tree order as XGBoost does.
	e.bias = append([]float32(nil), e.base...)
	for t := 0; t < nt; t++ {
		e.bias[e.group[t]] += e.rootMean[t]
	}
	if blocks && depth <= blockDepth {
		e.toBlocks()
	}
	return e, nil
}

// layout places original node id at heap position pos (depth d) of tree t.
// path records, for the steps taken so far, the split feature (−1 for a
// padded step) and the Saabas delta mean(child) − mean(parent); at the
// bottom it is copied to the leaf, so a prediction's contributions are a sum
// over the leaves reached, with no tree walk.
func (e *Ensemble) layout(t int, nodes []Node, means []float32, id int32, pos, d int, pf []int32, pd []float32) {
	n := &nodes[id]
	base := t * e.stride
	if d == e.depth {
		li := base + pos - (e.stride - 1)
		e.leaf[li] = n.Value
		copy(e.pathFeat[li*e.pathLen:], pf[:d])
		copy(e.pathDelta[li*e.pathLen:], pd[:d])
		return
	}
	if n.IsLeaf() {
		// Pad: split on feature 0 at +Inf; both sides carry this leaf's
		// value, so the side taken is irrelevant and the step adds nothing
		// to the contributions.
		e.feat[base+pos] = 0
		e.thr[base+pos] = float32(math.Inf(1))
		pf[d], pd[d] = -1, 0
		e.layout(t, nodes, means, id, 2*pos+1, d+1, pf, pd)
		e.layout(t, nodes, means, id, 2*pos+2, d+1, pf, pd)
		return
	}
	f := n.Feature
	if n.DefaultLeft {
		f += MaxFeatures // the −Inf copy: missing goes left
	}
	e.feat[base+pos] = f
	e.thr[base+pos] = n.Threshold
	pf[d], pd[d] = n.Feature, means[n.Left]-means[id]
	e.layout(t, nodes, means, n.Left, 2*pos+1, d+1, pf, pd)
	pf[d], pd[d] = n.Feature, means[n.Right]-means[id]
	e.layout(t, nodes, means, n.Right, 2*pos+2, d+1, pf, pd)
}

// toBlocks moves a depth ≤ 6 ensemble from the flat arrays into blocks:
// flat heap position i (0-based) is block node i+1, and each leaf takes its
// value and path (padded with dump steps below the ensemble's depth).
func (e *Ensemble) toBlocks() {
	e.blocks = make([]block, e.nTrees)
	s := e.stride
	for t := 0; t < e.nTrees; t++ {
		b := &e.blocks[t]
		for i, f := range e.feat[t*s : t*s+s-1] {
			b.node[i+1].feat = f
		}
		for i, v := range e.thr[t*s : t*s+s-1] {
			// v + 0: −0 becomes +0, which compares the same. −1: the walk
			// goes right when key(x) > key(v) − 1; keys of finite floats
			// and +Inf are far above the int32 minimum.
			b.node[i+1].thr = orderKey(v+0) - 1
		}
		for l := range b.leaf {
			lf := &b.leaf[l]
			for k := range lf.slot {
				lf.slot[k], lf.delta[k] = uint16(dumpSlot-k), 0
			}
			if l >= s {
				continue
			}
			lf.value = e.leaf[t*s+l]
			for k := 0; k < e.depth; k++ {
				i := (t*s+l)*e.pathLen + k
				if f := e.pathFeat[i]; f >= 0 {
					lf.slot[k], lf.delta[k] = uint16(f), e.pathDelta[i]
				}
			}
		}
	}
	e.feat, e.thr, e.leaf, e.pathFeat, e.pathDelta = nil, nil, nil, nil, nil
}

func treeDepth(nodes []Node, id int32) int {
	n := &nodes[id]
	if n.IsLeaf() {
		return 0
	}
	return 1 + max(treeDepth(nodes, n.Left), treeDepth(nodes, n.Right))
}

// nodeMeans computes each node's cover-weighted mean leaf value, in float32
// as XGBoost's approximate contributions do.
func nodeMeans(nodes []Node) []float32 {
	m := make([]float32, len(nodes))
	var fill func(id int32) float32
	fill = func(id int32) float32 {
		n := &nodes[id]
		if n.IsLeaf() {
			m[id] = n.Value
			return n.Value
		}
		l := fill(n.Left)
		r := fill(n.Right)
		var v float32
		if n.Cover > 0 {
			// float32(…): each product rounded on its own, never fused
			// into an FMA (RATIONALE.md, "Portable floating point").
			v = (float32(l*nodes[n.Left].Cover) + float32(r*nodes[n.Right].Cover)) / n.Cover
		} else {
			v = (l + r) / 2 // no training weight: an unweighted mean, never NaN
		}
		m[id] = v
		return v
	}
	fill(0)
	return m
}
