package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/httpapi"
)

// TestBadRequests: each refused request gets the right status, a stable
// error code and a message that says what is wrong, and changes nothing.
func TestBadRequests(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(c *controlplane.Config) { c.MaxBatchEvents = 100; c.MaxBatchBytes = 64 << 10 })
	base := e.upload("m", "1")
	e.upload("m", "2")
	admin := e.client(e.admin)
	if _, err := admin.Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "m@1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Canary(ctx, "eu", controlplane.CanaryRequest{Bundle: "m@2", Percent: ptr(5.0)}); err != nil {
		t.Fatal(err)
	}
	_, revoked, err := e.svc.MintToken(ctx, "test", controlplane.MintRequest{Name: "old", Scopes: []controlplane.Scope{controlplane.ScopeAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	revokedSecret, _, _ := e.svc.MintToken(ctx, "test", controlplane.MintRequest{Name: "old2", Scopes: []controlplane.Scope{controlplane.ScopeAdmin}})
	tokens, _ := e.svc.Tokens(ctx)
	if err := e.svc.RevokeToken(ctx, "test", tokens[len(tokens)-1].ID); err != nil {
		t.Fatal(err)
	}
	_ = revoked

	const J = "application/json"
	tooMany := "[" + strings.TrimSuffix(strings.Repeat(`{},`, 101), ",") + "]"
	tooBig := `[` + `"` + strings.Repeat("x", 70<<10) + `"]`
	cases := []struct {
		name, method, path, token, ct, body string
		status                              int
		code, msg                           string
	}{
		{"malformed JSON", "POST", "/v1/groups/eu/ramp", e.admin, J, `{"percent": 5`, 400, "invalid", "body: unexpected end of input"},
		{"wrong type", "POST", "/v1/groups/eu/ramp", e.admin, J, `{"percent": "5"}`, 400, "invalid", "body.percent: expected number, got string"},
		{"unknown field", "POST", "/v1/groups/eu/ramp", e.admin, J, `{"percent": 5, "pct": 5}`, 400, "invalid", "body.pct: unknown field"},
		{"trailing data", "POST", "/v1/groups/eu/ramp", e.admin, J, `{"percent": 5} {}`, 400, "invalid", "after top-level value"},
		{"missing field", "POST", "/v1/groups/eu/canary", e.admin, J, `{"bundle": "m@2"}`, 400, "invalid", "percent: required"},
		{"percent out of range", "POST", "/v1/groups/eu/ramp", e.admin, J, `{"percent": 101}`, 400, "invalid", "outside [0, 100]"},
		{"bad group name", "POST", "/v1/groups/eu%20west/ramp", e.admin, J, `{"percent": 5}`, 400, "invalid", "group"},
		{"wrong content type", "POST", "/v1/groups/eu/ramp", e.admin, "text/plain", `{"percent": 5}`, 415, "unsupported_media_type", "application/json"},
		{"unknown bundle in canary", "POST", "/v1/groups/eu/canary", e.admin, J, `{"bundle": "m@9", "percent": 5}`, 422, "unprocessable", `bundle "m@9" is not in the registry`},
		{"unknown bundle digest", "GET", "/v1/bundles/" + strings.Repeat("0", 64), e.read, "", "", 404, "not_found", "not in the registry"},
		{"unknown blob", "GET", "/v1/blobs/" + strings.Repeat("0", 64), e.edge, "", "", 404, "not_found", "not in the registry"},
		{"blob by alias is not content-addressed", "GET", "/v1/blobs/champion", e.edge, "", "", 404, "not_found", "not a sha256 digest"},
		{"unknown group manifest", "GET", "/v1/groups/nope/manifest", e.edge, "", "", 404, "not_found", `group "nope" has no manifest`},
		{"replayed sequence", "POST", "/v1/groups/eu/ramp", e.admin, J, `{"percent": 50, "if_sequence": 1}`, 409, "stale_sequence", "if_sequence 1 is not the current sequence 2"},
		{"promote the champion again", "POST", "/v1/groups/eu/canary", e.admin, J, `{"bundle": "m@1", "percent": 5}`, 409, "conflict", "already the champion"},
		{"name@version taken", "POST", "/v1/bundles", e.admin, J, `{"name":"m","version":"1","bundle":{"propensity":{"other":1}}}`, 409, "conflict", "already"},
		{"bundle fails validation", "POST", "/v1/bundles", e.admin, J, `{"name":"m","version":"3","bundle":{"actions":[]}}`, 422, "unprocessable", "bundle.propensity: required"},
		{"bundle with duplicate keys", "POST", "/v1/bundles", e.admin, J, `{"name":"m","version":"3","bundle":{"propensity":{},"propensity":{}}}`, 422, "unprocessable", "duplicate key"},
		{"upload without bundle", "POST", "/v1/bundles", e.admin, J, `{"name":"m","version":"3"}`, 400, "invalid", "bundle: required"},
		{"upload with unknown parent", "POST", "/v1/bundles", e.admin, J, `{"name":"m","version":"3","parent":"x@1","bundle":{"propensity":{}}}`, 422, "unprocessable", "parent"},
		{"no token", "POST", "/v1/groups/eu/ramp", "", J, `{"percent": 50}`, 401, "unauthenticated", "missing Authorization"},
		{"bad token", "POST", "/v1/groups/eu/ramp", "es_not-a-token", J, `{"percent": 50}`, 401, "unauthenticated", "unknown or revoked"},
		{"revoked token", "POST", "/v1/groups/eu/ramp", revokedSecret, J, `{"percent": 50}`, 401, "unauthenticated", "unknown or revoked"},
		{"edge token on admin route", "POST", "/v1/groups/eu/ramp", e.edge, J, `{"percent": 50}`, 403, "forbidden", `lacks scope "admin"`},
		{"read token on events", "POST", "/v1/events", e.read, J, `[]`, 403, "forbidden", `lacks scope "edge"`},
		{"events: malformed JSON", "POST", "/v1/events", e.edge, J, `[{"event_id": "a",`, 400, "invalid", "malformed JSON"},
		{"events: not an array", "POST", "/v1/events", e.edge, J, `{"event_id": "a"}`, 400, "invalid", "want a JSON array"},
		{"events: empty batch", "POST", "/v1/events", e.edge, J, `[]`, 400, "invalid", "no events"},
		{"events: oversized batch", "POST", "/v1/events", e.edge, J, tooMany, 413, "too_large", "more than 100 events"},
		{"events: oversized body", "POST", "/v1/events", e.edge, J, tooBig, 413, "too_large", "exceeds 65536 bytes"},
		{"events: wrong content type", "POST", "/v1/events", e.edge, "text/csv", "a,b", 415, "unsupported_media_type", "x-ndjson"},
		{"metrics: bad time", "GET", "/v1/metrics?since=yesterday", e.read, "", "", 400, "invalid", "query since"},
		{"metrics: bad window", "GET", "/v1/metrics?window=-1h", e.read, "", "", 400, "invalid", "query window"},
		{"metrics: unknown bundle", "GET", "/v1/metrics?bundle=nope@1", e.read, "", "", 422, "unprocessable", "not in the registry"},
		{"heartbeat: bad digest", "POST", "/v1/edges/heartbeat", e.edge, J, `{"edge_id":"e1","group":"eu","sequence":1,"bundles":["abc"]}`, 400, "invalid", "bundles[0]: not a sha256 digest"},
		{"heartbeat: future sequence", "POST", "/v1/edges/heartbeat", e.edge, J, `{"edge_id":"e1","group":"eu","sequence":99,"bundles":[]}`, 409, "conflict", "never issued"},
		{"token: bad scope", "POST", "/v1/tokens", e.admin, J, `{"name":"x","scopes":["root"]}`, 400, "invalid", `scopes[0]: "root" is not one of`},
		{"alias to unknown bundle", "PUT", "/v1/aliases/champion", e.admin, J, `{"bundle":"zzz@1"}`, 422, "unprocessable", "not in the registry"},
		{"unknown endpoint", "GET", "/v1/nope", e.admin, "", "", 404, "not_found", "no such endpoint"},
		{"wrong method", "DELETE", "/v1/groups/eu/manifest", e.admin, "", "", 405, "method_not_allowed", "not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot()
			status, hdr, body := e.call(c.method, c.path, c.token, c.ct, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d; body %s", status, c.status, body)
			}
			var eb httpapi.ErrorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil {
				t.Fatalf("error body %q: %v", body, err)
			}
			if eb.Error.Code != c.code || !strings.Contains(eb.Error.Message, c.msg) {
				t.Fatalf("error %+v, want code %q and a message containing %q", eb.Error, c.code, c.msg)
			}
			if status == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without WWW-Authenticate: Bearer")
			}
			if after := e.snapshot(); after != before {
				t.Fatalf("a refused request changed state:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	_ = base
}

// TestScopes: every protected endpoint refuses a missing token (401) and a
// token without its scope (403) before doing anything.
func TestScopes(t *testing.T) {
	e := newEnv(t)
	e.upload("m", "1")
	if _, err := e.client(e.admin).Promote(context.Background(), "eu", controlplane.PromoteRequest{Bundle: "m@1"}); err != nil {
		t.Fatal(err)
	}
	wrong := map[controlplane.Scope]string{
		controlplane.ScopeAdmin: e.read, // read and edge lack admin
		controlplane.ScopeEdge:  e.read,
		controlplane.ScopeRead:  e.edge,
	}
	for _, r := range httpapi.Routes() {
		f := strings.Fields(r)
		if len(f) < 3 {
			continue // public
		}
		method, path, scope := f[0], f[1], controlplane.Scope(f[2])
		path = strings.NewReplacer(":group", "eu", ":ref", "m@1", ":digest", strings.Repeat("0", 64),
			":name", "champion", ":id", "x").Replace(path)
		t.Run(method+" "+path, func(t *testing.T) {
			before := e.snapshot()
			if status, _, body := e.call(method, path, "", "application/json", `{}`); status != 401 {
				t.Errorf("no token: %d %s, want 401", status, body)
			}
			if status, _, body := e.call(method, path, wrong[scope], "application/json", `{}`); status != 403 {
				t.Errorf("token without %q: %d %s, want 403", scope, status, body)
			}
			if after := e.snapshot(); after != before {
				t.Fatal("a refused request changed state")
			}
		})
	}
	// Public endpoints need no token.
	for _, p := range []string{"/healthz", "/openapi.yaml", "/v1/keys"} {
		if status, _, _ := e.call("GET", p, "", "", ""); status != 200 {
			t.Errorf("GET %s: %d, want 200", p, status)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	admin := e.client(e.admin)
	secret, info, err := admin.MintToken(ctx, "shop-42", controlplane.ScopeEdge)
	if err != nil || !strings.HasPrefix(secret, "es_") || info.Name != "shop-42" {
		t.Fatalf("mint = %q, %+v, %v", secret, info, err)
	}
	if _, err := e.client(secret).Heartbeat(ctx, controlplane.Heartbeat{EdgeID: "x", Group: "eu"}); err != nil {
		t.Fatalf("fresh edge token refused: %v", err)
	}
	ts, _ := admin.Tokens(ctx)
	for _, tk := range ts {
		if b, _ := json.Marshal(tk); strings.Contains(string(b), secret) {
			t.Fatal("token list leaks a secret")
		}
	}
	if err := admin.RevokeToken(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := e.call("POST", "/v1/edges/heartbeat", secret, "application/json", `{"edge_id":"x","group":"eu"}`); status != 401 {
		t.Fatalf("revoked token: %d, want 401", status)
	}
	if err := admin.RevokeToken(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("revoke unknown: %v", err)
	}
}
