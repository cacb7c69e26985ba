package rule

import (
	"math"
	"strconv"

	"github.com/edgescore/edgescore/module/internal/fnv1a"
)

// Limits enforced by Compile. See the package documentation.
const (
	maxSource = 1024 // bytes of source
	maxInstr  = 256  // instructions plus in-list elements
	maxDepth  = 32   // parser nesting and evaluation stack depth
	maxSlot   = math.MaxInt32
)

// Var describes one name an expression may use: its slot in the value slice
// passed to Eval, and whether it is categorical.
//
// A numeric variable holds a number, or Missing (NaN) when absent. A
// categorical variable holds StringCode(value), or NaN when absent; it can only
// be compared with string literals through ==, != and in.
type Var struct {
	Slot        int
	Categorical bool
}

// Error is a compile error. Offset is a byte offset into the source.
type Error struct {
	Offset int
	Msg    string
}

// Error returns "at offset N: msg".
func (e *Error) Error() string {
	return "at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Program is a compiled rule. It is immutable and safe for concurrent use by
// any number of goroutines. The zero Program evaluates to false.
type Program struct {
	code    []instr
	sets    [][]float64 // in-lists, referenced by instr.set
	names   []string    // referenced names, sorted and unique
	maxSlot int         // highest referenced slot, -1 if none
	cnf     [][]atom    // the rule in conjunctive normal form, for Set
	cnfOK   bool        // cnf holds: the rule is a combination of atoms
}

// MaxSlot returns the highest slot the program reads, or -1 when it reads
// none. A vals slice of length MaxSlot()+1 covers every variable the program
// uses.
func (p *Program) MaxSlot() int {
	if p == nil || p.names == nil {
		return -1
	}
	return p.maxSlot
}

// Names returns the variable names the program references, sorted and
// unique. The slice is a fresh copy.
func (p *Program) Names() []string {
	if p == nil {
		return nil
	}
	return append(p.names[:0:0], p.names...) // slices.Clone
}

// StringCode is how categorical values travel: the host puts StringCode(value)
// in the slot of a categorical variable, or NaN when the value is absent.
// It is the 32-bit FNV-1a hash of the UTF-8 bytes of s, converted exactly to
// float64 (so it is an integer in [0, 2³²) and never NaN).
func StringCode(s string) float64 { return float64(fnv1a.Sum32(s)) }

// Compile parses and type-checks src against vars and compiles it into a
// Program. Every error it returns is an *Error locating the problem in src.
func Compile(src string, vars map[string]Var) (*Program, error) {
	if len(src) > maxSource {
		return nil, &Error{Offset: maxSource, Msg: "rule is longer than " + strconv.Itoa(maxSource) + " bytes"}
	}
	root, used, err := parse(src, vars)
	if err != nil {
		return nil, err
	}
	code, sets, err := generate(root)
	if err != nil {
		return nil, err
	}
	p := &Program{code: code, sets: sets, maxSlot: -1}
	p.cnf, p.cnfOK = cnfOf(root, false)
	p.names = make([]string, 0, len(used))
	for _, r := range used { // sorted by name
		p.names = append(p.names, r.name)
		p.maxSlot = max(p.maxSlot, r.slot)
	}
	return p, nil
}
