package rule

import (
	"strconv"

	"github.com/edgescore/edgescore/internal/editdist"
	"github.com/edgescore/edgescore/module/internal/quote"
)

// typ is the static type of an expression.
type typ uint8

const (
	tyNum  typ = iota + 1 // number (possibly missing)
	tyBool                // condition: true or false, never missing
	tyCat                 // categorical variable (a StringCode or missing)
	tyStr                 // string literal; only an operand of ==, != and in
)

type nodeKind uint8

const (
	kNum    nodeKind = iota + 1 // num
	kStr                        // str (decoded)
	kBool                       // num is 0 or 1
	kName                       // str is the name, slot its slot
	kUnary                      // op is tMinus or tNot, operand x
	kBinary                     // op is an operator token, operands x and y
	kCall                       // fn, arguments x (and y)
	kIn                         // x in set
)

// Built-in functions.
const (
	fnHas = iota + 1
	fnMissing
	fnMin
	fnMax
	fnAbs
)

var funcs = map[string]struct{ id, arity int }{
	"has":     {fnHas, 1},
	"missing": {fnMissing, 1},
	"min":     {fnMin, 2},
	"max":     {fnMax, 2},
	"abs":     {fnAbs, 1},
}

// node is one node of the type-checked syntax tree.
type node struct {
	kind  nodeKind
	typ   typ
	op    tokKind
	fn    int
	pos   int // offset where the expression starts
	opPos int // offset of the operator (kUnary, kBinary, kIn) or function name
	num   float64
	str   string
	slot  int
	x, y  *node
	set   []float64 // kIn: numbers, or StringCodes of strings
}

type parser struct {
	lx    lexer
	tok   token
	err   *Error
	vars  map[string]Var
	used  []ref // referenced names, sorted by name and unique
	depth int
}

// ref is a name the rule references and its slot.
type ref struct {
	name string
	slot int
}

// parse parses and type-checks src. It returns the root and the referenced
// names with their slots, sorted by name.
func parse(src string, vars map[string]Var) (*node, []ref, *Error) {
	p := &parser{lx: lexer{src: src}, vars: vars}
	p.advance()
	if p.err == nil && p.tok.kind == tEOF {
		return nil, nil, &Error{p.tok.pos, "empty rule"}
	}
	n := p.parseOr()
	if p.err == nil && p.tok.kind != tEOF {
		p.trailing()
	}
	if p.err != nil {
		return nil, nil, p.err
	}
	if n == nil { // unreachable: every failing path records an error
		return nil, nil, &Error{0, "internal error"}
	}
	if n.typ != tyBool {
		return nil, nil, &Error{n.pos, "rule must be a condition (true or false), got " + describe(n)}
	}
	return n, p.used, nil
}

// fail records the first error. It is not inlined: inlined into its 40
// call sites it made the wasm guest 6 KB larger for error paths only.
//
//go:noinline
func (p *parser) fail(pos int, msg string) {
	if p.err == nil {
		p.err = &Error{pos, msg}
	}
}

func (p *parser) advance() {
	if p.err != nil {
		return
	}
	t, err := p.lx.next()
	if err != nil {
		p.err = err
		p.tok = token{kind: tEOF, pos: err.Offset}
		return
	}
	p.tok = t
}

// enter counts one level of nesting (parentheses, calls, prefix operators).
func (p *parser) enter(pos int) bool {
	p.depth++
	if p.depth > maxDepth {
		p.fail(pos, "rule nests too deeply (more than "+strconv.Itoa(maxDepth)+" levels)")
		return false
	}
	return true
}

// trailing reports a token left over after a complete expression.
func (p *parser) trailing() {
	t := p.tok
	switch {
	case t.kind == tName && (t.text == "and" || t.text == "AND"):
		p.fail(t.pos, `use && instead of "`+t.text+`"`)
	case t.kind == tName && (t.text == "or" || t.text == "OR"):
		p.fail(t.pos, `use || instead of "`+t.text+`"`)
	case t.kind == tName || t.kind == tNum || t.kind == tStr:
		p.fail(t.pos, "unexpected "+t.describe()+"; missing && or ||?")
	case t.kind == tRParen:
		p.fail(t.pos, `unexpected ")" without matching "("`)
	default:
		p.fail(t.pos, "unexpected "+t.describe())
	}
}

