//go:build wasip1

// Command guest is the edgescore WebAssembly module: a WASI reactor whose
// exports (see ../ABI.md) load a binary bundle and make decisions with the
// core in module/. It is built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' ./wasm/guest
//
// The exports only check pointers, decode and encode records with package
// abi, and call plain Go; all state is in package variables because an
// instance is single-threaded. Memory handed to the host (the input buffer,
// the bundle buffer, the output record, the names table, the error message)
// is referenced from those variables so the collector keeps it, and Go never
// moves heap objects, so the addresses stay valid.
package main
