package main

import "testing"

// testingTB is embedded so fatalTB satisfies testing.TB; only the methods
// fatalTB defines are called.
type testingTB = testing.TB
