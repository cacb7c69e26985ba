package edge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgescore/edgescore/host/edge/internal/prom"
	"github.com/edgescore/edgescore/host/edge/profile"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/shopper"
)

// Deps are the server's collaborators. Engines is required to score (a
// server without it gives default decisions); Events, Sync and Outbox are
// optional.
type Deps struct {
	Engines EngineFactory
	Events  EventSink
	Sync    SyncStatus
	Outbox  OutboxStats
}

// Server is the edge server. It is an http.Handler; Apply (a
// bundlesync.Applier) installs plans.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engines EngineFactory
	events  EventSink
	sync    SyncStatus
	m       metrics
	proxy   *httputil.ReverseProxy
	mux     *http.ServeMux

	plan    atomic.Pointer[plan]
	applyMu sync.Mutex
	states  sync.Pool
	ready   atomic.Bool // set by SetReady; /readyz also needs a plan
}

// New builds a server.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, engines: d.Engines, events: d.Events, sync: d.Sync}
	s.states.New = func() any { return new(state) }
	s.initMetrics()
	if d.Sync != nil {
		s.registerSync(d.Sync)
	}
	if d.Outbox != nil {
		s.registerOutbox(d.Outbox)
	}
	if cfg.Origin != nil {
		s.proxy = s.newProxy()
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v1/decide", s.handleDecide)
	s.mux.HandleFunc("POST /v1/events", s.handleEvents)
	s.mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.HandleFunc("/", s.handlePage)
	s.ready.Store(true)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetReady marks the server ready or not (false while shutting down, so a
// load balancer drains it).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Close closes the engines (after the HTTP server has shut down).
func (s *Server) Close(ctx context.Context) { s.closeEngines(ctx) }

// state is one request's working memory, pooled so a request allocates
// little.
type state struct {
	c    shopper.Context
	v    visit
	o    outcome
	buf  []byte
	body []byte // a request body (POST /v1/decide)
	now  time.Time
}

func (s *Server) getState() *state {
	st := s.states.Get().(*state)
	st.c.Reset()
	st.v = visit{prof: profile.Profile{Affinities: st.v.prof.Affinities[:0]}}
	st.now = s.cfg.Now()
	st.buf = st.buf[:0]
	return st
}

func (s *Server) putState(st *state) {
	st.o.bundle, st.o.arm = nil, nil
	if cap(st.buf) > 64<<10 {
		st.buf = nil
	}
	if cap(st.body) > 16<<10 { // keep the buffers of typical bodies only
		st.body = nil
	}
	s.states.Put(st)
}

// emit queues an event; the outbox never blocks, and a closed one is
// counted.
func (s *Server) emit(typ string, ev []byte) {
	if s.events == nil {
		return
	}
	if err := s.events.Add(ev); err != nil {
		s.m.sinkErr.Inc()
		return
	}
	s.m.events.Add(1, typ)
}

// ---- pages ----

type stateKey struct{}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	if s.proxy == nil {
		http.NotFound(w, r)
		return
	}
	s.m.requests.Add(1, "page")
	st := s.getState()
	defer s.putState(st)
	t0 := time.Now()
	stripEdgeHeaders(r.Header)
	// Only page loads are scored: a GET or HEAD for a document. Assets,
	// form posts and the like go straight through.
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isAsset(r.URL.Path) {
		s.identify(r, st.now, &st.c, &st.v)
		s.assemblePage(r, st.now, &st.c)
		s.decide(r.Context(), &st.c, &st.o)
		s.setDecisionHeaders(r.Header, &st.c, &st.o)
		if st.o.ok {
			st.buf = s.appendDecisionEvent(st.buf[:0], st.now, &st.c, &st.o)
			s.emit("decision", st.buf)
		}
		s.setCookies(w.Header(), st, true)
		s.m.overhead.Observe(time.Since(t0).Seconds())
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	}
	s.proxy.ServeHTTP(w, r)
}

// isAsset tells static files by their extension.
func isAsset(p string) bool {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || i < strings.LastIndexByte(p, '/') {
		return false
	}
	switch p[i+1:] {
	case "css", "js", "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "woff", "woff2", "map", "txt", "xml", "json":
		return true
	}
	return false
}

// setCookies issues the profile cookie to a new shopper and refreshes the
// session cookie.
func (s *Server) setCookies(h http.Header, st *state, session bool) {
	if st.v.newShopper {
		h.Add("Set-Cookie", s.cookie(s.cfg.ProfileCookie, s.cfg.Keys.EncodeProfile(&st.v.prof, st.now), s.cfg.Keys.MaxAge()))
	}
	if session {
		h.Add("Set-Cookie", s.cookie(s.cfg.SessionCookie, s.cfg.Keys.EncodeSession(st.v.session, st.now), profile.SessionIdle))
	}
}

func (s *Server) cookie(name, value string, maxAge time.Duration) string {
	c := http.Cookie{Name: name, Value: value, Path: "/", Domain: s.cfg.CookieDomain, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode}
	return c.String()
}

func (s *Server) newProxy() *httputil.ReverseProxy {
	origin := s.cfg.Origin
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(origin)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
		},
		ModifyResponse: s.onOriginResponse,
		ErrorHandler:   s.onOriginError,
		ErrorLog:       nil,
		FlushInterval:  -1,
	}
}

