package bundle

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

// writer appends the primitives of the binary encoding. Integers are
// unsigned LEB128 varints, floats IEEE-754 little-endian, strings and byte
// strings a varint length then the bytes.
type writer struct{ b []byte }

func (w *writer) u8(v uint8)       { w.b = append(w.b, v) }
func (w *writer) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) int(v int)        { w.b = binary.AppendVarint(w.b, int64(v)) }
func (w *writer) f64(v float64)    { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }
func (w *writer) f32(v float32)    { w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(v)) }
func (w *writer) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) boolean(v bool)   { w.u8(b2u8(v)) }
func (w *writer) count(n int)      { w.uvarint(uint64(n)) }
func (w *writer) strs(ss []string) {
	w.count(len(ss))
	for _, s := range ss {
		w.str(s)
	}
}
func (w *writer) f64s(vs []float64) {
	w.count(len(vs))
	for _, v := range vs {
		w.f64(v)
	}
}

func b2u8(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}

// reader decodes the primitives with bounds checks everywhere. The first
// failure sticks: later reads return zero values and the caller reports err
// once, so decoding code stays linear.
type reader struct {
	b   []byte
	off int
	err *Error
}

// fail records the first error. The path comes in two parts, joined only
// here: decoding a valid bundle builds no path strings.
func (r *reader) fail(at, field, msg string) {
	if r.err == nil {
		r.err = &Error{Path: at + field, Offset: r.off, Msg: msg}
	}
}

func (r *reader) need(n int, at, field string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail(at, field, "truncated")
		return false
	}
	return true
}

func (r *reader) u8(at, field string) uint8 {
	if !r.need(1, at, field) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) boolean(at, field string) bool {
	v := r.u8(at, field)
	if v > 1 {
		r.off--
		r.fail(at, field, "boolean byte "+strconv.Itoa(int(v))+" is neither 0 nor 1")
		return false
	}
	return v == 1
}

func (r *reader) uvarint(at, field string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail(at, field, "bad varint")
		return 0
	}
	r.off += n
	return v
}

func (r *reader) int(at, field string) int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.fail(at, field, "bad varint")
		return 0
	}
	if v > math.MaxInt32 || v < math.MinInt32 {
		r.fail(at, field, "integer out of range")
		return 0
	}
	r.off += n
	return int(v)
}

func (r *reader) f64(at, field string) float64 {
	if !r.need(8, at, field) {
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	r.off += 8
	return v
}

func (r *reader) f32(at, field string) float32 {
	if !r.need(4, at, field) {
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(r.b[r.off:]))
	r.off += 4
	return v
}

// count reads an element count and bounds it by limit and by the bytes
// left (every element takes at least minSize bytes), so a corrupted count
// cannot make the decoder allocate gigabytes or loop for long.
func (r *reader) count(at, field string, limit, minSize int) int {
	start := r.off
	v := r.uvarint(at, field)
	if r.err != nil {
		return 0
	}
	if v > uint64(limit) {
		r.off = start
		r.fail(at, field, "count "+strconv.FormatUint(v, 10)+" exceeds the limit "+strconv.Itoa(limit))
		return 0
	}
	if v*uint64(minSize) > uint64(len(r.b)-r.off) {
		r.off = start
		r.fail(at, field, "count "+strconv.FormatUint(v, 10)+" is larger than the bytes left")
		return 0
	}
	return int(v)
}

func (r *reader) str(at, field string) string {
	n := r.count(at, field, 1<<20, 1)
	if !r.need(n, at, field) {
		return ""
	}
	s := r.b[r.off : r.off+n]
	if !utf8.Valid(s) {
		r.fail(at, field, "string is not valid UTF-8")
		return ""
	}
	r.off += n
	return string(s)
}

func (r *reader) strs(at, field string, limit int) []string {
	n := r.count(at, field, limit, 1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str(at, field)
	}
	return out
}

func (r *reader) f64s(at, field string, limit int) []float64 {
	n := r.count(at, field, limit, 8)
	if n == 0 {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = r.f64(at, field)
	}
	return out
}
