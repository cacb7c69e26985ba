//go:build cgo

package wasmtimehost

// The hot path in C, against wasmtime's C API (the libwasmtime.a that
// wasmtime-go links). wasmtime-go v39 does not wrap the functions used here,
// so they are declared below, mirroring wasmtime's headers (wasmtime/func.h,
// extern.h, store.h, trap.h, error.h of wasmtime 39); the types are the C
// API's, whose layout wasmtime documents as stable, not wasmtime-go's.
// checkLayout verifies the sizes at start-up.

/*
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasm_trap_t wasm_trap_t;

// wasmtime_func_t
typedef struct { uint64_t store_id; void *private_; } es_func_t;
// wasmtime_memory_t
typedef struct { uint64_t store_id; uint32_t private1; uint32_t private2; } es_memory_t;
// wasmtime_extern_t: a kind, then a union of 16-byte handles.
typedef struct {
	uint8_t kind;
	union { es_func_t func; es_memory_t memory; } of;
} es_extern_t;
// wasmtime_val_raw_t: 16 bytes, values little-endian at offset 0.
typedef struct { uint64_t lo, hi; } es_raw_t;
// wasm_byte_vec_t
typedef struct { size_t size; char *data; } es_bytes_t;

#define ES_EXTERN_FUNC 0
#define ES_EXTERN_MEMORY 3

extern wasmtime_error_t *wasmtime_func_call_unchecked(wasmtime_context_t *, const es_func_t *,
	es_raw_t *args_and_results, size_t len, wasm_trap_t **trap);
extern void wasmtime_context_set_epoch_deadline(wasmtime_context_t *, uint64_t ticks_beyond_current);
extern uint8_t *wasmtime_memory_data(const wasmtime_context_t *, const es_memory_t *);
extern size_t wasmtime_memory_data_size(const wasmtime_context_t *, const es_memory_t *);
extern wasmtime_context_t *wasmtime_store_context(wasmtime_store_t *);
extern void wasmtime_store_epoch_deadline_callback(wasmtime_store_t *,
	wasmtime_error_t *(*)(wasmtime_context_t *, void *, uint64_t *, uint8_t *),
	void *data, void (*finalizer)(void *));
extern void wasm_trap_message(const wasm_trap_t *, es_bytes_t *out);
extern bool wasmtime_trap_code(const wasm_trap_t *, uint8_t *code);
extern void wasm_trap_delete(wasm_trap_t *);
extern void wasmtime_error_message(const wasmtime_error_t *, es_bytes_t *out);
extern bool wasmtime_error_exit_status(const wasmtime_error_t *, int *status);
extern void wasmtime_error_delete(wasmtime_error_t *);
extern wasmtime_error_t *wasmtime_error_new(const char *);
extern void wasm_byte_vec_delete(es_bytes_t *);

// The outcome of es_call.
typedef struct {
	uint8_t *mem_base;  // the memory after the call (when the call succeeded)
	size_t mem_size;
	int32_t failed;     // ES_TRAP or ES_ERROR, else 0
	int32_t exit_code;  // when has_exit
	uint8_t has_exit;
	uint8_t has_code;
	uint8_t trap_code;  // when has_code
	es_bytes_t msg;     // when failed: owned, free with wasm_byte_vec_delete
} es_result_t;

#define ES_TRAP 1
#define ES_ERROR 2

// es_call sets the epoch deadline, calls f, and on success reads the
// memory's base and size (memory can only grow during a call): one cgo
// crossing per call.
static void es_call(wasmtime_context_t *ctx, const es_func_t *f, es_raw_t *raw, size_t n,
		uint64_t deadline, const es_memory_t *mem, es_result_t *res) {
	wasm_trap_t *trap = NULL;
	wasmtime_error_t *err;

	res->failed = 0;
	wasmtime_context_set_epoch_deadline(ctx, deadline);
	err = wasmtime_func_call_unchecked(ctx, f, raw, n, &trap);
	if (trap != NULL) {
		res->failed = ES_TRAP;
		res->has_code = wasmtime_trap_code(trap, &res->trap_code);
		wasm_trap_message(trap, &res->msg);
		wasm_trap_delete(trap);
	}
	if (err != NULL) {
		int status = 0;
		if (!res->failed) {
			res->failed = ES_ERROR;
			res->has_exit = wasmtime_error_exit_status(err, &status);
			res->exit_code = status;
			wasmtime_error_message(err, &res->msg);
		}
		wasmtime_error_delete(err);
	}
	if (!res->failed && mem->store_id != 0) {
		res->mem_base = wasmtime_memory_data(ctx, mem);
		res->mem_size = wasmtime_memory_data_size(ctx, mem);
	}
}

static void es_memory(wasmtime_context_t *ctx, const es_memory_t *mem, es_result_t *res) {
	res->mem_base = wasmtime_memory_data(ctx, mem);
	res->mem_size = wasmtime_memory_data_size(ctx, mem);
}

// esEpochDeadline is Go (deadline.go): 1 to end the call, else 0 with the
// next deadline in *delta.
extern int esEpochDeadline(uintptr_t handle, uint64_t *delta);

static wasmtime_error_t *es_deadline_cb(wasmtime_context_t *ctx, void *data, uint64_t *delta, uint8_t *kind) {
	*kind = 0; // WASMTIME_UPDATE_DEADLINE_CONTINUE
	if (esEpochDeadline((uintptr_t)data, delta)) {
		return wasmtime_error_new("call interrupted: its context is done");
	}
	return NULL;
}

static void es_set_deadline_callback(wasmtime_store_t *store, uintptr_t handle) {
	wasmtime_store_epoch_deadline_callback(store, es_deadline_cb, (void *)handle, NULL);
}

static int es_store_matches(wasmtime_store_t *store, wasmtime_context_t *ctx) {
	return wasmtime_store_context(store) == ctx;
}

static void es_free(es_bytes_t *b) {
	if (b->data != NULL) {
		wasm_byte_vec_delete(b);
		b->data = NULL;
		b->size = 0;
	}
}
*/
import "C"

import (
	"errors"
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

var errLayout = errors.New("wasmtimehost: wasmtime-go's C types are not the ones this package was written for")

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
