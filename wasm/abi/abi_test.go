package abi_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
	"github.com/edgescore/edgescore/wasm/abi"
)

func TestPack(t *testing.T) {
	// The worked examples of ABI.md §3.
	tests := []struct {
		name   string
		v      uint64
		ptr, n uint32
		status abi.Status
	}{
		{"decision record", 0x0001_2A40_0000_0098, 76352, 152, abi.StatusOK},
		{"input buffer", 0x0002_1000_0000_8000, 135168, 32768, abi.StatusOK},
		{"bad context", 0x0000_0000_0000_0003, 0, 3, abi.StatusBadContext},
		{"no bundle", 0x0000_0000_0000_0001, 0, 1, abi.StatusNoBundle},
		{"empty message", 0x0001_5F00_0000_0000, 0x15F00, 0, abi.StatusOK},
		{"pointer above 2^31", 0x8000_0010_0000_0004, 0x8000_0010, 4, abi.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ptr, n := abi.Unpack(tt.v)
			if ptr != tt.ptr || n != tt.n {
				t.Errorf("Unpack(%#x) = %d, %d; want %d, %d", tt.v, ptr, n, tt.ptr, tt.n)
			}
			if got := abi.Pack(tt.ptr, tt.n); got != tt.v {
				t.Errorf("Pack = %#x, want %#x", got, tt.v)
			}
			if got := abi.PackedStatus(tt.v); got != tt.status {
				t.Errorf("PackedStatus = %v, want %v", got, tt.status)
			}
		})
	}
	if 0x0001_2A40_0000_0098 != 327929342984344 {
		t.Error("the decimal value in ABI.md is wrong")
	}
	if abi.PackStatus(abi.StatusBadBundle) != 4 {
		t.Error("PackStatus")
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		v    uint32
		want bool
	}{
		{abi.Version, true},
		{1<<16 | 7, true},
		{2 << 16, false},
		{0, false},
		{0<<16 | 9, false},
	}
	for _, tt := range tests {
		if got := abi.Supported(tt.v); got != tt.want {
			t.Errorf("Supported(%s) = %v", abi.VersionString(tt.v), got)
		}
	}
	if abi.Version != 65536 || abi.VersionString(abi.Version) != "1.0" {
		t.Errorf("Version = %d (%s), ABI.md says 65536 (1.0)", abi.Version, abi.VersionString(abi.Version))
	}
}

func TestLimits(t *testing.T) {
	if abi.MaxBundleSize != bundle.MaxEncodedSize {
		t.Errorf("MaxBundleSize = %d, bundle.MaxEncodedSize = %d", abi.MaxBundleSize, bundle.MaxEncodedSize)
	}
	if abi.MaxContextSize != 22684 {
		t.Errorf("MaxContextSize = %d, ABI.md says 22684", abi.MaxContextSize)
	}
	if abi.MaxContextSize > abi.InputBufferSize {
		t.Error("the input buffer cannot hold the largest context")
	}
	if shopper.MaxStringLen > 255 || shopper.MaxAffinities > 255 || shopper.MaxCartLines > 255 {
		t.Error("a limit no longer fits the record's u8 lengths")
	}
}

func TestExports(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range abi.Exports() {
		if seen[f.Name] {
			t.Errorf("export %s listed twice", f.Name)
		}
		seen[f.Name] = true
	}
	want := map[string]string{
		"_initialize": "() -> ()", "abi_version": "() -> (i32)", "input_buffer": "() -> (i64)",
		"bundle_buffer": "(i32) -> (i32)", "load_bundle": "(i32, i32) -> (i32)",
		"bundle_info": "() -> (i64)", "decide": "(i32, i32) -> (i64)", "last_error": "() -> (i64)",
	}
	for _, f := range abi.Exports() {
		if got := f.Signature(); got != want[f.Name] {
			t.Errorf("%s: %s, want %s", f.Name, got, want[f.Name])
		}
	}
	if len(want) != len(seen) {
		t.Errorf("%d exports, want %d", len(seen), len(want))
	}
}

