package corevalidator_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/corevalidator"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
	"github.com/edgescore/edgescore/module/bundle"
)

func reference(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "module", "testdata", "reference.bundle.json"))
	if err != nil {
		t.Skipf("reference bundle: %v", err)
	}
	return data
}

// guest returns the wasm guest module: $EDGESCORE_WASM, else out/ at the
// repository root (`make wasm`); the wasm tests skip without it.
func guest(t *testing.T) []byte {
	t.Helper()
	p := os.Getenv("EDGESCORE_WASM")
	if p == "" {
		p = filepath.Join("..", "..", "out", "edgescore.wasm")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("no guest module (%v): run `make wasm`", err)
	}
	return data
}

func TestSmokeContextsParse(t *testing.T) {
	cs, err := corevalidator.SmokeContexts()
	if err != nil || len(cs) < 10 {
		t.Fatalf("%d smoke contexts, %v", len(cs), err)
	}
}

func testValidator(t *testing.T, v controlplane.BundleValidator, wantValidator string) {
	ref := reference(t)
	ctx := context.Background()
	bin, info, err := v.Validate(ctx, ref)
	if err != nil {
		t.Fatalf("reference bundle refused: %v", err)
	}
	if _, err := bundle.Decode(bin); err != nil {
		t.Fatalf("the binary does not decode: %v", err)
	}
	if info.Validator != wantValidator || info.SmokeContexts < 10 || len(info.Actions) == 0 || len(info.Features) == 0 {
		t.Fatalf("info = %+v", info)
	}
	bin2, _, err := v.Validate(ctx, ref)
	if err != nil || !bytes.Equal(bin, bin2) {
		t.Fatal("Validate is not deterministic: the digest is the bundle's identity")
	}
	for _, c := range []struct{ name, doc, want string }{
		{"unknown field", strings.Replace(string(ref), `"format": 1,`, `"format": 1, "colour": "red",`, 1), "colour"},
		{"not JSON", `{"format": 1,`, ""},
		{"empty object", `{}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := v.Validate(ctx, []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestNative(t *testing.T) {
	v, err := corevalidator.NewNative()
	if err != nil {
		t.Fatal(err)
	}
	testValidator(t, v, "core (native)")
}

func TestWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the wasm guest")
	}
	wasm := guest(t)
	v, err := corevalidator.NewWasm(context.Background(), wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close(context.Background())
	testValidator(t, v, "core (native + wasm)")
}

// The registry with the core's validator: the reference bundle is accepted,
// and the same bundle given as a template plus its XGBoost model is the same
// binary, so the same content-addressed bundle.
func TestRegistryWithCoreValidator(t *testing.T) {
	ctx := context.Background()
	ref := reference(t)
	v, err := corevalidator.NewNative()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "cp.db"), sqlitestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := controlplane.DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := controlplane.New(ctx, st, controlplane.NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32))), v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, created, err := svc.Upload(ctx, "ds", controlplane.UploadRequest{Name: "reference", Version: "1", Bundle: ref})
	if err != nil || !created || m.Info.Validator != "core (native)" {
		t.Fatalf("upload = %+v, %v, %v", m, created, err)
	}
	var doc struct {
		Propensity struct {
			GBDT struct {
				XGBoost json.RawMessage `json:"xgboost"`
			} `json:"gbdt"`
		} `json:"propensity"`
	}
	if err := json.Unmarshal(ref, &doc); err != nil || len(doc.Propensity.GBDT.XGBoost) == 0 {
		t.Fatalf("reference has no propensity.gbdt.xgboost: %v", err)
	}
	m2, created, err := svc.Upload(ctx, "ds", controlplane.UploadRequest{Name: "reference", Version: "1",
		Template: ref, XGBoost: doc.Propensity.GBDT.XGBoost})
	if err != nil || created || m2.Digest != m.Digest {
		t.Fatalf("template + model = %s (created %v, %v), want the stored %s", m2.Digest, created, err, m.Digest)
	}
	_, _, err = svc.Upload(ctx, "ds", controlplane.UploadRequest{Name: "broken", Version: "1",
		Bundle: []byte(strings.Replace(string(ref), `"format": 1,`, `"format": 1, "colour": 1,`, 1))})
	if !errors.Is(err, controlplane.ErrUnprocessable) || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("a bundle with an unknown field: %v", err)
	}
}
