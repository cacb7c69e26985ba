package strictjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the tokenizer: it works on the input byte slice directly, so
// every error carries an exact byte offset and nothing is boxed into
// interfaces. Every function consumes at least one byte per loop iteration
// (or fails), so the work is linear in the input size.

// strPlain[c] is true for bytes that may appear in a JSON string as is and
// need no further checks: printable ASCII other than '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (d *decoder) skipWS() {
	data, i := d.data, d.pos
	for i < len(data) {
		c := data[i]
		if c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break
		}
		i++
	}
	d.pos = i
}

// eof is the error for input that ends in the middle of a value.
func (d *decoder) eof() *decodeError {
	return errAt(len(d.data), "unexpected end of input")
}

// The contexts afterItem names in a syntax error.
const (
	afterMember  = "after object key:value pair"
	afterElement = "after array element"
)

// afterItem reads what follows an object member or an array element: ','
// (more follow: done is false) or closer (the end: done is true and the
// nesting depth is restored). Anything else is a syntax error naming the
// context.
func (d *decoder) afterItem(closer byte, context string) (done bool, err *decodeError) {
	d.skipWS()
	if d.pos >= len(d.data) {
		return false, d.eof()
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case closer:
		d.pos++
		d.depth--
		return true, nil
	}
	return false, d.syntaxErr(context)
}

// syntaxErr reports the byte at d.pos (or the end of input) as unexpected.
func (d *decoder) syntaxErr(context string) *decodeError {
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return errAt(d.pos, "invalid character %s %s", quoteByte(d.data[d.pos]), context)
}

// enter records one more level of array/object nesting for the container
// starting at d.pos.
func (d *decoder) enter() *decodeError {
	d.depth++
	if d.depth > d.maxDepth {
		return errAt(d.pos, "nesting depth exceeds the maximum of %d", d.maxDepth)
	}
	return nil
}

// literal consumes lit ("true", "false" or "null") at d.pos.
func (d *decoder) literal(lit string) *decodeError {
	for i := 0; i < len(lit); i++ {
		p := d.pos + i
		if p >= len(d.data) {
			return d.eof()
		}
		if d.data[p] != lit[i] {
			return errAt(p, "invalid character %s in literal %s", quoteByte(d.data[p]), lit)
		}
	}
	d.pos += len(lit)
	return nil
}

// scanNumber consumes a JSON number at d.pos and returns the offset where it
// starts. plain reports that it has neither a fraction nor an exponent.
func (d *decoder) scanNumber() (start int, plain bool, err *decodeError) {
	data := d.data
	i := d.pos
	start, plain = i, true
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return start, false, d.eof()
	}
	switch c := data[i]; {
	case c == '0':
		i++
		if i < len(data) && isDigit(data[i]) {
			return start, false, errAt(start, "invalid number: leading zero")
		}
	case '1' <= c && c <= '9':
		i++
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		return start, false, errAt(i, "invalid character %s in number", quoteByte(c))
	}
	if i < len(data) && data[i] == '.' {
		plain = false
		i++
		if i >= len(data) {
			return start, false, d.eof()
		}
		if !isDigit(data[i]) {
			return start, false, errAt(i, "invalid character %s after decimal point in number", quoteByte(data[i]))
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		plain = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) {
			return start, false, d.eof()
		}
		if !isDigit(data[i]) {
			return start, false, errAt(i, "invalid character %s in exponent of number", quoteByte(data[i]))
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	d.pos = i
	return start, plain, nil
}

// readString consumes the string starting at d.pos (which holds '"') and
// returns its decoded contents. The result aliases the input when the string
// has no escapes and d.buf otherwise; it is valid until the next call.
func (d *decoder) readString() ([]byte, *decodeError) {
	data := d.data
	start := d.pos + 1
	i := start
	for {
		for i < len(data) && strPlain[data[i]] {
			i++
		}
		if i >= len(data) {
			return nil, d.eof()
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			return data[start:i], nil
		case c == '\\':
			return d.readStringSlow(start, i)
		case c < 0x20:
			return nil, errAt(i, "control character %s in string (must be escaped)", quoteByte(c))
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, errAt(i, "invalid UTF-8 in string")
			}
			i += size
		}
	}
}

