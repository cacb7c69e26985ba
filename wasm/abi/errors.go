package abi

import "github.com/edgescore/edgescore/module/shopper"

// RecordError is an error encoding or decoding a record. Decoding errors
// carry the byte Offset where the record went wrong; encoding errors name
// the Field of the Go value that does not fit the wire (Offset −1).
type RecordError struct {
	Record string // "context", "decision" or "names"
	Field  string
	Offset int
	Msg    string
}

func (e *RecordError) Error() string {
	s := e.Record + " record: "
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Msg
	if e.Offset >= 0 {
		s += " (at byte " + utoa(uint64(e.Offset)) + ")"
	}
	return s
}

// decodeErr and encodeErr are not inlined: a copy of the allocation at each
// error return made the wasm guest's DecodeContext, which runs on every
// decide, 1.5 KB larger for error paths only.
//
//go:noinline
func decodeErr(off int, msg string) error {
	return &RecordError{Record: "context", Offset: off, Msg: msg}
}

//go:noinline
func encodeErr(field, msg string) error {
	return &RecordError{Record: "context", Field: field, Offset: -1, Msg: msg}
}

func tooLong(field string) error {
	return encodeErr(field, "longer than "+utoa(shopper.MaxStringLen)+" bytes")
}