// describe names an expression for error messages.
func describe(n *node) string {
	switch n.kind {
	case kName:
		if n.typ == tyCat {
			return "categorical " + quote.String(n.str)
		}
		return "numeric " + quote.String(n.str)
	case kStr:
		return "string " + quote.String(n.str)
	}
	switch n.typ {
	case tyNum:
		return "number"
	case tyBool:
		return "condition"
	case tyCat:
		return "categorical value"
	}
	return "string"
}

func (p *parser) parseOr() *node {
	l := p.parseAnd()
	for l != nil && p.tok.kind == tOr {
		l = p.logical(l, p.parseAnd)
	}
	return l
}

func (p *parser) parseAnd() *node {
	l := p.parseNot()
	for l != nil && p.tok.kind == tAnd {
		l = p.logical(l, p.parseNot)
	}
	return l
}

// logical parses the right side of && or || (the current token).
func (p *parser) logical(l *node, right func() *node) *node {
	op, opPos := p.tok.kind, p.tok.pos
	p.advance()
	r := right()
	if r == nil {
		return nil
	}
	for _, x := range [2]*node{l, r} {
		if x.typ != tyBool {
			p.fail(x.pos, tokText[op]+" needs a condition on each side, got "+describe(x))
			return nil
		}
	}
	return &node{kind: kBinary, typ: tyBool, op: op, pos: l.pos, opPos: opPos, x: l, y: r}
}

func (p *parser) parseNot() *node {
	if p.tok.kind != tNot {
		return p.parseCmp()
	}
	pos := p.tok.pos
	if !p.enter(pos) {
		return nil
	}
	p.advance()
	x := p.parseNot()
	p.depth--
	if x == nil {
		return nil
	}
	if x.typ != tyBool {
		p.fail(x.pos, "! needs a condition, got "+describe(x))
		return nil
	}
	return &node{kind: kUnary, typ: tyBool, op: tNot, pos: pos, opPos: pos, x: x}
}

func (p *parser) isIn() bool { return p.tok.kind == tName && p.tok.text == "in" }

func (p *parser) parseCmp() *node {
	l := p.parseSum()
	if l == nil {
		return nil
	}
	switch {
	case isRel(p.tok.kind):
		op, opPos := p.tok.kind, p.tok.pos
		p.advance()
		r := p.parseSum()
		if r == nil {
			return nil
		}
		l = p.compare(op, opPos, l, r)
	case p.isIn():
		l = p.parseIn(l)
	default:
		return l
	}
	if l != nil && (isRel(p.tok.kind) || p.isIn()) {
		p.fail(p.tok.pos, "comparisons cannot be chained; join them with && (a < b && b < c)")
		return nil
	}
	return l
}

// compare type-checks l op r.
func (p *parser) compare(op tokKind, opPos int, l, r *node) *node {
	n := &node{kind: kBinary, typ: tyBool, op: op, pos: l.pos, opPos: opPos, x: l, y: r}
	eq := op == tEq || op == tNe
	switch {
	case l.typ == tyNum && r.typ == tyNum:
		return n
	case eq && l.typ == tyBool && r.typ == tyBool:
		return n
	case eq && (l.typ == tyCat && r.typ == tyStr || l.typ == tyStr && r.typ == tyCat):
		return n
	}
	cat, other := l, r
	if l.typ != tyCat {
		cat, other = r, l
	}
	switch {
	case cat.typ == tyCat && !eq && (other.typ == tyStr || other.typ == tyCat):
		p.fail(opPos, describe(cat)+" can only be compared with ==, != or in, not "+tokText[op])
	case cat.typ == tyCat:
		p.fail(opPos, "cannot compare "+describe(cat)+" with "+describe(other))
	case l.typ == tyBool && r.typ == tyBool:
		p.fail(opPos, "conditions can only be compared with == or !=, not "+tokText[op])
	default:
		p.fail(opPos, "cannot compare "+describe(l)+" with "+describe(r))
	}
	return nil
}

