package bundle

import (
	"errors"
	"strconv"

	"github.com/edgescore/edgescore/module/cluster"
	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/linear"
	"github.com/edgescore/edgescore/module/ltv"
	"github.com/edgescore/edgescore/module/offer"
)

// Error is a bundle validation or decoding error. Path names the offending
// element in the authoring format's terms (a JSON path such as
// "offers[3].discount", or "" for the whole bundle); for binary input Offset
// is the byte offset where decoding failed (−1 otherwise).
type Error struct {
	Path   string
	Offset int
	Msg    string
	Err    error // the underlying error, if any
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Path != "" {
		s = e.Path + ": " + s
	}
	if e.Offset >= 0 {
		s += " (at byte " + itoa(e.Offset) + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrChecksum is wrapped by the error Decode returns when the checksum does
// not match: the bytes were damaged in transit or storage.
var ErrChecksum = errors.New("checksum mismatch")

// errf makes a validation error. It and wrap are not inlined: a copy of the
// allocation at each of their call sites made the wasm guest larger for
// error paths only.
//
//go:noinline
func errf(path, msg string) *Error { return &Error{Path: path, Offset: -1, Msg: msg} }

// wrap prefixes a component error with the bundle path of its part. The
// component errors (feature, linear, cluster, ltv, rule, offer) each carry
// their own relative path; this joins them.
//
//go:noinline
func wrap(prefix string, err error) *Error {
	rel, msg := splitPath(err)
	path := prefix
	switch {
	case rel == "":
	case path == "":
		path = rel
	case rel[0] == '[':
		path += rel
	default:
		path += "." + rel
	}
	return &Error{Path: path, Offset: -1, Msg: msg, Err: err}
}

// splitPath takes a component error apart into its relative path and
// message. The components return their error types unwrapped, so a type
// switch suffices — errors.As would link reflection into the wasm guest
// (65 KB of its 2 MB budget).
func splitPath(err error) (string, string) {
	switch e := err.(type) {
	case *feature.Error:
		return e.Path, e.Msg
	case *linear.Error:
		return e.Path, e.Msg
	case *cluster.Error:
		return e.Path, e.Msg
	case *offer.Error:
		return e.Path, e.Msg
	case *ltv.FieldError:
		return e.Field, e.Msg
	}
	return "", err.Error()
}

func itoa(i int) string { return strconv.Itoa(i) }
