package ltv

import (
	"math"

	"github.com/edgescore/edgescore/module/internal/fmath"
)

// ExpectedAOV returns the Gamma-Gamma conditional mean value of a purchase
// for a customer with x repeat purchases of mean value zbar (Fader, Hardie &
// Lee 2005, "RFM and CLV"):
//
//	E[Z | x, zbar] = p(γ + x·zbar)/(p·x + q - 1)
//	               = (1-ω)·pγ/(q-1) + ω·zbar,   ω = p·x/(p·x + q - 1),
//
// a credibility-weighted average of the population mean pγ/(q-1) and the
// customer's own mean. It is computed in the weighted form, which stays exact
// for huge x. With no information (x ≤ 0, x or zbar NaN) it is the population
// mean. x is truncated to an integer count as in Score; negative zbar is
// treated as 0 and +Inf zbar as MaxFloat64.
func (m *Model) ExpectedAOV(x, zbar float64) float64 {
	pop := m.popAOV
	if !(x >= 1) || math.IsNaN(zbar) {
		return pop
	}
	x = math.Floor(math.Min(x, maxCount))
	if !(zbar > 0) {
		zbar = 0
	}
	zbar = math.Min(zbar, math.MaxFloat64)
	// float64(…): no FMA on any platform, see RATIONALE.md.
	px := float64(m.p.P * x)
	den := px + m.p.Q - 1
	return clampOut(float64((m.p.Q-1)/den*pop) + float64(px/den*zbar))
}

// logLikGammaGamma is the Gamma-Gamma log-likelihood of (p, q, γ) on
// customers with x > 0 and zbar > 0 (the density of the mean of x purchase
// values):
//
//	ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln zbar + px ln x - (px+q) ln(γ + x·zbar).
func logLikGammaGamma(p, q, g float64, x, zbar []float64) float64 {
	if !(p > 0 && q > 0 && g > 0) || !finite(p) || !finite(q) || !finite(g) {
		return math.Inf(-1)
	}
	lq, _ := fmath.Lgamma(q)
	// float64(…): no FMA on any platform, see RATIONALE.md.
	base := float64(q*fmath.Log(g)) - lq
	ll := 0.0
	for i := range x {
		xi, zi := x[i], zbar[i]
		px := float64(p * xi)
		l1, _ := fmath.Lgamma(px + q)
		l2, _ := fmath.Lgamma(px)
		ll += base + l1 - l2 + float64((px-1)*fmath.Log(zi)) + float64(px*fmath.Log(xi)) - float64((px+q)*fmath.Log(g+float64(xi*zi)))
	}
	return ll
}
