package controlplane

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the service returns wraps exactly one of them,
// with context naming what went wrong; the HTTP adapter maps each to a status
// (see httpapi) and tests match them with errors.Is.
var (
	// ErrInvalid: the request is malformed: bad JSON, a wrong type, a
	// missing or out-of-range field. HTTP 400.
	ErrInvalid = errors.New("invalid request")
	// ErrUnprocessable: the request is well-formed but its content is
	// refused: a bundle that fails validation, a reference to a bundle that
	// is not in the registry. HTTP 422.
	ErrUnprocessable = errors.New("unprocessable")
	// ErrNotFound: the addressed resource does not exist. HTTP 404.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change contradicts the current state (a name and
	// version already taken, a ramp without a challenger). HTTP 409.
	ErrConflict = errors.New("conflict")
	// ErrStaleSequence: the change was based on a rollout sequence that is
	// no longer current, for example a replayed request. HTTP 409.
	ErrStaleSequence = errors.New("stale sequence")
	// ErrTooLarge: the body or batch exceeds a limit. HTTP 413.
	ErrTooLarge = errors.New("too large")
	// ErrUnauthenticated: no token, or a token that is unknown or revoked.
	// HTTP 401.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: a valid token without the scope the action needs.
	// HTTP 403.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: a capacity limit is reached (too many watchers).
	// HTTP 503.
	ErrUnavailable = errors.New("unavailable")
)

// invalidf returns an ErrInvalid error naming the path of the bad field.
func invalidf(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, path, fmt.Sprintf(format, args...))
}
