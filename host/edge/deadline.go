package edge

import (
	"context"
	"sync"
	"time"
)

// callContext is the context of one guest call at a time: it is done at a
// deadline, and it is reused by the next call of the same request state.
// context.WithDeadline allocates a context, a timer and a channel on every
// call; this one resets its timer, and makes a new channel only after a
// deadline has passed (a timeout, which is rare). It carries no values and
// has no parent: a client that goes away must not interrupt a started call
// (see Server.call).
//
// The timer's function may run late, after the call it was set for has
// ended and even after the next call has set a later deadline; it only
// ends the context when the current deadline has passed, so a late run is
// harmless.
type callContext struct {
	mu       sync.Mutex
	deadline time.Time
	done     chan struct{}
	err      error
	timer    *time.Timer
}

// start makes the context the one of a call ending at deadline.
func (c *callContext) start(deadline time.Time) {
	c.mu.Lock()
	if c.done == nil || c.err != nil {
		c.done, c.err = make(chan struct{}), nil
	}
	c.deadline = deadline
	c.mu.Unlock()
	if c.timer == nil {
		c.timer = time.AfterFunc(time.Until(deadline), c.expire)
	} else {
		c.timer.Reset(time.Until(deadline))
	}
}

// stop ends the call's use of the context.
func (c *callContext) stop() { c.timer.Stop() }

func (c *callContext) expire() {
	c.mu.Lock()
	if c.err == nil && !time.Now().Before(c.deadline) {
		c.err = context.DeadlineExceeded
		close(c.done)
	}
	c.mu.Unlock()
}

func (c *callContext) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, true
}

func (c *callContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

func (c *callContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *callContext) Value(any) any { return nil }
