// Command loadtest measures what scoring costs the edge: it starts a
// trivial origin and two edge processes in front of it — the same server
// with scoring on and off, the reference bundle applied directly — then
// runs wrk against POST /v1/decide and a proxied page on both, at peak
// (closed loop) and at half of the scoring-on peak (paced), and prints
// throughput, latency percentiles and the edges' resident memory.
//
//	go build -o out/loadtest ./demo/loadtest && out/loadtest -wasm out/edgescore.wasm
//
// Needs wrk on PATH (Debian: apt-get install wrk). Everything runs on
// loopback.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	_ "net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/host/edge"
	"github.com/edgescore/edgescore/host/edge/bundlesync"
	"github.com/edgescore/edgescore/host/edge/outbox"
	"github.com/edgescore/edgescore/host/edge/profile"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
)

func main() {
	role := flag.String("role", "bench", "bench (orchestrates), origin, or edge")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (origin, edge)")
	origin := flag.String("origin", "", "origin URL (edge)")
	scoring := flag.Bool("scoring", true, "score requests (edge)")
	wasm := flag.String("wasm", filepath.Join("out", "edgescore.wasm"), "guest module")
	bundle := flag.String("bundle", filepath.Join("module", "testdata", "reference.esb"), "binary bundle")
	dur := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	conns := flag.Int("c", 32, "wrk connections at peak")
	threads := flag.Int("t", 1, "wrk threads")
	runtimeName := flag.String("runtime", "wazero", "guest runtime of the edge: wazero or wasmtime (cgo builds)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (edge role; for profiling a run)")
	uninterruptible := flag.Bool("uninterruptible", false, "compile the guest without interruption checks (faster; a runaway guest cannot be stopped: for comparison only)")
	flag.Parse()
	var err error
	switch *role {
	case "origin":
		err = runOrigin(*addr)
	case "edge":
		if *pprofAddr != "" {
			go func() { _ = http.ListenAndServe(*pprofAddr, nil) }() // net/http/pprof registers on the default mux
		}
		err = runEdge(*addr, *origin, *scoring, *wasm, *bundle, *runtimeName, *uninterruptible)
	default:
		err = bench(*wasm, *bundle, *dur, *conns, *threads, *runtimeName, *uninterruptible)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// announce prints the listening URL for the parent and serves.
func announce(addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("LISTEN http://%s\n", ln.Addr())
	return (&http.Server{Handler: h}).Serve(ln)
}

// runOrigin is a shop page of realistic size that costs next to nothing.
func runOrigin(addr string) error {
	page := []byte("<!doctype html><html><body>" + strings.Repeat("<p>product text</p>", 200) + "</body></html>")
	return announce(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	}))
}

type discard struct{}

func (discard) Send(context.Context, []byte, int) error { return nil }

func runEdge(addr, originURL string, scoring bool, wasmPath, bundlePath, runtimeName string, uninterruptible bool) error {
	ctx := context.Background()
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	bin, err := os.ReadFile(bundlePath)
	if err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	cfg := edge.DefaultConfig()
	cfg.Origin, _ = url.Parse(originURL)
	cfg.Scoring, cfg.Logger = scoring, log
	keys, _ := profile.NewKeyring(24*time.Hour, profile.Key{ID: "lt", Secret: []byte("load-test-secret-0123456789abcdef")})
	cfg.Keys = keys
	var engines *edge.PoolFactory
	if runtimeName == "wasmtime" {
		rt, err := newWasmtime(ctx)
		if err != nil {
			return err
		}
		if engines, err = edge.NewFactory(ctx, rt, wasm, 0, log); err != nil {
			return err
		}
	} else {
		var opts []wazerohost.Option
		if uninterruptible {
			opts = append(opts, wazerohost.WithInterruptible(false))
		}
		if engines, err = edge.NewWazeroFactory(ctx, wasm, 0, log, opts...); err != nil {
			return err
		}
	}
	// The outbox batches as in production; its sender discards.
	ob, err := outbox.New(outbox.Config{}, discard{})
	if err != nil {
		return err
	}
	srv, err := edge.New(cfg, edge.Deps{Engines: engines, Events: ob, Outbox: ob})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(bin)
	d := hex.EncodeToString(sum[:])
	m := &controlplane.Manifest{Group: "default", Sequence: 1, Salt: "lt", Arms: []controlplane.ManifestArm{{Name: "champion", Bundle: d, Weight: 10000}}}
	if err := srv.Apply(ctx, &bundlesync.Plan{Manifest: m, Bundles: map[string][]byte{d: bin}}); err != nil {
		return err
	}
	return announce(addr, srv)
}

