// Package prom writes metrics in the Prometheus text exposition format
// (version 0.0.4): counters, labelled counters, gauges read at scrape time,
// and histograms, all updated without locks on the hot path.
package prom

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metrics in the order they were registered.
type Registry struct {
	mu      sync.Mutex
	metrics []metric
}

type metric interface {
	write(b []byte) []byte
}

func (r *Registry) add(m metric) {
	r.mu.Lock()
	r.metrics = append(r.metrics, m)
	r.mu.Unlock()
}

// WriteTo writes every metric.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	ms := slices.Clone(r.metrics)
	r.mu.Unlock()
	var b []byte
	for _, m := range ms {
		b = m.write(b)
	}
	n, err := w.Write(b)
	return int64(n), err
}

// ContentType is the exposition format's media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

func header(b []byte, name, help, typ string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, help...)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

func float(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func labels(b []byte, names, values []string) []byte {
	if len(names) == 0 {
		return b
	}
	b = append(b, '{')
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n...)
		b = append(b, '=', '"')
		b = escape(b, values[i])
		b = append(b, '"')
	}
	return append(b, '}')
}

func escape(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// Counter is a monotonically increasing count.
type Counter struct {
	name, help string
	v          atomic.Uint64
}

// NewCounter registers a counter.
func (r *Registry) NewCounter(name, help string) *Counter {
	c := &Counter{name: name, help: help}
	r.add(c)
	return c
}

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Value returns the count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) write(b []byte) []byte {
	b = header(b, c.name, c.help, "counter")
	b = append(b, c.name...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, c.v.Load(), 10)
	return append(b, '\n')
}

// CounterVec is a counter per combination of label values.
type CounterVec struct {
	name, help string
	labels     []string
	mu         sync.RWMutex
	series     map[string]*series
}

type series struct {
	values []string
	v      atomic.Uint64
}

// NewCounterVec registers a labelled counter.
func (r *Registry) NewCounterVec(name, help string, labelNames ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, labels: labelNames, series: map[string]*series{}}
	r.add(c)
	return c
}

// Add adds n to the series of values (one per label, in order).
func (c *CounterVec) Add(n uint64, values ...string) {
	var kb [128]byte
	k := kb[:0]
	for _, v := range values {
		k = append(k, v...)
		k = append(k, 0)
	}
	c.mu.RLock()
	s := c.series[string(k)]
	c.mu.RUnlock()
	if s == nil {
		c.mu.Lock()
		if s = c.series[string(k)]; s == nil {
			s = &series{values: slices.Clone(values)}
			c.series[string(k)] = s
		}
		c.mu.Unlock()
	}
	s.v.Add(n)
}

// Value returns the count of one series.
func (c *CounterVec) Value(values ...string) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s := c.series[strings.Join(values, "\x00")+"\x00"]; s != nil {
		return s.v.Load()
	}
	return 0
}

// Each calls fn for every series.
func (c *CounterVec) Each(fn func(values []string, v uint64)) {
	c.mu.RLock()
	ss := make([]*series, 0, len(c.series))
	for _, s := range c.series {
		ss = append(ss, s)
	}
	c.mu.RUnlock()
	for _, s := range ss {
		fn(s.values, s.v.Load())
	}
}

func (c *CounterVec) write(b []byte) []byte {
	b = header(b, c.name, c.help, "counter")
	c.mu.RLock()
	keys := make([]string, 0, len(c.series))
	for k := range c.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := c.series[k]
		b = append(b, c.name...)
		b = labels(b, c.labels, s.values)
		b = append(b, ' ')
		b = strconv.AppendUint(b, s.v.Load(), 10)
		b = append(b, '\n')
	}
	c.mu.RUnlock()
	return b
}

// GaugeFunc is a value read at scrape time.
type GaugeFunc struct {
	name, help, typ string
	fn              func() float64
}

// NewGaugeFunc registers a gauge whose value fn returns.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	r.add(&GaugeFunc{name: name, help: help, typ: "gauge", fn: fn})
}

// NewCounterFunc registers a counter whose value fn returns (a count kept
// elsewhere).
func (r *Registry) NewCounterFunc(name, help string, fn func() float64) {
	r.add(&GaugeFunc{name: name, help: help, typ: "counter", fn: fn})
}

func (g *GaugeFunc) write(b []byte) []byte {
	b = header(b, g.name, g.help, g.typ)
	b = append(b, g.name...)
	b = append(b, ' ')
	b = float(b, g.fn())
	return append(b, '\n')
}

// Sample is one labelled value of a LabelledGaugeFunc.
type Sample struct {
	Values []string
	Value  float64
}

type labelledGauge struct {
	name, help string
	labels     []string
	fn         func() []Sample
}

// NewLabelledGaugeFunc registers gauges with labels read at scrape time
// (for example an info metric naming the bundle in use).
func (r *Registry) NewLabelledGaugeFunc(name, help string, labelNames []string, fn func() []Sample) {
	r.add(&labelledGauge{name: name, help: help, labels: labelNames, fn: fn})
}

func (g *labelledGauge) write(b []byte) []byte {
	b = header(b, g.name, g.help, "gauge")
	for _, s := range g.fn() {
		b = append(b, g.name...)
		b = labels(b, g.labels, s.Values)
		b = append(b, ' ')
		b = float(b, s.Value)
		b = append(b, '\n')
	}
	return b
}

// Histogram counts observations in fixed buckets.
type Histogram struct {
	name, help string
	bounds     []float64
	counts     []atomic.Uint64 // one per bound, then +Inf
	sum        atomic.Uint64   // float64 bits
	n          atomic.Uint64
}

// NewHistogram registers a histogram with the given upper bounds
// (ascending).
func (r *Registry) NewHistogram(name, help string, bounds []float64) *Histogram {
	h := &Histogram{name: name, help: help, bounds: slices.Clone(bounds), counts: make([]atomic.Uint64, len(bounds)+1)}
	r.add(h)
	return h
}

// Observe records v.
func (h *Histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v)
	h.counts[i].Add(1)
	h.n.Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Quantile estimates quantile q (0…1) from the buckets: the upper bound of
// the bucket that holds it.
func (h *Histogram) Quantile(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return math.NaN()
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var acc uint64
	for i := range h.counts {
		acc += h.counts[i].Load()
		if acc >= rank {
			if i < len(h.bounds) {
				return h.bounds[i]
			}
			return math.Inf(1)
		}
	}
	return math.Inf(1)
}

func (h *Histogram) write(b []byte) []byte {
	b = header(b, h.name, h.help, "histogram")
	var acc uint64
	for i := range h.counts {
		acc += h.counts[i].Load()
		b = append(b, h.name...)
		b = append(b, `_bucket{le="`...)
		if i < len(h.bounds) {
			b = float(b, h.bounds[i])
		} else {
			b = append(b, "+Inf"...)
		}
		b = append(b, `"} `...)
		b = strconv.AppendUint(b, acc, 10)
		b = append(b, '\n')
	}
	b = append(b, h.name...)
	b = append(b, "_sum "...)
	b = float(b, math.Float64frombits(h.sum.Load()))
	b = append(b, '\n')
	b = append(b, h.name...)
	b = append(b, "_count "...)
	b = strconv.AppendUint(b, acc, 10)
	return append(b, '\n')
}
