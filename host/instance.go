package host

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// The exports the pool calls, looked up once per instance.
const (
	fnABIVersion = iota
	fnInputBuffer
	fnBundleBuffer
	fnLoadBundle
	fnBundleInfo
	fnDecide
	fnLastError
	numFns
)

var fnNames = [numFns]string{
	abi.ExportABIVersion, abi.ExportInputBuffer, abi.ExportBundleBuffer,
	abi.ExportLoadBundle, abi.ExportBundleInfo, abi.ExportDecide, abi.ExportLastError,
}

// instance is one guest instance with what the pool keeps about it. It is
// used by one goroutine at a time (whoever checked it out).
type instance struct {
	id     uint64
	inst   Instance
	mem    Memory
	fns    [numFns]Function
	stack  []uint64 // parameters and results, reused by every call
	inPtr  uint32   // input_buffer
	inCap  uint32
	gen    *generation // the bundle loaded, nil before the first
	stdout *lineLogger
	stderr *lineLogger
}

// startInstance instantiates mod (running _initialize), or restores snap
// when it is not nil (mod is then a Restorer), checks its ABI version and
// fetches its input buffer.
func startInstance(ctx context.Context, mod Module, snap *Snapshot, id uint64, log *slog.Logger) (*instance, error) {
	in := &instance{
		id:     id,
		stack:  make([]uint64, 2),
		stdout: newLineLogger(log, slog.LevelInfo, "stdout", id),
		stderr: newLineLogger(log, slog.LevelError, "stderr", id),
	}
	cfg := InstanceConfig{Stdout: in.stdout, Stderr: in.stderr}
	var inst Instance
	var err error
	if snap != nil {
		inst, err = mod.(Restorer).Restore(ctx, cfg, snap)
	} else {
		inst, err = mod.Instantiate(ctx, cfg)
	}
	if err != nil {
		in.stderr.Flush()
		return nil, fmt.Errorf("host: starting an instance: %w", err)
	}
	in.inst = inst
	for i, name := range fnNames {
		if in.fns[i] = inst.Function(name); in.fns[i] == nil {
			in.close()
			return nil, &ExportError{Kind: "func", Name: name, Msg: "guest does not export func[" + name + "]"}
		}
	}
	if in.mem = inst.Memory(); in.mem == nil {
		in.close()
		return nil, &ExportError{Kind: "memory", Name: abi.ExportMemory, Msg: "guest does not export memory[" + abi.ExportMemory + "]"}
	}
	if err := checkVersion(ctx, in.fns[fnABIVersion], in.stack); err != nil {
		in.close()
		return nil, err
	}
	if err := in.fns[fnInputBuffer].Call(ctx, in.stack); err != nil {
		in.close()
		return nil, in.callError(ctx, abi.ExportInputBuffer, err)
	}
	in.inPtr, in.inCap = abi.Unpack(in.stack[0])
	if _, ok := in.mem.View(in.inPtr, in.inCap); !ok || in.inPtr == 0 || in.inCap < abi.MaxContextSize {
		in.close()
		return nil, fmt.Errorf("%w: input_buffer returned %#x, outside memory or too small", ErrProtocol, in.stack[0])
	}
	return in, nil
}

func (in *instance) close() {
	if in.inst != nil {
		_ = in.inst.Close(context.Background())
	}
	in.stdout.Flush()
	in.stderr.Flush()
}

// callError describes a failed call (the instance is dead): an interruption
// if ctx is done, else a trap.
func (in *instance) callError(ctx context.Context, export string, err error) error {
	in.stderr.Flush()
	// A runtime may end the call at its deadline before ctx's own timer
	// has fired (ctx.Err still nil): its error then wraps
	// context.DeadlineExceeded.
	if cause := ctx.Err(); cause != nil || ctxDone(err) {
		if cause == nil {
			return fmt.Errorf("host: %s interrupted: %w", export, err)
		}
		return fmt.Errorf("host: %s interrupted: %w (%w)", export, cause, err)
	}
	return fmt.Errorf("%w in %s: %w", ErrTrap, export, err)
}

