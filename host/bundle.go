package host

import "github.com/edgescore/edgescore/wasm/abi"

// Bundle is a bundle the pool has loaded: its id, its CRC tag (the one in
// every decision record, abi.BundleCRC) and the names that a decision's
// indexes refer to. It is immutable.
type Bundle struct {
	n    *abi.Names
	size int
}

func newBundle(n *abi.Names, size int) *Bundle { return &Bundle{n: n, size: size} }

// ID is the bundle's human id, e.g. "shoes-propensity@7".
func (b *Bundle) ID() string { return b.n.ID }

// CRC is the bundle's tag: the CRC-32C stored in its last four bytes.
func (b *Bundle) CRC() uint32 { return b.n.BundleCRC }

// Size is the size of the binary bundle in bytes.
func (b *Bundle) Size() int { return b.size }

// The accessors below mirror module/bundle.Bundle's, so code that prints a
// decision can take either. Out-of-range indexes give "".

func (b *Bundle) NumFeatures() int         { return len(b.n.Features) }
func (b *Bundle) FeatureName(i int) string { return at(b.n.Features, i) }
func (b *Bundle) NumTiers() int            { return len(b.n.Tiers) }
func (b *Bundle) TierName(i int) string    { return at(b.n.Tiers, i) }
func (b *Bundle) NumSegments() int         { return len(b.n.Segments) }
func (b *Bundle) SegmentName(i int) string { return at(b.n.Segments, i) }
func (b *Bundle) NumClusters() int         { return len(b.n.Clusters) }
func (b *Bundle) ClusterName(i int) string { return at(b.n.Clusters, i) }
func (b *Bundle) NumVariants() int         { return len(b.n.Variants) }
func (b *Bundle) VariantName(i int) string { return at(b.n.Variants, i) }
func (b *Bundle) NumActions() int          { return len(b.n.Actions) }
func (b *Bundle) ActionID(i int) string    { return at(b.n.Actions, i) }

// ActionKind is the kind of action i as its name ("percent", …).
func (b *Bundle) ActionKind(i int) string { return at(b.n.ActionKinds, i) }

// ActionKindName is ActionKind, under the name jsonform.Names uses.
func (b *Bundle) ActionKindName(i int) string { return at(b.n.ActionKinds, i) }

func at(l []string, i int) string {
	if i < 0 || i >= len(l) {
		return ""
	}
	return l[i]
}
