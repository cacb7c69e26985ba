package ltv

import (
	"errors"
	"github.com/edgescore/edgescore/module/internal/fmath"
	"math"
)

// Errors returned by the fitting functions.
var (
	errFitData     = errors.New("ltv: fit data invalid (lengths differ, empty, non-finite, negative, or tx > T)")
	errFitNoRepeat = errors.New("ltv: fit data has no customer with a repeat purchase")
	errFitDiverged = errors.New("ltv: maximum-likelihood fit did not reach a finite optimum")
)

// FitBGNBD returns the maximum-likelihood BG/NBD parameters for repeat counts
// x, recencies tx and ages T (one time unit throughout; α comes out in it).
//
// The optimiser is Nelder–Mead on the log-parameters (so positivity needs no
// constraints and α's scale does not matter) minimising the mean negative
// log-likelihood, restarted from its own optimum until a restart no longer
// improves it. Everything is deterministic: fixed start (r = a = b = 1,
// α = mean T), fixed simplex, no randomness.
func FitBGNBD(x, tx, T []float64) (r, alpha, a, b float64, err error) {
	n := len(x)
	if n == 0 || len(tx) != n || len(T) != n {
		return 0, 0, 0, 0, errFitData
	}
	meanT, repeat := 0.0, false
	for i := range x {
		if !finite(x[i]) || !finite(tx[i]) || !finite(T[i]) || x[i] < 0 || tx[i] < 0 || tx[i] > T[i] {
			return 0, 0, 0, 0, errFitData
		}
		meanT += T[i]
		repeat = repeat || x[i] > 0
	}
	if !repeat {
		return 0, 0, 0, 0, errFitNoRepeat
	}
	meanT /= float64(n)
	if !(meanT > 0) {
		meanT = 1
	}
	f := func(th []float64) float64 {
		return -LogLikelihoodBGNBD(fmath.Exp(th[0]), fmath.Exp(th[1]), fmath.Exp(th[2]), fmath.Exp(th[3]), x, tx, T) / float64(n)
	}
	th, v := minimize(f, []float64{0, fmath.Log(meanT), 0, 0})
	if !finite(v) {
		return 0, 0, 0, 0, errFitDiverged
	}
	r, alpha, a, b = fmath.Exp(th[0]), fmath.Exp(th[1]), fmath.Exp(th[2]), fmath.Exp(th[3])
	if !finite(r) || !finite(alpha) || !finite(a) || !finite(b) || r == 0 || alpha == 0 || a == 0 || b == 0 {
		return 0, 0, 0, 0, errFitDiverged
	}
	return r, alpha, a, b, nil
}

// FitGammaGamma returns the maximum-likelihood Gamma-Gamma parameters on the
// customers with x > 0 and zbar > 0 (the others carry no spend information
// and are skipped). Same optimiser as FitBGNBD, started at p = q = 1,
// γ = mean zbar. The result may have q ≤ 1 if the data say so; Params.Validate
// rejects such a q because the population mean is then infinite.
func FitGammaGamma(x, zbar []float64) (p, q, gamma float64, err error) {
	if len(x) != len(zbar) {
		return 0, 0, 0, errFitData
	}
	var xs, zs []float64
	mean := 0.0
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(zbar[i]) || math.IsInf(x[i], 0) || math.IsInf(zbar[i], 0) {
			return 0, 0, 0, errFitData
		}
		if x[i] > 0 && zbar[i] > 0 {
			xs = append(xs, x[i])
			zs = append(zs, zbar[i])
			mean += zbar[i]
		}
	}
	if len(xs) < 2 {
		return 0, 0, 0, errFitNoRepeat
	}
	mean /= float64(len(xs))
	nf := float64(len(xs))
	f := func(th []float64) float64 {
		return -logLikGammaGamma(fmath.Exp(th[0]), fmath.Exp(th[1]), fmath.Exp(th[2]), xs, zs) / nf
	}
	th, v := minimize(f, []float64{0, 0, fmath.Log(mean)})
	if !finite(v) {
		return 0, 0, 0, errFitDiverged
	}
	p, q, gamma = fmath.Exp(th[0]), fmath.Exp(th[1]), fmath.Exp(th[2])
	if !finite(p) || !finite(q) || !finite(gamma) || p == 0 || q == 0 || gamma == 0 {
		return 0, 0, 0, errFitDiverged
	}
	return p, q, gamma, nil
}

