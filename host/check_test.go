package host_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/guesttest"
	"github.com/edgescore/edgescore/host/internal/wasmbuild"
	"github.com/edgescore/edgescore/wasm/abi"
)

// stub is a hand-written guest that passes every load-time check: its
// input_buffer is 32 KiB at 1024 in its one page of memory.
func stub() *wasmbuild.Module {
	m := wasmbuild.Guest(abi.Version)
	return m.With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportInputBuffer, Results: []abi.ValueType{abi.I64}},
		Return: int64(abi.Pack(1024, abi.InputBufferSize))})
}

func fn(name string, params, results []abi.ValueType) wasmbuild.Func {
	return wasmbuild.Func{Func: abi.Func{Name: name, Params: params, Results: results}}
}

var (
	i32 = []abi.ValueType{abi.I32}
	i64 = []abi.ValueType{abi.I64}
)

// TestLoadTimeChecks: each broken guest is refused by NewPool with an error
// that names what is wrong. Without the check, each of these modules would
// be accepted (the wrong signatures and the version are never exercised
// before a request) or fail later with an obscure error.
func TestLoadTimeChecks(t *testing.T) {
	tests := []struct {
		name string
		wasm []byte
		want string
	}{
		{"missing decide", stub().Without(abi.ExportDecide).Bytes(),
			"guest does not export func[decide]: should be (i32, i32) -> (i64)"},
		{"missing _initialize", stub().Without(abi.ExportInitialize).Bytes(),
			"guest does not export func[_initialize]: should be () -> ()"},
		{"decide with one parameter", stub().With(fn(abi.ExportDecide, i32, i64)).Bytes(),
			"guest exports the wrong signature for func[decide]: should be (i32, i32) -> (i64), not (i32) -> (i64)"},
		{"decide returning i32", stub().With(fn(abi.ExportDecide, []abi.ValueType{abi.I32, abi.I32}, i32)).Bytes(),
			"guest exports the wrong signature for func[decide]: should be (i32, i32) -> (i64), not (i32, i32) -> (i32)"},
		{"bundle_buffer taking i64", stub().With(fn(abi.ExportBundleBuffer, i64, i32)).Bytes(),
			"guest exports the wrong signature for func[bundle_buffer]: should be (i32) -> (i32), not (i64) -> (i32)"},
		{"abi_version returning i64", stub().With(fn(abi.ExportABIVersion, nil, i64)).Bytes(),
			"guest exports the wrong signature for func[abi_version]: should be () -> (i32), not () -> (i64)"},
		{"no memory", func() []byte { m := stub(); m.MemoryName = ""; return m.Bytes() }(),
			"guest does not export memory[memory]"},
		{"memory under another name", func() []byte { m := stub(); m.MemoryName = "mem"; return m.Bytes() }(),
			"guest does not export memory[memory]"},
		{"ABI 2.0", stub().With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportABIVersion, Results: i32}, Return: 2 << 16}).Bytes(),
			"guest ABI version 2.0 is not supported by this host (ABI 1.0)"},
		{"ABI 0.9", stub().With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportABIVersion, Results: i32}, Return: 9}).Bytes(),
			"guest ABI version 0.9 is not supported by this host (ABI 1.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := host.NewPool(context.Background(), newRuntime(t), tt.wasm, host.WithSize(1))
			if err == nil {
				p.Close(context.Background())
				t.Fatalf("NewPool accepted the guest; want %q", tt.want)
			}
			if !errors.Is(err, host.ErrIncompatibleGuest) {
				t.Errorf("error %v does not match ErrIncompatibleGuest", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant %q", err, tt.want)
			}
		})
	}
}

// TestLoadTimeChecksPass: the stub and the real guest pass the checks.
func TestLoadTimeChecksPass(t *testing.T) {
	for name, wasm := range map[string][]byte{"stub": stub().Bytes(), "guest": guesttest.Module(t)} {
		t.Run(name, func(t *testing.T) {
			p := newPool(t, wasm, host.WithSize(1))
			if s := p.Stats(); s.Started != 1 || s.Idle != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestProtocolChecks: a guest that answers outside the ABI is caught
// (the stub's decide returns a pointer outside its memory).
func TestProtocolChecks(t *testing.T) {
	m := stub().With(wasmbuild.Func{Func: abi.Func{Name: abi.ExportInputBuffer, Results: i64},
		Return: int64(abi.Pack(60000, abi.InputBufferSize))})
	_, err := host.NewPool(context.Background(), newRuntime(t), m.Bytes(), host.WithSize(1))
	if !errors.Is(err, host.ErrProtocol) {
		t.Errorf("input buffer past the memory: err = %v, want ErrProtocol", err)
	}
}

func TestNotWasm(t *testing.T) {
	_, err := host.NewPool(context.Background(), newRuntime(t), []byte("not wasm"), host.WithSize(1))
	if err == nil || !strings.Contains(err.Error(), "compiling the guest") {
		t.Errorf("err = %v", err)
	}
}
