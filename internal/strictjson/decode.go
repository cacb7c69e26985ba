package strictjson

import (
	"errors"
	"github.com/edgescore/edgescore/internal/editdist"
	"math"
	"reflect"
	"strconv"
	"time"
)

// defaultMaxDepth is the nesting limit used when no MaxDepth option is given.
const defaultMaxDepth = 64

// hardMaxDepth caps MaxDepth so that the (recursive) decoder's stack stays
// small whatever the option says. encoding/json uses the same limit.
const hardMaxDepth = 10000

type config struct {
	maxDepth int
	nullNaN  bool
}

// Option changes how Unmarshal decodes.
type Option func(*config)

// MaxDepth sets the maximum nesting of arrays and objects (default 64). A
// document nested deeper is rejected with an *Error at the first container
// over the limit. A bare scalar has depth 0, `{}` and `[]` depth 1. Values
// below 1 select the default; values above 10000 are treated as 10000. The
// limit also applies inside ,raw fields.
func MaxDepth(n int) Option {
	return func(c *config) { c.maxDepth = n }
}

// NullFloatNaN makes JSON null decode into a float32 or float64 as NaN, the
// "missing" marker of the scoring models, instead of being an error. It does
// not affect pointers (null always sets a pointer to nil).
func NullFloatNaN() Option {
	return func(c *config) { c.nullNaN = true }
}

// Unmarshal decodes data into v (a non-nil pointer to a struct, slice, map, or
// basic value). See the package documentation for the rules.
//
// Input problems are returned as *Error; an unsupported Go type or a bad v is
// reported with a plain error. On error, v may have been partially updated.
func Unmarshal(data []byte, v any, opts ...Option) error {
	cfg := config{maxDepth: defaultMaxDepth}
	if len(opts) > 0 {
		cfg = applyOptions(opts)
	}
	if cfg.maxDepth < 1 {
		cfg.maxDepth = defaultMaxDepth
	}
	if cfg.maxDepth > hardMaxDepth {
		cfg.maxDepth = hardMaxDepth
	}

	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		if v == nil {
			return errors.New("strictjson: Unmarshal(nil)")
		}
		return errors.New("strictjson: Unmarshal(non-pointer " + rv.Type().String() + ")")
	}
	if rv.IsNil() {
		return errors.New("strictjson: Unmarshal(nil " + rv.Type().String() + ")")
	}
	p, err := planFor(rv.Type().Elem())
	if err != nil {
		return err
	}

	d := decoder{data: data, maxDepth: cfg.maxDepth, nullNaN: cfg.nullNaN}
	if e := d.value(p, rv.Elem()); e != nil {
		return e.toError()
	}
	d.skipWS()
	if d.pos < len(d.data) {
		return d.syntaxErr("after top-level value").toError()
	}
	return nil
}

// applyOptions is separate from Unmarshal so that the config escapes to the
// heap (options are opaque functions) only when options are given.
func applyOptions(opts []Option) config {
	cfg := &config{maxDepth: defaultMaxDepth}
	for _, o := range opts {
		if o != nil {
			o(cfg)
		}
	}
	return *cfg
}

type decoder struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	nullNaN  bool
	buf      []byte // scratch space for strings with escapes
}

// value decodes the next JSON value into v, which is settable and of type
// p.typ.
func (d *decoder) value(p *plan, v reflect.Value) *decodeError {
	d.skipWS()
	if d.pos >= len(d.data) {
		return d.eof()
	}
	c := d.data[d.pos]
	switch p.kind {
	case kStruct:
		if c != '{' {
			return d.mismatch("object", p)
		}
		return d.object(p, v)
	case kSlice:
		if c == 'n' {
			return d.null(v) // null is an absent list, as encoding/json writes a nil slice
		}
		if c != '[' {
			return d.mismatch("array", p)
		}
		return d.slice(p, v)
	case kArray:
		if c != '[' {
			return d.mismatch("array", p)
		}
		return d.array(p, v)
	case kMap:
		if c == 'n' {
			return d.null(v) // null is an absent map, as encoding/json writes a nil map
		}
		if c != '{' {
			return d.mismatch("object", p)
		}
		return d.mapValue(p, v)
	case kRaw:
		return d.raw(v)
	case kTime:
		if c != '"' {
			return d.mismatch("string (RFC 3339 time)", p)
		}
		off := d.pos
		b, err := d.readString()
		if err != nil {
			return err
		}
		tm, perr := time.Parse(time.RFC3339Nano, string(b))
		if perr != nil {
			return errAt(off, "%q is not an RFC 3339 time", b)
		}
		v.Set(reflect.ValueOf(tm))
		return nil
	case kPtr:
		if c == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(p.typ.Elem()))
		}
		return d.value(p.elem, v.Elem())
	case kString:
		if c != '"' {
			return d.mismatch("string", p)
		}
		b, err := d.readString()
		if err != nil {
			return err
		}
		v.SetString(string(b))
		return nil
	case kBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
			return nil
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			v.SetBool(false)
			return nil
		}
		return d.mismatch("boolean", p)
	case kFloat64, kFloat32:
		if c == 'n' && d.nullNaN {
			if err := d.literal("null"); err != nil {
				return err
			}
			v.SetFloat(math.NaN())
			return nil
		}
		if c != '-' && !isDigit(c) {
			return d.mismatch("number", p)
		}
		return d.float(p, v)
	case kInt, kUint:
		if c != '-' && !isDigit(c) {
			return d.mismatch("number", p)
		}
		return d.integer(p, v)
	}
	return errAt(d.pos, "internal error: no decoder for %s", p.typ)
}

