package instrument_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/instrument"
	"github.com/edgescore/edgescore/wasm/abi"
)

// countdown is a hand-assembled module:
//
//	(import "env" "yield" (func (result i32)))     ;; type 0, func 0
//	(global $g (mut i64) (i64.const 7))            ;; global 0
//	(func (export "count") (param $n i32) (result i32)  ;; type 1, func 1
//	  (local $k i32)
//	  (block (loop
//	    (br_if 1 (i32.eqz (local.get $n)))
//	    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
//	    (local.set $k (i32.add (local.get $k) (i32.const 1)))
//	    (br 0)))
//	  (local.get $k))
//	(memory (export "memory") 1)
func countdown() []byte {
	var m []byte
	m = append(m, "\x00asm\x01\x00\x00\x00"...)
	sec := func(id byte, body ...byte) {
		m = append(m, id, byte(len(body)))
		m = append(m, body...)
	}
	sec(1, 2, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f)
	sec(2, append(append(append([]byte{1, 3}, "env"...), 5), append([]byte("yield"), 0, 0)...)...)
	sec(3, 1, 1)
	sec(5, 1, 0, 1)
	sec(6, 1, 0x7e, 1, 0x42, 7, 0x0b)
	sec(7, append(append([]byte{2, 5}, "count"...), 0, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0)...)
	body := []byte{
		1, 1, 0x7f, // one local i32
		0x02, 0x40, 0x03, 0x40,
		0x20, 0, 0x45, 0x0d, 1,
		0x20, 0, 0x41, 1, 0x6b, 0x21, 0,
		0x20, 1, 0x41, 1, 0x6a, 0x21, 1,
		0x0c, 0,
		0x0b, 0x0b,
		0x20, 1, 0x0b,
	}
	sec(10, append([]byte{1, byte(len(body))}, body...)...)
	return m
}

