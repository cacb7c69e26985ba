// Package bundlesync keeps an edge's bundles in step with its group's
// signed manifest on the control plane.
//
// Three loops run: a server-sent-events watch (the fast path: a new
// manifest arrives within milliseconds of being issued), an ETag poll
// (every PollInterval with ±20% jitter while the watch is down, every
// SlowPollInterval while it is up, as a safety net), and a heartbeat that
// reports what the edge runs and triggers a poll when the control plane
// says the edge is behind.
//
// Every manifest, whichever way it came, goes through one gate: the
// signature must verify under a pinned Ed25519 key (by key id), the group
// must be the edge's, and the sequence must be above the last one accepted
// (so an old, validly signed manifest cannot be replayed to roll the edge
// back). Each bundle it names is fetched — or read from the disk cache —
// and its sha256 checked against the signed digest. Only then is the plan
// handed to the Applier (which loads the bundles into the pool); if that
// fails nothing changes. The accepted manifest and its bundles are written
// to the cache directory last, so an edge that restarts while the control
// plane is down starts from the last verified plan (re-verified on load).
//
// Staleness is the time since the edge last heard from the control plane
// (a watch event or ping, a poll answer, a heartbeat reply).
package bundlesync
