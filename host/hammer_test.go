package host_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/testbundle"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/wasm/abi"
)

// TestHammer runs everything at once, under -race in CI: many goroutines
// deciding, bundles swapped (and a bad one rejected) all the time, calls
// that trap and calls that spin until their deadline. Every ordinary
// decision must succeed and be exactly its bundle's decision; every
// trap must be ErrTrap and every spin DeadlineExceeded; the pool must end
// with all its instances.
func TestHammer(t *testing.T) {
	ctx := context.Background()
	const size = 3
	p := newPool(t, guesttest.DebugModule(t), host.WithSize(size))
	bundles := [][]byte{testbundle.Small(t, "hammer@A", -0.5), testbundle.Small(t, "hammer@B", 0.5)}
	cs := contexts(t)
	want := expected(t, guesttest.Module(t), cs, bundles...)
	if _, err := p.LoadBundle(ctx, bundles[0]); err != nil {
		t.Fatal(err)
	}
	iters := 400
	if testing.Short() {
		iters = 60
	}

	var (
		wg                     sync.WaitGroup
		errs                   = make(chan error, 100)
		ok, traps, interrupted atomic.Int64
	)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d scorer.Decision
			for i := range iters {
				switch {
				case g == 0 && i%20 == 5: // a trap
					err := p.Decide(ctx, ctxWithID(abi.DebugTrapShopperID), &d)
					if !errors.Is(err, host.ErrTrap) {
						fail(fmt.Errorf("trap call: %v", err))
						return
					}
					traps.Add(1)
				case g == 1 && i%25 == 7: // a runaway call with a deadline
					dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
					err := p.Decide(dctx, ctxWithID(abi.DebugSpinShopperID), &d)
					cancel()
					if !errors.Is(err, context.DeadlineExceeded) {
						fail(fmt.Errorf("spinning call: %v", err))
						return
					}
					interrupted.Add(1)
				default:
					k := (g*iters + i) % len(cs)
					b, err := p.DecideBundle(ctx, cs[k], &d)
					if err != nil {
						fail(fmt.Errorf("goroutine %d call %d: %v", g, i, err))
						return
					}
					if w := want[b.CRC()]; w == nil || !sameRecord(record(&d, b.CRC()), w[k]) {
						fail(fmt.Errorf("goroutine %d call %d: decision is not bundle %s's", g, i, b.ID()))
						return
					}
					ok.Add(1)
				}
			}
		}()
	}
	done, swapped := make(chan struct{}), make(chan struct{})
	var swaps atomic.Int64
	go func() {
		defer close(swapped)
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			data := bundles[i%2]
			if i%4 == 3 {
				data = data[:len(data)-3]
			}
			_, err := p.LoadBundle(ctx, data)
			if (i%4 == 3) != (err != nil) {
				fail(fmt.Errorf("swap %d: %v", i, err))
			}
			swaps.Add(1)
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(done)
	<-swapped // its last swap may fail too: errs is still open
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The pool ends with all its instances, each started for one that was
	// discarded or switched, or abandoned because a newer swap came while it
	// started (CI once saw 80 started for 3 + 35 discarded + 41 switched,
	// before Abandoned was counted). The last swap's refresher may still be
	// switching idle instances (it counts Started before Switched), so
	// wait for every instance to be idle and the counters to agree.
	var s host.Stats
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		s = p.Stats()
		if s.Idle == size && s.Started == size+s.Discarded+s.Switched+s.Abandoned {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("after 20 s: %d of %d instances idle, %d started for %d discarded, %d switched and %d abandoned",
				s.Idle, size, s.Started, s.Discarded, s.Switched, s.Abandoned)
		}
	}
	t.Logf("%d decisions, %d traps, %d interrupted, %d swaps; %+v", ok.Load(), traps.Load(), interrupted.Load(), swaps.Load(), s)
	// A spinning call may also time out while it waits for an instance
	// (then no instance is interrupted).
	if s.Traps != uint64(traps.Load()) || s.Interrupts > uint64(interrupted.Load()) {
		t.Errorf("stats %+v disagree with the calls", s)
	}
}
