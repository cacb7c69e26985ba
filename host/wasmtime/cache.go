//go:build cgo

package wasmtimehost

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

const wasmtimeModule = "github.com/bytecodealliance/wasmtime-go/v39"

// cacheVersion names what the compiled code depends on besides the module:
// the wasmtime version and the engine settings (epoch interruption).
// wasmtime also refuses code compiled by another version or with other
// settings; the name only keeps such files apart.
var cacheVersion = func() string {
	v := "v39"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == wasmtimeModule {
				v = d.Version
			}
		}
	}
	return "wasmtime-go-" + v + "-" + runtime.GOOS + "-" + runtime.GOARCH + "-epoch"
}()

// compileCached compiles wasm, or loads its compiled code from the cache
// directory. A cache that cannot be read or written only costs a compile.
func (r *Runtime) compileCached(wasm []byte) (*wasmtime.Module, error) {
	if r.cfg.cacheDir == "" {
		return wasmtime.NewModule(r.engine, wasm)
	}
	sum := sha256.Sum256(wasm)
	path := filepath.Join(r.cfg.cacheDir, cacheVersion, hex.EncodeToString(sum[:])+".cwasm")
	if m, err := wasmtime.NewModuleDeserializeFile(r.engine, path); err == nil {
		return m, nil
	}
	m, err := wasmtime.NewModule(r.engine, wasm)
	if err != nil {
		return nil, err
	}
	if code, err := m.Serialize(); err == nil {
		writeAtomic(path, code)
	}
	return m, nil
}

// writeAtomic writes data to path through a temporary file and a rename,
// so that a concurrent reader never sees half a file. Errors are ignored.
func writeAtomic(path string, data []byte) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil || os.Rename(f.Name(), path) != nil {
		os.Remove(f.Name())
	}
}
