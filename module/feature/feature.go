package feature

import (
	"math"
	"strconv"

	"github.com/edgescore/edgescore/module/internal/fnv1a"
	"github.com/edgescore/edgescore/module/internal/quote"
	"github.com/edgescore/edgescore/module/shopper"
)

// Def is one feature as authored in a bundle: a context field and the
// transforms applied to it, in order. The same list drives scoring here and
// any training code (see build/refbundle), so a model never sees features
// computed differently from how it was trained.
type Def struct {
	Name       string      `json:"name"`
	Field      string      `json:"field"`
	Key        string      `json:"key,omitempty"` // category, for field "affinity"
	Transforms []Transform `json:"transforms,omitempty"`
}

// Transform is one step. Which parameters apply depends on Op:
//
//	log1p                       log(1+x); x ≤ −1 becomes missing
//	clip         min, max       clamp to [min, max]
//	standardize  mean, std      (x − mean) / std
//	onehot       value          1 if the categorical field equals value, else 0
//	hash_bucket  buckets        FNV-1a-32 of the categorical value mod buckets
//	cyclic_sin   period         sin(2πx/period), for hour (24) or weekday (7)
//	cyclic_cos   period         cos(2πx/period)
//	is_missing                  1 if the value is missing, else 0
//
// Missing stays missing through every op except is_missing; onehot and
// hash_bucket of a missing category are missing, so trees can route them.
type Transform struct {
	Op      string  `json:"op"`
	Min     float64 `json:"min,omitempty"`
	Max     float64 `json:"max,omitempty"`
	Mean    float64 `json:"mean,omitempty"`
	Std     float64 `json:"std,omitempty"`
	Value   string  `json:"value,omitempty"`
	Buckets int     `json:"buckets,omitempty"`
	Period  float64 `json:"period,omitempty"`
}

type opcode uint8

const (
	opLog1p opcode = iota + 1
	opClip
	opStandardize
	opOnehot
	opHash
	opSin
	opCos
	opIsMissing
)

// opNames spells the opcodes in specs. An array and a loop, not a map: a
// map literal costs the wasm guest its initialization code.
var opNames = [...]string{
	opLog1p: "log1p", opClip: "clip", opStandardize: "standardize", opOnehot: "onehot",
	opHash: "hash_bucket", opSin: "cyclic_sin", opCos: "cyclic_cos", opIsMissing: "is_missing",
}

// parseOp returns the opcode named name.
func parseOp(name string) (opcode, bool) {
	for c := opLog1p; int(c) < len(opNames); c++ {
		if opNames[c] == name {
			return c, true
		}
	}
	return 0, false
}

type op struct {
	code opcode
	a, b float64
	s    string
}

type compiled struct {
	field Field
	key   string
	ops   []op
}

// Set is a compiled, immutable feature spec.
type Set struct {
	names []string
	feats []compiled
	index map[string]int
	pl    plan
}

// MaxFeatures bounds a feature spec.
const MaxFeatures = 512

// Error is a feature spec error; Path is relative to the feature list, e.g.
// "[3].transforms[1].std".
type Error struct{ Path, Msg string }

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// errAt makes the error of feature i. It is not inlined: inlined into
// Compile's error paths it made the wasm guest 7 KB larger.
//
//go:noinline
func errAt(i int, rest, msg string) error {
	return &Error{Path: "[" + strconv.Itoa(i) + "]" + rest, Msg: msg}
}