// onOriginResponse records the exposure of a served page and an order the
// origin reports, refreshing the profile cookie after a purchase.
func (s *Server) onOriginResponse(resp *http.Response) error {
	st, _ := resp.Request.Context().Value(stateKey{}).(*state)
	order := resp.Header.Get(hOrder)
	exposed := resp.Header.Get(hExposed)
	stripEdgeHeaders(resp.Header)
	if st == nil {
		return nil
	}
	if st.o.ok && resp.StatusCode/100 == 2 && exposed != "0" {
		s.emit("exposure", appendExposureEvent(nil, st.now, &st.o.id, st.c.ShopperID))
	}
	if order != "" {
		o, err := ParseOrder(order)
		if err != nil {
			s.log.Warn("edge: ignoring a malformed order header from the origin", "err", err)
			return nil
		}
		s.emit("conversion", appendConversionEvent(nil, st.now, st.c.ShopperID, &o))
		items := make([]profile.Affinity, len(o.Items))
		for i, it := range o.Items {
			items[i] = profile.Affinity{Category: it.Category, Spend: it.Spend}
		}
		p := st.v.prof
		p.Affinities = append([]profile.Affinity(nil), p.Affinities...)
		p.AddPurchase(profile.Day(st.now), o.Revenue, items)
		resp.Header.Add("Set-Cookie", s.cookie(s.cfg.ProfileCookie, s.cfg.Keys.EncodeProfile(&p, st.now), s.cfg.Keys.MaxAge()))
	}
	return nil
}

// onOriginError answers when the origin cannot be reached: a plain 502 the
// shop's CDN can replace with its error page. The decision was logged but
// never exposed, so the outcome metrics are not biased by it.
func (s *Server) onOriginError(w http.ResponseWriter, r *http.Request, err error) {
	s.m.originErr.Inc()
	if !errors.Is(err, context.Canceled) {
		s.log.Warn("edge: origin unreachable", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Retry-After", "5")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	io.WriteString(w, "The shop is not reachable right now; please try again in a moment.\n")
}

// ParseOrder reads the X-Edgescore-Order header:
//
//	id=o-1042; revenue=120.50; margin=40.20; discount=12.05; items=shoes:89.90,socks:30.60
//
// id and revenue are required; margin defaults to 0, discount to 0.
func ParseOrder(v string) (Order, error) {
	var o Order
	o.Margin, o.DiscountCost = 0, 0
	haveRev := false
	for part := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "id":
			o.ID = val
		case "revenue", "margin", "discount":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil || f != f || f < -1e12 || f > 1e12 {
				return Order{}, errors.New("order: " + k + " is not a number")
			}
			switch k {
			case "revenue":
				o.Revenue, haveRev = f, true
			case "margin":
				o.Margin = f
			case "discount":
				o.DiscountCost = f
			}
		case "items":
			for it := range strings.SplitSeq(val, ",") {
				c, sp, ok := strings.Cut(it, ":")
				f, err := strconv.ParseFloat(sp, 64)
				if ok && err == nil && c != "" && f > 0 && len(o.Items) < 16 {
					o.Items = append(o.Items, OrderItem{Category: c, Spend: f})
				}
			}
		}
	}
	if o.ID == "" || len(o.ID) > 120 || !haveRev || o.Revenue < 0 || o.DiscountCost < 0 {
		return Order{}, errors.New("order: id and a non-negative revenue are required")
	}
	return o, nil
}

// ---- API ----

// maxContextBody bounds a /v1/decide body.
const maxContextBody = 64 << 10

// errBodyTooLarge is readBody's error for a body over its limit.
var errBodyTooLarge = errors.New("body too large")

