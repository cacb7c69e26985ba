package host

import (
	"context"
	"encoding/binary"
	"io"
	"sync"

	"github.com/edgescore/edgescore/wasm/abi"
)

// Runtime is a WebAssembly engine configured once (memory cap, compilation
// cache, interruption). Implementations: host/wazero; host/wasmtime.
//
// Compile may be called concurrently; the pool calls it once.
type Runtime interface {
	// Compile validates and compiles a module; its instances share the
	// compiled code.
	Compile(ctx context.Context, wasm []byte) (Module, error)
	// Close releases the engine. Modules and instances compiled by it
	// must not be used afterwards.
	Close(ctx context.Context) error
}

// Module is compiled code, ready to instantiate. Instantiate may be called
// concurrently.
type Module interface {
	// ExportedFunctions returns the name and exact signature of every
	// exported function, keyed by name.
	ExportedFunctions() map[string]abi.Func
	// ExportedMemories returns the names of the exported memories.
	ExportedMemories() []string
	// Instantiate creates an instance with the WASI preview 1 imports
	// (real clocks, cfg's stdout and stderr) and runs its _initialize
	// export (never _start). The instance's linear memory is capped as
	// the runtime was configured.
	Instantiate(ctx context.Context, cfg InstanceConfig) (Instance, error)
	// Close releases the compiled code.
	Close(ctx context.Context) error
}

// InstanceConfig is what one instance gets from its host.
type InstanceConfig struct {
	// Stdout and Stderr receive the guest's fd 1 and fd 2 (nil: discard).
	// Go writes panic messages to fd 2.
	Stdout, Stderr io.Writer
}

// Instance is one instantiated module. It is NOT safe for concurrent use:
// one call at a time, from one goroutine at a time.
type Instance interface {
	// Function returns the exported function name, or nil if there is
	// none. The pool looks functions up once per instance.
	Function(name string) Function
	// Memory returns the exported memory "memory", or nil.
	Memory() Memory
	// Close releases the instance. It may be called after a failed call.
	Close(ctx context.Context) error
}

// Function is one exported function of one instance.
type Function interface {
	// Call calls the function with its parameters in stack[:len(params)]
	// and writes its results to stack[:len(results)]; stack is at least
	// as long as either. It must not allocate in the common case.
	//
	// Call must return when ctx is done, with an error, even if the guest
	// is in an endless loop. Any error (a trap, a proc_exit, an
	// interruption) leaves the instance unusable: the caller closes it.
	Call(ctx context.Context, stack []uint64) error
}

// Memory is an instance's linear memory.
type Memory interface {
	// View returns the n bytes at offset, sharing the guest's memory:
	// writes to the slice are writes to the guest. ok is false when the
	// range is outside the memory. The slice is valid until the next
	// call into the instance (memory can grow and move).
	View(offset, n uint32) (b []byte, ok bool)
	// Size is the memory's current size in bytes.
	Size() uint64
}

// Snapshot is the whole state of an instance between two calls: its linear
// memory and its globals, in index order. A Go guest keeps all of its state
// there (the Go heap and goroutine stacks are in linear memory, the stack
// pointer and the current goroutine in globals), so an instance restored
// from a snapshot continues exactly where the original stood — with the Go
// runtime started and the bundle loaded, which is most of what starting an
// instance costs (wasm/ABI.md, "Snapshots").
type Snapshot struct {
	Memory  []byte
	Globals []uint64

	zeroOnce sync.Once
	zero     []bool
}

// SnapshotPage is the granularity of Snapshot.ZeroPages.
const SnapshotPage = 4096

// ZeroPages reports, for each SnapshotPage bytes of Memory, whether they are
// all zeros (about 40% of them after the reference bundle's load). A
// Restorer need not write a zero page where a fresh instance's memory is
// known to be zero, which saves the copy and leaves the page untouched (for
// an mmap-backed memory: not resident). Computed once.
func (s *Snapshot) ZeroPages() []bool {
	s.zeroOnce.Do(func() {
		s.zero = make([]bool, (len(s.Memory)+SnapshotPage-1)/SnapshotPage)
		for i := range s.zero {
			s.zero[i] = allZero(s.Memory[i*SnapshotPage : min(len(s.Memory), (i+1)*SnapshotPage)])
		}
	})
	return s.zero
}

// CopyTo writes the snapshot's memory into mem (at least as long), skipping
// the zero pages at or above from, which mem must already hold as zeros.
func (s *Snapshot) CopyTo(mem []byte, from uint64) {
	zero := s.ZeroPages()
	for i, z := range zero {
		lo := i * SnapshotPage
		hi := min(len(s.Memory), lo+SnapshotPage)
		if z && uint64(lo) >= from {
			continue
		}
		copy(mem[lo:hi], s.Memory[lo:hi])
	}
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Snapshotter is implemented by instances whose state can be captured
// between calls. The pool snapshots the instance that loaded a bundle and
// starts later instances from it.
type Snapshotter interface {
	Snapshot() (*Snapshot, error)
}

// Restorer is implemented by modules that can start an instance from a
// Snapshot of one of their own instances, without running _initialize.
type Restorer interface {
	Restore(ctx context.Context, cfg InstanceConfig, s *Snapshot) (Instance, error)
}
