package rule

import "math"

// A Set evaluates many programs on the same values at once. Most rules are
// and/or/not combinations of conditions on one variable each (cart_value >
// 80, channel == "app", has(frequency), page_type in (…)); Compile keeps
// such a rule also in conjunctive normal form over these atoms. A Set
// evaluates every distinct atom of its programs once, without a branch,
// into bit words, and each program is then a few mask tests on one word:
// in Go's wasm output, where every branch and call is a trip through a
// dispatch table, that is several times faster than running the programs'
// instructions one by one, and natively it is faster too. Short-circuit
// evaluation does not change a result (conditions have no side effects),
// so evaluating every atom gives exactly what Eval gives. Programs that do
// arithmetic, compare two expressions or need more clauses than a Set
// handles are evaluated by Eval.

// atom is a condition on one variable: true when the outcome of comparing
// vals[slot] with k is in rel, a set of outcomes indexed as in varRel (bit
// 0: missing, bit 1: <, bit 2: ==, bit 4: >). k is 0 for has and missing,
// and the constants true and false are atoms with every or no outcome.
type atom struct {
	k    float64
	slot int32
	rel  uint8
}

// relAll is every outcome: an atom that is always true. The complement of
// rel (rel ^ relAll) is the negated condition, missing values included.
const relAll = 1<<0 | 1<<1 | 1<<2 | 1<<4

// relOf is the outcome set of the relations lt, le, gt, ge, eq, ne.
var relOf = [6]uint8{1 << 1, 1<<1 | 1<<2, 1 << 4, 1<<2 | 1<<4, 1 << 2, 1<<1 | 1<<4}

// Limits of the normal form of one program.
const (
	cnfMaxClauses = 16 // clauses while converting (distribution multiplies them)
	cnfMaxAtoms   = 63 // atoms of one program: they must share one bit word
)

// cnfOf returns the condition n (negated when neg) as clauses, every one of
// which must hold, each true when any of its atoms is; ok is false when n
// is not a combination of atoms or exceeds the limits.
func cnfOf(n *node, neg bool) (cnf [][]atom, ok bool) {
	switch n.kind {
	case kBool:
		rel := uint8(0)
		if (n.num != 0) != neg {
			rel = relAll
		}
		return [][]atom{{{rel: rel}}}, true
	case kUnary:
		if n.op != tNot {
			return nil, false
		}
		return cnfOf(n.x, !neg)
	case kBinary:
		switch n.op {
		case tAnd, tOr:
			x, ok := cnfOf(n.x, neg)
			if !ok {
				return nil, false
			}
			y, ok := cnfOf(n.y, neg)
			if !ok {
				return nil, false
			}
			if (n.op == tAnd) != neg { // a conjunction (De Morgan when negated)
				if len(x)+len(y) > cnfMaxClauses {
					return nil, false
				}
				return append(x[:len(x):len(x)], y...), true
			}
			// A disjunction: every clause of x or'ed with every one of y.
			if len(x)*len(y) > cnfMaxClauses {
				return nil, false
			}
			var out [][]atom
			for _, cx := range x {
				for _, cy := range y {
					if len(cx)+len(cy) > cnfMaxAtoms {
						return nil, false
					}
					out = append(out, append(cx[:len(cx):len(cx)], cy...))
				}
			}
			return out, true
		case tLt, tLe, tGt, tGe, tEq, tNe:
			// As compare generates a fused comparison of a variable with
			// a constant; anything else is not an atom.
			rel := n.op - tLt
			l, r := n.x, n.y
			lc, lok := constOf(l)
			rc, rok := constOf(r)
			if lok && !rok {
				l, rc, rok = r, lc, true
				rel = tokKind(flip[rel])
			}
			if !rok || l.kind != kName {
				return nil, false
			}
			a := atom{k: rc, slot: int32(l.slot), rel: relOf[rel]}
			if neg {
				a.rel ^= relAll
			}
			return [][]atom{{a}}, true
		}
	case kCall:
		if (n.fn != fnHas && n.fn != fnMissing) || n.x.kind != kName {
			return nil, false
		}
		a := atom{slot: int32(n.x.slot), rel: relAll &^ 1} // has: any outcome but missing
		if (n.fn == fnMissing) != neg {
			a.rel ^= relAll
		}
		return [][]atom{{a}}, true
	case kIn:
		if n.x.kind != kName || len(n.set) > cnfMaxAtoms {
			return nil, false
		}
		if neg { // no element equals it: one clause per element
			if len(n.set) > cnfMaxClauses {
				return nil, false
			}
			out := make([][]atom, len(n.set))
			for i, c := range n.set {
				out[i] = []atom{{k: c, slot: int32(n.x.slot), rel: relAll ^ 1<<2}}
			}
			return out, true
		}
		cl := make([]atom, len(n.set))
		for i, c := range n.set {
			cl[i] = atom{k: c, slot: int32(n.x.slot), rel: 1 << 2}
		}
		return [][]atom{cl}, true
	}
	return nil, false
}

