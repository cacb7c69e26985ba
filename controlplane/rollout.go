package controlplane

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// Arm names the control plane gives the two arms of a canary.
const (
	ArmChampion   = "champion"
	ArmChallenger = "challenger"
)

// FullWeight is the total weight of a group's arms: buckets are basis points.
const FullWeight = 10000

// Rollout is the plan of one edge group: what its edges run. Every change
// produces a new Sequence and a newly signed Manifest.
type Rollout struct {
	Group      string `json:"group"`
	Sequence   uint64 `json:"sequence"`
	Salt       string `json:"salt"`
	KillSwitch bool   `json:"kill_switch"`
	// Arms in bucket order: the challenger (if any) first, the champion
	// last, other arms of a hand-written plan in between.
	Arms []Arm `json:"arms"`
	// PreviousChampion is the champion before the last promotion; a
	// rollback without a challenger returns to it.
	PreviousChampion string `json:"previous_champion,omitempty"`
	// Schedule holds pending ramp steps, earliest first.
	Schedule  []Step    `json:"schedule,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// Arm is one bundle and its weight in basis points (0…10000).
type Arm struct {
	Name   string `json:"name"`
	Bundle string `json:"bundle"`
	Weight int    `json:"weight"`
}

// Step is a scheduled ramp: at At, the challenger gets Weight.
type Step struct {
	At     time.Time `json:"at"`
	Weight int       `json:"weight"`
}

func (r *Rollout) clone() *Rollout {
	c := *r
	c.Arms = slices.Clone(r.Arms)
	c.Schedule = slices.Clone(r.Schedule)
	return &c
}

func (r *Rollout) arm(name string) int {
	for i, a := range r.Arms {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// ---- requests ----

// PlanRequest replaces a group's arms wholesale.
type PlanRequest struct {
	Arms       []ArmRequest `json:"arms"`
	Salt       string       `json:"salt,omitempty"` // kept if empty (new if the group is new)
	IfSequence *uint64      `json:"if_sequence,omitempty"`
}

// ArmRequest is an arm as requested: Bundle is any bundle reference, Percent
// its share of shoppers (basis-point precision).
type ArmRequest struct {
	Name    string   `json:"name"`
	Bundle  string   `json:"bundle"`
	Percent *float64 `json:"percent"`
}

// CanaryRequest starts a canary: Bundle gets Percent of the group's shoppers,
// the champion the rest. A new salt is drawn unless Salt is given, so each
// canary reaches a fresh sample of shoppers.
type CanaryRequest struct {
	Bundle     string   `json:"bundle"`
	Percent    *float64 `json:"percent"`
	Salt       string   `json:"salt,omitempty"`
	IfSequence *uint64  `json:"if_sequence,omitempty"`
}

// RampRequest sets the challenger's share now (Percent) and/or schedules
// further steps. Scheduled steps replace any pending ones.
type RampRequest struct {
	Percent    *float64      `json:"percent,omitempty"`
	Steps      []StepRequest `json:"steps,omitempty"`
	IfSequence *uint64       `json:"if_sequence,omitempty"`
}

// StepRequest is one scheduled ramp step.
type StepRequest struct {
	At      time.Time `json:"at"`
	Percent *float64  `json:"percent"`
}

// PromoteRequest makes the challenger (or, if Bundle is set, that bundle)
// the champion for every shopper.
type PromoteRequest struct {
	Bundle     string  `json:"bundle,omitempty"`
	IfSequence *uint64 `json:"if_sequence,omitempty"`
}

// RollbackRequest drops the challenger; with no challenger it restores the
// previous champion.
type RollbackRequest struct {
	IfSequence *uint64 `json:"if_sequence,omitempty"`
}

// KillRequest turns the kill switch on or off.
type KillRequest struct {
	Enabled    *bool   `json:"enabled"`
	IfSequence *uint64 `json:"if_sequence,omitempty"`
}

func percentToWeight(path string, p *float64, lo, hi int) (int, error) {
	if p == nil {
		return 0, invalidf(path, "required")
	}
	if math.IsNaN(*p) || *p < 0 || *p > 100 {
		return 0, invalidf(path, "%v is outside [0, 100]", *p)
	}
	w := int(math.Round(*p * 100))
	if w < lo || w > hi {
		return 0, invalidf(path, "%v%% is outside [%v%%, %v%%]", *p, float64(lo)/100, float64(hi)/100)
	}
	return w, nil
}

// ---- operations ----

// Rollout returns the current plan of a group.
func (s *Service) Rollout(group string) (Rollout, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rollouts[group]
	if !ok {
		return Rollout{}, fmt.Errorf("group %q has no rollout: %w", group, ErrNotFound)
	}
	return *r.clone(), nil
}

// Rollouts returns the plans of every group, by group.
func (s *Service) Rollouts() []Rollout {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rollout, 0, len(s.rollouts))
	for _, r := range s.rollouts {
		out = append(out, *r.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out
}

// SetPlan replaces a group's arms.
func (s *Service) SetPlan(ctx context.Context, actor, group string, req PlanRequest) (Rollout, error) {
	if len(req.Arms) == 0 || len(req.Arms) > 16 {
		return Rollout{}, invalidf("arms", "want 1 to 16 arms")
	}
	arms := make([]Arm, len(req.Arms))
	seen := map[string]bool{}
	sum := 0
	for i, a := range req.Arms {
		p := fmt.Sprintf("arms[%d]", i)
		if err := checkName(p+".name", a.Name); err != nil {
			return Rollout{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if seen[a.Name] {
			return Rollout{}, invalidf(p+".name", "%q appears twice", a.Name)
		}
		seen[a.Name] = true
		w, err := percentToWeight(p+".percent", a.Percent, 0, FullWeight)
		if err != nil {
			return Rollout{}, err
		}
		b, err := s.resolve(ctx, a.Bundle)
		if err != nil {
			return Rollout{}, fmt.Errorf("%w: %s.bundle: %v", ErrUnprocessable, p, err)
		}
		arms[i] = Arm{Name: a.Name, Bundle: b.Digest, Weight: w}
		sum += w
	}
	if sum != FullWeight {
		return Rollout{}, invalidf("arms", "percents sum to %v, want 100", float64(sum)/100)
	}
	if req.Salt != "" {
		if err := checkName("salt", req.Salt); err != nil {
			return Rollout{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	return s.change(ctx, actor, group, "plan", req.IfSequence, func(r *Rollout, isNew bool) error {
		if req.Salt != "" {
			r.Salt = req.Salt
		} else if isNew {
			r.Salt = s.newSalt()
		}
		if i := r.arm(ArmChampion); i >= 0 {
			r.PreviousChampion = r.Arms[i].Bundle
		}
		r.Arms = arms
		r.Schedule = nil
		return nil
	})
}

// Canary starts a canary of a bundle at a percentage of the group.
func (s *Service) Canary(ctx context.Context, actor, group string, req CanaryRequest) (Rollout, error) {
	w, err := percentToWeight("percent", req.Percent, 1, FullWeight-1)
	if err != nil {
		return Rollout{}, err
	}
	b, err := s.resolve(ctx, req.Bundle)
	if err != nil {
		return Rollout{}, fmt.Errorf("%w: bundle: %v", ErrUnprocessable, err)
	}
	if req.Salt != "" {
		if err := checkName("salt", req.Salt); err != nil {
			return Rollout{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	return s.change(ctx, actor, group, "canary", req.IfSequence, func(r *Rollout, isNew bool) error {
		ci := r.arm(ArmChampion)
		if ci < 0 {
			return fmt.Errorf("%w: group %q has no champion to compare against; promote a bundle first", ErrConflict, group)
		}
		if r.Arms[ci].Bundle == b.Digest {
			return fmt.Errorf("%w: bundle %s is already the champion", ErrConflict, b.Digest)
		}
		if i := r.arm(ArmChallenger); i >= 0 {
			r.Arms = slices.Delete(r.Arms, i, i+1)
		}
		r.Arms = append([]Arm{{Name: ArmChallenger, Bundle: b.Digest}}, r.Arms...)
		if err := setChallengerWeight(r, w); err != nil {
			return err
		}
		if req.Salt != "" {
			r.Salt = req.Salt
		} else {
			r.Salt = s.newSalt()
		}
		r.Schedule = nil
		return nil
	})
}

// setChallengerWeight gives the challenger w and the champion whatever the
// other arms leave.
func setChallengerWeight(r *Rollout, w int) error {
	others := 0
	for _, a := range r.Arms {
		if a.Name != ArmChallenger && a.Name != ArmChampion {
			others += a.Weight
		}
	}
	if w+others > FullWeight {
		return fmt.Errorf("%w: challenger %v%% plus other arms %v%% exceed 100%%", ErrConflict, float64(w)/100, float64(others)/100)
	}
	r.Arms[r.arm(ArmChallenger)].Weight = w
	r.Arms[r.arm(ArmChampion)].Weight = FullWeight - others - w
	return nil
}

// Ramp changes the challenger's share now and/or schedules steps.
func (s *Service) Ramp(ctx context.Context, actor, group string, req RampRequest) (Rollout, error) {
	if req.Percent == nil && len(req.Steps) == 0 {
		return Rollout{}, invalidf("percent", "required (or steps)")
	}
	w := -1
	if req.Percent != nil {
		var err error
		if w, err = percentToWeight("percent", req.Percent, 0, FullWeight); err != nil {
			return Rollout{}, err
		}
	}
	if len(req.Steps) > 100 {
		return Rollout{}, invalidf("steps", "at most 100 steps")
	}
	now := s.now()
	steps := make([]Step, len(req.Steps))
	for i, st := range req.Steps {
		p := fmt.Sprintf("steps[%d]", i)
		if st.At.IsZero() {
			return Rollout{}, invalidf(p+".at", "required")
		}
		if !st.At.After(now) {
			return Rollout{}, invalidf(p+".at", "%s is not in the future", st.At.Format(time.RFC3339))
		}
		if i > 0 && !st.At.After(steps[i-1].At) {
			return Rollout{}, invalidf(p+".at", "steps must be in increasing time order")
		}
		sw, err := percentToWeight(p+".percent", st.Percent, 0, FullWeight)
		if err != nil {
			return Rollout{}, err
		}
		steps[i] = Step{At: st.At.UTC(), Weight: sw}
	}
	action := "ramp"
	if w < 0 {
		action = "schedule"
	}
	return s.change(ctx, actor, group, action, req.IfSequence, func(r *Rollout, isNew bool) error {
		if r.arm(ArmChallenger) < 0 || r.arm(ArmChampion) < 0 {
			return fmt.Errorf("%w: group %q has no canary to ramp", ErrConflict, group)
		}
		if w >= 0 {
			if err := setChallengerWeight(r, w); err != nil {
				return err
			}
		}
		if len(steps) > 0 {
			r.Schedule = steps
		}
		return nil
	})
}

// Promote makes the challenger (or req.Bundle) the champion for everyone.
func (s *Service) Promote(ctx context.Context, actor, group string, req PromoteRequest) (Rollout, error) {
	var digest string
	if req.Bundle != "" {
		b, err := s.resolve(ctx, req.Bundle)
		if err != nil {
			return Rollout{}, fmt.Errorf("%w: bundle: %v", ErrUnprocessable, err)
		}
		digest = b.Digest
	}
	return s.change(ctx, actor, group, "promote", req.IfSequence, func(r *Rollout, isNew bool) error {
		if isNew {
			if digest == "" {
				return fmt.Errorf("%w: group %q is new: name the bundle to promote", ErrConflict, group)
			}
			r.Salt = s.newSalt()
		}
		next := digest
		if next == "" {
			i := r.arm(ArmChallenger)
			if i < 0 {
				return fmt.Errorf("%w: group %q has no challenger to promote", ErrConflict, group)
			}
			next = r.Arms[i].Bundle
		}
		if i := r.arm(ArmChampion); i >= 0 {
			if r.Arms[i].Bundle == next && len(r.Arms) == 1 {
				return fmt.Errorf("%w: bundle %s is already the champion of group %q", ErrConflict, next, group)
			}
			r.PreviousChampion = r.Arms[i].Bundle
		}
		r.Arms = []Arm{{Name: ArmChampion, Bundle: next, Weight: FullWeight}}
		r.Schedule = nil
		return nil
	})
}

// Rollback drops the challenger at once; with no challenger it restores the
// previous champion.
func (s *Service) Rollback(ctx context.Context, actor, group string, req RollbackRequest) (Rollout, error) {
	return s.change(ctx, actor, group, "rollback", req.IfSequence, func(r *Rollout, isNew bool) error {
		if isNew {
			return fmt.Errorf("group %q has no rollout: %w", group, ErrNotFound)
		}
		if i := r.arm(ArmChallenger); i >= 0 {
			w := r.Arms[i].Weight
			r.Arms = slices.Delete(r.Arms, i, i+1)
			if c := r.arm(ArmChampion); c >= 0 {
				r.Arms[c].Weight += w
			} else {
				return fmt.Errorf("%w: group %q has no champion to fall back to", ErrConflict, group)
			}
		} else {
			if r.PreviousChampion == "" {
				return fmt.Errorf("%w: group %q has neither a challenger nor a previous champion", ErrConflict, group)
			}
			cur := ""
			if c := r.arm(ArmChampion); c >= 0 {
				cur = r.Arms[c].Bundle
			}
			r.Arms = []Arm{{Name: ArmChampion, Bundle: r.PreviousChampion, Weight: FullWeight}}
			r.PreviousChampion = cur
		}
		r.Schedule = nil
		return nil
	})
}

// Kill turns the kill switch on (every shopper gets "no offer") or off.
func (s *Service) Kill(ctx context.Context, actor, group string, req KillRequest) (Rollout, error) {
	if req.Enabled == nil {
		return Rollout{}, invalidf("enabled", "required")
	}
	on := *req.Enabled
	action := "kill"
	if !on {
		action = "unkill"
	}
	return s.change(ctx, actor, group, action, req.IfSequence, func(r *Rollout, isNew bool) error {
		if isNew {
			return fmt.Errorf("group %q has no rollout: %w", group, ErrNotFound)
		}
		if r.KillSwitch == on {
			return fmt.Errorf("%w: the kill switch of group %q is already %v", ErrConflict, group, onOff(on))
		}
		r.KillSwitch = on
		return nil
	})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// ApplyDueSteps applies every scheduled ramp step whose time has come, one
// audited change per step, and returns how many it applied.
func (s *Service) ApplyDueSteps(ctx context.Context) (int, error) {
	now := s.now()
	type due struct {
		group string
		seq   uint64
		step  Step
	}
	var todo []due
	s.mu.Lock()
	for g, r := range s.rollouts {
		if len(r.Schedule) > 0 && !r.Schedule[0].At.After(now) {
			todo = append(todo, due{g, r.Sequence, r.Schedule[0]})
		}
	}
	s.mu.Unlock()
	applied := 0
	var errs []error
	for _, d := range todo {
		for {
			seq := d.seq
			_, err := s.change(ctx, "scheduler", d.group, "scheduled-ramp", &seq, func(r *Rollout, isNew bool) error {
				if len(r.Schedule) == 0 || !r.Schedule[0].At.Equal(d.step.At) {
					return errNothingDue
				}
				r.Schedule = r.Schedule[1:]
				if r.arm(ArmChallenger) < 0 || r.arm(ArmChampion) < 0 {
					r.Schedule = nil
					return nil
				}
				return setChallengerWeight(r, d.step.Weight)
			})
			if errors.Is(err, errNothingDue) {
				break
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("group %s: %w", d.group, err))
				break
			}
			applied++
			r, err := s.Rollout(d.group)
			if err != nil || len(r.Schedule) == 0 || r.Schedule[0].At.After(now) {
				break
			}
			d.seq, d.step = r.Sequence, r.Schedule[0]
		}
	}
	return applied, errors.Join(errs...)
}

var errNothingDue = errors.New("nothing due")

func (s *Service) newSalt() string {
	return "s-" + hex.EncodeToString(s.random(8))
}

// change is the one path by which a rollout changes: check the expected
// sequence, mutate a copy, sign its manifest, commit plan, manifest and audit
// entry atomically, then publish to watchers.
func (s *Service) change(ctx context.Context, actor, group, action string, ifSeq *uint64,
	mutate func(r *Rollout, isNew bool) error) (Rollout, error) {
	if err := checkName("group", group); err != nil {
		return Rollout{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, exists := s.rollouts[group]
	var prev uint64
	if exists {
		prev = cur.Sequence
	}
	if ifSeq != nil && *ifSeq != prev {
		return Rollout{}, fmt.Errorf("%w: if_sequence %d is not the current sequence %d of group %q",
			ErrStaleSequence, *ifSeq, prev, group)
	}
	var next *Rollout
	if exists {
		next = cur.clone()
	} else {
		next = &Rollout{Group: group}
	}
	if err := mutate(next, !exists); err != nil {
		return Rollout{}, err
	}
	next.Sequence = prev + 1
	next.UpdatedAt = s.now()
	next.UpdatedBy = actor
	if err := s.commit(ctx, cur, next, actor, action); err != nil {
		return Rollout{}, err
	}
	return *next.clone(), nil
}

// commit signs next's manifest and stores it; s.mu must be held.
func (s *Service) commit(ctx context.Context, cur, next *Rollout, actor, action string) error {
	m, err := s.issue(ctx, next)
	if err != nil {
		return err
	}
	pub, err := publish(m)
	if err != nil {
		return err
	}
	state, err := json.Marshal(next)
	if err != nil {
		return err
	}
	a := store.AuditEntry{At: next.UpdatedAt, Actor: actor, Group: next.Group, Action: action,
		Sequence: next.Sequence, To: state}
	var prev uint64
	if cur != nil {
		prev = cur.Sequence
		if a.From, err = json.Marshal(cur); err != nil {
			return err
		}
	}
	rec := store.Rollout{Group: next.Group, Sequence: next.Sequence, State: state, Manifest: pub.Body, UpdatedAt: next.UpdatedAt}
	if err := s.st.CommitRollout(ctx, prev, rec, a); err != nil {
		if errors.Is(err, store.ErrStaleSequence) {
			return fmt.Errorf("%w: %v", ErrStaleSequence, err)
		}
		return err
	}
	s.rollouts[next.Group] = next
	s.setPublished(pub)
	return nil
}

// issue builds and signs the manifest of r.
func (s *Service) issue(ctx context.Context, r *Rollout) (*Manifest, error) {
	m := &Manifest{
		Group: r.Group, Sequence: r.Sequence, IssuedAt: r.UpdatedAt.UTC().Format(time.RFC3339Nano),
		KeyID: s.signer.KeyID(), Salt: r.Salt, KillSwitch: r.KillSwitch, Arms: make([]ManifestArm, len(r.Arms)),
	}
	for i, a := range r.Arms {
		b, err := s.st.Bundle(ctx, a.Bundle)
		if err != nil {
			return nil, fmt.Errorf("manifest of group %s: arm %s: %w", r.Group, a.Name, err)
		}
		m.Arms[i] = ManifestArm{Name: a.Name, Bundle: a.Bundle, Weight: a.Weight, URL: s.cfg.BlobBaseURL + a.Bundle, Size: b.Size}
	}
	if err := checkManifestFields(m); err != nil {
		return nil, fmt.Errorf("manifest of group %s: %w", r.Group, err)
	}
	m.Signature = s.signer.Sign(m.SigningBytes())
	return m, nil
}

// loadRollouts fills the caches from the store and re-signs manifests made
// with another key (after a key rotation) under a new sequence.
func (s *Service) loadRollouts(ctx context.Context) error {
	recs, err := s.st.Rollouts(ctx)
	if err != nil {
		return fmt.Errorf("load rollouts: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range recs {
		var r Rollout
		if err := json.Unmarshal(rec.State, &r); err != nil {
			return fmt.Errorf("load rollout of group %s: %w", rec.Group, err)
		}
		var m Manifest
		if err := json.Unmarshal(rec.Manifest, &m); err != nil {
			return fmt.Errorf("load manifest of group %s: %w", rec.Group, err)
		}
		s.rollouts[rec.Group] = &r
		if m.KeyID != s.signer.KeyID() {
			next := r.clone()
			next.Sequence++
			next.UpdatedAt = s.now()
			next.UpdatedBy = "system"
			if err := s.commit(ctx, &r, next, "system", "resign"); err != nil {
				return fmt.Errorf("re-sign manifest of group %s: %w", rec.Group, err)
			}
			s.log.Info("re-signed manifest with the new key", "group", rec.Group, "sequence", next.Sequence, "key_id", s.signer.KeyID())
			continue
		}
		pub, err := publish(&m)
		if err != nil {
			return err
		}
		s.setPublished(pub)
	}
	return nil
}
