package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Options tune the store. The zero value is usable.
type Options struct {
	// MaxReaders bounds the read pool; 0 means 4.
	MaxReaders int
	// BusyTimeout is how long a connection waits on a lock held by another
	// process; 0 means 5 s.
	BusyTimeout time.Duration
}

// Store is a store.Store on SQLite. Build it with Open.
type Store struct {
	w, r *sql.DB

	// Event inserts: one statement for a chunk of chunkRows rows and one
	// for a single row (the remainder of a batch).
	decisions, exposures, conversions rowInsert
	insQuarantine                     *sql.Stmt
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path, switches it to
// WAL mode and applies pending migrations.
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	if o.MaxReaders <= 0 {
		o.MaxReaders = 4
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()

	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		w.Close()
		return nil, fmt.Errorf("open %s: journal mode is %q, want wal (%v)", path, mode, err)
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(o.MaxReaders)
	r.SetMaxIdleConns(o.MaxReaders)

	s := &Store{w: w, r: r}
	for _, p := range []struct {
		dst     *rowInsert
		head    string
		columns int
	}{
		{&s.decisions, `INSERT OR IGNORE INTO decisions (event_id, ts, decision_id, shopper_id, grp, bundle,
			variant, action, action_probability, propensity, clv, segments, tier, explored, edge_id) VALUES `, 15},
		{&s.exposures, `INSERT OR IGNORE INTO exposures (event_id, ts, decision_id, shopper_id) VALUES `, 4},
		{&s.conversions, `INSERT OR IGNORE INTO conversions (event_id, ts, shopper_id, order_id, revenue, margin,
			discount_cost) VALUES `, 7},
	} {
		if *p.dst, err = prepareRowInsert(ctx, w, p.head, p.columns); err != nil {
			s.Close()
			return nil, fmt.Errorf("open %s: prepare: %w", path, err)
		}
	}
	if s.insQuarantine, err = w.PrepareContext(ctx, `INSERT INTO quarantine (received_at, idx, event_id, reason, raw)
		VALUES (?, ?, ?, ?, ?)`); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: prepare: %w", path, err)
	}
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.w.Close(), s.r.Close())
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// ---- bundles ----

const bundleCols = `digest, source_digest, size, name, version, author, notes, parent, info, key_id, signature, created_at`

func scanBundle(sc interface{ Scan(...any) error }) (store.Bundle, error) {
	var b store.Bundle
	var created int64
	err := sc.Scan(&b.Digest, &b.SourceDigest, &b.Size, &b.Name, &b.Version, &b.Author, &b.Notes,
		&b.Parent, &b.Info, &b.KeyID, &b.Signature, &created)
	b.CreatedAt = fromNanos(created)
	return b, err
}

// PutBundle implements store.BundleStore.
func (s *Store) PutBundle(ctx context.Context, b store.Bundle, source, binary []byte) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var existing string
	err = tx.QueryRowContext(ctx, `SELECT digest FROM bundles WHERE digest = ?`, b.Digest).Scan(&existing)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	err = tx.QueryRowContext(ctx, `SELECT digest FROM bundles WHERE name = ? AND version = ?`, b.Name, b.Version).Scan(&existing)
	if err == nil {
		return false, fmt.Errorf("bundle %s@%s is already %s: %w", b.Name, b.Version, existing, store.ErrConflict)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	info := b.Info
	if info == nil {
		info = []byte("{}")
	}
	if source == nil {
		source = []byte{}
	}
	if binary == nil {
		binary = []byte{}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO bundles (`+bundleCols+`, source, binary)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.Digest, b.SourceDigest, b.Size, b.Name, b.Version, b.Author, b.Notes, b.Parent, info,
		b.KeyID, b.Signature, nanos(b.CreatedAt), source, binary)
	if err != nil {
		return false, fmt.Errorf("insert bundle %s: %w", b.Digest, err)
	}
	return true, tx.Commit()
}

