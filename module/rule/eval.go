package rule

import "math"

// op is an instruction opcode.
type op uint8

const (
	opConst    op = iota // push k
	opVar                // push vals[a], or missing when a is out of range
	opNeg                // top = -top
	opAbs                // top = |top|
	opAdd                // pop b; top = top + b
	opSub                // pop b; top = top - b
	opMul                // pop b; top = top * b
	opDiv                // pop b; top = top / b, missing when b == 0
	opMin                // pop b; top = min(top, b), missing if either is
	opMax                // pop b; top = max(top, b), missing if either is
	opNot                // top = 1 - top (conditions are 0 or 1)
	opHas                // top = top is not missing
	opMissing            // top = top is missing
	opHasV               // push vals[a] is not missing
	opMissingV           // push vals[a] is missing
	opIn                 // top = top is one of consts[lo : lo+n]
	opInV                // push vals[a] is one of consts[lo : lo+n]
	opJF                 // if top == 0 skip n instructions, else pop
	opJT                 // if top != 0 skip n instructions, else pop

	// Comparisons, each in the relation order lt, le, gt, ge, eq, ne.
	// They yield 1 or 0, and 0 whenever an operand is missing.
	opLt // pop b; top = top REL b
	opLe
	opGt
	opGe
	opEq
	opNe
	opLtK // top = top REL k
	opLeK
	opGtK
	opGeK
	opEqK
	opNeK
	opLtV // push vals[a] REL k
	opLeV
	opGtV
	opGeV
	opEqV
	opNeV
)

// instr is one instruction: 16 bytes.
type instr struct {
	k  float64 // constant operand
	a  int32   // variable slot
	op op
	lo uint8  // first in-list element in Program.consts
	n  uint16 // in-list length, or forward jump distance
}

func nan() float64 { return math.NaN() }

// Eval evaluates the program on vals, where vals[s] is the value of the
// variable in slot s: a number, or NaN when missing (for categorical
// variables, StringCode of the value, or NaN). Slots at or beyond len(vals)
// read as missing, so a short or nil vals is safe; MaxSlot tells how long
// vals must be to supply every variable.
//
// Eval does not allocate, recurse or call other functions, runs in time
// bounded by the program length, and never panics. It is safe for concurrent
// use.
func (p *Program) Eval(vals []float64) bool {
	if p == nil {
		return false
	}
	const m = maxDepth - 1 // Compile bounds the stack; the mask proves it
	var st [maxDepth]float64
	t := -1 // index of the top of the stack
	miss := math.NaN()
	code := p.code
	for pc := 0; pc < len(code); pc++ {
		in := &code[pc]
		switch in.op {
		case opConst:
			t++
			st[t&m] = in.k
		case opVar:
			v := miss
			if s := int(in.a); uint(s) < uint(len(vals)) {
				v = vals[s]
			}
			t++
			st[t&m] = v
		case opNeg:
			st[t&m] = -st[t&m]
		case opAbs:
			if v := st[t&m]; v < 0 {
				st[t&m] = -v
			}
		case opAdd:
			t--
			st[t&m] += st[(t+1)&m]
		case opSub:
			t--
			st[t&m] -= st[(t+1)&m]
		case opMul:
			t--
			st[t&m] *= st[(t+1)&m]
		case opDiv:
			t--
			if b := st[(t+1)&m]; b == 0 {
				st[t&m] = miss
			} else {
				st[t&m] /= b
			}
		case opMin:
			t--
			if a, b := st[t&m], st[(t+1)&m]; b < a || b != b {
				st[t&m] = b
			}
		case opMax:
			t--
			if a, b := st[t&m], st[(t+1)&m]; b > a || b != b {
				st[t&m] = b
			}
		case opNot:
			st[t&m] = 1 - st[t&m]
		case opHas:
			r := 0.0
			if v := st[t&m]; v == v {
				r = 1
			}
			st[t&m] = r
		case opMissing:
			r := 1.0
			if v := st[t&m]; v == v {
				r = 0
			}
			st[t&m] = r
		case opHasV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) && vals[s] == vals[s] {
				r = 1
			}
			t++
			st[t&m] = r
		case opMissingV:
			r := 1.0
			if s := int(in.a); uint(s) < uint(len(vals)) && vals[s] == vals[s] {
				r = 0
			}
			t++
			st[t&m] = r
		case opIn:
			v, r := st[t&m], 0.0
			for _, c := range p.consts[in.lo : int(in.lo)+int(in.n)] {
				if v == c {
					r = 1
					break
				}
			}
			st[t&m] = r
		case opInV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				v := vals[s]
				for _, c := range p.consts[in.lo : int(in.lo)+int(in.n)] {
					if v == c {
						r = 1
						break
					}
				}
			}
			t++
			st[t&m] = r
		case opJF:
			if st[t&m] == 0 {
				pc += int(in.n)
			} else {
				t--
			}
		case opJT:
			if st[t&m] != 0 {
				pc += int(in.n)
			} else {
				t--
			}
		case opLt:
			t--
			r := 0.0
			if a, b := st[t&m], st[(t+1)&m]; a < b {
				r = 1
			}
			st[t&m] = r
		case opLe:
			t--
			r := 0.0
			if a, b := st[t&m], st[(t+1)&m]; a <= b {
				r = 1
			}
			st[t&m] = r
		case opGt:
			t--
			r := 0.0
			if a, b := st[t&m], st[(t+1)&m]; a > b {
				r = 1
			}
			st[t&m] = r
		case opGe:
			t--
			r := 0.0
			if a, b := st[t&m], st[(t+1)&m]; a >= b {
				r = 1
			}
			st[t&m] = r
		case opEq:
			t--
			r := 0.0
			if a, b := st[t&m], st[(t+1)&m]; a == b {
				r = 1
			}
			st[t&m] = r
		case opNe:
			t--
			r := 0.0
			if a, b := st[t&m], st[(t+1)&m]; a < b || a > b {
				r = 1
			}
			st[t&m] = r
		case opLtK:
			r := 0.0
			if a, b := st[t&m], in.k; a < b {
				r = 1
			}
			st[t&m] = r
		case opLeK:
			r := 0.0
			if a, b := st[t&m], in.k; a <= b {
				r = 1
			}
			st[t&m] = r
		case opGtK:
			r := 0.0
			if a, b := st[t&m], in.k; a > b {
				r = 1
			}
			st[t&m] = r
		case opGeK:
			r := 0.0
			if a, b := st[t&m], in.k; a >= b {
				r = 1
			}
			st[t&m] = r
		case opEqK:
			r := 0.0
			if a, b := st[t&m], in.k; a == b {
				r = 1
			}
			st[t&m] = r
		case opNeK:
			r := 0.0
			if a, b := st[t&m], in.k; a < b || a > b {
				r = 1
			}
			st[t&m] = r
		case opLtV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a, b := vals[s], in.k; a < b {
					r = 1
				}
			}
			t++
			st[t&m] = r
		case opLeV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a, b := vals[s], in.k; a <= b {
					r = 1
				}
			}
			t++
			st[t&m] = r
		case opGtV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a, b := vals[s], in.k; a > b {
					r = 1
				}
			}
			t++
			st[t&m] = r
		case opGeV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a, b := vals[s], in.k; a >= b {
					r = 1
				}
			}
			t++
			st[t&m] = r
		case opEqV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a, b := vals[s], in.k; a == b {
					r = 1
				}
			}
			t++
			st[t&m] = r
		case opNeV:
			r := 0.0
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a, b := vals[s], in.k; a < b || a > b {
					r = 1
				}
			}
			t++
			st[t&m] = r
		}
	}
	return st[0] != 0
}
