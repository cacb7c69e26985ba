package controlplane_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/edgescore/edgescore/controlplane"
)

func TestRolloutLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	base, next := f.upload(t, "m", "1"), f.upload(t, "m", "2")
	s := f.svc

	steps := []struct {
		name    string
		do      func() (controlplane.Rollout, error)
		want    string // arm weights after the step
		wantErr error
	}{
		{"canary before champion", func() (controlplane.Rollout, error) {
			return s.Canary(ctx, "ann", "eu", controlplane.CanaryRequest{Bundle: next, Percent: pct(5)})
		}, "", controlplane.ErrConflict},
		{"promote first bundle", func() (controlplane.Rollout, error) {
			return s.Promote(ctx, "ann", "eu", controlplane.PromoteRequest{Bundle: "m@1"})
		}, "champion=10000 ", nil},
		{"canary 5%", func() (controlplane.Rollout, error) {
			return s.Canary(ctx, "ann", "eu", controlplane.CanaryRequest{Bundle: next, Percent: pct(5)})
		}, "challenger=500 champion=9500 ", nil},
		{"ramp 25%", func() (controlplane.Rollout, error) {
			return s.Ramp(ctx, "ann", "eu", controlplane.RampRequest{Percent: pct(25)})
		}, "challenger=2500 champion=7500 ", nil},
		{"kill", func() (controlplane.Rollout, error) {
			on := true
			return s.Kill(ctx, "ann", "eu", controlplane.KillRequest{Enabled: &on})
		}, "challenger=2500 champion=7500 ", nil},
		{"kill twice", func() (controlplane.Rollout, error) {
			on := true
			return s.Kill(ctx, "ann", "eu", controlplane.KillRequest{Enabled: &on})
		}, "", controlplane.ErrConflict},
		{"rollback", func() (controlplane.Rollout, error) {
			return s.Rollback(ctx, "ann", "eu", controlplane.RollbackRequest{})
		}, "champion=10000 ", nil},
		{"ramp without canary", func() (controlplane.Rollout, error) {
			return s.Ramp(ctx, "ann", "eu", controlplane.RampRequest{Percent: pct(50)})
		}, "", controlplane.ErrConflict},
		{"canary again and promote", func() (controlplane.Rollout, error) {
			if _, err := s.Canary(ctx, "ann", "eu", controlplane.CanaryRequest{Bundle: next, Percent: pct(50)}); err != nil {
				return controlplane.Rollout{}, err
			}
			return s.Promote(ctx, "ann", "eu", controlplane.PromoteRequest{})
		}, "champion=10000 ", nil},
		{"rollback to previous champion", func() (controlplane.Rollout, error) {
			return s.Rollback(ctx, "ann", "eu", controlplane.RollbackRequest{})
		}, "champion=10000 ", nil},
		{"stale if_sequence", func() (controlplane.Rollout, error) {
			seq := uint64(1)
			return s.Ramp(ctx, "ann", "eu", controlplane.RampRequest{Percent: pct(1), IfSequence: &seq})
		}, "", controlplane.ErrStaleSequence},
		{"unknown bundle", func() (controlplane.Rollout, error) {
			return s.Canary(ctx, "ann", "eu", controlplane.CanaryRequest{Bundle: "nope@1", Percent: pct(5)})
		}, "", controlplane.ErrUnprocessable},
		{"percent out of range", func() (controlplane.Rollout, error) {
			return s.Canary(ctx, "ann", "eu", controlplane.CanaryRequest{Bundle: next, Percent: pct(100)})
		}, "", controlplane.ErrInvalid},
	}
	var lastSeq uint64
	for _, st := range steps {
		before, _ := s.Rollout("eu")
		r, err := st.do()
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
			}
			after, _ := s.Rollout("eu")
			if after.Sequence != before.Sequence {
				t.Fatalf("%s: a refused change moved the sequence %d -> %d", st.name, before.Sequence, after.Sequence)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := weights(r); got != st.want {
			t.Fatalf("%s: arms %q, want %q", st.name, got, st.want)
		}
		if r.Sequence <= lastSeq {
			t.Fatalf("%s: sequence %d not above %d", st.name, r.Sequence, lastSeq)
		}
		lastSeq = r.Sequence
		// Each change publishes a manifest that verifies and matches.
		p, err := s.Manifest("eu")
		if err != nil {
			t.Fatal(err)
		}
		var m controlplane.Manifest
		if err := json.Unmarshal(p.Body, &m); err != nil {
			t.Fatal(err)
		}
		if err := controlplane.VerifyManifest(&m, []ed25519.PublicKey{f.pub}, r.Sequence-1); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if m.Sequence != r.Sequence || m.KillSwitch != r.KillSwitch || len(m.Arms) != len(r.Arms) {
			t.Fatalf("%s: manifest %+v does not match rollout %+v", st.name, m, r)
		}
	}
	final, _ := s.Rollout("eu")
	if final.Arms[0].Bundle != base || final.PreviousChampion != next || !final.KillSwitch {
		t.Fatalf("final = %+v; want base champion, next as previous, kill switch still on", final)
	}
	audit, err := s.Audit(ctx, "eu", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != int(final.Sequence) {
		t.Fatalf("%d audit entries for sequence %d: every change must be audited once", len(audit), final.Sequence)
	}
	if audit[0].Action != "rollback" || audit[0].Actor != "ann" || audit[0].From == nil {
		t.Fatalf("newest audit entry = %+v", audit[0])
	}
}

