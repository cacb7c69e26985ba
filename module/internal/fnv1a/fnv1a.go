// Package fnv1a is the 32-bit FNV-1a hash over a string, without the
// allocation of hash/fnv's interface. Three specified hashes build on it —
// feature hash buckets, rule string codes and experiment bucketing — and
// every host (Go, wasm, JavaScript) must reproduce them bit for bit.
package fnv1a

// Offset and Prime are FNV-1a-32's parameters.
const (
	Offset = 2166136261
	Prime  = 16777619
)

// Sum32 is FNV-1a-32 of s.
func Sum32(s string) uint32 { return Add(Offset, s) }

// Add continues a hash h with the bytes of s.
func Add(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= Prime
	}
	return h
}
