// Package abi is the contract between the edgescore wasm guest and its hosts,
// in Go: export names and signatures, the ABI version, status codes, limits,
// and the byte layouts of the records that cross the boundary, with the
// functions that encode and decode them.
//
// wasm/ABI.md is the normative description; this package is its executable
// form. The guest (wasm/guest) and every Go host (host/...) import it, so a
// layout cannot drift between the two sides. It is plain Go with no unsafe, no
// fmt and no reflection because it is linked into the guest.
//
// Records are little-endian and fixed where possible:
//
//   - the context record (host → guest, input of decide): a 124-byte header
//     of numbers, enumerations and lengths, then the strings, affinities and
//     cart lines (PutContext, AppendContext, DecodeContext);
//   - the decision record (guest → host, output of decide): 152 bytes
//     (PutDecision, DecodeDecision);
//   - the names table (guest → host, output of bundle_info): the names a
//     decision's indexes refer to (AppendNames, DecodeNames).
package abi
