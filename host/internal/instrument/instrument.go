// Package instrument rewrites a WebAssembly module before a host compiles
// it, adding two things the hosts need and Go's wasm output lacks:
//
//   - Fuel: a counter decremented at every loop header. When it runs out the
//     guest calls an imported function (the host's yield point) and the
//     counter is reset. The host checks the call's deadline there. This is
//     how the wazero host interrupts a runaway guest: wazero's own
//     mechanism (WithCloseOnContextDone) leaves native code for Go at every
//     loop header, and Go's wasm backend turns every jump between basic
//     blocks into a jump to a loop header, which made a decision 4.5× slower.
//     A counter in the module costs a load, a subtract, a store and a
//     branch per header instead.
//   - Exported globals: every global is exported (as GlobalExportPrefix+N) so
//     that a host can capture an instance's whole state — linear memory and
//     globals — between calls, and start new instances from it without
//     running the Go runtime's start and the bundle load again.
//
// The rewrite is structural: it decodes every instruction of every function
// body (the MVP instruction set, sign extension, saturating conversions,
// bulk memory and reference types; SIMD is refused), inserts code after each
// loop's block type, and rewrites the body and section sizes. Function and
// global indices do not move: the yield function must already be imported,
// and the new global is appended after the module's own.
//
// The instrumented module is not part of the ABI: it is what one host does
// with the module it was given (wasm/ABI.md, "Host-side instrumentation").
package instrument

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/edgescore/edgescore/host/internal/leb128"
	"github.com/edgescore/edgescore/wasm/abi"
)

// GlobalExportPrefix names the exported globals: global N is exported as
// GlobalExportPrefix followed by N in decimal. The fuel counter, if added,
// is exported as FuelExport as well.
const (
	GlobalExportPrefix = "edgescore.global."
	FuelExport         = "edgescore.fuel"
)

// Config says what to add.
type Config struct {
	// Fuel is the number of loop headers between two calls of the yield
	// function; 0 adds no fuel counter.
	Fuel uint32
	// YieldModule and YieldName name the imported function called when the
	// fuel runs out. It must have type [] → [i32] (its result is dropped),
	// as wasi_snapshot_preview1.sched_yield does.
	YieldModule, YieldName string
	// ExportGlobals exports every global of the module.
	ExportGlobals bool
	// MergeData merges active data segments less than MergeGap bytes
	// apart, filling the gaps with the zeros they would have had. Go's
	// linker leaves out zero runs, which makes tens of thousands of
	// segments, and wazero pays an allocation and a constant-expression
	// evaluation for each one on every instantiation.
	MergeData bool
}

// MergeGap is the largest gap of zeros MergeData fills.
const MergeGap = 64

// Info describes the rewritten module.
type Info struct {
	// Globals is the number of globals (the fuel counter included) and
	// their value types, in index order. With ExportGlobals, global i is
	// exported as GlobalExportPrefix+i.
	Globals []ValueType
	// Loops is the number of loop headers instrumented.
	Loops int
	// DataEnd is where the module's data segments end: a fresh instance's
	// memory (before any code runs) is zero from there on. With
	// segments at non-constant offsets it is the maximum, 1<<32.
	DataEnd uint64
}

// ValueType is a WebAssembly value type byte: abi's, whose constants
// (abi.I32, abi.I64, abi.F32, abi.F64) name the numeric ones.
type ValueType = abi.ValueType

// Section ids.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secGlobal    = 6
	secExport    = 7
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

// Error is a malformed or unsupported module, with the byte offset where
// decoding failed.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("instrument: at byte %d: %s", e.Offset, e.Msg) }

// ErrNoYield is returned when Config.Fuel is set but the module, which has
// loops, does not import the yield function with type [] → [i32].
var ErrNoYield = errors.New("instrument: the module does not import the yield function with type [] -> [i32]")

type section struct {
	id   byte
	body []byte // without id and size
}

