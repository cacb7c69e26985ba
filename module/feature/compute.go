package feature

import (
	"math"

	"github.com/edgescore/edgescore/module/internal/fmath"
	"github.com/edgescore/edgescore/module/internal/fnv1a"
	"github.com/edgescore/edgescore/module/shopper"
)

// memoSize is how many integer inputs (0, 1, …, memoSize−1) of each
// transformed numeric feature are precomputed. Counts, hours and weekdays
// are small integers, and a table load replaces log1p, sin or cos, which
// cost ~40 ns each in Go's wasm output (~8 ns natively).
const memoSize = 64

// plan is the per-decision evaluation order of a Set, built by Compile.
// Features are grouped by how their value is obtained, so that each group
// is one tight loop without a per-feature switch or call, and string
// comparisons happen once per context field, not once per feature. Every
// feature still gets exactly the value the general evaluation (evalOne)
// gives it.
type plan struct {
	plain   []direct // numeric field, no transforms
	aff     []direct // affinity to affKeys[src], no transforms
	affKeys []string // distinct affinity keys
	// affIdx[len(k)%16][k[0]] is 1+j for affinity key j, 0 for no key,
	// when no two keys share length mod 16 and first byte (affUnique);
	// affOuts[j] are the features of key j.
	affUnique bool
	affIdx    *[16][256]uint8
	affOuts   [][]int32
	coded     []codedFeat         // onehot or is_missing of a categorical field, nothing after
	vals      [numFields][]string // per string field: the distinct onehot values (code 1+index)
	chains    []chain             // numeric field and transforms
	hashed    []hashFeat          // hash_bucket of a string field, nothing after
	general   []int32             // every other feature, by index
}

type direct struct{ out, src int32 }

// codedFeat is a categorical feature computed from the field's code (0 for
// missing, else the enum value, or 1+index in plan.vals, or an index no
// want equals): tab[b2i(code == want) | b2i(code == 0)<<1].
type codedFeat struct {
	out   int32
	field Field
	want  int32
	tab   [4]float32
}

type hashFeat struct {
	out     int32
	field   Field
	buckets uint32
}

type chain struct {
	out   int32
	field Field
	ops   []op
	memo  [memoSize]float32 // float32(applyOps(ops, k)) for k = 0, 1, …
	// fused is true when ops are clip, log1p and standardize, each at most
	// once and in that order: then x is clipped to [lo, hi] (±Inf when
	// there is no clip), log1p'd when log, and standardized with mean and
	// std (0 and 1 when absent). The identities change no bit: a value
	// compared with ±Inf is left as it is, x − 0 is x and x / 1 is x.
	fused     bool
	missing   bool // ops are is_missing alone
	log       bool
	lo, hi    float64
	mean, std float64
}

// fuse fills ch's fused form if its ops have one.
func (ch *chain) fuse() {
	if len(ch.ops) == 1 && ch.ops[0].code == opIsMissing {
		ch.missing = true
		return
	}
	ch.lo, ch.hi, ch.mean, ch.std = math.Inf(-1), math.Inf(1), 0, 1
	stage := 0 // ops of a lower stage must come first
	for _, o := range ch.ops {
		switch {
		case o.code == opClip && stage < 1:
			ch.lo, ch.hi, stage = o.a, o.b, 1
		case o.code == opLog1p && stage < 2:
			ch.log, stage = true, 2
		case o.code == opStandardize && stage < 3:
			ch.mean, ch.std, stage = o.a, o.b, 3
		default:
			return
		}
	}
	ch.fused = true
}

