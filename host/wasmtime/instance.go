//go:build cgo

package wasmtimehost

// #include "shim.h"
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/cgo"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/host/internal/instrument"
	"github.com/edgescore/edgescore/wasm/abi"
)

// instance is one instantiated module in a store of its own. Its fields
// are used by one goroutine at a time (busy enforces it), and by the
// deadline callback, which runs on that goroutine during a call.
type instance struct {
	mod    *module
	store  *wasmtime.Store
	ctx    *C.wasmtime_context_t
	handle cgo.Handle // for the deadline callback
	wi     *wasmtime.Instance
	funcs  map[string]*function

	busy atomic.Bool // in a call
	dead bool        // a call failed, or closed

	memh    C.es_memory_t
	hasMem  bool
	memBase unsafe.Pointer // the memory as of the end of the last call
	memSize uintptr

	res C.es_result_t // the outcome of the last call

	callCtx   context.Context // during a call, for the deadline callback
	interrupt error           // why the deadline callback ended the call
}

func newInstance(m *module, cfg host.InstanceConfig) (*instance, error) {
	sd := &storeData{stdout: cfg.Stdout, stderr: cfg.Stderr}
	if sd.stdout == nil {
		sd.stdout = io.Discard
	}
	if sd.stderr == nil {
		sd.stderr = io.Discard
	}
	s := wasmtime.NewStoreWithData(m.rt.engine, sd)
	in := &instance{mod: m, store: s, ctx: contextOf(s), funcs: map[string]*function{}}
	s.Limiter(int64(m.rt.cfg.memoryLimit), -1, -1, -1, -1)
	s.SetWasi(wasmtime.NewWasiConfig()) // no args, env, preopens; stdio replaced by fdWrite
	sp, err := storeOf(s)
	if err != nil {
		s.Close()
		return nil, err
	}
	in.handle = cgo.NewHandle(in)
	C.es_set_deadline_callback(sp, C.uintptr_t(in.handle))
	// A new store's deadline is the current epoch: instantiating (which
	// may run a start function) must not be interrupted.
	s.SetEpochDeadline(math.MaxUint64 / 2)
	return in, nil
}

// bind looks up the memory of a new instance.
func (in *instance) bind(wi *wasmtime.Instance) error {
	in.wi = wi
	ext := wi.GetExport(in.store, abi.ExportMemory)
	if ext == nil || ext.Memory() == nil {
		return nil // Memory() reports it; host.CheckModule has refused such modules
	}
	h, err := memoryHandle(ext.Memory())
	if err != nil {
		return err
	}
	in.memh, in.hasMem = h, true
	C.es_memory(in.ctx, &in.memh, &in.res)
	in.memBase, in.memSize = unsafe.Pointer(in.res.mem_base), uintptr(in.res.mem_size)
	return nil
}

// Snapshot implements host.Snapshotter.
func (in *instance) Snapshot() (*host.Snapshot, error) {
	if in.dead || !in.hasMem {
		return nil, errors.New("wasmtimehost: snapshot of a dead instance or one without memory")
	}
	s := &host.Snapshot{
		Memory:  bytes.Clone(unsafe.Slice((*byte)(in.memBase), in.memSize)),
		Globals: make([]uint64, len(in.mod.globals)),
	}
	for i, t := range in.mod.globals {
		g := in.global(i)
		if g == nil {
			return nil, fmt.Errorf("wasmtimehost: snapshot: global %d is not exported", i)
		}
		v := g.Get(in.store)
		switch t {
		case abi.I32:
			s.Globals[i] = uint64(uint32(v.I32()))
		case abi.I64:
			s.Globals[i] = uint64(v.I64())
		case abi.F32:
			s.Globals[i] = uint64(math.Float32bits(v.F32()))
		case abi.F64:
			s.Globals[i] = math.Float64bits(v.F64())
		default:
			return nil, fmt.Errorf("wasmtimehost: snapshot: global %d has type %#x", i, byte(t))
		}
	}
	return s, nil
}

// restore makes a fresh instance the twin of a snapshot.
func (in *instance) restore(s *host.Snapshot, types []instrument.ValueType, dataEnd uint64) error {
	if !in.hasMem {
		return errors.New("no memory exported")
	}
	want := uintptr(len(s.Memory))
	if want%pageSize != 0 || want < in.memSize {
		return fmt.Errorf("snapshot memory of %d bytes: not whole pages, or smaller than a fresh instance's %d", want, in.memSize)
	}
	if want > in.memSize {
		mem := in.wi.GetExport(in.store, abi.ExportMemory).Memory()
		if _, err := mem.Grow(in.store, uint64((want-in.memSize)/pageSize)); err != nil {
			return fmt.Errorf("growing memory to %d bytes: %w", want, err)
		}
		C.es_memory(in.ctx, &in.memh, &in.res)
		in.memBase, in.memSize = unsafe.Pointer(in.res.mem_base), uintptr(in.res.mem_size)
	}
	s.CopyTo(unsafe.Slice((*byte)(in.memBase), in.memSize), dataEnd)
	for i, t := range types {
		g := in.global(i)
		if g == nil {
			return fmt.Errorf("global %d is not exported", i)
		}
		v := s.Globals[i]
		var val wasmtime.Val
		switch t {
		case abi.I32:
			val = wasmtime.ValI32(int32(uint32(v)))
		case abi.I64:
			val = wasmtime.ValI64(int64(v))
		case abi.F32:
			val = wasmtime.ValF32(math.Float32frombits(uint32(v)))
		case abi.F64:
			val = wasmtime.ValF64(math.Float64frombits(v))
		default:
			return fmt.Errorf("global %d has type %#x", i, byte(t))
		}
		if g.Type(in.store).Mutable() {
			if err := g.Set(in.store, val); err != nil {
				return fmt.Errorf("global %d: %w", i, err)
			}
		}
	}
	return nil
}

