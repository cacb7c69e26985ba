// Package controlplane is the control plane of edgescore as plain Go: the
// bundle registry, signing, staged rollouts, distribution of signed manifests
// to edges, the fleet view, outcome ingestion, per-version metrics and API
// tokens. It knows nothing of HTTP (package httpapi adapts it to gin) and
// nothing of SQL (package store defines what it keeps; store/sqlitestore keeps
// it in one SQLite file).
//
// # Layout
//
//	controlplane/            Service and its parts, one file per concept:
//	  service.go             Config, New, Run (scheduler), audit
//	  validator.go           BundleValidator (the seam to the core), StructuralValidator (stand-in), AssembleXGBoost
//	  registry.go            Upload, Bundle(s), aliases
//	  signer.go manifest.go  Ed25519 keys, rotation, Manifest and its canonical signing bytes, VerifyManifest
//	  rollout.go             plans, canary, ramp (and schedules), promote, rollback, kill switch
//	  distribution.go        published manifests (ETag, SSE frame), watchers
//	  fleet.go               heartbeats, fleet view
//	  outcomes.go            event schemas, batch ingestion, quarantine
//	  metrics.go stats.go    per bundle/variant metrics, comparison; Wilson, Wald, Welch, AUC, calibration
//	  auth.go                tokens, scopes
//	  errors.go              sentinel errors (each maps to one HTTP status)
//	  openapi.yaml           the HTTP API, embedded and served
//	  corevalidator/         the production BundleValidator (core + wasm guest)
//	  store/                 the Store interface, sqlitestore, storetest (conformance suite)
//	  httpapi/               gin adapter
//	  client/                Go client (CLI, tests)
//
// # Decisions worth a second look
//
// Store boundary. The store keeps rollout plans and manifests as opaque bytes
// and events as rows; everything that decides (validation, signing, sequence
// numbers, attribution rules, statistics) is here, so a PostgreSQL store has
// nothing to re-derive and is held to the same storetest suite. Metrics are
// computed in Go from two scans (attributed conversions, exposed decisions),
// not in SQL, so the formulas are tested by hand-computed values and are the
// same on every store.
//
// One writer. SQLite allows one writer at a time; sqlitestore gives writes a
// pool of one connection so they queue in Go instead of spinning on the busy
// handler, and reads a separate pool (WAL lets them run beside the writer).
// A batch of events is one transaction of multi-row INSERT OR IGNORE
// statements (50 rows each): the primary and unique keys are what make a
// retried batch a no-op, with no read-before-write. Each event is decoded
// once, by one streaming decoder per batch, into the union of the event
// types. Measured on the 2-core machine while other work loaded it (load
// average 6–12): 50,000–57,000 events/s through HTTP in batches of 500
// (BenchmarkIngest), against about 22,000 with one INSERT per row and a
// decoder per event.
//
// Attribution at query time. A conversion is attributed, when metrics are
// computed, to the shopper's latest decision within the window; nothing is
// attributed at ingestion. Decisions (from edges) and conversions (from shops)
// arrive through different paths and in any order, so attributing at
// ingestion would depend on arrival order; at query time the window can also
// be changed per query.
//
// Single process, copy-on-write caches. The current manifests, token hashes
// and known bundle digests are immutable maps behind atomic pointers, replaced
// whole on a change; the manifest and auth paths take no lock. Rollout
// changes are serialized by one mutex and committed with a compare-and-swap
// on the sequence, so a second process could not corrupt the sequence either,
// but the caches assume one Service owns the store.
//
// Encode once, share, coalesce. A change encodes the manifest, its ETag and
// its SSE frame once; every poll, 304 and watcher shares those bytes. Each
// watcher has a one-slot wake-up channel, not a queue: a slow watcher skips
// intermediate manifests (each is a complete state) and reads the latest, so
// memory per watcher is constant however often the plan changes, and the
// number of watchers is capped (Config.MaxWatchers, 503 beyond).
//
// Canonical signing bytes are lines, not JSON. Edges in any language verify
// the signature over a line format defined in Manifest.SigningBytes, built
// from fields restricted to [A-Za-z0-9._-], so no JSON canonicalization is
// needed. Arm URLs are not signed: edges check the sha256 of what they
// download against the signed digest.
//
// The validator seam. The registry depends only on BundleValidator.
// corevalidator implements it with the core (jsonform.ParseBundle strict
// decoding, bundle.Compile, bundle.Encode) and the host library (the binary
// loaded into the real wasm guest on wazero, smoke contexts scored there and
// natively, which must agree); it lives in its own package so this one does
// not depend on the core or a wasm engine. StructuralValidator is a stand-in
// kept for tests and for `-validator structural`; every bundle records which
// validator accepted it (BundleInfo.Validator). The choice is made in
// cmd/edgescore/cmd_controlplane.go.
package controlplane