// parseIn parses "in" "(" literal { "," literal } ")" after l.
func (p *parser) parseIn(l *node) *node {
	inPos := p.tok.pos
	p.advance()
	if p.err != nil {
		return nil
	}
	if l.typ != tyNum && l.typ != tyCat {
		p.fail(l.pos, "in needs a number or a categorical name on its left, got "+describe(l))
		return nil
	}
	if p.tok.kind != tLParen {
		p.fail(p.tok.pos, `expected "(" after in, found `+p.tok.describe())
		return nil
	}
	p.advance()
	n := &node{kind: kIn, typ: tyBool, pos: l.pos, opPos: inPos, x: l}
	for {
		if p.err != nil {
			return nil
		}
		pos := p.tok.pos
		neg := false
		if p.tok.kind == tMinus {
			neg = true
			p.advance()
		}
		switch p.tok.kind {
		case tNum:
			if l.typ == tyCat {
				p.fail(pos, "cannot compare "+describe(l)+" with number")
				return nil
			}
			v := p.tok.num
			if neg {
				v = -v
			}
			n.set = append(n.set, v)
		case tStr:
			if neg {
				p.fail(pos, "cannot negate a string")
				return nil
			}
			if l.typ != tyCat {
				p.fail(pos, "cannot compare "+describe(l)+" with string "+quote.String(p.tok.text))
				return nil
			}
			n.set = append(n.set, StringCode(p.tok.text))
		case tRParen:
			if len(n.set) == 0 && !neg {
				p.fail(pos, "empty in list")
				return nil
			}
			fallthrough
		default:
			p.fail(p.tok.pos, "in list holds only number or string literals, found "+p.tok.describe())
			return nil
		}
		if len(n.set) >= maxInstr {
			p.fail(pos, "in list is too long (more than "+strconv.Itoa(maxInstr-1)+" elements)")
			return nil
		}
		p.advance()
		switch p.tok.kind {
		case tComma:
			p.advance()
			continue
		case tRParen:
			p.advance()
			return n
		}
		p.fail(p.tok.pos, `expected "," or ")" in in list, found `+p.tok.describe())
		return nil
	}
}

func (p *parser) parseSum() *node {
	l := p.parseProduct()
	for l != nil && (p.tok.kind == tPlus || p.tok.kind == tMinus) {
		l = p.arith(l, p.parseProduct)
	}
	return l
}

func (p *parser) parseProduct() *node {
	l := p.parseUnary()
	for l != nil && (p.tok.kind == tStar || p.tok.kind == tSlash) {
		l = p.arith(l, p.parseUnary)
	}
	return l
}

// arith parses the right operand of the arithmetic operator at the current
// token and type-checks both operands.
func (p *parser) arith(l *node, right func() *node) *node {
	op, opPos := p.tok.kind, p.tok.pos
	p.advance()
	r := right()
	if r == nil {
		return nil
	}
	for _, x := range [2]*node{l, r} {
		if x.typ != tyNum {
			p.fail(x.pos, "arithmetic needs numbers, got "+describe(x))
			return nil
		}
	}
	return &node{kind: kBinary, typ: tyNum, op: op, pos: l.pos, opPos: opPos, x: l, y: r}
}

func (p *parser) parseUnary() *node {
	if p.tok.kind != tMinus {
		return p.parsePrimary()
	}
	pos := p.tok.pos
	if !p.enter(pos) {
		return nil
	}
	p.advance()
	x := p.parseUnary()
	p.depth--
	if x == nil {
		return nil
	}
	if x.typ != tyNum {
		p.fail(x.pos, "unary - needs a number, got "+describe(x))
		return nil
	}
	return &node{kind: kUnary, typ: tyNum, op: tMinus, pos: pos, opPos: pos, x: x}
}

func (p *parser) parsePrimary() *node {
	if p.err != nil {
		return nil
	}
	t := p.tok
	switch t.kind {
	case tNum:
		p.advance()
		return &node{kind: kNum, typ: tyNum, pos: t.pos, num: t.num}
	case tStr:
		p.advance()
		return &node{kind: kStr, typ: tyStr, pos: t.pos, str: t.text}
	case tLParen:
		if !p.enter(t.pos) {
			return nil
		}
		p.advance()
		x := p.parseOr()
		p.depth--
		if x == nil {
			return nil
		}
		if p.tok.kind != tRParen {
			p.fail(p.tok.pos, `expected ")" to close "(" at offset `+strconv.Itoa(t.pos)+", found "+p.tok.describe())
			return nil
		}
		p.advance()
		return x
	case tName:
		switch t.text {
		case "true", "false":
			p.advance()
			n := &node{kind: kBool, typ: tyBool, pos: t.pos}
			if t.text == "true" {
				n.num = 1
			}
			return n
		case "in":
			p.fail(t.pos, `expected a value, found "in"`)
			return nil
		}
		p.advance()
		if p.tok.kind == tLParen {
			return p.parseCall(t)
		}
		return p.name(t)
	}
	p.fail(t.pos, "expected a value, found "+t.describe())
	return nil
}

