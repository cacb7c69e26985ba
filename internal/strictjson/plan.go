package strictjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// kind is the decoding strategy of a plan.
type kind uint8

const (
	kBool kind = iota
	kString
	kInt
	kUint
	kFloat32
	kFloat64
	kSlice
	kArray
	kMap
	kPtr
	kStruct
	kRaw  // json.RawMessage: the value's JSON text, verbatim
	kTime // time.Time: an RFC 3339 string, as encoding/json writes it
)

// plan is the compiled, immutable description of how to decode one Go type.
// Plans are built once per type and shared by all goroutines; recursive types
// produce cyclic plans.
type plan struct {
	kind kind
	typ  reflect.Type
	bits int   // kInt, kUint: width in bits
	elem *plan // kSlice, kArray, kMap (value), kPtr
	n    int   // kArray: length

	fields []field        // kStruct
	index  map[string]int // kStruct: JSON name → index into fields
}

// field is one decodable struct field.
type field struct {
	name  string // JSON name
	index int    // index of the field in the Go struct
	raw   bool   // ,raw: store the value's JSON text verbatim
	plan  *plan  // nil when raw
}

type cacheEntry struct {
	p   *plan
	err error
}

// planCache maps reflect.Type to *cacheEntry. Entries are never removed; the
// number of types in a program is bounded.
var planCache sync.Map

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonNumberType      = reflect.TypeFor[json.Number]()
	jsonRawMessageType  = reflect.TypeFor[json.RawMessage]()
	timeType            = reflect.TypeFor[time.Time]()
)

// planFor returns the plan for t, compiling and caching it on first use.
// Failures are cached too: a type that cannot be decoded never can be.
func planFor(t reflect.Type) (*plan, error) {
	if e, ok := planCache.Load(t); ok {
		ce := e.(*cacheEntry)
		return ce.p, ce.err
	}
	c := compiler{building: make(map[reflect.Type]*plan)}
	p, err := c.compile(t)
	if err != nil {
		if te, ok := err.(*typeError); ok && len(te.path) > 0 {
			te.path = append(te.path, t.String())
		}
		planCache.Store(t, &cacheEntry{err: err})
		return nil, err
	}
	// Every type reached from t compiled successfully: publish them all so
	// that other root types sharing them do not compile them again.
	for bt, bp := range c.building {
		planCache.LoadOrStore(bt, &cacheEntry{p: bp})
	}
	return p, nil
}

type compiler struct {
	// building holds the plans created by this compilation, including those
	// still being filled in (which is how recursive types terminate).
	building map[reflect.Type]*plan
}

