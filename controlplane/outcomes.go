package controlplane

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane/internal/jsonx"
	"github.com/edgescore/edgescore/controlplane/store"
)

// Event types.
const (
	EventDecision   = "decision"
	EventExposure   = "exposure"
	EventConversion = "conversion"
)

// BatchFormat is how a batch of events is framed.
type BatchFormat int

const (
	// FormatJSON is one JSON array of event objects. A syntax error
	// anywhere makes the whole batch unreadable (ErrInvalid).
	FormatJSON BatchFormat = iota
	// FormatNDJSON is one event object per line. A line that is not JSON
	// is one rejected event; the other lines still count.
	FormatNDJSON
)

// Limits of single fields of events.
const (
	maxIDLen       = 128
	maxSegments    = 64
	maxRawKept     = 16 << 10 // bytes of a rejected event kept in quarantine
	maxNDJSONLine  = 1 << 20
	maxFutureSkew  = time.Hour
	earliestEvent  = 946684800000 // 2000-01-01T00:00:00Z in unix ms
	maxEventString = 256
)

// DecisionEvent is a decision log, as edges send it.
type DecisionEvent struct {
	EventID           string   `json:"event_id"`
	Type              string   `json:"type"`
	TS                string   `json:"ts"`
	DecisionID        string   `json:"decision_id"`
	ShopperID         string   `json:"shopper_id"`
	Group             string   `json:"group"`
	BundleID          string   `json:"bundle_id"`
	Variant           string   `json:"variant"`
	Action            string   `json:"action"`
	ActionProbability float64  `json:"action_probability"`
	Propensity        float64  `json:"propensity"`
	CLV               float64  `json:"clv"`
	Segments          []string `json:"segments,omitempty"`
	Tier              string   `json:"tier,omitempty"`
	Explored          bool     `json:"explored,omitempty"`
	EdgeID            string   `json:"edge_id,omitempty"`
}

// ExposureEvent says the decision was shown to the shopper.
type ExposureEvent struct {
	EventID    string `json:"event_id"`
	Type       string `json:"type"`
	TS         string `json:"ts"`
	DecisionID string `json:"decision_id"`
	ShopperID  string `json:"shopper_id"`
}

// ConversionEvent is an order, as the shop reports it. Margin is the order's
// gross margin before the offer's discount; DiscountCost is what the offer
// cost; profit is Margin − DiscountCost.
type ConversionEvent struct {
	EventID      string  `json:"event_id"`
	Type         string  `json:"type"`
	TS           string  `json:"ts"`
	ShopperID    string  `json:"shopper_id"`
	OrderID      string  `json:"order_id"`
	Revenue      float64 `json:"revenue"`
	Margin       float64 `json:"margin"`
	DiscountCost float64 `json:"discount_cost"`
}

// IngestReport says what became of each event of a batch.
type IngestReport struct {
	Received   int         `json:"received"`
	Accepted   int         `json:"accepted"`   // newly stored
	Duplicates int         `json:"duplicates"` // already stored: a retry, not counted twice
	Rejected   []Rejection `json:"rejected"`   // kept in quarantine
}

// Rejection is one event refused by its schema check.
type Rejection struct {
	Index   int    `json:"index"`
	EventID string `json:"event_id,omitempty"`
	Error   string `json:"error"`
}

