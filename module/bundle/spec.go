package bundle

import (
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/offer"
)

// FormatVersion is the version of the authoring format and of the binary
// encoding. A decoder accepts exactly the versions it knows.
const FormatVersion = 1

// Spec is a bundle as authored: everything one model version needs. The
// JSON form (package jsonform) and the binary form (Encode/Decode) both
// decode to a Spec; Compile validates it and builds the immutable Bundle
// that scores. JSON names are the authoring format's; see
// testdata/reference.bundle.json for a complete example.
type Spec struct {
	Format     int             `json:"format"`
	ID         string          `json:"id"` // human id, e.g. "shoes-propensity@7"
	Features   []feature.Def   `json:"features"`
	Propensity Propensity      `json:"propensity"`
	Lifetime   *Lifetime       `json:"lifetime,omitempty"`
	Tiers      []Rule          `json:"tiers,omitempty"`
	Clusters   *Clusters       `json:"clusters,omitempty"`
	Segments   []Rule          `json:"segments,omitempty"`
	Economics  offer.Economics `json:"economics"`
	Policy     offer.Policy    `json:"policy"`
	Offers     []offer.Def     `json:"offers,omitempty"`
	Inventory  offer.Inventory `json:"inventory,omitempty"`
	Experiment *Experiment     `json:"experiment,omitempty"`
}

// Propensity is P(buy) without an offer: a logistic regression, a tree
// ensemble, or both blended on the logit scale:
// logit = blend_l × logistic + blend_g × trees.
type Propensity struct {
	Logistic *Logistic `json:"logistic,omitempty"`
	GBDT     *GBDT     `json:"gbdt,omitempty"`
}

// Logistic is scikit-learn's LogisticRegression: intercept_ and coef_ by
// feature name.
type Logistic struct {
	Intercept float64            `json:"intercept"`
	Weights   map[string]float64 `json:"weights"`
	// Blend weighs this model's logit; required when both models are
	// present, else 1.
	Blend float64 `json:"blend,omitempty"`
}

// GBDT is a tree ensemble. In JSON it is XGBoost's own model file,
// embedded verbatim under "xgboost"; the JSON reader imports it into Model.
// The binary encoding stores Model directly.
type GBDT struct {
	XGBoost []byte     `json:"xgboost,raw"`
	Model   *gbdt.Spec `json:"-"`
	// Class is the output taken as "buys" for multi:softprob models.
	Class int     `json:"class,omitempty"`
	Blend float64 `json:"blend,omitempty"`
}

// Lifetime holds the BG/NBD and Gamma-Gamma parameters (per period of
// period_days days) and how to value the horizon.
type Lifetime struct {
	R            float64 `json:"r"`
	Alpha        float64 `json:"alpha"`
	A            float64 `json:"a"`
	B            float64 `json:"b"`
	P            float64 `json:"p"`
	Q            float64 `json:"q"`
	Gamma        float64 `json:"gamma"`
	PeriodDays   float64 `json:"period_days"`
	Horizon      float64 `json:"horizon"`
	Steps        int     `json:"steps"`
	DiscountRate float64 `json:"discount_rate"`
	Margin       float64 `json:"margin"`
}

// Rule is a named boolean expression (package rule's language). Tiers are
// tried in order and the first match wins (an empty When matches always, for
// a final default tier); every matching segment is reported.
type Rule struct {
	Name string `json:"name"`
	When string `json:"when"`
}

// Clusters are k-means centroids over standardized features.
type Clusters struct {
	Names     []string    `json:"names"`
	Features  []string    `json:"features"`
	Mean      []float64   `json:"mean"`
	Scale     []float64   `json:"scale"`
	Centroids [][]float64 `json:"centroids"`
}

// Experiment splits shoppers into variants by the bucketing hash of package
// experiment. Weights are percentages (two decimals) summing to 100; the
// first variant is the control and takes the bottom buckets.
type Experiment struct {
	Salt     string    `json:"salt"`
	Variants []Variant `json:"variants"`
}

// Variant is one arm. A holdout never receives an offer (it measures the
// offers' incremental effect); Epsilon, when set, overrides the policy's
// exploration rate.
type Variant struct {
	Name    string   `json:"name"`
	Weight  float64  `json:"weight"`
	Holdout bool     `json:"holdout,omitempty"`
	Epsilon *float64 `json:"epsilon,omitempty"`
}
