package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sender delivers one batch: NDJSON, one event per line. It must return
// nil once the receiver has stored the batch (duplicates included), an
// error wrapping ErrPermanent when retrying cannot help (the receiver
// refused the batch as malformed), and any other error when it may be
// retried. Send is called from one goroutine at a time.
type Sender interface {
	Send(ctx context.Context, batch []byte, events int) error
}

// ErrPermanent marks a Sender error that retrying cannot fix.
var ErrPermanent = errors.New("outbox: batch refused")

// ErrClosed is returned by Add after Close.
var ErrClosed = errors.New("outbox: closed")

// Config tunes an Outbox. Start from DefaultConfig.
type Config struct {
	// Dir holds the spool; "" keeps no spool (events that cannot be
	// delivered and do not fit in memory are dropped, and counted).
	Dir string
	// MaxEvents and MaxBytes seal a batch; FlushInterval seals a batch
	// that long after its first event.
	MaxEvents     int
	MaxBytes      int
	FlushInterval time.Duration
	// MemoryBatches is how many sealed batches wait in memory for the
	// sender before further ones spill to disk.
	MemoryBatches int
	// MaxSpoolBytes bounds the spool; past it the oldest batches are
	// dropped.
	MaxSpoolBytes int64
	// SendTimeout bounds one Send; MinBackoff and MaxBackoff bound the
	// pause after a failure (doubling, full jitter).
	SendTimeout            time.Duration
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
}

// DefaultConfig returns the defaults: batches of 500 events or 1 MiB or
// 1 s, 8 batches in memory, a 256 MiB spool, 10 s per send, backoff from
// 200 ms to 30 s.
func DefaultConfig() Config {
	return Config{MaxEvents: 500, MaxBytes: 1 << 20, FlushInterval: time.Second, MemoryBatches: 8,
		MaxSpoolBytes: 256 << 20, SendTimeout: 10 * time.Second,
		MinBackoff: 200 * time.Millisecond, MaxBackoff: 30 * time.Second}
}

// Stats are the outbox's counters.
type Stats struct {
	Pending       int   // events in memory (the open batch and sealed ones)
	Spooled       int   // events in the spool
	SpoolBytes    int64 // bytes in the spool
	Sent          int64 // events delivered
	Batches       int64 // batches delivered
	Failures      int64 // failed send attempts
	Dropped       int64 // events dropped past the spool's bound (or with no spool)
	Rejected      int64 // events in batches the receiver refused as malformed
	LastSuccess   time.Time
	LastFailure   time.Time
	LastError     string
	Reachable     bool // the last send attempt succeeded
	OldestSpooled time.Time
}

type batch struct {
	data   []byte
	events int
	file   string // spool file, "" while in memory
}

// Outbox batches and delivers events. Add is safe for concurrent use.
type Outbox struct {
	cfg    Config
	send   Sender
	log    *slog.Logger
	mu     sync.Mutex
	buf    []byte
	n      int
	opened time.Time
	closed bool

	sealed  chan *batch
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closing atomic.Pointer[context.Context]

	spoolMu    sync.Mutex
	spool      []spoolFile // oldest first
	spoolBytes int64
	spoolSeq   uint64

	memEvents                                  atomic.Int64
	sent, batches, failures, dropped, rejected atomic.Int64
	reachable                                  atomic.Bool
	lastOK, lastFail                           atomic.Int64
	lastErr                                    atomic.Pointer[string]
}

type spoolFile struct {
	name   string
	events int
	size   int64
	at     time.Time
}

