// Package quote quotes strings for error messages exactly as strconv.Quote
// and strconv.QuoteRune do, in a fraction of the code: strconv's quoting is
// general (any quote character, ASCII-only and graphic-only variants), and
// in the wasm guest, which builds the error messages of rejected bundles,
// it is 11.5 KB of code against this package's 4.5 KB. The tests check
// every rune and fuzz strings against strconv.
package quote

import (
	"strconv"
	"unicode/utf8"
)

// String returns strconv.Quote(s).
func String(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for len(s) > 0 {
		r, w := rune(s[0]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s)
		}
		if w == 1 && r == utf8.RuneError { // an invalid byte, not U+FFFD
			b = appendEscape(b, 'x', rune(s[0]), 2)
		} else {
			b = appendRune(b, s[:w], r, '"')
		}
		s = s[w:]
	}
	return string(append(b, '"'))
}

// FirstRune returns strconv.QuoteRune of the first rune of s, which is not
// empty. It takes the rune's bytes from s rather than encoding a rune:
// encoding would link the runtime's rune encoder into the wasm guest.
func FirstRune(s string) string {
	r, w := utf8.DecodeRuneInString(s)
	enc := s[:w]
	if r == utf8.RuneError && w <= 1 {
		enc = "\uFFFD" // QuoteRune shows an invalid byte as U+FFFD
	}
	b := appendRune([]byte{'\''}, enc, r, '\'')
	return string(append(b, '\''))
}

// appendRune appends r, whose UTF-8 encoding is enc, as it appears between
// quotes q: itself if printable, else an escape.
func appendRune(b []byte, enc string, r rune, q rune) []byte {
	if r != q && r != '\\' && strconv.IsPrint(r) {
		return append(b, enc...)
	}
	c, n := byte('U'), 8
	switch {
	case r == q || r == '\\':
		c, n = byte(r), 0
	case r < ' ' || r == 0x7f:
		c, n = 'x', 2
		for i := range len(shortEsc) {
			if rune(shortEsc[i]) == r {
				c, n = "abfnrtv"[i], 0
			}
		}
	case r < 0x10000:
		c, n = 'u', 4
	}
	return appendEscape(b, c, r, n)
}

// shortEsc are the control characters with a one-letter escape, in the
// order of their letters "abfnrtv".
const shortEsc = "\a\b\f\n\r\t\v"

// appendEscape appends a backslash, c, and the n low hex digits of r. It
// appends once: in wasm every append is a call site, and they add up.
func appendEscape(b []byte, c byte, r rune, n int) []byte {
	var e [10]byte
	e[0], e[1] = '\\', c
	for i := range n {
		e[2+i] = "0123456789abcdef"[r>>(4*(n-1-i))&0xf]
	}
	return append(b, e[:2+n]...)
}