// Ingest reads one batch of events, checks each against its schema, and
// stores the good ones (idempotently, by event id) and the bad ones in
// quarantine, in one transaction. A batch that cannot be read at all, or
// exceeds MaxBatchEvents or MaxBatchBytes, changes nothing and fails with
// ErrInvalid or ErrTooLarge.
func (s *Service) Ingest(ctx context.Context, body io.Reader, format BatchFormat) (IngestReport, error) {
	data, err := io.ReadAll(io.LimitReader(body, s.cfg.MaxBatchBytes+1))
	if err != nil {
		return IngestReport{}, fmt.Errorf("%w: reading the batch: %v", ErrInvalid, err)
	}
	if int64(len(data)) > s.cfg.MaxBatchBytes {
		return IngestReport{}, fmt.Errorf("%w: the batch exceeds %d bytes", ErrTooLarge, s.cfg.MaxBatchBytes)
	}
	in := &batchIn{now: s.now(), known: *s.bundles.Load(), b: &store.Batch{}, rep: IngestReport{Rejected: []Rejection{}}}
	in.b.ReceivedAt = in.now
	switch format {
	case FormatJSON:
		err = in.readArray(data, s.cfg.MaxBatchEvents)
	case FormatNDJSON:
		err = in.readLines(data, s.cfg.MaxBatchEvents)
	default:
		err = fmt.Errorf("%w: unknown batch format", ErrInvalid)
	}
	if err != nil {
		return IngestReport{}, err
	}
	if in.rep.Received == 0 {
		return IngestReport{}, fmt.Errorf("%w: the batch has no events", ErrInvalid)
	}
	res, err := s.st.Ingest(ctx, in.b)
	if err != nil {
		return IngestReport{}, fmt.Errorf("storing the batch: %w", err)
	}
	in.rep.Accepted, in.rep.Duplicates = res.Inserted, res.Duplicates
	return in.rep, nil
}

// batchIn is one batch being read.
type batchIn struct {
	now   time.Time
	known map[string]struct{}
	b     *store.Batch
	rep   IngestReport
	w     wireEvent
}

// readArray decodes a JSON array with one streaming decoder: each element
// is decoded once into the union of the event types; its raw bytes (kept
// for quarantine) are the slice between the decoder's offsets. A type error
// or an unknown field is a rejected event (the decoder has consumed the whole
// element, so the stream stays aligned); a syntax error ends the batch.
func (in *batchIn) readArray(data []byte, max int) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, jsonx.Explain(err, "body"))
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("%w: body: want a JSON array of events", ErrInvalid)
	}
	for i := 0; d.More(); i++ {
		if i == max {
			return fmt.Errorf("%w: the batch has more than %d events", ErrTooLarge, max)
		}
		start := d.InputOffset()
		in.w.reset()
		err := d.Decode(&in.w)
		raw := bytes.TrimLeft(data[start:d.InputOffset()], ", \t\r\n")
		if err != nil {
			if !perValue(err) {
				return fmt.Errorf("%w: %v", ErrInvalid, jsonx.Explain(err, fmt.Sprintf("events[%d]", i)))
			}
			err = jsonx.Explain(err, fmt.Sprintf("events[%d]", i))
		}
		in.add(i, raw, err)
	}
	if _, err := d.Token(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, jsonx.Explain(err, "body"))
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("%w: body: unexpected data after the array", ErrInvalid)
	}
	return nil
}

// readLines reads NDJSON: one event per non-blank line. A line that is not
// JSON is one rejected event.
func (in *batchIn) readLines(data []byte, max int) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxNDJSONLine)
	i := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if i == max {
			return fmt.Errorf("%w: the batch has more than %d events", ErrTooLarge, max)
		}
		raw := append([]byte(nil), line...) // the scanner reuses its buffer
		in.w.reset()
		in.add(i, raw, jsonx.Decode(raw, &in.w, fmt.Sprintf("events[%d]", i)))
		i++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%w: an NDJSON line exceeds %d bytes", ErrTooLarge, maxNDJSONLine)
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return nil
}

// perValue reports whether a decoding error concerns only the value decoded
// (a wrong type, an unknown field), not the JSON syntax.
func perValue(err error) bool {
	var typ *json.UnmarshalTypeError
	return errors.As(err, &typ) || strings.HasPrefix(err.Error(), "json: unknown field")
}

