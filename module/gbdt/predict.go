package gbdt

import (
	"math"

	"github.com/edgescore/edgescore/module/internal/fmath"
)

// NewInput returns scratch space for scoring one row at a time.
func (e *Ensemble) NewInput() *Input {
	blocks := e.blocks != nil
	return &Input{leafs: make([]int32, e.nTrees), nf: e.nFeature, keysOnly: blocks, fuse: blocks && e.nClass == 1}
}

// TrackContributions asks Margins to also sum the contributions of group
// as it walks the trees, so that Contributions for that group only copies
// them out. The sum is the same, bit for bit; the tree data is read once
// instead of twice. It applies to single-output ensembles of depth ≤ 6
// (group 0); for others Contributions computes from the leaves as usual.
func (in *Input) TrackContributions(group int) {
	in.track = in.fuse && group == 0
}

// Set loads a row: x[i] is feature i, NaN when missing. len(x) must be at
// least NumFeature; extra values are ignored.
func (in *Input) Set(x []float32) {
	f := in.nf
	if in.keysOnly {
		// The block layout reads only the keys. Without a branch on
		// missing values, which the CPU mispredicts on varied rows and
		// which in wasm is a trip through the dispatch table.
		klo, khi := in.keys[:f], in.keys[MaxFeatures:MaxFeatures+f]
		x = x[:f]
		kinf, kninf := orderKey(float32(math.Inf(1))), orderKey(float32(math.Inf(-1)))
		for i, v := range x {
			k := orderKey(v + 0) // v + 0: −0 becomes +0, which compares the same
			// All ones when v is NaN: its magnitude bits exceed +Inf's.
			m := (0x7f800000 - int32(math.Float32bits(v)&0x7fffffff)) >> 31
			klo[i] = k&^m | kinf&m
			khi[i] = k&^m | kninf&m
		}
		return
	}
	lo, hi := in.row[:f], in.row[MaxFeatures:MaxFeatures+f]
	klo, khi := in.keys[:f], in.keys[MaxFeatures:MaxFeatures+f]
	x = x[:f]
	inf := float32(math.Inf(1))
	kinf, kninf := orderKey(inf), orderKey(-inf)
	for i, v := range x {
		if v != v {
			lo[i], hi[i] = inf, -inf
			klo[i], khi[i] = kinf, kninf
		} else {
			lo[i], hi[i] = v, v
			k := orderKey(v + 0) // v + 0: −0 becomes +0, which compares the same
			klo[i], khi[i] = k, k
		}
	}
}

// b2i is compiled to a flag-setting instruction, not a branch, which matters
// most in WebAssembly where every branch is a trip through a dispatch table.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Margins writes, for each output group, the base margin plus the sum of the
// leaves reached (float32, in tree order, as XGBoost sums). len(out) must be
// NumClass. It also records the leaf reached in each tree, which
// Contributions reads (or, with TrackContributions, sums the contributions).
//
// Four trees advance together one level per loop pass: their memory loads are
// independent, so the CPU (or the wasm engine) overlaps them, and the child is
// chosen arithmetically, 2n+1 or 2n+2, without a branch.
func (e *Ensemble) Margins(in *Input, out []float32) {
	copy(out, e.base)
	if e.blocks != nil {
		e.marginsBlock(in, out)
		return
	}
	x := in.row[:]
	feat, thr, leaf, group := e.feat, e.thr, e.leaf, e.group
	leafs := in.leafs[:e.nTrees]
	s, depth, off := e.stride, e.depth, e.stride-1
	t := 0
	for ; t+4 <= e.nTrees; t += 4 {
		b0 := t * s
		b1, b2, b3 := b0+s, b0+2*s, b0+3*s
		n0, n1, n2, n3 := 0, 0, 0, 0
		for d := 0; d < depth; d++ {
			n0 = 2*n0 + 1 + b2i(!(x[feat[b0+n0]] < thr[b0+n0]))
			n1 = 2*n1 + 1 + b2i(!(x[feat[b1+n1]] < thr[b1+n1]))
			n2 = 2*n2 + 1 + b2i(!(x[feat[b2+n2]] < thr[b2+n2]))
			n3 = 2*n3 + 1 + b2i(!(x[feat[b3+n3]] < thr[b3+n3]))
		}
		n0, n1, n2, n3 = n0-off, n1-off, n2-off, n3-off
		leafs[t], leafs[t+1], leafs[t+2], leafs[t+3] = int32(n0), int32(n1), int32(n2), int32(n3)
		out[group[t]] += leaf[b0+n0]
		out[group[t+1]] += leaf[b1+n1]
		out[group[t+2]] += leaf[b2+n2]
		out[group[t+3]] += leaf[b3+n3]
	}
	for ; t < e.nTrees; t++ {
		b := t * s
		n := 0
		for d := 0; d < depth; d++ {
			n = 2*n + 1 + b2i(!(x[feat[b+n]] < thr[b+n]))
		}
		n -= off
		leafs[t] = int32(n)
		out[group[t]] += leaf[b+n]
	}
}

// Contributions writes the Saabas path contributions of the row last passed
// to Margins, for one output group: out[i] for feature i and out[NumFeature]
// for the bias (base margin plus each tree's root mean). They sum to the
// group's margin. This is what XGBoost returns for pred_contribs=True,
// approx_contribs=True. len(out) must be NumFeature+1.
func (e *Ensemble) Contributions(in *Input, group int, out []float32) {
	if e.blocks != nil {
		e.contributionsBlock(in, group, out)
		return
	}
	nf := e.nFeature
	out = out[:nf+1]
	for i := range out {
		out[i] = 0
	}
	out[nf] = e.bias[group]
	pl := e.pathLen
	pf, pd := e.pathFeat, e.pathDelta
	for t := 0; t < e.nTrees; t++ {
		if int(e.group[t]) != group {
			continue
		}
		li := (t*e.stride + int(in.leafs[t])) * pl
		for k := li; k < li+pl; k++ {
			if f := pf[k]; f >= 0 {
				out[f] += pd[k]
			}
		}
	}
}

// Transform applies the objective's link to margins, writing predictions to
// out (len NumClass): sigmoid for binary:logistic, identity for
// reg:squarederror, softmax for multi:softprob.
func (e *Ensemble) Transform(margins, out []float32) {
	switch e.obj {
	case BinaryLogistic:
		for i, m := range margins {
			out[i] = Sigmoid32(m)
		}
	case MultiSoftprob:
		mx := margins[0]
		for _, m := range margins[1:] {
			if m > mx {
				mx = m
			}
		}
		var sum float64
		for i, m := range margins {
			v := fmath.Exp(float64(m - mx))
			out[i] = float32(v)
			sum += v
		}
		for i := range out[:len(margins)] {
			out[i] = float32(float64(out[i]) / sum)
		}
	default:
		copy(out, margins)
	}
}

// Sigmoid32 is the logistic function at float32 precision.
func Sigmoid32(m float32) float32 {
	return float32(1 / (1 + fmath.Exp(-float64(m))))
}

// Objective, NumClass, NumFeature, NumTrees, Depth and FeatureNames describe
// the compiled ensemble.
func (e *Ensemble) Objective() Objective   { return e.obj }
func (e *Ensemble) NumClass() int          { return e.nClass }
func (e *Ensemble) NumFeature() int        { return e.nFeature }
func (e *Ensemble) NumTrees() int          { return e.nTrees }
func (e *Ensemble) Depth() int             { return e.depth }
func (e *Ensemble) FeatureNames() []string { return append([]string(nil), e.names...) }
