// Package wasmtimehost runs the edgescore guest on wasmtime (Cranelift, via
// github.com/bytecodealliance/wasmtime-go, which needs cgo): a second
// backend of package host, interchangeable with host/wazero.
//
// Everything is in files built only with cgo, so a CGO_ENABLED=0 build
// compiles this package empty and never links wasmtime; only this file is
// always built.
//
// What it does, and how:
//
//   - WASI preview 1 is wasmtime's own (real clocks, OS randomness,
//     proc_exit, poll_oneoff), with no arguments, environment or
//     preopened directories. wasmtime can only send a guest's stdout and
//     stderr to a file or to the process's own; this package instead
//     defines fd_write itself, shadowing wasmtime's, and writes fds 1 and
//     2 to the io.Writers of host.InstanceConfig, synchronously: a guest
//     panic's message reaches the pool's logger before the trap returns.
//   - Deadlines by epoch interruption: a goroutine per Runtime increments
//     the engine's epoch every tick (WithEpochTick, 1 ms by default); each
//     call sets its store's epoch deadline from its context, and a
//     store-level deadline callback ends the call once the context is done
//     (a context without a deadline but cancellable is polled every tick).
//   - Memory is capped by the store's limiter (WithMemoryLimit); the Go
//     guest reports a refused memory.grow as a fatal out-of-memory error,
//     which ends the call.
//   - Calls do not go through wasmtime-go's Func.Call (2.4 µs and 12
//     allocations in our probe: it fetches and converts the function's
//     type, allocates the argument and result vectors and boxes the
//     results on every call). They use wasmtime's C API directly:
//     wasmtime_func_call_unchecked on a preallocated wasmtime_val_raw_t
//     array, with the epoch deadline set and the memory's base and size
//     read in the same cgo call. One cgo crossing per call, no allocation.
//   - Compiled code is cached on disk (WithCacheDir), keyed by the module's
//     SHA-256, the wasmtime-go version and the engine settings, so that a
//     restarted process does not compile again.
package wasmtimehost