// child runs this program in a role and returns its URL.
func child(args ...string) (*exec.Cmd, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
			go io.Copy(io.Discard, out)
			return cmd, u, nil
		}
	}
	_ = cmd.Process.Kill()
	return nil, "", fmt.Errorf("%v did not start", args)
}

type result struct {
	rps                     float64
	p50, p90, p99           time.Duration
	non2xx, errors, samples int
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reLat     = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+([0-9.]+)(us|ms|s)`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reErrors  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reSamples = regexp.MustCompile(`(\d+) requests in`)
)

func parseDur(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return time.Duration(f * 1e3)
	case "ms":
		return time.Duration(f * 1e6)
	}
	return time.Duration(f * 1e9)
}

// wrk runs one measurement; delayMS > 0 paces each connection.
func wrk(target, script string, conns, threads int, d time.Duration) (result, string, error) {
	args := []string{"-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", d.String(), "--latency", "-s", script, target}
	out, err := exec.Command("wrk", args...).CombinedOutput()
	s := string(out)
	if err != nil {
		return result{}, s, fmt.Errorf("wrk %v: %v\n%s", args, err, s)
	}
	var r result
	if m := reRPS.FindStringSubmatch(s); m != nil {
		r.rps, _ = strconv.ParseFloat(m[1], 64)
	}
	for _, m := range reLat.FindAllStringSubmatch(s, -1) {
		switch m[1] {
		case "50":
			r.p50 = parseDur(m[2], m[3])
		case "90":
			r.p90 = parseDur(m[2], m[3])
		case "99":
			r.p99 = parseDur(m[2], m[3])
		}
	}
	if m := reNon2xx.FindStringSubmatch(s); m != nil {
		r.non2xx, _ = strconv.Atoi(m[1])
	}
	if m := reErrors.FindStringSubmatch(s); m != nil {
		for _, x := range m[1:] {
			n, _ := strconv.Atoi(x)
			r.errors += n
		}
	}
	if m := reSamples.FindStringSubmatch(s); m != nil {
		r.samples, _ = strconv.Atoi(m[1])
	}
	return r, s, nil
}

// scripts writes the wrk Lua scripts: the decide API and a product page,
// each optionally paced (delay in ms per connection).
func scripts(dir string, delayMS int) (decide, page string, err error) {
	ctxJSON := `{"shopper_id":"shp-8f9bd9339b602c09","known":true,"history":{"frequency":2,"recency":120,"tenure":400,"aov":54.2,"total_spend":216.8,"affinities":{"shoes":0.6}},"session":{"page":"product","category":"shoes","sku":"SHO-0001","price":89.9,"cart":[{"sku":"SOCK-2","category":"apparel","qty":2,"unit_price":9.5}],"pageviews":4,"minutes":6.5,"channel":"web","device":"mobile"},"place":{"country":"DE","region":"DE-BE","lat":52.52,"lon":13.4,"hour":21,"weekday":4}}`
	// Pacing: each connection thinks for an exponentially distributed time
	// (mean delayMS) after each response, so arrivals are Poisson-like, as
	// independent shoppers' are. A fixed delay kept the connections in
	// step: they all fired within the same millisecond, and the bursts of
	// ~100 requests, not the rate, set the latency percentiles.
	pace := ""
	if delayMS > 0 {
		pace = fmt.Sprintf("math.randomseed(os.time() + math.floor(os.clock() * 1e6))\n"+
			"function delay() return math.floor(-%d * math.log(1 - math.random()) + 0.5) end\n", delayMS)
	}
	decide = filepath.Join(dir, fmt.Sprintf("decide-%d.lua", delayMS))
	page = filepath.Join(dir, fmt.Sprintf("page-%d.lua", delayMS))
	d := fmt.Sprintf("wrk.method = \"POST\"\nwrk.path = \"/v1/decide\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n%s", ctxJSON, pace)
	p := "wrk.path = \"/p/shoes/SHO-0001\"\n" +
		"wrk.headers[\"Cookie\"] = \"es_cart=SHO-0001~shoes~1~89.90|APP-0002~apparel~2~29.50\"\n" +
		"wrk.headers[\"CF-IPCountry\"] = \"DE\"\nwrk.headers[\"X-Geo-Timezone\"] = \"Europe/Berlin\"\n" +
		"wrk.headers[\"User-Agent\"] = \"Mozilla/5.0 (iPhone) Mobile\"\n" + pace
	if err := os.WriteFile(decide, []byte(d), 0o644); err != nil {
		return "", "", err
	}
	return decide, page, os.WriteFile(page, []byte(p), 0o644)
}

func rssOf(u string) float64 {
	resp, err := http.Get(u + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

func metric(u, name string) string {
	resp, err := http.Get(u + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}

func bench(wasm, bundle string, d time.Duration, conns, threads int, runtimeName string, uninterruptible bool) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is not installed (apt-get install wrk)")
	}
	dir, err := os.MkdirTemp("", "edgescore-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	oc, originURL, err := child("-role", "origin")
	if err != nil {
		return err
	}
	defer oc.Process.Kill()
	on, onURL, err := child("-role", "edge", "-origin", originURL, "-scoring=true", "-wasm", wasm, "-bundle", bundle,
		fmt.Sprintf("-uninterruptible=%v", uninterruptible), "-runtime", runtimeName)
	if err != nil {
		return err
	}
	defer on.Process.Kill()
	off, offURL, err := child("-role", "edge", "-origin", originURL, "-scoring=false", "-wasm", wasm, "-bundle", bundle)
	if err != nil {
		return err
	}
	defer off.Process.Kill()
	decide, page, err := scripts(dir, 0)
	if err != nil {
		return err
	}
	fmt.Printf("loadtest: wrk -t%d -c%d (peak), %v per run, %d CPUs, runtime %s, guest interruptible=%v\n", threads, conns, d, numCPU(), runtimeName, !uninterruptible)
	// Warm up both (JIT-free, but pools, caches and connections).
	for _, u := range []string{onURL, offURL} {
		for _, s := range []string{decide, page} {
			if _, out, err := wrk(u, s, 4, 1, 2*time.Second); err != nil {
				return fmt.Errorf("%v\n%s", err, out)
			}
		}
	}
	type row struct {
		name            string
		script          string
		peakOn, peakOff result
		halfOn, halfOff result
		rate            float64
	}
	rows := []*row{{name: "POST /v1/decide", script: decide}, {name: "GET page (proxied)", script: page}}
	var peakRSS float64
	for _, r := range rows {
		// Peak, closed loop; on and off interleaved in the same run.
		if r.peakOff, _, err = wrk(offURL, r.script, conns, threads, d); err != nil {
			return err
		}
		if r.peakOn, _, err = wrk(onURL, r.script, conns, threads, d); err != nil {
			return err
		}
		peakRSS = math.Max(peakRSS, rssOf(onURL))
		// Half of the scoring-on peak, paced: each connection waits a
		// random time, delay ms on average, after each response.
		r.rate = r.peakOn.rps / 2
		const delay = 10
		n := max(1, int(math.Round(r.rate*delay/1000)))
		pd, pp, err := scripts(dir, delay)
		if err != nil {
			return err
		}
		ps := pp
		if r.script == decide {
			ps = pd
		}
		if r.halfOff, _, err = wrk(offURL, ps, n, threads, d); err != nil {
			return err
		}
		if r.halfOn, _, err = wrk(onURL, ps, n, threads, d); err != nil {
			return err
		}
	}
	fmt.Printf("\n%-20s %-22s %12s %9s %9s %9s %8s\n", "request", "run", "req/s", "p50", "p90", "p99", "non-2xx")
	for _, r := range rows {
		for _, x := range []struct {
			run string
			res result
		}{{"peak, scoring off", r.peakOff}, {"peak, scoring on", r.peakOn},
			{fmt.Sprintf("%.0f/s, scoring off", r.rate), r.halfOff}, {fmt.Sprintf("%.0f/s, scoring on", r.rate), r.halfOn}} {
			fmt.Printf("%-20s %-22s %12.0f %9s %9s %9s %8d\n", r.name, x.run, x.res.rps, x.res.p50, x.res.p90, x.res.p99, x.res.non2xx+x.res.errors)
		}
		fmt.Printf("%-20s throughput on/off %.2f (want ≥ 0.80); p99 added at half peak %v (want ≤ 1ms)\n\n", "",
			r.peakOn.rps/r.peakOff.rps, r.halfOn.p99-r.halfOff.p99)
	}
	fmt.Printf("edge (scoring on) resident memory at peak: %.1f MiB; scoring-off edge: %.1f MiB\n", peakRSS/(1<<20), rssOf(offURL)/(1<<20))
	fmt.Printf("scoring-on edge: %s\n", metric(onURL, "edgescore_failopen_total"))
	fmt.Printf("scoring-on edge: %s\n", metric(onURL, "edgescore_guest_memory_bytes"))
	return nil
}

func numCPU() int { return runtime.NumCPU() }