// guestError fetches the guest's message for a non-OK status. dead reports
// that last_error itself failed.
func (in *instance) guestError(ctx context.Context, export string, st abi.Status) (err error, dead bool) {
	if err := in.fns[fnLastError].Call(ctx, in.stack); err != nil {
		return in.callError(ctx, abi.ExportLastError, err), true
	}
	ptr, n := abi.Unpack(in.stack[0])
	msg, ok := in.mem.View(ptr, n)
	if !ok {
		return fmt.Errorf("%w: last_error returned %#x, outside memory", ErrProtocol, in.stack[0]), true
	}
	return &GuestError{Export: export, Status: st, Msg: string(msg)}, false
}

// load loads g's bundle. With names, it also reads the names table and
// returns the Bundle. dead reports that the instance must be discarded.
func (in *instance) load(ctx context.Context, g *generation, names bool) (b *Bundle, err error, dead bool) {
	st := in.stack
	st[0] = uint64(len(g.data))
	if err := in.fns[fnBundleBuffer].Call(ctx, st); err != nil {
		return nil, in.callError(ctx, abi.ExportBundleBuffer, err), true
	}
	ptr := uint32(st[0])
	if ptr == 0 {
		err, dead := in.guestError(ctx, abi.ExportBundleBuffer, abi.StatusBadArgument)
		return nil, err, dead
	}
	buf, ok := in.mem.View(ptr, uint32(len(g.data)))
	if !ok {
		return nil, fmt.Errorf("%w: bundle_buffer returned %#x, outside memory", ErrProtocol, ptr), true
	}
	copy(buf, g.data)
	st[0], st[1] = uint64(ptr), uint64(len(g.data))
	if err := in.fns[fnLoadBundle].Call(ctx, st); err != nil {
		return nil, in.callError(ctx, abi.ExportLoadBundle, err), true
	}
	if s := abi.Status(uint32(st[0])); s != abi.StatusOK {
		err, dead := in.guestError(ctx, abi.ExportLoadBundle, s)
		return nil, err, dead
	}
	// From here the guest has switched: in.gen must follow whatever
	// happens next.
	in.gen = g
	if !names {
		return nil, nil, false
	}
	if err := in.fns[fnBundleInfo].Call(ctx, st); err != nil {
		return nil, in.callError(ctx, abi.ExportBundleInfo, err), true
	}
	ptr, n := abi.Unpack(st[0])
	if ptr == 0 {
		err, dead := in.guestError(ctx, abi.ExportBundleInfo, abi.Status(n))
		return nil, err, dead
	}
	tbl, ok := in.mem.View(ptr, n)
	if !ok {
		return nil, fmt.Errorf("%w: bundle_info returned %#x, outside memory", ErrProtocol, st[0]), true
	}
	nm, err := abi.DecodeNames(tbl)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err), true
	}
	if want := abi.BundleCRC(g.data); nm.BundleCRC != want {
		return nil, fmt.Errorf("%w: names table tagged %#08x for bundle %#08x", ErrProtocol, nm.BundleCRC, want), true
	}
	return newBundle(nm, len(g.data)), nil, false
}

// decide makes one decision with the loaded bundle. dead reports that the
// instance must be discarded.
func (in *instance) decide(ctx context.Context, c *shopper.Context, d *scorer.Decision) (err error, dead bool) {
	rec, ok := in.mem.View(in.inPtr, in.inCap)
	if !ok {
		return fmt.Errorf("%w: input buffer outside memory", ErrProtocol), true
	}
	n, err := abi.PutContext(rec, c)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadContext, err), false
	}
	st := in.stack
	st[0], st[1] = uint64(in.inPtr), uint64(n)
	if err := in.fns[fnDecide].Call(ctx, st); err != nil {
		return in.callError(ctx, abi.ExportDecide, err), true
	}
	ptr, ln := abi.Unpack(st[0])
	if ptr == 0 {
		return in.guestError(ctx, abi.ExportDecide, abi.Status(ln))
	}
	out, ok := in.mem.View(ptr, ln)
	if !ok {
		return fmt.Errorf("%w: decide returned %#x, outside memory", ErrProtocol, st[0]), true
	}
	crc, err := abi.DecodeDecision(out, d)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrProtocol, err), true
	}
	if in.gen == nil || crc != in.gen.bundle.CRC() {
		return fmt.Errorf("%w: decision made by bundle %#08x, not the one loaded", ErrProtocol, crc), true
	}
	return nil, false
}
