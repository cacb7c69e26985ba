package xgboost

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/internal/fmath"
)

// Parse reads an XGBoost JSON model (as written by save_model) into a normalized spec.
//
// Every error names the JSON path of the offending value, for example
//
//	xgboost: learner.gradient_booster.model.trees[7].split_indices: length 12, want 15 (num_nodes)
//
// See the package documentation for the versions and features handled.
func Parse(data []byte) (*gbdt.Spec, error) {
	data = quoteNonFinite(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("xgboost: invalid JSON: %v%s", err, ubjsonHint(data))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("xgboost: invalid JSON: data after the top-level value")
	}
	spec, err := parseModel(root)
	if err != nil {
		return nil, fmt.Errorf("xgboost: %w", err)
	}
	return spec, nil
}

// pathError is an error about the value at a JSON path.
type pathError struct {
	path string
	msg  string
}

func (e *pathError) Error() string { return e.path + ": " + e.msg }

func errAt(path, format string, args ...any) error {
	return &pathError{path: path, msg: fmt.Sprintf(format, args...)}
}

func parseModel(root any) (*gbdt.Spec, error) {
	top, err := object(root, "(root)")
	if err != nil {
		return nil, err
	}
	learner, err := objectField(top, "", "learner")
	if err != nil {
		return nil, err
	}
	const lp = "learner"

	// Objective.
	objv, err := objectField(learner, lp, "objective")
	if err != nil {
		return nil, err
	}
	name, err := stringField(objv, lp+".objective", "name")
	if err != nil {
		return nil, err
	}
	obj, ok := gbdt.ParseObjective(name)
	if !ok && name == "reg:linear" {
		// Deprecated alias of reg:squarederror (same link, same base_score).
		obj, ok = gbdt.RegSquaredError, true
	}
	if !ok {
		return nil, errAt(lp+".objective.name", "unsupported objective %q (supported: binary:logistic, reg:squarederror, multi:softprob)", name)
	}

	// Model parameters.
	const mp = lp + ".learner_model_param"
	mparam, err := objectField(learner, lp, "learner_model_param")
	if err != nil {
		return nil, err
	}
	numFeature, err := intField(mparam, mp, "num_feature", true, 0)
	if err != nil {
		return nil, err
	}
	if numFeature < 1 || numFeature > math.MaxInt32 {
		return nil, errAt(mp+".num_feature", "%d out of range [1, %d]", numFeature, math.MaxInt32)
	}
	numClassRaw, err := intField(mparam, mp, "num_class", false, 0)
	if err != nil {
		return nil, err
	}
	numClass := 1
	switch obj {
	case gbdt.MultiSoftprob:
		if numClassRaw < 2 || numClassRaw > math.MaxInt32 {
			return nil, errAt(mp+".num_class", "%d, want ≥ 2 for %s", numClassRaw, name)
		}
		numClass = int(numClassRaw)
		// multi:softprob also records num_class in its own parameters.
		if smp, ok := objv["softmax_multiclass_param"]; ok {
			p := lp + ".objective.softmax_multiclass_param"
			m, err := object(smp, p)
			if err != nil {
				return nil, err
			}
			if n, err := intField(m, p, "num_class", false, numClassRaw); err != nil {
				return nil, err
			} else if n != numClassRaw {
				return nil, errAt(p+".num_class", "%d, but %s.num_class is %d", n, mp, numClassRaw)
			}
		}
	default:
		if numClassRaw != 0 && numClassRaw != 1 {
			return nil, errAt(mp+".num_class", "%d, want 0 for %s", numClassRaw, name)
		}
	}
	if nt, err := intField(mparam, mp, "num_target", false, 1); err != nil {
		return nil, err
	} else if nt != 1 {
		return nil, errAt(mp+".num_target", "%d: multi-target models are not supported", nt)
	}
	baseRaw, ok := mparam["base_score"]
	if !ok {
		return nil, errAt(mp, "missing field base_score")
	}
	baseMargin, err := parseBaseScore(baseRaw, mp+".base_score", obj, numClass)
	if err != nil {
		return nil, err
	}

	// Feature names (optional; absent or [] when the model was trained
	// without them).
	var names []string
	if fn, ok := learner["feature_names"]; ok && fn != nil {
		arr, err := array(fn, lp+".feature_names")
		if err != nil {
			return nil, err
		}
		if len(arr) != 0 {
			if int64(len(arr)) != numFeature {
				return nil, errAt(lp+".feature_names", "%d names, want %d (num_feature)", len(arr), numFeature)
			}
			names = make([]string, len(arr))
			for i, v := range arr {
				s, ok := v.(string)
				if !ok {
					return nil, errAt(fmt.Sprintf("%s.feature_names[%d]", lp, i), "%s, want a string", kind(v))
				}
				names[i] = s
			}
		}
	}

	// Booster.
	const gp = lp + ".gradient_booster"
	gb, err := objectField(learner, lp, "gradient_booster")
	if err != nil {
		return nil, err
	}
	booster, err := stringField(gb, gp, "name")
	if err != nil {
		return nil, err
	}
	var (
		model      map[string]any
		modelPath  string
		weightDrop []float32
	)
	switch booster {
	case "gbtree":
		modelPath = gp + ".model"
		if model, err = objectField(gb, gp, "model"); err != nil {
			return nil, err
		}
	case "dart":
		// DART stores a gbtree plus one weight per tree; prediction (outside
		// training) scales each tree's output by its weight, which we fold
		// into the leaf values.
		inner, err := objectField(gb, gp, "gbtree")
		if err != nil {
			return nil, err
		}
		modelPath = gp + ".gbtree.model"
		if model, err = objectField(inner, gp+".gbtree", "model"); err != nil {
			return nil, err
		}
		wd, ok := gb["weight_drop"]
		if !ok {
			return nil, errAt(gp, "missing field weight_drop (dart)")
		}
		if weightDrop, err = floatArray(wd, gp+".weight_drop"); err != nil {
			return nil, err
		}
		for i, w := range weightDrop {
			if !finite(w) {
				return nil, errAt(fmt.Sprintf("%s.weight_drop[%d]", gp, i), "%v is not finite", w)
			}
		}
	case "gblinear":
		return nil, errAt(gp+".name", "unsupported booster \"gblinear\" (linear models are not tree ensembles)")
	default:
		return nil, errAt(gp+".name", "unsupported booster %q (supported: gbtree, dart)", booster)
	}

	trees, err := parseTrees(model, modelPath, numClass, numFeature, weightDrop)
	if err != nil {
		return nil, err
	}
	return &gbdt.Spec{
		Objective:    obj,
		NumClass:     numClass,
		BaseMargin:   baseMargin,
		FeatureNames: names,
		NumFeature:   int(numFeature),
		Trees:        trees,
	}, nil
}

