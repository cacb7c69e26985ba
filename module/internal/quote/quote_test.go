package quote

import (
	"strconv"
	"testing"
	"unicode/utf8"
)

func TestFirstRuneEveryCodePoint(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		s := string(r) + "x"
		if got, want := FirstRune(s), strconv.QuoteRune(r); got != want {
			t.Fatalf("FirstRune(%q) = %s, want %s", s, got, want)
		}
	}
	for _, s := range []string{"\xff", "\x80x", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3"} {
		r, _ := utf8.DecodeRuneInString(s)
		if got, want := FirstRune(s), strconv.QuoteRune(r); got != want {
			t.Errorf("FirstRune(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestStringEveryCodePoint(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		s := "a" + string(r) + "\"\\"
		if got, want := String(s), strconv.Quote(s); got != want {
			t.Fatalf("String(%q) = %s, want %s", s, got, want)
		}
	}
}

var samples = []string{
	"", "x", `"`, `\`, "'", "\x00\x1f\x7f\x80\xff", "\a\b\f\n\r\t\v", "héllo, 世界",
	"\ufffd", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\U0001F600\u200b\u00ad", "\xc3", "a\xe2\x82",
}

func TestStringSamples(t *testing.T) {
	for _, s := range samples {
		if got, want := String(s), strconv.Quote(s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := String(s), strconv.Quote(s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	})
}