// fullContext uses every field at its limits.
func fullContext() *shopper.Context {
	c := new(shopper.Context)
	c.Reset()
	long := strings.Repeat("x", shopper.MaxStringLen)
	c.ShopperID, c.Known, c.Seed = long, true, math.MaxUint64
	c.History.Frequency, c.History.Recency, c.History.Tenure = 3, 10.5, 200
	c.History.AvgOrderValue = math.Inf(1)
	c.History.TotalSpend = math.Float64frombits(0x7ff8_0000_dead_beef) // a NaN with a payload
	for i := range shopper.MaxAffinities {
		c.History.Affinities = append(c.History.Affinities, shopper.Affinity{Category: long[:i], Score: float64(i) / 10})
	}
	c.Session = shopper.Session{Page: shopper.PageCheckout, Category: "shoes", SKU: long, Price: -0.0,
		CartValue: 12.5, Pageviews: 0, Minutes: math.SmallestNonzeroFloat64,
		Channel: shopper.ChannelCallCentre, Device: shopper.DeviceTablet}
	for i := range shopper.MaxCartLines {
		c.Session.Cart = append(c.Session.Cart, shopper.CartLine{SKU: long, Category: long[:i%7], Qty: float64(i), UnitPrice: shopper.Missing})
	}
	c.Place = shopper.Place{Country: "FR", Region: "FR-IDF", Lat: 48.85, Lon: -2.35, Hour: 23, Weekday: 6}
	return c
}

func emptyContext() *shopper.Context {
	c := new(shopper.Context)
	c.Reset()
	return c
}

// sameContext compares two contexts bit for bit (NaN payloads included).
func sameContext(a, b *shopper.Context) bool {
	fa, fb := floats(a), floats(b)
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
			return false
		}
	}
	if a.ShopperID != b.ShopperID || a.Known != b.Known || a.Seed != b.Seed ||
		a.Session.Page != b.Session.Page || a.Session.Category != b.Session.Category ||
		a.Session.SKU != b.Session.SKU || a.Session.Channel != b.Session.Channel ||
		a.Session.Device != b.Session.Device || a.Place.Country != b.Place.Country ||
		a.Place.Region != b.Place.Region || len(a.History.Affinities) != len(b.History.Affinities) ||
		len(a.Session.Cart) != len(b.Session.Cart) {
		return false
	}
	for i := range a.History.Affinities {
		if a.History.Affinities[i].Category != b.History.Affinities[i].Category {
			return false
		}
	}
	for i := range a.Session.Cart {
		if a.Session.Cart[i].SKU != b.Session.Cart[i].SKU || a.Session.Cart[i].Category != b.Session.Cart[i].Category {
			return false
		}
	}
	return true
}

func floats(c *shopper.Context) []float64 {
	f := []float64{c.History.Frequency, c.History.Recency, c.History.Tenure, c.History.AvgOrderValue,
		c.History.TotalSpend, c.Session.Price, c.Session.CartValue, c.Session.Pageviews, c.Session.Minutes,
		c.Place.Lat, c.Place.Lon, c.Place.Hour, c.Place.Weekday}
	for _, a := range c.History.Affinities {
		f = append(f, a.Score)
	}
	for _, l := range c.Session.Cart {
		f = append(f, l.Qty, l.UnitPrice)
	}
	return f
}

func TestContextRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		c    *shopper.Context
		size int
	}{
		{"empty", emptyContext(), abi.CtxHeaderSize},
		{"full", fullContext(), fullSize()},
		{"zero value (not reset)", &shopper.Context{}, abi.CtxHeaderSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := abi.AppendContext(nil, tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec) != tt.size {
				t.Errorf("record is %d bytes, want %d", len(rec), tt.size)
			}
			var got shopper.Context
			if err := abi.DecodeContext(rec, &got, nil); err != nil {
				t.Fatal(err)
			}
			if !sameContext(tt.c, &got) {
				t.Errorf("round trip changed the context:\n got %+v\nwant %+v", got, *tt.c)
			}
			again, _ := abi.AppendContext(nil, &got)
			if !bytes.Equal(rec, again) {
				t.Error("re-encoding gives other bytes")
			}
		})
	}
}

// fullSize is the record size of fullContext, counted by hand.
func fullSize() int {
	n := abi.CtxHeaderSize + shopper.MaxStringLen + len("shoes") + shopper.MaxStringLen + len("FR") + len("FR-IDF")
	for i := range shopper.MaxAffinities {
		n += abi.AffinityFixedSize + i
	}
	for i := range shopper.MaxCartLines {
		n += abi.CartLineFixedSize + shopper.MaxStringLen + i%7
	}
	return n
}

