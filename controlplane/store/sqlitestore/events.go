package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
)

// Ingest implements store.EventStore: the whole batch is one transaction on
// the single writer connection, every row through a prepared statement.
// INSERT OR IGNORE on the primary and unique keys is what makes a retried
// batch a no-op.
func (s *Store) Ingest(ctx context.Context, b *store.Batch) (store.IngestResult, error) {
	var res store.IngestResult
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()

	count := func(r sql.Result, err error) error {
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		if n > 0 {
			res.Inserted++
		} else {
			res.Duplicates++
		}
		return nil
	}

	if len(b.Decisions) > 0 {
		st := tx.StmtContext(ctx, s.insDecision)
		var seg []byte
		for i := range b.Decisions {
			d := &b.Decisions[i]
			seg = appendSegments(seg[:0], d.Segments)
			explored := 0
			if d.Explored {
				explored = 1
			}
			if err := count(st.ExecContext(ctx, d.EventID, d.TS, d.DecisionID, d.ShopperID, d.Group, d.Bundle,
				d.Variant, d.Action, d.ActionProbability, d.Propensity, d.CLV, string(seg), d.Tier, explored, d.EdgeID)); err != nil {
				return store.IngestResult{}, fmt.Errorf("decision %s: %w", d.EventID, err)
			}
		}
	}
	if len(b.Exposures) > 0 {
		st := tx.StmtContext(ctx, s.insExposure)
		for i := range b.Exposures {
			e := &b.Exposures[i]
			if err := count(st.ExecContext(ctx, e.EventID, e.TS, e.DecisionID, e.ShopperID)); err != nil {
				return store.IngestResult{}, fmt.Errorf("exposure %s: %w", e.EventID, err)
			}
		}
	}
	if len(b.Conversions) > 0 {
		st := tx.StmtContext(ctx, s.insConversion)
		for i := range b.Conversions {
			c := &b.Conversions[i]
			if err := count(st.ExecContext(ctx, c.EventID, c.TS, c.ShopperID, c.OrderID, c.Revenue, c.Margin, c.DiscountCost)); err != nil {
				return store.IngestResult{}, fmt.Errorf("conversion %s: %w", c.EventID, err)
			}
		}
	}
	if len(b.Quarantine) > 0 {
		st := tx.StmtContext(ctx, s.insQuarantine)
		for i := range b.Quarantine {
			q := &b.Quarantine[i]
			if _, err := st.ExecContext(ctx, nanos(b.ReceivedAt), q.Index, q.EventID, q.Reason, q.Raw); err != nil {
				return store.IngestResult{}, fmt.Errorf("quarantine event %d: %w", q.Index, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return store.IngestResult{}, err
	}
	return res, nil
}

// appendSegments encodes segment names as a JSON array without reflection.
func appendSegments(dst []byte, segs []string) []byte {
	dst = append(dst, '[')
	for i, s := range segs {
		if i > 0 {
			dst = append(dst, ',')
		}
		q, _ := json.Marshal(s) // a string always marshals
		dst = append(dst, q...)
	}
	return append(dst, ']')
}

// ScanExposedDecisions implements store.EventStore.
func (s *Store) ScanExposedDecisions(ctx context.Context, f store.DecisionFilter, fn func(*store.ExposedDecision) error) error {
	var where []string
	var args []any
	if f.Group != "" {
		where = append(where, "d.grp = ?")
		args = append(args, f.Group)
	}
	if len(f.Bundles) > 0 {
		where = append(where, "d.bundle IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Bundles)), ",")+")")
		for _, b := range f.Bundles {
			args = append(args, b)
		}
	}
	if f.Since != 0 {
		where = append(where, "d.ts >= ?")
		args = append(args, f.Since)
	}
	if f.Until != 0 {
		where = append(where, "d.ts < ?")
		args = append(args, f.Until)
	}
	q := `SELECT d.decision_id, d.bundle, d.variant, d.action, d.propensity
		FROM decisions d JOIN exposures e ON e.decision_id = d.decision_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var d store.ExposedDecision
	for rows.Next() {
		if err := rows.Scan(&d.DecisionID, &d.Bundle, &d.Variant, &d.Action, &d.Propensity); err != nil {
			return err
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanConversions implements store.EventStore.
func (s *Store) ScanConversions(ctx context.Context, since int64, window time.Duration, fn func(*store.AttributedConversion) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT c.order_id, c.revenue, c.margin, c.discount_cost,
		COALESCE((SELECT d.decision_id FROM decisions d
			WHERE d.shopper_id = c.shopper_id AND d.ts <= c.ts AND d.ts >= c.ts - ?
			ORDER BY d.ts DESC, d.decision_id DESC LIMIT 1), '')
		FROM conversions c WHERE c.ts >= ?`, window.Milliseconds(), since)
	if err != nil {
		return err
	}
	defer rows.Close()
	var c store.AttributedConversion
	for rows.Next() {
		if err := rows.Scan(&c.OrderID, &c.Revenue, &c.Margin, &c.DiscountCost, &c.DecisionID); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Quarantine implements store.EventStore.
func (s *Store) Quarantine(ctx context.Context, limit int) ([]store.Quarantined, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, received_at, idx, event_id, reason, raw FROM quarantine
		ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Quarantined{}
	for rows.Next() {
		var q store.Quarantined
		var at int64
		if err := rows.Scan(&q.ID, &at, &q.Index, &q.EventID, &q.Reason, &q.Raw); err != nil {
			return nil, err
		}
		q.ReceivedAt = fromNanos(at)
		out = append(out, q)
	}
	return out, rows.Err()
}
