// Package host runs the edgescore wasm guest (wasm/guest, contract in
// wasm/ABI.md) from Go: a Pool of pre-initialized guest instances that makes
// decisions, hot-swaps bundles and survives guest traps and runaway calls.
//
// The WebAssembly engine is behind a small interface (Runtime, Module,
// Instance, Function, Memory in runtime.go) so that several engines can run
// the same pool: host/wazero (pure Go, the default) and host/wasmtime.
//
// Why a pool: an instance runs single-threaded Go and must never be entered
// by two goroutines at once (that has crashed whole host processes), and
// starting one runs the Go runtime and loads the bundle (~20 ms), which no
// request should pay. So the pool starts its instances ahead of demand,
// lends each to one caller at a time, and replaces, in the background, any
// instance whose call trapped or was interrupted. Once a bundle is loaded,
// new instances start as copies of a snapshot of the instance that loaded
// it (~2 ms; Snapshot, wasm/ABI.md §8a).
//
// Bundles: LoadBundle first loads the new bundle into one instance; only if
// the guest accepts it does it become the pool's current bundle (a rejected
// bundle changes nothing). Every other instance switches before its next
// decision, so calls in flight finish on the old bundle and calls that start
// afterwards use the new one. Each decision reports the bundle that made it.
package host