func (in *instance) global(i int) *wasmtime.Global {
	ext := in.wi.GetExport(in.store, instrument.GlobalExportPrefix+strconv.Itoa(i))
	if ext == nil {
		return nil
	}
	return ext.Global()
}

// Function implements host.Instance.
func (in *instance) Function(name string) host.Function {
	if f, ok := in.funcs[name]; ok {
		return f
	}
	if in.dead {
		return nil
	}
	sig, ok := in.mod.funcs[name]
	if !ok {
		return nil
	}
	wf := in.wi.GetFunc(in.store, name)
	if wf == nil {
		return nil
	}
	h, err := funcHandle(wf)
	if err != nil {
		return nil
	}
	f := &function{in: in, name: name, h: h, sig: sig,
		raw: make([]rawVal, max(len(sig.Params), len(sig.Results), 1))}
	in.funcs[name] = f
	return f
}

// Memory implements host.Instance.
func (in *instance) Memory() host.Memory {
	if !in.hasMem {
		return nil
	}
	return memory{in}
}

// Close implements host.Instance: it frees the store and everything in it.
func (in *instance) Close(ctx context.Context) error {
	if in.store == nil {
		return nil
	}
	in.dead = true
	in.memBase, in.memSize = nil, 0
	in.store.Close()
	in.store = nil
	if in.handle != 0 {
		in.handle.Delete()
		in.handle = 0
	}
	return nil
}

// function is one export of one instance, with its argument buffer.
type function struct {
	in   *instance
	name string
	h    C.es_func_t
	sig  abi.Func
	raw  []rawVal // parameters in, results out: wasmtime_val_raw_t
}

// Call implements host.Function: one cgo call to es_call, no allocation.
func (f *function) Call(ctx context.Context, stack []uint64) error {
	in := f.in
	if !in.busy.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: %s", ErrBusy, f.name)
	}
	defer in.busy.Store(false)
	if in.dead {
		return fmt.Errorf("%w: %s", ErrUnusable, f.name)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInterrupted, f.name, err)
	}
	for i := range f.sig.Params {
		f.raw[i] = rawVal{lo: C.uint64_t(stack[i])}
	}
	var deadline uint64
	switch d, ok := ctx.Deadline(); {
	case ok:
		deadline = in.mod.rt.ticks(time.Until(d))
	case ctx.Done() != nil:
		deadline = 1 // cancellable without a deadline: look every tick
	default:
		deadline = math.MaxUint64 / 2 // never
	}
	in.callCtx = ctx
	C.es_call(in.ctx, &f.h, &f.raw[0], C.size_t(len(f.raw)), C.uint64_t(deadline), &in.memh, &in.res)
	in.callCtx = nil
	if in.res.failed != 0 {
		return in.fail(f)
	}
	if in.hasMem {
		in.memBase, in.memSize = unsafe.Pointer(in.res.mem_base), uintptr(in.res.mem_size)
	}
	for i, t := range f.sig.Results {
		v := uint64(f.raw[i].lo)
		if t == abi.I32 || t == abi.F32 {
			v = uint64(uint32(v))
		}
		stack[i] = v
	}
	return nil
}

// fail makes the error of a failed call and marks the instance dead.
func (in *instance) fail(f *function) error {
	in.dead = true
	in.memBase, in.memSize = nil, 0
	r := take(&in.res)
	if in.interrupt != nil {
		err := in.interrupt
		in.interrupt = nil
		return fmt.Errorf("%w: %s: %w", ErrInterrupted, f.name, err)
	}
	if r.exited {
		return &TrapError{Func: f.name, Exited: true, Code: r.exitCode, Msg: r.msg}
	}
	return &TrapError{Func: f.name, Msg: r.msg}
}

// memory is an instance's exported memory, read from the base and size
// that the last call left (memory grows only during calls).
type memory struct{ in *instance }

// View implements host.Memory.
func (m memory) View(offset, n uint32) ([]byte, bool) {
	in := m.in
	if in.memBase == nil || uint64(offset)+uint64(n) > uint64(in.memSize) {
		return nil, false
	}
	return unsafe.Slice((*byte)(unsafe.Add(in.memBase, offset)), n), true
}

// Size implements host.Memory.
func (m memory) Size() uint64 { return uint64(m.in.memSize) }

// pageSize is WebAssembly's memory page.
const pageSize = 64 << 10
