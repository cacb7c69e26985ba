//go:build cgo

package wasmtimehost

import (
	"errors"
	"strconv"
)

// Sentinel errors; match with errors.Is.
var (
	// ErrInterrupted: a call ended because its context was done. The
	// error also wraps the context's error.
	ErrInterrupted = errors.New("wasmtime: call interrupted")
	// ErrUnusable: a call on an instance that is closed, or whose previous
	// call failed (its memory is in an undefined state).
	ErrUnusable = errors.New("wasmtime: instance unusable after a failed call or Close")
	// ErrBusy: a call on an instance that is already in a call (from
	// another goroutine, or from inside a host function). It is refused
	// instead of corrupting the instance.
	ErrBusy = errors.New("wasmtime: instance already in a call (instances are single-threaded)")
)

var (
	errClosed       = errors.New("wasmtimehost: runtime closed")
	errModuleClosed = errors.New("wasmtimehost: module closed")
	// errLayout: the C API types mirrored in shim.h do not match the
	// wasmtime linked (checked when a Runtime is made and on each handle).
	errLayout = errors.New("wasmtimehost: wasmtime-go's C types are not the ones this package was written for")
)

// TrapError is a call that trapped: a WebAssembly trap (unreachable, out of
// bounds, …) or the guest's proc_exit (a Go guest exits with code 2 after a
// panic, its message on stderr).
type TrapError struct {
	Func string // the export called
	// Exited: the guest called proc_exit with Code.
	Exited bool
	Code   int32
	Msg    string // wasmtime's description
}

func (e *TrapError) Error() string {
	if e.Exited {
		return "wasmtime: " + e.Func + ": guest exited with code " + strconv.Itoa(int(e.Code))
	}
	return "wasmtime: " + e.Func + ": " + e.Msg
}
