package bundle

import (
	"math"
	"slices"
	"strconv"

	"github.com/edgescore/edgescore/module/feature"
	"github.com/edgescore/edgescore/module/gbdt"
	"github.com/edgescore/edgescore/module/offer"
)

// The binary encoding (see RATIONALE.md, "Bundle encoding"):
//
//	offset 0   4 bytes  magic "ESBN"
//	offset 4   2 bytes  format version, uint16 little-endian (FormatVersion)
//	offset 6   4 bytes  payload length N, uint32 little-endian
//	offset 10  N bytes  payload: the Spec's sections in declaration order
//	offset 10+N 4 bytes CRC-32C (Castagnoli) of bytes [0, 10+N), little-endian
//
// The payload stores the trees already imported (no XGBoost JSON), so the
// wasm guest needs no JSON parser. Maps are written sorted by key, so equal
// specs encode to equal bytes and a bundle's sha256 is a stable id.
const (
	magic      = "ESBN"
	headerSize = 10
	// MaxEncodedSize bounds what Decode accepts (and Encode produces).
	MaxEncodedSize = 64 << 20
)

// Encode writes the binary encoding of s. The trees must already be imported
// (Propensity.GBDT.Model set). Encode does not validate: Compile does.
func Encode(s *Spec) ([]byte, error) {
	w := &writer{b: make([]byte, headerSize, 4096)}
	copy(w.b, magic)
	w.b[4], w.b[5] = byte(FormatVersion), byte(FormatVersion>>8)
	if err := encodeSpec(w, s); err != nil {
		return nil, err
	}
	n := len(w.b) - headerSize
	if len(w.b)+4 > MaxEncodedSize {
		return nil, errf("", "encoded bundle of "+strconv.Itoa(len(w.b))+" bytes exceeds "+strconv.Itoa(MaxEncodedSize))
	}
	putLE32(w.b[6:], uint32(n))
	return appendLE32(w.b, checksum(w.b)), nil
}

