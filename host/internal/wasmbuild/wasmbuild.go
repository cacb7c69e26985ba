// Package wasmbuild writes tiny WebAssembly modules byte by byte, for tests
// that need a guest that is wrong in one precise way (a missing export, a
// wrong signature, another ABI version) without a toolchain.
package wasmbuild

import (
	"github.com/edgescore/edgescore/host/internal/leb128"
	"github.com/edgescore/edgescore/wasm/abi"
)

// Func is one exported function whose body returns constants.
type Func struct {
	abi.Func
	// Return is the value of every result of the body.
	Return int64
}

// Module is a module with no imports, optional memory and exported
// functions.
type Module struct {
	Funcs []Func
	// MemoryName exports a one-page memory under this name ("" for none).
	MemoryName string
}

// Guest returns a module with every export abi.Exports lists, each
// returning 0 except abi_version, which returns version; and memory.
// Callers change it to break one thing.
func Guest(version uint32) *Module {
	m := &Module{MemoryName: abi.ExportMemory}
	for _, f := range abi.Exports() {
		fn := Func{Func: f}
		if f.Name == abi.ExportABIVersion {
			fn.Return = int64(version)
		}
		m.Funcs = append(m.Funcs, fn)
	}
	return m
}

// Without returns m less the function named name.
func (m *Module) Without(name string) *Module {
	c := &Module{MemoryName: m.MemoryName}
	for _, f := range m.Funcs {
		if f.Name != name {
			c.Funcs = append(c.Funcs, f)
		}
	}
	return c
}

// With returns m with the function named f.Name replaced by f (or added).
func (m *Module) With(f Func) *Module {
	c := m.Without(f.Name)
	c.Funcs = append(c.Funcs, f)
	return c
}

// Bytes encodes the module in the WebAssembly binary format.
func (m *Module) Bytes() []byte {
	out := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

	var types, funcs, exports, code []byte
	types = uleb(types, uint64(len(m.Funcs)))
	funcs = uleb(funcs, uint64(len(m.Funcs)))
	nexp := len(m.Funcs)
	if m.MemoryName != "" {
		nexp++
	}
	exports = uleb(exports, uint64(nexp))
	code = uleb(code, uint64(len(m.Funcs)))
	for i, f := range m.Funcs {
		types = append(types, 0x60)
		types = vec(types, f.Params)
		types = vec(types, f.Results)
		funcs = uleb(funcs, uint64(i))
		exports = name(exports, f.Name)
		exports = append(exports, 0x00) // func
		exports = uleb(exports, uint64(i))

		var body []byte
		body = append(body, 0x00) // no locals
		for _, r := range f.Results {
			switch r {
			case abi.I32:
				body = append(body, 0x41)
				body = sleb(body, int64(int32(f.Return)))
			case abi.I64:
				body = append(body, 0x42)
				body = sleb(body, f.Return)
			case abi.F32:
				body = append(body, 0x43, 0, 0, 0, 0)
			case abi.F64:
				body = append(body, 0x44, 0, 0, 0, 0, 0, 0, 0, 0)
			}
		}
		body = append(body, 0x0b) // end
		code = uleb(code, uint64(len(body)))
		code = append(code, body...)
	}
	if m.MemoryName != "" {
		exports = name(exports, m.MemoryName)
		exports = append(exports, 0x02, 0x00) // memory 0
	}

	out = section(out, 1, types)
	out = section(out, 3, funcs)
	if m.MemoryName != "" {
		out = section(out, 5, []byte{0x01, 0x00, 0x01}) // one memory, min 1 page
	}
	out = section(out, 7, exports)
	out = section(out, 10, code)
	return out
}

func section(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = uleb(out, uint64(len(body)))
	return append(out, body...)
}

func vec(b []byte, ts []abi.ValueType) []byte {
	b = uleb(b, uint64(len(ts)))
	for _, t := range ts {
		b = append(b, byte(t))
	}
	return b
}

func name(b []byte, s string) []byte {
	b = uleb(b, uint64(len(s)))
	return append(b, s...)
}

func uleb(b []byte, v uint64) []byte { return leb128.AppendUnsigned(b, v) }

func sleb(b []byte, v int64) []byte { return leb128.AppendSigned(b, v) }
