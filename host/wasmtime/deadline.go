//go:build cgo

package wasmtimehost

// #include "shim.h"
import "C"

import (
	"runtime/cgo"
	"time"
	"unsafe"
)

// esEpochDeadline is the store's epoch deadline callback (es_deadline_cb in
// shim.h): wasmtime calls it, on the calling goroutine, when a running
// call reaches its store's epoch deadline. It ends the call (returns 1)
// once the call's context is done, and otherwise sets the next deadline.
// Waiting for ctx.Err() rather than comparing clocks means an interrupted
// call always finds its context done, as the pool expects.
//
//export esEpochDeadline
func esEpochDeadline(handle C.uintptr_t, delta *C.uint64_t) C.int {
	in, ok := cgo.Handle(handle).Value().(*instance)
	if !ok || in.callCtx == nil {
		return 1
	}
	ctx := in.callCtx
	if err := ctx.Err(); err != nil {
		in.interrupt = err
		return 1
	}
	next := uint64(1)
	if d, ok := ctx.Deadline(); ok {
		next = in.mod.rt.ticks(time.Until(d))
	}
	*delta = C.uint64_t(next)
	return 0
}

// checkLayout checks that the C API types mirrored in shim.h have the sizes
// wasmtime's headers give them (x86-64 and arm64).
func checkLayout() error {
	if unsafe.Sizeof(C.es_func_t{}) != 16 || unsafe.Sizeof(C.es_memory_t{}) != 24 ||
		unsafe.Sizeof(C.es_extern_t{}) != 32 || unsafe.Sizeof(C.es_raw_t{}) != 16 ||
		unsafe.Sizeof(uintptr(0)) != 8 {
		return errLayout
	}
	return nil
}
