package rule

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// refEval is a direct tree-walking evaluator of the documented semantics,
// written independently of the code generator and Eval: conditions are 1 or
// 0, every comparison with a missing operand is false, division by zero and
// arithmetic with missing are missing. Slots beyond vals are missing.
func refEval(n *node, vals []float64) float64 {
	b := func(c bool) float64 {
		if c {
			return 1
		}
		return 0
	}
	isNaN := math.IsNaN
	switch n.kind {
	case kNum, kBool:
		return n.num
	case kStr:
		return StringCode(n.str)
	case kName:
		if n.slot < len(vals) {
			return vals[n.slot]
		}
		return math.NaN()
	case kUnary:
		v := refEval(n.x, vals)
		if n.op == tNot {
			return b(v == 0)
		}
		return -v
	case kBinary:
		l := refEval(n.x, vals)
		r := refEval(n.y, vals)
		switch n.op {
		case tAnd:
			return b(l != 0 && r != 0)
		case tOr:
			return b(l != 0 || r != 0)
		case tPlus:
			return l + r
		case tMinus:
			return l - r
		case tStar:
			return l * r
		case tSlash:
			if r == 0 {
				return math.NaN()
			}
			return l / r
		}
		if isNaN(l) || isNaN(r) {
			return 0
		}
		switch n.op {
		case tLt:
			return b(l < r)
		case tLe:
			return b(l <= r)
		case tGt:
			return b(l > r)
		case tGe:
			return b(l >= r)
		case tEq:
			return b(l == r)
		case tNe:
			return b(l != r)
		}
	case kCall:
		x := refEval(n.x, vals)
		switch n.fn {
		case fnHas:
			return b(!isNaN(x))
		case fnMissing:
			return b(isNaN(x))
		case fnAbs:
			return math.Abs(x)
		}
		y := refEval(n.y, vals)
		if isNaN(x) || isNaN(y) { // unlike math.Max(NaN, +Inf) == +Inf
			return math.NaN()
		}
		if n.fn == fnMin {
			return math.Min(x, y)
		}
		return math.Max(x, y)
	case kIn:
		x := refEval(n.x, vals)
		return b(!isNaN(x) && slices.Contains(n.set, x))
	}
	panic("refEval: bad node")
}

var fuzzSeeds = []string{
	"cart_value > 80 && propensity < 0.3",
	`channel == "app" && (p_alive < 0.4 || !has(frequency))`,
	`device in ("mobile", "tablet") || x in (1, -2, 3e2)`,
	"min(x, y) / max(z, 0) >= abs(-x) - 1",
	"missing(x / y) || !(x == 1) && x != 1",
	`geo.country == "a\"b\\" && m:score <= 1.5e-3`,
	"(x > 1) == (y < 2) != false",
	"-(-x) * 2 + 1 > y / (z - z)",
	`has(channel) && !missing(max) && max(max, 1) > 0`,
	"x > 1 || y > 1 && z > 1 || !(x < 0)",
	"((((x + y) * z) - 1) / 2) < 3",
	"x < y < z",
	`channel == 3`,
	"x = 1",
	"",
	"(",
	`"unterminated`,
	strings.Repeat("(", 40) + "x > 1" + strings.Repeat(")", 40),
	strings.Repeat("x+(", 31) + "x+x" + strings.Repeat(")", 31) + " > 1",
	strings.TrimSuffix(strings.Repeat("x>1||", 204), "||"),
}

// fuzzValues are the interesting values a slot can hold.
var fuzzValues = []float64{
	math.NaN(), 0, math.Copysign(0, -1), 1, -1, 0.5, 2, 3, 80, 1e300, -1e300,
	math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64,
	StringCode("app"), StringCode("web"), StringCode("mobile"), StringCode(""),
}

func FuzzCompile(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, uint64(i))
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		p, err := Compile(src, testVars)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if p != nil {
				t.Fatal("program returned with an error")
			}
			if e.Offset < 0 || e.Offset > len(src) && e.Offset != maxSource || e.Msg == "" {
				t.Fatalf("bad error %q for %d-byte source", err, len(src))
			}
			return
		}
		checkProgram(t, p)
		root, _, perr := parse(src, testVars)
		if perr != nil {
			t.Fatalf("parse fails where Compile succeeds: %v", perr)
		}
		for _, name := range p.Names() {
			if _, ok := testVars[name]; !ok {
				t.Fatalf("Names() has unknown %q", name)
			}
		}
		rng := rand.New(rand.NewPCG(seed, uint64(len(src))))
		// The program alone in a Set (in the second group, after an empty
		// first) must give Eval's answer too.
		set := NewSet(nil, []*Program{p})
		vals := make([]float64, 12)
		for range 16 {
			for i := range vals {
				if rng.IntN(4) == 0 {
					vals[i] = rng.NormFloat64() * 100
				} else {
					vals[i] = fuzzValues[rng.IntN(len(fuzzValues))]
				}
			}
			short := vals[:rng.IntN(len(vals)+1)]
			for _, v := range [][]float64{vals, short, nil} {
				got := p.Eval(v)
				if want := refEval(root, v) != 0; got != want {
					t.Fatalf("Eval(%q) = %v, reference %v, vals %v", src, got, want, v)
				}
				var r [MaxSetGroups]uint64
				set.Eval(v, &r)
				if inSet := r[1]&1 != 0; inSet != got || r[0] != 0 || r[1]>>1 != 0 {
					t.Fatalf("Set.Eval(%q) = %x, Eval %v, vals %v", src, r, got, v)
				}
			}
		}
	})
}

