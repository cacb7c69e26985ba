package rule

import "math"

// parseNumber returns the float64 nearest to text, a number as the lexer
// accepts it (digits [ "." digits ] [ ("e"|"E") ["+"|"-"] digits ]), ties
// to even: the result of strconv.ParseFloat(text, 64). ok is false when the
// number rounds beyond the largest float64, where ParseFloat fails.
//
// It replaces ParseFloat because rules are compiled in the wasm guest, and
// ParseFloat links 34 KB of code there: its fast paths (Eisel-Lemire for both
// float sizes), hex floats, infinities, and the error type whose message
// quotes the input, which in turn links strconv's general quoting. Rule
// numbers are few and compiled once per bundle, so one exact method suffices:
// the number is an integer D times 10^e; D·2^s / 10^-e (or D·10^e / 2^-s) is
// divided out in big integers to 63 or 64 bits plus a sticky remainder bit,
// and rounded once to the float64's precision.
func parseNumber(text string) (float64, bool) {
	var digits []byte // significant digits, no leading zeros
	exp := 0          // value = digits × 10^exp
	zeros := 0        // trailing zeros not yet in digits
	point := false
	i := 0
	for ; i < len(text) && text[i] != 'e' && text[i] != 'E'; i++ {
		c := text[i]
		switch {
		case c == '.':
			point = true
			continue
		case c == '0':
			zeros++ // appended only if a non-zero digit follows
		default:
			if len(digits) > 0 {
				for ; zeros > 0; zeros-- {
					digits = append(digits, '0')
				}
			}
			zeros = 0
			digits = append(digits, c)
		}
		if point {
			exp--
		}
	}
	exp += zeros
	if i < len(text) { // exponent
		i++
		neg := text[i] == '-'
		if text[i] == '+' || neg {
			i++
		}
		e := 0
		for ; i < len(text); i++ {
			if e < 1e6 { // beyond any float64 either way
				e = e*10 + int(text[i]-'0')
			}
		}
		if neg {
			e = -e
		}
		exp += e
	}
	if len(digits) == 0 {
		return 0, true
	}
	// 10^(mag-1) ≤ value < 10^mag.
	switch mag := len(digits) + exp; {
	case mag > 310: // ≥ 10^309
		return 0, false
	case mag < -330: // < 10^-331, under half the smallest float64
		return 0, true
	}

	// value = num / den exactly.
	num, den := nat{0}, nat{1}
	for _, c := range digits {
		num = num.mulAdd(10, uint32(c-'0'))
	}
	for ; exp > 0; exp-- {
		num = num.mulAdd(10, 0)
	}
	for ; exp < 0; exp++ {
		den = den.mulAdd(10, 0)
	}
	// Scale by 2^s so the quotient q has 63 or 64 bits: value = q·2^-s.
	s := 63 - (num.bitLen() - den.bitLen())
	if s > 0 {
		num = num.shl(s)
	} else {
		den = den.shl(-s)
	}
	var q uint64
	d := den.shl(63)
	for b := 63; b >= 0; b-- {
		if num.cmp(d) >= 0 {
			num.sub(d)
			q |= 1 << b
		}
		d.shr1()
	}
	sticky := num.bitLen() > 0

	// Keep 53 bits, fewer for a subnormal, and round half to even.
	l := 64
	for q>>(l-1) == 0 {
		l--
	}
	e2 := l - 1 - s // exponent of the leading bit
	keep := 53
	if e2 < -1022 {
		keep = e2 + 1075 // down to the bit of 2^-1074
	}
	drop := l - keep
	if drop > 64 {
		return 0, true
	}
	m := q >> drop
	rem, half := q&(1<<drop-1), uint64(1)<<(drop-1)
	if rem > half || rem == half && (sticky || m&1 == 1) {
		m++
	}
	if keep < 53 { // subnormal: m·2^-1074, or the smallest normal if m carried to 2^52
		return math.Float64frombits(m), true
	}
	if m == 1<<53 {
		m >>= 1
		e2++
	}
	if e2 > 1023 {
		return 0, false
	}
	return math.Float64frombits(uint64(e2+1023)<<52 | m&(1<<52-1)), true
}

// nat is a non-negative big integer, 32-bit limbs, least significant
// first, with no high zero limbs except for zero itself ({0}).
type nat []uint32

// mulAdd returns x·m + a.
func (x nat) mulAdd(m, a uint32) nat {
	carry := uint64(a)
	for i, v := range x {
		t := uint64(v)*uint64(m) + carry
		x[i], carry = uint32(t), t>>32
	}
	if carry != 0 {
		x = append(x, uint32(carry))
	}
	return x
}

// shl returns a new nat, x·2^n.
func (x nat) shl(n int) nat {
	w, b := n/32, uint(n%32)
	z := make(nat, len(x)+w+1)
	for i, v := range x {
		z[i+w] |= v << b
		if b > 0 {
			z[i+w+1] = v >> (32 - b)
		}
	}
	return z.norm()
}

// shr1 halves x in place.
func (x *nat) shr1() {
	z := *x
	for i := range z {
		z[i] >>= 1
		if i+1 < len(z) {
			z[i] |= z[i+1] << 31
		}
	}
	*x = z.norm()
}

// sub sets x to x−y; x ≥ y.
func (x *nat) sub(y nat) {
	z := *x
	var borrow uint64
	for i := range z {
		var v uint64
		if i < len(y) {
			v = uint64(y[i])
		}
		t := uint64(z[i]) - v - borrow
		z[i], borrow = uint32(t), t>>63
	}
	*x = z.norm()
}

func (x nat) cmp(y nat) int {
	if len(x) != len(y) {
		return len(x) - len(y)
	}
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (x nat) bitLen() int {
	top := x[len(x)-1]
	n := 32 * (len(x) - 1)
	for ; top != 0; top >>= 1 {
		n++
	}
	return n
}

func (x nat) norm() nat {
	for len(x) > 1 && x[len(x)-1] == 0 {
		x = x[:len(x)-1]
	}
	return x
}
