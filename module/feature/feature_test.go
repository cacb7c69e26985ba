package feature

import (
	"math"
	"strings"
	"testing"

	"github.com/edgescore/edgescore/module/shopper"
)

func ctx() *shopper.Context {
	var c shopper.Context
	c.Reset()
	c.Known = true
	c.History.Frequency, c.History.Recency, c.History.Tenure = 3, 100, 250
	c.History.Affinities = []shopper.Affinity{{Category: "shoes", Score: 0.7}, {Category: "hats", Score: 0.1}}
	c.Session.Page, c.Session.Channel = shopper.PageProduct, shopper.ChannelApp
	c.Session.Category, c.Session.SKU, c.Session.Price = "shoes", "BOOT-1", 120
	c.Session.Cart = []shopper.CartLine{{SKU: "A", Qty: 2, UnitPrice: 10}, {SKU: "B", Qty: 1, UnitPrice: 5.5}}
	c.Place.Hour, c.Place.Country = 18, "DE"
	return &c
}

func TestCompute(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		def  Def
		want float64
	}{
		{"identity", Def{Field: "frequency"}, 3},
		{"known is never missing", Def{Field: "known"}, 1},
		{"days since purchase", Def{Field: "days_since_purchase"}, 150},
		{"log1p", Def{Field: "frequency", Transforms: []Transform{{Op: "log1p"}}}, math.Log1p(3)},
		{"clip high", Def{Field: "price", Transforms: []Transform{{Op: "clip", Min: 0, Max: 100}}}, 100},
		{"log1p then standardize", Def{Field: "price", Transforms: []Transform{{Op: "log1p"}, {Op: "standardize", Mean: 4, Std: 0.5}}}, (math.Log1p(120) - 4) / 0.5},
		{"cart value from lines", Def{Field: "cart_value"}, 25.5},
		{"cart lines", Def{Field: "cart_lines"}, 2},
		{"cart qty", Def{Field: "cart_qty"}, 3},
		{"affinity by key", Def{Field: "affinity", Key: "hats"}, 0.1},
		{"affinity absent is missing", Def{Field: "affinity", Key: "toys"}, nan},
		{"viewed affinity", Def{Field: "viewed_affinity"}, 0.7},
		{"missing stays missing through transforms", Def{Field: "aov", Transforms: []Transform{{Op: "log1p"}, {Op: "clip", Min: 0, Max: 1}, {Op: "standardize", Mean: 1, Std: 2}}}, nan},
		{"is_missing of missing", Def{Field: "aov", Transforms: []Transform{{Op: "is_missing"}}}, 1},
		{"is_missing of present", Def{Field: "price", Transforms: []Transform{{Op: "is_missing"}}}, 0},
		{"hour sin", Def{Field: "hour", Transforms: []Transform{{Op: "cyclic_sin", Period: 24}}}, math.Sin(2 * math.Pi * 18 / 24)},
		{"hour cos", Def{Field: "hour", Transforms: []Transform{{Op: "cyclic_cos", Period: 24}}}, math.Cos(2 * math.Pi * 18 / 24)},
		{"weekday missing", Def{Field: "weekday", Transforms: []Transform{{Op: "cyclic_sin", Period: 7}}}, nan},
		{"onehot enum match", Def{Field: "channel", Transforms: []Transform{{Op: "onehot", Value: "app"}}}, 1},
		{"onehot enum other", Def{Field: "page_type", Transforms: []Transform{{Op: "onehot", Value: "cart"}}}, 0},
		{"onehot unknown enum is missing", Def{Field: "device", Transforms: []Transform{{Op: "onehot", Value: "mobile"}}}, nan},
		{"onehot string", Def{Field: "country", Transforms: []Transform{{Op: "onehot", Value: "DE"}}}, 1},
		{"hash bucket", Def{Field: "category", Transforms: []Transform{{Op: "hash_bucket", Buckets: 16}}}, float64(HashString("shoes") % 16)},
		{"hash of missing is missing", Def{Field: "region", Transforms: []Transform{{Op: "hash_bucket", Buckets: 16}}}, nan},
		{"is_missing of categorical", Def{Field: "region", Transforms: []Transform{{Op: "is_missing"}}}, 1},
		{"store km from derived", Def{Field: "store_km"}, 12.5},
	}
	c := ctx()
	d := &Derived{StoreKM: 12.5}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.def.Name = "f"
			s, err := Compile([]Def{tc.def})
			if err != nil {
				t.Fatal(err)
			}
			out := make([]float32, 1)
			s.Compute(c, d, out)
			got := float64(out[0])
			if math.IsNaN(tc.want) != math.IsNaN(got) || (!math.IsNaN(got) && got != float64(float32(tc.want))) {
				t.Fatalf("got %v, want %v", got, float32(tc.want))
			}
		})
	}
}

