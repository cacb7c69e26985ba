// Package fused has a multiply-add the compiler may fuse.
package fused

// Dot is a dot product written without rounding points.
func Dot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}
