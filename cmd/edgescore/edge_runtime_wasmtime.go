//go:build cgo

package main

import (
	"context"

	"github.com/edgescore/edgescore/host"
	wasmtimehost "github.com/edgescore/edgescore/host/wasmtime"
)

func init() {
	edgeRuntimes["wasmtime"] = func(ctx context.Context) (host.Runtime, error) { return wasmtimehost.New(ctx) }
	defaultEdgeRuntime = "wasmtime"
}
