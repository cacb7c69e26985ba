package strictjson

import (
	"fmt"
	"strconv"
	"strings"
)

// Error describes a problem with the input document: a syntax error, a value
// of the wrong JSON type, a number out of range, an unknown or duplicate key,
// a nesting depth over the limit, or trailing data.
//
// Problems with the Go type being decoded into (an interface field, a map
// with integer keys, a malformed tag, ...) and with the arguments of
// Unmarshal are programming errors and are reported as plain errors, not as
// *Error.
type Error struct {
	// Path locates the offending value, e.g. `offers[3].discount` or
	// `limits["max-spend"]`. It is "" for the root value (written as "$" by
	// Error). For an unknown or duplicate key the path ends with that key.
	Path string
	// Offset is the byte offset in the input of the offending value (for a
	// type or range error, an unknown or duplicate key) or of the offending
	// byte (for a syntax error, including bad escapes and invalid UTF-8).
	Offset int64
	// Msg says what is wrong, e.g. "expected number, got string".
	Msg string
}

// Error formats the error as `path: msg (at byte offset)`.
func (e *Error) Error() string {
	p := e.Path
	if p == "" {
		p = "$"
	}
	return p + ": " + e.Msg + " (at byte " + strconv.FormatInt(e.Offset, 10) + ")"
}

// seg is one step of a path: an array index or an object key.
type seg struct {
	key   string
	idx   int
	isKey bool
}

// decodeError is the internal form of *Error. The path is collected while
// the error propagates up the call stack (innermost segment first), so a
// successful decode never pays for path bookkeeping.
type decodeError struct {
	off  int
	msg  string
	segs []seg
}

func (e *decodeError) atIndex(i int) *decodeError {
	e.segs = append(e.segs, seg{idx: i})
	return e
}

func (e *decodeError) atKey(k string) *decodeError {
	e.segs = append(e.segs, seg{key: k, isKey: true})
	return e
}

func (e *decodeError) toError() *Error {
	var b strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		s := e.segs[i]
		if s.isKey {
			writeKey(&b, s.key)
			continue
		}
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.idx))
		b.WriteByte(']')
	}
	return &Error{Path: b.String(), Offset: int64(e.off), Msg: e.msg}
}

// maxKeyInPath bounds the length of one key in an error path, so that a
// hostile document cannot make error messages (and logs) arbitrarily large.
const maxKeyInPath = 128

// writeKey appends an object key to a path: `.name` for identifier-like keys
// (no dot at the start of the path), `["any key"]` otherwise.
func writeKey(b *strings.Builder, k string) {
	if isIdent(k) {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
		return
	}
	b.WriteByte('[')
	if len(k) > maxKeyInPath {
		b.WriteString(strconv.Quote(k[:maxKeyInPath] + "..."))
	} else {
		b.WriteString(strconv.Quote(k))
	}
	b.WriteByte(']')
}

func isIdent(k string) bool {
	if k == "" || len(k) > maxKeyInPath {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// errAt returns an error at byte offset off of the input.
func errAt(off int, format string, args ...any) *decodeError {
	if len(args) == 0 {
		return &decodeError{off: off, msg: format}
	}
	return &decodeError{off: off, msg: fmt.Sprintf(format, args...)}
}

// quoteByte describes an input byte for a syntax error message.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// maxLiteralInMsg bounds how much of a number literal is quoted in a message.
const maxLiteralInMsg = 32

func literalForMsg(b []byte) string {
	if len(b) > maxLiteralInMsg {
		return string(b[:maxLiteralInMsg]) + "..."
	}
	return string(b)
}

// typeError is a problem with the Go type being decoded into. path is the Go
// access path (innermost step first) to the offending type.
type typeError struct {
	t    fmt.Stringer
	msg  string
	path []string
}

func (e *typeError) Error() string {
	var b strings.Builder
	b.WriteString("strictjson: ")
	if len(e.path) > 0 {
		for i := len(e.path) - 1; i >= 0; i-- {
			b.WriteString(e.path[i])
		}
		b.WriteString(": ")
	}
	b.WriteString("type ")
	b.WriteString(e.t.String())
	b.WriteString(": ")
	b.WriteString(e.msg)
	return b.String()
}