// MaxSetGroups is the number of groups of programs a Set evaluates, and
// MaxSetGroup the number of programs in one.
const (
	MaxSetGroups = 4
	MaxSetGroup  = 64
)

// Limits of a Set's fast evaluation.
const (
	setWords = 4  // bit words of atom results
	setBits  = 63 // atoms per word, with one bit that is always 1
	setAny   = 2  // clauses of two or more atoms per program
)

// SetVals is the length of values a Set evaluates fastest: with at least
// that many (and no program reading a slot beyond), it reads them without
// a bounds check per atom. Pad shorter values with NaN (missing), which
// is what Eval reads beyond them.
const SetVals = 1024

// Set is a compiled group of programs evaluated together (NewSet). It is
// immutable and safe for concurrent use.
type Set struct {
	atoms   []setAtom // by word
	progs   []setProg
	slow    []slowProg // programs without a normal form that fits
	all     []slowProg // every non-nil program, for values too short
	maxSlot int        // highest slot any atom reads, -1 if none
	words   int        // bit words in use
	// The atoms of word j and kind k are atoms[bound[j][k]:bound[j][k+1]],
	// also sliced as kinds[j][k].
	bound [setWords][numKinds + 1]int
	kinds [setWords][numKinds][]setAtom
	// The programs of group g are progs[group[g]:group[g+1]].
	group [MaxSetGroups + 1]int
}

// setAtom is an atom as Eval tests it: the test of its kind (see kindOf),
// negated when neg is 1.
type setAtom struct {
	k    float64
	slot int32
	neg  uint32
}

// Kinds of atom test, the outcome set of an atom without its missing bit
// (or, when that is set, the complement: the test is then negated).
const (
	kindLt    = iota // v < k
	kindLe           // v <= k
	kindGt           // v > k
	kindGe           // v >= k
	kindEq           // v == k
	kindNe           // v < k || v > k
	kindHas          // v == v
	kindFalse        // never
	numKinds
)

// kindOf is the kind of an atom with outcome set rel, and whether its test
// is negated.
func kindOf(rel uint8) (kind int, neg uint32) {
	if rel&1 != 0 {
		rel ^= relAll
		neg = 1
	}
	switch rel {
	case 1 << 1:
		return kindLt, neg
	case 1<<1 | 1<<2:
		return kindLe, neg
	case 1 << 4:
		return kindGt, neg
	case 1<<2 | 1<<4:
		return kindGe, neg
	case 1 << 2:
		return kindEq, neg
	case 1<<1 | 1<<4:
		return kindNe, neg
	case 1<<1 | 1<<2 | 1<<4:
		return kindHas, neg
	}
	return kindFalse, neg
}

// setProg is a program in normal form: true when every bit of all is set in
// its word and, for each of any, some bit is. Its result is bit of
// group.
type setProg struct {
	all  uint64
	any  [setAny]uint64
	bit  uint64
	word uint8
}

type slowProg struct {
	p   *Program
	out uint8 // group·64 + index
}

// key is an atom as NewSet compares them: k by its bits.
type key struct {
	k    uint64
	slot int32
	rel  uint8
}

func indexKey(list []key, k key) int {
	for i, x := range list {
		if x.k == k.k && x.slot == k.slot && x.rel == k.rel {
			return i
		}
	}
	return -1
}