// parseBaseScore turns learner_model_param.base_score into per-group margins.
//
// Accepted spellings: a string holding one float ("5E-1", XGBoost 1.x/2.x) or
// a JSON list ("[5E-1]", "[a,b,c]", XGBoost ≥ 3.1; "(…)" is accepted too, as
// XGBoost's own reader does), a JSON number, or a JSON array of numbers or
// numeric strings. One value is broadcast to every group.
//
// The stored value is in output space; the margin is XGBoost's ProbToMargin:
// the logit for binary:logistic and the identity for reg:squarederror and
// multi:softprob (checked against XGBoost 1.7.4's margins by the tests).
func parseBaseScore(v any, path string, obj gbdt.Objective, numClass int) ([]float32, error) {
	var vals []float32
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "(") {
			if len(s) < 2 || (s[0] == '[' && s[len(s)-1] != ']') || (s[0] == '(' && s[len(s)-1] != ')') {
				return nil, errAt(path, "malformed list %q", x)
			}
			body := strings.TrimSpace(s[1 : len(s)-1])
			if body == "" {
				return nil, errAt(path, "empty list %q", x)
			}
			for i, part := range strings.Split(body, ",") {
				f, err := parseFloat32(strings.TrimSpace(part))
				if err != nil {
					return nil, errAt(fmt.Sprintf("%s[%d]", path, i), "%q is not a number", strings.TrimSpace(part))
				}
				vals = append(vals, f)
			}
		} else {
			f, err := parseFloat32(s)
			if err != nil {
				return nil, errAt(path, "%q is not a number", x)
			}
			vals = []float32{f}
		}
	case json.Number:
		f, err := parseFloat32(string(x))
		if err != nil {
			return nil, errAt(path, "%q is not a number", string(x))
		}
		vals = []float32{f}
	case []any:
		fs, err := floatArray(x, path)
		if err != nil {
			return nil, err
		}
		if len(fs) == 0 {
			return nil, errAt(path, "empty list")
		}
		vals = fs
	default:
		return nil, errAt(path, "%s, want a number or a string", kind(v))
	}
	if len(vals) != 1 && len(vals) != numClass {
		return nil, errAt(path, "%d values, want 1 or %d (num_class)", len(vals), numClass)
	}
	out := make([]float32, numClass)
	for g := range out {
		i := 0
		if len(vals) > 1 {
			i = g
		}
		p := vals[i]
		at := path
		if len(vals) > 1 {
			at = fmt.Sprintf("%s[%d]", path, i)
		}
		if !finite(p) {
			return nil, errAt(at, "%v is not finite", p)
		}
		if obj == gbdt.BinaryLogistic {
			if !(p > 0 && p < 1) {
				return nil, errAt(at, "%v out of (0, 1), required for binary:logistic", p)
			}
			out[g] = logit32(p)
		} else {
			out[g] = p
		}
	}
	return out, nil
}

