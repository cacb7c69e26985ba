package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sink is a Sender that stores events by id, counting redeliveries, and
// can be switched down.
type sink struct {
	mu      sync.Mutex
	seen    map[string]int
	batches []int
	down    atomic.Bool
	refuse  atomic.Bool
}

func newSink() *sink { return &sink{seen: map[string]int{}} }

func (s *sink) Send(ctx context.Context, b []byte, n int) error {
	if s.down.Load() {
		return errors.New("connection refused")
	}
	if s.refuse.Load() {
		return fmt.Errorf("400 invalid: %w", ErrPermanent)
	}
	if got := CountLines(b); got != n {
		return fmt.Errorf("%w: batch says %d events, has %d", ErrPermanent, n, got)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\n'}) {
		s.seen[string(line)]++
	}
	s.batches = append(s.batches, n)
	return nil
}

func (s *sink) unique() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

func testConfig(dir string) Config {
	return Config{Dir: dir, MaxEvents: 100, FlushInterval: 20 * time.Millisecond, MemoryBatches: 2,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, SendTimeout: time.Second}
}

func add(t *testing.T, o *Outbox, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := o.Add(fmt.Appendf(nil, `{"event_id":"e%d"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
}

func flush(t *testing.T, o *Outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBatchingBySizeAndTime(t *testing.T) {
	// 200 go at once (two full batches); the last 50 after FlushInterval.
	// That holds only if Add's 250 calls take less than FlushInterval: a
	// machine that stalls the test longer lets the sender seal a batch by
	// time half-way, which is right but not what this test checks, so
	// such a round is run again.
	cfg := testConfig("")
	cfg.FlushInterval = 100 * time.Millisecond
	for round := 1; ; round++ {
		s := newSink()
		o, err := New(cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		add(t, o, 0, 250)
		if took := time.Since(start); took >= cfg.FlushInterval {
			o.Close(context.Background())
			if round == 10 {
				t.Fatalf("adding 250 events took longer than %v %d times", cfg.FlushInterval, round)
			}
			t.Logf("round %d: adding took %v, longer than FlushInterval; again", round, took)
			continue
		}
		waitFor(t, func() bool { return s.unique() == 250 })
		o.Close(context.Background())
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.batches) != 3 || s.batches[0] != 100 || s.batches[1] != 100 || s.batches[2] != 50 {
			t.Fatalf("batches %v, want [100 100 50]", s.batches)
		}
		return
	}
}

// The control plane goes away: events spool to disk, then arrive, each once,
// when it is back.
func TestSpoolWhileUnreachable(t *testing.T) {
	dir := t.TempDir()
	s := newSink()
	s.down.Store(true)
	o, err := New(testConfig(dir), s)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(context.Background())
	add(t, o, 0, 1000)
	waitFor(t, func() bool { st := o.Stats(); return st.Spooled == 1000 && st.Pending == 0 })
	if st := o.Stats(); st.Reachable || st.Failures == 0 || st.SpoolBytes == 0 {
		t.Fatalf("stats while down: %+v", st)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 10 {
		t.Fatalf("%d spool files, want 10", len(files))
	}
	s.down.Store(false)
	flush(t, o)
	st := o.Stats()
	if s.unique() != 1000 || st.Sent != 1000 || st.Dropped != 0 || st.Spooled != 0 {
		t.Fatalf("after recovery: %d unique, stats %+v", s.unique(), st)
	}
	for id, n := range s.seen {
		if n != 1 {
			t.Fatalf("%s delivered %d times", id, n)
		}
	}
}

// Close while unreachable spools everything; the next run delivers it.
func TestCloseSpoolsAndNextRunDelivers(t *testing.T) {
	dir := t.TempDir()
	down := newSink()
	down.down.Store(true)
	o, err := New(testConfig(dir), down)
	if err != nil {
		t.Fatal(err)
	}
	add(t, o, 0, 130)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := o.Close(ctx); err == nil {
		t.Fatal("Close must say that events stayed spooled")
	}
	if err := o.Add([]byte(`{}`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close: %v", err)
	}

	// The next run starts with the control plane still down, so that its
	// sender cannot deliver the spool before Stats counts it (with it up,
	// the count raced the first delivery: CI saw 0).
	up := newSink()
	up.down.Store(true)
	o2, err := New(testConfig(dir), up)
	if err != nil {
		t.Fatal(err)
	}
	if st := o2.Stats(); st.Spooled != 130 {
		t.Fatalf("resumed %d spooled events, want 130", st.Spooled)
	}
	up.down.Store(false)
	flush(t, o2)
	if err := o2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if up.unique() != 130 {
		t.Fatalf("next run delivered %d of 130", up.unique())
	}
	for id, n := range up.seen {
		if n != 1 {
			t.Fatalf("%s delivered %d times", id, n)
		}
	}
}

// Close with a reachable control plane delivers the open batch (SIGTERM).
func TestCloseFlushes(t *testing.T) {
	s := newSink()
	cfg := testConfig("")
	cfg.FlushInterval = time.Hour
	o, err := New(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	add(t, o, 0, 42)
	if err := o.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.unique() != 42 {
		t.Fatalf("delivered %d of 42 on close", s.unique())
	}
}

func TestBoundsAndRefusals(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		dir                  bool
		spool                int64
		down, refuse         bool
		events               int
		wantDropped, wantRej int64
	}{
		// A batch of 100 events is about 2,000 bytes here; 4,100 holds two.
		{"spool bound drops oldest", true, 4100, true, false, 500, 300, 0},
		{"no spool drops", false, 0, true, false, 300, 300 - 0, 0},
		{"refused batches are counted", true, 0, false, true, 200, 0, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink()
			s.down.Store(tc.down)
			s.refuse.Store(tc.refuse)
			cfg := testConfig("")
			if tc.dir {
				cfg.Dir = t.TempDir()
			}
			cfg.MaxSpoolBytes = tc.spool
			o, err := New(cfg, s)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close(context.Background())
			add(t, o, 0, tc.events)
			waitFor(t, func() bool {
				st := o.Stats()
				return st.Pending == 0 && int64(st.Spooled)+st.Dropped+st.Rejected+st.Sent == int64(tc.events)
			})
			st := o.Stats()
			if st.Dropped != tc.wantDropped || st.Rejected != tc.wantRej {
				t.Fatalf("dropped %d rejected %d, want %d %d (stats %+v)", st.Dropped, st.Rejected, tc.wantDropped, tc.wantRej, st)
			}
		})
	}
}

// Hammer: many goroutines add while the control plane flaps; every event
// arrives exactly once as a set (duplicates would be dropped by event id).
func TestHammerFlapping(t *testing.T) {
	s := newSink()
	o, err := New(testConfig(t.TempDir()), s)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(context.Background())
	const workers, per = 8, 500
	var wg sync.WaitGroup
	stop, flapped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(flapped)
		for {
			select {
			case <-stop:
				s.down.Store(false)
				return
			case <-time.After(3 * time.Millisecond):
				s.down.Store(!s.down.Load())
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			add(t, o, w*per, (w+1)*per)
		}()
	}
	wg.Wait()
	close(stop)
	<-flapped // the control plane is up for good
	flush(t, o)
	if s.unique() != workers*per {
		t.Fatalf("delivered %d of %d", s.unique(), workers*per)
	}
	if st := o.Stats(); st.Dropped != 0 {
		t.Fatalf("dropped %d", st.Dropped)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func BenchmarkAdd(b *testing.B) {
	o, _ := New(Config{MaxEvents: 500, FlushInterval: time.Second}, senderFunc(func(context.Context, []byte, int) error { return nil }))
	defer o.Close(context.Background())
	ev := []byte(`{"event_id":"d-0123456789abcdef","type":"decision","ts":"2025-11-24T10:00:00Z"}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = o.Add(ev)
		}
	})
}

type senderFunc func(context.Context, []byte, int) error

func (f senderFunc) Send(ctx context.Context, b []byte, n int) error { return f(ctx, b, n) }
