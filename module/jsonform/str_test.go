package jsonform_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/edgescore/edgescore/module/jsonform"
)

func TestAppendString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"shp-1", `"shp-1"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"line\nbreak\r\ttab", `"line\nbreak\r\ttab"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"café ☕ 𝄞", `"café ☕ 𝄞"`},
		{"bad\xffbyte\xc3", `"bad\ufffdbyte\ufffd"`},
		{"js\u2028\u2029", `"js\u2028\u2029"`},
		{"<&>", `"<&>"`},
	} {
		got := string(jsonform.AppendString([]byte("x"), tc.in))
		if got != "x"+tc.want {
			t.Errorf("AppendString(%q) = %s, want %s", tc.in, got[1:], tc.want)
		}
		if !json.Valid([]byte(tc.want)) {
			t.Errorf("%s is not valid JSON", tc.want)
		}
	}
}

// FuzzAppendString: always valid JSON, decoding to what encoding/json's own
// encoding of s decodes to (the same replacement of invalid UTF-8), and
// byte-identical to encoding/json with HTML escaping off.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"\\\n", "\xff\xfe", "\u2028é", "\x00\x1f\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := jsonform.AppendString(nil, s)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if !json.Valid(got) {
			t.Fatalf("%q → invalid JSON %s", s, got)
		}
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Fatalf("%q: decodes to %q, encoding/json's to %q", s, a, b)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, encoding/json writes %s", s, got, want)
		}
	})
}
