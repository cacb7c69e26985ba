package editdist

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", -1, 0},
		{"kitten", "sitting", -1, 3},
		{"transform", "tranform", -1, 1},
		{"cart_value", "cart_valu", 2, 1},
		{"abc", "abcdefgh", 2, 3}, // length difference over the limit
		{"flaw", "lawn", -1, 2},
		{"abcd", "wxyz", 2, 3},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}