// add checks the decoded event in.w and files it; decodeErr, if not nil,
// is its decoding error, already naming the event's path.
func (in *batchIn) add(i int, raw []byte, decodeErr error) {
	in.rep.Received++
	path := fmt.Sprintf("events[%d]", i)
	w := &in.w
	var err error
	if decodeErr != nil {
		err = decodeErr
	} else {
		switch w.Type {
		case EventDecision:
			var d store.Decision
			if d, err = w.decision(path, in.now, in.known); err == nil {
				in.b.Decisions = append(in.b.Decisions, d)
			}
		case EventExposure:
			var e store.Exposure
			if e, err = w.exposure(path, in.now); err == nil {
				in.b.Exposures = append(in.b.Exposures, e)
			}
		case EventConversion:
			var c store.Conversion
			if c, err = w.conversion(path, in.now); err == nil {
				in.b.Conversions = append(in.b.Conversions, c)
			}
		case "":
			err = fmt.Errorf("%s.type: required: one of decision, exposure, conversion", path)
		default:
			err = fmt.Errorf("%s.type: %q is not one of decision, exposure, conversion", path, w.Type)
		}
	}
	if err == nil {
		return
	}
	msg := err.Error()
	in.rep.Rejected = append(in.rep.Rejected, Rejection{Index: i, EventID: w.EventID, Error: msg})
	if len(raw) > maxRawKept {
		raw = raw[:maxRawKept]
	}
	in.b.Quarantine = append(in.b.Quarantine, store.Quarantined{Index: i, EventID: w.EventID, Reason: msg,
		Raw: append([]byte(nil), raw...)})
}

// wireEvent is the union of the fields of the three event types. Each event
// is decoded once into it (unknown fields rejected) and then checked against
// its own type: required fields present, other types' fields absent.
type wireEvent struct {
	EventID           string   `json:"event_id"`
	Type              string   `json:"type"`
	TS                string   `json:"ts"`
	DecisionID        string   `json:"decision_id"`
	ShopperID         string   `json:"shopper_id"`
	Group             string   `json:"group"`
	BundleID          string   `json:"bundle_id"`
	Variant           string   `json:"variant"`
	Action            string   `json:"action"`
	ActionProbability float64  `json:"action_probability"`
	Propensity        float64  `json:"propensity"`
	CLV               float64  `json:"clv"`
	Segments          []string `json:"segments"`
	Tier              string   `json:"tier"`
	Explored          *bool    `json:"explored"`
	EdgeID            string   `json:"edge_id"`
	OrderID           string   `json:"order_id"`
	Revenue           float64  `json:"revenue"`
	Margin            float64  `json:"margin"`
	DiscountCost      float64  `json:"discount_cost"`
}

// nan marks a number that the JSON did not set: JSON cannot encode NaN, so
// a field still NaN after decoding was absent.
var nan = math.NaN()

func (w *wireEvent) reset() {
	*w = wireEvent{ActionProbability: nan, Propensity: nan, CLV: nan, Revenue: nan, Margin: nan, DiscountCost: nan}
}

// foreign returns the first field set that events of type typ do not have.
func (w *wireEvent) foreign(typ string) string {
	decisionOnly := []struct {
		name string
		set  bool
	}{
		{"group", w.Group != ""}, {"bundle_id", w.BundleID != ""}, {"variant", w.Variant != ""},
		{"action", w.Action != ""}, {"action_probability", !math.IsNaN(w.ActionProbability)},
		{"propensity", !math.IsNaN(w.Propensity)}, {"clv", !math.IsNaN(w.CLV)}, {"segments", w.Segments != nil},
		{"tier", w.Tier != ""}, {"explored", w.Explored != nil}, {"edge_id", w.EdgeID != ""},
	}
	conversionOnly := []struct {
		name string
		set  bool
	}{
		{"order_id", w.OrderID != ""}, {"revenue", !math.IsNaN(w.Revenue)}, {"margin", !math.IsNaN(w.Margin)},
		{"discount_cost", !math.IsNaN(w.DiscountCost)},
	}
	if typ != EventDecision {
		for _, f := range decisionOnly {
			if f.set {
				return f.name
			}
		}
	}
	if typ != EventConversion {
		for _, f := range conversionOnly {
			if f.set {
				return f.name
			}
		}
	}
	if typ == EventConversion && w.DecisionID != "" {
		return "decision_id"
	}
	return ""
}

