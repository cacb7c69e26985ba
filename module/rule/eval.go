package rule

import "math"

// op is an instruction opcode.
type op uint8

// Opcodes. Conditions are 0 or 1 on the stack. The condition-producing
// instructions (from opNot on) compute a result r and then, as told by
// their when field, either keep r and skip n instructions, or drop r and go
// on: see instr.
const (
	opConst op = iota // push k
	opVar             // push vals[a], or missing when a is out of range
	opNeg             // top = -top
	opAbs             // top = |top|
	opAdd             // pop b; top = top + b
	opSub             // pop b; top = top - b
	opMul             // pop b; top = top * b
	opDiv             // pop b; top = top / b, missing when b == 0
	opMin             // pop b; top = min(top, b), missing if either is
	opMax             // pop b; top = max(top, b), missing if either is
	opJF              // if top == 0 skip n instructions, else pop
	opJT              // if top != 0 skip n instructions, else pop

	// Conditions on the top of the stack, which they replace.
	opNot     // r = top == 0
	opHas     // r = top is not missing
	opMissing // r = top is missing
	opIn      // r = top is one of sets[set]
	opLtK     // r = top REL k, for the relations lt, le, gt, ge, eq, ne
	opLeK
	opGtK
	opGeK
	opEqK
	opNeK
	// Conditions on two stack entries: pop b; r = top REL b; replace top.
	opLt
	opLe
	opGt
	opGe
	opEq
	opNe
	// Conditions on the variable in slot a, which they push.
	opHasV     // r = vals[a] is not missing
	opMissingV // r = vals[a] is missing
	opInV      // r = vals[a] is one of sets[set]
	opLtV      // r = vals[a] REL k
	opLeV
	opGtV
	opGeV
	opEqV
	opNeV
)

// Every comparison is false when an operand is missing (NaN), as Go's are,
// except that != must be written as < or > to be false for NaN.

// Values of instr.when.
const (
	whenFalse  = 1 // keep r and jump when r == 0: a fused "&&"
	whenTrue   = 2 // keep r and jump when r == 1: a fused "||"
	whenAlways = 3 // always keep r, jump 0: an ordinary condition
)

// instr is one instruction: 16 bytes.
type instr struct {
	k    float64 // constant operand
	a    int32   // variable slot
	op   op
	set  uint8 // in-list: index into Program.sets
	when uint8 // conditions: bit r set means keep r and skip n, clear means drop r
	n    uint8 // forward jump distance
}

func nan() float64 { return math.NaN() }

// varRel is, for the conditions on a variable that compare it with k, the
// set of outcomes that make them true, indexed by which of v < k (1),
// v == k (2) and v > k (4) holds — none (0) when v is missing (NaN). One
// table lookup and a shift replace a switch case with its branches, which
// in Go's wasm output are the expensive part. opInV is not such a condition
// (0: the switch handles it).
var varRel = [...]uint8{
	opHasV - opHasV:     1<<1 | 1<<2 | 1<<4,
	opMissingV - opHasV: 1 << 0,
	opInV - opHasV:      0,
	opLtV - opHasV:      1 << 1,
	opLeV - opHasV:      1<<1 | 1<<2,
	opGtV - opHasV:      1 << 4,
	opGeV - opHasV:      1<<2 | 1<<4,
	opEqV - opHasV:      1 << 2,
	opNeV - opHasV:      1<<1 | 1<<4,
}

// b2u compiles to a flag-setting instruction, not a branch.
func b2u(b bool) uint {
	if b {
		return 1
	}
	return 0
}