// mismatch reports that the value at d.pos is not what p needs. It checks
// the value's first token, so that malformed input is reported as a syntax
// error rather than as a type mismatch.
func (d *decoder) mismatch(want string, p *plan) *decodeError {
	off := d.pos
	var got string
	switch d.data[off] {
	case 'n':
		if err := d.literal("null"); err != nil {
			return err
		}
		return errAt(off, "null not allowed for %s", p.typ)
	case 't':
		if err := d.literal("true"); err != nil {
			return err
		}
		got = "boolean"
	case 'f':
		if err := d.literal("false"); err != nil {
			return err
		}
		got = "boolean"
	case '"':
		got = "string"
	case '{':
		got = "object"
	case '[':
		got = "array"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if _, _, err := d.scanNumber(); err != nil {
			return err
		}
		got = "number"
	default:
		return d.syntaxErr("looking for beginning of value")
	}
	return errAt(off, "expected %s, got %s", want, got)
}

// object decodes a JSON object (d.pos at '{') into the struct v.
func (d *decoder) object(p *plan, v reflect.Value) *decodeError {
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	// Fields already seen, for duplicate detection.
	var seen uint64
	var seenMany []uint64
	if len(p.fields) > 64 {
		seenMany = make([]uint64, (len(p.fields)+63)/64)
	}
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.syntaxErr("looking for beginning of object key string")
		}
		keyOff := d.pos
		kb, err := d.readString()
		if err != nil {
			return err
		}
		fi, ok := p.index[string(kb)]
		if !ok {
			key := string(kb)
			return errAt(keyOff, "%s", unknownFieldMsg(p, key)).atKey(key)
		}
		f := &p.fields[fi]
		if seenMany == nil {
			if seen&(1<<fi) != 0 {
				return errAt(keyOff, "duplicate key").atKey(f.name)
			}
			seen |= 1 << fi
		} else {
			if seenMany[fi/64]&(1<<(fi%64)) != 0 {
				return errAt(keyOff, "duplicate key").atKey(f.name)
			}
			seenMany[fi/64] |= 1 << (fi % 64)
		}
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.syntaxErr("after object key")
		}
		d.pos++
		fv := v.Field(f.index)
		if f.raw {
			err = d.raw(fv)
		} else {
			err = d.value(f.plan, fv)
		}
		if err != nil {
			return err.atKey(f.name)
		}
		if done, err := d.afterItem('}', afterMember); err != nil || done {
			return err
		}
	}
}

// null consumes a null literal and sets v to its zero value (nil).
func (d *decoder) null(v reflect.Value) *decodeError {
	if err := d.literal("null"); err != nil {
		return err
	}
	v.SetZero()
	return nil
}

// raw stores the JSON text of the next value, verbatim, into the []byte v.
func (d *decoder) raw(v reflect.Value) *decodeError {
	d.skipWS()
	start := d.pos
	if err := d.skipValue(); err != nil {
		return err
	}
	b := make([]byte, d.pos-start)
	copy(b, d.data[start:d.pos])
	v.SetBytes(b)
	return nil
}

// mapValue decodes a JSON object (d.pos at '{') into a new map stored in v.
func (d *decoder) mapValue(p *plan, v reflect.Value) *decodeError {
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++
	m := reflect.MakeMap(p.typ)
	v.Set(m)
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	kv := reflect.New(p.typ.Key()).Elem()
	elem := reflect.New(p.typ.Elem()).Elem()
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.syntaxErr("looking for beginning of object key string")
		}
		keyOff := d.pos
		kb, err := d.readString()
		if err != nil {
			return err
		}
		key := string(kb)
		kv.SetString(key)
		if m.MapIndex(kv).IsValid() {
			return errAt(keyOff, "duplicate key").atKey(key)
		}
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.syntaxErr("after object key")
		}
		d.pos++
		elem.SetZero()
		if err := d.value(p.elem, elem); err != nil {
			return err.atKey(key)
		}
		m.SetMapIndex(kv, elem)
		if done, err := d.afterItem('}', afterMember); err != nil || done {
			return err
		}
	}
}