// TestContextExample checks the example record of ABI.md §3.1 byte by byte.
func TestContextExample(t *testing.T) {
	c := emptyContext()
	c.ShopperID, c.Known, c.Seed = "s-42", true, 7
	c.Session.Page, c.Session.Price = shopper.PageProduct, 19.99
	rec, err := abi.AppendContext(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 128 {
		t.Fatalf("%d bytes, want 128", len(rec))
	}
	checks := []struct {
		off  int
		want []byte
	}{
		{0, []byte{7, 0, 0, 0, 0, 0, 0, 0}},
		{48, []byte{0x3D, 0x0A, 0xD7, 0xA3, 0x70, 0xFD, 0x33, 0x40}},
		{112, []byte{1, 3, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}},
		{124, []byte("s-42")},
	}
	for _, ck := range checks {
		if got := rec[ck.off : ck.off+len(ck.want)]; !bytes.Equal(got, ck.want) {
			t.Errorf("bytes %d…: % X, want % X", ck.off, got, ck.want)
		}
	}
	if v := math.Float64frombits(binary.LittleEndian.Uint64(rec[8:])); !math.IsNaN(v) {
		t.Errorf("frequency = %v, want NaN", v)
	}
}

func TestPutContextErrors(t *testing.T) {
	long := strings.Repeat("y", shopper.MaxStringLen+1)
	tests := []struct {
		name  string
		edit  func(c *shopper.Context)
		dst   int
		field string
	}{
		{"long shopper id", func(c *shopper.Context) { c.ShopperID = long }, 0, "shopper_id"},
		{"long region", func(c *shopper.Context) { c.Place.Region = long }, 0, "place.region"},
		{"bad page", func(c *shopper.Context) { c.Session.Page = 200 }, 0, "session.page"},
		{"bad channel", func(c *shopper.Context) { c.Session.Channel = 6 }, 0, "session.channel"},
		{"bad device", func(c *shopper.Context) { c.Session.Device = 4 }, 0, "session.device"},
		{"too many affinities", func(c *shopper.Context) {
			c.History.Affinities = make([]shopper.Affinity, shopper.MaxAffinities+1)
		}, 0, "history.affinities"},
		{"long affinity", func(c *shopper.Context) {
			c.History.Affinities = []shopper.Affinity{{Category: long}}
		}, 0, "history.affinities[0].category"},
		{"too many cart lines", func(c *shopper.Context) {
			c.Session.Cart = make([]shopper.CartLine, shopper.MaxCartLines+1)
		}, 0, "session.cart"},
		{"long cart sku", func(c *shopper.Context) {
			c.Session.Cart = []shopper.CartLine{{}, {SKU: long}}
		}, 0, "session.cart[1].sku"},
		{"long cart category", func(c *shopper.Context) {
			c.Session.Cart = []shopper.CartLine{{Category: long}}
		}, 0, "session.cart[0].category"},
		{"buffer too short", func(c *shopper.Context) {}, abi.CtxHeaderSize - 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := emptyContext()
			tt.edit(c)
			dst := make([]byte, abi.MaxContextSize)
			if tt.dst > 0 {
				dst = dst[:tt.dst]
			}
			_, err := abi.PutContext(dst, c)
			var re *abi.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RecordError", err)
			}
			if re.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", re.Field, tt.field, err)
			}
		})
	}
}