// ruleGen writes random well-typed rules, to exercise deep valid programs
// that mutation of strings rarely reaches.
type ruleGen struct {
	rng *rand.Rand
	b   strings.Builder
}

var (
	genNum  = []string{"cart_value", "propensity", "x", "y", "z", "m:score", "max"}
	genCat  = []string{"channel", "device", "geo.country"}
	genStrs = []string{`"app"`, `"web"`, `"mobile"`, `""`}
	genLits = []string{"0", "1", "2", "0.5", "80", "1e3", "3"}
	genRels = []string{"<", "<=", ">", ">=", "==", "!="}
)

func (g *ruleGen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

func (g *ruleGen) cond(depth int) {
	w := &g.b
	k := g.rng.IntN(10)
	if depth <= 0 {
		k = g.rng.IntN(3)
	}
	switch k {
	case 0:
		g.num(depth - 1)
		w.WriteString(" " + g.pick(genRels) + " ")
		g.num(depth - 1)
	case 1:
		if g.rng.IntN(2) == 0 {
			w.WriteString(g.pick(genCat) + " " + g.pick(genRels[4:]) + " " + g.pick(genStrs))
		} else {
			w.WriteString(g.pick(genStrs) + " " + g.pick(genRels[4:]) + " " + g.pick(genCat))
		}
	case 2:
		w.WriteString([]string{"has(", "missing("}[g.rng.IntN(2)])
		if g.rng.IntN(2) == 0 {
			w.WriteString(g.pick(genCat))
		} else {
			g.num(depth - 1)
		}
		w.WriteString(")")
	case 3, 4:
		w.WriteString("(")
		g.cond(depth - 1)
		w.WriteString([]string{" && ", " || "}[g.rng.IntN(2)])
		g.cond(depth - 1)
		w.WriteString(")")
	case 5:
		w.WriteString("!")
		g.cond(depth - 1)
	case 6:
		if g.rng.IntN(2) == 0 {
			w.WriteString(g.pick(genCat) + " in (" + g.pick(genStrs) + ", " + g.pick(genStrs) + ")")
		} else {
			g.num(depth - 1)
			w.WriteString(" in (" + g.pick(genLits) + ", -" + g.pick(genLits) + ")")
		}
	case 7:
		w.WriteString("(")
		g.cond(depth - 1)
		w.WriteString(") " + g.pick(genRels[4:]) + " (")
		g.cond(depth - 1)
		w.WriteString(")")
	case 8:
		w.WriteString([]string{"true", "false"}[g.rng.IntN(2)])
	default:
		g.cond(depth - 1)
		w.WriteString([]string{" && ", " || "}[g.rng.IntN(2)])
		g.cond(depth - 1)
	}
}

func (g *ruleGen) num(depth int) {
	w := &g.b
	k := g.rng.IntN(8)
	if depth <= 0 {
		k = g.rng.IntN(2)
	}
	switch k {
	case 0:
		w.WriteString(g.pick(genNum))
	case 1:
		w.WriteString(g.pick(genLits))
	case 2, 3:
		w.WriteString("(")
		g.num(depth - 1)
		w.WriteString(" " + g.pick([]string{"+", "-", "*", "/"}) + " ")
		g.num(depth - 1)
		w.WriteString(")")
	case 4:
		w.WriteString("-")
		g.num(depth - 1)
	case 5:
		w.WriteString(g.pick([]string{"min(", "max("}))
		g.num(depth - 1)
		w.WriteString(", ")
		g.num(depth - 1)
		w.WriteString(")")
	case 6:
		w.WriteString("abs(")
		g.num(depth - 1)
		w.WriteString(")")
	default:
		g.num(depth - 1)
		w.WriteString(" " + g.pick([]string{"+", "-", "*", "/"}) + " ")
		g.num(depth - 1)
	}
}

func TestRandomRules(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	rng := rand.New(rand.NewPCG(7, 11))
	g := &ruleGen{rng: rng}
	vals := make([]float64, 12)
	compiled := 0
	for range n {
		g.b.Reset()
		g.cond(1 + rng.IntN(7))
		src := g.b.String()
		p, err := Compile(src, testVars)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && strings.Contains(e.Msg, "too") {
				continue // over a limit
			}
			t.Fatalf("generated rule %q: %v", src, err)
		}
		compiled++
		checkProgram(t, p)
		root, _, _ := parse(src, testVars)
		for range 8 {
			for i := range vals {
				vals[i] = fuzzValues[rng.IntN(len(fuzzValues))]
			}
			if got, want := p.Eval(vals), refEval(root, vals) != 0; got != want {
				t.Fatalf("Eval(%q) = %v, reference %v, vals %v", src, got, want, vals)
			}
		}
	}
	if compiled < n/2 {
		t.Errorf("only %d of %d generated rules compiled", compiled, n)
	}
}
