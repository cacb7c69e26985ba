package rule

import "strconv"

// generate compiles the type-checked tree into postfix code for Eval,
// enforcing the instruction and stack limits.
func generate(root *node) ([]instr, [][]float64, *Error) {
	g := &gen{join: -1}
	g.node(root)
	if g.err != nil {
		return nil, nil, g.err
	}
	g.thread()
	return g.code, g.sets, nil
}

type gen struct {
	code  []instr
	sets  [][]float64
	elems int // in-list elements in sets
	depth int // stack entries after the code so far, on the fall-through path
	join  int // latest position a jump lands on
	err   *Error
}

// emit appends in, whose net stack effect is effect, charging errors to pos.
func (g *gen) emit(pos int, in instr, effect int) {
	if g.err != nil {
		return
	}
	if len(g.code)+g.elems >= maxInstr {
		g.err = &Error{pos, "rule is too long (more than " + strconv.Itoa(maxInstr) + " instructions, counting each in-list element as one)"}
		return
	}
	g.code = append(g.code, in)
	g.depth += effect
	if g.depth > maxDepth {
		g.err = &Error{pos, "rule is too complex to evaluate (needs more than " + strconv.Itoa(maxDepth) + " stack entries); simplify or split it"}
	}
}

// cond emits a condition-producing instruction.
func (g *gen) cond(pos int, in instr, effect int) {
	in.when = whenAlways
	g.emit(pos, in, effect)
}

// isCond reports whether o is a condition-producing opcode (see instr).
func isCond(o op) bool { return o >= opNot }

// pushes reports whether the condition o pushes its result rather than
// replacing the top of the stack.
func pushes(o op) bool { return o >= opHasV }

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
		if x := n.x; n.op == tNot && x.kind == kCall && (x.fn == fnHas || x.fn == fnMissing) {
			// !has(x) is missing(x) and !missing(x) is has(x).
			swapped := *x
			swapped.fn = fnHas + fnMissing - x.fn
			g.node(&swapped)
			return
		}
		g.node(n.x)
		if n.op == tNot {
			g.cond(n.opPos, instr{op: opNot}, 0)
		} else {
			g.emit(n.opPos, instr{op: opNeg}, 0)
		}
	case kBinary:
		switch n.op {
		case tAnd, tOr:
			g.logical(n)
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
				g.cond(n.pos, instr{op: o, a: int32(n.x.slot)}, 1)
				return
			}
			g.node(n.x)
			o := opHas
			if n.fn == fnMissing {
				o = opMissing
			}
			g.cond(n.pos, instr{op: o}, 0)
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
		// Each element counts as an instruction; as each list also needs
		// one, there are fewer than 256 lists.
		g.elems += len(n.set)
		in := instr{op: opIn, set: uint8(len(g.sets))}
		g.sets = append(g.sets, n.set)
		if n.x.kind == kName {
			in.op = opInV
			in.a = int32(n.x.slot)
			g.cond(n.opPos, in, 1)
			return
		}
		g.node(n.x)
		g.cond(n.opPos, in, 0)
	}
}

var arithOps = [4]op{opAdd, opSub, opMul, opDiv} // by token order + - * /

// logical emits a short-circuit chain a && b && … (or ||): each operand
// but the last is followed by a jump to the end of the chain that keeps the
// deciding value; falling through drops it. The jump is fused into the
// operand's last instruction when that is a condition and no other jump
// lands right after it.
func (g *gen) logical(n *node) {
	var ops []*node
	ops = chain(ops, n, n.op)
	var jumps []int
	for i, x := range ops {
		g.node(x)
		if g.err != nil {
			return
		}
		if i == len(ops)-1 {
			break
		}
		j := len(g.code) - 1
		if last := &g.code[j]; isCond(last.op) && last.when == whenAlways && g.join != len(g.code) {
			last.when = whenFalse
			if n.op == tOr {
				last.when = whenTrue
			}
			g.depth-- // falling through drops the condition
		} else {
			j++
			o := opJF
			if n.op == tOr {
				o = opJT
			}
			g.emit(ops[i+1].pos, instr{op: o}, -1)
		}
		jumps = append(jumps, j)
	}
	for _, j := range jumps {
		g.code[j].n = uint8(len(g.code) - j - 1) // ≤ 255: code is at most 256 long
	}
	g.join = len(g.code)
}

// chain appends the operands of the chain of op (&& or ||) rooted at n to
// ops, left to right.
func chain(ops []*node, n *node, op tokKind) []*node {
	if n.kind != kBinary || n.op != op {
		return append(ops, n)
	}
	return chain(chain(ops, n.x, op), n.y, op)
}

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
			g.cond(n.opPos, instr{op: opLtV + rel, a: int32(l.slot), k: rc}, 1)
			return
		}
		g.node(l)
		g.cond(n.opPos, instr{op: opLtK + rel, k: rc}, 0)
		return
	}
	g.node(l)
	g.node(r)
	g.cond(n.opPos, instr{op: opLt + rel}, -1)
}

// jumpsOn returns the value with which the instruction jumps: 0 for opJF and
// fused &&, 1 for opJT and fused ||, or -1 if it does not jump.
func jumpsOn(in *instr) int {
	switch {
	case in.op == opJF:
		return 0
	case in.op == opJT:
		return 1
	case isCond(in.op) && in.when == whenFalse:
		return 0
	case isCond(in.op) && in.when == whenTrue:
		return 1
	}
	return -1
}

// thread retargets a jump that lands on an opJF (opJT) with the value 0 (1)
// to that jump's target: the value would make it jump again. Walking
// backwards makes it transitive.
func (g *gen) thread() {
	for i := len(g.code) - 1; i >= 0; i-- {
		in := &g.code[i]
		v := jumpsOn(in)
		if v < 0 {
			continue
		}
		t := i + 1 + int(in.n)
		if t < len(g.code) && (v == 0 && g.code[t].op == opJF || v == 1 && g.code[t].op == opJT) {
			in.n = uint8(t + 1 + int(g.code[t].n) - i - 1)
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
