package corevalidator

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/host"
	wazerohost "github.com/edgescore/edgescore/host/wazero"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// smokeNDJSON holds the smoke contexts, one JSON context per line: a varied
// sample of the core's test contexts plus an empty context (everything
// missing) and a first visit.
//
//go:embed smoke.ndjson
var smokeNDJSON []byte

// Validator is the production controlplane.BundleValidator. Build it with
// NewWasm (the full check) or NewNative (without the wasm guest). It is safe
// for concurrent use; validations run one at a time.
type Validator struct {
	mu    sync.Mutex
	pool  *host.Pool // nil for NewNative
	smoke []shopper.Context
}

var _ controlplane.BundleValidator = (*Validator)(nil)

// NewNative returns a validator that decodes, compiles, encodes and scores
// the smoke contexts with the native core, but does not load the bundle
// into the wasm guest.
func NewNative() (*Validator, error) {
	smoke, err := SmokeContexts()
	if err != nil {
		return nil, err
	}
	return &Validator{smoke: smoke}, nil
}

// NewWasm returns the full validator: wasm is the guest module (what `make
// wasm` builds), run on wazero in a pool of one instance dedicated to
// validation.
func NewWasm(ctx context.Context, wasm []byte) (*Validator, error) {
	v, err := NewNative()
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if v.pool, err = wazerohost.NewPool(ctx, wasm, host.WithSize(1), host.WithLogger(quiet)); err != nil {
		return nil, fmt.Errorf("corevalidator: starting the wasm guest: %w", err)
	}
	return v, nil
}

// Close releases the wasm guest, if any.
func (v *Validator) Close(ctx context.Context) error {
	if v.pool == nil {
		return nil
	}
	return v.pool.Close(ctx)
}

