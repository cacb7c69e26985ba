// Package corevalidator is the production bundle validator of the control
// plane's registry, built on the scoring core and the wasm host: a bundle is
// accepted only if it decodes strictly, compiles, encodes to the binary edges
// load, and scores a set of smoke contexts without error, NaN or out-of-range
// decision — natively and, with NewWasm, in the real wasm guest, which must
// agree with the native core.
//
// It lives apart from package controlplane so that the control plane's logic
// does not depend on the core or a wasm engine: cmd/edgescore picks the
// validator (see cmd_controlplane.go).
package corevalidator
