package fused

import (
	"os/exec"
	"strings"
	"testing"
)

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