// SmokeContexts parses the embedded smoke contexts.
func SmokeContexts() ([]shopper.Context, error) {
	var out []shopper.Context
	sc := bufio.NewScanner(bytes.NewReader(smokeNDJSON))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c shopper.Context
		c.Reset()
		if err := jsonform.ParseContext(line, &c); err != nil {
			return nil, fmt.Errorf("corevalidator: smoke context %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("corevalidator: no smoke contexts")
	}
	return out, sc.Err()
}

// Validate implements controlplane.BundleValidator: strict decoding
// (jsonform.ParseBundle: unknown fields and duplicate keys refused, errors
// name the JSON path), compilation (bundle.Compile validates every value),
// the binary encoding edges load (bundle.Encode), then every smoke context
// scored natively and — with NewWasm — in the wasm guest, refusing any
// error, NaN, a decision outside its ranges, or a guest that disagrees with
// the native core.
func (v *Validator) Validate(ctx context.Context, jsonBundle []byte) ([]byte, controlplane.BundleInfo, error) {
	spec, err := jsonform.ParseBundle(jsonBundle)
	if err != nil {
		return nil, controlplane.BundleInfo{}, err
	}
	if _, err := bundle.Compile(spec); err != nil {
		return nil, controlplane.BundleInfo{}, err
	}
	bin, err := bundle.Encode(spec)
	if err != nil {
		return nil, controlplane.BundleInfo{}, fmt.Errorf("encoding: %w", err)
	}
	// What edges load is the binary: score with the bundle decoded from it,
	// not with the spec we started from.
	back, err := bundle.Load(bin)
	if err != nil {
		return nil, controlplane.BundleInfo{}, fmt.Errorf("the encoded bundle does not load: %w", err)
	}
	native := scorer.New(back)
	want := make([]scorer.Decision, len(v.smoke))
	for i := range v.smoke {
		native.Decide(&v.smoke[i], &want[i])
		if err := CheckDecision(back, &want[i]); err != nil {
			return nil, controlplane.BundleInfo{}, fmt.Errorf("smoke context %d (native): %w", i+1, err)
		}
	}
	info := controlplane.BundleInfo{Validator: "core (native)", SmokeContexts: len(v.smoke)}
	if v.pool != nil {
		if err := v.wasmSmoke(ctx, bin, want); err != nil {
			return nil, controlplane.BundleInfo{}, err
		}
		info.Validator = "core (native + wasm)"
	}
	for i := 0; i < back.NumFeatures(); i++ {
		info.Features = append(info.Features, back.FeatureName(i))
	}
	for i := 0; i < back.NumActions(); i++ {
		info.Actions = append(info.Actions, back.ActionID(i))
	}
	for i := 0; i < back.NumVariants(); i++ {
		info.Variants = append(info.Variants, back.VariantName(i))
	}
	return bin, info, nil
}

func (v *Validator) wasmSmoke(ctx context.Context, bin []byte, want []scorer.Decision) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	hb, err := v.pool.LoadBundle(ctx, bin)
	if err != nil {
		return fmt.Errorf("the wasm guest refused the bundle: %w", err)
	}
	for i := range v.smoke {
		var d scorer.Decision
		got, err := v.pool.DecideBundle(ctx, &v.smoke[i], &d)
		if err != nil {
			return fmt.Errorf("smoke context %d (wasm): %w", i+1, err)
		}
		if got.CRC() != hb.CRC() {
			return fmt.Errorf("smoke context %d (wasm): decided by another bundle", i+1)
		}
		w := &want[i]
		if d.Action != w.Action || d.Variant != w.Variant || d.Tier != w.Tier || d.Segments != w.Segments ||
			!near(d.Propensity, w.Propensity) || !near(d.ActionProbability, w.ActionProbability) ||
			!near(d.CLV, w.CLV) || !near(d.ExpectedProfit, w.ExpectedProfit) {
			return fmt.Errorf("smoke context %d: the wasm guest decided differently from the native core "+
				"(action %d vs %d, propensity %v vs %v)", i+1, d.Action, w.Action, d.Propensity, w.Propensity)
		}
	}
	return nil
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// CheckDecision refuses a decision with a NaN or a value outside its range.
// Lifetime values are checked only when the bundle has a lifetime model.
func CheckDecision(b *bundle.Bundle, d *scorer.Decision) error {
	prob := func(name string, x float64, openLow bool) error {
		if math.IsNaN(x) || x < 0 || x > 1 || (openLow && x == 0) {
			return fmt.Errorf("%s = %v, want a probability", name, x)
		}
		return nil
	}
	finite := func(name string, x float64) error {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s = %v, want a finite number", name, x)
		}
		return nil
	}
	index := func(name string, i, n int) error {
		if i < 0 || i >= n {
			return fmt.Errorf("%s = %d, want 0…%d", name, i, n-1)
		}
		return nil
	}
	checks := []error{
		prob("propensity", d.Propensity, false),
		prob("action_probability", d.ActionProbability, true),
		prob("buy_probability", d.BuyProbability, false),
		finite("expected_profit", d.ExpectedProfit),
		index("action", d.Action, b.NumActions()),
		index("greedy_action", d.GreedyAction, b.NumActions()),
	}
	if d.Bucket < 0 || d.Bucket >= 10000 {
		checks = append(checks, fmt.Errorf("bucket = %d, want 0…9999", d.Bucket))
	}
	if b.NumVariants() > 0 {
		checks = append(checks, index("variant", d.Variant, b.NumVariants()))
	}
	if b.NumTiers() > 0 {
		checks = append(checks, index("tier", d.Tier, b.NumTiers()))
	}
	if d.Cluster != scorer.NoCluster {
		checks = append(checks, index("cluster", d.Cluster, b.NumClusters()))
	}
	if b.HasLifetime() {
		checks = append(checks, prob("p_alive", d.PAlive, false), finite("clv", d.CLV),
			finite("expected_purchases", d.ExpectedPurchases), finite("expected_aov", d.ExpectedAOV))
	}
	return errors.Join(checks...)
}
