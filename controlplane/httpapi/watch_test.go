package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
)

// TestWatchStream: the stream starts with the current manifest, resumes
// after Last-Event-ID, sends heartbeats, and refuses watchers beyond the
// limit with 503 (many edges reconnecting at once cannot exhaust memory).
func TestWatchStream(t *testing.T) {
	e := newEnv(t, func(c *controlplane.Config) {
		c.MaxWatchers = 2
		c.WatchHeartbeat = 20 * time.Millisecond
	})
	e.upload("m", "1")
	ctx := context.Background()
	if _, err := e.client(e.admin).Promote(ctx, "eu", controlplane.PromoteRequest{Bundle: "m@1"}); err != nil {
		t.Fatal(err)
	}
	open := func(lastID string) (*http.Response, *bufio.Reader, context.CancelFunc) {
		t.Helper()
		cctx, cancel := context.WithCancel(ctx)
		req, _ := http.NewRequestWithContext(cctx, "GET", e.srv.URL+"/v1/groups/eu/watch", nil)
		req.Header.Set("Authorization", "Bearer "+e.edge)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, bufio.NewReader(resp.Body), cancel
	}
	// readUntil returns the lines read up to and including one with prefix.
	readUntil := func(r *bufio.Reader, prefix string) []string {
		t.Helper()
		var lines []string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended before %q: %v (read %q)", prefix, err, lines)
			}
			lines = append(lines, l)
			if strings.HasPrefix(l, prefix) {
				return lines
			}
		}
	}

	resp1, r1, cancel1 := open("")
	defer cancel1()
	if resp1.StatusCode != 200 || resp1.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("watch: %d %s", resp1.StatusCode, resp1.Header.Get("Content-Type"))
	}
	readUntil(r1, "id: 1")
	if l := readUntil(r1, "data: "); !strings.Contains(l[len(l)-1], `"sequence":1`) {
		t.Fatalf("first event: %q", l)
	}
	readUntil(r1, ": ping")

	// Resuming after the current sequence sends nothing until a change.
	resp2, r2, cancel2 := open("1")
	defer cancel2()
	if resp2.StatusCode != 200 {
		t.Fatalf("second watcher: %d", resp2.StatusCode)
	}
	if lines := readUntil(r2, ": ping"); strings.Contains(strings.Join(lines, ""), "id: 1") {
		t.Fatalf("Last-Event-ID 1 was sent sequence 1 again: %q", lines)
	}
	// Beyond the limit: 503, and the two watchers are unaffected.
	status, _, body := e.call("GET", "/v1/groups/eu/watch", e.edge, "", "")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "limit is 2") {
		t.Fatalf("third watcher: %d %s, want 503", status, body)
	}
	on := true
	if _, err := e.svc.Kill(ctx, "ops", "eu", controlplane.KillRequest{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	readUntil(r1, "id: 2")
	readUntil(r2, "id: 2")
	// A closed watcher frees its slot.
	cancel2()
	resp2.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for e.svc.Watchers() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := e.svc.Watchers(); n != 1 {
		t.Fatalf("%d watchers after one disconnected, want 1", n)
	}
}
