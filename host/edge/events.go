package edge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/edgescore/edgescore/controlplane/client"
	"github.com/edgescore/edgescore/host/edge/outbox"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/shopper"
)

// EventSink receives outcome events, one JSON object each (the control
// plane's event schema, controlplane.DecisionEvent and friends). Add must
// not block on the network. *outbox.Outbox implements it.
type EventSink interface {
	Add(event []byte) error
}

// Event ids are derived from the decision id (or the order id), so a
// redelivered event is the same event and the control plane keeps one.
// appendEventID appends the event id of a decision's event: the prefix, a
// dash and the decision id, quoted (hex: nothing to escape).
func appendEventID(b []byte, prefix byte, id *decisionID) []byte {
	b = append(b, '"', prefix, '-')
	b = append(b, id[:]...)
	return append(b, '"')
}

// appendID appends ,"key":"id" for a decision id.
func appendID(b []byte, key string, id *decisionID) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':', '"')
	b = append(b, id[:]...)
	return append(b, '"')
}

func appendTS(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendStr(b []byte, key, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return jsonform.AppendString(b, v)
}

// appendDecisionEvent is the decision log of a guest decision.
func (s *Server) appendDecisionEvent(b []byte, now time.Time, c *shopper.Context, o *outcome) []byte {
	b = append(b, `{"event_id":`...)
	b = appendEventID(b, 'd', &o.id)
	b = append(b, `,"type":"decision","ts":`...)
	b = appendTS(b, now)
	b = appendID(b, "decision_id", &o.id)
	b = appendStr(b, "shopper_id", c.ShopperID)
	b = appendStr(b, "group", s.cfg.Group)
	b = appendStr(b, "bundle_id", o.arm.digest)
	b = appendStr(b, "variant", o.variant())
	b = appendStr(b, "action", o.action(s.cfg.DefaultAction))
	b = num(b, "action_probability", o.d.ActionProbability)
	b = num(b, "propensity", o.d.Propensity)
	clv := o.d.CLV
	if shopper.IsMissing(clv) {
		clv = 0 // a bundle without a lifetime model; the schema requires a number
	}
	b = num(b, "clv", clv)
	if o.d.Segments != 0 {
		b = append(b, `,"segments":[`...)
		b = o.appendSegments(b, ',', true)
		b = append(b, ']')
	}
	if t := o.tier(); t != "" {
		b = appendStr(b, "tier", t)
	}
	if o.d.Explored {
		b = append(b, `,"explored":true`...)
	}
	b = appendStr(b, "edge_id", s.cfg.EdgeID)
	return append(b, '}')
}

func appendExposureEvent(b []byte, now time.Time, id *decisionID, shopperID string) []byte {
	b = append(b, `{"event_id":`...)
	b = appendEventID(b, 'x', id)
	b = append(b, `,"type":"exposure","ts":`...)
	b = appendTS(b, now)
	b = appendID(b, "decision_id", id)
	b = appendStr(b, "shopper_id", shopperID)
	return append(b, '}')
}

// Order is a purchase as the origin reports it in the X-Edgescore-Order
// response header.
type Order struct {
	ID                            string
	Revenue, Margin, DiscountCost float64
	Items                         []OrderItem
}

// OrderItem is the spend in one category of an order.
type OrderItem struct {
	Category string
	Spend    float64
}

func appendConversionEvent(b []byte, now time.Time, shopperID string, o *Order) []byte {
	b = append(b, `{"event_id":`...)
	b = jsonform.AppendString(b, "c-"+o.ID) // the order id may need escaping
	b = append(b, `,"type":"conversion","ts":`...)
	b = appendTS(b, now)
	b = appendStr(b, "shopper_id", shopperID)
	b = appendStr(b, "order_id", o.ID)
	b = num(b, "revenue", o.Revenue)
	b = num(b, "margin", o.Margin)
	b = num(b, "discount_cost", o.DiscountCost)
	return append(b, '}')
}

// IngestSender delivers outbox batches to the control plane's
// POST /v1/events.
type IngestSender struct {
	Client *client.Client
}

// Send implements outbox.Sender. A batch the control plane stored, even
// with some events quarantined, is delivered; 400 and 413 (the batch as a
// whole is unreadable) are permanent; anything else is retried.
func (s IngestSender) Send(ctx context.Context, batch []byte, events int) error {
	_, status, err := s.Client.Ingest(ctx, batch, true)
	switch {
	case err == nil:
		return nil
	case status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
	case status == http.StatusUnprocessableEntity:
		var ae *client.APIError
		if errors.As(err, &ae) {
			return fmt.Errorf("%w: %v", outbox.ErrPermanent, err)
		}
	}
	return err
}
