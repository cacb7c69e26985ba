package gbdt

import (
	"math"
	"runtime"
)

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
	dumpSlot   = rowSize - 1 // contribution slot of padded step k: dumpSlot − k (delta 0)
)

// block is one tree: internal nodes 1…63 in 1-based heap order (node[0] is
// unused), so that the children of node n are 2n and 2n+1 and a walk of
// depth 6 ends at n = 64 + leaf; then the 64 leaves.
type block struct {
	node [blockSize]blockNode
	leaf [blockSize]blockLeaf
}

// blockNode is one split: the row index to read and the threshold side by
// side, so that a tree walk keeps one base pointer per tree, not two.
type blockNode struct {
	feat int32 // index into the row (f or MaxFeatures+f)
	thr  int32 // orderKey(threshold) − 1: go right when key(x) > thr
}

// blockLeaf is a leaf's value and the Saabas steps of the path to it: for
// step k (from depth k to k+1), the contribution slot (the split's feature,
// or dumpSlot − k for a padded step) and mean(child) − mean(parent) (0 for a
// padded step). The walk's last load brings the value's cache line, which
// holds most of the path too.
type blockLeaf struct {
	value float32
	delta [blockDepth]float32
	slot  [blockDepth]uint16
}

// marginsBlock is Margins for the block layout.
//
// Nodes compare ordered integer keys of the row and thresholds (orderKey)
// instead of floats: the routing is the same, and in Go's wasm output the
// integer comparison took ~20% off the tree walk. The child is
// 2n + goRight(thr, key) (spelled out in the wasm walk).
//
// Natively eight trees advance together (their loads overlap; amd64 has the
// registers for it); in wasm four, as more spill. When the Input tracks
// contributions (single-output ensembles), each group of trees adds its
// leaves' Saabas steps right after its walk, tree by tree and step by step,
// which is the order Contributions sums in, from the cache lines the walk
// has just loaded.
func (e *Ensemble) marginsBlock(in *Input, out []float32) {
	if e.depth != blockDepth {
		e.marginsBlockShallow(in, out)
		return
	}
	x := &in.keys
	c := &in.acc
	bl := e.blocks
	leafs := in.leafs[:len(bl)]
	track := in.track
	if track {
		clear(c[:e.nFeature])
	}
	single := e.nClass == 1
	var acc float32
	if single {
		acc = out[0]
	}
	t := 0
	if runtime.GOARCH == "wasm" {
		for ; t+4 <= len(bl); t += 4 {
			g := (*[4]block)(bl[t : t+4])
			n0 := 2 + int(uint64(int64(g[0].node[1].thr)-int64(x[int(g[0].node[1].feat)&rowMask]))>>63)
			n1 := 2 + int(uint64(int64(g[1].node[1].thr)-int64(x[int(g[1].node[1].feat)&rowMask]))>>63)
			n2 := 2 + int(uint64(int64(g[2].node[1].thr)-int64(x[int(g[2].node[1].feat)&rowMask]))>>63)
			n3 := 2 + int(uint64(int64(g[3].node[1].thr)-int64(x[int(g[3].node[1].feat)&rowMask]))>>63)
			n0 = 2*n0 + int(uint64(int64(g[0].node[n0&63].thr)-int64(x[int(g[0].node[n0&63].feat)&rowMask]))>>63)
			n1 = 2*n1 + int(uint64(int64(g[1].node[n1&63].thr)-int64(x[int(g[1].node[n1&63].feat)&rowMask]))>>63)
			n2 = 2*n2 + int(uint64(int64(g[2].node[n2&63].thr)-int64(x[int(g[2].node[n2&63].feat)&rowMask]))>>63)
			n3 = 2*n3 + int(uint64(int64(g[3].node[n3&63].thr)-int64(x[int(g[3].node[n3&63].feat)&rowMask]))>>63)
			n0 = 2*n0 + int(uint64(int64(g[0].node[n0&63].thr)-int64(x[int(g[0].node[n0&63].feat)&rowMask]))>>63)
			n1 = 2*n1 + int(uint64(int64(g[1].node[n1&63].thr)-int64(x[int(g[1].node[n1&63].feat)&rowMask]))>>63)
			n2 = 2*n2 + int(uint64(int64(g[2].node[n2&63].thr)-int64(x[int(g[2].node[n2&63].feat)&rowMask]))>>63)
			n3 = 2*n3 + int(uint64(int64(g[3].node[n3&63].thr)-int64(x[int(g[3].node[n3&63].feat)&rowMask]))>>63)
			n0 = 2*n0 + int(uint64(int64(g[0].node[n0&63].thr)-int64(x[int(g[0].node[n0&63].feat)&rowMask]))>>63)
			n1 = 2*n1 + int(uint64(int64(g[1].node[n1&63].thr)-int64(x[int(g[1].node[n1&63].feat)&rowMask]))>>63)
			n2 = 2*n2 + int(uint64(int64(g[2].node[n2&63].thr)-int64(x[int(g[2].node[n2&63].feat)&rowMask]))>>63)
			n3 = 2*n3 + int(uint64(int64(g[3].node[n3&63].thr)-int64(x[int(g[3].node[n3&63].feat)&rowMask]))>>63)
			n0 = 2*n0 + int(uint64(int64(g[0].node[n0&63].thr)-int64(x[int(g[0].node[n0&63].feat)&rowMask]))>>63)
			n1 = 2*n1 + int(uint64(int64(g[1].node[n1&63].thr)-int64(x[int(g[1].node[n1&63].feat)&rowMask]))>>63)
			n2 = 2*n2 + int(uint64(int64(g[2].node[n2&63].thr)-int64(x[int(g[2].node[n2&63].feat)&rowMask]))>>63)
			n3 = 2*n3 + int(uint64(int64(g[3].node[n3&63].thr)-int64(x[int(g[3].node[n3&63].feat)&rowMask]))>>63)
			n0 = 2*n0 + int(uint64(int64(g[0].node[n0&63].thr)-int64(x[int(g[0].node[n0&63].feat)&rowMask]))>>63)
			n1 = 2*n1 + int(uint64(int64(g[1].node[n1&63].thr)-int64(x[int(g[1].node[n1&63].feat)&rowMask]))>>63)
			n2 = 2*n2 + int(uint64(int64(g[2].node[n2&63].thr)-int64(x[int(g[2].node[n2&63].feat)&rowMask]))>>63)
			n3 = 2*n3 + int(uint64(int64(g[3].node[n3&63].thr)-int64(x[int(g[3].node[n3&63].feat)&rowMask]))>>63)
			if single {
				acc += g[0].leaf[n0&63].value
				acc += g[1].leaf[n1&63].value
				acc += g[2].leaf[n2&63].value
				acc += g[3].leaf[n3&63].value
			} else {
				gr := (*[4]int32)(e.group[t : t+4])
				out[gr[0]] += g[0].leaf[n0&63].value
				out[gr[1]] += g[1].leaf[n1&63].value
				out[gr[2]] += g[2].leaf[n2&63].value
				out[gr[3]] += g[3].leaf[n3&63].value
			}
			if track {
				l0 := &g[0].leaf[n0&63]
				c[int(l0.slot[0])&rowMask] += l0.delta[0]
				c[int(l0.slot[1])&rowMask] += l0.delta[1]
				c[int(l0.slot[2])&rowMask] += l0.delta[2]
				c[int(l0.slot[3])&rowMask] += l0.delta[3]
				c[int(l0.slot[4])&rowMask] += l0.delta[4]
				c[int(l0.slot[5])&rowMask] += l0.delta[5]
				l1 := &g[1].leaf[n1&63]
				c[int(l1.slot[0])&rowMask] += l1.delta[0]
				c[int(l1.slot[1])&rowMask] += l1.delta[1]
				c[int(l1.slot[2])&rowMask] += l1.delta[2]
				c[int(l1.slot[3])&rowMask] += l1.delta[3]
				c[int(l1.slot[4])&rowMask] += l1.delta[4]
				c[int(l1.slot[5])&rowMask] += l1.delta[5]
				l2 := &g[2].leaf[n2&63]
				c[int(l2.slot[0])&rowMask] += l2.delta[0]
				c[int(l2.slot[1])&rowMask] += l2.delta[1]
				c[int(l2.slot[2])&rowMask] += l2.delta[2]
				c[int(l2.slot[3])&rowMask] += l2.delta[3]
				c[int(l2.slot[4])&rowMask] += l2.delta[4]
				c[int(l2.slot[5])&rowMask] += l2.delta[5]
				l3 := &g[3].leaf[n3&63]
				c[int(l3.slot[0])&rowMask] += l3.delta[0]
				c[int(l3.slot[1])&rowMask] += l3.delta[1]
				c[int(l3.slot[2])&rowMask] += l3.delta[2]
				c[int(l3.slot[3])&rowMask] += l3.delta[3]
				c[int(l3.slot[4])&rowMask] += l3.delta[4]
				c[int(l3.slot[5])&rowMask] += l3.delta[5]
			} else {
				lf := (*[4]int32)(leafs[t : t+4])
				lf[0], lf[1], lf[2], lf[3] = int32(n0&63), int32(n1&63), int32(n2&63), int32(n3&63)
			}
		}
	} else {
		for ; t+8 <= len(bl); t += 8 {
			g := (*[8]block)(bl[t : t+8])
			n0 := 2 + goRight(g[0].node[1].thr, x[int(g[0].node[1].feat)&rowMask])
			n1 := 2 + goRight(g[1].node[1].thr, x[int(g[1].node[1].feat)&rowMask])
			n2 := 2 + goRight(g[2].node[1].thr, x[int(g[2].node[1].feat)&rowMask])
			n3 := 2 + goRight(g[3].node[1].thr, x[int(g[3].node[1].feat)&rowMask])
			n4 := 2 + goRight(g[4].node[1].thr, x[int(g[4].node[1].feat)&rowMask])
			n5 := 2 + goRight(g[5].node[1].thr, x[int(g[5].node[1].feat)&rowMask])
			n6 := 2 + goRight(g[6].node[1].thr, x[int(g[6].node[1].feat)&rowMask])
			n7 := 2 + goRight(g[7].node[1].thr, x[int(g[7].node[1].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n4 = 2*n4 + goRight(g[4].node[n4&63].thr, x[int(g[4].node[n4&63].feat)&rowMask])
			n5 = 2*n5 + goRight(g[5].node[n5&63].thr, x[int(g[5].node[n5&63].feat)&rowMask])
			n6 = 2*n6 + goRight(g[6].node[n6&63].thr, x[int(g[6].node[n6&63].feat)&rowMask])
			n7 = 2*n7 + goRight(g[7].node[n7&63].thr, x[int(g[7].node[n7&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n4 = 2*n4 + goRight(g[4].node[n4&63].thr, x[int(g[4].node[n4&63].feat)&rowMask])
			n5 = 2*n5 + goRight(g[5].node[n5&63].thr, x[int(g[5].node[n5&63].feat)&rowMask])
			n6 = 2*n6 + goRight(g[6].node[n6&63].thr, x[int(g[6].node[n6&63].feat)&rowMask])
			n7 = 2*n7 + goRight(g[7].node[n7&63].thr, x[int(g[7].node[n7&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n4 = 2*n4 + goRight(g[4].node[n4&63].thr, x[int(g[4].node[n4&63].feat)&rowMask])
			n5 = 2*n5 + goRight(g[5].node[n5&63].thr, x[int(g[5].node[n5&63].feat)&rowMask])
			n6 = 2*n6 + goRight(g[6].node[n6&63].thr, x[int(g[6].node[n6&63].feat)&rowMask])
			n7 = 2*n7 + goRight(g[7].node[n7&63].thr, x[int(g[7].node[n7&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n4 = 2*n4 + goRight(g[4].node[n4&63].thr, x[int(g[4].node[n4&63].feat)&rowMask])
			n5 = 2*n5 + goRight(g[5].node[n5&63].thr, x[int(g[5].node[n5&63].feat)&rowMask])
			n6 = 2*n6 + goRight(g[6].node[n6&63].thr, x[int(g[6].node[n6&63].feat)&rowMask])
			n7 = 2*n7 + goRight(g[7].node[n7&63].thr, x[int(g[7].node[n7&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n4 = 2*n4 + goRight(g[4].node[n4&63].thr, x[int(g[4].node[n4&63].feat)&rowMask])
			n5 = 2*n5 + goRight(g[5].node[n5&63].thr, x[int(g[5].node[n5&63].feat)&rowMask])
			n6 = 2*n6 + goRight(g[6].node[n6&63].thr, x[int(g[6].node[n6&63].feat)&rowMask])
			n7 = 2*n7 + goRight(g[7].node[n7&63].thr, x[int(g[7].node[n7&63].feat)&rowMask])
			if single {
				acc += g[0].leaf[n0&63].value
				acc += g[1].leaf[n1&63].value
				acc += g[2].leaf[n2&63].value
				acc += g[3].leaf[n3&63].value
				acc += g[4].leaf[n4&63].value
				acc += g[5].leaf[n5&63].value
				acc += g[6].leaf[n6&63].value
				acc += g[7].leaf[n7&63].value
			} else {
				gr := (*[8]int32)(e.group[t : t+8])
				out[gr[0]] += g[0].leaf[n0&63].value
				out[gr[1]] += g[1].leaf[n1&63].value
				out[gr[2]] += g[2].leaf[n2&63].value
				out[gr[3]] += g[3].leaf[n3&63].value
				out[gr[4]] += g[4].leaf[n4&63].value
				out[gr[5]] += g[5].leaf[n5&63].value
				out[gr[6]] += g[6].leaf[n6&63].value
				out[gr[7]] += g[7].leaf[n7&63].value
			}
			if track {
				l0 := &g[0].leaf[n0&63]
				c[int(l0.slot[0])&rowMask] += l0.delta[0]
				c[int(l0.slot[1])&rowMask] += l0.delta[1]
				c[int(l0.slot[2])&rowMask] += l0.delta[2]
				c[int(l0.slot[3])&rowMask] += l0.delta[3]
				c[int(l0.slot[4])&rowMask] += l0.delta[4]
				c[int(l0.slot[5])&rowMask] += l0.delta[5]
				l1 := &g[1].leaf[n1&63]
				c[int(l1.slot[0])&rowMask] += l1.delta[0]
				c[int(l1.slot[1])&rowMask] += l1.delta[1]
				c[int(l1.slot[2])&rowMask] += l1.delta[2]
				c[int(l1.slot[3])&rowMask] += l1.delta[3]
				c[int(l1.slot[4])&rowMask] += l1.delta[4]
				c[int(l1.slot[5])&rowMask] += l1.delta[5]
				l2 := &g[2].leaf[n2&63]
				c[int(l2.slot[0])&rowMask] += l2.delta[0]
				c[int(l2.slot[1])&rowMask] += l2.delta[1]
				c[int(l2.slot[2])&rowMask] += l2.delta[2]
				c[int(l2.slot[3])&rowMask] += l2.delta[3]
				c[int(l2.slot[4])&rowMask] += l2.delta[4]
				c[int(l2.slot[5])&rowMask] += l2.delta[5]
				l3 := &g[3].leaf[n3&63]
				c[int(l3.slot[0])&rowMask] += l3.delta[0]
				c[int(l3.slot[1])&rowMask] += l3.delta[1]
				c[int(l3.slot[2])&rowMask] += l3.delta[2]
				c[int(l3.slot[3])&rowMask] += l3.delta[3]
				c[int(l3.slot[4])&rowMask] += l3.delta[4]
				c[int(l3.slot[5])&rowMask] += l3.delta[5]
				l4 := &g[4].leaf[n4&63]
				c[int(l4.slot[0])&rowMask] += l4.delta[0]
				c[int(l4.slot[1])&rowMask] += l4.delta[1]
				c[int(l4.slot[2])&rowMask] += l4.delta[2]
				c[int(l4.slot[3])&rowMask] += l4.delta[3]
				c[int(l4.slot[4])&rowMask] += l4.delta[4]
				c[int(l4.slot[5])&rowMask] += l4.delta[5]
				l5 := &g[5].leaf[n5&63]
				c[int(l5.slot[0])&rowMask] += l5.delta[0]
				c[int(l5.slot[1])&rowMask] += l5.delta[1]
				c[int(l5.slot[2])&rowMask] += l5.delta[2]
				c[int(l5.slot[3])&rowMask] += l5.delta[3]
				c[int(l5.slot[4])&rowMask] += l5.delta[4]
				c[int(l5.slot[5])&rowMask] += l5.delta[5]
				l6 := &g[6].leaf[n6&63]
				c[int(l6.slot[0])&rowMask] += l6.delta[0]
				c[int(l6.slot[1])&rowMask] += l6.delta[1]
				c[int(l6.slot[2])&rowMask] += l6.delta[2]
				c[int(l6.slot[3])&rowMask] += l6.delta[3]
				c[int(l6.slot[4])&rowMask] += l6.delta[4]
				c[int(l6.slot[5])&rowMask] += l6.delta[5]
				l7 := &g[7].leaf[n7&63]
				c[int(l7.slot[0])&rowMask] += l7.delta[0]
				c[int(l7.slot[1])&rowMask] += l7.delta[1]
				c[int(l7.slot[2])&rowMask] += l7.delta[2]
				c[int(l7.slot[3])&rowMask] += l7.delta[3]
				c[int(l7.slot[4])&rowMask] += l7.delta[4]
				c[int(l7.slot[5])&rowMask] += l7.delta[5]
			} else {
				lf := (*[8]int32)(leafs[t : t+8])
				lf[0], lf[1], lf[2], lf[3], lf[4], lf[5], lf[6], lf[7] = int32(n0&63), int32(n1&63), int32(n2&63), int32(n3&63), int32(n4&63), int32(n5&63), int32(n6&63), int32(n7&63)
			}
		}
		for ; t+4 <= len(bl); t += 4 {
			g := (*[4]block)(bl[t : t+4])
			n0 := 2 + goRight(g[0].node[1].thr, x[int(g[0].node[1].feat)&rowMask])
			n1 := 2 + goRight(g[1].node[1].thr, x[int(g[1].node[1].feat)&rowMask])
			n2 := 2 + goRight(g[2].node[1].thr, x[int(g[2].node[1].feat)&rowMask])
			n3 := 2 + goRight(g[3].node[1].thr, x[int(g[3].node[1].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			n0 = 2*n0 + goRight(g[0].node[n0&63].thr, x[int(g[0].node[n0&63].feat)&rowMask])
			n1 = 2*n1 + goRight(g[1].node[n1&63].thr, x[int(g[1].node[n1&63].feat)&rowMask])
			n2 = 2*n2 + goRight(g[2].node[n2&63].thr, x[int(g[2].node[n2&63].feat)&rowMask])
			n3 = 2*n3 + goRight(g[3].node[n3&63].thr, x[int(g[3].node[n3&63].feat)&rowMask])
			if single {
				acc += g[0].leaf[n0&63].value
				acc += g[1].leaf[n1&63].value
				acc += g[2].leaf[n2&63].value
				acc += g[3].leaf[n3&63].value
			} else {
				gr := (*[4]int32)(e.group[t : t+4])
				out[gr[0]] += g[0].leaf[n0&63].value
				out[gr[1]] += g[1].leaf[n1&63].value
				out[gr[2]] += g[2].leaf[n2&63].value
				out[gr[3]] += g[3].leaf[n3&63].value
			}
			if track {
				l0 := &g[0].leaf[n0&63]
				c[int(l0.slot[0])&rowMask] += l0.delta[0]
				c[int(l0.slot[1])&rowMask] += l0.delta[1]
				c[int(l0.slot[2])&rowMask] += l0.delta[2]
				c[int(l0.slot[3])&rowMask] += l0.delta[3]
				c[int(l0.slot[4])&rowMask] += l0.delta[4]
				c[int(l0.slot[5])&rowMask] += l0.delta[5]
				l1 := &g[1].leaf[n1&63]
				c[int(l1.slot[0])&rowMask] += l1.delta[0]
				c[int(l1.slot[1])&rowMask] += l1.delta[1]
				c[int(l1.slot[2])&rowMask] += l1.delta[2]
				c[int(l1.slot[3])&rowMask] += l1.delta[3]
				c[int(l1.slot[4])&rowMask] += l1.delta[4]
				c[int(l1.slot[5])&rowMask] += l1.delta[5]
				l2 := &g[2].leaf[n2&63]
				c[int(l2.slot[0])&rowMask] += l2.delta[0]
				c[int(l2.slot[1])&rowMask] += l2.delta[1]
				c[int(l2.slot[2])&rowMask] += l2.delta[2]
				c[int(l2.slot[3])&rowMask] += l2.delta[3]
				c[int(l2.slot[4])&rowMask] += l2.delta[4]
				c[int(l2.slot[5])&rowMask] += l2.delta[5]
				l3 := &g[3].leaf[n3&63]
				c[int(l3.slot[0])&rowMask] += l3.delta[0]
				c[int(l3.slot[1])&rowMask] += l3.delta[1]
				c[int(l3.slot[2])&rowMask] += l3.delta[2]
				c[int(l3.slot[3])&rowMask] += l3.delta[3]
				c[int(l3.slot[4])&rowMask] += l3.delta[4]
				c[int(l3.slot[5])&rowMask] += l3.delta[5]
			} else {
				lf := (*[4]int32)(leafs[t : t+4])
				lf[0], lf[1], lf[2], lf[3] = int32(n0&63), int32(n1&63), int32(n2&63), int32(n3&63)
			}
		}
	}
	for ; t < len(bl); t++ {
		b := &bl[t]
		n := 1
		for d := 0; d < blockDepth; d++ {
			n = 2*n + goRight(b.node[n&63].thr, x[int(b.node[n&63].feat)&rowMask])
		}
		if single {
			acc += b.leaf[n&63].value
		} else {
			out[e.group[t]] += b.leaf[n&63].value
		}
		if track {
			lp := &b.leaf[n&63]
			c[int(lp.slot[0])&rowMask] += lp.delta[0]
			c[int(lp.slot[1])&rowMask] += lp.delta[1]
			c[int(lp.slot[2])&rowMask] += lp.delta[2]
			c[int(lp.slot[3])&rowMask] += lp.delta[3]
			c[int(lp.slot[4])&rowMask] += lp.delta[4]
			c[int(lp.slot[5])&rowMask] += lp.delta[5]
		} else {
			leafs[t] = int32(n & 63)
		}
	}
	if single {
		out[0] = acc
	}
}

// marginsBlockShallow is marginsBlock for ensembles shallower than 6: one
// tree at a time, with a loop over the levels.
func (e *Ensemble) marginsBlockShallow(in *Input, out []float32) {
	x := &in.keys
	c := &in.acc
	bl := e.blocks
	leafs := in.leafs[:len(bl)]
	track := in.track
	if track {
		clear(c[:e.nFeature])
	}
	depth := e.depth
	for t := range bl {
		b := &bl[t]
		n := 1
		for d := 0; d < depth; d++ {
			n = 2*n + goRight(b.node[n&63].thr, x[int(b.node[n&63].feat)&rowMask])
		}
		l := (n - 1<<depth) & 63
		out[e.group[t]] += b.leaf[l].value
		if track {
			lp := &b.leaf[l]
			c[int(lp.slot[0])&rowMask] += lp.delta[0]
			c[int(lp.slot[1])&rowMask] += lp.delta[1]
			c[int(lp.slot[2])&rowMask] += lp.delta[2]
			c[int(lp.slot[3])&rowMask] += lp.delta[3]
			c[int(lp.slot[4])&rowMask] += lp.delta[4]
			c[int(lp.slot[5])&rowMask] += lp.delta[5]
		} else {
			leafs[t] = int32(l)
		}
	}
}

// contributionsBlock is Contributions for the block layout: per tree, the
// steps stored with the leaf reached, added without a branch (a padded step
// adds 0 to a dump slot). When the Input tracks the group's contributions,
// Margins has already summed them.
func (e *Ensemble) contributionsBlock(in *Input, group int, out []float32) {
	c := &in.acc
	nf := e.nFeature
	out = out[:nf+1]
	if !in.track {
		clear(c[:nf])
		bl := e.blocks
		leafs := in.leafs[:len(bl)]
		single := e.nClass == 1
		for t := range bl {
			if !single && int(e.group[t]) != group {
				continue
			}
			lp := &bl[t].leaf[int(leafs[t])&63]
			c[int(lp.slot[0])&rowMask] += lp.delta[0]
			c[int(lp.slot[1])&rowMask] += lp.delta[1]
			c[int(lp.slot[2])&rowMask] += lp.delta[2]
			c[int(lp.slot[3])&rowMask] += lp.delta[3]
			c[int(lp.slot[4])&rowMask] += lp.delta[4]
			c[int(lp.slot[5])&rowMask] += lp.delta[5]
		}
	}
	copy(out, c[:nf])
	out[nf] = e.bias[group]
}

// goRight is 1 when a node with threshold key thr (orderKey − 1) sends a row
// with key x right, else 0. In wasm it is the sign bit of an int64
// difference, one operation fewer than a comparison turned into 0 or 1,
// which took ~10% off the walk; natively the comparison (a flag-setting
// instruction) is faster. The wasm walk spells the difference out: there
// the inlined call still costs a few local moves per level.
func goRight(thr, x int32) int {
	if runtime.GOARCH == "wasm" {
		return int(uint64(int64(thr)-int64(x)) >> 63)
	}
	return b2i(x > thr)
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
