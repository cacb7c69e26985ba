// Package fused finds the fused multiply-add instructions the Go compiler
// emits for a set of packages on the platforms that fuse (see
// build/fmacheck).
package fused

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
)

// Targets are the platforms checked: GOARCH and, for amd64, GOAMD64.
var Targets = []struct{ GOARCH, GOAMD64 string }{
	{"arm64", ""},
	{"amd64", "v3"},
}

// fma matches the fused instructions of arm64 (FMADDD, FMSUBD, FNMADDD,
// FNMSUBD and the single-precision S forms) and amd64 (VFMADD…, VFMSUB…,
// VFNMADD…, VFNMSUB…) in -S output, and the source position on the line.
var (
	fma = regexp.MustCompile(`\s(F(N)?M(ADD|SUB)[DS]|VF(N)?M(ADD|SUB)\w*)\s`)
	pos = regexp.MustCompile(`\(([^()]+\.go:\d+)\)`)
)

// Find compiles pkgs for every target with -gcflags=-S and returns the
// source positions (file:line, with the target) of fused instructions,
// sorted and without duplicates.
func Find(pkgs ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, t := range Targets {
		args := append([]string{"build", "-gcflags=-S", "-o", os.DevNull}, pkgs...)
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+t.GOARCH, "CGO_ENABLED=0")
		if t.GOAMD64 != "" {
			cmd.Env = append(cmd.Env, "GOAMD64="+t.GOAMD64)
		}
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		// -S writes the assembly to stderr.
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go build for %s: %v\n%s", t.GOARCH, err, tail(stderr.Bytes()))
		}
		sc := bufio.NewScanner(&stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if !fma.MatchString(line) {
				continue
			}
			if m := pos.FindStringSubmatch(line); m != nil {
				target := t.GOARCH
				if t.GOAMD64 != "" {
					target += "/" + t.GOAMD64
				}
				seen[m[1]+" ("+target+")"] = true
			}
		}
	}
	sites := make([]string, 0, len(seen))
	for s := range seen {
		sites = append(sites, s)
	}
	sort.Strings(sites)
	return sites, nil
}

func tail(b []byte) []byte {
	if len(b) > 4000 {
		return b[len(b)-4000:]
	}
	return b
}
