package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane"
)

// Client talks to one control plane with one token. It is safe for
// concurrent use.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one with a 60 s timeout,
// which Watch does not use).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// New returns a client of the control plane at baseURL (for example
// "http://127.0.0.1:8080") authenticating with token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), token: token, hc: &http.Client{Timeout: 60 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// APIError is a non-2xx answer.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// StatusOf returns the HTTP status of an *APIError in err's chain, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var eb struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &eb) == nil && eb.Error.Code != "" {
		return &APIError{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	return &APIError{Status: resp.StatusCode, Code: "http", Message: strings.TrimSpace(string(data))}
}

// do sends a JSON request and decodes a JSON answer into out (if non-nil).
// ok lists extra statuses that are not errors.
func (c *Client) do(ctx context.Context, method, path string, in, out any, ok ...int) (int, error) {
	var body io.Reader
	ct := ""
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body, ct = bytes.NewReader(data), "application/json"
	}
	req, err := c.newRequest(ctx, method, path, body, ct)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	good := resp.StatusCode/100 == 2
	for _, s := range ok {
		good = good || resp.StatusCode == s
	}
	if !good {
		return resp.StatusCode, decodeError(resp)
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func esc(s string) string { return url.PathEscape(s) }

// ---- registry ----

// Upload uploads a bundle; created is false when the same content was
// already stored.
func (c *Client) Upload(ctx context.Context, req controlplane.UploadRequest) (m controlplane.BundleMeta, created bool, err error) {
	status, err := c.do(ctx, "POST", "/v1/bundles", req, &m)
	return m, status == http.StatusCreated, err
}

// Bundles lists the registry.
func (c *Client) Bundles(ctx context.Context) ([]controlplane.BundleMeta, error) {
	var out struct {
		Bundles []controlplane.BundleMeta `json:"bundles"`
	}
	_, err := c.do(ctx, "GET", "/v1/bundles", nil, &out)
	return out.Bundles, err
}

// Bundle returns one bundle's metadata (ref: digest, name@version, alias).
func (c *Client) Bundle(ctx context.Context, ref string) (m controlplane.BundleMeta, err error) {
	_, err = c.do(ctx, "GET", "/v1/bundles/"+esc(ref), nil, &m)
	return m, err
}

// Source returns a bundle's authoring JSON.
func (c *Client) Source(ctx context.Context, ref string) ([]byte, error) {
	return c.raw(ctx, "/v1/bundles/"+esc(ref)+"/source")
}

// Blob downloads a bundle binary and checks that its sha256 is digest.
func (c *Client) Blob(ctx context.Context, digest string) ([]byte, error) {
	data, err := c.raw(ctx, "/v1/blobs/"+esc(digest))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != digest {
		return nil, fmt.Errorf("blob %s: content hashes to %s", digest, got)
	}
	return data, nil
}

func (c *Client) raw(ctx context.Context, path string) ([]byte, error) {
	req, err := c.newRequest(ctx, "GET", path, nil, "")
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, decodeError(resp)
	}
	return io.ReadAll(resp.Body)
}

// SetAlias points an alias at a bundle.
func (c *Client) SetAlias(ctx context.Context, name, ref string) (a controlplane.Alias, err error) {
	_, err = c.do(ctx, "PUT", "/v1/aliases/"+esc(name), map[string]string{"bundle": ref}, &a)
	return a, err
}

// Aliases lists aliases.
func (c *Client) Aliases(ctx context.Context) ([]controlplane.Alias, error) {
	var out struct {
		Aliases []controlplane.Alias `json:"aliases"`
	}
	_, err := c.do(ctx, "GET", "/v1/aliases", nil, &out)
	return out.Aliases, err
}

// ---- rollouts ----

// Rollouts lists every group's plan.
func (c *Client) Rollouts(ctx context.Context) ([]controlplane.Rollout, error) {
	var out struct {
		Groups []controlplane.Rollout `json:"groups"`
	}
	_, err := c.do(ctx, "GET", "/v1/groups", nil, &out)
	return out.Groups, err
}

// Rollout returns a group's plan.
func (c *Client) Rollout(ctx context.Context, group string) (r controlplane.Rollout, err error) {
	_, err = c.do(ctx, "GET", "/v1/groups/"+esc(group)+"/rollout", nil, &r)
	return r, err
}