// New starts an outbox. With cfg.Dir set it creates the directory and
// resumes the batches spooled there by an earlier run.
func New(cfg Config, s Sender) (*Outbox, error) {
	d := DefaultConfig()
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = d.MaxEvents
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = d.MaxBytes
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = d.FlushInterval
	}
	if cfg.MemoryBatches <= 0 {
		cfg.MemoryBatches = d.MemoryBatches
	}
	if cfg.MaxSpoolBytes <= 0 {
		cfg.MaxSpoolBytes = d.MaxSpoolBytes
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = d.SendTimeout
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = d.MinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(d.MaxBackoff, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	o := &Outbox{cfg: cfg, send: s, log: cfg.Logger,
		sealed: make(chan *batch, cfg.MemoryBatches), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	o.reachable.Store(true)
	if cfg.Dir != "" {
		if err := o.loadSpool(); err != nil {
			return nil, err
		}
	}
	go o.run()
	return o, nil
}

// Add appends one event (one JSON object, no newline). It never blocks on
// the network; it may write a batch to disk when the control plane is
// unreachable and memory is full.
func (o *Outbox) Add(event []byte) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return ErrClosed
	}
	if o.n == 0 {
		o.opened = time.Now()
	}
	o.buf = append(o.buf, event...)
	o.buf = append(o.buf, '\n')
	o.n++
	o.memEvents.Add(1)
	var b *batch
	if o.n >= o.cfg.MaxEvents || len(o.buf) >= o.cfg.MaxBytes {
		b = o.takeLocked()
	}
	o.mu.Unlock()
	if b != nil {
		o.enqueue(b)
	}
	return nil
}

// takeLocked seals the open batch.
func (o *Outbox) takeLocked() *batch {
	if o.n == 0 {
		return nil
	}
	b := &batch{data: o.buf, events: o.n}
	o.buf = make([]byte, 0, min(cap(o.buf), o.cfg.MaxBytes+4096))
	o.n = 0
	return b
}

// enqueue hands a sealed batch to the sender, or spools it when the sender
// is behind.
func (o *Outbox) enqueue(b *batch) {
	select {
	case o.sealed <- b:
		o.poke()
		return
	default:
	}
	o.spill(b)
}

// spill moves an in-memory batch to the spool. Its events leave Pending
// under spoolMu, in the same step as they join Spooled (or Dropped), so
// that Stats never sees them in neither: Flush would then report success
// with the batch undelivered.
func (o *Outbox) spill(b *batch) {
	if o.cfg.Dir != "" {
		err := o.writeSpool(b)
		if err == nil {
			return
		}
		o.log.Error("outbox: spooling a batch failed; its events are dropped", "events", b.events, "err", err)
	}
	o.spoolMu.Lock()
	o.memEvents.Add(-int64(b.events))
	o.dropped.Add(int64(b.events))
	o.spoolMu.Unlock()
}

// Stats returns a snapshot of the counters. Pending, Spooled and Dropped
// are read together under spoolMu, where spill moves events between them.
func (o *Outbox) Stats() Stats {
	o.spoolMu.Lock()
	s := Stats{SpoolBytes: o.spoolBytes}
	for _, f := range o.spool {
		s.Spooled += f.events
	}
	if len(o.spool) > 0 {
		s.OldestSpooled = o.spool[0].at
	}
	s.Pending = int(o.memEvents.Load())
	s.Dropped = o.dropped.Load()
	o.spoolMu.Unlock()
	s.Sent, s.Batches, s.Failures = o.sent.Load(), o.batches.Load(), o.failures.Load()
	s.Rejected = o.rejected.Load()
	s.Reachable = o.reachable.Load()
	if v := o.lastOK.Load(); v != 0 {
		s.LastSuccess = time.Unix(0, v)
	}
	if v := o.lastFail.Load(); v != 0 {
		s.LastFailure = time.Unix(0, v)
	}
	if e := o.lastErr.Load(); e != nil {
		s.LastError = *e
	}
	return s
}

// Flush seals the open batch and waits until everything in memory and in
// the spool has been delivered, or ctx ends.
func (o *Outbox) Flush(ctx context.Context) error {
	o.mu.Lock()
	b := o.takeLocked()
	o.mu.Unlock()
	if b != nil {
		o.enqueue(b)
	}
	o.poke()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		st := o.Stats()
		if st.Pending == 0 && st.Spooled == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("outbox: flush: %d events in memory, %d spooled: %w", st.Pending, st.Spooled, ctx.Err())
		case <-t.C:
			o.poke()
		}
	}
}