func (s *Set) buildPlan() {
	pl := &s.pl
	nan := float32(math.NaN())
	for i := range s.feats {
		f := &s.feats[i]
		out := int32(i)
		switch {
		case f.field == FieldAffinity && len(f.ops) == 0:
			j := indexOf(pl.affKeys, f.key)
			if j < 0 {
				j = len(pl.affKeys)
				pl.affKeys = append(pl.affKeys, f.key)
			}
			pl.aff = append(pl.aff, direct{out, int32(j)})
		case f.field.Categorical() && len(f.ops) == 1 && f.ops[0].code == opOnehot:
			pl.coded = append(pl.coded, codedFeat{out: out, field: f.field,
				want: pl.valueCode(f.field, f.ops[0].s), tab: [4]float32{0, 1, nan, nan}})
		case f.field.Categorical() && len(f.ops) == 1 && f.ops[0].code == opIsMissing:
			pl.coded = append(pl.coded, codedFeat{out: out, field: f.field,
				want: -1, tab: [4]float32{0, 0, 1, 1}})
		case f.field >= FieldCategory && f.field < numFields && len(f.ops) == 1 && f.ops[0].code == opHash:
			pl.hashed = append(pl.hashed, hashFeat{out, f.field, uint32(f.ops[0].a)})
		case f.field == FieldAffinity || f.field.Categorical():
			pl.general = append(pl.general, out)
		case len(f.ops) == 0:
			pl.plain = append(pl.plain, direct{out, int32(f.field)})
		default:
			ch := chain{out: out, field: f.field, ops: f.ops}
			for k := range ch.memo {
				ch.memo[k] = float32(applyOps(f.ops, float64(k)))
			}
			ch.fuse()
			pl.chains = append(pl.chains, ch)
		}
	}
	pl.buildAffIdx()
}

// buildAffIdx fills the affinity key table, if the keys allow one.
func (pl *plan) buildAffIdx() {
	if len(pl.affKeys) == 0 || len(pl.affKeys) > 255 {
		return
	}
	pl.affIdx = new([16][256]uint8)
	pl.affOuts = make([][]int32, len(pl.affKeys))
	for j, k := range pl.affKeys {
		e := &pl.affIdx[len(k)%16][k[0]]
		if *e != 0 {
			pl.affIdx, pl.affOuts = nil, nil
			return
		}
		*e = uint8(j + 1)
	}
	for _, a := range pl.aff {
		pl.affOuts[a.src] = append(pl.affOuts[a.src], a.out)
	}
	pl.affUnique = true
}