func (c *Client) change(ctx context.Context, method, group, op string, req any) (r controlplane.Rollout, err error) {
	path := "/v1/groups/" + esc(group) + "/" + op
	_, err = c.do(ctx, method, path, req, &r)
	return r, err
}

// SetPlan replaces a group's arms.
func (c *Client) SetPlan(ctx context.Context, group string, req controlplane.PlanRequest) (controlplane.Rollout, error) {
	return c.change(ctx, "PUT", group, "rollout", req)
}

// Canary starts a canary.
func (c *Client) Canary(ctx context.Context, group string, req controlplane.CanaryRequest) (controlplane.Rollout, error) {
	return c.change(ctx, "POST", group, "canary", req)
}

// Ramp changes or schedules the challenger's share.
func (c *Client) Ramp(ctx context.Context, group string, req controlplane.RampRequest) (controlplane.Rollout, error) {
	return c.change(ctx, "POST", group, "ramp", req)
}

// Promote makes the challenger (or req.Bundle) the champion.
func (c *Client) Promote(ctx context.Context, group string, req controlplane.PromoteRequest) (controlplane.Rollout, error) {
	return c.change(ctx, "POST", group, "promote", req)
}

// Rollback drops the challenger (or restores the previous champion).
func (c *Client) Rollback(ctx context.Context, group string, req controlplane.RollbackRequest) (controlplane.Rollout, error) {
	return c.change(ctx, "POST", group, "rollback", req)
}

// Kill sets the kill switch.
func (c *Client) Kill(ctx context.Context, group string, on bool) (controlplane.Rollout, error) {
	return c.change(ctx, "POST", group, "kill", controlplane.KillRequest{Enabled: &on})
}

// Audit lists audit entries, newest first.
func (c *Client) Audit(ctx context.Context, group string, limit int) ([]controlplane.AuditEntry, error) {
	q := url.Values{}
	if group != "" {
		q.Set("group", group)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Entries []controlplane.AuditEntry `json:"entries"`
	}
	_, err := c.do(ctx, "GET", "/v1/audit?"+q.Encode(), nil, &out)
	return out.Entries, err
}

// ---- distribution ----

// Keys lists the public signing keys.
func (c *Client) Keys(ctx context.Context) ([]controlplane.PublicKey, error) {
	var out struct {
		Keys []controlplane.PublicKey `json:"keys"`
	}
	_, err := c.do(ctx, "GET", "/v1/keys", nil, &out)
	return out.Keys, err
}

// Manifest fetches a group's manifest. With etag set (from a previous call)
// an unchanged manifest comes back as notModified with m == nil. The
// manifest is not verified: use controlplane.VerifyManifest.
func (c *Client) Manifest(ctx context.Context, group, etag string) (m *controlplane.Manifest, newETag string, notModified bool, err error) {
	req, err := c.newRequest(ctx, "GET", "/v1/groups/"+esc(group)+"/manifest", nil, "")
	if err != nil {
		return nil, "", false, err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, "", false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		io.Copy(io.Discard, resp.Body)
		return nil, resp.Header.Get("ETag"), true, nil
	case http.StatusOK:
		m = new(controlplane.Manifest)
		if err := json.NewDecoder(resp.Body).Decode(m); err != nil {
			return nil, "", false, fmt.Errorf("manifest: %w", err)
		}
		return m, resp.Header.Get("ETag"), false, nil
	}
	return nil, "", false, decodeError(resp)
}

// Watch follows a group's manifest over server-sent events, calling fn
// with each manifest as it arrives, until ctx is done, the stream ends, or
// fn returns an error. It does not reconnect.
func (c *Client) Watch(ctx context.Context, group string, fn func(*controlplane.Manifest) error) error {
	req, err := c.newRequest(ctx, "GET", "/v1/groups/"+esc(group)+"/watch", nil, "")
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	hc := *c.hc
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return decodeError(resp)
	}
	r := bufio.NewReaderSize(resp.Body, 64<<10)
	var event string
	var data []byte
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if event == "manifest" && len(data) > 0 {
				var m controlplane.Manifest
				if err := json.Unmarshal(data, &m); err != nil {
					return fmt.Errorf("watch: %w", err)
				}
				if err := fn(&m); err != nil {
					return err
				}
			}
			event, data = "", data[:0]
		case bytes.HasPrefix(line, []byte("event: ")):
			event = string(line[len("event: "):])
		case bytes.HasPrefix(line, []byte("data: ")):
			data = append(data, line[len("data: "):]...)
		}
	}
}

