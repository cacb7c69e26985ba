package conformance

import (
	"context"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/host/internal/testbundle"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

// Decider is a runtime under test with one bundle loaded. *host.Pool is
// one.
type Decider interface {
	Decide(ctx context.Context, c *shopper.Context, d *scorer.Decision) error
}

// Loader makes a Decider for a binary bundle (failing t if it cannot).
type Loader func(t *testing.T, bundle []byte) Decider

// File is the golden file.
type File struct {
	Comment string       `json:"comment"`
	ABI     string       `json:"abi"`
	Bundles []BundleCase `json:"bundles"`
}

// BundleCase is one bundle and the cases decided with it.
type BundleCase struct {
	Name  string `json:"name"`
	Path  string `json:"path"` // relative to the repository root
	ID    string `json:"id"`
	CRC   string `json:"crc"` // abi.BundleCRC, 8 hex digits
	Cases []Case `json:"cases"`
}

// Case is one context and the decision the native core made for it.
type Case struct {
	Name     string `json:"name"`
	Context  string `json:"context"`  // hex of the context record
	Decision string `json:"decision"` // hex of the decision record
}

// GoldenPath is the golden file, relative to the repository root.
const GoldenPath = "host/conformance/testdata/golden.json"

//go:embed testdata/golden.json
var golden []byte

// Golden returns the golden cases.
func Golden() (*File, error) {
	var f File
	if err := json.Unmarshal(golden, &f); err != nil {
		return nil, fmt.Errorf("conformance: %s: %w", GoldenPath, err)
	}
	return &f, nil
}

// maxReported bounds the mismatches reported per bundle.
const maxReported = 5

// shortStride: with -short (CI's race run), every 8th case.
const shortStride = 8

// Run decides every golden case with the deciders load makes and fails t
// for each decision that is not bit-identical to the golden one (with
// -short, every 8th case).
func Run(t *testing.T, load Loader) {
	f, err := Golden()
	if err != nil {
		t.Fatal(err)
	}
	if f.ABI != abi.VersionString(abi.Version) {
		t.Fatalf("golden cases are for ABI %s, this is %s: regenerate (go generate ./host/conformance)", f.ABI, abi.VersionString(abi.Version))
	}
	root := testbundle.Root(t)
	for _, bc := range f.Bundles {
		t.Run(bc.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, bc.Path))
			if err != nil {
				t.Fatal(err)
			}
			if crc := fmt.Sprintf("%08x", abi.BundleCRC(data)); crc != bc.CRC {
				t.Fatalf("%s has changed (crc %s, golden %s): regenerate the golden cases (go generate ./host/conformance)", bc.Path, crc, bc.CRC)
			}
			dec := load(t, data)
			var (
				c   shopper.Context
				d   scorer.Decision
				bad int
			)
			for i, k := range bc.Cases {
				if testing.Short() && i%shortStride != 0 {
					continue
				}
				rec, err := hex.DecodeString(k.Context)
				if err != nil {
					t.Fatalf("%s: %v", k.Name, err)
				}
				want, err := hex.DecodeString(k.Decision)
				if err != nil {
					t.Fatalf("%s: %v", k.Name, err)
				}
				if err := abi.DecodeContext(rec, &c, nil); err != nil {
					t.Fatalf("%s: %v", k.Name, err)
				}
				if err := dec.Decide(context.Background(), &c, &d); err != nil {
					t.Errorf("%s: %v", k.Name, err)
					bad++
				} else {
					got := make([]byte, abi.DecisionSize)
					abi.PutDecision(got, &d, abi.BundleCRC(data))
					if diff := Diff(got, want); diff != "" {
						t.Errorf("%s: decision differs from the native core's:\n%s", k.Name, diff)
						bad++
					}
				}
				if bad >= maxReported {
					t.Fatalf("stopping after %d bad cases of %d", bad, len(bc.Cases))
				}
			}
		})
	}
}

// Diff describes, field by field, how two decision records differ ("" if
// they are equal), with floats shown with their bits.
func Diff(got, want []byte) string {
	var g, w scorer.Decision
	gc, err1 := abi.DecodeDecision(got, &g)
	wc, err2 := abi.DecodeDecision(want, &w)
	if err1 != nil || err2 != nil {
		if string(got) == string(want) {
			return ""
		}
		return fmt.Sprintf("got  % X\nwant % X", got, want)
	}
	var b strings.Builder
	fl := func(name string, a, e float64) {
		if math.Float64bits(a) != math.Float64bits(e) {
			fmt.Fprintf(&b, "  %s: %v (%#016x), want %v (%#016x)\n", name, a, math.Float64bits(a), e, math.Float64bits(e))
		}
	}
	in := func(name string, a, e any) {
		if a != e {
			fmt.Fprintf(&b, "  %s: %v, want %v\n", name, a, e)
		}
	}
	fl("propensity", g.Propensity, w.Propensity)
	fl("p_alive", g.PAlive, w.PAlive)
	fl("expected_purchases", g.ExpectedPurchases, w.ExpectedPurchases)
	fl("expected_aov", g.ExpectedAOV, w.ExpectedAOV)
	fl("clv", g.CLV, w.CLV)
	fl("cluster_distance", g.ClusterDistance, w.ClusterDistance)
	fl("action_probability", g.ActionProbability, w.ActionProbability)
	fl("expected_profit", g.ExpectedProfit, w.ExpectedProfit)
	fl("buy_probability", g.BuyProbability, w.BuyProbability)
	in("tier", g.Tier, w.Tier)
	in("cluster", g.Cluster, w.Cluster)
	in("segments", g.Segments, w.Segments)
	in("variant", g.Variant, w.Variant)
	in("bucket", g.Bucket, w.Bucket)
	in("action", g.Action, w.Action)
	in("greedy_action", g.GreedyAction, w.GreedyAction)
	in("eligible", g.Eligible, w.Eligible)
	in("explored", g.Explored, w.Explored)
	in("num_reasons", g.NumReasons, w.NumReasons)
	for i := range scorer.MaxReasons {
		in(fmt.Sprintf("reasons[%d].feature", i), g.Reasons[i].Feature, w.Reasons[i].Feature)
		fl(fmt.Sprintf("reasons[%d].contribution", i), g.Reasons[i].Contribution, w.Reasons[i].Contribution)
	}
	in("bundle_crc", gc, wc)
	return b.String()
}

// Native is the Loader of the native core: the reference every runtime
// must match (and a check that the golden file is up to date).
func Native(t *testing.T, data []byte) Decider {
	b, err := bundle.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return nativeDecider{scorer.New(b)}
}

type nativeDecider struct{ s *scorer.Scorer }

func (n nativeDecider) Decide(_ context.Context, c *shopper.Context, d *scorer.Decision) error {
	n.s.Decide(c, d)
	return nil
}
