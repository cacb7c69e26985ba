package demo

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
	"github.com/edgescore/edgescore/controlplane/httpapi"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
	"github.com/edgescore/edgescore/host/edge"
	"github.com/edgescore/edgescore/host/edge/outbox"
	"github.com/edgescore/edgescore/host/edge/profile"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
)

// Options configure a demo run.
type Options struct {
	// DataDir holds the control plane's database and keys and the edge's
	// cache and spool. It is emptied at start if it holds an earlier demo.
	DataDir string
	// Bundle is the champion's authoring JSON (the reference bundle).
	Bundle []byte
	// Wasm is the guest module.
	Wasm []byte
	// EdgeAddr is where the shop is opened (through the edge);
	// ControlPlaneAddr and ShopAddr may be ":0"-style.
	EdgeAddr, ControlPlaneAddr, ShopAddr string
	// Shoppers, Workers and Sessions shape the synthetic traffic (Sessions
	// 0: until ctx ends). Canary is the challenger's share in percent.
	Shoppers, Workers int
	Sessions          int64
	Canary            float64
	// Duration stops the traffic after this long (0: no limit).
	Duration time.Duration
	// Every is the summary period (0: no live summary).
	Every time.Duration
	// Out receives the summary; Log the components' logs.
	Out io.Writer
	Log *slog.Logger
	// KeepServing keeps the servers up after the traffic until ctx ends.
	KeepServing bool
	// OnReady is called with the edge's URL once it serves (may be nil).
	OnReady func(edgeURL string)
}

// Result is what a demo run measured.
type Result struct {
	EdgeURL, ControlPlaneURL string
	Edge                     edge.Stats
	Metrics                  controlplane.MetricsReport
	Arms                     map[string]string // digest → arm name
	Driver                   *DriverStats
}

// Validator is the control plane validator of the demo: strict decode,
// compile, binary encoding.
type Validator struct{}

// Validate implements controlplane.BundleValidator.
func (Validator) Validate(_ context.Context, src []byte) ([]byte, controlplane.BundleInfo, error) {
	spec, b, err := jsonform.LoadBundle(src)
	if err != nil {
		return nil, controlplane.BundleInfo{}, err
	}
	bin, err := bundle.Encode(spec)
	info := controlplane.BundleInfo{Validator: "demo (decode, compile, encode)"}
	for i := range b.NumActions() {
		info.Actions = append(info.Actions, b.ActionID(i))
	}
	return bin, info, err
}

// Challenger derives the challenger from the champion's JSON: the same
// models with a policy that explores more and treats fewer shoppers as
// sure buyers, under a new id.
func Challenger(champion []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(champion, &top); err != nil {
		return nil, err
	}
	var id string
	_ = json.Unmarshal(top["id"], &id)
	name, _, _ := strings.Cut(id, "@")
	top["id"], _ = json.Marshal(name + "@challenger")
	top["policy"] = json.RawMessage(`{"epsilon":0.15,"sure_buyer":0.6}`)
	return json.Marshal(top)
}

const marker = ".edgescore-demo"

// prepare empties an earlier demo's data directory (only one with the
// marker file) and creates it.
func prepare(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	} else if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("demo: %s exists and is not a demo data directory; choose another -data", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, marker), nil, 0o600)
}

func listen(addr string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	return ln, "http://" + ln.Addr().String(), nil
}

