// Package wasmtimehost runs the edgescore guest on wasmtime (Cranelift, via
// github.com/bytecodealliance/wasmtime-go, which needs cgo): a second
// backend of package host, interchangeable with host/wazero.
//
// Everything but this file is built only with cgo: a CGO_ENABLED=0 build
// compiles this package empty and never links wasmtime.
//
// How it meets host.Runtime's contract:
//
//   - WASI preview 1 is wasmtime's own (real clocks, OS randomness,
//     proc_exit, poll_oneoff), with no arguments, environment or
//     preopened directories. wasmtime's WasiConfig can send a guest's
//     stdout and stderr only to a file path or to the process's own. A pipe
//     opened through /dev/fd would work on Linux but delivers the panic
//     message asynchronously, after the trap has been reported. So this
//     package defines fd_write itself, shadowing wasmtime's in the linker,
//     and writes fds 1 and 2 to the io.Writers of host.InstanceConfig,
//     synchronously (other fds are EBADF: the guest has no files).
//   - Deadlines by epoch interruption. A goroutine per Runtime increments
//     the engine's epoch every tick (WithEpochTick, 1 ms by default); each
//     call sets its store's epoch deadline from its context's deadline, and
//     the store's deadline callback ends the call once the context is done
//     (re-arming itself until then; a context that can be cancelled but
//     has no deadline is looked at every tick). An interrupted call returns
//     an error wrapping ErrInterrupted and the context's error.
//   - Any failed call (a trap, proc_exit, an interruption) makes the
//     instance unusable: later calls return ErrUnusable instead of running
//     a guest whose memory is in an undefined state. A second call entering
//     an instance that is already in one returns ErrBusy.
//   - Memory is capped by the store's limiter (WithMemoryLimit); the Go
//     guest reports a refused memory.grow as a fatal out-of-memory error,
//     which ends the call.
//   - Calls do not go through wasmtime-go's Func.Call, which fetches and
//     converts the function's type, allocates the argument and result
//     vectors and boxes the result on every call (about 2 µs and 6
//     allocations for a call without arguments, BenchmarkCall). They call
//     wasmtime's C API directly (shim.h): wasmtime_func_call_unchecked on a
//     wasmtime_val_raw_t array allocated once per function, with the epoch
//     deadline set and the memory's base and size read in the same cgo call
//     (memory can only grow during a call, so Memory.View needs no cgo
//     call). About 120 ns per call, no allocation: cgo is about 30 ns of it
//     and wasmtime's entry and exit about 70.
//   - Compiled code is cached on disk (WithCacheDir), keyed by the module's
//     SHA-256, the wasmtime-go version and the engine settings: a second
//     process loads it in milliseconds instead of compiling for seconds.
package wasmtimehost
