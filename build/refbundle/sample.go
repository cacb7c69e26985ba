package main

import (
	"math"
	"math/rand/v2"
)

// Samplers on top of math/rand/v2 (which has only uniform, normal and
// exponential draws). All take the generator explicitly so that the order
// of draws, and so the data, is fixed by the seed.

// gammaRand draws from Gamma(shape, scale) by Marsaglia and Tsang's method;
// shape < 1 uses the boost Gamma(shape+1)·U^(1/shape).
func gammaRand(r *rand.Rand, shape, scale float64) float64 {
	if shape < 1 {
		u := r.Float64()
		for u == 0 {
			u = r.Float64()
		}
		return gammaRand(r, shape+1, scale) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v * scale
		}
	}
}

// betaRand draws from Beta(a, b).
func betaRand(r *rand.Rand, a, b float64) float64 {
	x := gammaRand(r, a, 1)
	y := gammaRand(r, b, 1)
	return x / (x + y)
}

// pick draws an index with probability proportional to w.
func pick(r *rand.Rand, w []float64) int {
	var total float64
	for _, v := range w {
		total += v
	}
	u := r.Float64() * total
	for i, v := range w {
		if u < v {
			return i
		}
		u -= v
	}
	return len(w) - 1
}

// geometric draws a count ≥ 0 with the given mean.
func geometric(r *rand.Rand, mean float64) int {
	p := 1 / (1 + mean)
	n := 0
	for r.Float64() >= p && n < 10000 {
		n++
	}
	return n
}

func bernoulli(r *rand.Rand, p float64) bool { return r.Float64() < p }

func round(v float64, decimals int) float64 {
	s := math.Pow(10, float64(decimals))
	return math.Round(v*s) / s
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