// Run runs the demo until the traffic is done (and, with KeepServing,
// until ctx ends).
func Run(ctx context.Context, o Options) (*Result, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := prepare(o.DataDir); err != nil {
		return nil, err
	}
	res := &Result{Arms: map[string]string{}}
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	serve := func(ln net.Listener, h http.Handler) {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		closers = append(closers, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
	}

	// 1. The control plane, SQLite in the data directory.
	cpDir := filepath.Join(o.DataDir, "controlplane")
	signer, err := controlplane.LoadOrCreateSigner(cpDir)
	if err != nil {
		return nil, err
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(cpDir, "controlplane.db"), sqlitestore.Options{})
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { st.Close() })
	cfg := controlplane.DefaultConfig()
	cfg.Logger = log.With("component", "controlplane")
	svcCtx, stopSvc := context.WithCancel(context.Background())
	closers = append(closers, stopSvc)
	svc, err := controlplane.New(svcCtx, st, signer, Validator{}, cfg)
	if err != nil {
		return nil, err
	}
	go svc.Run(svcCtx)
	admin, _, err := svc.BootstrapAdmin(ctx, cpDir)
	if err != nil {
		return nil, err
	}
	cpLn, cpURL, err := listen(o.ControlPlaneAddr)
	if err != nil {
		return nil, fmt.Errorf("control plane: %w", err)
	}
	serve(cpLn, httpapi.New(svc, httpapi.Options{Logger: cfg.Logger}))
	res.ControlPlaneURL = cpURL
	api := client.New(cpURL, admin)

	// 2. Register the champion and a challenger; canary the challenger.
	challenger, err := Challenger(o.Bundle)
	if err != nil {
		return nil, fmt.Errorf("demo: bundle: %w", err)
	}
	champ, _, err := api.Upload(ctx, controlplane.UploadRequest{Name: "reference", Version: "1", Bundle: o.Bundle,
		Notes: "trained by build/refbundle on the synthetic shopper data set"})
	if err != nil {
		return nil, fmt.Errorf("demo: registering the champion: %w", err)
	}
	chall, _, err := api.Upload(ctx, controlplane.UploadRequest{Name: "reference", Version: "challenger", Bundle: challenger,
		Parent: champ.Digest, Notes: "same models; explores more, fewer sure buyers"})
	if err != nil {
		return nil, fmt.Errorf("demo: registering the challenger: %w", err)
	}
	const group = "demo"
	if _, err := api.SetPlan(ctx, group, controlplane.PlanRequest{Arms: []controlplane.ArmRequest{
		{Name: controlplane.ArmChampion, Bundle: champ.Digest, Percent: ptr(100.0)}}}); err != nil {
		return nil, err
	}
	if _, err := api.Canary(ctx, group, controlplane.CanaryRequest{Bundle: chall.Digest, Percent: ptr(o.Canary)}); err != nil {
		return nil, err
	}
	res.Arms[champ.Digest], res.Arms[chall.Digest] = controlplane.ArmChampion, controlplane.ArmChallenger
	edgeToken, _, err := api.MintToken(ctx, "demo-edge", controlplane.ScopeEdge)
	if err != nil {
		return nil, err
	}

	// 3. The shop, and the edge in front of it.
	shop := NewShop()
	shopLn, shopURL, err := listen(o.ShopAddr)
	if err != nil {
		return nil, fmt.Errorf("shop: %w", err)
	}
	serve(shopLn, shop)
	ecfg := edge.DefaultConfig()
	ecfg.Origin, _ = url.Parse(shopURL)
	ecfg.Group, ecfg.EdgeID, ecfg.Logger = group, "demo-edge-1", log.With("component", "edge")
	keys, err := profile.LoadOrCreateKeyFile(filepath.Join(o.DataDir, "edge", "cookie.keys"))
	if err != nil {
		return nil, err
	}
	if ecfg.Keys, err = profile.NewKeyring(400*24*time.Hour, keys...); err != nil {
		return nil, err
	}
	engines, err := edge.NewWazeroFactory(ctx, o.Wasm, 0, ecfg.Logger)
	if err != nil {
		return nil, err
	}
	stack, err := edge.OpenStack(ctx, edge.StackOptions{Server: ecfg, ControlPlane: cpURL, Token: edgeToken,
		Keys: []ed25519.PublicKey{signer.PublicKey()}, DataDir: filepath.Join(o.DataDir, "edge"), Engines: engines,
		Outbox: outbox.Config{FlushInterval: 500 * time.Millisecond}, Version: "demo"})
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = stack.Close(cctx)
	})
	edgeLn, edgeURL, err := listen(o.EdgeAddr)
	if err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	serve(edgeLn, stack.Server)
	res.EdgeURL = edgeURL
	deadline := time.Now().Add(30 * time.Second)
	for stack.Server.Stats().Sequence == 0 {
		if time.Now().After(deadline) {
			return nil, errors.New("demo: the edge did not receive its manifest within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintf(o.Out, "\nedgescore demo\n  shop (through the edge): %s/\n  live shoppers:           %s/_demo\n  edge metrics:            %s/metrics\n  control plane:           %s  (admin token in %s)\n\n",
		edgeURL, edgeURL, edgeURL, cpURL, filepath.Join(cpDir, controlplane.AdminTokenFile))
	if o.OnReady != nil {
		o.OnReady(edgeURL)
	}
	fmt.Fprintf(o.Out, "champion   %s  %s\nchallenger %s  %s  on a %.0f%% canary\n\n", champ.Digest[:12], "reference@1", chall.Digest[:12], "reference@challenger", o.Canary)

	// 4. Shoppers, with a live summary.
	drv := NewDriver(edgeURL, o.Shoppers, 42)
	res.Driver = &drv.Stats
	start := time.Now()
	summary := func(final bool) {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if final {
			_ = stack.Outbox.Flush(fctx)
		}
		res.Edge = stack.Server.Stats()
		res.Metrics, _ = api.Metrics(fctx, controlplane.MetricsQuery{Group: group})
		printSummary(o.Out, time.Since(start), res, drv, stack.Outbox.Stats())
	}
	tctx, stopTraffic := context.WithCancel(ctx)
	if o.Duration > 0 {
		tctx, stopTraffic = context.WithTimeout(ctx, o.Duration)
	}
	done := make(chan struct{})
	go func() { drv.Run(tctx, o.Workers, o.Sessions); close(done) }()
	var tick <-chan time.Time
	if o.Every > 0 {
		t := time.NewTicker(o.Every)
		defer t.Stop()
		tick = t.C
	}
loop:
	for {
		select {
		case <-done:
			break loop
		case <-ctx.Done():
			break loop
		case <-tick:
			summary(false)
		}
	}
	stopTraffic()
	<-done
	summary(true)
	if o.KeepServing && ctx.Err() == nil {
		fmt.Fprintf(o.Out, "\nThe synthetic shoppers are done. The shop stays open at %s/ (live shoppers: %s/_demo); Ctrl-C to stop.\n", edgeURL, edgeURL)
		<-ctx.Done()
	}
	return res, nil
}

func ptr[T any](v T) *T { return &v }

// printSummary writes the live summary: decisions by offer and segment,
// outcomes by arm and variant.
func printSummary(w io.Writer, elapsed time.Duration, r *Result, d *Driver, ob outbox.Stats) {
	var total uint64
	byOffer := map[string]uint64{}
	for k, n := range r.Edge.Decisions {
		total += n
		byOffer[k[2]] += n
	}
	var failOpen uint64
	var reasons []string
	for reason, n := range r.Edge.FailOpen {
		failOpen += n
		reasons = append(reasons, fmt.Sprintf("%s %d", reason, n))
	}
	sort.Strings(reasons)
	foText := fmt.Sprint(failOpen)
	if len(reasons) > 0 {
		foText += " (" + strings.Join(reasons, ", ") + ")"
	}
	fmt.Fprintf(w, "── %s ── sessions %d · pages %d · orders %d · abandoned %d · decisions %d (p50 %s, p99 %s) · fail-open %s · events queued %d, sent %d\n",
		elapsed.Round(time.Second), d.Stats.Sessions.Load(), d.Stats.Pages.Load(), d.Stats.Orders.Load(), d.Stats.Abandoned.Load(),
		total, ms(r.Edge.Latency.P50), ms(r.Edge.Latency.P99), foText, ob.Pending+ob.Spooled, ob.Sent)
	offers, segs := top(byOffer, 6), top(r.Edge.Segments, 6)
	fmt.Fprintf(w, "  %-28s %8s   %-24s %8s\n", "offer", "share", "segment", "share")
	for i := range max(len(offers), len(segs)) {
		l, rr := "", ""
		if i < len(offers) {
			l = fmt.Sprintf("  %-28s %7.1f%%", offers[i].k, pctOf(offers[i].n, total))
		} else {
			l = fmt.Sprintf("  %-28s %8s", "", "")
		}
		if i < len(segs) {
			rr = fmt.Sprintf("   %-24s %7.1f%%", segs[i].k, pctOf(segs[i].n, total))
		}
		fmt.Fprintln(w, l+rr)
	}
	fmt.Fprintf(w, "  %-22s %10s %7s %8s %11s %11s %14s\n", "arm / variant", "exposures", "orders", "conv", "revenue", "profit", "profit/expo")
	vs := r.Metrics.Variants
	sort.Slice(vs, func(i, j int) bool {
		if r.Arms[vs[i].Bundle] != r.Arms[vs[j].Bundle] {
			return r.Arms[vs[i].Bundle] > r.Arms[vs[j].Bundle]
		}
		return vs[i].Variant < vs[j].Variant
	})
	for _, v := range vs {
		conv, ppe := 0.0, 0.0
		if v.Exposures > 0 {
			conv = float64(v.Orders) / float64(v.Exposures) * 100
			ppe = v.Profit / float64(v.Exposures)
		}
		fmt.Fprintf(w, "  %-22s %10d %7d %7.2f%% %11.2f %11.2f %14.4f\n", r.Arms[v.Bundle]+" / "+v.Variant,
			v.Exposures, v.Orders, conv, v.Revenue, v.Profit, ppe)
	}
	fmt.Fprintln(w)
}

type kv struct {
	k string
	n uint64
}

func top(m map[string]uint64, n int) []kv {
	var out []kv
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n > out[j].n || out[i].n == out[j].n && out[i].k < out[j].k })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func pctOf(n, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total) * 100
}

func ms(s float64) string {
	if s != s {
		return "-"
	}
	if s > 1e300 {
		return ">25ms"
	}
	return fmt.Sprintf("≤%.2gms", s*1000)
}