// Module returns wasm rewritten as cfg says. wasm itself is not modified.
func Module(wasm []byte, cfg Config) ([]byte, Info, error) {
	var info Info
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, info, &Error{0, "not a WebAssembly module (bad magic)"}
	}
	if string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, info, &Error{4, "unsupported binary version"}
	}
	var secs []section
	for r := (reader{b: wasm, off: 8}); !r.done(); {
		id := r.byte()
		n := r.u32()
		body := r.bytes(int(n))
		if r.err != nil {
			return nil, info, r.err
		}
		secs = append(secs, section{id: id, body: body})
	}

	// Types, imported functions and globals: what the rewrite needs to know.
	var (
		yieldType = -1 // type index of [] → [i32]
		yieldFunc = -1
		nImpFuncs int
		nImpGlob  int
	)
	for _, s := range secs {
		switch s.id {
		case secType:
			r := reader{b: s.body}
			n := r.u32()
			for i := 0; i < int(n) && r.err == nil; i++ {
				if r.byte() != 0x60 {
					r.fail("function type expected")
				}
				np := r.u32()
				r.bytes(int(np))
				nr := r.u32()
				res := r.bytes(int(nr))
				if np == 0 && nr == 1 && res[0] == byte(abi.I32) && yieldType < 0 {
					yieldType = i
				}
			}
			if r.err != nil {
				return nil, info, r.err
			}
		case secImport:
			r := reader{b: s.body}
			n := r.u32()
			for i := 0; i < int(n) && r.err == nil; i++ {
				mod := r.name()
				name := r.name()
				switch kind := r.byte(); kind {
				case 0: // func
					ti := r.u32()
					if mod == cfg.YieldModule && name == cfg.YieldName && int(ti) == yieldType {
						yieldFunc = nImpFuncs
					}
					nImpFuncs++
				case 1: // table
					r.byte()
					r.limits()
				case 2: // memory
					r.limits()
				case 3: // global
					info.Globals = append(info.Globals, ValueType(r.byte()))
					r.byte()
					nImpGlob++
				default:
					r.fail(fmt.Sprintf("unknown import kind %d", kind))
				}
			}
			if r.err != nil {
				return nil, info, r.err
			}
		case secGlobal:
			r := reader{b: s.body}
			n := r.u32()
			for i := 0; i < int(n) && r.err == nil; i++ {
				info.Globals = append(info.Globals, ValueType(r.byte()))
				r.byte() // mutability
				r.constExpr()
			}
			if r.err != nil {
				return nil, info, r.err
			}
		}
	}
	for _, s := range secs {
		if s.id == secData {
			info.DataEnd = dataEnd(s.body)
		}
	}

	// A module without loops always returns (recursion aside, which ends
	// when the stack runs out) and needs no fuel.
	fuel := cfg.Fuel > 0
	if fuel && yieldFunc < 0 {
		for _, s := range secs {
			if s.id != secCode {
				continue
			}
			_, loops, err := instrumentCode(s.body, nil)
			if err != nil {
				return nil, info, err
			}
			if loops > 0 {
				return nil, info, ErrNoYield
			}
		}
		fuel = false
	}
	fuelGlobal := -1
	if fuel {
		fuelGlobal = len(info.Globals)
		info.Globals = append(info.Globals, abi.I32)
	}

	out := make([]byte, 0, len(wasm)+len(wasm)/16)
	out = append(out, wasm[:8]...)
	sawGlobal, sawExport := false, false
	for _, s := range secs {
		body := s.body
		var err error
		switch s.id {
		case secGlobal:
			sawGlobal = true
			if fuelGlobal >= 0 {
				body = appendGlobal(body, cfg.Fuel)
			}
		case secExport:
			sawExport = true
			body = appendExports(body, cfg, info.Globals, fuelGlobal)
		case secData:
			if cfg.MergeData {
				body = mergeData(body)
			}
		case secDataCount:
			if cfg.MergeData {
				body = nil // rewritten with the data section, below
			}
		case secCode:
			if fuelGlobal >= 0 {
				body, info.Loops, err = instrumentCode(body, fuelCheck(uint32(fuelGlobal), uint32(yieldFunc), cfg.Fuel))
				if err != nil {
					return nil, info, err
				}
			}
		}
		// Missing global or export sections are created in their place
		// in the section order: global (6) before export (7) before code.
		if !sawGlobal && fuelGlobal >= 0 && s.id > secGlobal && s.id != secCustom {
			sawGlobal = true
			out = appendSection(out, secGlobal, appendGlobal([]byte{0}, cfg.Fuel))
		}
		if !sawExport && s.id > secExport && s.id != secCustom && (cfg.ExportGlobals || fuelGlobal >= 0) {
			sawExport = true
			out = appendSection(out, secExport, appendExports([]byte{0}, cfg, info.Globals, fuelGlobal))
		}
		if s.id == secDataCount && body == nil {
			body = appendU32(nil, dataCount(secs, cfg.MergeData))
		}
		out = appendSection(out, s.id, body)
	}
	return out, info, nil
}