// logit32 is XGBoost's LogisticRegression::ProbToMargin, -logf(1.0f/p - 1.0f),
// with the same float32 rounding of each step. The logarithm is fmath.Log,
// not math.Log: math.Log is assembly on amd64 and fused Go on arm64, so the
// same model JSON could make bundles that differ by a bit between the
// machines that author them.
func logit32(p float32) float32 {
	q := float32(1)/p - float32(1)
	return -float32(fmath.Log(float64(q)))
}

func parseTrees(model map[string]any, mpath string, numClass int, numFeature int64, weightDrop []float32) ([]gbdt.Tree, error) {
	param, err := objectField(model, mpath, "gbtree_model_param")
	if err != nil {
		return nil, err
	}
	pp := mpath + ".gbtree_model_param"
	numTrees, err := intField(param, pp, "num_trees", true, 0)
	if err != nil {
		return nil, err
	}
	if sl, err := intField(param, pp, "size_leaf_vector", false, 0); err != nil {
		return nil, err
	} else if sl > 1 {
		return nil, errAt(pp+".size_leaf_vector", "%d: multi-output trees are not supported", sl)
	}
	traw, ok := model["trees"]
	if !ok {
		return nil, errAt(mpath, "missing field trees")
	}
	tarr, err := array(traw, mpath+".trees")
	if err != nil {
		return nil, err
	}
	if int64(len(tarr)) != numTrees {
		return nil, errAt(mpath+".trees", "length %d, want %d (gbtree_model_param.num_trees)", len(tarr), numTrees)
	}
	iraw, ok := model["tree_info"]
	if !ok {
		return nil, errAt(mpath, "missing field tree_info")
	}
	info, err := intArray(iraw, mpath+".tree_info")
	if err != nil {
		return nil, err
	}
	if len(info) != len(tarr) {
		return nil, errAt(mpath+".tree_info", "length %d, want %d (num_trees)", len(info), len(tarr))
	}
	for i, g := range info {
		if g < 0 || g >= int64(numClass) {
			return nil, errAt(fmt.Sprintf("%s.tree_info[%d]", mpath, i), "group %d out of range [0, %d) (num_class)", g, numClass)
		}
	}
	// iteration_indptr (XGBoost ≥ 2.0): the first tree of each boosting
	// round. Not needed for prediction; checked for consistency when present.
	if ip, ok := model["iteration_indptr"]; ok && ip != nil {
		ptr, err := intArray(ip, mpath+".iteration_indptr")
		if err != nil {
			return nil, err
		}
		if len(ptr) == 0 || ptr[0] != 0 || ptr[len(ptr)-1] != numTrees {
			return nil, errAt(mpath+".iteration_indptr", "must start at 0 and end at %d (num_trees)", numTrees)
		}
		for i := 1; i < len(ptr); i++ {
			if ptr[i] < ptr[i-1] {
				return nil, errAt(fmt.Sprintf("%s.iteration_indptr[%d]", mpath, i), "decreasing (%d after %d)", ptr[i], ptr[i-1])
			}
		}
	}
	if weightDrop != nil && len(weightDrop) != len(tarr) {
		return nil, errAt(strings.TrimSuffix(mpath, ".gbtree.model")+".weight_drop", "length %d, want %d (num_trees)", len(weightDrop), len(tarr))
	}

	// XGBoost places each tree at index "id" (tree_info and weight_drop are
	// indexed by it); ids must be a permutation of 0..num_trees-1.
	out := make([]gbdt.Tree, len(tarr))
	filled := make([]bool, len(tarr))
	for i, tv := range tarr {
		tp := fmt.Sprintf("%s.trees[%d]", mpath, i)
		t, err := object(tv, tp)
		if err != nil {
			return nil, err
		}
		id, err := intField(t, tp, "id", false, int64(i))
		if err != nil {
			return nil, err
		}
		if id < 0 || id >= int64(len(tarr)) {
			return nil, errAt(tp+".id", "%d out of range [0, %d)", id, len(tarr))
		}
		if filled[id] {
			return nil, errAt(tp+".id", "duplicate tree id %d", id)
		}
		filled[id] = true
		var w float32 = 1
		if weightDrop != nil {
			w = weightDrop[id]
		}
		nodes, err := parseTree(t, tp, numFeature, w)
		if err != nil {
			return nil, err
		}
		out[id] = gbdt.Tree{Group: int(info[id]), Nodes: nodes}
	}
	return out, nil
}

