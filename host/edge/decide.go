package edge

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// outcome is one decision as the server passes it on: the guest's decision
// and the names of its indexes, or a default decision and why.
type outcome struct {
	id     decisionID
	ok     bool
	reason string // why the decision is the default one
	arm    *arm
	bundle *host.Bundle
	bucket int
	d      scorer.Decision
	wait   *time.Timer // for a gate slot; reused across requests (Reset is safe since Go 1.23)
	call   callContext // of the guest call; reused across requests
}

// decisionID is a random 128-bit decision id in lowercase hex, kept in an
// array so that making one allocates nothing; String makes the string for
// a header.
type decisionID [32]byte

func (id *decisionID) String() string { return string(id[:]) }

// newDecisionID draws a random id into id and returns a seed drawn with it.
func newDecisionID(id *decisionID) uint64 {
	var b [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	hex.Encode(id[:], b[:])
	return lo
}

// decide makes the decision for c within the budget, failing open: any
// failure gives the default decision with its reason. It never panics.
func (s *Server) decide(ctx context.Context, c *shopper.Context, o *outcome) {
	c.Seed = newDecisionID(&o.id)
	o.ok, o.reason, o.arm, o.bundle, o.bucket = false, "", nil, nil, -1
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("edge: panic while deciding; default decision", "panic", v)
			o.ok, o.reason, o.bundle = false, ReasonError, nil
		}
		if !o.ok {
			s.m.failOpen.Add(1, o.reason)
		}
	}()
	if !s.cfg.Scoring {
		o.reason = ReasonDisabled
		return
	}
	p := s.plan.Load()
	switch {
	case p == nil || len(p.arms) == 0:
		o.reason = ReasonNoBundle
		return
	case p.kill:
		o.reason = ReasonKillSwitch
		return
	}
	o.arm, o.bucket = p.pick(c.ShopperID)
	if o.arm.eng == nil {
		o.reason = ReasonNoBundle
		return
	}
	b, err := s.call(ctx, o, c)
	if err != nil {
		o.reason = failReason(err)
		if o.reason != ReasonTimeout {
			s.log.Warn("edge: decision failed; default decision", "arm", o.arm.name, "reason", o.reason, "err", err)
		}
		return
	}
	o.ok, o.bundle = true, b
	s.m.decisions.Add(1, o.arm.name, b.VariantName(o.d.Variant), b.ActionID(o.d.Action), b.TierName(o.d.Tier))
	for i := range b.NumSegments() {
		if o.d.Segments&(1<<uint(i)) != 0 {
			s.m.segments.Add(1, b.SegmentName(i))
		}
	}
}

// call runs the arm's engine within the budget, on this goroutine. It
// waits for a free instance (a gate slot) only while at least half the
// budget remains, so that a call that starts has time to finish; the call
// is interrupted at the budget's end (its instance is then replaced, from
// a snapshot, in the background), which takes a call ~60 times longer than
// usual: a pathological guest or a machine stalled for a millisecond.
func (s *Server) call(ctx context.Context, o *outcome, c *shopper.Context) (*host.Bundle, error) {
	t0 := time.Now()
	defer func() { s.m.latency.Observe(time.Since(t0).Seconds()) }()
	g := o.arm.gate
	select {
	case g.slots <- struct{}{}:
	default:
		wait := s.cfg.Budget / 2
		if o.wait == nil {
			o.wait = time.NewTimer(wait)
		} else {
			o.wait.Reset(wait)
		}
		select {
		case g.slots <- struct{}{}:
			o.wait.Stop()
		case <-o.wait.C:
			return nil, fmt.Errorf("edge: waiting for a guest instance: %w", context.DeadlineExceeded)
		case <-ctx.Done():
			o.wait.Stop()
			return nil, ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	// Not derived from ctx: a client that goes away must not interrupt a
	// started call (which would cost an instance replacement) — it ends
	// within the budget anyway.
	o.call.start(t0.Add(s.cfg.Budget))
	defer o.call.stop()
	return o.arm.eng.DecideBundle(&o.call, c, &o.d)
}

func failReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	case errors.Is(err, host.ErrTrap), errors.Is(err, host.ErrProtocol):
		return ReasonTrap
	case errors.Is(err, host.ErrNoBundle), errors.Is(err, host.ErrClosed):
		return ReasonNoBundle
	}
	return ReasonError
}

// Names of the decision's parts, for headers and events.
func (o *outcome) action(def string) string {
	if !o.ok {
		return def
	}
	return o.bundle.ActionID(o.d.Action)
}

func (o *outcome) actionKind() string {
	if !o.ok {
		return ""
	}
	return o.bundle.ActionKind(o.d.Action)
}

func (o *outcome) tier() string {
	if !o.ok {
		return ""
	}
	return o.bundle.TierName(o.d.Tier)
}

func (o *outcome) variant() string {
	if !o.ok {
		return ""
	}
	if v := o.bundle.VariantName(o.d.Variant); v != "" {
		return v
	}
	return o.arm.name
}

func (o *outcome) armName() string {
	if o.arm == nil {
		return ""
	}
	return o.arm.name
}