// Bundle implements store.BundleStore.
func (s *Store) Bundle(ctx context.Context, digest string) (store.Bundle, error) {
	b, err := scanBundle(s.r.QueryRowContext(ctx, `SELECT `+bundleCols+` FROM bundles WHERE digest = ?`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("bundle %s: %w", digest, store.ErrNotFound)
	}
	return b, err
}

// BundleByVersion implements store.BundleStore.
func (s *Store) BundleByVersion(ctx context.Context, name, version string) (store.Bundle, error) {
	b, err := scanBundle(s.r.QueryRowContext(ctx, `SELECT `+bundleCols+` FROM bundles WHERE name = ? AND version = ?`, name, version))
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("bundle %s@%s: %w", name, version, store.ErrNotFound)
	}
	return b, err
}

// Bundles implements store.BundleStore.
func (s *Store) Bundles(ctx context.Context) ([]store.Bundle, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+bundleCols+` FROM bundles ORDER BY created_at DESC, digest`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Bundle{}
	for rows.Next() {
		b, err := scanBundle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func (s *Store) blob(ctx context.Context, col, digest string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, `SELECT `+col+` FROM bundles WHERE digest = ?`, digest).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("bundle %s: %w", digest, store.ErrNotFound)
	}
	return data, err
}

// BundleBinary implements store.BundleStore.
func (s *Store) BundleBinary(ctx context.Context, digest string) ([]byte, error) {
	return s.blob(ctx, "binary", digest)
}

// BundleSource implements store.BundleStore.
func (s *Store) BundleSource(ctx context.Context, digest string) ([]byte, error) {
	return s.blob(ctx, "source", digest)
}

// SetAlias implements store.BundleStore.
func (s *Store) SetAlias(ctx context.Context, a store.Alias) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO aliases (name, digest, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at,
		updated_by = excluded.updated_by`, a.Name, a.Digest, nanos(a.UpdatedAt), a.UpdatedBy)
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
		return fmt.Errorf("alias %s: bundle %s: %w", a.Name, a.Digest, store.ErrNotFound)
	}
	return err
}

// Alias implements store.BundleStore.
func (s *Store) Alias(ctx context.Context, name string) (store.Alias, error) {
	a := store.Alias{Name: name}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT digest, updated_at, updated_by FROM aliases WHERE name = ?`, name).
		Scan(&a.Digest, &at, &a.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("alias %s: %w", name, store.ErrNotFound)
	}
	a.UpdatedAt = fromNanos(at)
	return a, err
}

