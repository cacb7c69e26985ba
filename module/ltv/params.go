package ltv

import "math"

// maxSteps is the largest Params.Steps. It bounds the per-model tables and,
// with the 4-lane series kernels, the work per Score call.
const maxSteps = 64

// Params are the fitted parameters plus how to value a horizon. All times are
// in model periods.
//
// The BG/NBD part (R, Alpha, A, B) is the Fader–Hardie–Lee (2005) model: while
// alive a customer buys at Poisson rate λ ~ Gamma(R, Alpha) and after each
// purchase drops out with probability p ~ Beta(A, B). The Gamma-Gamma part
// (P, Q, Gamma) models the value of one purchase: Gamma(P, ν) with
// ν ~ Gamma(Q, Gamma), independent of the purchase process.
type Params struct {
	R, Alpha, A, B float64 // BG/NBD
	P, Q, Gamma    float64 // Gamma-Gamma
	PeriodDays     float64 // length of one model period in days (7 for the weekly CDNOW fit)
	Horizon        float64 // horizon in periods for ExpectedPurchases and CLV (e.g. 52)
	Steps          int     // number of discounting steps over the horizon (1..64)
	DiscountRate   float64 // annual discount rate, e.g. 0.10
	Margin         float64 // multiplier applied to revenue in CLV (1 = revenue)
}

// FieldError reports an invalid parameter. Field is the parameter's JSON name
// (r, alpha, a, b, p, q, gamma, period_days, horizon, steps, discount_rate,
// margin) so that configuration errors can be traced to the bundle field.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks that the parameters define finite expectations and a usable
// valuation. It returns the first violation as a *FieldError.
//
//   - r, alpha, a, b > 0: the Gamma and Beta mixing distributions must be
//     proper. a > 1 is NOT required: a ≤ 1 only means E[1/p] = ∞, i.e. the
//     expected number of purchases over an infinite lifetime diverges. Over a
//     finite horizon t every expectation is finite for any a, b > 0, because
//     E[Y(t) | λ, p] = (1 - e^(-λpt))/p ≤ λt. The closed form's apparent
//     singularity at a = 1 is removable and evaluated as such (see doc.go).
//   - p, gamma > 0 and q > 1: the Gamma-Gamma population mean p·gamma/(q-1)
//     is finite only for q > 1.
//   - period_days, horizon > 0; steps in [1, 64].
//   - discount_rate in [0, 1] (annual); margin in (0, 1].
//   - every value finite (NaN and ±Inf are rejected).
func (p *Params) Validate() error {
	pos := [...]struct {
		name string
		v    float64
	}{
		{"r", p.R}, {"alpha", p.Alpha}, {"a", p.A}, {"b", p.B}, {"p", p.P},
	}
	for _, f := range pos {
		if err := positive(f.name, f.v); err != nil {
			return err
		}
	}
	if !finite(p.Q) {
		return fieldError("q", "must be finite")
	}
	if !(p.Q > 1) {
		return fieldError("q", "must be > 1 (the Gamma-Gamma mean is infinite otherwise)")
	}
	if err := positive("gamma", p.Gamma); err != nil {
		return err
	}
	if err := positive("period_days", p.PeriodDays); err != nil {
		return err
	}
	if err := positive("horizon", p.Horizon); err != nil {
		return err
	}
	if p.Steps < 1 || p.Steps > maxSteps {
		return fieldError("steps", "must be in [1, 64]")
	}
	if !finite(p.DiscountRate) {
		return fieldError("discount_rate", "must be finite")
	}
	if !(p.DiscountRate >= 0 && p.DiscountRate <= 1) {
		return fieldError("discount_rate", "must be in [0, 1]")
	}
	if !finite(p.Margin) {
		return fieldError("margin", "must be finite")
	}
	if !(p.Margin > 0 && p.Margin <= 1) {
		return fieldError("margin", "must be in (0, 1]")
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func positive(name string, v float64) error {
	if !finite(v) {
		return fieldError(name, "must be finite")
	}
	if !(v > 0) {
		return fieldError(name, "must be > 0")
	}
	return nil
}

// fieldError makes a FieldError. It is not inlined: an allocation inlined
// at each error return made the wasm guest larger for error paths only.
//
//go:noinline
func fieldError(field, msg string) *FieldError { return &FieldError{field, msg} }