// parseTree validates one tree and converts it to node-list form. Nodes that
// XGBoost's pruner deleted (kept in the arrays but unreachable; counted by
// tree_param.num_deleted) are dropped and the rest renumbered in their
// original order, so a tree without deleted nodes keeps its node ids.
func parseTree(t map[string]any, tp string, numFeature int64, weight float32) ([]gbdt.Node, error) {
	param, err := objectField(t, tp, "tree_param")
	if err != nil {
		return nil, err
	}
	pp := tp + ".tree_param"
	n64, err := intField(param, pp, "num_nodes", true, 0)
	if err != nil {
		return nil, err
	}
	if n64 < 1 || n64 > math.MaxInt32 {
		return nil, errAt(pp+".num_nodes", "%d out of range [1, %d]", n64, math.MaxInt32)
	}
	numDeleted, err := intField(param, pp, "num_deleted", false, 0)
	if err != nil {
		return nil, err
	}
	if numDeleted < 0 || numDeleted >= n64 {
		return nil, errAt(pp+".num_deleted", "%d out of range [0, %d) (num_nodes)", numDeleted, n64)
	}
	if sl, err := intField(param, pp, "size_leaf_vector", false, 0); err != nil {
		return nil, err
	} else if sl > 1 {
		return nil, errAt(pp+".size_leaf_vector", "%d: multi-output trees are not supported", sl)
	}
	n := int(n64)

	// Arrays must have exactly num_nodes entries. Check lengths before
	// decoding so that a huge declared num_nodes allocates nothing.
	arr := func(key string, required bool) ([]any, error) {
		v, ok := t[key]
		if !ok || v == nil {
			if required {
				return nil, errAt(tp, "missing field %s", key)
			}
			return nil, nil
		}
		a, err := array(v, tp+"."+key)
		if err != nil {
			return nil, err
		}
		if len(a) != n {
			return nil, errAt(tp+"."+key, "length %d, want %d (num_nodes)", len(a), n)
		}
		return a, nil
	}
	var raw [10][]any
	keys := [...]string{"left_children", "right_children", "split_indices", "split_conditions", "default_left", "sum_hessian", "base_weights", "split_type", "parents", "loss_changes"}
	for k, key := range keys {
		if raw[k], err = arr(key, k < 6); err != nil {
			return nil, err
		}
	}
	left, err := ints(raw[0], tp+".left_children")
	if err != nil {
		return nil, err
	}
	right, err := ints(raw[1], tp+".right_children")
	if err != nil {
		return nil, err
	}
	feat, err := ints(raw[2], tp+".split_indices")
	if err != nil {
		return nil, err
	}
	cond, err := floats(raw[3], tp+".split_conditions")
	if err != nil {
		return nil, err
	}
	dleft := make([]bool, n)
	for i, v := range raw[4] {
		if dleft[i], err = toBool(v, fmt.Sprintf("%s.default_left[%d]", tp, i)); err != nil {
			return nil, err
		}
	}
	hess, err := floats(raw[5], tp+".sum_hessian")
	if err != nil {
		return nil, err
	}
	// base_weights and loss_changes are training statistics, not used for
	// prediction (leaf values are in split_conditions, already scaled by the
	// learning rate); only their type and length are checked.
	if raw[6] != nil {
		if _, err := floats(raw[6], tp+".base_weights"); err != nil {
			return nil, err
		}
	}
	if raw[9] != nil {
		if _, err := floats(raw[9], tp+".loss_changes"); err != nil {
			return nil, err
		}
	}
	if raw[7] != nil {
		st, err := ints(raw[7], tp+".split_type")
		if err != nil {
			return nil, err
		}
		for i, s := range st {
			if s != 0 && left[i] != -1 {
				return nil, errAt(fmt.Sprintf("%s.split_type[%d]", tp, i), "categorical split (type %d): categorical features are not supported", s)
			}
		}
	}
	if cv, ok := t["categories_nodes"]; ok && cv != nil {
		cn, err := intArray(cv, tp+".categories_nodes")
		if err != nil {
			return nil, err
		}
		if len(cn) > 0 {
			return nil, errAt(tp+".categories_nodes", "categorical split at node %d: categorical features are not supported", cn[0])
		}
	}

	// Structure: children in range, every node reached at most once from
	// the root (so no cycles), leaves have both children -1.
	reach := make([]bool, n)
	reach[0] = true
	stack := []int{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		l, r := left[i], right[i]
		if l == -1 || r == -1 {
			if l != -1 || r != -1 {
				return nil, errAt(fmt.Sprintf("%s.left_children[%d]", tp, i), "node %d has children %d and %d: a leaf must have both -1", i, l, r)
			}
			if !finite(cond[i]) {
				return nil, errAt(fmt.Sprintf("%s.split_conditions[%d]", tp, i), "leaf value %v is not finite", cond[i])
			}
			if v := cond[i] * weight; !finite(v) {
				return nil, errAt(fmt.Sprintf("%s.split_conditions[%d]", tp, i), "leaf value %v times dart weight %v is not finite", cond[i], weight)
			}
			continue
		}
		for side, c := range [2]int64{l, r} {
			key := [2]string{"left_children", "right_children"}[side]
			at := fmt.Sprintf("%s.%s[%d]", tp, key, i)
			if c < 1 || c >= int64(n) {
				return nil, errAt(at, "child %d out of range [1, %d)", c, n)
			}
			if reach[c] {
				return nil, errAt(at, "node %d is reached twice (cycle or shared child)", c)
			}
			reach[c] = true
			stack = append(stack, int(c))
		}
		if f := feat[i]; f < 0 || f >= numFeature {
			return nil, errAt(fmt.Sprintf("%s.split_indices[%d]", tp, i), "feature %d out of range [0, %d) (num_feature)", f, numFeature)
		}
		if !finite(cond[i]) {
			return nil, errAt(fmt.Sprintf("%s.split_conditions[%d]", tp, i), "threshold %v is not finite", cond[i])
		}
	}
	// Unreachable nodes are those the pruner deleted; their number must be
	// num_deleted exactly (XGBoost checks the same on load).
	newID := make([]int32, n)
	m := 0
	for i := range n {
		if reach[i] {
			newID[i] = int32(m)
			m++
		} else {
			newID[i] = -1
		}
	}
	if int64(n-m) != numDeleted {
		first := 0
		for first < n && reach[first] {
			first++
		}
		if first < n {
			return nil, errAt(tp, "node %d is not reachable from the root (%d unreachable nodes, tree_param.num_deleted %d)", first, n-m, numDeleted)
		}
		return nil, errAt(pp+".num_deleted", "%d, but every node is reachable from the root", numDeleted)
	}
	nodes := make([]gbdt.Node, 0, m)
	for i := range n {
		if !reach[i] {
			continue
		}
		h := hess[i]
		if !finite(h) || h < 0 {
			return nil, errAt(fmt.Sprintf("%s.sum_hessian[%d]", tp, i), "%v, want finite and ≥ 0", h)
		}
		nd := gbdt.Node{Left: -1, Right: -1, Cover: h}
		if left[i] == -1 {
			nd.Value = cond[i] * weight
		} else {
			nd.Left, nd.Right = newID[left[i]], newID[right[i]]
			nd.Feature = int32(feat[i])
			nd.Threshold = cond[i]
			nd.DefaultLeft = dleft[i]
		}
		nodes = append(nodes, nd)
	}
	return nodes, nil
}

