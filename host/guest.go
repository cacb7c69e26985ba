package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// GuestFile is the guest module's file name, as `make build` writes it
// beside the edgescore binary (out/edgescore.wasm).
const GuestFile = "edgescore.wasm"

// FindGuest reads the guest module from path, or when path is "" from the
// first of $EDGESCORE_WASM, GuestFile beside the running executable, and
// out/GuestFile under the working directory that exists. It returns the
// module and where it was read from.
func FindGuest(path string) ([]byte, string, error) {
	var tries []string
	if path != "" {
		tries = []string{path}
	} else {
		if p := os.Getenv("EDGESCORE_WASM"); p != "" {
			tries = append(tries, p)
		}
		if exe, err := os.Executable(); err == nil {
			tries = append(tries, filepath.Join(filepath.Dir(exe), GuestFile))
		}
		tries = append(tries, filepath.Join("out", GuestFile))
	}
	for _, p := range tries {
		data, err := os.ReadFile(p)
		if err == nil {
			return data, p, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, p, err
		}
	}
	return nil, "", fmt.Errorf("host: guest module not found (tried %v): build it with `make build`, set EDGESCORE_WASM, or pass -wasm", tries)
}
