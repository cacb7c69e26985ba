//go:build cgo

package wasmtimehost

// The C side is in shim.h.

// #include "shim.h"
import "C"

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

// The C API's extern kinds and trap codes used here.
const (
	externFunc   = C.ES_EXTERN_FUNC
	externMemory = C.ES_EXTERN_MEMORY
)

// rawVal is one wasmtime_val_raw_t.
type rawVal = C.es_raw_t

// extern copies the C handle out of a wasmtime-go Func or Memory: their
// exported AsExtern returns the C API's wasmtime_extern_t by value.
func funcHandle(f *wasmtime.Func) (C.es_func_t, error) {
	ext := f.AsExtern()
	if unsafe.Sizeof(ext) != unsafe.Sizeof(C.es_extern_t{}) {
		return C.es_func_t{}, errLayout
	}
	e := (*C.es_extern_t)(unsafe.Pointer(&ext))
	if e.kind != externFunc {
		return C.es_func_t{}, fmt.Errorf("%w: func extern of kind %d", errLayout, e.kind)
	}
	return *(*C.es_func_t)(unsafe.Pointer(&e.of)), nil
}

func memoryHandle(m *wasmtime.Memory) (C.es_memory_t, error) {
	ext := m.AsExtern()
	if unsafe.Sizeof(ext) != unsafe.Sizeof(C.es_extern_t{}) {
		return C.es_memory_t{}, errLayout
	}
	e := (*C.es_extern_t)(unsafe.Pointer(&ext))
	if e.kind != externMemory {
		return C.es_memory_t{}, fmt.Errorf("%w: memory extern of kind %d", errLayout, e.kind)
	}
	return *(*C.es_memory_t)(unsafe.Pointer(&e.of)), nil
}

// contextOf is the store's wasmtime_context_t*, valid for the store's life.
func contextOf(s *wasmtime.Store) *C.wasmtime_context_t {
	return (*C.wasmtime_context_t)(unsafe.Pointer(s.Context()))
}

// storeOf is the store's wasmtime_store_t*, which wasmtime-go keeps in an
// unexported field and which registering a deadline callback needs. It is
// found by name and checked against the store's context.
func storeOf(s *wasmtime.Store) (*C.wasmtime_store_t, error) {
	f := reflect.ValueOf(s).Elem().FieldByName("_ptr")
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("%w: no Store._ptr", errLayout)
	}
	p := (*C.wasmtime_store_t)(unsafe.Pointer(f.Pointer()))
	if p == nil || C.es_store_matches(p, contextOf(s)) == 0 {
		return nil, fmt.Errorf("%w: Store._ptr is not the store", errLayout)
	}
	return p, nil
}

// callResult is a failed call, decoded and freed.
type callResult struct {
	trap     bool // a trap rather than an error
	exitCode int32
	exited   bool
	code     uint8
	hasCode  bool
	msg      string
}

// take converts and frees the C result of a failed call.
func take(r *C.es_result_t) callResult {
	cr := callResult{
		trap:     r.failed == C.ES_TRAP,
		exitCode: int32(r.exit_code),
		exited:   r.has_exit != 0,
		code:     uint8(r.trap_code),
		hasCode:  r.has_code != 0,
	}
	if r.msg.data != nil {
		n := int(r.msg.size)
		if cr.trap && n > 0 && (*[1 << 30]byte)(unsafe.Pointer(r.msg.data))[n-1] == 0 {
			n-- // wasm_trap_message includes the terminating NUL
		}
		cr.msg = C.GoStringN(r.msg.data, C.int(n))
	}
	C.es_free(&r.msg)
	r.has_exit, r.has_code = 0, 0
	return cr
}
