package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/internal/jsonx"
	"github.com/gin-gonic/gin"
)

// Options tune the adapter. The zero value is usable.
type Options struct {
	// Logger receives internal errors and, with AccessLog, one line per
	// request; nil means slog.Default().
	Logger    *slog.Logger
	AccessLog bool
}

// maxRequestBytes bounds ordinary JSON request bodies (not uploads or event
// batches, which have their own limits).
const maxRequestBytes = 1 << 20

type api struct {
	svc *controlplane.Service
	log *slog.Logger
}

// route is one endpoint and the scope it requires ("" for public).
type route struct {
	method, path string
	scope        controlplane.Scope
	h            gin.HandlerFunc
}

// New returns the HTTP handler of the control plane.
func New(svc *controlplane.Service, o Options) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	a := &api{svc: svc, log: o.Logger}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(a.recover)
	if o.AccessLog {
		r.Use(a.accessLog)
	}
	for _, rt := range a.routes() {
		if rt.scope == "" {
			r.Handle(rt.method, rt.path, rt.h)
		} else {
			r.Handle(rt.method, rt.path, a.auth(rt.scope), rt.h)
		}
	}
	r.NoRoute(func(c *gin.Context) {
		writeError(c, http.StatusNotFound, "not_found", "no such endpoint: "+c.Request.Method+" "+c.Request.URL.Path)
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", "method "+c.Request.Method+" is not allowed on "+c.Request.URL.Path)
	})
	return r
}

// Routes lists "METHOD path scope" for every endpoint, for documentation
// checks (the OpenAPI test compares it with openapi.yaml).
func Routes() []string {
	var out []string
	for _, rt := range (&api{}).routes() {
		out = append(out, rt.method+" "+rt.path+" "+string(rt.scope))
	}
	return out
}

func (a *api) routes() []route {
	const (
		admin = controlplane.ScopeAdmin
		edge  = controlplane.ScopeEdge
		read  = controlplane.ScopeRead
	)
	return []route{
		{"GET", "/healthz", "", a.healthz},
		{"GET", "/openapi.yaml", "", a.openapi},
		{"GET", "/v1/keys", "", a.keys},

		{"POST", "/v1/bundles", admin, a.upload},
		{"GET", "/v1/bundles", read, a.listBundles},
		{"GET", "/v1/bundles/:ref", read, a.getBundle},
		{"GET", "/v1/bundles/:ref/source", read, a.getSource},
		{"GET", "/v1/blobs/:digest", edge, a.getBlob},
		{"GET", "/v1/aliases", read, a.listAliases},
		{"PUT", "/v1/aliases/:name", admin, a.setAlias},

		{"GET", "/v1/groups", read, a.listRollouts},
		{"GET", "/v1/groups/:group/rollout", read, a.getRollout},
		{"PUT", "/v1/groups/:group/rollout", admin, a.setPlan},
		{"POST", "/v1/groups/:group/canary", admin, a.canary},
		{"POST", "/v1/groups/:group/ramp", admin, a.ramp},
		{"POST", "/v1/groups/:group/promote", admin, a.promote},
		{"POST", "/v1/groups/:group/rollback", admin, a.rollback},
		{"POST", "/v1/groups/:group/kill", admin, a.kill},
		{"GET", "/v1/audit", read, a.audit},

		{"GET", "/v1/groups/:group/manifest", edge, a.manifest},
		{"GET", "/v1/groups/:group/watch", edge, a.watch},
		{"POST", "/v1/edges/heartbeat", edge, a.heartbeat},
		{"GET", "/v1/fleet", read, a.fleet},

		{"POST", "/v1/events", edge, a.events},
		{"GET", "/v1/quarantine", read, a.quarantine},

		{"GET", "/v1/metrics", read, a.metrics},
		{"GET", "/v1/metrics/compare", read, a.compare},

		{"POST", "/v1/tokens", admin, a.mintToken},
		{"GET", "/v1/tokens", admin, a.listTokens},
		{"DELETE", "/v1/tokens/:id", admin, a.revokeToken},
	}
}