func encodeSpec(w *writer, s *Spec) error {
	w.int(s.Format)
	w.str(s.ID)
	w.count(len(s.Features))
	for i := range s.Features {
		f := &s.Features[i]
		w.str(f.Name)
		w.str(f.Field)
		w.str(f.Key)
		w.count(len(f.Transforms))
		for _, t := range f.Transforms {
			w.str(t.Op)
			w.f64(t.Min)
			w.f64(t.Max)
			w.f64(t.Mean)
			w.f64(t.Std)
			w.str(t.Value)
			w.int(t.Buckets)
			w.f64(t.Period)
		}
	}
	// propensity
	w.boolean(s.Propensity.Logistic != nil)
	if l := s.Propensity.Logistic; l != nil {
		w.f64(l.Intercept)
		keys := sortedKeys(l.Weights)
		w.count(len(keys))
		for _, k := range keys {
			w.str(k)
			w.f64(l.Weights[k])
		}
		w.f64(l.Blend)
	}
	w.boolean(s.Propensity.GBDT != nil)
	if g := s.Propensity.GBDT; g != nil {
		if g.Model == nil {
			return errf("propensity.gbdt.xgboost", "model not imported")
		}
		encodeTrees(w, g.Model)
		w.int(g.Class)
		w.f64(g.Blend)
	}
	w.boolean(s.Lifetime != nil)
	if l := s.Lifetime; l != nil {
		for _, v := range []float64{l.R, l.Alpha, l.A, l.B, l.P, l.Q, l.Gamma, l.PeriodDays, l.Horizon} {
			w.f64(v)
		}
		w.int(l.Steps)
		w.f64(l.DiscountRate)
		w.f64(l.Margin)
	}
	encodeRules(w, s.Tiers)
	w.boolean(s.Clusters != nil)
	if c := s.Clusters; c != nil {
		w.strs(c.Names)
		w.strs(c.Features)
		w.f64s(c.Mean)
		w.f64s(c.Scale)
		w.count(len(c.Centroids))
		for _, row := range c.Centroids {
			w.f64s(row)
		}
	}
	encodeRules(w, s.Segments)
	// economics and policy
	w.f64(s.Economics.MarginRate)
	keys := sortedKeys(s.Economics.CategoryMargins)
	w.count(len(keys))
	for _, k := range keys {
		w.str(k)
		w.f64(s.Economics.CategoryMargins[k])
	}
	w.f64(s.Economics.DefaultBasket)
	w.f64(s.Policy.Epsilon)
	w.f64(s.Policy.SureBuyer)
	// offers
	w.count(len(s.Offers))
	for i := range s.Offers {
		o := &s.Offers[i]
		w.str(o.ID)
		w.str(o.Kind)
		w.f64(o.Discount)
		w.f64(o.CostOnPurchase)
		w.f64(o.CostPerExposure)
		w.f64(o.Lift)
		w.count(len(o.SegmentLifts))
		for _, sl := range o.SegmentLifts {
			w.str(sl.Segment)
			w.f64(sl.Lift)
		}
		e := &o.Eligible
		w.strs(e.Segments)
		w.strs(e.Categories)
		w.f64(e.MinCart)
		w.strs(e.Channels)
		w.strs(e.Regions)
		w.boolean(e.RequiresStock)
		w.f64(e.StoreRadiusKM)
	}
	// inventory
	w.count(len(s.Inventory.Stores))
	for _, st := range s.Inventory.Stores {
		w.str(st.ID)
		w.str(st.Region)
		w.f64(st.Lat)
		w.f64(st.Lon)
	}
	w.count(len(s.Inventory.Stock))
	for _, e := range s.Inventory.Stock {
		w.str(e.SKU)
		w.str(e.Category)
		w.str(e.Store)
		w.str(e.Region)
		w.f64(e.Qty)
	}
	w.boolean(s.Experiment != nil)
	if e := s.Experiment; e != nil {
		w.str(e.Salt)
		w.count(len(e.Variants))
		for _, v := range e.Variants {
			w.str(v.Name)
			w.f64(v.Weight)
			w.boolean(v.Holdout)
			w.boolean(v.Epsilon != nil)
			if v.Epsilon != nil {
				w.f64(*v.Epsilon)
			}
		}
	}
	return nil
}

func encodeRules(w *writer, rules []Rule) {
	w.count(len(rules))
	for _, r := range rules {
		w.str(r.Name)
		w.str(r.When)
	}
}

const (
	nodeLeaf        = 1
	nodeDefaultLeft = 2
)

