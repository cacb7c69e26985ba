package host

import (
	"errors"

	"github.com/edgescore/edgescore/wasm/abi"
)

// Sentinel errors; match with errors.Is.
var (
	// ErrClosed: the pool is closed.
	ErrClosed = errors.New("host: pool closed")
	// ErrIncompatibleGuest: the module is not an edgescore guest this host
	// can run (a missing export, a wrong signature, an unsupported ABI
	// version). Returned by NewPool, wrapped in an *ExportError or with
	// the version.
	ErrIncompatibleGuest = errors.New("incompatible guest")
	// ErrTrap: the guest trapped or exited (a panic in the guest or the
	// core) during the call. The instance was discarded.
	ErrTrap = errors.New("guest trapped")
	// ErrProtocol: the guest answered outside the ABI (a result pointing
	// outside its memory, a malformed record). The instance was discarded.
	ErrProtocol = errors.New("guest broke the ABI")

	// The guest's status codes (abi.Status), matched by *GuestError.
	ErrNoBundle   = errors.New("no bundle loaded")
	ErrBadContext = errors.New("bad context")
	ErrBadBundle  = errors.New("bad bundle")
)

// ExportError is a load-time check that failed: the message says exactly
// what is wrong, e.g. "guest exports the wrong signature for func[decide]:
// should be (i32, i32) -> (i64)". It matches ErrIncompatibleGuest.
type ExportError struct {
	Kind string // "func" or "memory"
	Name string // the export
	Msg  string
}

func (e *ExportError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrIncompatibleGuest) true.
func (e *ExportError) Is(target error) bool { return target == ErrIncompatibleGuest }

// GuestError is a non-OK status from the guest with its last_error
// message. The instance stays healthy. It matches ErrNoBundle, ErrBadContext
// or ErrBadBundle by its status.
type GuestError struct {
	Export string // the call that failed
	Status abi.Status
	Msg    string // the guest's message
}

func (e *GuestError) Error() string {
	s := "guest " + e.Export + ": " + e.Status.String()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Is matches the sentinel of the status.
func (e *GuestError) Is(target error) bool {
	switch e.Status {
	case abi.StatusNoBundle:
		return target == ErrNoBundle
	case abi.StatusBadContext:
		return target == ErrBadContext
	case abi.StatusBadBundle:
		return target == ErrBadBundle
	}
	return false
}

var errSize = errors.New("host: pool size must be at least 1")
