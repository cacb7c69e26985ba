package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
)

// Published is a signed manifest ready to serve: its JSON body, its ETag and
// its server-sent-events frame, all encoded once per change and shared by
// every request and watcher. Its fields must not be modified.
type Published struct {
	Group    string
	Sequence uint64
	// Body is the manifest's JSON (one line).
	Body []byte
	// ETag is a strong entity tag (quoted) derived from Body's sha256.
	ETag string
	// Frame is the SSE event: "id: <seq>\nevent: manifest\ndata: <Body>\n\n".
	Frame []byte
}

func publish(m *Manifest) (*Published, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	frame := make([]byte, 0, len(body)+64)
	frame = append(frame, "id: "...)
	frame = strconv.AppendUint(frame, m.Sequence, 10)
	frame = append(frame, "\nevent: manifest\ndata: "...)
	frame = append(frame, body...)
	frame = append(frame, "\n\n"...)
	return &Published{Group: m.Group, Sequence: m.Sequence, Body: body,
		ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, Frame: frame}, nil
}

// setPublished installs p as the group's current manifest and wakes the
// group's watchers.
func (s *Service) setPublished(p *Published) {
	s.cacheMu.Lock()
	old := *s.published.Load()
	m := make(map[string]*Published, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[p.Group] = p
	s.published.Store(&m)
	s.cacheMu.Unlock()
	s.hub.notify(p.Group)
}

// Manifest returns the group's current signed manifest. It takes no lock and
// allocates nothing: it is the path every edge polls.
func (s *Service) Manifest(group string) (*Published, error) {
	p := (*s.published.Load())[group]
	if p == nil {
		return nil, fmt.Errorf("group %q has no manifest: %w", group, ErrNotFound)
	}
	return p, nil
}

// Keys lists the public signing keys, current first.
func (s *Service) Keys() []PublicKey { return s.signer.Keys() }

// hub tracks watchers by group. A change wakes each watcher of the group
// through a one-slot channel: a watcher that has not yet taken the previous
// wake-up simply stays woken, and on waking it reads the group's latest
// manifest. So a slow watcher skips intermediate manifests (each is a
// complete state, nothing is lost) and no watcher ever holds more than one
// pending signal: memory per watcher is constant and payloads are shared.
type hub struct {
	mu     sync.Mutex
	groups map[string]map[*Watcher]struct{}
	n, max int
}

func newHub(max int) *hub {
	return &hub{groups: map[string]map[*Watcher]struct{}{}, max: max}
}

func (h *hub) notify(group string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.groups[group] {
		select {
		case w.wake <- struct{}{}:
		default: // already woken; it will read the latest
		}
	}
}

// Watcher follows one group's manifest. Next is for one goroutine.
type Watcher struct {
	s     *Service
	group string
	last  uint64
	wake  chan struct{}
}

// Watch registers a watcher of group. It fails with ErrUnavailable when
// MaxWatchers are already connected. Close it when done.
func (s *Service) Watch(group string) (*Watcher, error) {
	if err := checkName("group", group); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n >= h.max {
		return nil, fmt.Errorf("%w: %d watchers connected, the limit is %d", ErrUnavailable, h.n, h.max)
	}
	w := &Watcher{s: s, group: group, wake: make(chan struct{}, 1)}
	ws := h.groups[group]
	if ws == nil {
		ws = map[*Watcher]struct{}{}
		h.groups[group] = ws
	}
	ws[w] = struct{}{}
	h.n++
	return w, nil
}

// Watchers returns how many watchers are connected.
func (s *Service) Watchers() int {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.hub.n
}

// Next returns the group's manifest as soon as there is one newer than the
// last one Next returned (the current one on the first call), or ctx's
// error.
func (w *Watcher) Next(ctx context.Context) (*Published, error) {
	for {
		if p := w.TryNext(); p != nil {
			return p, nil
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// TryNext returns the group's manifest if it is newer than the last one
// returned, else nil. It does not block.
func (w *Watcher) TryNext() *Published {
	if p := (*w.s.published.Load())[w.group]; p != nil && p.Sequence > w.last {
		w.last = p.Sequence
		return p
	}
	return nil
}

// ResumeAfter makes the watcher skip manifests up to seq, which the client
// already has (SSE Last-Event-ID). A seq above the current sequence is
// ignored: the client's state cannot be trusted then.
func (w *Watcher) ResumeAfter(seq uint64) {
	if p := (*w.s.published.Load())[w.group]; p != nil && seq <= p.Sequence {
		w.last = seq
	}
}

// Wait returns a channel that receives when the watcher may have a newer
// manifest; after it fires, call Next.
func (w *Watcher) Wait() <-chan struct{} { return w.wake }

// Close unregisters the watcher.
func (w *Watcher) Close() {
	h := w.s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if ws := h.groups[w.group]; ws != nil {
		if _, ok := ws[w]; ok {
			delete(ws, w)
			h.n--
			if len(ws) == 0 {
				delete(h.groups, w.group)
			}
		}
	}
}
