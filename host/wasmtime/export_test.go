//go:build cgo

package wasmtimehost

import "github.com/edgescore/edgescore/host"

// InCall reports whether in, an instance of this package, is in a call:
// TestBusy waits for it instead of guessing how long a goroutine takes to
// enter one.
func InCall(in host.Instance) bool { return in.(*instance).busy.Load() }