// Eval evaluates the program on vals, where vals[s] is the value of the
// variable in slot s: a number, or NaN when missing (for categorical
// variables, StringCode of the value, or NaN). Slots at or beyond len(vals)
// read as missing, so a short or nil vals is safe; MaxSlot tells how long
// vals must be to supply every variable.
//
// Eval does not allocate, recurse or call functions. It never panics, and
// it finishes after at most as many steps as the program has instructions,
// because jumps only go forward. It is safe for concurrent use.
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
		r := uint(0) // result of a condition
		if o := in.op - opHasV; o < op(len(varRel)) && varRel[o] != 0 {
			// A condition on a variable (the commonest instruction),
			// branch-free: see varRel.
			v := miss
			if s := int(in.a); uint(s) < uint(len(vals)) {
				v = vals[s]
			}
			r = uint(varRel[o]) >> (b2u(v < in.k) | b2u(v == in.k)<<1 | b2u(v > in.k)<<2) & 1
			goto push
		}
		switch in.op {
		case opConst:
			t++
			st[t&m] = in.k
			continue
		case opVar:
			v := miss
			if s := int(in.a); uint(s) < uint(len(vals)) {
				v = vals[s]
			}
			t++
			st[t&m] = v
			continue
		case opNeg:
			st[t&m] = -st[t&m]
			continue
		case opAbs:
			if v := st[t&m]; v < 0 {
				st[t&m] = -v
			}
			continue
		case opAdd:
			t--
			st[t&m] += st[(t+1)&m]
			continue
		case opSub:
			t--
			st[t&m] -= st[(t+1)&m]
			continue
		case opMul:
			t--
			st[t&m] *= st[(t+1)&m]
			continue
		case opDiv:
			t--
			if b := st[(t+1)&m]; b == 0 {
				st[t&m] = miss
			} else {
				st[t&m] /= b
			}
			continue
		case opMin:
			t--
			if a, b := st[t&m], st[(t+1)&m]; b < a || b != b {
				st[t&m] = b
			}
			continue
		case opMax:
			t--
			if a, b := st[t&m], st[(t+1)&m]; b > a || b != b {
				st[t&m] = b
			}
			continue
		case opJF:
			if st[t&m] == 0 {
				pc += int(in.n)
			} else {
				t--
			}
			continue
		case opJT:
			if st[t&m] != 0 {
				pc += int(in.n)
			} else {
				t--
			}
			continue

		case opNot:
			if st[t&m] == 0 {
				r = 1
			}
		case opHas:
			if v := st[t&m]; v == v {
				r = 1
			}
		case opMissing:
			if v := st[t&m]; v != v {
				r = 1
			}
		case opIn:
			v := st[t&m]
			for _, c := range p.sets[in.set] {
				if v == c {
					r = 1
					break
				}
			}
		case opLtK:
			if st[t&m] < in.k {
				r = 1
			}
		case opLeK:
			if st[t&m] <= in.k {
				r = 1
			}
		case opGtK:
			if st[t&m] > in.k {
				r = 1
			}
		case opGeK:
			if st[t&m] >= in.k {
				r = 1
			}
		case opEqK:
			if st[t&m] == in.k {
				r = 1
			}
		case opNeK:
			if st[t&m] < in.k || st[t&m] > in.k {
				r = 1
			}
		case opLt:
			t--
			if a, b := st[t&m], st[(t+1)&m]; a < b {
				r = 1
			}
		case opLe:
			t--
			if a, b := st[t&m], st[(t+1)&m]; a <= b {
				r = 1
			}
		case opGt:
			t--
			if a, b := st[t&m], st[(t+1)&m]; a > b {
				r = 1
			}
		case opGe:
			t--
			if a, b := st[t&m], st[(t+1)&m]; a >= b {
				r = 1
			}
		case opEq:
			t--
			if a, b := st[t&m], st[(t+1)&m]; a == b {
				r = 1
			}
		case opNe:
			t--
			if a, b := st[t&m], st[(t+1)&m]; a < b || a > b {
				r = 1
			}

		case opHasV:
			if s := int(in.a); uint(s) < uint(len(vals)) && vals[s] == vals[s] {
				r = 1
			}
			goto push
		case opMissingV:
			if s := int(in.a); uint(s) >= uint(len(vals)) || vals[s] != vals[s] {
				r = 1
			}
			goto push
		case opInV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				v := vals[s]
				for _, c := range p.sets[in.set] {
					if v == c {
						r = 1
						break
					}
				}
			}
			goto push
		case opLtV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a := vals[s]; a < in.k {
					r = 1
				}
			}
			goto push
		case opLeV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a := vals[s]; a <= in.k {
					r = 1
				}
			}
			goto push
		case opGtV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a := vals[s]; a > in.k {
					r = 1
				}
			}
			goto push
		case opGeV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a := vals[s]; a >= in.k {
					r = 1
				}
			}
			goto push
		case opEqV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a := vals[s]; a == in.k {
					r = 1
				}
			}
			goto push
		case opNeV:
			if s := int(in.a); uint(s) < uint(len(vals)) {
				if a := vals[s]; a < in.k || a > in.k {
					r = 1
				}
			}
			goto push
		default:
			continue
		}
		// A condition that replaces the top of the stack.
		if in.when>>r&1 != 0 {
			st[t&m] = float64(r)
			pc += int(in.n)
		} else {
			t--
		}
		continue
	push: // a condition on a variable
		if in.when>>r&1 != 0 {
			t++
			st[t&m] = float64(r)
			pc += int(in.n)
		}
	}
	return st[0] != 0
}
