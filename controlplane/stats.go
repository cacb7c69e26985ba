package controlplane

import (
	"math"
	"sort"
)

// z95 is the two-sided 95% quantile of the standard normal distribution.
const z95 = 1.959963984540054

// Interval is an estimate with a 95% confidence interval.
type Interval struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// wilson is the Wilson score interval of a proportion k/n; nil when n == 0.
// It stays inside [0, 1] and behaves at k = 0 and k = n, where the normal
// (Wald) interval collapses to a point.
func wilson(k, n int64) *Interval {
	if n <= 0 {
		return nil
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z95 * z95
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return &Interval{Value: p, Low: math.Max(0, center-half), High: math.Min(1, center+half)}
}

// diffProportions is the Wald interval of p1 − p2 for independent samples;
// nil when either sample is empty.
func diffProportions(k1, n1, k2, n2 int64) *Interval {
	if n1 <= 0 || n2 <= 0 {
		return nil
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	se := math.Sqrt(p1*(1-p1)/float64(n1) + p2*(1-p2)/float64(n2))
	d := p1 - p2
	return &Interval{Value: d, Low: d - z95*se, High: d + z95*se}
}

// moments accumulates a mean and an unbiased variance (Welford).
type moments struct {
	n        int64
	mean, m2 float64
}

func (m *moments) add(x float64) {
	m.n++
	d := x - m.mean
	m.mean += d / float64(m.n)
	m.m2 += d * (x - m.mean)
}

func (m *moments) merge(o moments) {
	if o.n == 0 {
		return
	}
	if m.n == 0 {
		*m = o
		return
	}
	n := m.n + o.n
	d := o.mean - m.mean
	m.mean += d * float64(o.n) / float64(n)
	m.m2 += o.m2 + d*d*float64(m.n)*float64(o.n)/float64(n)
	m.n = n
}

func (m *moments) variance() float64 {
	if m.n < 2 {
		return 0
	}
	return m.m2 / float64(m.n-1)
}

// diffMeans is the normal (Welch) interval of mean1 − mean2; nil when either
// sample has fewer than two values.
func diffMeans(a, b moments) *Interval {
	if a.n < 2 || b.n < 2 {
		return nil
	}
	se := math.Sqrt(a.variance()/float64(a.n) + b.variance()/float64(b.n))
	d := a.mean - b.mean
	return &Interval{Value: d, Low: d - z95*se, High: d + z95*se}
}

// scored is one exposed decision's propensity and whether it converted.
type scored struct {
	p         float64
	converted bool
	id        string // tie-break, so results do not depend on scan order
}

func sortScored(xs []scored) {
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].p != xs[j].p {
			return xs[i].p < xs[j].p
		}
		return xs[i].id < xs[j].id
	})
}

// auc is the area under the ROC curve of score p for the label converted,
// by Mann–Whitney: (R₊ − n₊(n₊+1)/2) / (n₊·n₋), where R₊ is the rank sum of
// the converted, tied scores sharing their mean rank. xs must be sorted by
// p. nil when either class is empty.
func auc(xs []scored) *float64 {
	var npos, nneg int64
	var rankSum float64
	for i := 0; i < len(xs); {
		j := i
		for j < len(xs) && xs[j].p == xs[i].p {
			j++
		}
		mid := float64(i+1+j) / 2 // mean of ranks i+1 … j
		for k := i; k < j; k++ {
			if xs[k].converted {
				npos++
				rankSum += mid
			} else {
				nneg++
			}
		}
		i = j
	}
	if npos == 0 || nneg == 0 {
		return nil
	}
	a := (rankSum - float64(npos)*float64(npos+1)/2) / (float64(npos) * float64(nneg))
	return &a
}

// CalibrationBin compares predicted and observed conversion in one decile.
type CalibrationBin struct {
	Decile         int     `json:"decile"` // 1 (lowest propensity) … 10
	Count          int64   `json:"count"`
	MeanPropensity float64 `json:"mean_propensity"`
	ConversionRate float64 `json:"conversion_rate"`
}

// calibration splits xs (sorted by p) into ten equal-count bins — item of
// rank r (0-based) of n goes to decile ⌊10r/n⌋+1 — and reports each bin's
// mean score and observed rate. Empty bins (n < 10) are left out.
func calibration(xs []scored) []CalibrationBin {
	n := len(xs)
	out := []CalibrationBin{}
	if n == 0 {
		return out
	}
	var bins [10]struct {
		count, conv int64
		sum         float64
	}
	for r, x := range xs {
		b := &bins[10*r/n]
		b.count++
		b.sum += x.p
		if x.converted {
			b.conv++
		}
	}
	for i, b := range bins {
		if b.count == 0 {
			continue
		}
		out = append(out, CalibrationBin{Decile: i + 1, Count: b.count,
			MeanPropensity: b.sum / float64(b.count), ConversionRate: float64(b.conv) / float64(b.count)})
	}
	return out
}