// slice decodes a JSON array (d.pos at '[') into a new slice stored in v.
func (d *decoder) slice(p *plan, v reflect.Value) *decodeError {
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++
	if p.typ == float64SliceType && v.CanAddr() {
		return d.float64Slice(v.Addr().Interface().(*[]float64))
	}
	// A fresh, empty (non-nil) slice: whatever v held is replaced.
	v.Set(reflect.MakeSlice(p.typ, 0, 0))
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for i := 0; ; i++ {
		if i == v.Cap() {
			v.Grow(1)
		}
		v.SetLen(i + 1)
		if err := d.value(p.elem, v.Index(i)); err != nil {
			return err.atIndex(i)
		}
		if done, err := d.afterItem(']', afterElement); err != nil || done {
			return err
		}
	}
}

// array decodes a JSON array (d.pos at '[') of exactly p.n elements into
// the Go array v, in place.
func (d *decoder) array(p *plan, v reflect.Value) *decodeError {
	start := d.pos
	if err := d.enter(); err != nil {
		return err
	}
	d.pos++
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		if p.n != 0 {
			return errAt(start, "expected array of %d elements, got 0", p.n)
		}
		d.pos++
		d.depth--
		return nil
	}
	for i := 0; ; i++ {
		if i < p.n {
			if err := d.value(p.elem, v.Index(i)); err != nil {
				return err.atIndex(i)
			}
		} else if err := d.skipValue(); err != nil {
			// Counting the surplus elements for the error message.
			return err.atIndex(i)
		}
		done, err := d.afterItem(']', afterElement)
		if err != nil {
			return err
		}
		if done {
			if i+1 != p.n {
				return errAt(start, "expected array of %d elements, got %d", p.n, i+1)
			}
			return nil
		}
	}
}

var float64SliceType = reflect.TypeFor[[]float64]()

// float64Slice is slice specialised for []float64, the most common array in
// bundles, without reflection per element. The '[' has been consumed and
// the depth entered.
func (d *decoder) float64Slice(s *[]float64) *decodeError {
	out := make([]float64, 0)
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		*s = out
		return nil
	}
	for i := 0; ; i++ {
		d.skipWS()
		if d.pos >= len(d.data) {
			return d.eof().atIndex(i)
		}
		var f float64
		c := d.data[d.pos]
		switch {
		case c == '-' || isDigit(c):
			var err *decodeError
			if f, err = d.parseFloat(64); err != nil {
				return err.atIndex(i)
			}
		case c == 'n' && d.nullNaN:
			if err := d.literal("null"); err != nil {
				return err.atIndex(i)
			}
			f = math.NaN()
		default:
			return d.mismatch("number", floatPlan).atIndex(i)
		}
		out = append(out, f)
		done, err := d.afterItem(']', afterElement)
		if err != nil {
			return err
		}
		if done {
			*s = out
			return nil
		}
	}
}

var floatPlan = &plan{kind: kFloat64, typ: reflect.TypeFor[float64]()}

// float decodes the number at d.pos into the float32 or float64 v.
func (d *decoder) float(p *plan, v reflect.Value) *decodeError {
	bits := 64
	if p.kind == kFloat32 {
		bits = 32
	}
	f, err := d.parseFloat(bits)
	if err != nil {
		return err
	}
	v.SetFloat(f)
	return nil
}

// parseFloat consumes the number at d.pos and converts it to a float of
// the given size, correctly rounded; overflow is an error.
func (d *decoder) parseFloat(bits int) (float64, *decodeError) {
	start, plain, err := d.scanNumber()
	if err != nil {
		return 0, err
	}
	lit := d.data[start:d.pos]
	// Fast path: a short integer is exactly representable, and converting
	// it to float32 rounds once.
	if plain && len(lit) <= 15 {
		if n, ok := smallInt(lit); ok {
			if n == 0 && lit[0] == '-' {
				return math.Copysign(0, -1), nil
			}
			return float64(n), nil
		}
	}
	f, perr := strconv.ParseFloat(string(lit), bits)
	if perr != nil || math.IsInf(f, 0) {
		return 0, errAt(start, "%s out of range for float%d", literalForMsg(lit), bits)
	}
	return f, nil
}