// readBody appends r's bytes to buf, up to max bytes (errBodyTooLarge
// beyond). Unlike io.ReadAll it reuses buf, so a request state's buffer
// serves request after request.
func readBody(buf []byte, r io.Reader, max int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), max+1)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return buf, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (s *Server) handleDecide(w http.ResponseWriter, r *http.Request) {
	s.m.requests.Add(1, "decide")
	st := s.getState()
	defer s.putState(st)
	t0 := time.Now()
	body, err := readBody(st.body[:0], r.Body, maxContextBody)
	st.body = body
	if err != nil {
		http.Error(w, `{"error":"body missing or larger than 64 KiB"}`, http.StatusRequestEntityTooLarge)
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		// ParseContext copies the strings it keeps, so body can be reused.
		if err := jsonform.ParseContext(body, &st.c); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			st.buf = append(st.buf[:0], `{"error":`...)
			st.buf = jsonform.AppendString(st.buf, err.Error())
			st.buf = append(st.buf, "}\n"...)
			w.Write(st.buf)
			return
		}
	}
	// The body wins; the cookie supplies the shopper and their history when
	// the body has none, and the geo headers the place.
	if st.c.ShopperID == "" {
		var c2 shopper.Context
		c2.Reset()
		s.identify(r, st.now, &c2, &st.v)
		st.c.ShopperID, st.c.Known = c2.ShopperID, c2.Known
		if shopper.IsMissing(st.c.History.Frequency) {
			st.c.History = c2.History
		}
		if shopper.IsMissing(st.c.Session.Pageviews) {
			st.c.Session.Pageviews, st.c.Session.Minutes = c2.Session.Pageviews, c2.Session.Minutes
		}
		s.setCookies(w.Header(), st, false)
	}
	s.assemblePlace(r, st.now, &st.c)
	s.decide(r.Context(), &st.c, &st.o)
	if st.o.ok {
		st.buf = s.appendDecisionEvent(st.buf[:0], st.now, &st.c, &st.o)
		s.emit("decision", st.buf)
	}
	st.buf = s.appendDecisionJSON(st.buf[:0], &st.c, &st.o)
	st.buf = append(st.buf, '\n')
	s.m.overhead.Observe(time.Since(t0).Seconds())
	w.Header().Set("Content-Type", "application/json")
	w.Write(st.buf)
}

// handleEvents accepts exposures and conversions from the shop or its app
// (NDJSON or a JSON array, the control plane's schema) and queues them with
// the decision logs. Only the type is checked here; the control plane
// validates each event and quarantines bad ones.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	s.m.requests.Add(1, "events")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil || len(body) > 1<<20 {
		http.Error(w, `{"error":"body larger than 1 MiB"}`, http.StatusRequestEntityTooLarge)
		return
	}
	evs, err := splitEvents(body)
	if err != nil {
		http.Error(w, string(jsonform.AppendString([]byte(`{"error":`), err.Error()))+`}`, http.StatusBadRequest)
		return
	}
	for _, e := range evs {
		s.emit(e.typ, e.raw)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"queued":`+strconv.Itoa(len(evs))+"}\n")
}

// ---- operations ----

func (s *Server) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", prom.ContentType)
	s.m.reg.WriteTo(w)
}

// handleReady is 200 when the server is scoring with a plan (or scoring is
// off), 503 otherwise; page requests are served either way (fail-open),
// so a load balancer may route to a not-ready edge in an emergency.
func (s *Server) handleReady(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch p := s.plan.Load(); {
	case !s.ready.Load():
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "shutting down\n")
	case !s.cfg.Scoring:
		io.WriteString(w, "ready (scoring off)\n")
	case p == nil:
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "no bundle yet: serving default decisions\n")
	default:
		io.WriteString(w, "ready: manifest "+strconv.FormatUint(p.seq, 10)+"\n")
	}
}

// Stats are counters for summaries (the demo prints them).
type Stats struct {
	Decisions map[[4]string]uint64 // arm, variant, action, tier
	Segments  map[string]uint64
	FailOpen  map[string]uint64
	Latency   LatencySummary
	Sequence  uint64
}

// LatencySummary are quantiles of the decision latency (bucket bounds).
type LatencySummary struct {
	Count         uint64
	P50, P99, Max float64
}

// Stats returns a snapshot of the decision counters.
func (s *Server) Stats() Stats {
	st := Stats{Decisions: map[[4]string]uint64{}, Segments: map[string]uint64{}, FailOpen: map[string]uint64{}}
	s.m.decisions.Each(func(v []string, n uint64) { st.Decisions[[4]string{v[0], v[1], v[2], v[3]}] = n })
	s.m.segments.Each(func(v []string, n uint64) { st.Segments[v[0]] = n })
	s.m.failOpen.Each(func(v []string, n uint64) { st.FailOpen[v[0]] = n })
	st.Latency = LatencySummary{Count: s.m.latency.Count(), P50: s.m.latency.Quantile(0.5), P99: s.m.latency.Quantile(0.99)}
	if p := s.plan.Load(); p != nil {
		st.Sequence = p.seq
	}
	return st
}