func (c *compiler) compile(t reflect.Type) (*plan, error) {
	if p, ok := c.building[t]; ok {
		return p, nil
	}
	if e, ok := planCache.Load(t); ok {
		if ce := e.(*cacheEntry); ce.err == nil {
			return ce.p, nil
		}
	}
	if t == jsonRawMessageType {
		return &plan{typ: t, kind: kRaw}, nil
	}
	if t == timeType {
		return &plan{typ: t, kind: kTime}, nil
	}
	if t == jsonNumberType {
		return nil, &typeError{t: t, msg: "json.Number is not supported; use float64 or an integer type"}
	}
	if t.Kind() != reflect.Pointer {
		pt := reflect.PointerTo(t)
		if pt.Implements(jsonUnmarshalerType) {
			return nil, &typeError{t: t, msg: "types with an UnmarshalJSON method are not supported (for verbatim JSON use a []byte field with the ,raw tag option)"}
		}
		if pt.Implements(textUnmarshalerType) {
			return nil, &typeError{t: t, msg: "types with an UnmarshalText method are not supported"}
		}
	}

	p := &plan{typ: t}
	c.building[t] = p
	var err error
	switch t.Kind() {
	case reflect.Bool:
		p.kind = kBool
	case reflect.String:
		p.kind = kString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind, p.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		p.kind, p.bits = kUint, t.Bits()
	case reflect.Float32:
		p.kind = kFloat32
	case reflect.Float64:
		p.kind = kFloat64
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			err = &typeError{t: t, msg: "byte slices are only supported on struct fields with the ,raw tag option (base64 is not supported)"}
			break
		}
		p.kind = kSlice
		p.elem, err = c.compileElem(t.Elem(), "[]")
	case reflect.Array:
		p.kind, p.n = kArray, t.Len()
		p.elem, err = c.compileElem(t.Elem(), "[]")
	case reflect.Map:
		kt := t.Key()
		if kt.Kind() != reflect.String {
			err = &typeError{t: t, msg: "only maps with string keys are supported"}
			break
		}
		if reflect.PointerTo(kt).Implements(textUnmarshalerType) {
			err = &typeError{t: t, msg: "map keys with an UnmarshalText method are not supported"}
			break
		}
		p.kind = kMap
		p.elem, err = c.compileElem(t.Elem(), "[key]")
	case reflect.Pointer:
		// A pointer type that points (through pointers only) back to
		// itself, like `type P *P`, would decode forever without consuming
		// input.
		seen := map[reflect.Type]bool{t: true}
		for e := t.Elem(); e.Kind() == reflect.Pointer; e = e.Elem() {
			if seen[e] {
				err = &typeError{t: t, msg: "recursive pointer types are not supported"}
				break
			}
			seen[e] = true
		}
		if err != nil {
			break
		}
		p.kind = kPtr
		p.elem, err = c.compile(t.Elem())
	case reflect.Struct:
		p.kind = kStruct
		err = c.compileStruct(p)
	case reflect.Interface:
		err = &typeError{t: t, msg: "interface types are not supported; use a concrete type, or a []byte field with the ,raw tag option for verbatim JSON"}
	default:
		err = &typeError{t: t, msg: t.Kind().String() + " is not supported"}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (c *compiler) compileElem(t reflect.Type, step string) (*plan, error) {
	p, err := c.compile(t)
	if te, ok := err.(*typeError); ok {
		te.path = append(te.path, step)
	}
	return p, err
}

func (c *compiler) compileStruct(p *plan) error {
	t := p.typ
	p.index = make(map[string]int)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag, ok := sf.Tag.Lookup("json")
		if !ok || tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		} else if !validTagName(name) {
			return &typeError{t: t, msg: "field " + sf.Name + ": invalid json tag name " + strconv.Quote(name)}
		}
		f := field{name: name, index: i}
		for opts != "" {
			var o string
			o, opts, _ = strings.Cut(opts, ",")
			switch o {
			case "omitempty", "omitzero":
				// Encoding-only options.
			case "raw":
				f.raw = true
			case "string":
				return &typeError{t: t, msg: "field " + sf.Name + ": the ,string tag option is not supported"}
			default:
				return &typeError{t: t, msg: "field " + sf.Name + ": unknown tag option " + strconv.Quote(o)}
			}
		}
		if _, dup := p.index[name]; dup {
			return &typeError{t: t, msg: "two fields have the JSON name " + strconv.Quote(name)}
		}
		if f.raw {
			if sf.Type.Kind() != reflect.Slice || sf.Type.Elem().Kind() != reflect.Uint8 {
				return &typeError{t: t, msg: "field " + sf.Name + ": the ,raw tag option requires a []byte type, not " + sf.Type.String()}
			}
		} else {
			fp, err := c.compile(sf.Type)
			if err != nil {
				if te, ok := err.(*typeError); ok {
					te.path = append(te.path, "."+sf.Name)
				}
				return err
			}
			f.plan = fp
		}
		p.index[name] = len(p.fields)
		p.fields = append(p.fields, f)
	}
	return nil
}

// validTagName reports whether name is usable as a JSON name in a tag: the
// same characters encoding/json accepts (it silently falls back to the Go
// field name for anything else, which is why we reject instead).
func validTagName(name string) bool {
	for _, r := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", r):
		case unicode.IsLetter(r), unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}
