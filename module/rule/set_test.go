package rule

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkSet compares a Set of progs (split into groups of at most size)
// with each program's Eval on vals.
func checkSet(t *testing.T, progs []*Program, srcs []string, size int, vals []float64) {
	t.Helper()
	var groups [][]*Program
	for i := 0; i < len(progs); i += size {
		groups = append(groups, progs[i:min(i+size, len(progs))])
	}
	s := NewSet(groups...)
	var out [MaxSetGroups]uint64
	s.Eval(vals, &out)
	// The same values padded with missing ones (and one beyond SetVals,
	// which no program reads), for the fast path.
	long := make([]float64, SetVals+1+len(vals)%3)
	copy(long, vals)
	for i := len(vals); i < len(long); i++ {
		long[i] = nan()
	}
	var outLong [MaxSetGroups]uint64
	s.Eval(long, &outLong)
	if outLong != out {
		t.Fatalf("Set.Eval on padded values %b, on the values %b", outLong, out)
	}
	for g, ps := range groups {
		for i, p := range ps {
			want := p.Eval(vals)
			if got := out[g]>>uint(i)&1 != 0; got != want {
				t.Fatalf("Set.Eval of %q = %v, Eval %v, vals %v", srcs[g*size+i], got, want, vals)
			}
		}
		if len(ps) < 64 && out[g]>>uint(len(ps)) != 0 {
			t.Fatalf("group %d: bits beyond its %d programs: %b", g, len(ps), out[g])
		}
	}
	for g := len(groups); g < MaxSetGroups; g++ {
		if out[g] != 0 {
			t.Fatalf("unused group %d: %b", g, out[g])
		}
	}
}

// Every program in a Set gives what its Eval gives, whether the Set
// evaluates it in normal form or by Eval, on full, short and nil values.
func TestSetRandomRules(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 400
	}
	rng := rand.New(rand.NewPCG(13, 17))
	g := &ruleGen{rng: rng}
	var progs []*Program
	var srcs []string
	for _, src := range append(fuzzSeeds, benchSources()...) {
		if p, err := Compile(src, testVars); err == nil {
			progs, srcs = append(progs, p), append(srcs, src)
		}
	}
	for range n {
		g.b.Reset()
		g.cond(1 + rng.IntN(6))
		src := g.b.String()
		p, err := Compile(src, testVars)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && strings.Contains(e.Msg, "too") {
				continue
			}
			t.Fatalf("generated rule %q: %v", src, err)
		}
		progs, srcs = append(progs, p), append(srcs, src)
	}
	fast := 0
	for _, p := range progs {
		if p.cnfOK {
			fast++
		}
	}
	t.Logf("%d of %d rules in normal form", fast, len(progs))
	if fast < len(progs)/4 {
		t.Errorf("only %d of %d rules have a normal form", fast, len(progs))
	}
	vals := make([]float64, 12)
	for start := 0; start < len(progs); {
		size := 1 + rng.IntN(MaxSetGroup)
		end := min(start+size*(1+rng.IntN(MaxSetGroups)), len(progs))
		for range 12 {
			for i := range vals {
				vals[i] = fuzzValues[rng.IntN(len(fuzzValues))]
			}
			checkSet(t, progs[start:end], srcs[start:end], size, vals)
			checkSet(t, progs[start:end], srcs[start:end], size, vals[:rng.IntN(len(vals)+1)])
		}
		checkSet(t, progs[start:end], srcs[start:end], size, nil)
		start = end
	}
}

func benchSources() []string {
	var s []string
	for _, r := range benchRules {
		s = append(s, r.src)
	}
	return s
}

// The rules of a typical bundle are all in normal form: none is left to
// Eval.
func TestSetNormalForm(t *testing.T) {
	srcs := []string{
		"known == 1 && frequency >= 8 && p_alive >= 0.7 && clv >= 120",
		"known == 1 && has(frequency) && (frequency >= 1 || tenure > 180)",
		`page in ("product", "category") && (price >= 150 || aov >= 120)`,
		`device == "mobile" && channel != "app"`,
		"!(hour >= 22 || hour < 5) && missing(recency)",
		`!(country in ("DE", "AT")) || true`,
		"clv >= 500 || total_spend > 1000 && frequency >= 3",
	}
	var progs []*Program
	for _, src := range srcs {
		p, err := Compile(src, benchVars)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	s := NewSet(progs, progs[:3])
	if len(s.slow) != 0 {
		t.Errorf("%d programs left to Eval", len(s.slow))
	}
	if len(s.progs) != len(progs)+3 {
		t.Errorf("%d programs in normal form, want %d", len(s.progs), len(progs)+3)
	}
}

func TestSetAllocs(t *testing.T) {
	var progs []*Program
	for _, r := range benchRules {
		progs = append(progs, MustCompileForTest(t, r.src))
	}
	s := NewSet(progs)
	vals := benchValues(1)[0]
	var out [MaxSetGroups]uint64
	if n := testing.AllocsPerRun(100, func() { s.Eval(vals, &out) }); n != 0 {
		t.Errorf("%v allocations per Eval", n)
	}
}

func MustCompileForTest(t *testing.T, src string) *Program {
	t.Helper()
	p, err := Compile(src, benchVars)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func BenchmarkSetEval(b *testing.B) {
	var progs []*Program
	for _, r := range benchRules {
		p, err := Compile(r.src, benchVars)
		if err != nil {
			b.Fatal(err)
		}
		progs = append(progs, p)
	}
	s := NewSet(progs)
	vals := benchValues(256)
	var out [MaxSetGroups]uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Eval(vals[i&255], &out)
	}
}

// Variables at slots beyond SetVals: the Set falls back to Eval, and reads
// them when vals is long enough.
func TestSetHighSlots(t *testing.T) {
	vars := map[string]Var{"a": {Slot: 3}, "b": {Slot: SetVals + 5}, "c": {Slot: 7}}
	srcs := []string{"a > 1 && c < 2", "b >= 1 || a > 1", "a * c > 2", "b * 2 > 1", "c == 1"}
	var progs []*Program
	for _, src := range srcs {
		p, err := Compile(src, vars)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	for _, group := range [][]*Program{progs, {progs[0], progs[2], progs[3], progs[4]}, {progs[0], progs[4]}, {progs[2], nil, progs[0]}} {
		s := NewSet(group, group[:1])
		rng := rand.New(rand.NewPCG(1, 1))
		for range 200 {
			vals := make([]float64, []int{0, 5, 8, SetVals, SetVals + 6}[rng.IntN(5)])
			for i := range vals {
				vals[i] = fuzzValues[rng.IntN(len(fuzzValues))]
			}
			var out [MaxSetGroups]uint64
			s.Eval(vals, &out)
			for i, p := range group {
				if got, want := out[0]>>uint(i)&1 != 0, p.Eval(vals); got != want {
					t.Fatalf("program %d: Set.Eval %v, Eval %v (len %d)", i, got, want, len(vals))
				}
			}
			if got, want := out[1] != 0, group[0].Eval(vals); got != want {
				t.Fatalf("group 1: Set.Eval %v, Eval %v", got, want)
			}
		}
	}
}
