package edge

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestCallContext(t *testing.T) {
	var c callContext
	isDone := func() bool {
		select {
		case <-c.Done():
			return true
		default:
			return false
		}
	}

	// A call that ends before its deadline leaves the context usable.
	dl := time.Now().Add(time.Hour)
	c.start(dl)
	if d, ok := c.Deadline(); !ok || !d.Equal(dl) {
		t.Fatalf("Deadline() = %v, %v; want %v, true", d, ok, dl)
	}
	if c.Err() != nil || isDone() {
		t.Fatal("done an hour before its deadline")
	}
	first := c.Done()
	c.stop()

	// A late run of the timer's function (set for an earlier call) does
	// not end a call whose deadline is still ahead.
	c.start(time.Now().Add(time.Hour))
	c.expire()
	if c.Err() != nil || isDone() {
		t.Fatal("a late timer ended a call before its deadline")
	}
	if c.Done() != first {
		t.Fatal("a new channel for a call after one that ended in time")
	}
	c.stop()

	// At the deadline the context is done with DeadlineExceeded.
	c.start(time.Now().Add(time.Millisecond))
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not done 5 s after a 1 ms deadline")
	}
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err() = %v; want DeadlineExceeded", err)
	}
	c.stop()

	// The next call starts with a fresh context.
	c.start(time.Now().Add(time.Hour))
	if c.Err() != nil || isDone() {
		t.Fatal("the call after a timeout starts done")
	}
	if c.Done() == first {
		t.Fatal("the closed channel was reused")
	}
	c.stop()

	// A deadline already past ends the call at once.
	c.start(time.Now().Add(-time.Second))
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not done with a deadline in the past")
	}
	c.stop()
}

// TestCallContextHammer reuses contexts for many short calls from several
// goroutines, with deadlines that often pass mid-call, under -race: each
// call must see a context that is done exactly when its deadline passed.
func TestCallContextHammer(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c callContext
			for i := range 2000 {
				budget := time.Duration((i+g)%5) * 20 * time.Microsecond
				dl := time.Now().Add(budget)
				c.start(dl)
				if i%3 == 0 {
					time.Sleep(50 * time.Microsecond)
				}
				select {
				case <-c.Done():
					if c.Err() == nil {
						t.Errorf("call %d: Done closed but Err nil", i)
					}
				default:
				}
				if c.Err() != nil && time.Now().Before(dl) {
					t.Errorf("call %d: done before its deadline", i)
				}
				c.stop()
			}
		}()
	}
	wg.Wait()
}
