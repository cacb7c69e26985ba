package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/edgescore/edgescore/demo"
	"github.com/edgescore/edgescore/host"
)

func init() {
	register("demo", command{
		summary: "run the whole product locally: control plane, edge, demo shop, synthetic shoppers",
		run:     runDemo,
	})
}

func runDemo(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "demodata", "data directory (emptied at start if it holds an earlier demo)")
	bundlePath := fs.String("bundle", filepath.Join("module", "testdata", "reference.bundle.json"), "champion bundle (JSON authoring format)")
	wasmPath := fs.String("wasm", "", "guest module (default: $EDGESCORE_WASM, edgescore.wasm beside this binary, out/edgescore.wasm)")
	addr := fs.String("addr", "127.0.0.1:8000", "address of the edge, where the shop opens (a free port if taken)")
	cpAddr := fs.String("controlplane-addr", "127.0.0.1:0", "control plane address")
	shopAddr := fs.String("shop-addr", "127.0.0.1:0", "demo shop origin address")
	shoppers := fs.Int("shoppers", 400, "synthetic shoppers (each returns for several sessions)")
	workers := fs.Int("workers", 4, "concurrent sessions")
	sessions := fs.Int64("sessions", 0, "stop the traffic after this many sessions (0: use -duration)")
	duration := fs.Duration("duration", 60*time.Second, "stop the traffic after this long (0: until Ctrl-C)")
	canary := fs.Float64("canary", 20, "challenger's share in percent")
	every := fs.Duration("every", 3*time.Second, "period of the live summary")
	exit := fs.Bool("exit", false, "exit when the traffic is done instead of keeping the shop open")
	open := fs.Bool("open", true, "open the shop in a browser when there is a display")
	verbose := fs.Bool("v", false, "log the components' messages")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "demo:", err); return 1 }
	bundle, err := os.ReadFile(*bundlePath)
	if err != nil {
		return fail(fmt.Errorf("%w (run from the repository root, or pass -bundle)", err))
	}
	wasm, _, err := host.FindGuest(*wasmPath)
	if err != nil {
		return fail(err)
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if ln, err := net.Listen("tcp", *addr); err != nil {
		fmt.Fprintf(stderr, "demo: %s is taken (%v); using a free port\n", *addr, err)
		*addr = "127.0.0.1:0"
	} else {
		ln.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opened := false
	out := &openOnce{w: stdout, open: func(url string) {
		if *open && !opened && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "") {
			opened = true
			if p, err := exec.LookPath("xdg-open"); err == nil {
				_ = exec.Command(p, url).Start()
			}
		}
	}}
	res, err := demo.Run(ctx, demo.Options{DataDir: *data, Bundle: bundle, Wasm: wasm,
		EdgeAddr: *addr, ControlPlaneAddr: *cpAddr, ShopAddr: *shopAddr,
		Shoppers: *shoppers, Workers: *workers, Sessions: *sessions, Duration: *duration, Canary: *canary,
		Every: *every, Out: out, Log: log, KeepServing: !*exit, OnReady: out.ready})
	if err != nil {
		return fail(err)
	}
	if res.Driver.Errors.Load() > 0 {
		fmt.Fprintf(stderr, "demo: %d shopper requests failed\n", res.Driver.Errors.Load())
	}
	return 0
}

// openOnce is the demo's output; it opens a browser on the shop once the
// edge is up.
type openOnce struct {
	w    io.Writer
	open func(string)
}

func (o *openOnce) Write(p []byte) (int, error) { return o.w.Write(p) }
func (o *openOnce) ready(edgeURL string)        { o.open(edgeURL + "/") }
