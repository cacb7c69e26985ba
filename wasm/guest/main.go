//go:build wasip1

package main

import (
	"unsafe"

	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// main is never called: a c-shared wasip1 build is a reactor, started by
// _initialize.
func main() {}

// loaded is one successfully loaded bundle with the scorer that decides
// with it.
type loaded struct {
	scorer *scorer.Scorer
	crc    uint32
	names  []byte // the names table, returned by bundle_info
}

var (
	// input is the context record buffer handed out by input_buffer.
	input = make([]byte, abi.InputBufferSize)
	// output holds the last decision record.
	output = make([]byte, abi.DecisionSize)
	// pending is the buffer of the latest bundle_buffer, until load_bundle.
	pending []byte
	// errMsg is the last error message; its backing array is never
	// empty so last_error always returns a non-zero pointer.
	errMsg = make([]byte, 0, 1024)

	current *loaded
	ctx     shopper.Context
	dec     scorer.Decision

	// debugHook is set only in builds with the edgescore_debug tag
	// (debug.go); it lets host tests make decide trap or spin.
	debugHook func(c *shopper.Context)
)

func init() {
	ctx.Reset()
	ctx.History.Affinities = make([]shopper.Affinity, 0, shopper.MaxAffinities)
	ctx.Session.Cart = make([]shopper.CartLine, 0, shopper.MaxCartLines)
}

//go:wasmexport abi_version
func abiVersion() uint32 { return abi.Version }

//go:wasmexport input_buffer
func inputBuffer() uint64 { return abi.Pack(addr(input), uint32(len(input))) }

//go:wasmexport bundle_buffer
func bundleBuffer(size int32) uint32 {
	if size <= 0 || size > abi.MaxBundleSize {
		setError("bundle_buffer: size " + itoa(int64(size)) + " out of range 1…" + itoa(abi.MaxBundleSize))
		return 0
	}
	pending = nil // let a previous, unused buffer go before allocating
	pending = make([]byte, size)
	errMsg = errMsg[:0]
	return addr(pending)
}

//go:wasmexport load_bundle
func loadBundle(ptr, n uint32) uint32 {
	buf := pending
	pending = nil
	if buf == nil || ptr != addr(buf) || int64(n) > int64(len(buf)) {
		setError("load_bundle: pointer and length do not designate the buffer of the latest bundle_buffer")
		return uint32(abi.StatusBadArgument)
	}
	data := buf[:n]
	b, err := bundle.Load(data)
	if err != nil {
		setError("bundle: " + err.Error())
		return uint32(abi.StatusBadBundle)
	}
	crc := abi.BundleCRC(data)
	current = &loaded{
		scorer: scorer.New(b),
		crc:    crc,
		names:  abi.AppendNames(nil, abi.NamesOf(b, crc)),
	}
	errMsg = errMsg[:0]
	return uint32(abi.StatusOK)
}

//go:wasmexport bundle_info
func bundleInfo() uint64 {
	if current == nil {
		setError("bundle_info: no bundle loaded")
		return abi.PackStatus(abi.StatusNoBundle)
	}
	errMsg = errMsg[:0]
	return abi.Pack(addr(current.names), uint32(len(current.names)))
}

//go:wasmexport decide
func decide(ptr, n uint32) uint64 {
	if ptr != addr(input) || n > uint32(len(input)) {
		setError("decide: pointer and length do not designate the input buffer")
		return abi.PackStatus(abi.StatusBadArgument)
	}
	cur := current
	if cur == nil {
		setError("decide: no bundle loaded")
		return abi.PackStatus(abi.StatusNoBundle)
	}
	if err := abi.DecodeContext(input[:n], &ctx, alias); err != nil {
		setError(err.Error())
		return abi.PackStatus(abi.StatusBadContext)
	}
	if debugHook != nil {
		debugHook(&ctx)
	}
	cur.scorer.Decide(&ctx, &dec)
	abi.PutDecision(output, &dec, cur.crc)
	errMsg = errMsg[:0]
	return abi.Pack(addr(output), abi.DecisionSize)
}

//go:wasmexport last_error
func lastError() uint64 {
	return abi.Pack(addr(errMsg[:cap(errMsg)]), uint32(len(errMsg)))
}

func setError(msg string) { errMsg = append(errMsg[:0], msg...) }

// alias makes a string that shares b's bytes, so decoding a context
// allocates nothing. The strings live in ctx only until the next decode, and
// the core keeps no string from a context, so the host overwriting the
// input buffer between calls never changes a string in use.
func alias(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// addr is the linear-memory address of b's first byte.
func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func itoa(v int64) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
