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

// chunkRows is how many rows one multi-row INSERT carries: one statement
// per chunk instead of per row saves most of database/sql's and SQLite's
// per-statement overhead (measured in BenchmarkStoreIngest).
const chunkRows = 50

// rowInsert is a prepared INSERT for chunkRows rows and one for a single row.
type rowInsert struct {
	columns    int
	chunk, one *sql.Stmt
}

func prepareRowInsert(ctx context.Context, db *sql.DB, head string, columns int) (rowInsert, error) {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", columns), ",") + ")"
	r := rowInsert{columns: columns}
	var err error
	if r.one, err = db.PrepareContext(ctx, head+tuple); err != nil {
		return r, err
	}
	r.chunk, err = db.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(tuple+",", chunkRows), ","))
	return r, err
}

// insert writes n rows whose arguments row(i, args) appends, in chunks, and
// returns how many rows were new (INSERT OR IGNORE skips the others).
func (r rowInsert) insert(ctx context.Context, tx *sql.Tx, n int, row func(i int, args []any) []any) (int, error) {
	inserted := 0
	args := make([]any, 0, r.columns*chunkRows)
	chunk, one := tx.StmtContext(ctx, r.chunk), tx.StmtContext(ctx, r.one)
	for i := 0; i < n; {
		st, k := chunk, chunkRows
		if n-i < chunkRows {
			st, k = one, 1
		}
		args = args[:0]
		for j := 0; j < k; j++ {
			args = row(i+j, args)
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		m, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		inserted += int(m)
		i += k
	}
	return inserted, nil
}

// Ingest implements store.EventStore: the whole batch is one transaction on
// the single writer connection, rows going in through prepared multi-row
// statements. INSERT OR IGNORE on the primary and unique keys is what makes
// a retried batch a no-op.
func (s *Store) Ingest(ctx context.Context, b *store.Batch) (store.IngestResult, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.IngestResult{}, err
	}
	defer tx.Rollback()

	var seg []byte
	nd, err := s.decisions.insert(ctx, tx, len(b.Decisions), func(i int, a []any) []any {
		d := &b.Decisions[i]
		seg = appendSegments(seg[:0], d.Segments)
		explored := 0
		if d.Explored {
			explored = 1
		}
		return append(a, d.EventID, d.TS, d.DecisionID, d.ShopperID, d.Group, d.Bundle, d.Variant, d.Action,
			d.ActionProbability, d.Propensity, d.CLV, string(seg), d.Tier, explored, d.EdgeID)
	})
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("decisions: %w", err)
	}
	ne, err := s.exposures.insert(ctx, tx, len(b.Exposures), func(i int, a []any) []any {
		e := &b.Exposures[i]
		return append(a, e.EventID, e.TS, e.DecisionID, e.ShopperID)
	})
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("exposures: %w", err)
	}
	nc, err := s.conversions.insert(ctx, tx, len(b.Conversions), func(i int, a []any) []any {
		c := &b.Conversions[i]
		return append(a, c.EventID, c.TS, c.ShopperID, c.OrderID, c.Revenue, c.Margin, c.DiscountCost)
	})
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("conversions: %w", err)
	}
	if len(b.Quarantine) > 0 {
		st := tx.StmtContext(ctx, s.insQuarantine)
		for i := range b.Quarantine {
			q := &b.Quarantine[i]
			raw := q.Raw
			if raw == nil {
				raw = []byte{}
			}
			if _, err := st.ExecContext(ctx, nanos(b.ReceivedAt), q.Index, q.EventID, q.Reason, raw); err != nil {
				return store.IngestResult{}, fmt.Errorf("quarantine event %d: %w", q.Index, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return store.IngestResult{}, err
	}
	inserted := nd + ne + nc
	total := len(b.Decisions) + len(b.Exposures) + len(b.Conversions)
	return store.IngestResult{Inserted: inserted, Duplicates: total - inserted}, nil
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
