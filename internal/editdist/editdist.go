// Package editdist measures how far apart two names are, for the "did you
// mean …?" hints of the strict JSON decoder and the rule compiler.
package editdist

// Distance is the Levenshtein distance between a and b, in bytes, or
// limit+1 when it exceeds limit (checked cheaply first on the lengths, so a
// hint search over long names costs little). A negative limit means none.
func Distance(a, b string, limit int) int {
	if limit >= 0 {
		if d := len(a) - len(b); d > limit || -d > limit {
			return limit + 1
		}
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	if limit >= 0 && prev[len(b)] > limit {
		return limit + 1
	}
	return prev[len(b)]
}
