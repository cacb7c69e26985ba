package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// guest returns the module `make wasm` built (EDGESCORE_WASM, as make test
// sets it, or ../out/edgescore.wasm).
func guest(t *testing.T) []byte {
	p := os.Getenv("EDGESCORE_WASM")
	if p == "" {
		p = filepath.Join("..", "out", "edgescore.wasm")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("no guest module (run make wasm): %v", err)
	}
	return b
}

// TestDemo runs the whole demo briefly: every part comes up, shoppers get
// decisions from both arms, and the control plane counts their outcomes.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	bundle, err := os.ReadFile(filepath.Join("..", "module", "testdata", "reference.bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, Options{DataDir: filepath.Join(t.TempDir(), "demo"), Bundle: bundle, Wasm: guest(t),
		EdgeAddr: "127.0.0.1:0", ControlPlaneAddr: "127.0.0.1:0", ShopAddr: "127.0.0.1:0",
		Shoppers: 50, Workers: 4, Sessions: 150, Canary: 20, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if n := res.Driver.Errors.Load(); n != 0 {
		t.Fatalf("%d shopper requests failed", n)
	}
	arms := map[string]int64{}
	var exposures, orders int64
	for _, v := range res.Metrics.Variants {
		arms[res.Arms[v.Bundle]] += v.Exposures
		exposures += v.Exposures
		orders += v.Orders
	}
	if arms["champion"] == 0 || arms["challenger"] == 0 {
		t.Fatalf("exposures by arm %v: want both arms", arms)
	}
	if orders != res.Driver.Orders.Load() {
		t.Fatalf("control plane counts %d orders, the shoppers placed %d", orders, res.Driver.Orders.Load())
	}
	if !strings.Contains(out.String(), "challenger / control") {
		t.Fatalf("summary lacks the variants:\n%s", out.String())
	}
}

func TestOfferEffect(t *testing.T) {
	for _, tc := range []struct {
		id   string
		pct  float64
		ship bool
	}{
		{"pct10_cart_rescue", 0.10, false}, {"pct5_app", 0.05, false}, {"ship_free_eu", 0, true},
		{"msg_reviews", 0, false}, {"no_offer", 0, false}, {"pctx", 0, false},
	} {
		pct, ship := OfferEffect(tc.id)
		if pct != tc.pct || ship != tc.ship {
			t.Errorf("%s: %v %v", tc.id, pct, ship)
		}
	}
}

func TestChallengerKeepsModels(t *testing.T) {
	champ := []byte(`{"id":"reference@1","policy":{"epsilon":0.05},"propensity":{"gbdt":{"xgboost":{"learner":{"x":1.25}}}}}`)
	c, err := Challenger(champ)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(c, []byte(`"id":"reference@challenger"`)) || !bytes.Contains(c, []byte(`{"learner":{"x":1.25}}`)) ||
		!bytes.Contains(c, []byte(`"epsilon":0.15`)) {
		t.Fatalf("challenger %s", c)
	}
}