// Compile validates defs and prepares them for evaluation.
func Compile(defs []Def) (*Set, error) {
	if len(defs) == 0 {
		return nil, &Error{Path: "", Msg: "at least one feature is required"}
	}
	if len(defs) > MaxFeatures {
		return nil, &Error{Path: "", Msg: strconv.Itoa(len(defs)) + " features exceed the maximum " + strconv.Itoa(MaxFeatures)}
	}
	s := &Set{index: make(map[string]int, len(defs))}
	for i := range defs {
		d := &defs[i]
		if !validName(d.Name) {
			return nil, errAt(i, ".name", "must match [A-Za-z_][A-Za-z0-9_]* (got "+quote.String(d.Name)+")")
		}
		if j, dup := s.index[d.Name]; dup {
			return nil, errAt(i, ".name", quote.String(d.Name)+" duplicates features["+strconv.Itoa(j)+"]")
		}
		f, ok := ParseField(d.Field)
		if !ok {
			return nil, errAt(i, ".field", "unknown field "+quote.String(d.Field))
		}
		if (f == FieldAffinity) != (d.Key != "") {
			if f == FieldAffinity {
				return nil, errAt(i, ".key", "field affinity needs a category key")
			}
			return nil, errAt(i, ".key", "only field affinity takes a key")
		}
		c := compiled{field: f, key: d.Key}
		categorical := f.Categorical()
		for k := range d.Transforms {
			t := &d.Transforms[k]
			at := ".transforms[" + strconv.Itoa(k) + "]"
			code, ok := parseOp(t.Op)
			if !ok {
				return nil, errAt(i, at+".op", "unknown transform "+quote.String(t.Op))
			}
			o := op{code: code}
			if categorical {
				if k == 0 && code != opOnehot && code != opHash && code != opIsMissing {
					return nil, errAt(i, at+".op", "categorical field "+d.Field+" must first go through onehot, hash_bucket or is_missing")
				}
			} else if code == opOnehot || code == opHash {
				return nil, errAt(i, at+".op", t.Op+" applies to categorical fields only, not "+d.Field)
			}
			if k > 0 && (code == opOnehot || code == opHash) {
				return nil, errAt(i, at+".op", t.Op+" must be the first transform")
			}
			switch code {
			case opClip:
				if !finite(t.Min) || !finite(t.Max) || !(t.Min < t.Max) {
					return nil, errAt(i, at+".max", "clip needs finite min < max")
				}
				o.a, o.b = t.Min, t.Max
			case opStandardize:
				if !finite(t.Mean) {
					return nil, errAt(i, at+".mean", "must be finite")
				}
				if !finite(t.Std) || t.Std <= 0 {
					return nil, errAt(i, at+".std", "must be > 0")
				}
				o.a, o.b = t.Mean, t.Std
			case opOnehot:
				if t.Value == "" {
					return nil, errAt(i, at+".value", "onehot needs a value")
				}
				if err := checkEnumValue(f, t.Value); err != "" {
					return nil, errAt(i, at+".value", err)
				}
				o.s = t.Value
			case opHash:
				if t.Buckets < 2 || t.Buckets > 1<<20 {
					return nil, errAt(i, at+".buckets", "must be in [2, 1048576]")
				}
				o.a = float64(t.Buckets)
			case opSin, opCos:
				if !finite(t.Period) || t.Period <= 0 {
					return nil, errAt(i, at+".period", "must be > 0")
				}
				o.a = 2 * math.Pi / t.Period
			}
			c.ops = append(c.ops, o)
		}
		if categorical && len(c.ops) == 0 {
			return nil, errAt(i, ".transforms", "categorical field "+d.Field+" needs onehot, hash_bucket or is_missing")
		}
		s.index[d.Name] = i
		s.names = append(s.names, d.Name)
		s.feats = append(s.feats, c)
	}
	s.buildPlan()
	return s, nil
}

func checkEnumValue(f Field, v string) string {
	var names []string
	switch f {
	case FieldPageType:
		if _, ok := shopper.ParsePageType(v); ok {
			return ""
		}
		names = shopper.PageTypeNames()
	case FieldChannel:
		if _, ok := shopper.ParseChannel(v); ok {
			return ""
		}
		names = shopper.ChannelNames()
	case FieldDevice:
		if _, ok := shopper.ParseDevice(v); ok {
			return ""
		}
		names = shopper.DeviceNames()
	default:
		return ""
	}
	msg := quote.String(v) + " is not a " + f.String() + "; one of"
	for _, n := range names {
		msg += " " + n
	}
	return msg
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Len is the number of features.
func (s *Set) Len() int { return len(s.feats) }

// Name is feature i's name.
func (s *Set) Name(i int) string { return s.names[i] }

// Index returns the position of the feature named name.
func (s *Set) Index(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

// Field returns feature i's source field.
func (s *Set) Field(i int) Field { return s.feats[i].field }

// readFields reads every field of c (except per-key affinities) into raw
// and txt, with the same values Number and Text return.
func readFields(c *shopper.Context, d *Derived, raw *[numFields]float64, txt *[numFields]string) {
	readNums(c, d, raw)
	s, p := &c.Session, &c.Place
	txt[FieldPageType] = s.Page.String()
	txt[FieldChannel] = s.Channel.String()
	txt[FieldDevice] = s.Device.String()
	txt[FieldCategory] = s.Category
	txt[FieldSKU] = s.SKU
	txt[FieldCountry] = p.Country
	txt[FieldRegion] = p.Region
}

// HashString is FNV-1a-32 of s, the hash of hash_bucket (and of rule
// string codes), specified so that training code can reproduce it.
func HashString(s string) uint32 { return fnv1a.Sum32(s) }