// Close stops accepting events, delivers what it can until ctx ends, and
// spools the rest so that the next run delivers it.
func (o *Outbox) Close(ctx context.Context) error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		<-o.done
		return nil
	}
	o.closed = true
	b := o.takeLocked()
	o.mu.Unlock()
	if b != nil {
		o.enqueue(b)
	}
	o.closing.Store(&ctx)
	close(o.stop)
	<-o.done
	st := o.Stats()
	if st.Spooled > 0 {
		return fmt.Errorf("outbox: closed with %d events spooled in %s for the next run", st.Spooled, o.cfg.Dir)
	}
	return nil
}

func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run is the sender goroutine.
func (o *Outbox) run() {
	defer close(o.done)
	tick := time.NewTicker(max(o.cfg.FlushInterval/4, time.Millisecond))
	defer tick.Stop()
	backoff := time.Duration(0)
	var retryAt time.Time
	for {
		// Seal a batch that has waited long enough.
		o.mu.Lock()
		var due *batch
		if o.n > 0 && time.Since(o.opened) >= o.cfg.FlushInterval {
			due = o.takeLocked()
		}
		o.mu.Unlock()
		if due != nil {
			o.enqueue(due)
		}

		if time.Now().After(retryAt) {
			if ok, tried := o.deliverOne(context.Background()); tried {
				if ok {
					backoff = 0
					retryAt = time.Time{}
					continue // more may be waiting
				}
				backoff = o.nextBackoff(backoff)
				retryAt = time.Now().Add(backoff)
			}
		} else {
			// Backing off: move sealed batches to disk as they come, so
			// that memory stays free and requests never spill inline.
			o.spillSealed()
		}
		select {
		case <-o.stop:
			o.drain()
			return
		case <-o.wake:
		case <-tick.C:
		}
	}
}

func (o *Outbox) nextBackoff(prev time.Duration) time.Duration {
	next := max(o.cfg.MinBackoff, min(2*prev, o.cfg.MaxBackoff))
	// Full jitter over [next/2, next): spreads a fleet's retries.
	return next/2 + rand.N(next/2+1)
}

// deliverOne sends the oldest spooled batch, else one in-memory batch.
// tried is false when there was nothing to send.
func (o *Outbox) deliverOne(ctx context.Context) (ok, tried bool) {
	if f, ok := o.oldestSpooled(); ok {
		data, err := os.ReadFile(filepath.Join(o.cfg.Dir, f.name))
		if err != nil {
			o.log.Error("outbox: reading a spooled batch; dropping it", "file", f.name, "err", err)
			o.removeSpooled(f, true)
			return true, true
		}
		err = o.attempt(ctx, data, f.events)
		if err == nil || errors.Is(err, ErrPermanent) {
			o.removeSpooled(f, false)
			return true, true
		}
		return false, true
	}
	select {
	case b := <-o.sealed:
		err := o.attempt(ctx, b.data, b.events)
		if err == nil || errors.Is(err, ErrPermanent) {
			o.memEvents.Add(-int64(b.events))
			return true, true
		}
		o.spill(b)
		return false, true
	default:
		return false, false
	}
}

// attempt is one Send with its accounting.
func (o *Outbox) attempt(ctx context.Context, data []byte, events int) error {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.SendTimeout)
	err := o.send.Send(ctx, data, events)
	cancel()
	switch {
	case err == nil:
		o.sent.Add(int64(events))
		o.batches.Add(1)
		o.lastOK.Store(time.Now().UnixNano())
		if !o.reachable.Swap(true) {
			o.log.Info("outbox: control plane reachable again")
		}
	case errors.Is(err, ErrPermanent):
		o.rejected.Add(int64(events))
		o.log.Error("outbox: batch refused; its events are dropped", "events", events, "err", err)
	default:
		o.failures.Add(1)
		o.lastFail.Store(time.Now().UnixNano())
		msg := err.Error()
		o.lastErr.Store(&msg)
		if o.reachable.Swap(false) {
			o.log.Warn("outbox: control plane unreachable; spooling events", "err", err)
		}
	}
	return err
}

// drain runs at Close: deliver while the close context allows, then spool
// whatever is still in memory.
func (o *Outbox) drain() {
	ctx := *o.closing.Load()
	for ctx.Err() == nil {
		ok, tried := o.deliverOne(ctx)
		if !tried || !ok {
			break
		}
	}
	o.spillSealed()
}