// name resolves a variable reference.
func (p *parser) name(t token) *node {
	v, ok := p.vars[t.text]
	if !ok {
		msg := "unknown name " + quote.String(t.text)
		if s := suggest(t.text, p.vars); s != "" {
			msg += " (did you mean " + quote.String(s) + "?)"
		}
		p.fail(t.pos, msg)
		return nil
	}
	if v.Slot < 0 || v.Slot > maxSlot {
		p.fail(t.pos, "variable "+quote.String(t.text)+" has invalid slot "+strconv.Itoa(v.Slot))
		return nil
	}
	p.use(t.text, v.Slot)
	n := &node{kind: kName, typ: tyNum, pos: t.pos, str: t.text, slot: v.Slot}
	if v.Categorical {
		n.typ = tyCat
	}
	return n
}

// use records a reference to name, keeping p.used sorted and unique by
// insertion: a rule names a few variables, and a sort or a map would link
// generic sorting or map iteration code into the wasm guest for nothing.
func (p *parser) use(name string, slot int) {
	i := len(p.used)
	for i > 0 && p.used[i-1].name >= name {
		if p.used[i-1].name == name {
			return
		}
		i--
	}
	p.used = append(p.used, ref{})
	copy(p.used[i+1:], p.used[i:])
	p.used[i] = ref{name, slot}
}

// parseCall parses a call of the function named by t; the current token is
// the opening parenthesis.
func (p *parser) parseCall(t token) *node {
	f, ok := funcs[t.text]
	if !ok {
		msg := "unknown function " + quote.String(t.text)
		if s := suggest(t.text, funcs); s != "" {
			msg += " (did you mean " + quote.String(s) + "?)"
		}
		p.fail(t.pos, msg)
		return nil
	}
	if !p.enter(p.tok.pos) {
		return nil
	}
	p.advance()
	var args []*node
	if p.tok.kind != tRParen {
		for {
			a := p.parseOr()
			if a == nil {
				return nil
			}
			args = append(args, a)
			if p.tok.kind != tComma {
				break
			}
			p.advance()
		}
	}
	p.depth--
	if p.err != nil {
		return nil
	}
	if p.tok.kind != tRParen {
		p.fail(p.tok.pos, `expected "," or ")" in call of `+t.text+", found "+p.tok.describe())
		return nil
	}
	if len(args) != f.arity {
		plural := "s"
		if f.arity == 1 {
			plural = ""
		}
		p.fail(t.pos, t.text+" takes "+strconv.Itoa(f.arity)+" argument"+plural+", got "+strconv.Itoa(len(args)))
		return nil
	}
	p.advance()
	n := &node{kind: kCall, typ: tyNum, fn: f.id, pos: t.pos, opPos: t.pos, x: args[0]}
	if f.arity == 2 {
		n.y = args[1]
	}
	for _, a := range args {
		switch {
		case f.id == fnHas || f.id == fnMissing:
			n.typ = tyBool
			if a.typ == tyStr {
				p.fail(a.pos, t.text+" needs a variable, got "+describe(a)+" (names are not quoted)")
				return nil
			}
			if a.typ != tyNum && a.typ != tyCat {
				p.fail(a.pos, t.text+" needs a number or a categorical name, got "+describe(a))
				return nil
			}
		case a.typ != tyNum:
			p.fail(a.pos, t.text+" needs numbers, got "+describe(a))
			return nil
		}
	}
	return n
}

// suggest returns the key of m closest to name by edit distance, if it is
// within 2 edits and closer than the name's length; ties go to the
// alphabetically first key.
func suggest[V any](name string, m map[string]V) string {
	best, bestD := "", 3
	for k := range m {
		if d := editdist.Distance(name, k, bestD); d < bestD || d == bestD && d <= 2 && k < best {
			best, bestD = k, d
		}
	}
	if bestD > 2 || bestD >= len(name) {
		return ""
	}
	return best
}