// NewSet prepares the programs of up to MaxSetGroups groups, each of at
// most MaxSetGroup programs, for evaluation together. A nil program is
// false, as its Eval is.
func NewSet(groups ...[]*Program) *Set {
	if len(groups) > MaxSetGroups {
		panic("rule: too many groups in a Set")
	}
	s := &Set{maxSlot: -1}
	// Atom j of a word is first given bit j (and the bit that is always 1
	// bit 63); once the word's size n is known, they are moved to where
	// Eval shifts them: bit n−1−j, and bit n.
	var words [][]key // per word: its atoms, bit j for words[w][j]
	for g, progs := range groups {
		if len(progs) > MaxSetGroup {
			panic("rule: too many programs in a Set group")
		}
		s.group[g] = len(s.progs)
		for i, p := range progs {
			out := uint8(g*64 + i)
			if p == nil {
				continue
			}
			s.all = append(s.all, slowProg{p, out})
			if !p.cnfOK || len(p.cnf) == 0 {
				s.slow = append(s.slow, slowProg{p, out})
				continue
			}
			// Distinct atoms of p, and whether they fit the last word.
			var distinct []key
			nany := 0
			for _, cl := range p.cnf {
				if len(cl) > 1 {
					nany++
				}
				for _, a := range cl {
					k := key{math.Float64bits(a.k), a.slot, a.rel}
					if indexKey(distinct, k) < 0 {
						distinct = append(distinct, k)
					}
				}
			}
			if nany > setAny || len(distinct) > setBits {
				s.slow = append(s.slow, slowProg{p, out})
				continue
			}
			w := len(words) - 1
			if w >= 0 {
				fresh := 0
				for _, k := range distinct {
					if indexKey(words[w], k) < 0 {
						fresh++
					}
				}
				if len(words[w])+fresh > setBits {
					w = -1
				}
			}
			if w < 0 {
				if len(words) == setWords {
					s.slow = append(s.slow, slowProg{p, out})
					continue
				}
				words = append(words, nil)
				w = len(words) - 1
			}
			bit := func(k key) uint64 {
				b := indexKey(words[w], k)
				if b < 0 {
					b = len(words[w])
					words[w] = append(words[w], k)
					s.maxSlot = max(s.maxSlot, int(k.slot))
				}
				return 1 << b
			}
			sp := setProg{word: uint8(w), bit: 1 << uint(i)}
			for j := range sp.any {
				sp.any[j] = 1 << 63 // an absent clause holds
			}
			j := 0
			for _, cl := range p.cnf {
				var m uint64
				for _, a := range cl {
					m |= bit(key{math.Float64bits(a.k), a.slot, a.rel})
				}
				if len(cl) == 1 {
					sp.all |= m
				} else {
					sp.any[j] = m
					j++
				}
			}
			s.progs = append(s.progs, sp)
		}
	}
	for g := len(groups); g <= MaxSetGroups; g++ {
		s.group[g] = len(s.progs)
	}
	// Lay the atoms out by word and kind, and move each atom's bit j to
	// the bit Eval shifts it to: n−1−p for the p-th of the word's n atoms,
	// and the bit that is always 1 (63 so far) to n.
	s.words = len(words)
	var moves [setWords][setBits]uint8
	for j, keys := range words {
		n := len(keys)
		for kind := range numKinds {
			s.bound[j][kind] = len(s.atoms)
			for b, k := range keys {
				if kd, neg := kindOf(k.rel); kd == kind {
					p := len(s.atoms) - s.bound[j][0]
					moves[j][b] = uint8(n - 1 - p)
					s.atoms = append(s.atoms, setAtom{k: math.Float64frombits(k.k), slot: k.slot, neg: neg})
				}
			}
		}
		s.bound[j][numKinds] = len(s.atoms)
	}
	for j := range s.words {
		for k := range numKinds {
			s.kinds[j][k] = s.atoms[s.bound[j][k]:s.bound[j][k+1]:s.bound[j][k+1]]
		}
	}
	for i := range s.progs {
		sp := &s.progs[i]
		mv := &moves[sp.word]
		n := len(words[sp.word])
		move := func(m uint64) uint64 {
			r := m >> 63 << uint(n)
			for b := 0; b < n; b++ {
				r |= m >> uint(b) & 1 << mv[b]
			}
			return r
		}
		sp.all = move(sp.all)
		for j := range sp.any {
			sp.any[j] = move(sp.any[j])
		}
	}
	return s
}

