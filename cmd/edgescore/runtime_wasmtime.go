//go:build cgo

package main

import wasmtimehost "github.com/edgescore/edgescore/host/wasmtime"

// --runtime wasmtime: the guest module on wasmtime (cgo builds only; the
// compiled code is cached under the user's cache directory).
func init() {
	deciders["wasmtime"] = func(data []byte) (decider, error) { return newPoolDecider(data, wasmtimehost.NewPool) }
}
