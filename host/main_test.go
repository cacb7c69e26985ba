package host_test

import (
	"os"
	"testing"
)

// cacheDir is an on-disk compilation cache shared by every runtime of the
// test binary: the guest is compiled once (closing a pool evicts its module
// from an in-memory cache, not from this one).
var cacheDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "edgescore-host-test-")
	if err != nil {
		panic(err)
	}
	cacheDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}
