package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are applied in order, each in its own transaction, and recorded
// in schema_migrations. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE bundles (
	digest        TEXT PRIMARY KEY,
	source_digest TEXT NOT NULL,
	size          INTEGER NOT NULL,
	name          TEXT NOT NULL,
	version       TEXT NOT NULL,
	author        TEXT NOT NULL,
	notes         TEXT NOT NULL,
	parent        TEXT NOT NULL,
	info          BLOB NOT NULL,
	key_id        TEXT NOT NULL,
	signature     TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	source        BLOB NOT NULL,
	binary        BLOB NOT NULL,
	UNIQUE (name, version)
) STRICT;

CREATE TABLE aliases (
	name       TEXT PRIMARY KEY,
	digest     TEXT NOT NULL REFERENCES bundles(digest),
	updated_at INTEGER NOT NULL,
	updated_by TEXT NOT NULL
) STRICT;

CREATE TABLE rollouts (
	grp        TEXT PRIMARY KEY,
	sequence   INTEGER NOT NULL,
	state      BLOB NOT NULL,
	manifest   BLOB NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	at       INTEGER NOT NULL,
	actor    TEXT NOT NULL,
	grp      TEXT NOT NULL,
	action   TEXT NOT NULL,
	sequence INTEGER NOT NULL,
	from_state BLOB,
	to_state   BLOB NOT NULL
) STRICT;
CREATE INDEX audit_grp ON audit (grp, id);

CREATE TABLE edges (
	id        TEXT PRIMARY KEY,
	grp       TEXT NOT NULL,
	sequence  INTEGER NOT NULL,
	bundles   TEXT NOT NULL,
	version   TEXT NOT NULL,
	last_seen INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	hash       BLOB NOT NULL UNIQUE,
	scopes     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL
) STRICT;

CREATE TABLE decisions (
	event_id           TEXT PRIMARY KEY,
	ts                 INTEGER NOT NULL,
	decision_id        TEXT NOT NULL,
	shopper_id         TEXT NOT NULL,
	grp                TEXT NOT NULL,
	bundle             TEXT NOT NULL,
	variant            TEXT NOT NULL,
	action             TEXT NOT NULL,
	action_probability REAL NOT NULL,
	propensity         REAL NOT NULL,
	clv                REAL NOT NULL,
	segments           TEXT NOT NULL,
	tier               TEXT NOT NULL,
	explored           INTEGER NOT NULL,
	edge_id            TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX decisions_decision ON decisions (decision_id);
CREATE INDEX decisions_shopper_ts ON decisions (shopper_id, ts);

CREATE TABLE exposures (
	event_id    TEXT PRIMARY KEY,
	ts          INTEGER NOT NULL,
	decision_id TEXT NOT NULL UNIQUE,
	shopper_id  TEXT NOT NULL
) STRICT;

CREATE TABLE conversions (
	event_id      TEXT PRIMARY KEY,
	ts            INTEGER NOT NULL,
	shopper_id    TEXT NOT NULL,
	order_id      TEXT NOT NULL UNIQUE,
	revenue       REAL NOT NULL,
	margin        REAL NOT NULL,
	discount_cost REAL NOT NULL
) STRICT;
CREATE INDEX conversions_ts ON conversions (ts);

CREATE TABLE quarantine (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	received_at INTEGER NOT NULL,
	idx         INTEGER NOT NULL,
	event_id    TEXT NOT NULL,
	reason      TEXT NOT NULL,
	raw         BLOB NOT NULL
) STRICT;
`,
}

// migrate brings the schema up to date. It is safe to run on every start.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d)", current, len(migrations))
	}
	for v := current + 1; v <= len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}