func checkForeign(w *wireEvent, path, typ string) error {
	if f := w.foreign(typ); f != "" {
		return fmt.Errorf("%s: unknown field %q for a %s event", path, f, typ)
	}
	return nil
}

// ---- per-type schema checks ----

func reqString(path, field, v string) error {
	if v == "" {
		return fmt.Errorf("%s.%s: required", path, field)
	}
	if len(v) > maxIDLen {
		return fmt.Errorf("%s.%s: longer than %d bytes", path, field, maxIDLen)
	}
	return nil
}

func optString(path, field, v string) error {
	if len(v) > maxEventString {
		return fmt.Errorf("%s.%s: longer than %d bytes", path, field, maxEventString)
	}
	return nil
}

func reqNumber(path, field string, v, lo, hi float64, loOpen bool) error {
	if math.IsNaN(v) {
		return fmt.Errorf("%s.%s: required", path, field)
	}
	if v < lo || v > hi || (loOpen && v == lo) {
		open := "["
		if loOpen {
			open = "("
		}
		return fmt.Errorf("%s.%s: %v is outside %s%v, %v]", path, field, v, open, lo, hi)
	}
	return nil
}

func parseTS(path, v string, now time.Time) (int64, error) {
	if v == "" {
		return 0, fmt.Errorf("%s.ts: required", path)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, fmt.Errorf("%s.ts: %q is not an RFC 3339 time", path, v)
	}
	ms := t.UnixMilli()
	if ms < earliestEvent {
		return 0, fmt.Errorf("%s.ts: %s is before 2000", path, v)
	}
	if t.After(now.Add(maxFutureSkew)) {
		return 0, fmt.Errorf("%s.ts: %s is more than %v in the future", path, v, maxFutureSkew)
	}
	return ms, nil
}

func (w *wireEvent) decision(path string, now time.Time, known map[string]struct{}) (store.Decision, error) {
	if err := checkForeign(w, path, EventDecision); err != nil {
		return store.Decision{}, err
	}
	for _, f := range []struct{ name, v string }{{"event_id", w.EventID}, {"decision_id", w.DecisionID},
		{"shopper_id", w.ShopperID}, {"variant", w.Variant}, {"action", w.Action}} {
		if err := reqString(path, f.name, f.v); err != nil {
			return store.Decision{}, err
		}
	}
	if err := checkName(path+".group", w.Group); err != nil {
		return store.Decision{}, err
	}
	if w.BundleID == "" {
		return store.Decision{}, fmt.Errorf("%s.bundle_id: required", path)
	}
	if !isDigest(w.BundleID) {
		return store.Decision{}, fmt.Errorf("%s.bundle_id: %q is not a sha256 digest", path, w.BundleID)
	}
	if _, ok := known[w.BundleID]; !ok {
		return store.Decision{}, fmt.Errorf("%s.bundle_id: bundle %s is not in the registry", path, w.BundleID)
	}
	ts, err := parseTS(path, w.TS, now)
	if err != nil {
		return store.Decision{}, err
	}
	if err := reqNumber(path, "action_probability", w.ActionProbability, 0, 1, true); err != nil {
		return store.Decision{}, err
	}
	if err := reqNumber(path, "propensity", w.Propensity, 0, 1, false); err != nil {
		return store.Decision{}, err
	}
	if err := reqNumber(path, "clv", w.CLV, -1e12, 1e12, false); err != nil {
		return store.Decision{}, err
	}
	if err := optString(path, "tier", w.Tier); err != nil {
		return store.Decision{}, err
	}
	if err := optString(path, "edge_id", w.EdgeID); err != nil {
		return store.Decision{}, err
	}
	if len(w.Segments) > maxSegments {
		return store.Decision{}, fmt.Errorf("%s.segments: more than %d", path, maxSegments)
	}
	for i, sg := range w.Segments {
		if sg == "" || len(sg) > maxIDLen {
			return store.Decision{}, fmt.Errorf("%s.segments[%d]: must be 1 to %d bytes", path, i, maxIDLen)
		}
	}
	return store.Decision{EventID: w.EventID, TS: ts, DecisionID: w.DecisionID, ShopperID: w.ShopperID,
		Group: w.Group, Bundle: w.BundleID, Variant: w.Variant, Action: w.Action,
		ActionProbability: w.ActionProbability, Propensity: w.Propensity, CLV: w.CLV,
		Segments: w.Segments, Tier: w.Tier, Explored: w.Explored != nil && *w.Explored, EdgeID: w.EdgeID}, nil
}