func encodeTrees(w *writer, m *gbdt.Spec) {
	w.u8(uint8(m.Objective))
	w.int(m.NumClass)
	w.int(m.NumFeature)
	w.count(len(m.BaseMargin))
	for _, v := range m.BaseMargin {
		w.f32(v)
	}
	w.strs(m.FeatureNames)
	w.count(len(m.Trees))
	for _, t := range m.Trees {
		w.int(t.Group)
		w.count(len(t.Nodes))
		for _, n := range t.Nodes {
			if n.IsLeaf() {
				w.u8(nodeLeaf)
				w.f32(n.Value)
				w.f32(n.Cover)
				continue
			}
			flags := uint8(0)
			if n.DefaultLeft {
				flags |= nodeDefaultLeft
			}
			w.u8(flags)
			w.uvarint(uint64(n.Feature))
			w.f32(n.Threshold)
			w.uvarint(uint64(n.Left))
			w.uvarint(uint64(n.Right))
			w.f32(n.Cover)
		}
	}
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Decode parses the binary encoding. It checks the magic, version, length
// and checksum before reading anything else, bounds every count by the bytes
// left, and never panics: malformed input gives an *Error with the byte
// offset where decoding stopped.
func Decode(data []byte) (*Spec, error) {
	if len(data) > MaxEncodedSize {
		return nil, &Error{Offset: 0, Msg: "bundle of " + strconv.Itoa(len(data)) + " bytes exceeds " + strconv.Itoa(MaxEncodedSize)}
	}
	if len(data) < headerSize+4 {
		return nil, &Error{Offset: len(data), Msg: "too short for a bundle (" + strconv.Itoa(len(data)) + " bytes)"}
	}
	if string(data[:4]) != magic {
		return nil, &Error{Offset: 0, Msg: "not a binary bundle (bad magic)"}
	}
	if v := le16(data[4:]); v != FormatVersion {
		return nil, &Error{Path: "format", Offset: 4, Msg: "unsupported format version " + strconv.Itoa(int(v)) + "; this build reads " + strconv.Itoa(FormatVersion)}
	}
	n := le32(data[6:])
	if uint64(n) != uint64(len(data)-headerSize-4) {
		return nil, &Error{Offset: 6, Msg: "payload length " + strconv.FormatUint(uint64(n), 10) + " does not match the " + strconv.Itoa(len(data)-headerSize-4) + " bytes present"}
	}
	body := data[:len(data)-4]
	want := le32(data[len(data)-4:])
	if got := checksum(body); got != want {
		return nil, &Error{Offset: len(data) - 4, Msg: "checksum mismatch", Err: ErrChecksum}
	}
	r := &reader{b: body, off: headerSize}
	s := decodeSpec(r)
	if r.err == nil && r.off != len(body) {
		r.fail("", "", strconv.Itoa(len(body)-r.off)+" unexpected bytes after the bundle")
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// Load decodes and compiles a binary bundle.
func Load(data []byte) (*Bundle, error) {
	s, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return Compile(s)
}

func decodeSpec(r *reader) *Spec {
	s := &Spec{}
	s.Format = r.int("format", "")
	s.ID = r.str("id", "")
	nf := r.count("features", "", feature.MaxFeatures, 4)
	if nf > 0 {
		s.Features = make([]feature.Def, nf)
	}
	for i := range s.Features {
		at := "features[" + strconv.Itoa(i) + "]"
		f := &s.Features[i]
		f.Name = r.str(at, ".name")
		f.Field = r.str(at, ".field")
		f.Key = r.str(at, ".key")
		nt := r.count(at, ".transforms", 16, 40)
		if nt > 0 {
			f.Transforms = make([]feature.Transform, nt)
		}
		for k := range f.Transforms {
			tat := at + ".transforms[" + strconv.Itoa(k) + "]"
			t := &f.Transforms[k]
			t.Op = r.str(tat, ".op")
			t.Min = r.f64(tat, ".min")
			t.Max = r.f64(tat, ".max")
			t.Mean = r.f64(tat, ".mean")
			t.Std = r.f64(tat, ".std")
			t.Value = r.str(tat, ".value")
			t.Buckets = r.int(tat, ".buckets")
			t.Period = r.f64(tat, ".period")
		}
	}
	if r.boolean("propensity.logistic", "") {
		l := &Logistic{}
		l.Intercept = r.f64("propensity.logistic.intercept", "")
		n := r.count("propensity.logistic.weights", "", feature.MaxFeatures, 9)
		l.Weights = make(map[string]float64, n)
		for i := 0; i < n; i++ {
			k := r.str("propensity.logistic.weights", "")
			if _, dup := l.Weights[k]; dup && r.err == nil {
				r.fail("propensity.logistic.weights.", k, "duplicate weight")
			}
			l.Weights[k] = r.f64("propensity.logistic.weights.", k)
		}
		l.Blend = r.f64("propensity.logistic.blend", "")
		s.Propensity.Logistic = l
	}
	if r.boolean("propensity.gbdt", "") {
		g := &GBDT{Model: decodeTrees(r)}
		g.Class = r.int("propensity.gbdt.class", "")
		g.Blend = r.f64("propensity.gbdt.blend", "")
		s.Propensity.GBDT = g
	}
	if r.boolean("lifetime", "") {
		l := &Lifetime{}
		for _, p := range []*float64{&l.R, &l.Alpha, &l.A, &l.B, &l.P, &l.Q, &l.Gamma, &l.PeriodDays, &l.Horizon} {
			*p = r.f64("lifetime", "")
		}
		l.Steps = r.int("lifetime.steps", "")
		l.DiscountRate = r.f64("lifetime.discount_rate", "")
		l.Margin = r.f64("lifetime.margin", "")
		s.Lifetime = l
	}
	s.Tiers = decodeRules(r, "tiers", MaxTiers)
	if r.boolean("clusters", "") {
		c := &Clusters{}
		c.Names = r.strs("clusters.names", "", 64)
		c.Features = r.strs("clusters.features", "", 64)
		c.Mean = r.f64s("clusters.mean", "", 64)
		c.Scale = r.f64s("clusters.scale", "", 64)
		k := r.count("clusters.centroids", "", 64, 1)
		if k > 0 {
			c.Centroids = make([][]float64, k)
		}
		for i := range c.Centroids {
			c.Centroids[i] = r.f64s("clusters.centroids", "["+strconv.Itoa(i)+"]", 64)
		}
		s.Clusters = c
	}
	s.Segments = decodeRules(r, "segments", MaxSegments)
	s.Economics.MarginRate = r.f64("economics.margin_rate", "")
	nm := r.count("economics.category_margins", "", 4096, 9)
	if nm > 0 {
		s.Economics.CategoryMargins = make(map[string]float64, nm)
	}
	for i := 0; i < nm; i++ {
		k := r.str("economics.category_margins", "")
		s.Economics.CategoryMargins[k] = r.f64("economics.category_margins.", k)
	}
	s.Economics.DefaultBasket = r.f64("economics.default_basket", "")
	s.Policy.Epsilon = r.f64("policy.epsilon", "")
	s.Policy.SureBuyer = r.f64("policy.sure_buyer", "")
	no := r.count("offers", "", offer.MaxOffers, 50)
	if no > 0 {
		s.Offers = make([]offer.Def, no)
	}
	for i := range s.Offers {
		at := "offers[" + strconv.Itoa(i) + "]"
		o := &s.Offers[i]
		o.ID = r.str(at, ".id")
		o.Kind = r.str(at, ".kind")
		o.Discount = r.f64(at, ".discount")
		o.CostOnPurchase = r.f64(at, ".cost_on_purchase")
		o.CostPerExposure = r.f64(at, ".cost_per_exposure")
		o.Lift = r.f64(at, ".lift")
		nl := r.count(at, ".segment_lifts", 64, 9)
		if nl > 0 {
			o.SegmentLifts = make([]offer.SegmentLift, nl)
		}
		for k := range o.SegmentLifts {
			o.SegmentLifts[k].Segment = r.str(at, ".segment_lifts")
			o.SegmentLifts[k].Lift = r.f64(at, ".segment_lifts")
		}
		e := &o.Eligible
		e.Segments = r.strs(at, ".eligible.segments", 256)
		e.Categories = r.strs(at, ".eligible.categories", 4096)
		e.MinCart = r.f64(at, ".eligible.min_cart")
		e.Channels = r.strs(at, ".eligible.channels", 16)
		e.Regions = r.strs(at, ".eligible.regions", 4096)
		e.RequiresStock = r.boolean(at, ".eligible.requires_stock")
		e.StoreRadiusKM = r.f64(at, ".eligible.store_radius_km")
	}
	ns := r.count("inventory.stores", "", 1<<16, 18)
	if ns > 0 {
		s.Inventory.Stores = make([]offer.Store, ns)
	}
	for i := range s.Inventory.Stores {
		st := &s.Inventory.Stores[i]
		at := "inventory.stores[" + strconv.Itoa(i) + "]"
		st.ID = r.str(at, ".id")
		st.Region = r.str(at, ".region")
		st.Lat = r.f64(at, ".lat")
		st.Lon = r.f64(at, ".lon")
	}
	nk := r.count("inventory.stock", "", 1<<20, 12)
	if nk > 0 {
		s.Inventory.Stock = make([]offer.StockEntry, nk)
	}
	for i := range s.Inventory.Stock {
		e := &s.Inventory.Stock[i]
		at := "inventory.stock[" + strconv.Itoa(i) + "]"
		e.SKU = r.str(at, ".sku")
		e.Category = r.str(at, ".category")
		e.Store = r.str(at, ".store")
		e.Region = r.str(at, ".region")
		e.Qty = r.f64(at, ".qty")
	}
	if r.boolean("experiment", "") {
		e := &Experiment{}
		e.Salt = r.str("experiment.salt", "")
		nv := r.count("experiment.variants", "", MaxVariants, 11)
		if nv > 0 {
			e.Variants = make([]Variant, nv)
		}
		for i := range e.Variants {
			at := "experiment.variants[" + strconv.Itoa(i) + "]"
			v := &e.Variants[i]
			v.Name = r.str(at, ".name")
			v.Weight = r.f64(at, ".weight")
			v.Holdout = r.boolean(at, ".holdout")
			if r.boolean(at, ".epsilon") {
				eps := r.f64(at, ".epsilon")
				v.Epsilon = &eps
			}
		}
		s.Experiment = e
	}
	return s
}

func decodeRules(r *reader, path string, limit int) []Rule {
	n := r.count(path, "", limit, 2)
	if n == 0 {
		return nil
	}
	out := make([]Rule, n)
	for i := range out {
		at := path + "[" + strconv.Itoa(i) + "]"
		out[i].Name = r.str(at, ".name")
		out[i].When = r.str(at, ".when")
	}
	return out
}

func decodeTrees(r *reader) *gbdt.Spec {
	const at = "propensity.gbdt.xgboost"
	m := &gbdt.Spec{}
	m.Objective = gbdt.Objective(r.u8(at, ".objective"))
	m.NumClass = r.int(at, ".num_class")
	m.NumFeature = r.int(at, ".num_feature")
	nb := r.count(at, ".base_margin", gbdt.MaxClasses, 4)
	if nb > 0 {
		m.BaseMargin = make([]float32, nb)
	}
	for i := range m.BaseMargin {
		m.BaseMargin[i] = r.f32(at, ".base_margin")
	}
	m.FeatureNames = r.strs(at, ".feature_names", gbdt.MaxFeatures)
	nt := r.count(at, ".trees", gbdt.MaxTrees, 2)
	if nt > 0 {
		m.Trees = make([]gbdt.Tree, nt)
	}
	for t := range m.Trees {
		tat := at + ".trees[" + strconv.Itoa(t) + "]"
		tr := &m.Trees[t]
		tr.Group = r.int(tat, ".group")
		nn := r.count(tat, ".nodes", 1<<(gbdt.MaxDepth+1), 9)
		if nn > 0 {
			tr.Nodes = make([]gbdt.Node, nn)
		}
		for i := range tr.Nodes {
			n := &tr.Nodes[i]
			flags := r.u8(tat, ".nodes")
			if flags&^(nodeLeaf|nodeDefaultLeft) != 0 {
				r.off--
				r.fail(tat, ".nodes["+strconv.Itoa(i)+"]", "unknown node flags")
			}
			if flags&nodeLeaf != 0 {
				n.Left, n.Right = -1, -1
				n.Value = r.f32(tat, ".nodes")
				n.Cover = r.f32(tat, ".nodes")
				continue
			}
			n.DefaultLeft = flags&nodeDefaultLeft != 0
			n.Feature = int32(clampIdx(r.uvarint(tat, ".nodes")))
			n.Threshold = r.f32(tat, ".nodes")
			n.Left = int32(clampIdx(r.uvarint(tat, ".nodes")))
			n.Right = int32(clampIdx(r.uvarint(tat, ".nodes")))
			n.Cover = r.f32(tat, ".nodes")
		}
		if r.err != nil {
			return m
		}
	}
	return m
}

// clampIdx keeps an index from a corrupt varint positive and in int32 range;
// gbdt.Compile then rejects it as out of range with its own message.
func clampIdx(v uint64) uint64 {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return v
}