// valueCode is the code of onehot value v of categorical field f.
func (pl *plan) valueCode(f Field, v string) int32 {
	switch f {
	case FieldPageType:
		p, _ := shopper.ParsePageType(v)
		return int32(p)
	case FieldChannel:
		c, _ := shopper.ParseChannel(v)
		return int32(c)
	case FieldDevice:
		d, _ := shopper.ParseDevice(v)
		return int32(d)
	}
	j := indexOf(pl.vals[f], v)
	if j < 0 {
		j = len(pl.vals[f])
		pl.vals[f] = append(pl.vals[f], v)
	}
	return int32(j + 1)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// code is the code of string value t among list (non-empty strings): 0 when
// t is missing, 1+index when listed, len(list)+1 otherwise. Length and
// first byte are compared before the strings, so at most one string
// comparison (a call in Go's output) is made per matching value.
func code(list []string, t string) int32 {
	if t == "" {
		return 0
	}
	for j, v := range list {
		if len(v) == len(t) && v[0] == t[0] && v == t {
			return int32(j + 1)
		}
	}
	return int32(len(list) + 1)
}

// Raw is every numeric field of one context as Compute read it.
type Raw struct{ num [numFields]float64 }

// Number is field f's value; it equals the package function Number for
// every field but FieldAffinity, which needs a key.
func (r *Raw) Number(f Field) float64 { return r.num[f%numFields] }

// Compute evaluates every feature for one context into out (len ≥ Len()),
// NaN for missing. It allocates nothing.
func (s *Set) Compute(c *shopper.Context, d *Derived, out []float32) {
	var r Raw
	s.ComputeRaw(c, d, out, &r)
}

// ComputeRaw is Compute that also leaves the raw numeric fields in r, for
// callers that need them too (the rule environment).
//
// Every raw field is read once, then each group of the plan is one loop.
// In Go's wasm output a call costs ~15 ns and a string comparison ~20 ns,
// so the per-feature calls and comparisons of a straightforward evaluation
// were most of a decision's feature time there.
func (s *Set) ComputeRaw(c *shopper.Context, d *Derived, out []float32, r *Raw) {
	raw := &r.num
	readNums(c, d, raw)
	pl := &s.pl
	out = out[:len(s.feats)]
	for _, p := range pl.plain {
		out[p.out] = float32(raw[Field(p.src)%numFields])
	}
	if len(pl.aff) > 0 {
		// Affinity returns the first entry with the key: walking the entries
		// backwards and overwriting gives the same.
		miss := float32(shopper.Missing)
		for _, a := range pl.aff {
			out[a.out] = miss
		}
		keys := pl.affKeys
		ents := c.History.Affinities
		if pl.affUnique {
			// The one key that can equal the category, from a table.
			idx := pl.affIdx
			for e := len(ents) - 1; e >= 0; e-- {
				cat := ents[e].Category
				if cat == "" {
					continue
				}
				j := int(idx[len(cat)%16][cat[0]]) - 1
				if j < 0 || keys[j] != cat {
					continue
				}
				v := float32(ents[e].Score)
				for _, o := range pl.affOuts[j] {
					out[o] = v
				}
			}
			ents = nil
		}
		for e := len(ents) - 1; e >= 0; e-- {
			cat, v := ents[e].Category, float32(ents[e].Score)
			if cat == "" {
				continue
			}
			for _, a := range pl.aff {
				k := keys[a.src]
				if len(k) == len(cat) && k[0] == cat[0] && k == cat {
					out[a.out] = v
				}
			}
		}
	}
	if len(pl.coded) > 0 {
		var codes [numFields]int32
		codes[FieldPageType] = int32(c.Session.Page)
		codes[FieldChannel] = int32(c.Session.Channel)
		codes[FieldDevice] = int32(c.Session.Device)
		codes[FieldCategory] = code(pl.vals[FieldCategory], c.Session.Category)
		codes[FieldSKU] = code(pl.vals[FieldSKU], c.Session.SKU)
		codes[FieldCountry] = code(pl.vals[FieldCountry], c.Place.Country)
		codes[FieldRegion] = code(pl.vals[FieldRegion], c.Place.Region)
		for i := range pl.coded {
			cf := &pl.coded[i]
			k := codes[cf.field%numFields]
			out[cf.out] = cf.tab[(b2i(k == cf.want)|b2i(k == 0)<<1)&3]
		}
	}
	for i := range pl.chains {
		ch := &pl.chains[i]
		x := raw[ch.field%numFields]
		// The exact-bits test excludes −0 (log1p keeps its sign), NaN and
		// non-integers; int(x) of NaN or a huge x fails the range test or it.
		if k := int(x); uint(k) < memoSize && math.Float64bits(float64(k)) == math.Float64bits(x) {
			out[ch.out] = ch.memo[k]
			continue
		}
		if ch.missing {
			out[ch.out] = float32(b2i(x != x))
			continue
		}
		if !ch.fused {
			x = applyOps(ch.ops, x)
			out[ch.out] = float32(x)
			continue
		}
		// applyOps of clip, log1p and standardize, inlined: the call and
		// the switch per op were most of a chain's time.
		if x < ch.lo {
			x = ch.lo
		} else if x > ch.hi {
			x = ch.hi
		}
		if ch.log {
			if x <= -1 {
				x = math.NaN()
			} else {
				x = fmath.Log1p(x)
			}
		}
		x = (x - ch.mean) / ch.std
		out[ch.out] = float32(x)
	}
	if len(pl.hashed) > 0 {
		var txt [numFields]string
		txt[FieldCategory] = c.Session.Category
		txt[FieldSKU] = c.Session.SKU
		txt[FieldCountry] = c.Place.Country
		txt[FieldRegion] = c.Place.Region
		nan := float32(math.NaN())
		for _, h := range pl.hashed {
			t := txt[h.field%numFields]
			v := nan
			if t != "" {
				// fnv1a.Sum32, inlined.
				x := uint32(fnv1a.Offset)
				for j := 0; j < len(t); j++ {
					x ^= uint32(t[j])
					x *= fnv1a.Prime
				}
				v = float32(float64(x % h.buckets))
			}
			out[h.out] = v
		}
	}
	for _, i := range pl.general {
		out[i] = float32(s.evalOne(int(i), c, raw))
	}
}

// evalOne is the general evaluation of feature i.
func (s *Set) evalOne(i int, c *shopper.Context, raw *[numFields]float64) float64 {
	f := &s.feats[i]
	ops := f.ops
	var x float64
	switch {
	case f.field == FieldAffinity:
		x = c.History.Affinity(f.key)
	case f.field.Categorical():
		t := Text(f.field, c)
		o := &ops[0]
		switch o.code {
		case opOnehot:
			switch {
			case t == "":
				x = math.NaN()
			case t == o.s:
				x = 1
			default:
				x = 0
			}
		case opHash:
			if t == "" {
				x = math.NaN()
			} else {
				x = float64(HashString(t) % uint32(o.a))
			}
		case opIsMissing:
			x = 0
			if t == "" {
				x = 1
			}
		}
		ops = ops[1:]
	default:
		x = raw[f.field%numFields]
	}
	return applyOps(ops, x)
}

// applyOps applies numeric transforms to x.
func applyOps(ops []op, x float64) float64 {
	for k := range ops {
		o := &ops[k]
		switch o.code {
		case opLog1p:
			if x <= -1 {
				x = math.NaN()
			} else {
				x = fmath.Log1p(x)
			}
		case opClip:
			if x < o.a {
				x = o.a
			} else if x > o.b {
				x = o.b
			}
		case opStandardize:
			x = (x - o.a) / o.b
		case opSin:
			x = fmath.Sin(x * o.a)
		case opCos:
			x = fmath.Cos(x * o.a)
		case opIsMissing:
			if x != x {
				x = 1
			} else {
				x = 0
			}
		}
	}
	return x
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// readNums reads every numeric field of c (except per-key affinities) into
// raw, with the values Number returns.
func readNums(c *shopper.Context, d *Derived, raw *[numFields]float64) {
	h, s, p := &c.History, &c.Session, &c.Place
	nan := math.NaN()
	raw[FieldKnown] = 0
	if c.Known {
		raw[FieldKnown] = 1
	}
	raw[FieldFrequency] = h.Frequency
	raw[FieldRecency] = h.Recency
	raw[FieldTenure] = h.Tenure
	raw[FieldDaysSincePurchase] = h.Tenure - h.Recency
	raw[FieldAOV] = h.AvgOrderValue
	raw[FieldTotalSpend] = h.TotalSpend
	raw[FieldAffinity] = nan
	raw[FieldViewedAffinity] = nan
	if s.Category != "" {
		raw[FieldViewedAffinity] = h.Affinity(s.Category)
	}
	raw[FieldPrice] = s.Price
	raw[FieldCartValue] = s.EffectiveCartValue()
	if len(s.Cart) == 0 && shopper.IsMissing(s.CartValue) {
		raw[FieldCartLines], raw[FieldCartQty] = nan, nan
	} else {
		var q float64
		for i := range s.Cart {
			if v := s.Cart[i].Qty; v == v {
				q += v
			}
		}
		raw[FieldCartLines], raw[FieldCartQty] = float64(len(s.Cart)), q
	}
	raw[FieldPageviews] = s.Pageviews
	raw[FieldMinutes] = s.Minutes
	raw[FieldLat] = p.Lat
	raw[FieldLon] = p.Lon
	raw[FieldHour] = p.Hour
	raw[FieldWeekday] = p.Weekday
	raw[FieldStoreKM] = d.StoreKM
}
