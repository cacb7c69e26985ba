package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/edgescore/edgescore/host"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// poolDecideTimeout bounds one decision: a guest stuck in a loop is
// interrupted instead of hanging the command.
const poolDecideTimeout = 10 * time.Second

// poolDecider runs the core in the wasm guest through a host pool (wazero or
// wasmtime), and names the decision's indexes with the same bundle compiled
// natively.
type poolDecider struct {
	pool  *host.Pool
	names *bundle.Bundle
	crc   uint32
}

type newPoolFunc func(ctx context.Context, wasm []byte, opts ...host.Option) (*host.Pool, error)

func newPoolDecider(data []byte, newPool newPoolFunc) (decider, error) {
	// The guest loads only the binary encoding; an authoring document is
	// compiled natively first (which also gives the names for the JSON).
	spec, b, err := jsonform.LoadBundle(data)
	if err != nil {
		return nil, err
	}
	if !jsonform.IsBinary(data) {
		if data, err = bundle.Encode(spec); err != nil {
			return nil, err
		}
	}
	wasm, _, err := host.FindGuest("")
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := newPool(ctx, wasm, host.WithSize(1), host.WithLogger(log))
	if err != nil {
		return nil, err
	}
	hb, err := p.LoadBundle(ctx, data)
	if err != nil {
		p.Close(ctx)
		return nil, err
	}
	return &poolDecider{pool: p, names: b, crc: hb.CRC()}, nil
}

func (w *poolDecider) decideJSON(c *shopper.Context, out []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), poolDecideTimeout)
	defer cancel()
	var d scorer.Decision
	hb, err := w.pool.DecideBundle(ctx, c, &d)
	if err != nil {
		return out, err
	}
	if hb.CRC() != w.crc {
		return out, fmt.Errorf("decided by bundle %08x, not the one loaded (%08x)", hb.CRC(), w.crc)
	}
	return jsonform.AppendDecision(out, w.names, &d), nil
}

func (w *poolDecider) close() { w.pool.Close(context.Background()) }
