// Package wazerohost runs the edgescore guest on wazero, a WebAssembly
// runtime in pure Go: the default backend of package host.
//
// It compiles with wazero's optimizing compiler, through a compilation cache
// (on disk by default, so a restarted process gets the compiled code in
// tens of milliseconds instead of most of a second), caps every instance's
// linear memory, gives guests real clocks and crypto randomness, sends
// their stdout and stderr where the pool says, and makes every call
// interruptible by its context: the module is rewritten to count fuel at
// its loop headers and yield to the host, which ends the call when the
// context is done (host/internal/instrument; RATIONALE.md, "Runtimes and
// deadlines"). Instances can be snapshotted and restored (host.Snapshot).
package wazerohost
