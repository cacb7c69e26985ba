//go:build cgo

package wasmtimehost

import (
	"encoding/binary"
	"io"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/edgescore/edgescore/wasm/abi"
)

const wasiModule = "wasi_snapshot_preview1"

// WASI errno values fd_write returns.
const (
	errnoSuccess = 0
	errnoBadf    = 8
	errnoFault   = 21
	errnoIO      = 29
)

// storeData is what a store carries for its host functions.
type storeData struct {
	stdout, stderr io.Writer
}

// newLinker links wasmtime's WASI preview 1 with fd_write replaced by
// fdWrite. wasmtime's WasiConfig can only send fds 1 and 2 to files (or the
// process's own): redefining fd_write sends them to the instance's
// io.Writers instead, synchronously, with no file descriptors or
// goroutines. The guest writes only panic messages (ABI.md §8), so the
// reflection-based FuncWrap costs nothing that matters.
func newLinker(e *wasmtime.Engine) (*wasmtime.Linker, error) {
	l := wasmtime.NewLinker(e)
	if err := l.DefineWasi(); err != nil {
		l.Close()
		return nil, err
	}
	l.AllowShadowing(true)
	if err := l.FuncWrap(wasiModule, "fd_write", fdWrite); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// fdWrite is WASI's fd_write(fd, iovs, iovs_len, nwritten) -> errno for
// fds 1 and 2; other fds are EBADF (the guest has no files).
func fdWrite(c *wasmtime.Caller, fd, iovs, iovsLen, nwritten int32) (errno int32) {
	sd, _ := c.Data().(*storeData)
	if sd == nil {
		return errnoBadf
	}
	var w io.Writer
	switch fd {
	case 1:
		w = sd.stdout
	case 2:
		w = sd.stderr
	default:
		return errnoBadf
	}
	ext := c.GetExport(abi.ExportMemory)
	if ext == nil || ext.Memory() == nil {
		return errnoFault
	}
	mem := ext.Memory().UnsafeData(c)
	defer func() {
		if recover() != nil { // a Writer that panics must not unwind through wasm
			errno = errnoIO
		}
	}()
	le := binary.LittleEndian
	var total uint32
	for i := range uint32(iovsLen) {
		at := uint64(uint32(iovs)) + 8*uint64(i)
		if at+8 > uint64(len(mem)) {
			return errnoFault
		}
		p, n := le.Uint32(mem[at:]), le.Uint32(mem[at+4:])
		if uint64(p)+uint64(n) > uint64(len(mem)) {
			return errnoFault
		}
		if w != nil && n > 0 {
			if _, err := w.Write(mem[p : p+n]); err != nil {
				return errnoIO
			}
		}
		total += n
	}
	at := uint64(uint32(nwritten))
	if at+4 > uint64(len(mem)) {
		return errnoFault
	}
	le.PutUint32(mem[at:], total)
	return errnoSuccess
}