// readStringSlow continues readString at data[i] == '\\', with data[start:i]
// already known to be plain.
func (d *decoder) readStringSlow(start, i int) ([]byte, *decodeError) {
	data := d.data
	buf := append(d.buf[:0], data[start:i]...)
	for {
		if i >= len(data) {
			return nil, d.eof()
		}
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = buf
			return buf, nil
		case c == '\\':
			if i+1 >= len(data) {
				return nil, d.eof()
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, err := d.hex4(i)
				if err != nil {
					return nil, err
				}
				if utf16.IsSurrogate(r) {
					if r >= 0xdc00 {
						return nil, errAt(i, "invalid escape: unpaired low surrogate \\u%04X", r)
					}
					var lo rune = -1
					if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
						if lo, err = d.hex4(i + 6); err != nil {
							return nil, err
						}
					} else if i+6 >= len(data) || (i+7 >= len(data) && data[i+6] == '\\') {
						return nil, d.eof()
					}
					if lo < 0xdc00 || lo > 0xdfff {
						return nil, errAt(i, "invalid escape: unpaired high surrogate \\u%04X", r)
					}
					r = utf16.DecodeRune(r, lo)
					i += 6
				}
				buf = utf8.AppendRune(buf, r)
				i += 6
				continue
			default:
				return nil, errAt(i, "invalid escape \\%s in string", printable(e))
			}
			i += 2
		case c < 0x20:
			return nil, errAt(i, "control character %s in string (must be escaped)", quoteByte(c))
		case c < 0x80:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, errAt(i, "invalid UTF-8 in string")
			}
			buf = append(buf, data[i:i+size]...)
			i += size
		}
	}
}

// hex4 decodes the four hex digits of the \u escape at data[i].
func (d *decoder) hex4(i int) (rune, *decodeError) {
	var r rune
	for k := i + 2; k < i+6; k++ {
		if k >= len(d.data) {
			return 0, d.eof()
		}
		c := d.data[k]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, errAt(i, "invalid escape: \\u must be followed by 4 hex digits")
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

func printable(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return string(rune(c))
	}
	return quoteByte(c)
}

// skipValue consumes one JSON value of any type, checking its syntax (and
// the nesting limit) without interpreting it. Duplicate keys are not
// checked: this is used for ,raw fields, whose contents are opaque.
func (d *decoder) skipValue() *decodeError {
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	switch c := d.data[d.pos]; c {
	case '{':
		if err := d.enter(); err != nil {
			return err
		}
		d.pos++
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			d.depth--
			return nil
		}
		for {
			d.skipWS()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return d.syntaxErr("looking for beginning of object key string")
			}
			keyOff := d.pos
			if _, err := d.readString(); err != nil {
				return err
			}
			d.skipWS()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return d.syntaxErr("after object key")
			}
			d.pos++
			if err := d.skipValue(); err != nil {
				return err.atKey(d.keyAt(keyOff))
			}
			if done, err := d.afterItem('}', afterMember); err != nil || done {
				return err
			}
		}
	case '[':
		if err := d.enter(); err != nil {
			return err
		}
		d.pos++
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			d.depth--
			return nil
		}
		for i := 0; ; i++ {
			if err := d.skipValue(); err != nil {
				return err.atIndex(i)
			}
			if done, err := d.afterItem(']', afterElement); err != nil || done {
				return err
			}
		}
	case '"':
		_, err := d.readString()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		if c == '-' || isDigit(c) {
			_, _, err := d.scanNumber()
			return err
		}
		return d.syntaxErr("looking for beginning of value")
	}
}

// keyAt decodes again the (already validated) key string at off, for an
// error path.
func (d *decoder) keyAt(off int) string {
	k := decoder{data: d.data, pos: off}
	b, err := k.readString()
	if err != nil {
		return ""
	}
	return string(b)
}