// Aliases implements store.BundleStore.
func (s *Store) Aliases(ctx context.Context) ([]store.Alias, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, digest, updated_at, updated_by FROM aliases ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Alias{}
	for rows.Next() {
		var a store.Alias
		var at int64
		if err := rows.Scan(&a.Name, &a.Digest, &at, &a.UpdatedBy); err != nil {
			return nil, err
		}
		a.UpdatedAt = fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ---- rollouts ----

// Rollout implements store.RolloutStore.
func (s *Store) Rollout(ctx context.Context, group string) (store.Rollout, error) {
	r := store.Rollout{Group: group}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT sequence, state, manifest, updated_at FROM rollouts WHERE grp = ?`, group).
		Scan(&r.Sequence, &r.State, &r.Manifest, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("rollout of group %s: %w", group, store.ErrNotFound)
	}
	r.UpdatedAt = fromNanos(at)
	return r, err
}

// Rollouts implements store.RolloutStore.
func (s *Store) Rollouts(ctx context.Context) ([]store.Rollout, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT grp, sequence, state, manifest, updated_at FROM rollouts ORDER BY grp`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Rollout{}
	for rows.Next() {
		var r store.Rollout
		var at int64
		if err := rows.Scan(&r.Group, &r.Sequence, &r.State, &r.Manifest, &at); err != nil {
			return nil, err
		}
		r.UpdatedAt = fromNanos(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CommitRollout implements store.RolloutStore.
func (s *Store) CommitRollout(ctx context.Context, prev uint64, r store.Rollout, a store.AuditEntry) error {
	if r.Sequence <= prev {
		return fmt.Errorf("rollout of group %s: sequence %d is not above %d: %w", r.Group, r.Sequence, prev, store.ErrStaleSequence)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var res sql.Result
	if prev == 0 {
		res, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO rollouts (grp, sequence, state, manifest, updated_at)
			VALUES (?, ?, ?, ?, ?)`, r.Group, r.Sequence, r.State, r.Manifest, nanos(r.UpdatedAt))
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE rollouts SET sequence = ?, state = ?, manifest = ?, updated_at = ?
			WHERE grp = ? AND sequence = ?`, r.Sequence, r.State, r.Manifest, nanos(r.UpdatedAt), r.Group, prev)
	}
	if err != nil {
		return fmt.Errorf("rollout of group %s: %w", r.Group, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("rollout of group %s: stored sequence is not %d: %w", r.Group, prev, store.ErrStaleSequence)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (at, actor, grp, action, sequence, from_state, to_state)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, nanos(a.At), a.Actor, a.Group, a.Action, a.Sequence, a.From, a.To); err != nil {
		return fmt.Errorf("audit of group %s: %w", r.Group, err)
	}
	return tx.Commit()
}

// AppendAudit implements store.RolloutStore.
func (s *Store) AppendAudit(ctx context.Context, a store.AuditEntry) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit (at, actor, grp, action, sequence, from_state, to_state)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, nanos(a.At), a.Actor, a.Group, a.Action, a.Sequence, a.From, a.To)
	return err
}

// Audit implements store.RolloutStore.
func (s *Store) Audit(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT id, at, actor, grp, action, sequence, from_state, to_state FROM audit`
	args := []any{}
	if f.Group != "" {
		q += ` WHERE grp = ?`
		args = append(args, f.Group)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var a store.AuditEntry
		var at int64
		if err := rows.Scan(&a.ID, &at, &a.Actor, &a.Group, &a.Action, &a.Sequence, &a.From, &a.To); err != nil {
			return nil, err
		}
		a.At = fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ---- fleet ----

// PutHeartbeat implements store.FleetStore.
func (s *Store) PutHeartbeat(ctx context.Context, e store.Edge) error {
	bundles, err := json.Marshal(e.Bundles)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO edges (id, grp, sequence, bundles, version, last_seen) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET grp = excluded.grp, sequence = excluded.sequence, bundles = excluded.bundles,
		version = excluded.version, last_seen = excluded.last_seen`,
		e.ID, e.Group, e.Sequence, string(bundles), e.Version, nanos(e.LastSeen))
	return err
}

// Edges implements store.FleetStore.
func (s *Store) Edges(ctx context.Context, group string) ([]store.Edge, error) {
	q := `SELECT id, grp, sequence, bundles, version, last_seen FROM edges`
	args := []any{}
	if group != "" {
		q += ` WHERE grp = ?`
		args = append(args, group)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Edge{}
	for rows.Next() {
		var e store.Edge
		var bundles string
		var at int64
		if err := rows.Scan(&e.ID, &e.Group, &e.Sequence, &bundles, &e.Version, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(bundles), &e.Bundles); err != nil {
			return nil, fmt.Errorf("edge %s: bundles: %w", e.ID, err)
		}
		e.LastSeen = fromNanos(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ---- tokens ----

// PutToken implements store.TokenStore.
func (s *Store) PutToken(ctx context.Context, t store.Token) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO tokens (id, name, hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Hash, strings.Join(t.Scopes, " "), nanos(t.CreatedAt), nanos(t.RevokedAt))
	if isUnique(err) {
		return fmt.Errorf("token %s: %w", t.ID, store.ErrConflict)
	}
	return err
}

// Tokens implements store.TokenStore.
func (s *Store) Tokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, hash, scopes, created_at, revoked_at FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Token{}
	for rows.Next() {
		var t store.Token
		var scopes string
		var created, revoked int64
		if err := rows.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &created, &revoked); err != nil {
			return nil, err
		}
		t.Scopes = strings.Fields(scopes)
		t.CreatedAt, t.RevokedAt = fromNanos(created), fromNanos(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements store.TokenStore.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, nanos(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var x int
		if err := s.w.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE id = ?`, id).Scan(&x); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("token %s: %w", id, store.ErrNotFound)
		}
	}
	return nil
}