// dataEnd is the end of the highest active data segment, or 1<<32 if a
// segment's offset is not a constant (or the section is malformed).
func dataEnd(body []byte) uint64 {
	r := reader{b: body}
	n := r.u32()
	var end uint64
	for i := 0; i < int(n) && r.err == nil; i++ {
		switch flag := r.u32(); flag {
		case 1: // passive
			r.bytes(int(r.u32()))
			continue
		case 0:
		default:
			return 1 << 32
		}
		if r.byte() != 0x41 {
			return 1 << 32
		}
		off := uint64(uint32(int32(r.s64())))
		if r.byte() != 0x0b {
			return 1 << 32
		}
		size := r.u32()
		r.bytes(int(size))
		end = max(end, off+uint64(size))
	}
	if r.err != nil {
		return 1 << 32
	}
	return end
}

// dataCount is the number of data segments after the rewrite.
func dataCount(secs []section, merge bool) uint32 {
	for _, s := range secs {
		if s.id == secData {
			body := s.body
			if merge {
				body = mergeData(body)
			}
			r := reader{b: body}
			return r.u32()
		}
	}
	return 0
}

// mergeData returns a data section body whose segments cover the same bytes
// with fewer segments, or body itself when it holds anything but active
// segments of memory 0 at constant, non-overlapping offsets.
func mergeData(body []byte) []byte {
	type seg struct {
		off  uint32
		data []byte
	}
	r := reader{b: body}
	n := r.u32()
	segs := make([]seg, 0, n)
	for i := 0; i < int(n) && r.err == nil; i++ {
		if flag := r.u32(); flag != 0 || r.byte() != 0x41 {
			return body
		}
		off := r.s64()
		if r.byte() != 0x0b || off < 0 || off > 1<<32-1 {
			return body
		}
		segs = append(segs, seg{uint32(off), r.bytes(int(r.u32()))})
	}
	if r.err != nil || !r.done() {
		return body
	}
	slices.SortStableFunc(segs, func(a, b seg) int { return cmp.Compare(a.off, b.off) })
	var merged []seg
	for _, s := range segs {
		if k := len(merged) - 1; k >= 0 {
			end := uint64(merged[k].off) + uint64(len(merged[k].data))
			if uint64(s.off) < end {
				return body // overlapping: later segments win; keep the order
			}
			if uint64(s.off)-end <= MergeGap {
				m := &merged[k]
				m.data = append(m.data, make([]byte, uint64(s.off)-end)...)
				m.data = append(m.data, s.data...)
				continue
			}
		}
		merged = append(merged, seg{s.off, append([]byte(nil), s.data...)})
	}
	out := appendU32(nil, uint32(len(merged)))
	for _, s := range merged {
		out = append(out, 0, 0x41)
		out = leb128.AppendSigned(out, int64(int32(s.off)))
		out = append(out, 0x0b)
		out = appendU32(out, uint32(len(s.data)))
		out = append(out, s.data...)
	}
	return out
}