// ---- plumbing ----

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names the error class (a stable code) and says what is wrong.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeError(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// fail maps a service error to its status.
func (a *api) fail(c *gin.Context, err error) {
	type class struct {
		err    error
		status int
		code   string
	}
	for _, k := range []class{
		{controlplane.ErrInvalid, http.StatusBadRequest, "invalid"},
		{controlplane.ErrUnprocessable, http.StatusUnprocessableEntity, "unprocessable"},
		{controlplane.ErrNotFound, http.StatusNotFound, "not_found"},
		{controlplane.ErrStaleSequence, http.StatusConflict, "stale_sequence"},
		{controlplane.ErrConflict, http.StatusConflict, "conflict"},
		{controlplane.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
		{controlplane.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
		{controlplane.ErrForbidden, http.StatusForbidden, "forbidden"},
		{controlplane.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	} {
		if errors.Is(err, k.err) {
			if k.status == http.StatusUnauthorized {
				c.Header("WWW-Authenticate", `Bearer realm="edgescore", error="invalid_token"`)
			}
			if k.status == http.StatusForbidden {
				c.Header("WWW-Authenticate", `Bearer realm="edgescore", error="insufficient_scope"`)
			}
			// The code already names the class: drop the sentinel's
			// own text from the front of the message.
			writeError(c, k.status, k.code, strings.TrimPrefix(err.Error(), k.err.Error()+": "))
			return
		}
	}
	a.log.Error("internal error", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	writeError(c, http.StatusInternalServerError, "internal", "internal error; see the server log")
}

func (a *api) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a.log.Error("panic", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", v)
			if !c.Writer.Written() {
				writeError(c, http.StatusInternalServerError, "internal", "internal error; see the server log")
			}
		}
	}()
	c.Next()
}

func (a *api) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	a.log.Info("request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration", time.Since(start), "actor", actor(c))
}

const principalKey = "principal"

// auth checks the bearer token and scope before the handler runs, so a
// request without the right token never reaches the service.
func (a *api) auth(need controlplane.Scope) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			if h == "" {
				a.fail(c, fmt.Errorf("%w: missing Authorization: Bearer header", controlplane.ErrUnauthenticated))
			} else {
				a.fail(c, fmt.Errorf("%w: Authorization header is not a Bearer token", controlplane.ErrUnauthenticated))
			}
			return
		}
		p, err := a.svc.Authorize(strings.TrimSpace(secret), need)
		if err != nil {
			a.fail(c, err)
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

func actor(c *gin.Context) string {
	if p, ok := c.Get(principalKey); ok {
		return p.(controlplane.Principal).Name
	}
	return ""
}

// bind decodes the JSON body strictly into v; on failure it writes the
// error and returns false.
func (a *api) bind(c *gin.Context, limit int64, v any) bool {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		writeError(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json, not "+ct)
		return false
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			a.fail(c, fmt.Errorf("%w: body exceeds %d bytes", controlplane.ErrTooLarge, limit))
		} else {
			a.fail(c, fmt.Errorf("%w: reading body: %v", controlplane.ErrInvalid, err))
		}
		return false
	}
	if err := jsonx.Decode(data, v, "body"); err != nil {
		a.fail(c, fmt.Errorf("%w: %v", controlplane.ErrInvalid, err))
		return false
	}
	return true
}

// optionalBody is bind for endpoints whose body may be empty.
func (a *api) optionalBody(c *gin.Context, v any) bool {
	if c.Request.ContentLength == 0 {
		return true
	}
	return a.bind(c, maxRequestBytes, v)
}

func queryTime(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, fmt.Errorf("%w: query %s: %q is not an RFC 3339 time", controlplane.ErrInvalid, name, v)
	}
	return t, nil
}

func queryDuration(c *gin.Context, name string) (time.Duration, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: query %s: %q is not a positive duration such as 24h", controlplane.ErrInvalid, name, v)
	}
	return d, nil
}

func queryInt(c *gin.Context, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: query %s: %q is not an integer", controlplane.ErrInvalid, name, v)
	}
	return n, nil
}

// etagMatch implements If-None-Match: a list of entity tags, or "*".
// Weak comparison, as RFC 9110 prescribes for If-None-Match.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if header == etag {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