func (o *outcome) appendSegments(b []byte, sep byte, quote bool) []byte {
	if !o.ok {
		return b
	}
	first := true
	for i := range o.bundle.NumSegments() {
		if o.d.Segments&(1<<uint(i)) == 0 {
			continue
		}
		if !first {
			b = append(b, sep)
		}
		first = false
		if quote {
			b = jsonform.AppendString(b, o.bundle.SegmentName(i))
		} else {
			b = append(b, o.bundle.SegmentName(i)...)
		}
	}
	return b
}

// Request headers the origin receives. Client-sent headers with the prefix
// are removed first, so the origin can trust them.
const headerPrefix = "X-Edgescore-"

var (
	hDecision   = http.CanonicalHeaderKey(headerPrefix + "Decision")
	hStatus     = http.CanonicalHeaderKey(headerPrefix + "Status")
	hReason     = http.CanonicalHeaderKey(headerPrefix + "Reason")
	hShopper    = http.CanonicalHeaderKey(headerPrefix + "Shopper")
	hKnown      = http.CanonicalHeaderKey(headerPrefix + "Known")
	hOffer      = http.CanonicalHeaderKey(headerPrefix + "Offer")
	hOfferKind  = http.CanonicalHeaderKey(headerPrefix + "Offer-Kind")
	hSegments   = http.CanonicalHeaderKey(headerPrefix + "Segments")
	hTier       = http.CanonicalHeaderKey(headerPrefix + "Tier")
	hVariant    = http.CanonicalHeaderKey(headerPrefix + "Variant")
	hArm        = http.CanonicalHeaderKey(headerPrefix + "Arm")
	hBundle     = http.CanonicalHeaderKey(headerPrefix + "Bundle")
	hPropensity = http.CanonicalHeaderKey(headerPrefix + "Propensity")
	hCLV        = http.CanonicalHeaderKey(headerPrefix + "Clv")
	hPage       = http.CanonicalHeaderKey(headerPrefix + "Page")
	// Response headers from the origin, consumed (and removed) by the edge.
	hOrder   = http.CanonicalHeaderKey(headerPrefix + "Order")
	hExposed = http.CanonicalHeaderKey(headerPrefix + "Exposed")
)

// stripEdgeHeaders removes every X-Edgescore-* header.
func stripEdgeHeaders(h http.Header) {
	for k := range h {
		if len(k) >= len(headerPrefix) && strings.EqualFold(k[:len(headerPrefix)], headerPrefix) {
			delete(h, k)
		}
	}
}

// setDecisionHeaders writes the decision into the origin request's headers.
func (s *Server) setDecisionHeaders(h http.Header, c *shopper.Context, o *outcome) {
	set := func(k, v string) { h[k] = []string{v} }
	set(hDecision, o.id.String())
	set(hShopper, c.ShopperID)
	set(hKnown, boolStr(c.Known))
	set(hPage, c.Session.Page.String())
	set(hOffer, o.action(s.cfg.DefaultAction))
	if !o.ok {
		set(hStatus, "default")
		set(hReason, o.reason)
		if o.arm != nil {
			set(hArm, o.arm.name)
		}
		return
	}
	set(hStatus, "ok")
	set(hOfferKind, o.actionKind())
	set(hSegments, string(o.appendSegments(nil, ',', false)))
	set(hTier, o.tier())
	set(hVariant, o.variant())
	set(hArm, o.arm.name)
	set(hBundle, o.bundle.ID())
	set(hPropensity, strconv.FormatFloat(o.d.Propensity, 'f', 4, 64))
	if !shopper.IsMissing(o.d.CLV) {
		set(hCLV, strconv.FormatFloat(o.d.CLV, 'f', 2, 64))
	}
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// appendDecisionJSON writes the API's answer: the edge's envelope and, for
// a guest decision, the decision in the form of module/jsonform.
func (s *Server) appendDecisionJSON(b []byte, c *shopper.Context, o *outcome) []byte {
	b = append(b, `{"decision_id":"`...)
	b = append(b, o.id[:]...) // hex: nothing to escape
	b = append(b, '"')
	b = append(b, `,"shopper_id":`...)
	b = jsonform.AppendString(b, c.ShopperID)
	b = append(b, `,"status":`...)
	if o.ok {
		b = append(b, `"ok"`...)
	} else {
		b = append(b, `"default","reason":`...)
		b = jsonform.AppendString(b, o.reason)
	}
	b = append(b, `,"arm":`...)
	b = jsonform.AppendString(b, o.armName())
	if o.arm != nil {
		b = append(b, `,"bundle_digest":`...)
		b = jsonform.AppendString(b, o.arm.digest)
	}
	b = append(b, `,"offer":`...)
	b = jsonform.AppendString(b, o.action(s.cfg.DefaultAction))
	if !o.ok {
		return append(b, `,"decision":null}`...)
	}
	b = append(b, `,"decision":`...)
	b = jsonform.AppendDecision(b, o.bundle, &o.d)
	return append(b, '}')
}

func num(buf []byte, key string, v float64) []byte {
	buf = append(buf, ',', '"')
	buf = append(buf, key...)
	buf = append(buf, '"', ':')
	if v != v || v > 1e308 || v < -1e308 {
		return append(buf, "null"...)
	}
	return strconv.AppendFloat(buf, v, 'g', -1, 64)
}
