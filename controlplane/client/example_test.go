package client_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
	"github.com/edgescore/edgescore/controlplane/httpapi"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
)

// Upload a bundle, make it the champion of a group, and start a 5% canary of
// a second one, against a control plane running in a temporary directory.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "cp")
	defer os.RemoveAll(dir)
	signer, _ := controlplane.LoadOrCreateSigner(dir)
	st, _ := sqlitestore.Open(ctx, filepath.Join(dir, "controlplane.db"), sqlitestore.Options{})
	defer st.Close()
	cfg := controlplane.DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, _ := controlplane.New(ctx, st, signer, controlplane.StructuralValidator{}, cfg)
	admin, _, _ := svc.BootstrapAdmin(ctx, dir)
	srv := httptest.NewServer(httpapi.New(svc, httpapi.Options{Logger: cfg.Logger}))
	defer srv.Close()

	c := client.New(srv.URL, admin)
	for _, v := range []string{"1", "2"} {
		if _, _, err := c.Upload(ctx, controlplane.UploadRequest{Name: "model", Version: v,
			Bundle: []byte(`{"propensity": {"v": ` + v + `}}`)}); err != nil {
			fmt.Println(err)
		}
	}
	c.Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "model@1"})
	five := 5.0
	r, err := c.Canary(ctx, "eu", controlplane.CanaryRequest{Bundle: "model@2", Percent: &five})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range r.Arms {
		fmt.Printf("%s %.0f%%\n", a.Name, float64(a.Weight)/100)
	}
	_, err = c.Ramp(ctx, "eu", controlplane.RampRequest{})
	fmt.Println(err)
	// Output:
	// challenger 5%
	// champion 95%
	// 400 invalid: percent: required (or steps)
}