// FNV-1a-32 known answers (from the FNV reference test vectors).
func TestHashString(t *testing.T) {
	for s, want := range map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968} {
		if got := HashString(s); got != want {
			t.Errorf("HashString(%q) = %#x, want %#x", s, got, want)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	tests := []struct {
		name string
		defs []Def
		want string
	}{
		{"empty", nil, "at least one feature"},
		{"bad name", []Def{{Name: "1x", Field: "price"}}, "[0].name: must match"},
		{"duplicate", []Def{{Name: "a", Field: "price"}, {Name: "a", Field: "aov"}}, `[1].name: "a" duplicates features[0]`},
		{"unknown field", []Def{{Name: "a", Field: "prise"}}, `[0].field: unknown field "prise"`},
		{"affinity without key", []Def{{Name: "a", Field: "affinity"}}, "[0].key: field affinity needs"},
		{"key on another field", []Def{{Name: "a", Field: "price", Key: "x"}}, "[0].key: only field affinity"},
		{"unknown op", []Def{{Name: "a", Field: "price", Transforms: []Transform{{Op: "log2"}}}}, `[0].transforms[0].op: unknown transform "log2"`},
		{"clip bounds", []Def{{Name: "a", Field: "price", Transforms: []Transform{{Op: "clip", Min: 5, Max: 1}}}}, "[0].transforms[0].max"},
		{"zero std", []Def{{Name: "a", Field: "price", Transforms: []Transform{{Op: "standardize", Mean: 1}}}}, "[0].transforms[0].std: must be > 0"},
		{"onehot numeric", []Def{{Name: "a", Field: "price", Transforms: []Transform{{Op: "onehot", Value: "1"}}}}, "categorical fields only"},
		{"categorical raw", []Def{{Name: "a", Field: "channel"}}, "needs onehot, hash_bucket or is_missing"},
		{"categorical log", []Def{{Name: "a", Field: "channel", Transforms: []Transform{{Op: "log1p"}}}}, "must first go through"},
		{"bad enum value", []Def{{Name: "a", Field: "channel", Transforms: []Transform{{Op: "onehot", Value: "fax"}}}}, `"fax" is not a channel`},
		{"one bucket", []Def{{Name: "a", Field: "sku", Transforms: []Transform{{Op: "hash_bucket", Buckets: 1}}}}, "buckets: must be in [2"},
		{"zero period", []Def{{Name: "a", Field: "hour", Transforms: []Transform{{Op: "cyclic_sin"}}}}, "period: must be > 0"},
		{"hash not first", []Def{{Name: "a", Field: "sku", Transforms: []Transform{{Op: "is_missing"}, {Op: "hash_bucket", Buckets: 4}}}}, "must be the first transform"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.defs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// readFields (the fast path of Compute) and Number/Text (what rules read)
// must agree on every field, missing included.
func TestReadFieldsMatchesNumberAndText(t *testing.T) {
	full := ctx()
	var empty shopper.Context
	empty.Reset()
	unknownCart := ctx()
	unknownCart.Session.Cart, unknownCart.Session.CartValue = nil, math.NaN()
	for name, c := range map[string]*shopper.Context{"full": full, "empty": &empty, "no cart": unknownCart} {
		d := &Derived{StoreKM: 3.5}
		var raw [numFields]float64
		var txt [numFields]string
		readFields(c, d, &raw, &txt)
		for _, f := range Fields() {
			if f == FieldAffinity {
				continue
			}
			if f.Categorical() {
				if got, want := txt[f], Text(f, c); got != want {
					t.Errorf("%s: %s text %q, Text %q", name, f, got, want)
				}
				continue
			}
			got, want := raw[f], Number(f, "", c, d)
			if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%s: %s = %v, Number %v", name, f, got, want)
			}
		}
	}
}

// Compute's grouped plan (memo tables, codes, the backwards affinity pass)
// must give every feature the bits of the general evaluation, evalOne,
// including −0, NaN, integers inside and outside the memo, and unknown
// enum values.
func TestComputeMatchesGeneralEvaluation(t *testing.T) {
	defs := []Def{
		{Name: "freq", Field: "frequency"},
		{Name: "log_freq", Field: "frequency", Transforms: []Transform{{Op: "log1p"}}},
		{Name: "log_rec_z", Field: "recency", Transforms: []Transform{{Op: "log1p"}, {Op: "standardize", Mean: 3, Std: 1.5}}},
		{Name: "hour_sin", Field: "hour", Transforms: []Transform{{Op: "cyclic_sin", Period: 24}}},
		{Name: "hour_cos", Field: "hour", Transforms: []Transform{{Op: "cyclic_cos", Period: 24}}},
		{Name: "min_clip", Field: "minutes", Transforms: []Transform{{Op: "clip", Min: -1, Max: 40}, {Op: "log1p"}}},
		{Name: "price_missing", Field: "price", Transforms: []Transform{{Op: "is_missing"}}},
		{Name: "freq_missing", Field: "frequency", Transforms: []Transform{{Op: "is_missing"}}},
		{Name: "min_clip_only", Field: "minutes", Transforms: []Transform{{Op: "clip", Min: -0.25, Max: 3}}},
		{Name: "min_std", Field: "minutes", Transforms: []Transform{{Op: "standardize", Mean: -2, Std: 3}}},
		{Name: "min_all", Field: "minutes", Transforms: []Transform{{Op: "clip", Min: 0.5, Max: 30}, {Op: "log1p"}, {Op: "standardize", Mean: 1, Std: 0.7}}},
		{Name: "freq_log_clip", Field: "frequency", Transforms: []Transform{{Op: "log1p"}, {Op: "clip", Min: 0, Max: 2}}},
		{Name: "rec_clip_clip", Field: "recency", Transforms: []Transform{{Op: "clip", Min: 0, Max: 200}, {Op: "clip", Min: 3, Max: 50}}},
		{Name: "rec_log_miss", Field: "recency", Transforms: []Transform{{Op: "log1p"}, {Op: "is_missing"}}},
		{Name: "aff_shoes", Field: "affinity", Key: "shoes"},
		{Name: "aff_hats", Field: "affinity", Key: "hats"},
		{Name: "aff_shoes2", Field: "affinity", Key: "shoes"},
		{Name: "aff_hats_log", Field: "affinity", Key: "hats", Transforms: []Transform{{Op: "log1p"}}},
		{Name: "page_cart", Field: "page_type", Transforms: []Transform{{Op: "onehot", Value: "cart"}}},
		{Name: "chan_app", Field: "channel", Transforms: []Transform{{Op: "onehot", Value: "app"}}},
		{Name: "dev_missing", Field: "device", Transforms: []Transform{{Op: "is_missing"}}},
		{Name: "de", Field: "country", Transforms: []Transform{{Op: "onehot", Value: "DE"}}},
		{Name: "fr", Field: "country", Transforms: []Transform{{Op: "onehot", Value: "FR"}}},
		{Name: "de2", Field: "country", Transforms: []Transform{{Op: "onehot", Value: "DE"}, {Op: "standardize", Mean: 0.5, Std: 2}}},
		{Name: "region_missing", Field: "region", Transforms: []Transform{{Op: "is_missing"}}},
		{Name: "cat_bucket", Field: "category", Transforms: []Transform{{Op: "hash_bucket", Buckets: 7}}},
		{Name: "sku_shoe", Field: "sku", Transforms: []Transform{{Op: "onehot", Value: "BOOT-1"}}},
	}
	// With "socks" the affinity keys no longer differ in length or first
	// byte, so the plan falls back from its key table.
	checkComputeMatches(t, defs, true)
	checkComputeMatches(t, append(defs[:len(defs):len(defs)], Def{Name: "aff_socks", Field: "affinity", Key: "socks"}), false)
}

func checkComputeMatches(t *testing.T, defs []Def, table bool) {
	t.Helper()
	s, err := Compile(defs)
	if err != nil {
		t.Fatal(err)
	}
	if s.pl.affUnique != table {
		t.Fatalf("affinity key table: %v, want %v", s.pl.affUnique, table)
	}
	negZero := math.Copysign(0, -1)
	mods := []func(c *shopper.Context){
		func(c *shopper.Context) {},
		func(c *shopper.Context) { c.Reset() },
		func(c *shopper.Context) { c.History.Frequency, c.Place.Hour, c.History.Recency = negZero, negZero, 63 },
		func(c *shopper.Context) { c.History.Frequency, c.Place.Hour, c.History.Recency = 64, 23.5, 1e300 },
		func(c *shopper.Context) { c.History.Frequency, c.Place.Hour = math.Inf(1), math.Inf(-1) },
		func(c *shopper.Context) { c.History.Frequency, c.Session.Minutes = -1, -0.5 },
		func(c *shopper.Context) { c.History.Frequency, c.Session.Minutes, c.History.Recency = 2.5, negZero, -3 },
		func(c *shopper.Context) { c.History.Frequency, c.Session.Minutes, c.History.Recency = -2.5, 1e6, -1 },
		func(c *shopper.Context) {
			c.History.Frequency, c.Session.Minutes, c.History.Recency = 1e-300, 12.25, 100.5
		},
		func(c *shopper.Context) { c.Session.Minutes, c.History.Recency = math.Inf(1), math.Inf(-1) },
		func(c *shopper.Context) {
			c.Session.Page, c.Session.Channel, c.Session.Device = 200, 99, 7
			c.Place.Country, c.Place.Region, c.Session.SKU = "FR", "FR-IDF", "BOOT-2"
		},
		func(c *shopper.Context) {
			c.History.Affinities = []shopper.Affinity{{Category: "", Score: 9}, {Category: "hats", Score: negZero}, {Category: "shoes", Score: 2}, {Category: "hats", Score: 5}, {Category: "shoex", Score: 3}, {Category: "socks", Score: 4}, {Category: "shoes", Score: 6}}
			c.Place.Country = "D"
		},
	}
	for m, mod := range mods {
		c := ctx()
		mod(c)
		d := &Derived{StoreKM: 3}
		out := make([]float32, s.Len())
		s.Compute(c, d, out)
		var raw [numFields]float64
		readNums(c, d, &raw)
		for i := range defs {
			want := float32(s.evalOne(i, c, &raw))
			if math.Float32bits(out[i]) != math.Float32bits(want) {
				t.Errorf("context %d, %s: Compute %v (%#x), general %v (%#x)", m, defs[i].Name, out[i], math.Float32bits(out[i]), want, math.Float32bits(want))
			}
		}
	}
}
