package experiment

import (
	"strconv"
	"testing"
)

// Known answers, computed by hand from the specification in the package doc
// with Python (see testdata/hash_golden.py), so a host in another language
// can check itself against the same table.
func TestHashKnownAnswers(t *testing.T) {
	for _, tc := range goldenHashes {
		if got := Hash(tc.salt, tc.id); got != tc.hash {
			t.Errorf("Hash(%q, %q) = %d, want %d", tc.salt, tc.id, got, tc.hash)
		}
		if got := Bucket(tc.salt, tc.id); got != int(tc.hash%Buckets) {
			t.Errorf("Bucket(%q, %q) = %d", tc.salt, tc.id, got)
		}
	}
}

func TestArmLayout(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		bucket  int
		want    int
	}{
		{"single arm", []int{10000}, 9999, 0},
		{"control bottom", []int{8000, 2000}, 7999, 0},
		{"challenger top", []int{8000, 2000}, 8000, 1},
		{"challenger last", []int{8000, 2000}, 9999, 1},
		{"three arms, arm 2 below arm 1", []int{7000, 2000, 1000}, 7500, 2},
		{"three arms, arm 1", []int{7000, 2000, 1000}, 8000, 1},
		{"three arms, control", []int{7000, 2000, 1000}, 6999, 0},
		{"zero-weight arm never chosen", []int{9000, 0, 1000}, 9999, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Arm(tc.weights, tc.bucket); got != tc.want {
				t.Fatalf("Arm(%v, %d) = %d, want %d", tc.weights, tc.bucket, got, tc.want)
			}
		})
	}
}

// TestRampIsMonotone: raising an arm's weight never moves a shopper who was
// in that arm out of it — for the last arm of two, and for arm 2 of three
// while arm 1 stays at 3% — and the arm's share follows its weight.
func TestRampIsMonotone(t *testing.T) {
	ids := make([]string, 20000)
	for i := range ids {
		ids[i] = "shopper-" + strconv.Itoa(i)
	}
	layouts := []struct {
		name    string
		arm     int
		weights func(w int) []int
	}{
		{"canary of two arms", 1, func(w int) []int { return []int{10000 - w, w} }},
		{"arm 2 of three", 2, func(w int) []int { return []int{9700 - w, 300, w} }},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			was := make([]bool, len(ids))
			for _, w := range []int{0, 100, 500, 1000, 2500, 5000, 9700} {
				in := 0
				for i, id := range ids {
					now := Arm(l.weights(w), Bucket("salt-1", id)) == l.arm
					if was[i] && !now {
						t.Fatalf("weight %d: %s left the arm", w, id)
					}
					was[i] = now
					if now {
						in++
					}
				}
				share, want := float64(in)/float64(len(ids)), float64(w)/Buckets
				if d := share - want; d > 0.015 || d < -0.015 {
					t.Errorf("weight %d: share %.4f, want %.4f", w, share, want)
				}
			}
		})
	}
}

func TestBucketUniform(t *testing.T) {
	var counts [10]int
	n := 100000
	for i := 0; i < n; i++ {
		counts[Bucket("s", "id"+strconv.Itoa(i))/1000]++
	}
	for i, c := range counts {
		if c < n/10-600 || c > n/10+600 { // ~6.3 sd
			t.Errorf("decile %d has %d of %d", i, c, n)
		}
	}
}

func BenchmarkBucket(b *testing.B) {
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = "c0ffee-shopper-" + strconv.Itoa(i*7919)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = Bucket("exp-2026-11", ids[i&1023])
	}
}
