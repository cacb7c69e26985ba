package rule

import "strconv"

// generate compiles the type-checked tree into postfix code for Eval,
// enforcing the instruction and stack limits.
func generate(root *node) ([]instr, []float64, *Error) {
	g := &gen{}
	g.node(root)
	if g.err != nil {
		return nil, nil, g.err
	}
	g.thread()
	return g.code, g.consts, nil
}

type gen struct {
	code   []instr
	consts []float64
	depth  int // stack entries after the code so far, on the fall-through path
	err    *Error
}

// emit appends in, whose net stack effect is effect, charging errors to pos.
func (g *gen) emit(pos int, in instr, effect int) {
	if g.err != nil {
		return
	}
	if len(g.code)+len(g.consts) >= maxInstr {
		g.err = &Error{pos, "rule is too long (more than " + strconv.Itoa(maxInstr) + " instructions, counting each in-list element as one)"}
		return
	}
	g.code = append(g.code, in)
	g.depth += effect
	if g.depth > maxDepth {
		g.err = &Error{pos, "rule is too complex to evaluate (needs more than " + strconv.Itoa(maxDepth) + " stack entries); simplify or split it"}
	}
}

// flip maps a relation to the one with its operands swapped (relation order
// is lt, le, gt, ge, eq, ne).
var flip = [6]op{2, 3, 0, 1, 4, 5}

func (g *gen) node(n *node) {
	if g.err != nil {
		return
	}
	if c, ok := constOf(n); ok {
		g.emit(n.pos, instr{op: opConst, k: c}, 1)
		return
	}
	switch n.kind {
	case kName:
		g.emit(n.pos, instr{op: opVar, a: int32(n.slot)}, 1)
	case kUnary:
		g.node(n.x)
		o := opNeg
		if n.op == tNot {
			o = opNot
		}
		g.emit(n.opPos, instr{op: o}, 0)
	case kBinary:
		switch n.op {
		case tAnd, tOr:
			// Short circuit: the jump leaves the deciding value on the
			// stack; falling through pops it and evaluates the right side.
			g.node(n.x)
			j := len(g.code)
			o := opJF
			if n.op == tOr {
				o = opJT
			}
			g.emit(n.opPos, instr{op: o}, -1)
			g.node(n.y)
			if g.err == nil {
				g.code[j].n = uint16(len(g.code) - j - 1)
			}
		case tPlus, tMinus, tStar, tSlash:
			g.node(n.x)
			g.node(n.y)
			g.emit(n.opPos, instr{op: arithOps[n.op-tPlus]}, -1)
		default:
			g.compare(n)
		}
	case kCall:
		switch n.fn {
		case fnHas, fnMissing:
			if n.x.kind == kName {
				o := opHasV
				if n.fn == fnMissing {
					o = opMissingV
				}
				g.emit(n.pos, instr{op: o, a: int32(n.x.slot)}, 1)
				return
			}
			g.node(n.x)
			o := opHas
			if n.fn == fnMissing {
				o = opMissing
			}
			g.emit(n.pos, instr{op: o}, 0)
		case fnAbs:
			g.node(n.x)
			g.emit(n.pos, instr{op: opAbs}, 0)
		case fnMin, fnMax:
			g.node(n.x)
			g.node(n.y)
			o := opMin
			if n.fn == fnMax {
				o = opMax
			}
			g.emit(n.pos, instr{op: o}, -1)
		}
	case kIn:
		lo := len(g.consts)
		g.consts = append(g.consts, n.set...)
		in := instr{op: opIn, lo: uint8(lo), n: uint16(len(n.set))}
		if n.x.kind == kName {
			in.op = opInV
			in.a = int32(n.x.slot)
			g.emit(n.opPos, in, 1)
			return
		}
		g.node(n.x)
		g.emit(n.opPos, in, 0)
	}
}

var arithOps = [4]op{opAdd, opSub, opMul, opDiv} // by token order + - * /

// compare emits a comparison, fusing a variable or constant operand into the
// comparison instruction when it can.
func (g *gen) compare(n *node) {
	rel := op(n.op - tLt)
	l, r := n.x, n.y
	lc, lok := constOf(l)
	rc, rok := constOf(r)
	if lok && !rok {
		l, r, rc, rok = r, l, lc, true
		rel = flip[rel]
	}
	if rok {
		if l.kind == kName {
			g.emit(n.opPos, instr{op: opLtV + rel, a: int32(l.slot), k: rc}, 1)
			return
		}
		g.node(l)
		g.emit(n.opPos, instr{op: opLtK + rel, k: rc}, 0)
		return
	}
	g.node(l)
	g.node(r)
	g.emit(n.opPos, instr{op: opLt + rel}, -1)
}

// thread retargets a jump that lands on a jump of the same kind to that
// jump's target: the value that made the first one jump makes the second
// one jump too. Walking backwards makes it transitive.
func (g *gen) thread() {
	for i := len(g.code) - 1; i >= 0; i-- {
		in := &g.code[i]
		if in.op != opJF && in.op != opJT {
			continue
		}
		t := i + 1 + int(in.n)
		if t < len(g.code) && g.code[t].op == in.op {
			in.n = uint16(t + 1 + int(g.code[t].n) - i - 1)
		}
	}
}

// constOf folds n to a constant if it has no variables. Strings fold to
// their StringCode and conditions true and false to 1 and 0. Folding uses the
// same semantics as Eval.
func constOf(n *node) (float64, bool) {
	switch n.kind {
	case kNum, kBool:
		return n.num, true
	case kStr:
		return StringCode(n.str), true
	case kUnary:
		if n.op == tMinus {
			if v, ok := constOf(n.x); ok {
				return -v, true
			}
		}
	case kBinary:
		if n.typ != tyNum {
			return 0, false
		}
		a, ok := constOf(n.x)
		if !ok {
			return 0, false
		}
		b, ok := constOf(n.y)
		if !ok {
			return 0, false
		}
		switch n.op {
		case tPlus:
			return a + b, true
		case tMinus:
			return a - b, true
		case tStar:
			return a * b, true
		}
		if b == 0 {
			return nan(), true
		}
		return a / b, true
	case kCall:
		switch n.fn {
		case fnAbs:
			if v, ok := constOf(n.x); ok {
				if v < 0 {
					v = -v
				}
				return v, true
			}
		case fnMin, fnMax:
			a, ok := constOf(n.x)
			if !ok {
				return 0, false
			}
			b, ok := constOf(n.y)
			if !ok {
				return 0, false
			}
			if n.fn == fnMin && (b < a || b != b) || n.fn == fnMax && (b > a || b != b) {
				a = b
			}
			return a, true
		}
	}
	return 0, false
}
