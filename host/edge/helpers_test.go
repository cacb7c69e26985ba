package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/edge/bundlesync"
	"github.com/edgescore/edgescore/host/edge/profile"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/internal/bundletest"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
)

var quiet = slog.New(slog.DiscardHandler)

func testKeys(tb testing.TB) *profile.Keyring {
	k, err := profile.NewKeyring(400*24*time.Hour, profile.Key{ID: "t1", Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// specJSON is the test bundle in the JSON authoring format (the logistic
// model only: the authoring format embeds trees as XGBoost JSON), with id.
func specJSON(tb testing.TB, id string, mutate func(*bundle.Spec)) []byte {
	s := bundletest.Spec()
	s.ID = id
	s.Propensity.GBDT = nil
	s.Propensity.Logistic.Blend = 1
	if mutate != nil {
		mutate(s)
	}
	data, err := json.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// nativeValidator is the control plane validator the tests run: strict
// decode, compile, binary encoding.
type nativeValidator struct{}

func (nativeValidator) Validate(_ context.Context, src []byte) ([]byte, controlplane.BundleInfo, error) {
	spec, _, err := jsonform.LoadBundle(src)
	if err != nil {
		return nil, controlplane.BundleInfo{}, err
	}
	bin, err := bundle.Encode(spec)
	return bin, controlplane.BundleInfo{Validator: "edge-test-native"}, err
}

func binaryOf(tb testing.TB, src []byte) []byte {
	bin, _, err := nativeValidator{}.Validate(context.Background(), src)
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var (
	rtOnce sync.Once
	rt     host.Runtime
)

// factory returns engines on one shared wazero runtime (the guest is
// compiled once per test binary); debug selects the guest with the trap
// and spin hooks.
func factory(tb testing.TB, debug bool) *PoolFactory {
	rtOnce.Do(func() {
		r, err := wazerohost.New(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		rt = r
	})
	wasm := guesttest.Module(tb)
	if debug {
		wasm = guesttest.DebugModule(tb)
	}
	return &PoolFactory{Runtime: rt, Wasm: wasm, Options: []host.Option{host.WithSize(2), host.WithLogger(quiet)}}
}

// armSpec is one arm of a test plan.
type armSpec struct {
	name   string
	bin    []byte
	weight int
}

func planOf(seq uint64, kill bool, arms ...armSpec) *bundlesync.Plan {
	m := &controlplane.Manifest{Group: "g", Sequence: seq, Salt: "salt-1", KillSwitch: kill}
	p := &bundlesync.Plan{Manifest: m, Bundles: map[string][]byte{}}
	for _, a := range arms {
		d := digestOf(a.bin)
		m.Arms = append(m.Arms, controlplane.ManifestArm{Name: a.name, Bundle: d, Weight: a.weight})
		p.Bundles[d] = a.bin
	}
	return p
}

// sink is an EventSink that keeps events.
type sink struct {
	mu     sync.Mutex
	events []map[string]any
}

func (s *sink) Add(ev []byte) error {
	var m map[string]any
	if err := json.Unmarshal(ev, &m); err != nil {
		panic("edge emitted invalid JSON: " + string(ev))
	}
	s.mu.Lock()
	s.events = append(s.events, m)
	s.mu.Unlock()
	return nil
}

func (s *sink) byType(typ string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, e := range s.events {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

// origin is a shop that records the edge headers of each request.
type origin struct {
	mu      sync.Mutex
	headers []http.Header
	respond func(w http.ResponseWriter, r *http.Request)
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.headers = append(o.headers, r.Header.Clone())
	f := o.respond
	o.mu.Unlock()
	if f != nil {
		f(w, r)
		return
	}
	io.WriteString(w, "<html>offer: "+r.Header.Get(hOffer)+"</html>")
}

func (o *origin) last() http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.headers) == 0 {
		return nil
	}
	return o.headers[len(o.headers)-1]
}

type fixture struct {
	srv    *Server
	edge   *httptest.Server
	origin *origin
	osrv   *httptest.Server
	events *sink
}

// newFixture runs an edge in front of a recording origin. mutate may
// change the config; the server has engines from factory(debug).
func newFixture(t *testing.T, debug bool, mutate func(*Config)) *fixture {
	t.Helper()
	f := &fixture{origin: &origin{}, events: &sink{}}
	f.osrv = httptest.NewServer(f.origin)
	t.Cleanup(f.osrv.Close)
	cfg := DefaultConfig()
	cfg.Keys = testKeys(t)
	cfg.Origin, _ = url.Parse(f.osrv.URL)
	cfg.Logger = quiet
	// Far beyond any decision, so that only budget tests (which set their
	// own) fail open for time: -race and a busy machine make a decision
	// take tens of milliseconds, and a stalled one longer.
	cfg.Budget = 10 * time.Second
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg, Deps{Engines: factory(t, debug), Events: f.events})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.edge = httptest.NewServer(srv)
	t.Cleanup(func() {
		f.edge.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	return f
}

func (f *fixture) apply(t *testing.T, p *bundlesync.Plan) {
	t.Helper()
	if err := f.srv.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// get requests path through the edge with the given cookies and headers.
func (f *fixture) get(t *testing.T, path string, cookies []*http.Cookie, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", f.edge.URL+path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (f *fixture) decide(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(f.edge.URL+"/v1/decide", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("answer %q: %v", data, err)
	}
	return resp.StatusCode, m
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	var last *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			last = c
		}
	}
	return last
}

func champion(t *testing.T) []byte { return binaryOf(t, specJSON(t, "champ@1", nil)) }
