//go:build cgo

package wasmtimehost

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/instrument"
	"github.com/edgescore/edgescore/wasm/abi"
)

// module is compiled code with the linker its instances are made with.
type module struct {
	rt     *Runtime
	mod    *wasmtime.Module
	funcs  map[string]abi.Func
	mems   []string
	linkMu sync.Mutex // wasmtime-go does not document Linker as safe for concurrent use
	linker *wasmtime.Linker
	// globals are the types of the module's globals, each exported as
	// instrument.GlobalExportPrefix+index.
	globals []instrument.ValueType
	dataEnd uint64 // a fresh instance's memory is zero from here on
}

func newModule(r *Runtime, m *wasmtime.Module, info instrument.Info) (*module, error) {
	l, err := newLinker(r.engine)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("wasmtimehost: linking WASI: %w", err)
	}
	mod := &module{rt: r, mod: m, linker: l, funcs: map[string]abi.Func{}, globals: info.Globals, dataEnd: info.DataEnd}
	for _, e := range m.Exports() {
		t := e.Type()
		switch {
		case t.FuncType() != nil:
			ft := t.FuncType()
			mod.funcs[e.Name()] = abi.Func{Name: e.Name(), Params: valueTypes(ft.Params()), Results: valueTypes(ft.Results())}
		case t.MemoryType() != nil:
			mod.mems = append(mod.mems, e.Name())
		}
	}
	return mod, nil
}

// valueTypes maps wasmtime's kinds to their binary encoding, which is what
// abi.ValueType is (so a v128 or a reference shows in an error as 0x7b…).
func valueTypes(ts []*wasmtime.ValType) []abi.ValueType {
	out := make([]abi.ValueType, len(ts))
	for i, t := range ts {
		switch t.Kind() {
		case wasmtime.KindI32:
			out[i] = abi.I32
		case wasmtime.KindI64:
			out[i] = abi.I64
		case wasmtime.KindF32:
			out[i] = abi.F32
		case wasmtime.KindF64:
			out[i] = abi.F64
		case wasmtime.ValKind(4): // WASM_V128, which wasmtime-go does not name
			out[i] = 0x7b
		case wasmtime.KindFuncref:
			out[i] = 0x70
		default:
			out[i] = 0x6f // externref and other references
		}
	}
	return out
}

// ExportedFunctions implements host.Module.
func (m *module) ExportedFunctions() map[string]abi.Func { return maps.Clone(m.funcs) }

// ExportedMemories implements host.Module.
func (m *module) ExportedMemories() []string { return append([]string(nil), m.mems...) }

// Instantiate implements host.Module: a store of its own (with the memory
// limit, WASI and the deadline callback), the instance, then _initialize.
func (m *module) Instantiate(ctx context.Context, cfg host.InstanceConfig) (host.Instance, error) {
	in, err := m.instantiate(ctx, cfg)
	if err != nil {
		return nil, err
	}
	init, ok := in.Function(abi.ExportInitialize).(*function)
	if !ok {
		in.Close(ctx)
		return nil, fmt.Errorf("wasmtimehost: the module does not export func[%s]", abi.ExportInitialize)
	}
	if err := init.Call(ctx, nil); err != nil {
		in.Close(ctx)
		return nil, err
	}
	return in, nil
}

// Restore implements host.Restorer: an instance whose _initialize is not
// run; its memory is grown to the snapshot's size and overwritten, and its
// globals set, which makes it the snapshotted instance's twin.
func (m *module) Restore(ctx context.Context, cfg host.InstanceConfig, s *host.Snapshot) (host.Instance, error) {
	if len(s.Globals) != len(m.globals) {
		return nil, fmt.Errorf("wasmtimehost: snapshot has %d globals, the module %d", len(s.Globals), len(m.globals))
	}
	in, err := m.instantiate(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := in.restore(s, m.globals, m.dataEnd); err != nil {
		in.Close(ctx)
		return nil, fmt.Errorf("wasmtimehost: restoring a snapshot: %w", err)
	}
	return in, nil
}

// instantiate makes an instance without running _initialize.
func (m *module) instantiate(ctx context.Context, cfg host.InstanceConfig) (*instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.rt.closed() {
		return nil, errClosed
	}
	in, err := newInstance(m, cfg)
	if err != nil {
		return nil, err
	}
	m.linkMu.Lock()
	if m.linker == nil {
		m.linkMu.Unlock()
		in.Close(ctx)
		return nil, errModuleClosed
	}
	wi, err := m.linker.Instantiate(in.store, m.mod)
	m.linkMu.Unlock()
	if err != nil {
		in.Close(ctx)
		return nil, fmt.Errorf("wasmtimehost: instantiating: %w", err)
	}
	if err := in.bind(wi); err != nil {
		in.Close(ctx)
		return nil, err
	}
	return in, nil
}

// Close implements host.Module.
func (m *module) Close(ctx context.Context) error {
	m.linkMu.Lock()
	defer m.linkMu.Unlock()
	if m.linker != nil {
		m.linker.Close()
		m.mod.Close()
		m.linker = nil
	}
	return nil
}
