package store

import (
	"context"
	"time"
)

// Store is everything the control plane persists. Implementations must be
// safe for concurrent use by many goroutines. Every method that writes either
// commits all of its effect or none of it.
type Store interface {
	BundleStore
	RolloutStore
	FleetStore
	TokenStore
	EventStore
	// Close releases the store. No method may be called after Close.
	Close() error
}

// BundleStore keeps bundles (immutable, content-addressed) and aliases.
type BundleStore interface {
	// PutBundle stores b with its source (authoring JSON) and binary (what
	// edges load). Digest is the hex sha256 of binary and is the key. Putting
	// the same digest again changes nothing and returns created == false.
	// A Name and Version already bound to another digest is ErrConflict.
	PutBundle(ctx context.Context, b Bundle, source, binary []byte) (created bool, err error)
	// Bundle returns the metadata of one bundle, or ErrNotFound.
	Bundle(ctx context.Context, digest string) (Bundle, error)
	// BundleByVersion finds a bundle by name and version, or ErrNotFound.
	BundleByVersion(ctx context.Context, name, version string) (Bundle, error)
	// Bundles lists all bundles, newest first.
	Bundles(ctx context.Context) ([]Bundle, error)
	// BundleBinary and BundleSource return the stored bytes, or ErrNotFound.
	BundleBinary(ctx context.Context, digest string) ([]byte, error)
	BundleSource(ctx context.Context, digest string) ([]byte, error)
	// SetAlias points an alias at a stored bundle (ErrNotFound if the bundle
	// does not exist).
	SetAlias(ctx context.Context, a Alias) error
	// Alias returns one alias, or ErrNotFound.
	Alias(ctx context.Context, name string) (Alias, error)
	// Aliases lists all aliases by name.
	Aliases(ctx context.Context) ([]Alias, error)
}

