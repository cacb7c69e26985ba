// Package conformance checks that a runtime makes the native core's
// decisions, bit for bit: one set of golden cases (a bundle and a context
// in, a decision out) that every host runs — native Go, wazero, wasmtime,
// V8.
//
// The cases are in testdata/golden.json, written by the generator in gen/
// from the NATIVE core (go generate ./host/conformance). The file is
// language-neutral so that non-Go hosts can use it directly:
//
//	{"abi": "1.0",
//	 "bundles": [{"name": "reference", "path": "module/testdata/reference.esb",
//	              "id": "…", "crc": "1a2b3c4d",
//	              "cases": [{"name": "contexts.ndjson:1",
//	                         "context": "<hex of the context record, ABI.md §3.1>",
//	                         "decision": "<hex of the decision record, ABI.md §3.2>"}]}]}
//
// A host writes each context record into the guest's input buffer, calls
// decide, and compares the decision record with the expected bytes; paths
// are relative to the repository root.
//
// Go hosts call Run with a Loader that makes their decider for a bundle:
//
//	conformance.Run(t, func(t *testing.T, bundle []byte) conformance.Decider {
//		p := … // a *host.Pool on your runtime, with bundle loaded
//		return p
//	})
package conformance

//go:generate go run ./gen
