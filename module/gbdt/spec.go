package gbdt

// Objective is the learning objective of an ensemble; it fixes the link from
// the summed margin to the prediction.
type Objective uint8

// Supported objectives, named as XGBoost names them.
const (
	// BinaryLogistic: one output, prediction = sigmoid(margin).
	BinaryLogistic Objective = iota + 1
	// RegSquaredError: one output, prediction = margin.
	RegSquaredError
	// MultiSoftprob: NumClass outputs, prediction = softmax(margins).
	MultiSoftprob
)

var objectiveNames = [...]string{"", "binary:logistic", "reg:squarederror", "multi:softprob"}

func (o Objective) String() string {
	if int(o) < len(objectiveNames) && o != 0 {
		return objectiveNames[o]
	}
	return "invalid"
}

// ParseObjective maps an XGBoost objective name to an Objective.
func ParseObjective(s string) (Objective, bool) {
	for i := 1; i < len(objectiveNames); i++ {
		if objectiveNames[i] == s {
			return Objective(i), true
		}
	}
	return 0, false
}

// Spec is the normalized, format-independent description of a tree ensemble:
// what an importer (XGBoost JSON) produces and what the binary bundle encoding
// stores. Compile turns it into the flat layout used for scoring.
type Spec struct {
	Objective Objective
	// NumClass is the number of output groups: 1 for binary and regression,
	// ≥ 2 for multi:softprob.
	NumClass int
	// BaseMargin is the per-group starting margin, already in margin space
	// (XGBoost's base_score after its link function: logit for
	// binary:logistic, identity otherwise). Length NumClass.
	BaseMargin []float32
	// FeatureNames are the names stored with the model, if any. When present
	// they must match the bundle's feature spec by name.
	FeatureNames []string
	// NumFeature is the number of input features the model was trained on.
	NumFeature int
	Trees      []Tree
}

// Tree is one regression tree in node-list form, node 0 the root.
type Tree struct {
	// Group is the output group (class) the tree's leaves add to.
	Group int
	Nodes []Node
}

// Node is one node of a tree. A leaf has Left == Right == -1.
type Node struct {
	Left, Right int32
	// Feature is the index of the split feature (internal nodes only).
	Feature int32
	// Threshold: go left when x < Threshold (XGBoost's rule), right when
	// x ≥ Threshold, and DefaultLeft decides when x is missing.
	Threshold   float32
	DefaultLeft bool
	// Value is the leaf value (leaves only).
	Value float32
	// Cover is the sum of hessians of the training rows that reached the
	// node (XGBoost's sum_hessian). Path contributions weight children by it.
	Cover float32
}

// IsLeaf reports whether n is a leaf.
func (n *Node) IsLeaf() bool { return n.Left < 0 }
