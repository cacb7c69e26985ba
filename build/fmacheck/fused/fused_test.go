package fused

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreHasNoFusedMultiplyAdd is the check of build/fmacheck on the
// scoring core: every product that is summed is rounded on its own, so a
// native decision on arm64 or amd64 v3 is the wasm module's, bit for bit.
func TestCoreHasNoFusedMultiplyAdd(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command:", err)
	}
	sites, err := Find("github.com/edgescore/edgescore/module/...")
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) > 0 {
		t.Fatalf("%d fused multiply-adds in module/; split each product with float64(…):\n  %s",
			len(sites), strings.Join(sites, "\n  "))
	}
}

// TestFindSeesFusion makes sure the check can fail: a package with an
// unsplit x*y + z is reported, and the split form is not.
func TestFindSeesFusion(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command:", err)
	}
	sites, err := Find("./testdata/fused", "./testdata/split")
	if err != nil {
		t.Fatal(err)
	}
	var fused, split int
	for _, s := range sites {
		switch {
		case strings.Contains(s, "testdata/fused/"):
			fused++
		case strings.Contains(s, "testdata/split/"):
			split++
		}
	}
	if fused == 0 || split != 0 {
		t.Fatalf("fused sites %d (want > 0), split sites %d (want 0): %v", fused, split, sites)
	}
}

// TestCoreCallsNoInexactStdMath: the core computes logarithms, exponentials
// and trigonometry with module/internal/fmath, whose bits are the same on
// every platform; package math's are not (see inexact).
func TestCoreCallsNoInexactStdMath(t *testing.T) {
	sites, err := StdMathUses("../../../module")
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) > 0 {
		t.Fatalf("%d uses of inexact package math functions in module/; use module/internal/fmath:\n  %s",
			len(sites), strings.Join(sites, "\n  "))
	}
}

// TestStdMathUsesSeesCalls makes sure that check can fail, also when math
// is imported under another name.
func TestStdMathUsesSeesCalls(t *testing.T) {
	sites, err := StdMathUses("./testdata/stdmath")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"testdata/stdmath/stdmath.go:7: math.Log", "testdata/stdmath/stdmath.go:9: math.Exp"}
	if strings.Join(sites, "|") != strings.Join(want, "|") {
		t.Fatalf("sites %q, want %q", sites, want)
	}
}
