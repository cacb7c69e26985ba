package gbdt

import "math"

// The block layout: ensembles of depth ≤ 6 (XGBoost's default max_depth)
// store each tree in a fixed-size block, and the row in a fixed-size array,
// so that every index is masked (n & 63, f & 1023) instead of
// bounds-checked. The compiler then drops the checks, which natively saves
// instructions and in WebAssembly saves the branches Go's wasm backend pays
// dearly for. Deeper ensembles use the general flat layout.
const (
	blockDepth = 6
	blockSize  = 1 << blockDepth // nodes and leaves per block
	rowSize    = 2 * MaxFeatures // the two copies of the row
	rowMask    = rowSize - 1
	dumpSlot   = rowSize - 1 // contribution slot of padded steps (delta 0)
)

// block is one tree: internal nodes 0…62 in heap order, leaves 0…63.
type block struct {
	node [blockSize]blockNode
	leaf [blockSize]float32
}

// blockNode is one split: the row index to read and the threshold side by
// side, so that a tree walk keeps one base pointer per tree, not two (four
// trees at a time otherwise run out of registers).
type blockNode struct {
	feat int32 // index into the row (f or MaxFeatures+f)
	thr  int32 // go right when key(x) ≥ key(thr): see orderKey
}

// pathBlock holds, for every leaf of a tree, the Saabas steps of its path:
// the contribution slot (a feature index, or dumpSlot for a padded step)
// and mean(child) − mean(parent).
type pathBlock struct {
	slot  [blockSize][blockDepth]uint16
	delta [blockSize][blockDepth]float32
}

// marginsBlock is Margins for the block layout.
//
// Nodes compare ordered integer keys of the row and thresholds (orderKey)
// instead of floats: the routing is the same, and in Go's wasm output the
// integer comparison took ~20% off the tree walk.
func (e *Ensemble) marginsBlock(in *Input, out []float32) {
	x := &in.keys
	bl := e.blocks
	leafs := in.leafs[:len(bl)]
	depth := e.depth
	off := (1 << depth) - 1
	single := e.nClass == 1
	var acc float32
	if single {
		acc = out[0]
	}
	t := 0
	for ; t+4 <= len(bl); t += 4 {
		t0, t1, t2, t3 := &bl[t], &bl[t+1], &bl[t+2], &bl[t+3]
		n0, n1, n2, n3 := 0, 0, 0, 0
		if depth == blockDepth {
			// Unrolled: the common case pays no loop overhead at all.
			n0 = 1 + b2i(x[t0.node[0].feat&rowMask] >= t0.node[0].thr)
			n1 = 1 + b2i(x[t1.node[0].feat&rowMask] >= t1.node[0].thr)
			n2 = 1 + b2i(x[t2.node[0].feat&rowMask] >= t2.node[0].thr)
			n3 = 1 + b2i(x[t3.node[0].feat&rowMask] >= t3.node[0].thr)
			n0 = 2*n0 + 1 + b2i(x[t0.node[n0&63].feat&rowMask] >= t0.node[n0&63].thr)
			n1 = 2*n1 + 1 + b2i(x[t1.node[n1&63].feat&rowMask] >= t1.node[n1&63].thr)
			n2 = 2*n2 + 1 + b2i(x[t2.node[n2&63].feat&rowMask] >= t2.node[n2&63].thr)
			n3 = 2*n3 + 1 + b2i(x[t3.node[n3&63].feat&rowMask] >= t3.node[n3&63].thr)
			n0 = 2*n0 + 1 + b2i(x[t0.node[n0&63].feat&rowMask] >= t0.node[n0&63].thr)
			n1 = 2*n1 + 1 + b2i(x[t1.node[n1&63].feat&rowMask] >= t1.node[n1&63].thr)
			n2 = 2*n2 + 1 + b2i(x[t2.node[n2&63].feat&rowMask] >= t2.node[n2&63].thr)
			n3 = 2*n3 + 1 + b2i(x[t3.node[n3&63].feat&rowMask] >= t3.node[n3&63].thr)
			n0 = 2*n0 + 1 + b2i(x[t0.node[n0&63].feat&rowMask] >= t0.node[n0&63].thr)
			n1 = 2*n1 + 1 + b2i(x[t1.node[n1&63].feat&rowMask] >= t1.node[n1&63].thr)
			n2 = 2*n2 + 1 + b2i(x[t2.node[n2&63].feat&rowMask] >= t2.node[n2&63].thr)
			n3 = 2*n3 + 1 + b2i(x[t3.node[n3&63].feat&rowMask] >= t3.node[n3&63].thr)
			n0 = 2*n0 + 1 + b2i(x[t0.node[n0&63].feat&rowMask] >= t0.node[n0&63].thr)
			n1 = 2*n1 + 1 + b2i(x[t1.node[n1&63].feat&rowMask] >= t1.node[n1&63].thr)
			n2 = 2*n2 + 1 + b2i(x[t2.node[n2&63].feat&rowMask] >= t2.node[n2&63].thr)
			n3 = 2*n3 + 1 + b2i(x[t3.node[n3&63].feat&rowMask] >= t3.node[n3&63].thr)
			n0 = 2*n0 + 1 + b2i(x[t0.node[n0&63].feat&rowMask] >= t0.node[n0&63].thr)
			n1 = 2*n1 + 1 + b2i(x[t1.node[n1&63].feat&rowMask] >= t1.node[n1&63].thr)
			n2 = 2*n2 + 1 + b2i(x[t2.node[n2&63].feat&rowMask] >= t2.node[n2&63].thr)
			n3 = 2*n3 + 1 + b2i(x[t3.node[n3&63].feat&rowMask] >= t3.node[n3&63].thr)
		} else {
			for d := 0; d < depth; d++ {
				n0 = 2*n0 + 1 + b2i(x[t0.node[n0&63].feat&rowMask] >= t0.node[n0&63].thr)
				n1 = 2*n1 + 1 + b2i(x[t1.node[n1&63].feat&rowMask] >= t1.node[n1&63].thr)
				n2 = 2*n2 + 1 + b2i(x[t2.node[n2&63].feat&rowMask] >= t2.node[n2&63].thr)
				n3 = 2*n3 + 1 + b2i(x[t3.node[n3&63].feat&rowMask] >= t3.node[n3&63].thr)
			}
		}
		n0, n1, n2, n3 = (n0-off)&63, (n1-off)&63, (n2-off)&63, (n3-off)&63
		leafs[t], leafs[t+1], leafs[t+2], leafs[t+3] = int32(n0), int32(n1), int32(n2), int32(n3)
		if single {
			acc += t0.leaf[n0]
			acc += t1.leaf[n1]
			acc += t2.leaf[n2]
			acc += t3.leaf[n3]
		} else {
			out[e.group[t]] += t0.leaf[n0]
			out[e.group[t+1]] += t1.leaf[n1]
			out[e.group[t+2]] += t2.leaf[n2]
			out[e.group[t+3]] += t3.leaf[n3]
		}
	}
	for ; t < len(bl); t++ {
		b := &bl[t]
		n := 0
		for d := 0; d < depth; d++ {
			n = 2*n + 1 + b2i(x[b.node[n&63].feat&rowMask] >= b.node[n&63].thr)
		}
		n = (n - off) & 63
		leafs[t] = int32(n)
		if single {
			acc += b.leaf[n]
		} else {
			out[e.group[t]] += b.leaf[n]
		}
	}
	if single {
		out[0] = acc
	}
}