func (o *Outbox) spillSealed() {
	for {
		select {
		case b := <-o.sealed:
			o.spill(b)
		default:
			return
		}
	}
}

// ---- spool ----

const spoolExt = ".ndjson"

// Spool file names: <sequence, 20 digits>-<events>.ndjson, so that listing
// the directory gives the order and the event counts without reading.
func spoolName(seq uint64, events int) string {
	return fmt.Sprintf("%020d-%d%s", seq, events, spoolExt)
}

func (o *Outbox) loadSpool() error {
	if err := os.MkdirAll(o.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("outbox: spool: %w", err)
	}
	ents, err := os.ReadDir(o.cfg.Dir)
	if err != nil {
		return fmt.Errorf("outbox: spool: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			_ = os.Remove(filepath.Join(o.cfg.Dir, name)) // a crash mid-write
			continue
		}
		base, ok := strings.CutSuffix(name, spoolExt)
		if !ok {
			continue
		}
		seqS, nS, ok := strings.Cut(base, "-")
		seq, err1 := strconv.ParseUint(seqS, 10, 64)
		n, err2 := strconv.Atoi(nS)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		o.spool = append(o.spool, spoolFile{name: name, events: n, size: info.Size(), at: info.ModTime()})
		o.spoolBytes += info.Size()
		o.spoolSeq = max(o.spoolSeq, seq)
	}
	sort.Slice(o.spool, func(i, j int) bool { return o.spool[i].name < o.spool[j].name })
	if len(o.spool) > 0 {
		o.log.Info("outbox: resuming spooled events", "batches", len(o.spool), "bytes", o.spoolBytes)
	}
	return nil
}

// writeSpool writes b to the spool, dropping the oldest batches past
// MaxSpoolBytes, and moves b's events from Pending to Spooled.
func (o *Outbox) writeSpool(b *batch) error {
	size := int64(len(b.data))
	o.spoolMu.Lock()
	defer o.spoolMu.Unlock()
	if size > o.cfg.MaxSpoolBytes {
		return fmt.Errorf("batch of %d bytes exceeds the spool bound", size)
	}
	for o.spoolBytes+size > o.cfg.MaxSpoolBytes && len(o.spool) > 0 {
		old := o.spool[0]
		o.spool = o.spool[1:]
		o.spoolBytes -= old.size
		o.dropped.Add(int64(old.events))
		_ = os.Remove(filepath.Join(o.cfg.Dir, old.name))
		o.log.Warn("outbox: spool full; dropped the oldest batch", "events", old.events)
	}
	o.spoolSeq++
	name := spoolName(o.spoolSeq, b.events)
	tmp := filepath.Join(o.cfg.Dir, name+".tmp")
	if err := os.WriteFile(tmp, b.data, 0o600); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(o.cfg.Dir, name)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	o.spool = append(o.spool, spoolFile{name: name, events: b.events, size: size, at: time.Now()})
	o.spoolBytes += size
	o.memEvents.Add(-int64(b.events))
	return nil
}

func (o *Outbox) oldestSpooled() (spoolFile, bool) {
	o.spoolMu.Lock()
	defer o.spoolMu.Unlock()
	if len(o.spool) == 0 {
		return spoolFile{}, false
	}
	return o.spool[0], true
}

// removeSpooled deletes a delivered (or unreadable) spool file. It may
// already have been dropped for space meanwhile.
func (o *Outbox) removeSpooled(f spoolFile, drop bool) {
	o.spoolMu.Lock()
	defer o.spoolMu.Unlock()
	for i := range o.spool {
		if o.spool[i].name == f.name {
			o.spool = append(o.spool[:i], o.spool[i+1:]...)
			o.spoolBytes -= f.size
			if drop {
				o.dropped.Add(int64(f.events))
			}
			break
		}
	}
	_ = os.Remove(filepath.Join(o.cfg.Dir, f.name))
}

// CountLines counts NDJSON events in a batch (for Senders and tests).
func CountLines(b []byte) int { return bytes.Count(b, []byte{'\n'}) }