func TestDecodeContextErrors(t *testing.T) {
	valid, err := abi.AppendContext(nil, fullContext())
	if err != nil {
		t.Fatal(err)
	}
	small, _ := abi.AppendContext(nil, emptyContext())
	tests := []struct {
		name string
		rec  func() []byte
		off  int
		msg  string
	}{
		{"empty", func() []byte { return nil }, 0, "shorter than"},
		{"short header", func() []byte { return small[:abi.CtxHeaderSize-1] }, abi.CtxHeaderSize - 1, "shorter than"},
		{"too long", func() []byte { return make([]byte, abi.MaxContextSize+1) }, abi.MaxContextSize, "longer than"},
		{"unknown flag", func() []byte { return set(small, abi.CtxFlags, 2) }, abi.CtxFlags, "flag"},
		{"reserved", func() []byte { return set(small, abi.CtxReserved, 1) }, abi.CtxReserved, "reserved"},
		{"page", func() []byte { return set(small, abi.CtxPage, 8) }, abi.CtxPage, "page"},
		{"channel", func() []byte { return set(small, abi.CtxChannel, 6) }, abi.CtxChannel, "channel"},
		{"device", func() []byte { return set(small, abi.CtxDevice, 4) }, abi.CtxDevice, "device"},
		{"long sku", func() []byte { return set(small, abi.CtxSKULen, 129) }, abi.CtxSKULen, "longer than"},
		{"affinity count", func() []byte { return set(small, abi.CtxAffinityCount, 33) }, abi.CtxAffinityCount, "affinities"},
		{"cart count", func() []byte { return set(small, abi.CtxCartCount, 65) }, abi.CtxCartCount, "cart lines"},
		{"missing string", func() []byte { return set(small, abi.CtxShopperIDLen, 1) }, abi.CtxHeaderSize, "ends early"},
		{"missing affinity", func() []byte { return set(small, abi.CtxAffinityCount, 1) }, abi.CtxHeaderSize, "ends early"},
		{"missing cart line", func() []byte { return set(small, abi.CtxCartCount, 1) }, abi.CtxHeaderSize, "ends early"},
		{"truncated", func() []byte { return valid[:len(valid)-1] }, -1, "ends early"},
		{"trailing byte", func() []byte { return append(bytes.Clone(small), 0) }, abi.CtxHeaderSize, "after the end"},
		{"long affinity category", func() []byte {
			r := set(small, abi.CtxAffinityCount, 1)
			return append(r, 0, 0, 0, 0, 0, 0, 0, 0, 200)
		}, abi.CtxHeaderSize + 8, "longer than"},
		{"long cart string", func() []byte {
			r := set(small, abi.CtxCartCount, 1)
			return append(r, make([]byte, 16)...)
		}, abi.CtxHeaderSize, "ends early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c shopper.Context
			err := abi.DecodeContext(tt.rec(), &c, nil)
			var re *abi.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RecordError", err)
			}
			if !strings.Contains(re.Msg, tt.msg) || (tt.off >= 0 && re.Offset != tt.off) {
				t.Errorf("err = %v (offset %d), want %q at %d", err, re.Offset, tt.msg, tt.off)
			}
		})
	}
}

func set(rec []byte, off int, v byte) []byte {
	r := bytes.Clone(rec)
	r[off] = v
	return r
}