// fuelCheck is the code inserted at each loop header:
//
//	global.get $fuel
//	i32.const 1
//	i32.sub
//	global.set $fuel
//	global.get $fuel
//	i32.eqz
//	if
//	  call $yield
//	  drop
//	  i32.const quantum
//	  global.set $fuel
//	end
//
// The inner if is a block of its own, closed at once, so the branch depths
// of the surrounding code are unchanged.
func fuelCheck(global, yield, quantum uint32) []byte {
	var b []byte
	b = append(b, 0x23)
	b = appendU32(b, global)
	b = append(b, 0x41, 0x01, 0x6b, 0x24)
	b = appendU32(b, global)
	b = append(b, 0x23)
	b = appendU32(b, global)
	b = append(b, 0x45, 0x04, 0x40, 0x10)
	b = appendU32(b, yield)
	b = append(b, 0x1a, 0x41)
	b = leb128.AppendSigned(b, int64(int32(quantum)))
	b = append(b, 0x24)
	b = appendU32(b, global)
	b = append(b, 0x0b)
	return b
}

// appendGlobal adds a mutable i32 global initialized to v to a global
// section body.
func appendGlobal(body []byte, v uint32) []byte {
	r := reader{b: body}
	n := r.u32()
	out := appendU32(nil, n+1)
	out = append(out, body[r.off:]...)
	out = append(out, byte(abi.I32), 1, 0x41)
	out = leb128.AppendSigned(out, int64(int32(v)))
	return append(out, 0x0b)
}

// appendExports adds the global exports to an export section body.
func appendExports(body []byte, cfg Config, globals []ValueType, fuel int) []byte {
	r := reader{b: body}
	n := r.u32()
	var extra []byte
	add := 0
	if cfg.ExportGlobals {
		for i := range globals {
			extra = appendName(extra, GlobalExportPrefix+itoa(i))
			extra = append(extra, 3)
			extra = appendU32(extra, uint32(i))
			add++
		}
	}
	if fuel >= 0 {
		extra = appendName(extra, FuelExport)
		extra = append(extra, 3)
		extra = appendU32(extra, uint32(fuel))
		add++
	}
	out := appendU32(nil, n+uint32(add))
	out = append(out, body[r.off:]...)
	return append(out, extra...)
}

// instrumentCode inserts check after the block type of every loop in every
// function body of a code section.
func instrumentCode(body, check []byte) ([]byte, int, error) {
	r := reader{b: body}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(body)+len(body)/8), n)
	loops := 0
	var fn []byte
	for i := 0; i < int(n); i++ {
		size := r.u32()
		start := r.off
		code := r.bytes(int(size))
		if r.err != nil {
			return nil, 0, r.err
		}
		var k int
		var err error
		fn, k, err = instrumentFunc(fn[:0], code, start, check)
		if err != nil {
			return nil, 0, err
		}
		loops += k
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if !r.done() {
		return nil, 0, &Error{r.off, "trailing bytes after the last function body"}
	}
	return out, loops, nil
}

