package bundle

import (
	"encoding/binary"
)

// HeaderSize is exported for the external tests.
const HeaderSize = headerSize

// Reseal recomputes the header length and checksum after a test edits the
// payload, so the decoder gets past them to the part under test.
func Reseal(b []byte) []byte {
	body := b[:len(b)-4]
	binary.LittleEndian.PutUint32(body[6:], uint32(len(body)-headerSize))
	binary.LittleEndian.PutUint32(b[len(b)-4:], checksum(body))
	return b
}
