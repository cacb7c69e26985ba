package edge

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	big := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name    string
		r       io.Reader
		buf     []byte
		max     int
		want    string
		wantErr error
	}{
		{"empty", strings.NewReader(""), nil, 10, "", nil},
		{"small", strings.NewReader("abc"), nil, 10, "abc", nil},
		{"exactly max", strings.NewReader(big[:10]), nil, 10, big[:10], nil},
		{"one over max", strings.NewReader(big[:11]), nil, 10, "", errBodyTooLarge},
		{"far over max", strings.NewReader(big), nil, 10, "", errBodyTooLarge},
		{"byte by byte", iotest.OneByteReader(strings.NewReader(big[:50])), nil, 64, big[:50], nil},
		{"reused buffer", strings.NewReader("new"), []byte("old body, longer"), 64, "new", nil},
		{"read error", iotest.ErrReader(errors.New("boom")), nil, 10, "", errors.New("boom")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBody(tc.buf[:0], tc.r, tc.max)
			switch {
			case tc.wantErr != nil:
				if err == nil || err.Error() != tc.wantErr.Error() {
					t.Fatalf("err = %v; want %v", err, tc.wantErr)
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			case string(got) != tc.want:
				t.Fatalf("got %q; want %q", got, tc.want)
			}
		})
	}
}
