// Package stdmath is a fixture of TestStdMathUsesSeesCalls: two inexact
// uses of package math under another name, and exact ones.
package stdmath

import m "math"

func Logit(p float64) float64 { return m.Log(p / (1 - p)) }

var exp = m.Exp

func Exact(x float64) float64 { return m.Sqrt(m.Abs(x)) + m.Floor(x) + exp(0) }
