package bundle

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// The bundle checksum is exactly the standard library's CRC-32C.
func TestChecksumIsCRC32C(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	r := rand.New(rand.NewPCG(1, 1))
	for n := 0; n < 2000; n += 1 + n/10 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if got, want := checksum(b), crc32.Checksum(b, tab); got != want {
			t.Fatalf("len %d: %#x, want %#x", n, got, want)
		}
	}
	// The check value of CRC-32C ("123456789").
	if got := checksum([]byte("123456789")); got != 0xE3069283 {
		t.Fatalf("check value %#x", got)
	}
}
