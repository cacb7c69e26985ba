// The hot path in C, against wasmtime's C API (the libwasmtime.a that
// wasmtime-go links). wasmtime-go v39 does not wrap the functions used here,
// so they are declared below, mirroring wasmtime's headers (wasmtime/func.h,
// extern.h, store.h, trap.h, error.h of wasmtime 39). The types are the C
// API's, whose layout wasmtime documents, not wasmtime-go's; checkLayout
// verifies their sizes before a Runtime is made.

#ifndef EDGESCORE_WASMTIME_SHIM_H
#define EDGESCORE_WASMTIME_SHIM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasm_trap_t wasm_trap_t;

// wasmtime_func_t
typedef struct { uint64_t store_id; void *private_; } es_func_t;
// wasmtime_memory_t (24 bytes: the inner struct is padded to 16)
typedef struct {
	struct { uint64_t store_id; uint32_t private1; } inner;
	uint32_t private2;
} es_memory_t;
// wasmtime_extern_t: a kind, then a union of handles, the largest of
// which is wasmtime_global_t (24 bytes).
typedef struct {
	uint8_t kind;
	union { es_func_t func; es_memory_t memory; uint64_t global_[3]; } of;
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
static inline void es_call(wasmtime_context_t *ctx, const es_func_t *f, es_raw_t *raw, size_t n,
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
	if (!res->failed && mem->inner.store_id != 0) {
		res->mem_base = wasmtime_memory_data(ctx, mem);
		res->mem_size = wasmtime_memory_data_size(ctx, mem);
	}
}

static inline void es_memory(wasmtime_context_t *ctx, const es_memory_t *mem, es_result_t *res) {
	res->mem_base = wasmtime_memory_data(ctx, mem);
	res->mem_size = wasmtime_memory_data_size(ctx, mem);
}

// esEpochDeadline is Go (deadline.go): 1 to end the call, else 0 with the
// next deadline in *delta.
extern int esEpochDeadline(uintptr_t handle, uint64_t *delta);

static inline wasmtime_error_t *es_deadline_cb(wasmtime_context_t *ctx, void *data, uint64_t *delta, uint8_t *kind) {
	*kind = 0; // WASMTIME_UPDATE_DEADLINE_CONTINUE
	if (esEpochDeadline((uintptr_t)data, delta)) {
		return wasmtime_error_new("call interrupted: its context is done");
	}
	return NULL;
}

static inline void es_set_deadline_callback(wasmtime_store_t *store, uintptr_t handle) {
	wasmtime_store_epoch_deadline_callback(store, es_deadline_cb, (void *)handle, NULL);
}

static inline int es_store_matches(wasmtime_store_t *store, wasmtime_context_t *ctx) {
	return wasmtime_store_context(store) == ctx;
}

static inline void es_free(es_bytes_t *b) {
	if (b->data != NULL) {
		wasm_byte_vec_delete(b);
		b->data = NULL;
		b->size = 0;
	}
}

#endif
