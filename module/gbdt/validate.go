package gbdt

import (
	"errors"
	"math"
	"strconv"
)

// validate checks everything Compile relies on, so that a spec decoded from
// untrusted bytes can never make Compile or a prediction index out of range,
// recurse without bound, or produce NaN.
func validate(s *Spec) error {
	switch s.Objective {
	case BinaryLogistic, RegSquaredError:
		if s.NumClass != 1 {
			return newError("gbdt: num_class must be 1 for " + s.Objective.String() + ", got " + strconv.Itoa(s.NumClass))
		}
	case MultiSoftprob:
		if s.NumClass < 2 || s.NumClass > MaxClasses {
			return newError("gbdt: num_class must be in [2," + strconv.Itoa(MaxClasses) + "] for multi:softprob, got " + strconv.Itoa(s.NumClass))
		}
	default:
		return newError("gbdt: unsupported objective")
	}
	if len(s.BaseMargin) != s.NumClass {
		return newError("gbdt: base margin has " + strconv.Itoa(len(s.BaseMargin)) + " values, want num_class " + strconv.Itoa(s.NumClass))
	}
	for i, b := range s.BaseMargin {
		if !finite32(b) {
			return newError("gbdt: base margin[" + strconv.Itoa(i) + "] is not finite")
		}
	}
	if s.NumFeature < 1 || s.NumFeature > MaxFeatures {
		return newError("gbdt: num_feature must be in [1," + strconv.Itoa(MaxFeatures) + "], got " + strconv.Itoa(s.NumFeature))
	}
	if len(s.FeatureNames) != 0 && len(s.FeatureNames) != s.NumFeature {
		return newError("gbdt: " + strconv.Itoa(len(s.FeatureNames)) + " feature names for " + strconv.Itoa(s.NumFeature) + " features")
	}
	if len(s.Trees) > MaxTrees {
		return newError("gbdt: " + strconv.Itoa(len(s.Trees)) + " trees exceed the maximum " + strconv.Itoa(MaxTrees))
	}
	for t := range s.Trees {
		if err := validateTree(s, &s.Trees[t]); err != nil {
			return newError("gbdt: trees[" + strconv.Itoa(t) + "]" + err.Error())
		}
	}
	return nil
}

func validateTree(s *Spec, tr *Tree) error {
	if tr.Group < 0 || tr.Group >= s.NumClass {
		return newError(".group: " + strconv.Itoa(tr.Group) + " out of range [0," + strconv.Itoa(s.NumClass) + ")")
	}
	nodes := tr.Nodes
	if len(nodes) == 0 {
		return newError(": no nodes")
	}
	if len(nodes) > 1<<(MaxDepth+1) {
		return newError(": " + strconv.Itoa(len(nodes)) + " nodes cannot fit depth " + strconv.Itoa(MaxDepth))
	}
	// Walk from the root iteratively: every node reached exactly once (a
	// tree, no cycles, no orphans) and no path deeper than MaxDepth.
	seen := make([]bool, len(nodes))
	depth := make([]int, len(nodes))
	stack := []int32{0}
	seen[0] = true
	reached := 1
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := &nodes[id]
		at := ".nodes[" + strconv.Itoa(int(id)) + "]"
		if n.Left < 0 || n.Right < 0 {
			if n.Left != -1 || n.Right != -1 {
				return newError(at + ": a leaf must have both children -1")
			}
			if !finite32(n.Value) {
				return newError(at + ": leaf value is not finite")
			}
			continue
		}
		if depth[id] >= MaxDepth {
			return newError(at + ": deeper than the maximum depth " + strconv.Itoa(MaxDepth))
		}
		if n.Feature < 0 || int(n.Feature) >= s.NumFeature {
			return newError(at + ": split feature " + strconv.Itoa(int(n.Feature)) + " out of range [0," + strconv.Itoa(s.NumFeature) + ")")
		}
		if !finite32(n.Threshold) {
			return newError(at + ": threshold is not finite")
		}
		if !finite32(n.Cover) || n.Cover < 0 {
			return newError(at + ": cover must be finite and ≥ 0")
		}
		for _, c := range [2]int32{n.Left, n.Right} {
			if int(c) >= len(nodes) {
				return newError(at + ": child " + strconv.Itoa(int(c)) + " out of range [0," + strconv.Itoa(len(nodes)) + ")")
			}
			if seen[c] {
				return newError(at + ": child " + strconv.Itoa(int(c)) + " is reached twice (not a tree)")
			}
			seen[c] = true
			depth[c] = depth[id] + 1
			reached++
			stack = append(stack, c)
		}
	}
	if reached != len(nodes) {
		return newError(": " + strconv.Itoa(len(nodes)-reached) + " nodes are not reachable from the root")
	}
	return nil
}

func finite32(v float32) bool {
	f := float64(v)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

// newError is errors.New, not inlined: inlined at each of the 23 error
// returns it made the wasm guest 1.5 KB larger for error paths only.
//
//go:noinline
func newError(msg string) error { return errors.New(msg) }
