package rule

import "github.com/edgescore/edgescore/module/internal/quote"

type tokKind uint8

const (
	tEOF tokKind = iota
	tNum
	tStr
	tName
	tLParen
	tRParen
	tComma
	tOr
	tAnd
	tNot
	tLt
	tLe
	tGt
	tGe
	tEq
	tNe
	tPlus
	tMinus
	tStar
	tSlash
)

var tokText = [...]string{
	tLParen: "(", tRParen: ")", tComma: ",",
	tOr: "||", tAnd: "&&", tNot: "!",
	tLt: "<", tLe: "<=", tGt: ">", tGe: ">=", tEq: "==", tNe: "!=",
	tPlus: "+", tMinus: "-", tStar: "*", tSlash: "/",
}

// token is one lexical token. text is the source spelling of names and
// numbers and the decoded value of strings.
type token struct {
	kind tokKind
	pos  int
	text string
	num  float64
}

// describe names the token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of rule"
	case tNum:
		return "number " + t.text
	case tStr:
		return "string " + quote.String(t.text)
	case tName:
		return "name " + quote.String(t.text)
	}
	return quote.String(tokText[t.kind])
}

func isRel(k tokKind) bool { return k >= tLt && k <= tNe }

type lexer struct {
	src string
	pos int
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isNameByte(c byte) bool  { return isNameStart(c) || isDigit(c) || c == '.' || c == ':' }
func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func (lx *lexer) peek(i int) byte {
	if lx.pos+i < len(lx.src) {
		return lx.src[lx.pos+i]
	}
	return 0
}

// next returns the next token, or an error for malformed input.
func (lx *lexer) next() (token, *Error) {
	for lx.pos < len(lx.src) && isSpace(lx.src[lx.pos]) {
		lx.pos++
	}
	start := lx.pos
	if start >= len(lx.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := lx.src[start]
	switch {
	case isDigit(c):
		return lx.number()
	case isNameStart(c):
		for lx.pos < len(lx.src) && isNameByte(lx.src[lx.pos]) {
			lx.pos++
		}
		return token{kind: tName, pos: start, text: lx.src[start:lx.pos]}, nil
	case c == '"':
		return lx.string()
	}
	two := func(k tokKind) (token, *Error) {
		lx.pos += 2
		return token{kind: k, pos: start}, nil
	}
	one := func(k tokKind) (token, *Error) {
		lx.pos++
		return token{kind: k, pos: start}, nil
	}
	c1 := lx.peek(1)
	switch c {
	case '(':
		return one(tLParen)
	case ')':
		return one(tRParen)
	case ',':
		return one(tComma)
	case '+':
		return one(tPlus)
	case '-':
		return one(tMinus)
	case '*':
		return one(tStar)
	case '/':
		return one(tSlash)
	case '<':
		if c1 == '=' {
			return two(tLe)
		}
		return one(tLt)
	case '>':
		if c1 == '=' {
			return two(tGe)
		}
		return one(tGt)
	case '!':
		if c1 == '=' {
			return two(tNe)
		}
		return one(tNot)
	case '=':
		if c1 == '=' {
			return two(tEq)
		}
		switch c1 {
		case '>':
			return token{}, &Error{start, `use >= instead of "=>"`}
		case '<':
			return token{}, &Error{start, `use <= instead of "=<"`}
		}
		return token{}, &Error{start, `use == to compare, not "="`}
	case '&':
		if c1 == '&' {
			return two(tAnd)
		}
		return token{}, &Error{start, `use && (and), not "&"`}
	case '|':
		if c1 == '|' {
			return two(tOr)
		}
		return token{}, &Error{start, `use || (or), not "|"`}
	case '\'':
		return token{}, &Error{start, `strings use double quotes ("…"), not '`}
	case '.':
		if isDigit(c1) {
			return token{}, &Error{start, "numbers need a digit before the decimal point (0.5, not .5)"}
		}
	}
	return token{}, &Error{start, "unexpected character " + quote.FirstRune(lx.src[start:])}
}

// number lexes digits [ "." digits ] [ ("e"|"E") ["+"|"-"] digits ].
func (lx *lexer) number() (token, *Error) {
	start := lx.pos
	src := lx.src
	bad := func() (token, *Error) {
		end := lx.pos
		for end < len(src) && (isNameByte(src[end]) || src[end] == '+' || src[end] == '-') && end-start < 32 {
			end++
		}
		return token{}, &Error{start, "malformed number " + quote.String(src[start:end])}
	}
	digits := func() int {
		n := 0
		for lx.pos < len(src) && isDigit(src[lx.pos]) {
			lx.pos++
			n++
		}
		return n
	}
	digits()
	if lx.pos < len(src) && src[lx.pos] == '.' {
		lx.pos++
		if digits() == 0 {
			return bad()
		}
	}
	if lx.pos < len(src) && (src[lx.pos] == 'e' || src[lx.pos] == 'E') {
		lx.pos++
		if lx.pos < len(src) && (src[lx.pos] == '+' || src[lx.pos] == '-') {
			lx.pos++
		}
		if digits() == 0 {
			return bad()
		}
	}
	if lx.pos < len(src) && isNameByte(src[lx.pos]) {
		return bad()
	}
	text := src[start:lx.pos]
	v, ok := parseNumber(text)
	if !ok {
		return token{}, &Error{start, "number " + text + " is out of range"}
	}
	return token{kind: tNum, pos: start, text: text, num: v}, nil
}

// string lexes a double-quoted string with the escapes \" and \\.
func (lx *lexer) string() (token, *Error) {
	start := lx.pos
	src := lx.src
	i := start + 1
	var buf []byte // nil until the first escape
	from := i
	for {
		if i >= len(src) {
			return token{}, &Error{start, "unterminated string"}
		}
		switch src[i] {
		case '"':
			s := src[from:i]
			if buf != nil {
				s = string(append(buf, s...))
			}
			lx.pos = i + 1
			return token{kind: tStr, pos: start, text: s}, nil
		case '\\':
			if i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
				buf = append(buf, src[from:i]...)
				buf = append(buf, src[i+1])
				i += 2
				from = i
				continue
			}
			return token{}, &Error{i, `unsupported escape in string: only \" and \\ are allowed`}
		}
		i++
	}
}