// RolloutStore keeps one rollout record per group and the audit trail.
type RolloutStore interface {
	// Rollout returns the current record of a group, or ErrNotFound.
	Rollout(ctx context.Context, group string) (Rollout, error)
	// Rollouts lists the current record of every group, by group.
	Rollouts(ctx context.Context) ([]Rollout, error)
	// CommitRollout replaces the group's record with r if and only if the
	// stored sequence is prev (0 means "the group has no record yet"), and
	// appends the audit entry, atomically. r.Sequence must be greater than
	// prev. A failed comparison is ErrStaleSequence and changes nothing.
	CommitRollout(ctx context.Context, prev uint64, r Rollout, a AuditEntry) error
	// AppendAudit records a change that is not a rollout (an upload, an
	// alias, a token).
	AppendAudit(ctx context.Context, a AuditEntry) error
	// Audit lists audit entries, newest first, filtered by f.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// FleetStore keeps the last heartbeat of every edge.
type FleetStore interface {
	// PutHeartbeat records (replaces) the status of one edge.
	PutHeartbeat(ctx context.Context, e Edge) error
	// Edges lists edges, by id; group "" means every group.
	Edges(ctx context.Context, group string) ([]Edge, error)
}

// TokenStore keeps API tokens. Only hashes are stored, never the secrets.
type TokenStore interface {
	PutToken(ctx context.Context, t Token) error
	// Tokens lists every token, revoked ones included, by creation time.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked; ErrNotFound if there is none.
	RevokeToken(ctx context.Context, id string, at time.Time) error
}

// EventStore keeps outcome events and answers the scans metrics need.
type EventStore interface {
	// Ingest writes one batch in one transaction. Events whose EventID is
	// already stored (per type) are skipped and counted as duplicates;
	// exposures are further deduplicated by DecisionID and conversions by
	// OrderID. Quarantined events are stored as given.
	Ingest(ctx context.Context, b *Batch) (IngestResult, error)
	// ScanExposedDecisions calls fn for every decision that has at least
	// one exposure and matches f, in no particular order. fn must not keep
	// the pointer.
	ScanExposedDecisions(ctx context.Context, f DecisionFilter, fn func(*ExposedDecision) error) error
	// ScanConversions calls fn for every conversion with ts ≥ since (unix
	// ms; 0 for all), each attributed to the shopper's latest decision
	// with decision.ts ≤ conversion.ts and conversion.ts − decision.ts ≤
	// window (ties broken by the larger decision id); DecisionID is "" when
	// no decision qualifies. fn must not keep the pointer.
	ScanConversions(ctx context.Context, since int64, window time.Duration, fn func(*AttributedConversion) error) error
	// Quarantine lists quarantined events, newest first.
	Quarantine(ctx context.Context, limit int) ([]Quarantined, error)
}

// Bundle is the metadata of one stored bundle.
type Bundle struct {
	Digest       string // hex sha256 of the binary
	SourceDigest string // hex sha256 of the authoring JSON
	Size         int64  // bytes of the binary
	Name         string
	Version      string
	Author       string
	Notes        string
	Parent       string // digest of the bundle this one derives from, or ""
	Info         []byte // JSON from the validator (features, actions, …)
	KeyID        string // signing key that signed the digest
	Signature    string // base64 Ed25519 signature over the digest statement
	CreatedAt    time.Time
}

// Alias names a bundle (champion, challenger, …).
type Alias struct {
	Name      string
	Digest    string
	UpdatedAt time.Time
	UpdatedBy string
}

// Rollout is the current state of one group. State and Manifest are opaque
// to the store: the control plane's JSON plan and the signed manifest bytes.
type Rollout struct {
	Group     string
	Sequence  uint64
	State     []byte
	Manifest  []byte
	UpdatedAt time.Time
}

// AuditEntry records one change: who, when, what, from what to what.
type AuditEntry struct {
	ID       int64 // assigned by the store
	At       time.Time
	Actor    string
	Group    string
	Action   string
	Sequence uint64 // the sequence the change produced
	From     []byte // JSON, or nil when there was nothing before
	To       []byte // JSON
}

// AuditFilter selects audit entries; zero values select everything.
type AuditFilter struct {
	Group string
	Limit int // 0 means a default of 100
}

// Edge is the last reported status of one edge.
type Edge struct {
	ID       string
	Group    string
	Sequence uint64   // manifest sequence the edge runs
	Bundles  []string // digests the edge has loaded
	Version  string   // edge software version
	LastSeen time.Time
}

// Token is an API token as stored: a hash, never the secret.
type Token struct {
	ID        string
	Name      string
	Hash      []byte // sha256 of the secret
	Scopes    []string
	CreatedAt time.Time
	RevokedAt time.Time // zero when active
}

// Batch is one ingestion request, already validated by the control plane.
type Batch struct {
	ReceivedAt  time.Time
	Decisions   []Decision
	Exposures   []Exposure
	Conversions []Conversion
	Quarantine  []Quarantined
}

// IngestResult counts what a batch changed.
type IngestResult struct {
	Inserted   int // new events stored
	Duplicates int // events already stored, skipped
}

// Decision is one decision log. Times are unix milliseconds.
type Decision struct {
	EventID           string
	TS                int64
	DecisionID        string
	ShopperID         string
	Group             string
	Bundle            string
	Variant           string
	Action            string
	ActionProbability float64
	Propensity        float64
	CLV               float64
	Segments          []string
	Tier              string
	Explored          bool
	EdgeID            string
}

// Exposure says that a decision was shown.
type Exposure struct {
	EventID    string
	TS         int64
	DecisionID string
	ShopperID  string
}

// Conversion is one order.
type Conversion struct {
	EventID      string
	TS           int64
	ShopperID    string
	OrderID      string
	Revenue      float64
	Margin       float64
	DiscountCost float64
}

// Quarantined is an event that failed its schema check, kept for inspection.
type Quarantined struct {
	ID         int64 // assigned by the store
	ReceivedAt time.Time
	Index      int    // position in its batch
	EventID    string // "" when it could not be read
	Reason     string
	Raw        []byte
}

// DecisionFilter selects decisions for metrics. Zero values select all.
type DecisionFilter struct {
	Group   string
	Bundles []string // digests
	Since   int64    // unix ms, inclusive; 0 for no bound
	Until   int64    // unix ms, exclusive; 0 for no bound
}

// ExposedDecision is what metrics need of an exposed decision.
type ExposedDecision struct {
	DecisionID string
	Bundle     string
	Variant    string
	Action     string
	Propensity float64
}

// AttributedConversion is a conversion and the decision it is attributed to.
type AttributedConversion struct {
	OrderID      string
	DecisionID   string // "" when unattributed
	Revenue      float64
	Margin       float64
	DiscountCost float64
}