// Eval evaluates every program of the Set on vals (as Program.Eval does)
// and sets bit i of out[g] when program i of group g is true; other bits
// of out are cleared.
func (s *Set) Eval(vals []float64, out *[MaxSetGroups]uint64) {
	switch {
	case s.maxSlot >= SetVals:
		s.evalEach(vals, out)
	case len(vals) < SetVals:
		s.evalPadded(vals, out)
	default:
		s.eval((*[SetVals]float64)(vals), out)
		s.evalSlow(vals, out)
	}
}

// evalEach evaluates every program by Eval.
func (s *Set) evalEach(vals []float64, out *[MaxSetGroups]uint64) {
	*out = [MaxSetGroups]uint64{}
	for _, sp := range s.all {
		out[sp.out>>6&3] |= uint64(b2u(sp.p.Eval(vals))) << (sp.out & 63)
	}
}

// evalPadded evaluates on vals padded with missing values.
func (s *Set) evalPadded(vals []float64, out *[MaxSetGroups]uint64) {
	var pad [SetVals]float64
	n := copy(pad[:], vals)
	for i := n; i < len(pad); i++ {
		pad[i] = nan()
	}
	s.eval(&pad, out)
	s.evalSlow(vals, out)
}

// eval sets out to the results of the programs in normal form; every slot
// they read is below SetVals.
func (s *Set) eval(vals *[SetVals]float64, out *[MaxSetGroups]uint64) {
	// Each atom's result is shifted into its word; one loop per kind keeps
	// a single comparison per atom.
	var w [setWords]uint64
	_ = vals[0] // one nil check, not one per atom
	for j := range s.words {
		ks := &s.kinds[j&(setWords-1)]
		acc := uint64(1)
		for _, a := range ks[kindLt] {
			acc = acc<<1 | uint64(b2u(vals[a.slot&(SetVals-1)] < a.k)^uint(a.neg))
		}
		for _, a := range ks[kindLe] {
			acc = acc<<1 | uint64(b2u(vals[a.slot&(SetVals-1)] <= a.k)^uint(a.neg))
		}
		for _, a := range ks[kindGt] {
			acc = acc<<1 | uint64(b2u(vals[a.slot&(SetVals-1)] > a.k)^uint(a.neg))
		}
		for _, a := range ks[kindGe] {
			acc = acc<<1 | uint64(b2u(vals[a.slot&(SetVals-1)] >= a.k)^uint(a.neg))
		}
		for _, a := range ks[kindEq] {
			acc = acc<<1 | uint64(b2u(vals[a.slot&(SetVals-1)] == a.k)^uint(a.neg))
		}
		for _, a := range ks[kindNe] {
			v := vals[a.slot&(SetVals-1)]
			acc = acc<<1 | uint64(b2u(v < a.k)|b2u(v > a.k)^uint(a.neg))
		}
		for _, a := range ks[kindHas] {
			v := vals[a.slot&(SetVals-1)]
			acc = acc<<1 | uint64(b2u(v == v)^uint(a.neg))
		}
		for _, a := range ks[kindFalse] {
			acc = acc<<1 | uint64(a.neg)
		}
		w[j&(setWords-1)] = acc
	}
	progs := s.progs
	for g := range out {
		var res uint64
		for i := s.group[g]; i < s.group[g+1]; i++ {
			p := &progs[i]
			b := w[p.word&(setWords-1)]
			r := b2u(b&p.all == p.all) & b2u(b&p.any[0] != 0) & b2u(b&p.any[1] != 0)
			res |= p.bit & -uint64(r)
		}
		out[g] = res
	}
}

// evalSlow adds the results of the programs without a normal form.
func (s *Set) evalSlow(vals []float64, out *[MaxSetGroups]uint64) {
	if len(s.slow) == 0 {
		return
	}
	for _, sp := range s.slow {
		out[sp.out>>6&3] |= uint64(b2u(sp.p.Eval(vals))) << (sp.out & 63)
	}
}
