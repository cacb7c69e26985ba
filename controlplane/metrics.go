package controlplane

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// How metrics count, precisely:
//
//   - The unit is an exposed decision: a decision log with at least one
//     exposure (exposures are deduplicated by decision id).
//   - A conversion is attributed to the shopper's latest decision made at or
//     before it and at most the attribution window before it (ties: larger
//     decision id). It counts for that decision's bundle and variant only if
//     that decision was exposed.
//   - Conversions counts exposed decisions with at least one attributed
//     order (so the rate is a proportion); Orders counts the orders.
//   - Profit = margin − discount cost, summed over attributed orders; per
//     exposure means divided by Exposures, with a normal interval from the
//     per-exposure values (0 for exposures that did not convert).
//   - Calibration and AUC use the decision's propensity (P(buy | no offer))
//     against "converted", over all exposed decisions of the variant; offers
//     lift conversion, so a variant that makes many offers will look
//     under-predicted: compare calibration across variants with that in
//     mind.

// MetricsQuery selects the decisions metrics are computed over.
type MetricsQuery struct {
	Group   string
	Bundles []string // references; empty means all
	Since   time.Time
	Until   time.Time
	// Window overrides the configured attribution window when positive.
	Window time.Duration
}

// VariantMetrics are the metrics of one bundle and variant (Variant "*" when
// the bundle's variants are pooled).
type VariantMetrics struct {
	Bundle                  string           `json:"bundle"`
	Variant                 string           `json:"variant"`
	Exposures               int64            `json:"exposures"`
	Conversions             int64            `json:"conversions"`
	Orders                  int64            `json:"orders"`
	ConversionRate          *Interval        `json:"conversion_rate"`
	Revenue                 float64          `json:"revenue"`
	Margin                  float64          `json:"margin"`
	DiscountCost            float64          `json:"discount_cost"`
	Profit                  float64          `json:"profit"`
	RevenuePerExposure      *Interval        `json:"revenue_per_exposure"`
	ProfitPerExposure       *Interval        `json:"profit_per_exposure"`
	DiscountCostPerExposure *float64         `json:"discount_cost_per_exposure"`
	OfferMix                []OfferShare     `json:"offer_mix"`
	Calibration             []CalibrationBin `json:"calibration"`
	AUC                     *float64         `json:"auc"`
}

// OfferShare is how often one action was shown.
type OfferShare struct {
	Action    string  `json:"action"`
	Exposures int64   `json:"exposures"`
	Share     float64 `json:"share"`
}

// MetricsReport is the answer to a metrics query.
type MetricsReport struct {
	AttributionWindow string           `json:"attribution_window"`
	Variants          []VariantMetrics `json:"variants"`
}

// Comparison is a challenger against the champion, both pooled over their
// variants. Differences are challenger − champion with 95% intervals.
type Comparison struct {
	AttributionWindow      string         `json:"attribution_window"`
	Champion               VariantMetrics `json:"champion"`
	Challenger             VariantMetrics `json:"challenger"`
	ConversionRateDiff     *Interval      `json:"conversion_rate_diff"`
	RevenuePerExposureDiff *Interval      `json:"revenue_per_exposure_diff"`
	ProfitPerExposureDiff  *Interval      `json:"profit_per_exposure_diff"`
}

// CompareQuery names the two bundles. Empty references default to the
// group's champion and challenger arms (when Group is set), else to the
// aliases "champion" and "challenger".
type CompareQuery struct {
	Group      string
	Champion   string
	Challenger string
	Since      time.Time
	Until      time.Time
	Window     time.Duration
}

type orderAgg struct {
	orders                          int64
	revenue, margin, discount, prof float64
}

type acc struct {
	bundle, variant string
	exposures, conv int64
	orders          int64
	revenue, margin float64
	discount        float64
	profit, rev     moments
	actions         map[string]int64
	scores          []scored
}

func (a *acc) metrics() VariantMetrics {
	m := VariantMetrics{Bundle: a.bundle, Variant: a.variant, Exposures: a.exposures, Conversions: a.conv,
		Orders: a.orders, Revenue: a.revenue, Margin: a.margin, DiscountCost: a.discount,
		Profit: a.margin - a.discount, ConversionRate: wilson(a.conv, a.exposures),
		OfferMix: []OfferShare{}, Calibration: []CalibrationBin{}}
	if a.exposures > 0 {
		m.RevenuePerExposure = meanInterval(a.rev)
		m.ProfitPerExposure = meanInterval(a.profit)
		d := a.discount / float64(a.exposures)
		m.DiscountCostPerExposure = &d
		for act, n := range a.actions {
			m.OfferMix = append(m.OfferMix, OfferShare{Action: act, Exposures: n, Share: float64(n) / float64(a.exposures)})
		}
		sort.Slice(m.OfferMix, func(i, j int) bool {
			if m.OfferMix[i].Exposures != m.OfferMix[j].Exposures {
				return m.OfferMix[i].Exposures > m.OfferMix[j].Exposures
			}
			return m.OfferMix[i].Action < m.OfferMix[j].Action
		})
		sortScored(a.scores)
		m.Calibration = calibration(a.scores)
		m.AUC = auc(a.scores)
	}
	return m
}

// meanInterval is the mean with a normal 95% interval (a point when n < 2).
func meanInterval(m moments) *Interval {
	if m.n == 0 {
		return nil
	}
	half := 0.0
	if m.n >= 2 {
		half = z95 * math.Sqrt(m.variance()/float64(m.n))
	}
	return &Interval{Value: m.mean, Low: m.mean - half, High: m.mean + half}
}