// Raising the challenger's weight must never move its shoppers out: the
// challenger stays the first arm and the salt stays the same while ramping.
func TestRampIsMonotone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.upload(t, "m", "1")
	next := f.upload(t, "m", "2")
	if _, err := f.svc.Promote(ctx, "a", "g", controlplane.PromoteRequest{Bundle: "m@1"}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Canary(ctx, "a", "g", controlplane.CanaryRequest{Bundle: next, Percent: pct(1)})
	if err != nil {
		t.Fatal(err)
	}
	salt := r.Salt
	for _, p := range []float64{5, 10, 50, 99} {
		r, err := f.svc.Ramp(ctx, "a", "g", controlplane.RampRequest{Percent: pct(p)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Salt != salt || r.Arms[0].Name != controlplane.ArmChallenger || r.Arms[0].Weight != int(p*100) {
			t.Fatalf("ramp %v%%: %+v", p, r)
		}
	}
}

func TestScheduledRamp(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.upload(t, "m", "1")
	next := f.upload(t, "m", "2")
	f.svc.Promote(ctx, "a", "g", controlplane.PromoteRequest{Bundle: "m@1"})
	f.svc.Canary(ctx, "a", "g", controlplane.CanaryRequest{Bundle: next, Percent: pct(5)})
	r, err := f.svc.Ramp(ctx, "a", "g", controlplane.RampRequest{Steps: []controlplane.StepRequest{
		{At: t0.Add(time.Hour), Percent: pct(20)},
		{At: t0.Add(2 * time.Hour), Percent: pct(50)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Schedule) != 2 || r.Arms[0].Weight != 500 {
		t.Fatalf("after scheduling: %+v", r)
	}
	if n, err := f.svc.ApplyDueSteps(ctx); n != 0 || err != nil {
		t.Fatalf("nothing due yet: applied %d, %v", n, err)
	}
	f.clock.Add(90 * time.Minute)
	if n, err := f.svc.ApplyDueSteps(ctx); n != 1 || err != nil {
		t.Fatalf("one step due: applied %d, %v", n, err)
	}
	r, _ = f.svc.Rollout("g")
	if r.Arms[0].Weight != 2000 || len(r.Schedule) != 1 || r.UpdatedBy != "scheduler" {
		t.Fatalf("after first step: %+v", r)
	}
	// A rollback cancels what is still scheduled.
	if _, err := f.svc.Rollback(ctx, "a", "g", controlplane.RollbackRequest{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	if n, _ := f.svc.ApplyDueSteps(ctx); n != 0 {
		t.Fatalf("applied %d steps after a rollback", n)
	}
	// Steps in the past are refused.
	_, err = f.svc.Ramp(ctx, "a", "g", controlplane.RampRequest{Steps: []controlplane.StepRequest{{At: t0, Percent: pct(5)}}})
	if !errors.Is(err, controlplane.ErrInvalid) {
		t.Fatalf("past step: err = %v", err)
	}
}

func TestWatcherCoalesces(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.upload(t, "m", "1")
	next := f.upload(t, "m", "2")
	w, err := f.svc.Watch("g")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if p := w.TryNext(); p != nil {
		t.Fatalf("no manifest yet, got %d", p.Sequence)
	}
	f.svc.Promote(ctx, "a", "g", controlplane.PromoteRequest{Bundle: "m@1"})
	f.svc.Canary(ctx, "a", "g", controlplane.CanaryRequest{Bundle: next, Percent: pct(5)})
	f.svc.Ramp(ctx, "a", "g", controlplane.RampRequest{Percent: pct(10)})
	// A watcher that was not reading sees only the latest state.
	p, err := w.Next(ctx)
	if err != nil || p.Sequence != 3 {
		t.Fatalf("Next = %v, %v; want sequence 3", p, err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := w.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next with nothing new: %v", err)
	}
}