// TestFuel runs the instrumented countdown in wazero: the results are
// unchanged, the yield function is called once per quantum of loop
// headers, and a yield that panics ends the call.
func TestFuel(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		n, quantum uint32
		yields     int
	}{
		{0, 10, 0},   // one header
		{8, 10, 0},   // 9 headers
		{9, 10, 1},   // 10 headers: exactly one quantum
		{99, 10, 10}, // 100 headers
		{1000, 7, 143},
		{5, 1, 6},
	} {
		wasm, info, err := instrument.Module(countdown(), instrument.Config{
			Fuel: tc.quantum, YieldModule: "env", YieldName: "yield", ExportGlobals: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if info.Loops != 1 || len(info.Globals) != 2 || info.Globals[0] != abi.I64 || info.Globals[1] != abi.I32 {
			t.Fatalf("info %+v", info)
		}
		rt := wazero.NewRuntime(ctx)
		yields := 0
		_, err = rt.NewHostModuleBuilder("env").NewFunctionBuilder().
			WithFunc(func() int32 { yields++; return 0 }).Export("yield").Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mod, err := rt.Instantiate(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		res, err := mod.ExportedFunction("count").Call(ctx, uint64(tc.n))
		if err != nil {
			t.Fatal(err)
		}
		if res[0] != uint64(tc.n) || yields != tc.yields {
			t.Errorf("n=%d quantum=%d: count %d, %d yields; want %d, %d", tc.n, tc.quantum, res[0], yields, tc.n, tc.yields)
		}
		if g := mod.ExportedGlobal(instrument.GlobalExportPrefix + "0"); g == nil || g.Get() != 7 {
			t.Errorf("global 0 not exported with its value: %v", g)
		}
		if g := mod.ExportedGlobal(instrument.FuelExport); g == nil || g != mod.ExportedGlobal(instrument.GlobalExportPrefix+"1") {
			t.Errorf("fuel global not exported under both names")
		} else if _, ok := g.(api.MutableGlobal); !ok {
			t.Errorf("fuel global not mutable")
		}
		rt.Close(ctx)
	}
}

// TestYieldEndsCall: what makes a runaway guest stoppable.
func TestYieldEndsCall(t *testing.T) {
	ctx := context.Background()
	wasm, _, err := instrument.Module(countdown(), instrument.Config{Fuel: 100, YieldModule: "env", YieldName: "yield"})
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	stop := errors.New("stop")
	_, err = rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func() int32 { panic(stop) }).Export("yield").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mod.ExportedFunction("count").Call(ctx, 1<<31); !errors.Is(err, stop) {
		t.Fatalf("err = %v, want the yield's panic", err)
	}
}

// TestGoModule instruments the real guest: every loop is found, and the
// result compiles (the host tests run it).
func TestGoModule(t *testing.T) {
	wasm := guesttest.Module(t)
	out, info, err := instrument.Module(wasm, instrument.Config{
		Fuel: 1000, YieldModule: "wasi_snapshot_preview1", YieldName: "sched_yield", ExportGlobals: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Loops < 1000 || len(info.Globals) < 2 {
		t.Errorf("info: %d loops, globals %v", info.Loops, info.Globals)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if _, err := rt.CompileModule(ctx, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d loops instrumented, %d → %d bytes", info.Loops, len(wasm), len(out))
}

// TestMergeData: the merged data segments give the same initial memory as
// Go's thousands of segments.
func TestMergeData(t *testing.T) {
	ctx := context.Background()
	wasm := guesttest.Module(t)
	merged, _, err := instrument.Module(wasm, instrument.Config{MergeData: true})
	if err != nil {
		t.Fatal(err)
	}
	memory := func(wasm []byte) []byte {
		rt := wazero.NewRuntime(ctx)
		defer rt.Close(ctx)
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions())
		if err != nil {
			t.Fatal(err)
		}
		m := mod.ExportedMemory("memory")
		b, _ := m.Read(0, m.Size())
		return bytes.Clone(b)
	}
	if a, b := memory(wasm), memory(merged); !bytes.Equal(a, b) {
		t.Fatalf("initial memories differ (%d and %d bytes)", len(a), len(b))
	}
	segments := func(wasm []byte) int {
		n := 0
		for i := 8; i < len(wasm); {
			id := wasm[i]
			size, w := uleb(wasm[i+1:])
			body := wasm[i+1+w : i+1+w+int(size)]
			if id == 11 {
				c, _ := uleb(body)
				n = int(c)
			}
			i += 1 + w + int(size)
		}
		return n
	}
	if a, b := segments(wasm), segments(merged); b >= a/100 || b == 0 {
		t.Errorf("%d segments merged into %d", a, b)
	} else {
		t.Logf("%d segments merged into %d; %d → %d bytes", a, b, len(wasm), len(merged))
	}
}

func uleb(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

func TestErrors(t *testing.T) {
	good := countdown()
	simd := append([]byte(nil), good...)
	// Replace the body's "local.get 1" before the final end with a SIMD
	// prefix: its offset must be reported.
	at := len(simd) - 3
	simd[at] = 0xfd
	noLoops := append([]byte(nil), good...)
	noLoops[bytes.Index(noLoops, []byte{0x02, 0x40, 0x03, 0x40})+2] = 0x02 // loop → block
	fuel := instrument.Config{Fuel: 10, YieldModule: "env", YieldName: "missing"}
	for _, tc := range []struct {
		name string
		wasm []byte
		cfg  instrument.Config
		want string
	}{
		{"empty", nil, fuel, "at byte 0: not a WebAssembly module"},
		{"bad version", []byte("\x00asm\x02\x00\x00\x00"), fuel, "at byte 4: unsupported binary version"},
		{"truncated section", good[:19], fuel, "length past the end"},
		{"no yield import", good, fuel, "does not import the yield function"},
		{"simd", simd, instrument.Config{ExportGlobals: true, Fuel: 10, YieldModule: "env", YieldName: "yield"}, "unsupported opcode 0xfd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := instrument.Module(tc.wasm, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("no loops needs no yield", func(t *testing.T) {
		_, info, err := instrument.Module(noLoops, fuel)
		if err != nil || info.Loops != 0 {
			t.Fatalf("info %+v, err %v", info, err)
		}
	})
}

// FuzzModule: malformed modules give an error, never a panic or a hang.
func FuzzModule(f *testing.F) {
	f.Add(countdown())
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, _, err := instrument.Module(wasm, instrument.Config{Fuel: 3, YieldModule: "env", YieldName: "yield", ExportGlobals: true})
		if err == nil && len(out) < 8 {
			t.Fatalf("accepted %x, produced %x", wasm, out)
		}
	})
}