// instrumentFunc copies one function body (locals and expression) to out,
// with check after each loop's block type. base is the body's offset in
// the section, for error messages.
func instrumentFunc(out, code []byte, base int, check []byte) ([]byte, int, error) {
	r := reader{b: code}
	groups := r.u32()
	for i := 0; i < int(groups) && r.err == nil; i++ {
		r.u32()
		r.byte()
	}
	if r.err != nil {
		return nil, 0, &Error{base + r.off, "function locals: " + r.err.(*Error).Msg}
	}
	out = append(out, code[:r.off]...)
	loops := 0
	last := r.off // code[last:r.off] is not yet copied
	for !r.done() {
		at := r.off
		op := r.byte()
		switch {
		case op == 0x02 || op == 0x04: // block, if
			r.blockType()
		case op == 0x03: // loop
			r.blockType()
			out = append(out, code[last:r.off]...)
			out = append(out, check...)
			last = r.off
			loops++
		case op == 0x0c || op == 0x0d: // br, br_if
			r.u32()
		case op == 0x0e: // br_table
			n := r.u32()
			for j := 0; j <= int(n) && r.err == nil; j++ {
				r.u32()
			}
		case op == 0x10 || op == 0x12: // call, return_call
			r.u32()
		case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
			r.u32()
			r.u32()
		case op == 0x1c: // select t*
			n := r.u32()
			r.bytes(int(n))
		case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
			r.u32()
		case op >= 0x28 && op <= 0x3e: // loads and stores: memarg
			r.u32()
			r.u32()
		case op == 0x3f || op == 0x40: // memory.size, memory.grow
			r.u32()
		case op == 0x41:
			r.s64()
		case op == 0x42:
			r.s64()
		case op == 0x43:
			r.bytes(4)
		case op == 0x44:
			r.bytes(8)
		case op == 0xd0: // ref.null t
			r.byte()
		case op == 0xd2: // ref.func
			r.u32()
		case op == 0xfc:
			switch sub := r.u32(); {
			case sub <= 7: // saturating truncations
			case sub == 8, sub == 12, sub == 14: // memory.init, table.init, table.copy
				r.u32()
				r.u32()
			case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17:
				r.u32() // data.drop, memory.fill, elem.drop, table.grow/size/fill
			case sub == 10: // memory.copy
				r.u32()
				r.u32()
			default:
				r.fail(fmt.Sprintf("unknown 0xfc instruction %d", sub))
			}
		case op <= 0x01, op == 0x05, op == 0x0b, op == 0x0f, op == 0x1a, op == 0x1b, op == 0xd1:
			// unreachable, nop, else, end, return, drop, select, ref.is_null
		case op >= 0x45 && op <= 0xc4: // numeric, conversions, sign extension
		default:
			r.fail(fmt.Sprintf("unsupported opcode %#x", op))
		}
		if r.err != nil {
			return nil, 0, &Error{base + at, r.err.(*Error).Msg}
		}
	}
	out = append(out, code[last:]...)
	return out, loops, nil
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var buf [20]byte
	n := len(buf)
	for ; i > 0; i /= 10 {
		n--
		buf[n] = byte('0' + i%10)
	}
	return string(buf[n:])
}

// reader decodes the binary format; the first error sticks and later reads
// return zeros.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = &Error{r.off, msg}
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("length past the end")
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift == 28 && c > 0x0f {
			r.fail("u32 LEB128 too long")
			return 0
		}
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

func (r *reader) s64() int64 {
	var v int64
	shift := 0
	for {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift == 63 && c != 0 && c != 0x7f {
			r.fail("s64 LEB128 too long")
			return 0
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c < 0x80 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func (r *reader) name() string { return string(r.bytes(int(r.u32()))) }

func (r *reader) limits() {
	switch flag := r.byte(); flag {
	case 0:
		r.u32()
	case 1:
		r.u32()
		r.u32()
	default:
		r.fail(fmt.Sprintf("unsupported limits flag %d", flag))
	}
}

// blockType reads an empty type (0x40), a value type, or a type index
// (a non-negative s33).
func (r *reader) blockType() {
	if r.off < len(r.b) {
		if c := r.b[r.off]; c == 0x40 || (c >= 0x6f && c <= 0x7f) {
			r.off++
			return
		}
	}
	if r.s64() < 0 {
		r.fail("negative block type index")
	}
}

// constExpr reads a constant initializer up to its end.
func (r *reader) constExpr() {
	for r.err == nil {
		switch op := r.byte(); op {
		case 0x0b:
			return
		case 0x41, 0x42:
			r.s64()
		case 0x43:
			r.bytes(4)
		case 0x44:
			r.bytes(8)
		case 0x23, 0xd2:
			r.u32()
		case 0xd0:
			r.byte()
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constants
		default:
			r.fail(fmt.Sprintf("unsupported opcode %#x in a constant expression", op))
		}
	}
}

func appendU32(b []byte, v uint32) []byte { return leb128.AppendUnsigned(b, uint64(v)) }