// ---- JSON access with paths ------------------------------------------------

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func object(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(path, "%s, want an object", kind(v))
	}
	return m, nil
}

func objectField(m map[string]any, path, key string) (map[string]any, error) {
	v, ok := m[key]
	if !ok {
		if path == "" {
			path = "(root)"
		}
		return nil, errAt(path, "missing field %s", key)
	}
	return object(v, join(path, key))
}

func stringField(m map[string]any, path, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", errAt(path, "missing field %s", key)
	}
	s, ok := v.(string)
	if !ok {
		return "", errAt(join(path, key), "%s, want a string", kind(v))
	}
	return s, nil
}

// intField reads an integer stored as a JSON number or, as XGBoost writes
// parameters, a decimal string.
func intField(m map[string]any, path, key string, required bool, def int64) (int64, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return 0, errAt(path, "missing field %s", key)
		}
		return def, nil
	}
	return toInt(v, join(path, key))
}

func toInt(v any, path string) (int64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, errAt(path, "%s, want an integer", kind(v))
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	// Be liberal: "3.0", "1e2".
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, errAt(path, "%q is not an integer", s)
	}
	return int64(f), nil
}

// parseFloat32 parses s straight to the nearest float32 (as XGBoost reads
// its float32 fields), accepting NaN and ±Inf spellings. Out-of-range values
// become ±Inf or 0 and are left to the finiteness checks.
func parseFloat32(s string) (float32, error) {
	f, err := strconv.ParseFloat(s, 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, err
	}
	return float32(f), nil
}

