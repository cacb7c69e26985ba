//go:build !cgo

package main

import (
	"context"
	"errors"

	"github.com/edgescore/edgescore/host"
)

func newWasmtime(context.Context) (host.Runtime, error) {
	return nil, errors.New("wasmtime needs a cgo build")
}
