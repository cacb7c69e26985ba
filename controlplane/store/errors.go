package store

import "errors"

// Sentinel errors returned by every Store implementation. Implementations wrap
// them with context; callers test with errors.Is.
var (
	// ErrNotFound: the record asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write would break a uniqueness rule (for example a
	// bundle name and version already bound to other content).
	ErrConflict = errors.New("conflict")
	// ErrStaleSequence: a rollout write was based on a sequence number that is
	// no longer the current one (compare-and-swap failed).
	ErrStaleSequence = errors.New("stale sequence")
)
