package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/internal/bundletest"
)

func TestScoreCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.esb")
	if err := os.WriteFile(path, bundletest.Binary(), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"shopper_id":"shopper-7","seed":1,"session":{"channel":"app","cart_value":120,"pageviews":2}}
{"shopper_id":"shopper-8","seed":2,"known":true,"history":{"frequency":4,"recency":200,"tenure":300,"aov":45}}
`
	var out, errOut bytes.Buffer
	code := run([]string{"score", "--bundle", path}, strings.NewReader(in), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d output lines, want 2:\n%s", len(lines), out.String())
	}
	var d struct {
		Bundle     string   `json:"bundle"`
		Propensity float64  `json:"propensity"`
		Tier       string   `json:"tier"`
		Segments   []string `json:"segments"`
		Action     struct {
			ID          string  `json:"id"`
			Probability float64 `json:"probability"`
		} `json:"action"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &d); err != nil {
		t.Fatalf("%v: %s", err, lines[0])
	}
	// Same values as the scorer's Example (same bundle and context).
	if d.Bundle != "test@1" || d.Tier != "new" || d.Action.ID != "pct10" || len(d.Segments) != 2 {
		t.Fatalf("decision %+v", d)
	}
}

func TestScoreCommandErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "b.esb")
	os.WriteFile(good, bundletest.Binary(), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format":1,"id":"x","featurs":[]}`), 0o644)
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"no bundle flag", []string{"score"}, "", 2, "usage"},
		{"missing file", []string{"score", "--bundle", filepath.Join(dir, "nope")}, "", 1, "no such file"},
		{"bad bundle names the field", []string{"score", "--bundle", bad}, "", 1, `featurs: unknown field (did you mean "features"?)`},
		{"unknown runtime", []string{"score", "--bundle", good, "--runtime", "v9"}, "", 2, `unknown runtime "v9"`},
		{"bad context keeps the good ones", []string{"score", "--bundle", good}, "{\"seed\":1}\n{\"sesion\":{}}\n", 1, "context 2: sesion: unknown field"},
		{"unknown command", []string{"scroe"}, "", 2, `unknown command "scroe"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &out, &errOut)
			if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q, want %q", code, tc.code, errOut.String(), tc.want)
			}
		})
	}
}