// aggregate scans attributed conversions, then exposed decisions, grouping
// by key(decision).
func (s *Service) aggregate(ctx context.Context, f store.DecisionFilter, window time.Duration,
	key func(*store.ExposedDecision) (string, string, string)) (map[string]*acc, error) {
	orders := map[string]*orderAgg{}
	var since int64
	if f.Since != 0 {
		since = f.Since
	}
	err := s.st.ScanConversions(ctx, since, window, func(c *store.AttributedConversion) error {
		if c.DecisionID == "" {
			return nil
		}
		o := orders[c.DecisionID]
		if o == nil {
			o = &orderAgg{}
			orders[c.DecisionID] = o
		}
		o.orders++
		o.revenue += c.Revenue
		o.margin += c.Margin
		o.discount += c.DiscountCost
		o.prof += c.Margin - c.DiscountCost
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: conversions: %w", err)
	}
	accs := map[string]*acc{}
	err = s.st.ScanExposedDecisions(ctx, f, func(d *store.ExposedDecision) error {
		k, bundle, variant := key(d)
		a := accs[k]
		if a == nil {
			a = &acc{bundle: bundle, variant: variant, actions: map[string]int64{}}
			accs[k] = a
		}
		a.exposures++
		a.actions[d.Action]++
		o := orders[d.DecisionID]
		sc := scored{p: d.Propensity, id: d.DecisionID}
		if o != nil {
			a.conv++
			a.orders += o.orders
			a.revenue += o.revenue
			a.margin += o.margin
			a.discount += o.discount
			a.profit.add(o.prof)
			a.rev.add(o.revenue)
			sc.converted = true
		} else {
			a.profit.add(0)
			a.rev.add(0)
		}
		a.scores = append(a.scores, sc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: decisions: %w", err)
	}
	return accs, nil
}

func (s *Service) filter(ctx context.Context, group string, refs []string, since, until time.Time) (store.DecisionFilter, error) {
	f := store.DecisionFilter{Group: group}
	if group != "" {
		if err := checkName("group", group); err != nil {
			return f, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	for _, r := range refs {
		b, err := s.resolve(ctx, r)
		if err != nil {
			return f, fmt.Errorf("%w: bundle: %v", ErrUnprocessable, err)
		}
		f.Bundles = append(f.Bundles, b.Digest)
	}
	if !since.IsZero() {
		f.Since = since.UnixMilli()
	}
	if !until.IsZero() {
		f.Until = until.UnixMilli()
	}
	if f.Since != 0 && f.Until != 0 && f.Until <= f.Since {
		return f, invalidf("until", "must be after since")
	}
	return f, nil
}

func (s *Service) window(w time.Duration) (time.Duration, error) {
	if w < 0 {
		return 0, invalidf("window", "must be positive")
	}
	if w == 0 {
		return s.cfg.AttributionWindow, nil
	}
	return w, nil
}

// Metrics computes per bundle and variant metrics.
func (s *Service) Metrics(ctx context.Context, q MetricsQuery) (MetricsReport, error) {
	window, err := s.window(q.Window)
	if err != nil {
		return MetricsReport{}, err
	}
	f, err := s.filter(ctx, q.Group, q.Bundles, q.Since, q.Until)
	if err != nil {
		return MetricsReport{}, err
	}
	accs, err := s.aggregate(ctx, f, window, func(d *store.ExposedDecision) (string, string, string) {
		return d.Bundle + "\x00" + d.Variant, d.Bundle, d.Variant
	})
	if err != nil {
		return MetricsReport{}, err
	}
	rep := MetricsReport{AttributionWindow: window.String(), Variants: []VariantMetrics{}}
	keys := make([]string, 0, len(accs))
	for k := range accs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rep.Variants = append(rep.Variants, accs[k].metrics())
	}
	return rep, nil
}

// Compare computes a challenger against the champion.
func (s *Service) Compare(ctx context.Context, q CompareQuery) (Comparison, error) {
	window, err := s.window(q.Window)
	if err != nil {
		return Comparison{}, err
	}
	champ, chall := q.Champion, q.Challenger
	if q.Group != "" && (champ == "" || chall == "") {
		r, err := s.Rollout(q.Group)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Comparison{}, err
		}
		for _, a := range r.Arms {
			if a.Name == ArmChampion && champ == "" {
				champ = a.Bundle
			}
			if a.Name == ArmChallenger && chall == "" {
				chall = a.Bundle
			}
		}
	}
	if champ == "" {
		champ = ArmChampion // the alias
	}
	if chall == "" {
		chall = ArmChallenger
	}
	f, err := s.filter(ctx, q.Group, []string{champ, chall}, q.Since, q.Until)
	if err != nil {
		return Comparison{}, err
	}
	if f.Bundles[0] == f.Bundles[1] {
		return Comparison{}, invalidf("challenger", "is the same bundle as the champion")
	}
	accs, err := s.aggregate(ctx, f, window, func(d *store.ExposedDecision) (string, string, string) {
		return d.Bundle, d.Bundle, "*"
	})
	if err != nil {
		return Comparison{}, err
	}
	get := func(digest string) *acc {
		if a := accs[digest]; a != nil {
			return a
		}
		return &acc{bundle: digest, variant: "*", actions: map[string]int64{}}
	}
	a, b := get(f.Bundles[0]), get(f.Bundles[1])
	return Comparison{
		AttributionWindow:      window.String(),
		Champion:               a.metrics(),
		Challenger:             b.metrics(),
		ConversionRateDiff:     diffProportions(b.conv, b.exposures, a.conv, a.exposures),
		RevenuePerExposureDiff: diffMeans(b.rev, a.rev),
		ProfitPerExposureDiff:  diffMeans(b.profit, a.profit),
	}, nil
}

// ParseBundleList splits a comma-separated list of references.
func ParseBundleList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
