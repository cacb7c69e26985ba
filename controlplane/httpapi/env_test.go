package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
	"github.com/edgescore/edgescore/controlplane/httpapi"
	"github.com/edgescore/edgescore/controlplane/store/sqlitestore"
)

// env is a control plane on a real data directory (SQLite file, key files,
// admin token) behind a real HTTP server, that can be stopped and started
// again on the same directory.
type env struct {
	t     testing.TB
	dir   string
	cfg   controlplane.Config
	st    *sqlitestore.Store
	svc   *controlplane.Service
	srv   *httptest.Server
	admin string // bootstrap admin token
	edge  string // a token with scope edge
	read  string // a token with scope read
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t testing.TB, tune ...func(*controlplane.Config)) *env {
	t.Helper()
	cfg := controlplane.DefaultConfig()
	cfg.Logger = quietLogger()
	for _, f := range tune {
		f(&cfg)
	}
	e := &env{t: t, dir: t.TempDir(), cfg: cfg}
	e.start()
	t.Cleanup(e.stop)
	ctx := context.Background()
	var err error
	if e.edge, _, err = e.svc.MintToken(ctx, "test", controlplane.MintRequest{Name: "edge-1", Scopes: []controlplane.Scope{controlplane.ScopeEdge}}); err != nil {
		t.Fatal(err)
	}
	if e.read, _, err = e.svc.MintToken(ctx, "test", controlplane.MintRequest{Name: "analyst", Scopes: []controlplane.Scope{controlplane.ScopeRead}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// start opens the data directory the way `edgescore controlplane` does.
func (e *env) start() {
	e.t.Helper()
	ctx := context.Background()
	signer, err := controlplane.LoadOrCreateSigner(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.st, err = sqlitestore.Open(ctx, filepath.Join(e.dir, "controlplane.db"), sqlitestore.Options{}); err != nil {
		e.t.Fatal(err)
	}
	if e.svc, err = controlplane.New(ctx, e.st, signer, controlplane.StructuralValidator{}, e.cfg); err != nil {
		e.t.Fatal(err)
	}
	secret, created, err := e.svc.BootstrapAdmin(ctx, e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	if created {
		e.admin = secret
	}
	e.srv = httptest.NewServer(httpapi.New(e.svc, httpapi.Options{Logger: quietLogger()}))
}

func (e *env) stop() {
	if e.srv != nil {
		e.srv.CloseClientConnections()
		e.srv.Close()
		e.srv = nil
	}
	if e.st != nil {
		e.st.Close()
		e.st = nil
	}
}

func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

func (e *env) client(token string) *client.Client { return client.New(e.srv.URL, token) }

// call sends one raw request and returns status, headers and body.
func (e *env) call(method, path, token, contentType, body string, hdr ...string) (int, http.Header, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// upload puts a small stand-in bundle in the registry.
func (e *env) upload(name, version string) controlplane.BundleMeta {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"propensity": map[string]any{"id": name + "@" + version}})
	m, _, err := e.client(e.admin).Upload(context.Background(), controlplane.UploadRequest{Name: name, Version: version, Bundle: b})
	if err != nil {
		e.t.Fatalf("upload %s@%s: %v", name, version, err)
	}
	return m
}

// snapshot summarises everything a request could change, to prove that a
// refused request changed nothing.
func (e *env) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	bundles, err1 := e.svc.Bundles(ctx)
	audit, err2 := e.svc.Audit(ctx, "", 1000)
	tokens, err3 := e.svc.Tokens(ctx)
	quarantine, err4 := e.svc.Quarantine(ctx, 1000)
	metrics, err5 := e.svc.Metrics(ctx, controlplane.MetricsQuery{})
	fleet, err6 := e.svc.Fleet(ctx, "")
	aliases, err7 := e.svc.Aliases(ctx)
	for _, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	for i := range fleet.Edges {
		fleet.Edges[i].AgeSeconds = 0
	}
	b, _ := json.Marshal([]any{bundles, audit, tokens, quarantine, metrics, fleet, aliases, e.svc.Rollouts()})
	return string(b)
}

func ts(d time.Duration) string {
	return time.Now().Add(-time.Hour).Add(d).UTC().Format(time.RFC3339Nano)
}

func decisionJSON(id, decision, shopper, bundle string) string {
	return fmt.Sprintf(`{"event_id":%q,"type":"decision","ts":%q,"decision_id":%q,"shopper_id":%q,"group":"eu",`+
		`"bundle_id":%q,"variant":"A","action":"none","action_probability":1,"propensity":0.25,"clv":12.5,"segments":["new"]}`,
		id, ts(0), decision, shopper, bundle)
}

func exposureJSON(id, decision, shopper string) string {
	return fmt.Sprintf(`{"event_id":%q,"type":"exposure","ts":%q,"decision_id":%q,"shopper_id":%q}`, id, ts(time.Second), decision, shopper)
}

func conversionJSON(id, shopper, order string, revenue float64) string {
	return fmt.Sprintf(`{"event_id":%q,"type":"conversion","ts":%q,"shopper_id":%q,"order_id":%q,"revenue":%v,"margin":%v,"discount_cost":0}`,
		id, ts(time.Minute), shopper, order, revenue, revenue/2)
}
