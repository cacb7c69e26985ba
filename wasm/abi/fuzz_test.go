package abi_test

import (
	"bytes"
	"testing"

	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// The decoders run in the guest on bytes from the host, and in hosts on
// bytes from the guest: they must never panic, and what they accept must be
// exactly what the encoders produce.

func FuzzDecodeContext(f *testing.F) {
	for _, c := range []*shopper.Context{emptyContext(), fullContext()} {
		rec, _ := abi.AppendContext(nil, c)
		f.Add(rec)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, rec []byte) {
		var c shopper.Context
		err := abi.DecodeContext(rec, &c, nil)
		// Decoding into a context that holds another decision's values
		// (DecodeContext writes every field instead of resetting first)
		// must give the same context or the same error.
		dirty := fullContext()
		err2 := abi.DecodeContext(rec, dirty, nil)
		a, _ := abi.AppendContext(nil, &c)
		b, _ := abi.AppendContext(nil, dirty)
		if (err == nil) != (err2 == nil) || (err == nil && !bytes.Equal(a, b)) {
			t.Fatalf("decoding into a used context differs: %v / %v\n%+v\n%+v", err, err2, c, *dirty)
		}
		if err != nil {
			return
		}
		again, err := abi.AppendContext(nil, &c)
		if err != nil {
			t.Fatalf("decoded a context that does not encode: %v", err)
		}
		if !bytes.Equal(rec, again) {
			t.Fatalf("accepted a non-canonical record:\n% X\n% X", rec, again)
		}
	})
}

func FuzzDecodeDecision(f *testing.F) {
	rec := make([]byte, abi.DecisionSize)
	abi.PutDecision(rec, &scorer.Decision{Tier: -1, NumReasons: 2, Explored: true}, 7)
	f.Add(rec)
	f.Add(rec[:10])
	f.Fuzz(func(t *testing.T, rec []byte) {
		var d scorer.Decision
		crc, err := abi.DecodeDecision(rec, &d)
		if err != nil {
			return
		}
		again := make([]byte, abi.DecisionSize)
		abi.PutDecision(again, &d, crc)
		want := bytes.Clone(rec[:abi.DecisionSize])
		want[abi.DecFlags] &= abi.FlagExplored // ignored bits
		want[abi.DecReserved], want[abi.DecReserved+1] = 0, 0
		if !bytes.Equal(want, again) {
			t.Fatalf("decode/encode changed the record:\n% X\n% X", want, again)
		}
	})
}

func FuzzDecodeNames(f *testing.F) {
	f.Add(abi.AppendNames(nil, &abi.Names{ID: "b", Features: []string{"a", "b"}, Actions: []string{"n"}, ActionKinds: []string{"k"}}))
	f.Add([]byte{0, 0, 0, 0, 8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := abi.DecodeNames(b)
		if err != nil {
			return
		}
		if b[4] == abi.NumNameLists && b[5] == 0 && b[6] == 0 && b[7] == 0 {
			if again := abi.AppendNames(nil, n); !bytes.Equal(b, again) {
				t.Fatalf("decode/encode changed the table")
			}
		}
	})
}
