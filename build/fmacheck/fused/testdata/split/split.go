// Package split has the same sum with the product rounded on its own.
package split

// Dot is a dot product whose products are rounding points.
func Dot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += float64(x[i] * y[i])
	}
	return s
}
