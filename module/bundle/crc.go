package bundle

// checksum is CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
// bundle trailer's checksum, table-driven one byte at a time. It replaces
// hash/crc32, whose hardware and slicing-by-8 paths add 42 KB to the wasm
// guest for a function that runs once per bundle load.
func checksum(b []byte) uint32 {
	c := ^uint32(0)
	for _, v := range b {
		c = crcTable[byte(c)^v] ^ c>>8
	}
	return ^c
}

var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = c>>1 ^ 0x82F63B78
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()
