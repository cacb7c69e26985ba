package main

import (
	"context"
	"sort"
	"strings"

	"github.com/edgescore/edgescore/host"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
)

// edgeRuntimes are the WebAssembly runtimes `edgescore edge` can run the
// guest on. wazero is always there; cgo builds add wasmtime and make it the
// default, because its epoch interruption enforces the per-call deadline at
// almost no cost, where wazero's context checks make a decision several
// times slower (RATIONALE.md, "Runtimes").
var edgeRuntimes = map[string]func(context.Context) (host.Runtime, error){
	"wazero": func(ctx context.Context) (host.Runtime, error) { return wazerohost.New(ctx) },
}

var defaultEdgeRuntime = "wazero"

func runtimeNames() string {
	names := make([]string, 0, len(edgeRuntimes))
	for n := range edgeRuntimes {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