// contributionsBlock is Contributions for the block layout: per tree, the
// steps precomputed for the leaf reached, added without a branch (a padded
// step adds 0 to the dump slot).
func (e *Ensemble) contributionsBlock(in *Input, group int, out []float32) {
	acc := &in.acc
	nf := e.nFeature
	for i := range acc[:nf+1] {
		acc[i] = 0
	}
	paths := e.paths
	leafs := in.leafs[:len(paths)]
	single := e.nClass == 1
	for t := range paths {
		if !single && int(e.group[t]) != group {
			continue
		}
		p := &paths[t]
		l := int(leafs[t]) & 63
		s, d := &p.slot[l], &p.delta[l]
		acc[s[0]&rowMask] += d[0]
		acc[s[1]&rowMask] += d[1]
		acc[s[2]&rowMask] += d[2]
		acc[s[3]&rowMask] += d[3]
		acc[s[4]&rowMask] += d[4]
		acc[s[5]&rowMask] += d[5]
	}
	out = out[:nf+1]
	copy(out, acc[:nf])
	out[nf] = e.bias[group]
}

// orderKey maps a float32 to an int32 that orders like it: x < y exactly
// when orderKey(x) < orderKey(y), for x and y not NaN and not −0 (−0 would
// sort below +0, which floats call equal). Input.Set keeps NaN out of the
// row (missing is ±Inf) and turns −0 into +0; thresholds are finite, or
// +Inf for padding, and −0 becomes +0 at compile time.
func orderKey(f float32) int32 {
	b := int32(math.Float32bits(f))
	return b ^ int32(uint32(b>>31)>>1)
}