// TestDecodeContextAllocs: with a non-copying StringFunc and a context that
// has the capacity, decoding allocates nothing (the guest's hot path).
func TestDecodeContextAllocs(t *testing.T) {
	rec, _ := abi.AppendContext(nil, fullContext())
	c := fullContext()
	noCopy := func(b []byte) string { return "" }
	allocs := testing.AllocsPerRun(100, func() {
		if err := abi.DecodeContext(rec, c, noCopy); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeContext allocates %v times", allocs)
	}
	dst := make([]byte, abi.InputBufferSize)
	allocs = testing.AllocsPerRun(100, func() {
		if _, err := abi.PutContext(dst, c); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("PutContext allocates %v times", allocs)
	}
}

func TestDecisionRoundTrip(t *testing.T) {
	d := scorer.Decision{
		Propensity: 0.125, PAlive: math.NaN(), ExpectedPurchases: math.Inf(-1), ExpectedAOV: -0.0,
		CLV: 1e300, Tier: -1, Cluster: scorer.NoCluster, ClusterDistance: math.Float64frombits(0x7ff4_0000_0000_0001),
		Segments: 1<<63 | 5, Variant: 2, Bucket: 9999, Action: 3, ActionProbability: 0.9,
		Explored: true, ExpectedProfit: -1.5, BuyProbability: 0.5, GreedyAction: 1, Eligible: 4,
		Reasons: [scorer.MaxReasons]scorer.Reason{{Feature: 7, Contribution: -2.5}, {Feature: 0, Contribution: 1}, {Feature: 3, Contribution: 0.25}}, NumReasons: 3,
	}
	rec := make([]byte, abi.DecisionSize+8) // longer records are accepted
	abi.PutDecision(rec, &d, 0xDEADBEEF)
	var got scorer.Decision
	crc, err := abi.DecodeDecision(rec, &got)
	if err != nil {
		t.Fatal(err)
	}
	if crc != 0xDEADBEEF {
		t.Errorf("crc %#x", crc)
	}
	again := make([]byte, abi.DecisionSize)
	abi.PutDecision(again, &got, crc)
	if !bytes.Equal(again, rec[:abi.DecisionSize]) {
		t.Errorf("round trip changed the record:\n% X\n% X", rec[:abi.DecisionSize], again)
	}
	if got.Tier != -1 || got.Cluster != -1 || !got.Explored || got.Reasons[0].Feature != 7 || got.Segments != d.Segments {
		t.Errorf("decoded %+v", got)
	}
	if got.Propensity != 0.125 || math.Float64bits(got.ClusterDistance) != 0x7ff4_0000_0000_0001 {
		t.Errorf("floats not bit-identical: %+v", got)
	}
	if off := abi.DecBundleCRC; binary.LittleEndian.Uint32(rec[off:]) != 0xDEADBEEF {
		t.Error("the bundle CRC is not at DecBundleCRC")
	}
}

func TestDecodeDecisionErrors(t *testing.T) {
	rec := make([]byte, abi.DecisionSize)
	var d scorer.Decision
	if _, err := abi.DecodeDecision(rec[:abi.DecisionSize-1], &d); err == nil {
		t.Error("short record accepted")
	}
	rec[abi.DecNumReasons] = 4
	if _, err := abi.DecodeDecision(rec, &d); err == nil {
		t.Error("4 reasons accepted")
	}
	rec[abi.DecNumReasons] = 0
	rec[abi.DecFlags] = 0xFE // unknown bits: ignored
	rec[abi.DecReserved] = 9
	if _, err := abi.DecodeDecision(rec, &d); err != nil || d.Explored {
		t.Errorf("unknown bits: err %v, explored %v", err, d.Explored)
	}
}

func TestNames(t *testing.T) {
	n := &abi.Names{BundleCRC: 0xDEADBEEF, ID: "b1", Features: []string{"x"}, Variants: []string{"control"},
		Actions: []string{"no_offer"}, ActionKinds: []string{"none"}}
	tbl := abi.AppendNames(nil, n)
	// ABI.md §5's example.
	want := []byte{0xEF, 0xBE, 0xAD, 0xDE, 8, 0, 0, 0,
		1, 0, 0, 0, 2, 0, 0, 0, 'b', '1',
		1, 0, 0, 0, 1, 0, 0, 0, 'x',
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 7, 0, 0, 0, 'c', 'o', 'n', 't', 'r', 'o', 'l',
		1, 0, 0, 0, 8, 0, 0, 0, 'n', 'o', '_', 'o', 'f', 'f', 'e', 'r',
		1, 0, 0, 0, 4, 0, 0, 0, 'n', 'o', 'n', 'e'}
	if !bytes.Equal(tbl, want) {
		t.Fatalf("table\n% X\nwant\n% X", tbl, want)
	}
	got, err := abi.DecodeNames(tbl)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "b1" || got.BundleCRC != 0xDEADBEEF || len(got.Features) != 1 || got.Actions[0] != "no_offer" ||
		got.Tiers == nil || len(got.Tiers) != 0 {
		t.Errorf("decoded %+v", got)
	}

	// A newer minor version appends a list: skipped.
	ext := bytes.Clone(tbl)
	ext[4] = 9
	ext = append(ext, 1, 0, 0, 0, 1, 0, 0, 0, 'z')
	if _, err := abi.DecodeNames(ext); err != nil {
		t.Errorf("appended list: %v", err)
	}

	bad := []struct {
		name string
		b    []byte
	}{
		{"short", tbl[:7]},
		{"few lists", append([]byte{0, 0, 0, 0, 7, 0, 0, 0}, tbl[8:]...)},
		{"truncated", tbl[:len(tbl)-1]},
		{"trailing", append(bytes.Clone(tbl), 0)},
		{"huge count", append(bytes.Clone(tbl[:8]), 0xff, 0xff, 0xff, 0x7f)},
		{"two ids", func() []byte { b := bytes.Clone(tbl); b[8] = 2; return b }()},
		{"kinds mismatch", abi.AppendNames(nil, &abi.Names{ID: "b", Actions: []string{"a"}})},
	}
	for _, tt := range bad {
		if _, err := abi.DecodeNames(tt.b); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestBundleCRC(t *testing.T) {
	if abi.BundleCRC([]byte{1, 2, 3}) != 0 {
		t.Error("short data")
	}
	if abi.BundleCRC([]byte{9, 0xEF, 0xBE, 0xAD, 0xDE}) != 0xDEADBEEF {
		t.Error("not the last four bytes")
	}
}
