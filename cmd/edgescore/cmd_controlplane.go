package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/corevalidator"
	"github.com/edgescore/edgescore/controlplane/httpapi"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
	"github.com/edgescore/edgescore/host"
)

func init() {
	register("controlplane", command{
		summary: "run the control plane service (registry, rollouts, distribution, outcomes, metrics)",
		run:     runControlPlane,
	})
}

// newBundleValidator returns the validator the registry runs on every
// upload: by default the core's (strict decode, compile, encode, smoke
// contexts scored natively and in the wasm guest, which must agree).
func newBundleValidator(ctx context.Context, kind, wasmPath string) (controlplane.BundleValidator, func(), error) {
	switch kind {
	case "wasm":
		wasm, _, err := host.FindGuest(wasmPath)
		if err != nil {
			return nil, nil, err
		}
		v, err := corevalidator.NewWasm(ctx, wasm)
		if err != nil {
			return nil, nil, err
		}
		return v, func() { v.Close(context.Background()) }, nil
	case "native":
		v, err := corevalidator.NewNative()
		return v, func() {}, err
	case "structural":
		// The stand-in: strict JSON and required keys only; bundles it
		// accepts are marked "structural (stand-in)" in the registry.
		return controlplane.StructuralValidator{}, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown -validator %q: want wasm, native or structural", kind)
}

func runControlPlane(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("controlplane", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := controlplane.DefaultConfig()
	dataDir := fs.String("data", "cpdata", "data directory: database, signing key, bootstrap admin token")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	blobBase := fs.String("blob-base-url", def.BlobBaseURL, "URL prefix of bundle downloads in manifests (a CDN origin, or relative)")
	blobAge := fs.Duration("blob-max-age", def.BlobMaxAge, "Cache-Control max-age of bundle downloads")
	window := fs.Duration("attribution-window", def.AttributionWindow, "how long after a decision a conversion is attributed to it")
	maxWatchers := fs.Int("max-watchers", def.MaxWatchers, "maximum concurrent manifest watch streams")
	maxBatch := fs.Int("max-batch", def.MaxBatchEvents, "maximum events per ingestion request")
	staleAfter := fs.Duration("edge-stale-after", def.EdgeStaleAfter, "an edge silent for longer is reported stale")
	rotate := fs.Bool("rotate-key", false, "retire the signing key, create a new one, and exit (run with the service stopped)")
	accessLog := fs.Bool("access-log", false, "log every request")
	validator := fs.String("validator", "wasm", "bundle validation: wasm (core + wasm guest smoke test), native (core only), structural (stand-in: JSON shape only)")
	wasmPath := fs.String("wasm", "", "guest module for -validator wasm (default: $EDGESCORE_WASM, edgescore.wasm beside the binary, out/edgescore.wasm)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	}
	if *rotate {
		oldID, newID, err := controlplane.RotateSigningKey(*dataDir)
		if err != nil {
			fmt.Fprintln(stderr, "controlplane: rotate key:", err)
			return 1
		}
		fmt.Fprintf(stdout, "retired key %s, new key %s; pin both on edges, then start the service\n", oldID, newID)
		return 0
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	bundleValidator, closeValidator, err := newBundleValidator(ctx, *validator, *wasmPath)
	if err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	}
	defer closeValidator()

	signer, err := controlplane.LoadOrCreateSigner(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(*dataDir, "controlplane.db"), sqlitestore.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	}
	defer st.Close()

	cfg := def
	cfg.BlobBaseURL, cfg.BlobMaxAge, cfg.AttributionWindow = *blobBase, *blobAge, *window
	cfg.MaxWatchers, cfg.MaxBatchEvents, cfg.EdgeStaleAfter = *maxWatchers, *maxBatch, *staleAfter
	cfg.Logger = log
	svc, err := controlplane.New(ctx, st, signer, bundleValidator, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	}
	if secret, created, err := svc.BootstrapAdmin(ctx, *dataDir); err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	} else if created {
		fmt.Fprintf(stderr, "created admin token (also in %s, mode 0600; shown only now):\n%s\n",
			filepath.Join(*dataDir, controlplane.AdminTokenFile), secret)
	}
	go svc.Run(ctx)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	}
	srv := &http.Server{
		Handler:           httpapi.New(svc, httpapi.Options{Logger: log, AccessLog: *accessLog}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute, // watch streams lift it for themselves
		IdleTimeout:       2 * time.Minute,
		// Requests, watch streams included, end when the service is told
		// to stop, so Shutdown does not wait for streams that never end.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	log.Info("control plane listening", "addr", ln.Addr().String(), "data", *dataDir,
		"key_id", signer.KeyID(), "validator", *validator)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "controlplane:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fmt.Fprintln(stderr, "controlplane: shutdown:", err)
	}
	return 0
}