// minimize runs Nelder–Mead from x0 and restarts it from the best point found
// until a restart improves the value by less than 1e-13 (relative), at most
// 20 times. Restarting rebuilds a fresh, well-shaped simplex, which guards
// against the method's known stalls on a collapsed simplex.
func minimize(f func([]float64) float64, x0 []float64) ([]float64, float64) {
	x := append([]float64(nil), x0...)
	fx := f(x)
	step := 0.5
	for restart := 0; restart < 20; restart++ {
		nx, nf := nelderMead(f, x, step, 4000)
		improved := fx - nf
		if nf < fx || !finite(fx) {
			x, fx = nx, nf
		}
		step = 0.05
		if restart > 0 && !(improved > 1e-13*(1+math.Abs(fx))) {
			break
		}
	}
	return x, fx
}

// nelderMead minimises f from x0 with an axis-aligned initial simplex of the
// given step, standard coefficients (reflection 1, expansion 2, contraction
// 1/2, shrink 1/2), until the simplex's values agree to 1e-15 relative and
// its extent is below 1e-10, or maxIter iterations.
func nelderMead(f func([]float64) float64, x0 []float64, step float64, maxIter int) ([]float64, float64) {
	n := len(x0)
	pts := make([][]float64, n+1)
	val := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += step
		}
		val[i] = nanToInf(f(pts[i]))
	}
	cen := make([]float64, n)
	xr := make([]float64, n)
	xe := make([]float64, n)
	for it := 0; it < maxIter; it++ {
		// Order: insertion sort keeps ties in a fixed order (determinism).
		for i := 1; i <= n; i++ {
			for j := i; j > 0 && val[j] < val[j-1]; j-- {
				val[j], val[j-1] = val[j-1], val[j]
				pts[j], pts[j-1] = pts[j-1], pts[j]
			}
		}
		ext := 0.0
		for i := 1; i <= n; i++ {
			for k := 0; k < n; k++ {
				ext = math.Max(ext, math.Abs(pts[i][k]-pts[0][k]))
			}
		}
		if math.Abs(val[n]-val[0]) <= 1e-15*(1+math.Abs(val[0])) && ext < 1e-10 {
			break
		}
		for k := 0; k < n; k++ {
			s := 0.0
			for i := 0; i < n; i++ {
				s += pts[i][k]
			}
			cen[k] = s / float64(n)
		}
		for k := range xr {
			xr[k] = cen[k] + (cen[k] - pts[n][k])
		}
		fr := nanToInf(f(xr))
		switch {
		case fr < val[0]:
			for k := range xe {
				xe[k] = cen[k] + 2*(cen[k]-pts[n][k])
			}
			if fe := nanToInf(f(xe)); fe < fr {
				copy(pts[n], xe)
				val[n] = fe
			} else {
				copy(pts[n], xr)
				val[n] = fr
			}
		case fr < val[n-1]:
			copy(pts[n], xr)
			val[n] = fr
		default:
			// Contraction: outside if the reflection improved on the worst,
			// inside otherwise.
			xc := xe
			if fr < val[n] {
				for k := range xc {
					xc[k] = cen[k] + float64(0.5*(xr[k]-cen[k])) // no FMA, see RATIONALE.md
				}
			} else {
				for k := range xc {
					xc[k] = cen[k] + float64(0.5*(pts[n][k]-cen[k])) // no FMA, see RATIONALE.md
				}
			}
			fc := nanToInf(f(xc))
			if fc < math.Min(fr, val[n]) {
				copy(pts[n], xc)
				val[n] = fc
			} else {
				for i := 1; i <= n; i++ {
					for k := range pts[i] {
						pts[i][k] = pts[0][k] + float64(0.5*(pts[i][k]-pts[0][k])) // no FMA, see RATIONALE.md
					}
					val[i] = nanToInf(f(pts[i]))
				}
			}
		}
	}
	best := 0
	for i := 1; i <= n; i++ {
		if val[i] < val[best] {
			best = i
		}
	}
	return pts[best], val[best]
}

func nanToInf(v float64) float64 {
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	return v
}
