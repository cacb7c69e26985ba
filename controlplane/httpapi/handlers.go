package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/gin-gonic/gin"
)

// ---- public ----

func (a *api) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "watchers": a.svc.Watchers()})
}

func (a *api) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml", controlplane.OpenAPI())
}

func (a *api) keys(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"keys": a.svc.Keys()})
}

// ---- registry ----

func (a *api) upload(c *gin.Context) {
	var req controlplane.UploadRequest
	// An upload carries the bundle, or a template and a model: allow for
	// both plus the envelope.
	if !a.bind(c, 2*a.svc.Config().MaxBundleBytes+(64<<10), &req) {
		return
	}
	m, created, err := a.svc.Upload(c.Request.Context(), actor(c), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Header("Location", "/v1/bundles/"+m.Digest)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, m)
}

func (a *api) listBundles(c *gin.Context) {
	bs, err := a.svc.Bundles(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"bundles": bs})
}

func (a *api) getBundle(c *gin.Context) {
	m, err := a.svc.Bundle(c.Request.Context(), c.Param("ref"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

func (a *api) getSource(c *gin.Context) {
	src, err := a.svc.BundleSource(c.Request.Context(), c.Param("ref"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json", src)
}

// getBlob serves a bundle binary at its content address. The bytes behind a
// digest can never change, so any cache (a CDN included) may keep them for
// good.
func (a *api) getBlob(c *gin.Context) {
	digest := c.Param("digest")
	if !controlplane.IsDigest(digest) {
		a.fail(c, fmt.Errorf("%q is not a sha256 digest: %w", digest, controlplane.ErrNotFound))
		return
	}
	etag := `"` + digest + `"`
	m, err := a.svc.Bundle(c.Request.Context(), digest)
	if err != nil {
		a.fail(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, immutable", int(a.svc.Config().BlobMaxAge.Seconds())))
	h.Set("ETag", etag)
	h.Set("X-Edgescore-Key-Id", m.KeyID)
	h.Set("X-Edgescore-Signature", m.Signature)
	if etagMatch(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	data, err := a.svc.BundleBinary(c.Request.Context(), digest)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/octet-stream", data)
}

func (a *api) listAliases(c *gin.Context) {
	as, err := a.svc.Aliases(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"aliases": as})
}

// AliasRequest is the body of PUT /v1/aliases/{name}.
type AliasRequest struct {
	Bundle string `json:"bundle"`
}

func (a *api) setAlias(c *gin.Context) {
	var req AliasRequest
	if !a.bind(c, maxRequestBytes, &req) {
		return
	}
	al, err := a.svc.SetAlias(c.Request.Context(), actor(c), c.Param("name"), req.Bundle)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, al)
}

// ---- rollouts ----

func (a *api) listRollouts(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"groups": a.svc.Rollouts()})
}

func (a *api) getRollout(c *gin.Context) {
	r, err := a.svc.Rollout(c.Param("group"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (a *api) rolloutResult(c *gin.Context, r controlplane.Rollout, err error) {
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (a *api) setPlan(c *gin.Context) {
	var req controlplane.PlanRequest
	if a.bind(c, maxRequestBytes, &req) {
		r, err := a.svc.SetPlan(c.Request.Context(), actor(c), c.Param("group"), req)
		a.rolloutResult(c, r, err)
	}
}

func (a *api) canary(c *gin.Context) {
	var req controlplane.CanaryRequest
	if a.bind(c, maxRequestBytes, &req) {
		r, err := a.svc.Canary(c.Request.Context(), actor(c), c.Param("group"), req)
		a.rolloutResult(c, r, err)
	}
}

func (a *api) ramp(c *gin.Context) {
	var req controlplane.RampRequest
	if a.bind(c, maxRequestBytes, &req) {
		r, err := a.svc.Ramp(c.Request.Context(), actor(c), c.Param("group"), req)
		a.rolloutResult(c, r, err)
	}
}

func (a *api) promote(c *gin.Context) {
	var req controlplane.PromoteRequest
	if a.optionalBody(c, &req) {
		r, err := a.svc.Promote(c.Request.Context(), actor(c), c.Param("group"), req)
		a.rolloutResult(c, r, err)
	}
}

func (a *api) rollback(c *gin.Context) {
	var req controlplane.RollbackRequest
	if a.optionalBody(c, &req) {
		r, err := a.svc.Rollback(c.Request.Context(), actor(c), c.Param("group"), req)
		a.rolloutResult(c, r, err)
	}
}

func (a *api) kill(c *gin.Context) {
	var req controlplane.KillRequest
	if a.bind(c, maxRequestBytes, &req) {
		r, err := a.svc.Kill(c.Request.Context(), actor(c), c.Param("group"), req)
		a.rolloutResult(c, r, err)
	}
}

func (a *api) audit(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		a.fail(c, err)
		return
	}
	es, err := a.svc.Audit(c.Request.Context(), c.Query("group"), limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": es})
}

// ---- distribution ----

// manifest serves the group's signed manifest. This is the path every edge
// polls: the body and ETag are precomputed, and a matching If-None-Match is
// answered 304 without touching the store.
func (a *api) manifest(c *gin.Context) {
	p, err := a.svc.Manifest(c.Param("group"))
	if err != nil {
		a.fail(c, err)
		return
	}
	h := c.Writer.Header()
	h["Etag"] = []string{p.ETag}
	h["Cache-Control"] = []string{"no-cache"}
	if etagMatch(c.GetHeader("If-None-Match"), p.ETag) {
		c.Status(http.StatusNotModified)
		return
	}
	h["X-Edgescore-Sequence"] = []string{strconv.FormatUint(p.Sequence, 10)}
	c.Data(http.StatusOK, "application/json", p.Body)
}

// watch streams the group's manifest as server-sent events: the current one
// at once, then each new one as soon as it is issued, and a comment line every
// WatchHeartbeat. A slow client skips intermediate manifests (each one is the
// complete state) rather than making the server queue them.
func (a *api) watch(c *gin.Context) {
	w, err := a.svc.Watch(c.Param("group"))
	if err != nil {
		a.fail(c, err)
		return
	}
	defer w.Close()
	if v := c.GetHeader("Last-Event-ID"); v != "" {
		if seq, err := strconv.ParseUint(v, 10, 64); err == nil {
			w.ResumeAfter(seq)
		}
	}
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives any server write timeout
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	if _, err := c.Writer.Write([]byte("retry: 2000\n\n")); err != nil {
		return
	}
	send := func() bool {
		if p := w.TryNext(); p != nil {
			if _, err := c.Writer.Write(p.Frame); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	if !send() {
		return
	}
	tick := time.NewTicker(a.svc.Config().WatchHeartbeat)
	defer tick.Stop()
	ctx := c.Request.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.Wait():
			if !send() {
				return
			}
		case <-tick.C:
			if _, err := c.Writer.Write([]byte(": ping\n\n")); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

func (a *api) heartbeat(c *gin.Context) {
	var hb controlplane.Heartbeat
	if !a.bind(c, maxRequestBytes, &hb) {
		return
	}
	rep, err := a.svc.RecordHeartbeat(c.Request.Context(), hb)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (a *api) fleet(c *gin.Context) {
	f, err := a.svc.Fleet(c.Request.Context(), c.Query("group"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, f)
}

// ---- outcomes ----

// events ingests a batch: 200 when every event was accepted (or was a
// duplicate), 207 when some were rejected, 422 when all were; the body
// always reports each rejection.
func (a *api) events(c *gin.Context) {
	format := controlplane.FormatJSON
	switch ct := c.ContentType(); ct {
	case "application/x-ndjson", "application/ndjson", "application/jsonl":
		format = controlplane.FormatNDJSON
	case "application/json", "":
	default:
		writeError(c, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Content-Type must be application/json (an array) or application/x-ndjson, not "+ct)
		return
	}
	limit := a.svc.Config().MaxBatchBytes
	if c.Request.ContentLength > limit {
		a.fail(c, fmt.Errorf("%w: the batch exceeds %d bytes", controlplane.ErrTooLarge, limit))
		return
	}
	rep, err := a.svc.Ingest(c.Request.Context(), c.Request.Body, format)
	if err != nil {
		a.fail(c, err)
		return
	}
	status := http.StatusOK
	switch {
	case len(rep.Rejected) == rep.Received:
		status = http.StatusUnprocessableEntity
	case len(rep.Rejected) > 0:
		status = http.StatusMultiStatus
	}
	c.JSON(status, rep)
}

func (a *api) quarantine(c *gin.Context) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		a.fail(c, err)
		return
	}
	qs, err := a.svc.Quarantine(c.Request.Context(), limit)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": qs})
}

// ---- metrics ----

func (a *api) window(c *gin.Context) (since, until time.Time, window time.Duration, err error) {
	if since, err = queryTime(c, "since"); err != nil {
		return
	}
	if until, err = queryTime(c, "until"); err != nil {
		return
	}
	window, err = queryDuration(c, "window")
	return
}

func (a *api) metrics(c *gin.Context) {
	since, until, window, err := a.window(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	rep, err := a.svc.Metrics(c.Request.Context(), controlplane.MetricsQuery{Group: c.Query("group"),
		Bundles: controlplane.ParseBundleList(c.Query("bundle")), Since: since, Until: until, Window: window})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

func (a *api) compare(c *gin.Context) {
	since, until, window, err := a.window(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	cmp, err := a.svc.Compare(c.Request.Context(), controlplane.CompareQuery{Group: c.Query("group"),
		Champion: c.Query("champion"), Challenger: c.Query("challenger"), Since: since, Until: until, Window: window})
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cmp)
}

// ---- tokens ----

// MintResponse carries a new token's secret, shown only once.
type MintResponse struct {
	Token string                 `json:"token"`
	Info  controlplane.TokenInfo `json:"info"`
}

func (a *api) mintToken(c *gin.Context) {
	var req controlplane.MintRequest
	if !a.bind(c, maxRequestBytes, &req) {
		return
	}
	secret, info, err := a.svc.MintToken(c.Request.Context(), actor(c), req)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, MintResponse{Token: secret, Info: info})
}

func (a *api) listTokens(c *gin.Context) {
	ts, err := a.svc.Tokens(c.Request.Context())
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tokens": ts})
}

func (a *api) revokeToken(c *gin.Context) {
	id := c.Param("id")
	if strings.TrimSpace(id) == "" {
		a.fail(c, fmt.Errorf("%w: token id required", controlplane.ErrInvalid))
		return
	}
	if err := a.svc.RevokeToken(c.Request.Context(), actor(c), id); err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