func toFloat(v any, path string) (float32, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, errAt(path, "%s, want a number", kind(v))
	}
	f, err := parseFloat32(s)
	if err != nil {
		return 0, errAt(path, "%q is not a number", s)
	}
	return f, nil
}

// toBool reads default_left: 0/1 (XGBoost's JSON), true/false, or "0"/"1".
func toBool(v any, path string) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case json.Number, string:
		i, err := toInt(x, path)
		if err != nil {
			if s, ok := x.(string); ok {
				if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
					return b, nil
				}
			}
			return false, err
		}
		if i != 0 && i != 1 {
			return false, errAt(path, "%d, want 0 or 1", i)
		}
		return i == 1, nil
	}
	return false, errAt(path, "%s, want 0, 1, true or false", kind(v))
}

func array(v any, path string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, errAt(path, "%s, want an array", kind(v))
	}
	return a, nil
}

func ints(a []any, path string) ([]int64, error) {
	out := make([]int64, len(a))
	for i, v := range a {
		x, err := toInt(v, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func floats(a []any, path string) ([]float32, error) {
	out := make([]float32, len(a))
	for i, v := range a {
		x, err := toFloat(v, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func intArray(v any, path string) ([]int64, error) {
	a, err := array(v, path)
	if err != nil {
		return nil, err
	}
	return ints(a, path)
}

func floatArray(v any, path string) ([]float32, error) {
	a, err := array(v, path)
	if err != nil {
		return nil, err
	}
	return floats(a, path)
}

func finite(f float32) bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}

// quoteNonFinite rewrites the bare tokens NaN, Infinity and -Infinity that
// XGBoost's JSON writer emits for non-finite floats (not valid JSON) into
// strings, so that the document decodes and the value is rejected with its
// path instead of a bare syntax error. Input without such tokens is returned
// unchanged.
func quoteNonFinite(data []byte) []byte {
	var out []byte // nil until the first rewrite
	last := 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		var tok string
		switch {
		case c == 'N' && bytes.HasPrefix(data[i:], []byte("NaN")):
			tok = "NaN"
		case c == 'I' && bytes.HasPrefix(data[i:], []byte("Infinity")):
			tok = "Infinity"
		case c == '-' && bytes.HasPrefix(data[i:], []byte("-Infinity")):
			tok = "-Infinity"
		default:
			continue
		}
		out = append(out, data[last:i]...)
		out = append(out, '"')
		out = append(out, tok...)
		out = append(out, '"')
		i += len(tok) - 1
		last = i + 1
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// ubjsonHint recognizes a model saved in XGBoost's binary JSON (UBJSON, the
// default for names not ending in .json since 2.1).
func ubjsonHint(data []byte) string {
	if len(data) > 1 && data[0] == '{' && bytes.IndexByte([]byte("iUIlL$#"), data[1]) >= 0 {
		return " (this looks like UBJSON; save the model with a .json file name)"
	}
	return ""
}
