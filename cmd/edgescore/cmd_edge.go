package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/edge"
	"github.com/edgescore/edgescore/host/edge/profile"
)

func init() {
	register("edge", command{
		summary: "run the edge server: score every page load in front of a shop",
		run:     runEdge,
	})
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runEdge(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := edge.DefaultConfig()
	listen := fs.String("listen", "127.0.0.1:8000", "listen address")
	origin := fs.String("origin", "", "the shop's origin URL to proxy page requests to (empty: API only)")
	cpURL := fs.String("controlplane", "http://127.0.0.1:8080", "control plane URL")
	token := fs.String("token", os.Getenv("EDGESCORE_TOKEN"), "control plane token with scope edge (default $EDGESCORE_TOKEN)")
	tokenFile := fs.String("token-file", "", "file holding the token")
	var pins listFlag
	fs.Var(&pins, "pin-key", "pinned manifest signing key: a PEM file (e.g. cpdata/signing/ed25519.pub) or base64 raw key; repeatable")
	group := fs.String("group", def.Group, "edge group whose manifest this edge runs")
	edgeID := fs.String("edge-id", "", "this edge's id in heartbeats and events (default: the host name)")
	data := fs.String("data", "edgedata", "data directory: bundle cache, event spool, cookie keys")
	cookieKeys := fs.String("cookie-keys", "", "cookie HMAC keys id:hexsecret,... signing key first (default: DATA/cookie.keys, created)")
	cookieDomain := fs.String("cookie-domain", "", "Domain attribute of the edge's cookies")
	cookieSecure := fs.Bool("cookie-secure", false, "set the Secure attribute on the edge's cookies (HTTPS sites)")
	budget := fs.Duration("budget", def.Budget, "scoring budget per request; past it the request gets the default decision")
	scoring := fs.Bool("scoring", true, "score requests (false: default decisions only, for measuring overhead)")
	wasmPath := fs.String("wasm", "", "guest module (default: $EDGESCORE_WASM, edgescore.wasm beside this binary, out/edgescore.wasm)")
	runtimeName := fs.String("runtime", defaultEdgeRuntime, "WebAssembly runtime: "+runtimeNames())
	poolSize := fs.Int("pool-size", 0, "guest instances per bundle (default: one per CPU, at least 2)")
	var pages listFlag
	fs.Var(&pages, "page", "page pattern <page>=<path>, e.g. product=/p/{category}/{sku}; repeatable (default: "+strings.Join(edge.DefaultPages, " ")+")")
	geoCountry := fs.String("geo-country-header", def.Geo.Country, "request header with the ISO country code")
	geoRegion := fs.String("geo-region-header", def.Geo.Region, "request header with the region")
	geoLat := fs.String("geo-lat-header", def.Geo.Lat, "request header with the latitude")
	geoLon := fs.String("geo-lon-header", def.Geo.Lon, "request header with the longitude")
	geoTZ := fs.String("geo-tz-header", def.Geo.Timezone, "request header with the IANA time zone")
	logJSON := fs.Bool("log-json", false, "log JSON lines instead of text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	fail := func(err error) int { fmt.Fprintln(stderr, "edge:", err); return 1 }

	cfg := def
	cfg.Logger, cfg.Group, cfg.Budget, cfg.Scoring = log, *group, *budget, *scoring
	cfg.CookieDomain, cfg.CookieSecure = *cookieDomain, *cookieSecure
	cfg.Geo = edge.GeoHeaders{Country: *geoCountry, Region: *geoRegion, Lat: *geoLat, Lon: *geoLon, Timezone: *geoTZ}
	cfg.EdgeID = *edgeID
	if cfg.EdgeID == "" {
		host, _ := os.Hostname()
		cfg.EdgeID = sanitizeID(host)
	}
	if *origin != "" {
		u, err := url.Parse(*origin)
		if err != nil {
			return fail(fmt.Errorf("-origin: %w", err))
		}
		cfg.Origin = u
	}
	if len(pages) > 0 {
		cfg.Pages = nil
		for _, p := range pages {
			pp, err := edge.ParsePagePattern(p)
			if err != nil {
				return fail(err)
			}
			cfg.Pages = append(cfg.Pages, pp)
		}
	}
	var keys []profile.Key
	var err error
	if *cookieKeys != "" {
		keys, err = profile.ParseKeys(*cookieKeys)
	} else {
		keys, err = profile.LoadOrCreateKeyFile(filepath.Join(*data, "cookie.keys"))
	}
	if err != nil {
		return fail(err)
	}
	if cfg.Keys, err = profile.NewKeyring(400*24*time.Hour, keys...); err != nil {
		return fail(err)
	}
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fail(err)
		}
		*token = strings.TrimSpace(string(b))
	}
	if len(pins) == 0 {
		return fail(errors.New("-pin-key is required: the control plane's public key (its DATA/signing/ed25519.pub)"))
	}
	pinned, err := parsePins(pins)
	if err != nil {
		return fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wasm, wasmFrom, err := host.FindGuest(*wasmPath)
	if err != nil {
		return fail(err)
	}
	newRT, ok := edgeRuntimes[*runtimeName]
	if !ok {
		return fail(fmt.Errorf("unknown -runtime %q (this build has %s)", *runtimeName, runtimeNames()))
	}
	rt, err := newRT(ctx)
	if err != nil {
		return fail(err)
	}
	engines, err := edge.NewFactory(ctx, rt, wasm, *poolSize, log)
	if err != nil {
		return fail(err)
	}
	st, err := edge.OpenStack(ctx, edge.StackOptions{Server: cfg, ControlPlane: *cpURL, Token: *token, Keys: pinned,
		DataDir: *data, Engines: engines, Version: "dev"})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{Handler: st.Server, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("edge listening", "addr", ln.Addr().String(), "origin", *origin, "controlplane", *cpURL,
		"group", cfg.Group, "edge_id", cfg.EdgeID, "guest", wasmFrom, "budget", cfg.Budget, "scoring", cfg.Scoring)
	fmt.Fprintf(stdout, "edge listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fail(err)
	case <-ctx.Done():
	}
	// SIGTERM: stop being ready, finish requests, flush the outbox.
	log.Info("edge shutting down")
	st.Server.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("edge: shutdown", "err", err)
	}
	if err := st.Close(sctx); err != nil {
		log.Warn("edge: outbox", "err", err)
	}
	return 0
}

// parsePins reads pinned keys: PEM files or base64 raw Ed25519 keys.
func parsePins(pins []string) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for _, p := range pins {
		for _, one := range strings.Split(p, ",") {
			if raw, err := base64.StdEncoding.DecodeString(one); err == nil && len(raw) == ed25519.PublicKeySize {
				out = append(out, ed25519.PublicKey(raw))
				continue
			}
			data, err := os.ReadFile(one)
			if err != nil {
				return nil, fmt.Errorf("-pin-key %s: %w", one, err)
			}
			block, _ := pem.Decode(data)
			if block == nil || block.Type != "PUBLIC KEY" {
				return nil, fmt.Errorf("-pin-key %s: not a PEM PUBLIC KEY", one)
			}
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("-pin-key %s: %w", one, err)
			}
			pub, ok := k.(ed25519.PublicKey)
			if !ok {
				return nil, fmt.Errorf("-pin-key %s: not an Ed25519 key", one)
			}
			out = append(out, pub)
		}
	}
	return out, nil
}

// sanitizeID makes a host name a valid edge id ([A-Za-z0-9._-]{1,64}).
func sanitizeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if len(b) == 0 {
		return "edge"
	}
	return string(b)
}
