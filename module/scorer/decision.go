package scorer

// MaxReasons is the number of reason codes a decision carries.
const MaxReasons = 3

// NoCluster is Decision.Cluster when the bundle has no clusters.
const NoCluster = -1

// Decision is the output of one decision. It holds indexes into the bundle
// (tier, cluster, action, variant, reason features) rather than names so that
// filling it allocates nothing; the bundle resolves indexes to names.
type Decision struct {
	// Propensity is P(buy in this visit | no offer), from the bundle's
	// propensity model.
	Propensity float64
	// PAlive is BG/NBD's probability that the shopper is still active.
	PAlive float64
	// ExpectedPurchases is BG/NBD's expected number of purchases over the
	// bundle's lifetime horizon.
	ExpectedPurchases float64
	// ExpectedAOV is Gamma-Gamma's expected value of one future order.
	ExpectedAOV float64
	// CLV is the discounted expected value over the horizon (in margin if
	// the bundle sets a margin rate for lifetime value, else revenue).
	CLV float64

	// Tier is the index of the value tier (Bundle.TierName).
	Tier int
	// Cluster is the nearest behavioural cluster (Bundle.ClusterName), or
	// NoCluster; ClusterDistance is the Euclidean distance to its centroid
	// in standardized space.
	Cluster         int
	ClusterDistance float64
	// Segments has bit i set when rule segment i matched (Bundle.SegmentName).
	Segments uint64

	// Variant is the experiment arm the shopper is bucketed into
	// (Bundle.VariantName); Bucket is the shopper's bucket in [0, 10000).
	Variant int
	Bucket  int

	// Action is the chosen offer (Bundle.ActionName). Index 0 is always
	// "no offer".
	Action int
	// ActionProbability is the probability with which the policy chose
	// Action for this context, including exploration. Off-policy
	// evaluation divides by it.
	ActionProbability float64
	// Explored is true when exploration, not the greedy rule, picked Action.
	Explored bool
	// ExpectedProfit is P(buy | Action) × (margin after discount − cost on
	// purchase) − cost per exposure, for the chosen action.
	ExpectedProfit float64
	// BuyProbability is P(buy | Action): the propensity after the action's
	// lift.
	BuyProbability float64
	// GreedyAction is the action with the highest expected profit, and
	// Eligible the number of eligible actions (including "no offer").
	GreedyAction int
	Eligible     int

	// Reasons are the features that moved the propensity most, largest
	// absolute contribution first (logit scale). NumReasons of them are set.
	Reasons    [MaxReasons]Reason
	NumReasons int
}

// Reason is one feature's contribution to the propensity's logit.
type Reason struct {
	Feature      int     // index into the bundle's features (Bundle.FeatureName)
	Contribution float64 // on the logit scale; positive raises propensity
}
