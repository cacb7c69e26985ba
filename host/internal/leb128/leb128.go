// Package leb128 writes the variable-length integers of the WebAssembly
// binary format (LEB128): what the host's module rewriter and its test
// module builder both emit. Reading stays with each decoder, which must
// report malformed input in its own terms.
package leb128

// AppendUnsigned appends v in unsigned LEB128.
func AppendUnsigned(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendSigned appends v in signed LEB128 (i32.const and i64.const
// immediates, block type indexes).
func AppendSigned(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
