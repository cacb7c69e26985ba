package main

import wazerohost "github.com/edgescore/edgescore/host/wazero"

// --runtime wazero: the guest module on wazero (pure Go, always available).
func init() {
	deciders["wazero"] = func(data []byte) (decider, error) { return newPoolDecider(data, wazerohost.NewPool) }
}