// smallInt parses an optionally negative run of at most 18 digits.
func smallInt(lit []byte) (int64, bool) {
	neg := false
	if len(lit) > 0 && lit[0] == '-' {
		neg, lit = true, lit[1:]
	}
	if len(lit) == 0 || len(lit) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range lit {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// integer decodes the number at d.pos into the signed or unsigned integer v.
// Any JSON number whose value is an integer in range is accepted: 3, 3.0,
// 3e0 and 30e-1 all decode as 3.
func (d *decoder) integer(p *plan, v reflect.Value) *decodeError {
	start, plain, err := d.scanNumber()
	if err != nil {
		return err
	}
	lit := d.data[start:d.pos]
	var mag uint64
	var neg, ok bool
	if plain && len(lit) <= 19 { // at most 18 digits after a '-'
		var n int64
		if n, ok = smallInt(lit); ok {
			neg = n < 0 || (n == 0 && lit[0] == '-')
			if n < 0 {
				mag = uint64(-n)
			} else {
				mag = uint64(n)
			}
		}
	}
	if !ok {
		var integral bool
		mag, neg, integral, ok = parseIntegral(lit)
		if !integral {
			return errAt(start, "%s is not an integer", literalForMsg(lit))
		}
	}
	if ok {
		if p.kind == kInt {
			limit := uint64(1) << (p.bits - 1) // |min|; max is limit-1
			if neg && mag <= limit {
				v.SetInt(int64(-mag)) // two's complement: correct for mag == limit too
				return nil
			}
			if !neg && mag < limit {
				v.SetInt(int64(mag))
				return nil
			}
		} else {
			max := uint64(math.MaxUint64) >> (64 - p.bits)
			if (!neg || mag == 0) && mag <= max {
				v.SetUint(mag)
				return nil
			}
		}
	}
	return errAt(start, "%s out of range for %s", literalForMsg(lit), p.typ.Kind())
}

// parseIntegral evaluates the JSON number lit exactly. integral reports
// whether its value is a whole number; if so, ok reports whether its
// magnitude fits in a uint64, and mag and neg are its magnitude and sign.
func parseIntegral(lit []byte) (mag uint64, neg, integral, ok bool) {
	if lit[0] == '-' {
		neg, lit = true, lit[1:]
	}
	// Split into the digits of the mantissa (integer and fraction parts
	// concatenated) and a decimal exponent.
	intEnd := 0
	for intEnd < len(lit) && isDigit(lit[intEnd]) {
		intEnd++
	}
	digits := lit[:intEnd]
	rest := lit[intEnd:]
	var frac []byte
	if len(rest) > 0 && rest[0] == '.' {
		k := 1
		for k < len(rest) && isDigit(rest[k]) {
			k++
		}
		frac, rest = rest[1:k], rest[k:]
	}
	var exp int64
	if len(rest) > 0 { // 'e' or 'E'
		rest = rest[1:]
		expNeg := false
		if rest[0] == '+' || rest[0] == '-' {
			expNeg, rest = rest[0] == '-', rest[1:]
		}
		for _, c := range rest {
			if exp < 1<<40 { // saturate: any larger exponent is out of range anyway
				exp = exp*10 + int64(c-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
	}
	exp -= int64(len(frac))

	// Value = (digits ++ frac) × 10^exp. Drop leading and trailing zeros.
	first, last := -1, -1 // indexes into the concatenation
	n := len(digits) + len(frac)
	at := func(i int) byte {
		if i < len(digits) {
			return digits[i]
		}
		return frac[i-len(digits)]
	}
	for i := 0; i < n; i++ {
		if at(i) != '0' {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, neg, true, true // zero
	}
	exp += int64(n - 1 - last)
	if exp < 0 {
		return 0, neg, false, false
	}
	// Significant digits plus zeros: uint64 has at most 20 digits.
	if int64(last-first+1)+exp > 20 {
		return 0, neg, true, false
	}
	for i := first; i <= last; i++ {
		dgt := uint64(at(i) - '0')
		if mag > (math.MaxUint64-dgt)/10 {
			return 0, neg, true, false
		}
		mag = mag*10 + dgt
	}
	for ; exp > 0; exp-- {
		if mag > math.MaxUint64/10 {
			return 0, neg, true, false
		}
		mag *= 10
	}
	return mag, neg, true, true
}

// unknownFieldMsg is the message for key, which is not a field of p; it
// suggests a close field name, for typos.
func unknownFieldMsg(p *plan, key string) string {
	const maxLen = 64
	if len(key) > maxLen {
		return "unknown field"
	}
	best, bestDist := "", 3 // suggest only within edit distance 2
	for i := range p.fields {
		name := p.fields[i].name
		if len(name) > maxLen {
			continue
		}
		if dist := editdist.Distance(key, name, -1); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	if best == "" {
		return "unknown field"
	}
	return "unknown field (did you mean " + strconv.Quote(best) + "?)"
}
