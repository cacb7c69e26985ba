// Package cluster places a shopper in the nearest of k behavioural clusters:
// k-means centroids (scikit-learn's KMeans.cluster_centers_) over a subset of
// the bundle's features, standardized by the training scaler
// (StandardScaler's mean_ and scale_). Missing features are imputed at the
// mean, i.e. 0 after standardizing.
package cluster

import (
	"math"
	"strconv"
)

// Limits.
const (
	MaxClusters = 64
	MaxDims     = 64
)

// Model is a compiled set of centroids; immutable.
type Model struct {
	k, d     int
	features []int     // index of each dimension in the feature vector
	mean     []float64 // per dimension
	invScale []float64 // per dimension
	cent     []float64 // dimension-major: cent[j*k+c]
}

// Error names the field at fault.
type Error struct{ Path, Msg string }

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// New builds a model. features are indexes into the feature vector; mean and
// scale have one entry per feature (scale > 0); centroids has k rows of
// len(features) values each.
func New(features []int, mean, scale []float64, centroids [][]float64) (*Model, error) {
	d := len(features)
	if d == 0 || d > MaxDims {
		return nil, newError("features", "need 1 to "+strconv.Itoa(MaxDims)+" features")
	}
	if len(mean) != d {
		return nil, newError("mean", "has "+strconv.Itoa(len(mean))+" values for "+strconv.Itoa(d)+" features")
	}
	if len(scale) != d {
		return nil, newError("scale", "has "+strconv.Itoa(len(scale))+" values for "+strconv.Itoa(d)+" features")
	}
	k := len(centroids)
	if k < 1 || k > MaxClusters {
		return nil, newError("centroids", "need 1 to "+strconv.Itoa(MaxClusters)+" centroids")
	}
	m := &Model{k: k, d: d, features: append([]int(nil), features...),
		mean: make([]float64, d), invScale: make([]float64, d), cent: make([]float64, d*k)}
	for j := 0; j < d; j++ {
		if !finite(mean[j]) {
			return nil, newError("mean["+strconv.Itoa(j)+"]", "must be finite")
		}
		if !finite(scale[j]) || scale[j] <= 0 {
			return nil, newError("scale["+strconv.Itoa(j)+"]", "must be > 0")
		}
		m.mean[j], m.invScale[j] = mean[j], 1/scale[j]
	}
	for c, row := range centroids {
		if len(row) != d {
			return nil, newError("centroids["+strconv.Itoa(c)+"]", "has "+strconv.Itoa(len(row))+" values for "+strconv.Itoa(d)+" features")
		}
		for j, v := range row {
			if !finite(v) {
				return nil, newError("centroids["+strconv.Itoa(c)+"]["+strconv.Itoa(j)+"]", "must be finite")
			}
			m.cent[j*k+c] = v
		}
	}
	return m, nil
}

// K is the number of clusters.
func (m *Model) K() int { return m.k }

// Nearest returns the nearest centroid and the Euclidean distance to it in
// standardized space. Ties go to the lowest index, as numpy's argmin does.
//
// The loops are swapped (dimensions outer, centroids inner) so the inner
// loop is k independent accumulations with no call and one load each: in a
// wasm probe this took 2.2 µs to 0.8 µs, bit-identical.
func (m *Model) Nearest(x []float32) (int, float64) {
	if m.k == 8 {
		return m.nearest8(x)
	}
	var dist [MaxClusters]float64
	k := m.k
	dd := dist[:k]
	for j, f := range m.features {
		v := float64(x[f])
		if v != v {
			v = 0
		} else {
			v = float64((v - m.mean[j]) * m.invScale[j])
		}
		row := m.cent[j*k : j*k+k]
		for c := range dd {
			t := v - row[c]
			dd[c] += float64(t * t)
		}
	}
	best := 0
	for c := 1; c < k; c++ {
		if dd[c] < dd[best] {
			best = c
		}
	}
	return best, math.Sqrt(dd[best])
}

// nearest8 is Nearest for 8 centroids (the common case) with the
// accumulators in eight variables rather than an array: Go's wasm output
// keeps them in locals instead of loading and storing memory for each
// addition. The arithmetic, and so the result, is Nearest's.
func (m *Model) nearest8(x []float32) (int, float64) {
	var d0, d1, d2, d3, d4, d5, d6, d7 float64
	cent := m.cent[:len(m.features)*8]
	for j, f := range m.features {
		v := float64(x[f])
		if v != v {
			v = 0
		} else {
			v = float64((v - m.mean[j]) * m.invScale[j])
		}
		row := (*[8]float64)(cent[j*8 : j*8+8])
		t0, t1, t2, t3 := v-row[0], v-row[1], v-row[2], v-row[3]
		t4, t5, t6, t7 := v-row[4], v-row[5], v-row[6], v-row[7]
		d0 += float64(t0 * t0)
		d1 += float64(t1 * t1)
		d2 += float64(t2 * t2)
		d3 += float64(t3 * t3)
		d4 += float64(t4 * t4)
		d5 += float64(t5 * t5)
		d6 += float64(t6 * t6)
		d7 += float64(t7 * t7)
	}
	dd := [8]float64{d0, d1, d2, d3, d4, d5, d6, d7}
	best := 0
	for c := 1; c < 8; c++ {
		if dd[c] < dd[best] {
			best = c
		}
	}
	return best, math.Sqrt(dd[best])
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// newError makes an Error. It is not inlined: an allocation inlined at each
// error return made the wasm guest larger for error paths only.
//
//go:noinline
func newError(path, msg string) *Error { return &Error{path, msg} }
