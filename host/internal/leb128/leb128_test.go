package leb128_test

import (
	"bytes"
	"testing"

	"github.com/edgescore/edgescore/host/internal/leb128"
)

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		u    uint64
		want []byte
	}{
		{0, []byte{0}}, {127, []byte{0x7f}}, {128, []byte{0x80, 1}}, {624485, []byte{0xe5, 0x8e, 0x26}},
		{1<<32 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
	} {
		if got := leb128.AppendUnsigned(nil, tc.u); !bytes.Equal(got, tc.want) {
			t.Errorf("unsigned %d: % x, want % x", tc.u, got, tc.want)
		}
	}
	for _, tc := range []struct {
		s    int64
		want []byte
	}{
		{0, []byte{0}}, {63, []byte{0x3f}}, {64, []byte{0xc0, 0}}, {-1, []byte{0x7f}}, {-64, []byte{0x40}},
		{-65, []byte{0xbf, 0x7f}}, {-123456, []byte{0xc0, 0xbb, 0x78}}, {10000, []byte{0x90, 0xce, 0x00}},
	} {
		if got := leb128.AppendSigned(nil, tc.s); !bytes.Equal(got, tc.want) {
			t.Errorf("signed %d: % x, want % x", tc.s, got, tc.want)
		}
	}
}