// Heartbeat reports an edge's status.
func (c *Client) Heartbeat(ctx context.Context, hb controlplane.Heartbeat) (r controlplane.HeartbeatReply, err error) {
	_, err = c.do(ctx, "POST", "/v1/edges/heartbeat", hb, &r)
	return r, err
}

// Fleet returns the fleet view (group "" for all).
func (c *Client) Fleet(ctx context.Context, group string) (f controlplane.Fleet, err error) {
	path := "/v1/fleet"
	if group != "" {
		path += "?group=" + url.QueryEscape(group)
	}
	_, err = c.do(ctx, "GET", path, nil, &f)
	return f, err
}

// ---- outcomes ----

// Ingest posts a batch: body is a JSON array, or NDJSON when ndjson is set.
// A batch with rejected events (207, or 422 when all were rejected) is not
// an error: the report says which.
func (c *Client) Ingest(ctx context.Context, body []byte, ndjson bool) (rep controlplane.IngestReport, status int, err error) {
	ct := "application/json"
	if ndjson {
		ct = "application/x-ndjson"
	}
	req, err := c.newRequest(ctx, "POST", "/v1/events", bytes.NewReader(body), ct)
	if err != nil {
		return rep, 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return rep, 0, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusMultiStatus, http.StatusUnprocessableEntity:
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return rep, resp.StatusCode, err
		}
		if json.Unmarshal(data, &rep) == nil && rep.Received > 0 {
			return rep, resp.StatusCode, nil
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
	}
	return rep, resp.StatusCode, decodeError(resp)
}

// Quarantine lists rejected events.
func (c *Client) Quarantine(ctx context.Context, limit int) ([]controlplane.QuarantinedEvent, error) {
	var out struct {
		Events []controlplane.QuarantinedEvent `json:"events"`
	}
	_, err := c.do(ctx, "GET", "/v1/quarantine?limit="+strconv.Itoa(limit), nil, &out)
	return out.Events, err
}

// ---- metrics ----

func timeWindow(q url.Values, since, until time.Time, window time.Duration) {
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	if !until.IsZero() {
		q.Set("until", until.UTC().Format(time.RFC3339Nano))
	}
	if window > 0 {
		q.Set("window", window.String())
	}
}

// Metrics returns per bundle and variant metrics.
func (c *Client) Metrics(ctx context.Context, mq controlplane.MetricsQuery) (rep controlplane.MetricsReport, err error) {
	q := url.Values{}
	if mq.Group != "" {
		q.Set("group", mq.Group)
	}
	if len(mq.Bundles) > 0 {
		q.Set("bundle", strings.Join(mq.Bundles, ","))
	}
	timeWindow(q, mq.Since, mq.Until, mq.Window)
	_, err = c.do(ctx, "GET", "/v1/metrics?"+q.Encode(), nil, &rep)
	return rep, err
}

// Compare returns a challenger against the champion.
func (c *Client) Compare(ctx context.Context, cq controlplane.CompareQuery) (cmp controlplane.Comparison, err error) {
	q := url.Values{}
	for k, v := range map[string]string{"group": cq.Group, "champion": cq.Champion, "challenger": cq.Challenger} {
		if v != "" {
			q.Set(k, v)
		}
	}
	timeWindow(q, cq.Since, cq.Until, cq.Window)
	_, err = c.do(ctx, "GET", "/v1/metrics/compare?"+q.Encode(), nil, &cmp)
	return cmp, err
}

// ---- tokens ----

// MintToken creates a token and returns its secret (shown only this once).
func (c *Client) MintToken(ctx context.Context, name string, scopes ...controlplane.Scope) (string, controlplane.TokenInfo, error) {
	var out struct {
		Token string                 `json:"token"`
		Info  controlplane.TokenInfo `json:"info"`
	}
	_, err := c.do(ctx, "POST", "/v1/tokens", controlplane.MintRequest{Name: name, Scopes: scopes}, &out)
	return out.Token, out.Info, err
}

// Tokens lists tokens.
func (c *Client) Tokens(ctx context.Context) ([]controlplane.TokenInfo, error) {
	var out struct {
		Tokens []controlplane.TokenInfo `json:"tokens"`
	}
	_, err := c.do(ctx, "GET", "/v1/tokens", nil, &out)
	return out.Tokens, err
}

// RevokeToken revokes a token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", "/v1/tokens/"+esc(id), nil, nil)
	return err
}
