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
	var raws [][]byte
	switch format {
	case FormatJSON:
		raws, err = splitArray(data, s.cfg.MaxBatchEvents)
	case FormatNDJSON:
		raws, err = splitLines(data, s.cfg.MaxBatchEvents)
	default:
		err = fmt.Errorf("%w: unknown batch format", ErrInvalid)
	}
	if err != nil {
		return IngestReport{}, err
	}
	if len(raws) == 0 {
		return IngestReport{}, fmt.Errorf("%w: the batch has no events", ErrInvalid)
	}

	now := s.now()
	known := *s.bundles.Load()
	b := &store.Batch{ReceivedAt: now}
	rep := IngestReport{Received: len(raws), Rejected: []Rejection{}}
	reject := func(i int, id string, err error, raw []byte) {
		msg := err.Error()
		rep.Rejected = append(rep.Rejected, Rejection{Index: i, EventID: id, Error: msg})
		if len(raw) > maxRawKept {
			raw = raw[:maxRawKept]
		}
		b.Quarantine = append(b.Quarantine, store.Quarantined{Index: i, EventID: id, Reason: msg, Raw: raw})
	}
	for i, raw := range raws {
		path := fmt.Sprintf("events[%d]", i)
		var head struct {
			EventID json.RawMessage `json:"event_id"`
			Type    json.RawMessage `json:"type"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			reject(i, "", jsonx.Explain(err, path), raw)
			continue
		}
		var id, typ string
		_ = json.Unmarshal(head.EventID, &id) // type errors are reported by the full decode
		if err := json.Unmarshal(head.Type, &typ); err != nil || head.Type == nil {
			reject(i, id, fmt.Errorf("%s.type: required: one of decision, exposure, conversion", path), raw)
			continue
		}
		switch typ {
		case EventDecision:
			d, err := s.parseDecision(raw, path, now, known)
			if err != nil {
				reject(i, id, err, raw)
				continue
			}
			b.Decisions = append(b.Decisions, d)
		case EventExposure:
			e, err := parseExposure(raw, path, now)
			if err != nil {
				reject(i, id, err, raw)
				continue
			}
			b.Exposures = append(b.Exposures, e)
		case EventConversion:
			c, err := parseConversion(raw, path, now)
			if err != nil {
				reject(i, id, err, raw)
				continue
			}
			b.Conversions = append(b.Conversions, c)
		default:
			reject(i, id, fmt.Errorf("%s.type: %q is not one of decision, exposure, conversion", path, typ), raw)
		}
	}
	res, err := s.st.Ingest(ctx, b)
	if err != nil {
		return IngestReport{}, fmt.Errorf("storing the batch: %w", err)
	}
	rep.Accepted, rep.Duplicates = res.Inserted, res.Duplicates
	return rep, nil
}

// splitArray returns the elements of a JSON array without decoding them.
func splitArray(data []byte, max int) ([][]byte, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonx.Explain(err, "body"))
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("%w: body: want a JSON array of events", ErrInvalid)
	}
	var out [][]byte
	for d.More() {
		if len(out) == max {
			return nil, fmt.Errorf("%w: the batch has more than %d events", ErrTooLarge, max)
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonx.Explain(err, fmt.Sprintf("events[%d]", len(out))))
		}
		out = append(out, raw)
	}
	if _, err := d.Token(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, jsonx.Explain(err, "body"))
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: body: unexpected data after the array", ErrInvalid)
	}
	return out, nil
}

// splitLines returns the non-blank lines of an NDJSON body.
func splitLines(data []byte, max int) ([][]byte, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxNDJSONLine)
	var out [][]byte
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(out) == max {
			return nil, fmt.Errorf("%w: the batch has more than %d events", ErrTooLarge, max)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: an NDJSON line exceeds %d bytes", ErrTooLarge, maxNDJSONLine)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return out, nil
}

// ---- per-type schema checks ----

// nan marks a required number that the JSON did not set: JSON cannot encode
// NaN, so a field still NaN after decoding was absent.
var nan = math.NaN()

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

func (s *Service) parseDecision(raw []byte, path string, now time.Time, known map[string]struct{}) (store.Decision, error) {
	e := DecisionEvent{ActionProbability: nan, Propensity: nan, CLV: nan}
	if err := jsonx.Decode(raw, &e, path); err != nil {
		return store.Decision{}, err
	}
	for _, f := range []struct{ name, v string }{{"event_id", e.EventID}, {"decision_id", e.DecisionID},
		{"shopper_id", e.ShopperID}, {"variant", e.Variant}, {"action", e.Action}} {
		if err := reqString(path, f.name, f.v); err != nil {
			return store.Decision{}, err
		}
	}
	if err := checkName(path+".group", e.Group); err != nil {
		return store.Decision{}, err
	}
	if e.BundleID == "" {
		return store.Decision{}, fmt.Errorf("%s.bundle_id: required", path)
	}
	if !isDigest(e.BundleID) {
		return store.Decision{}, fmt.Errorf("%s.bundle_id: %q is not a sha256 digest", path, e.BundleID)
	}
	if _, ok := known[e.BundleID]; !ok {
		return store.Decision{}, fmt.Errorf("%s.bundle_id: bundle %s is not in the registry", path, e.BundleID)
	}
	ts, err := parseTS(path, e.TS, now)
	if err != nil {
		return store.Decision{}, err
	}
	if err := reqNumber(path, "action_probability", e.ActionProbability, 0, 1, true); err != nil {
		return store.Decision{}, err
	}
	if err := reqNumber(path, "propensity", e.Propensity, 0, 1, false); err != nil {
		return store.Decision{}, err
	}
	if err := reqNumber(path, "clv", e.CLV, -1e12, 1e12, false); err != nil {
		return store.Decision{}, err
	}
	if err := optString(path, "tier", e.Tier); err != nil {
		return store.Decision{}, err
	}
	if err := optString(path, "edge_id", e.EdgeID); err != nil {
		return store.Decision{}, err
	}
	if len(e.Segments) > maxSegments {
		return store.Decision{}, fmt.Errorf("%s.segments: more than %d", path, maxSegments)
	}
	for i, sg := range e.Segments {
		if sg == "" || len(sg) > maxIDLen {
			return store.Decision{}, fmt.Errorf("%s.segments[%d]: must be 1 to %d bytes", path, i, maxIDLen)
		}
	}
	return store.Decision{EventID: e.EventID, TS: ts, DecisionID: e.DecisionID, ShopperID: e.ShopperID,
		Group: e.Group, Bundle: e.BundleID, Variant: e.Variant, Action: e.Action,
		ActionProbability: e.ActionProbability, Propensity: e.Propensity, CLV: e.CLV,
		Segments: e.Segments, Tier: e.Tier, Explored: e.Explored, EdgeID: e.EdgeID}, nil
}

func parseExposure(raw []byte, path string, now time.Time) (store.Exposure, error) {
	var e ExposureEvent
	if err := jsonx.Decode(raw, &e, path); err != nil {
		return store.Exposure{}, err
	}
	for _, f := range []struct{ name, v string }{{"event_id", e.EventID}, {"decision_id", e.DecisionID},
		{"shopper_id", e.ShopperID}} {
		if err := reqString(path, f.name, f.v); err != nil {
			return store.Exposure{}, err
		}
	}
	ts, err := parseTS(path, e.TS, now)
	if err != nil {
		return store.Exposure{}, err
	}
	return store.Exposure{EventID: e.EventID, TS: ts, DecisionID: e.DecisionID, ShopperID: e.ShopperID}, nil
}

func parseConversion(raw []byte, path string, now time.Time) (store.Conversion, error) {
	e := ConversionEvent{Revenue: nan, Margin: nan, DiscountCost: nan}
	if err := jsonx.Decode(raw, &e, path); err != nil {
		return store.Conversion{}, err
	}
	for _, f := range []struct{ name, v string }{{"event_id", e.EventID}, {"shopper_id", e.ShopperID},
		{"order_id", e.OrderID}} {
		if err := reqString(path, f.name, f.v); err != nil {
			return store.Conversion{}, err
		}
	}
	ts, err := parseTS(path, e.TS, now)
	if err != nil {
		return store.Conversion{}, err
	}
	if err := reqNumber(path, "revenue", e.Revenue, 0, 1e12, false); err != nil {
		return store.Conversion{}, err
	}
	if err := reqNumber(path, "margin", e.Margin, -1e12, 1e12, false); err != nil {
		return store.Conversion{}, err
	}
	if err := reqNumber(path, "discount_cost", e.DiscountCost, 0, 1e12, false); err != nil {
		return store.Conversion{}, err
	}
	return store.Conversion{EventID: e.EventID, TS: ts, ShopperID: e.ShopperID, OrderID: e.OrderID,
		Revenue: e.Revenue, Margin: e.Margin, DiscountCost: e.DiscountCost}, nil
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
