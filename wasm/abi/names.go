package abi

import "github.com/edgescore/edgescore/module/bundle"

// The names table: the output of bundle_info, built once per bundle load.
//
//	offset 0  u32 BundleCRC of the bundle
//	offset 4  u32 number of lists L (NumNameLists in this version)
//	offset 8  L lists, each: u32 count n, then n entries of
//	          { u32 byte length, UTF-8 bytes }
//
// Lists in order: the bundle id (one entry), feature names, tier names,
// segment names, cluster names, variant names, action ids, action kinds
// (one per action). A newer minor version may append lists; a reader skips
// those it does not know.
const (
	NamesCRC       = 0
	NamesListCount = 4
	NamesHeader    = 8
	NumNameLists   = 8
)

// Names resolves the indexes of a decision to the bundle's names.
type Names struct {
	BundleCRC   uint32
	ID          string
	Features    []string
	Tiers       []string
	Segments    []string
	Clusters    []string
	Variants    []string
	Actions     []string // action ids; index 0 is "no offer"
	ActionKinds []string // one per action
}

func (n *Names) lists() [NumNameLists - 1]*[]string {
	return [...]*[]string{&n.Features, &n.Tiers, &n.Segments, &n.Clusters, &n.Variants, &n.Actions, &n.ActionKinds}
}

// NamesOf returns the names of b, tagged with bundleCRC.
func NamesOf(b *bundle.Bundle, bundleCRC uint32) *Names {
	n := &Names{BundleCRC: bundleCRC, ID: b.ID()}
	n.Features = names(b.NumFeatures(), b.FeatureName)
	n.Tiers = names(b.NumTiers(), b.TierName)
	n.Segments = names(b.NumSegments(), b.SegmentName)
	n.Clusters = names(b.NumClusters(), b.ClusterName)
	n.Variants = names(b.NumVariants(), b.VariantName)
	n.Actions = names(b.NumActions(), b.ActionID)
	n.ActionKinds = names(b.NumActions(), func(i int) string { return b.ActionKind(i).String() })
	return n
}

// names lists name(0) … name(n−1). It is not inlined: seven inlined
// copies made the wasm guest 2 KB larger, for a table built once per load.
//
//go:noinline
func names(n int, name func(int) string) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = name(i)
	}
	return s
}

// AppendNames appends the names table of n to dst.
func AppendNames(dst []byte, n *Names) []byte {
	le := littleEndian{}
	dst = le.AppendUint32(dst, n.BundleCRC)
	dst = le.AppendUint32(dst, NumNameLists)
	dst = appendList(dst, []string{n.ID})
	for _, l := range n.lists() {
		dst = appendList(dst, *l)
	}
	return dst
}

func appendList(dst []byte, l []string) []byte {
	le := littleEndian{}
	dst = le.AppendUint32(dst, uint32(len(l)))
	for _, s := range l {
		dst = le.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// DecodeNames decodes a names table. It checks every length against the
// data and never panics; lists after the ones this version knows are
// skipped.
func DecodeNames(b []byte) (*Names, error) {
	if len(b) < NamesHeader {
		return nil, namesErr(len(b), "table of "+utoa(uint64(len(b)))+" bytes is shorter than its header")
	}
	le := littleEndian{}
	n := &Names{BundleCRC: le.Uint32(b[NamesCRC:])}
	nl := le.Uint32(b[NamesListCount:])
	if nl < NumNameLists {
		return nil, namesErr(NamesListCount, "has "+utoa(uint64(nl))+" lists, want at least "+utoa(NumNameLists))
	}
	o := NamesHeader
	var id []string
	lists := n.lists()
	for i := range nl {
		var dst *[]string
		switch {
		case i == 0:
			dst = &id
		case i < NumNameLists:
			dst = lists[i-1]
		}
		var err error
		if o, err = readList(b, o, dst); err != nil {
			return nil, err
		}
	}
	if len(id) != 1 {
		return nil, namesErr(NamesHeader, "the id list has "+utoa(uint64(len(id)))+" entries, want 1")
	}
	n.ID = id[0]
	if len(n.ActionKinds) != len(n.Actions) {
		return nil, namesErr(o, "action kinds and action ids differ in number")
	}
	if o != len(b) {
		return nil, namesErr(o, "bytes after the last list")
	}
	return n, nil
}

// readList reads one list at b[o:] into *dst (or skips it if dst is nil).
func readList(b []byte, o int, dst *[]string) (int, error) {
	le := littleEndian{}
	if len(b)-o < 4 {
		return o, namesErr(o, "table ends early")
	}
	cnt := int(le.Uint32(b[o:]))
	o += 4
	// Every entry takes at least 4 bytes: bound the allocation by the data.
	if cnt > (len(b)-o)/4 {
		return o, namesErr(o-4, "list count "+utoa(uint64(cnt))+" exceeds the table")
	}
	var l []string
	if dst != nil {
		l = make([]string, 0, cnt)
	}
	for range cnt {
		if len(b)-o < 4 {
			return o, namesErr(o, "table ends early")
		}
		sl := int(le.Uint32(b[o:]))
		o += 4
		if sl > len(b)-o {
			return o, namesErr(o-4, "name of "+utoa(uint64(sl))+" bytes exceeds the table")
		}
		if dst != nil {
			l = append(l, string(b[o:o+sl]))
		}
		o += sl
	}
	if dst != nil {
		*dst = l
	}
	return o, nil
}

func namesErr(off int, msg string) error {
	return &RecordError{Record: "names", Offset: off, Msg: msg}
}
