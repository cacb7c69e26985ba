package bundle

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// writer appends the primitives of the binary encoding. Integers are
// unsigned LEB128 varints, floats IEEE-754 little-endian, strings and byte
// strings a varint length then the bytes.
type writer struct{ b []byte }

func (w *writer) u8(v uint8)       { w.b = append(w.b, v) }
func (w *writer) uvarint(v uint64) { w.b = appendUvarint(w.b, v) }
func (w *writer) int(v int)        { w.b = appendUvarint(w.b, zigzag(int64(v))) }
func (w *writer) f64(v float64)    { w.b = appendLE64(w.b, math.Float64bits(v)) }
func (w *writer) f32(v float32)    { w.b = appendLE32(w.b, math.Float32bits(v)) }
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
// here: decoding a valid bundle builds no path strings. It is not inlined:
// failing is the cold path, and inlined into every read it cost the wasm
// guest 6 KB.
//
//go:noinline
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
	v, n := uvarint(r.b[r.off:])
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
	u, n := uvarint(r.b[r.off:])
	v := unzigzag(u)
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
	v := math.Float64frombits(le64(r.b[r.off:]))
	r.off += 8
	return v
}

func (r *reader) f32(at, field string) float32 {
	if !r.need(4, at, field) {
		return 0
	}
	v := math.Float32frombits(le32(r.b[r.off:]))
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

// The helpers below are the parts of encoding/binary the encoding uses,
// with the same results. Importing encoding/binary would link package
// reflect into the wasm guest, which decodes bundles.

// appendUvarint appends v as an unsigned LEB128 varint (binary.AppendUvarint).
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// zigzag and unzigzag map signed integers to unsigned ones so small
// magnitudes stay short (binary.AppendVarint and binary.Varint).
func zigzag(v int64) uint64 {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	return u
}

func unzigzag(u uint64) int64 {
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// uvarint decodes an unsigned varint like binary.Uvarint: n > 0 is the
// number of bytes read, n == 0 means buf is too short, n < 0 that the
// value overflows 64 bits.
func uvarint(buf []byte) (uint64, int) {
	const maxLen = 10
	var x uint64
	var s uint
	for i, c := range buf {
		if i == maxLen {
			return 0, -(i + 1)
		}
		if c < 0x80 {
			if i == maxLen-1 && c > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}

func le16(b []byte) uint16 {
	_ = b[1] // one bounds check
	return uint16(b[0]) | uint16(b[1])<<8
}

func le32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLE32(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func appendLE32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendLE64(b []byte, v uint64) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24),
		byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
}
