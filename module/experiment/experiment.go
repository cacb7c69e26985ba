// Package experiment assigns shoppers to experiment arms deterministically.
//
// Every host — native Go, the wasm guest, the JavaScript host, the control
// plane — must put a given shopper in the same arm, so the hash is specified
// here bit for bit and kept to 32-bit integer operations that JavaScript can
// reproduce with Math.imul and >>> 0:
//
//	h  = FNV-1a-32 over the bytes of salt, then one 0x00 byte, then shopperID
//	h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16
//	bucket = h mod 10000
//
// (the last line is MurmurHash3's fmix32 finalizer, which spreads FNV's weak
// low bits so that similar ids land in unrelated buckets).
//
// Arms are laid out on the 10,000 buckets so that ramping is monotone: arm 0
// (the control, normally the current champion) takes the buckets left at the
// bottom, and arms 1, 2, … are stacked down from the top in order. Raising
// the weight of arm k (taking it from arm 0) only extends arm k's range
// downwards: no shopper already in arm k leaves it, and arms 1…k−1 do not
// move. Arms after k shift down by the same amount; ramp the most recent arm
// (the last one) to avoid that.
package experiment

import "github.com/edgescore/edgescore/module/internal/fnv1a"

// Buckets is the number of buckets; weights are in basis points of it.
const Buckets = 10000

// Hash is the documented 32-bit bucketing hash of (salt, shopperID).
func Hash(salt, shopperID string) uint32 {
	h := fnv1a.Add(fnv1a.Offset, salt)
	h *= fnv1a.Prime // the 0x00 separator: h ^= 0 is a no-op
	h = fnv1a.Add(h, shopperID)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// Bucket returns the shopper's bucket in [0, Buckets).
func Bucket(salt, shopperID string) int {
	return int(Hash(salt, shopperID) % Buckets)
}

// Arm returns the arm whose range holds bucket, for arms with the given
// weights in basis points (summing to Buckets; arm 0 takes any remainder).
func Arm(weights []int, bucket int) int {
	top := Buckets
	for k := 1; k < len(weights); k++ {
		lo := top - weights[k]
		if bucket >= lo && bucket < top {
			return k
		}
		top = lo
	}
	return 0
}