func (w *wireEvent) exposure(path string, now time.Time) (store.Exposure, error) {
	if err := checkForeign(w, path, EventExposure); err != nil {
		return store.Exposure{}, err
	}
	for _, f := range []struct{ name, v string }{{"event_id", w.EventID}, {"decision_id", w.DecisionID},
		{"shopper_id", w.ShopperID}} {
		if err := reqString(path, f.name, f.v); err != nil {
			return store.Exposure{}, err
		}
	}
	ts, err := parseTS(path, w.TS, now)
	if err != nil {
		return store.Exposure{}, err
	}
	return store.Exposure{EventID: w.EventID, TS: ts, DecisionID: w.DecisionID, ShopperID: w.ShopperID}, nil
}

func (w *wireEvent) conversion(path string, now time.Time) (store.Conversion, error) {
	if err := checkForeign(w, path, EventConversion); err != nil {
		return store.Conversion{}, err
	}
	for _, f := range []struct{ name, v string }{{"event_id", w.EventID}, {"shopper_id", w.ShopperID},
		{"order_id", w.OrderID}} {
		if err := reqString(path, f.name, f.v); err != nil {
			return store.Conversion{}, err
		}
	}
	ts, err := parseTS(path, w.TS, now)
	if err != nil {
		return store.Conversion{}, err
	}
	if err := reqNumber(path, "revenue", w.Revenue, 0, 1e12, false); err != nil {
		return store.Conversion{}, err
	}
	if err := reqNumber(path, "margin", w.Margin, -1e12, 1e12, false); err != nil {
		return store.Conversion{}, err
	}
	if err := reqNumber(path, "discount_cost", w.DiscountCost, 0, 1e12, false); err != nil {
		return store.Conversion{}, err
	}
	return store.Conversion{EventID: w.EventID, TS: ts, ShopperID: w.ShopperID, OrderID: w.OrderID,
		Revenue: w.Revenue, Margin: w.Margin, DiscountCost: w.DiscountCost}, nil
}

// QuarantinedEvent is a rejected event as kept.
type QuarantinedEvent struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Index      int       `json:"index"`
	EventID    string    `json:"event_id,omitempty"`
	Reason     string    `json:"reason"`
	Raw        string    `json:"raw"`
}

// Quarantine lists rejected events, newest first.
func (s *Service) Quarantine(ctx context.Context, limit int) ([]QuarantinedEvent, error) {
	if limit < 0 || limit > 1000 {
		return nil, invalidf("limit", "must be between 0 and 1000")
	}
	qs, err := s.st.Quarantine(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]QuarantinedEvent, len(qs))
	for i, q := range qs {
		out[i] = QuarantinedEvent{ID: q.ID, ReceivedAt: q.ReceivedAt, Index: q.Index, EventID: q.EventID,
			Reason: q.Reason, Raw: string(q.Raw)}
	}
	return out, nil
}
