//go:build cgo

package main

import (
	"context"

	"github.com/edgescore/edgescore/host"
	wasmtimehost "github.com/edgescore/edgescore/host/wasmtime"
)

func newWasmtime(ctx context.Context) (host.Runtime, error) { return wasmtimehost.New(ctx) }
