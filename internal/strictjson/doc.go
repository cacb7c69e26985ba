// Package strictjson decodes JSON into Go structs strictly, and says exactly
// where a document is wrong.
//
// # Why not encoding/json
//
// Bundles (model configurations written by data scientists) and shopper
// contexts arrive as JSON. A typo in a bundle must not be silently ignored:
// a misspelled "tranform" key would leave a feature untransformed and the
// model would score garbage without any error. So our standard is that
// unknown fields are rejected and that every error names its place as a JSON
// path, for example
//
//	offers[3].discount: expected number, got string (at byte 1234)
//	features[12].tranform: unknown field (did you mean "transform"?) (at byte 877)
//
// encoding/json cannot do this: DisallowUnknownFields reports no path, type
// errors carry partial paths, duplicate keys are accepted (last one wins),
// keys match field names case-insensitively, null is silently ignored, and
// fixed-size arrays accept any length. This package is a small decoder with
// its own scanner over the input bytes, so offsets are exact, and with
// per-type decoding plans cached by reflect.Type, so repeated decodes are
// fast (see the benchmarks).
//
// # Rules
//
// Struct fields are decoded only if they are exported and have a json tag
// with a name, `json:"name"` (an empty name, as in `json:",omitempty"`,
// means the Go field name). Fields without a tag, with `json:"-"`, or
// unexported are never touched, and a JSON key naming them is an unknown
// field. Keys match names exactly (case-sensitively). Embedded structs are
// not flattened: an embedded struct is an ordinary field if it has a tag and
// ignored otherwise. The tag options omitempty and omitzero are accepted and
// ignored; the option raw, on a []byte field (json.RawMessage included),
// stores the JSON text of the value verbatim (any JSON type, syntax-checked
// but not interpreted: its keys are not checked for duplicates). Any other
// tag option, such as string, is rejected.
//
// Supported Go types: bool; string; float32 and float64; all signed and
// unsigned integer types; slices; arrays; maps with string keys; pointers;
// structs; and named types of these kinds. Interfaces (including any),
// byte slices without the raw option, channels, functions, complex numbers,
// json.Number, and types with an UnmarshalJSON or UnmarshalText method are
// rejected with an error naming the Go type, the first time the type is
// used, whatever the input.
//
// Decoding:
//
//   - An unknown key, a duplicate key in one object (compared after escapes
//     are decoded), trailing non-whitespace after the value, invalid JSON,
//     and nesting deeper than MaxDepth (default 64) are errors.
//   - A JSON value of the wrong type is an error: "expected number, got
//     string". JSON null is an error ("null not allowed") except into a
//     pointer, slice or map, which it sets to nil (what encoding/json writes
//     for nil), and into a float32 or float64 with the NullFloatNaN option,
//     which sets NaN (the "missing" marker).
//   - A json.RawMessage holds the value's JSON text verbatim, like a []byte
//     field with the ,raw option.
//   - Integers accept any JSON number whose value is a whole number in the
//     range of the type: 3, 3.0 and 3e0 decode as 3; 3.5 ("is not an
//     integer") and 1e20 into int32 ("out of range for int32") are errors.
//     Values are computed exactly, never via float64.
//   - Floats are parsed with correct rounding for their size; a value that
//     overflows (1e39 into float32, 1e400 into float64) is an error.
//   - Strings must be valid UTF-8; escapes, including \uXXXX surrogate
//     pairs, are decoded; unpaired surrogates are errors.
//   - Arrays require exactly their length. Slices and maps are replaced by
//     freshly allocated ones (never appended to or merged). A non-nil
//     pointer is decoded through; a nil one gets a new value.
//   - Struct fields absent from the object keep the value they had, so a
//     caller can pre-fill defaults (for example NaN for "missing") before
//     decoding.
//
// Errors about the input are *Error values with a Path (like
// `a[2].b[0].c`, or `m["key with spaces"]`; "" for the root), a byte Offset
// and a message. Decoding stops at the first error in document order; v may
// have been partially updated. Problems with the Go type or with the
// arguments of Unmarshal are returned as plain errors.
//
// Work and memory are linear in the input size, and the decoder never
// recurses deeper than the nesting limit, so it is safe on untrusted input.
//
// # Differences from encoding/json on the same struct types
//
// Besides rejecting what encoding/json tolerates (unknown keys, duplicate
// keys, case-insensitive key matches, null, wrongly sized arrays, invalid
// UTF-8 and unpaired surrogates, which encoding/json replaces by U+FFFD),
// this package accepts integral numbers written with a fraction or exponent
// (3.0, 1e2) for integer types, which encoding/json rejects; it reports the
// first error in document order, where encoding/json checks the syntax of
// the whole document before decoding anything and keeps decoding after a
// type error; it replaces a non-nil map where encoding/json adds to it;
// and it ignores untagged fields, which encoding/json decodes by their Go
// name. Otherwise, what it accepts it decodes to exactly what encoding/json
// produces (checked by a property test and by FuzzUnmarshal).
package strictjson
