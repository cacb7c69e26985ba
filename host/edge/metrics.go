package edge

import (
	"github.com/edgescore/edgescore/host"

	"time"

	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/edgescore/edgescore/host/edge/bundlesync"
	"github.com/edgescore/edgescore/host/edge/internal/prom"
	"github.com/edgescore/edgescore/host/edge/outbox"
)

type metrics struct {
	reg        prom.Registry
	latency    *prom.Histogram
	overhead   *prom.Histogram
	decisions  *prom.CounterVec
	segments   *prom.CounterVec
	failOpen   *prom.CounterVec
	requests   *prom.CounterVec
	events     *prom.CounterVec
	badCookies *prom.CounterVec
	originErr  *prom.Counter
	sinkErr    *prom.Counter
}

// Latency buckets from 25 µs to 25 ms: the budget is 2 ms.
var latencyBuckets = []float64{25e-6, 50e-6, 100e-6, 200e-6, 300e-6, 500e-6, 750e-6, 1e-3, 1.5e-3, 2e-3, 3e-3, 5e-3, 10e-3, 25e-3}

func (s *Server) initMetrics() {
	m := &s.m
	r := &m.reg
	m.latency = r.NewHistogram("edgescore_decision_duration_seconds",
		"Time of one guest decision, waiting for an instance included.", latencyBuckets)
	m.overhead = r.NewHistogram("edgescore_edge_overhead_seconds",
		"Time the edge adds before forwarding a page request or answering the API: context assembly, decision, headers.", latencyBuckets)
	m.decisions = r.NewCounterVec("edgescore_decisions_total", "Guest decisions by arm, variant, action and tier.",
		"arm", "variant", "action", "tier")
	m.segments = r.NewCounterVec("edgescore_decision_segments_total", "Guest decisions by matched segment.", "segment")
	m.failOpen = r.NewCounterVec("edgescore_failopen_total", "Default decisions by reason.", "reason")
	m.requests = r.NewCounterVec("edgescore_requests_total", "Requests by route.", "route")
	m.events = r.NewCounterVec("edgescore_events_total", "Outcome events queued by type.", "type")
	m.badCookies = r.NewCounterVec("edgescore_cookies_rejected_total", "Cookies ignored because they did not verify.", "cookie", "reason")
	m.originErr = r.NewCounter("edgescore_origin_errors_total", "Page requests the origin did not answer.")
	m.sinkErr = r.NewCounter("edgescore_events_refused_total", "Events the outbox refused (closed).")

	r.NewLabelledGaugeFunc("edgescore_bundle_info", "The arms in force: 1 per arm, labelled with its bundle.",
		[]string{"arm", "bundle_id", "digest", "weight"}, func() []prom.Sample {
			p := s.plan.Load()
			if p == nil {
				return nil
			}
			var out []prom.Sample
			for _, a := range p.arms {
				id := ""
				if a.eng != nil {
					if b, ok := a.eng.(interface{ Bundle() *host.Bundle }); ok && b.Bundle() != nil {
						id = b.Bundle().ID()
					}
				}
				out = append(out, prom.Sample{Values: []string{a.name, id, a.digest, strconv.Itoa(a.weight)}, Value: 1})
			}
			return out
		})
	r.NewGaugeFunc("edgescore_manifest_sequence", "Sequence of the manifest in force (0: none).", func() float64 {
		if p := s.plan.Load(); p != nil {
			return float64(p.seq)
		}
		return 0
	})
	r.NewGaugeFunc("edgescore_kill_switch", "1 while the manifest's kill switch is on.", func() float64 {
		if p := s.plan.Load(); p != nil && p.kill {
			return 1
		}
		return 0
	})
	r.NewGaugeFunc("edgescore_pool_instances", "Guest instances across the arms' pools.", func() float64 {
		return float64(s.poolStats().Size)
	})
	r.NewCounterFunc("edgescore_guest_traps_total", "Guest calls that trapped (instance replaced).", func() float64 {
		return float64(s.poolStats().Traps)
	})
	r.NewCounterFunc("edgescore_guest_interrupts_total", "Guest calls ended by the budget (instance replaced).", func() float64 {
		return float64(s.poolStats().Interrupts)
	})
	r.NewGaugeFunc("edgescore_guest_memory_bytes", "Linear memory of the guest instances.", func() float64 {
		return float64(s.poolStats().InstanceMemory)
	})
	r.NewGaugeFunc("process_resident_memory_bytes", "Resident set size of the edge process.", rss)
	r.NewGaugeFunc("go_goroutines", "Goroutines.", func() float64 { return float64(runtime.NumGoroutine()) })
	r.NewGaugeFunc("go_memstats_heap_inuse_bytes", "Go heap in use.", func() float64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapInuse)
	})
}

// registerSync exposes the sync loop's state.
func (s *Server) registerSync(st SyncStatus) {
	r := &s.m.reg
	r.NewGaugeFunc("edgescore_sync_staleness_seconds",
		"Seconds since the control plane last answered (watch event or ping, poll, heartbeat).",
		func() float64 { return st.Staleness().Seconds() })
	r.NewGaugeFunc("edgescore_sync_watching", "1 while the manifest watch stream is connected.", func() float64 {
		if st.Status().Watching {
			return 1
		}
		return 0
	})
	r.NewGaugeFunc("edgescore_sync_from_cache", "1 while the plan in force was loaded from the disk cache.", func() float64 {
		if st.Status().FromCache {
			return 1
		}
		return 0
	})
	r.NewCounterFunc("edgescore_manifests_rejected_total", "Manifests refused (signature, replay, group, digest, load).",
		func() float64 { return float64(st.Status().Rejected) })
}

// registerOutbox exposes the outbox's counters.
func (s *Server) registerOutbox(o OutboxStats) {
	r := &s.m.reg
	r.NewGaugeFunc("edgescore_outbox_queue_depth", "Events not yet delivered: in memory plus spooled.", func() float64 {
		st := o.Stats()
		return float64(st.Pending + st.Spooled)
	})
	r.NewGaugeFunc("edgescore_outbox_spooled_events", "Events in the on-disk spool.", func() float64 { return float64(o.Stats().Spooled) })
	r.NewGaugeFunc("edgescore_outbox_spool_bytes", "Bytes in the on-disk spool.", func() float64 { return float64(o.Stats().SpoolBytes) })
	r.NewCounterFunc("edgescore_outbox_sent_total", "Events delivered to the control plane.", func() float64 { return float64(o.Stats().Sent) })
	r.NewCounterFunc("edgescore_outbox_dropped_total", "Events dropped past the spool's bound.", func() float64 { return float64(o.Stats().Dropped) })
	r.NewCounterFunc("edgescore_outbox_rejected_total", "Events in batches the control plane refused as malformed.", func() float64 { return float64(o.Stats().Rejected) })
	r.NewCounterFunc("edgescore_outbox_failures_total", "Failed delivery attempts.", func() float64 { return float64(o.Stats().Failures) })
}

// OutboxStats is the part of *outbox.Outbox the metrics read.
type OutboxStats interface {
	Stats() outbox.Stats
}

// SyncStatus is the part of *bundlesync.Syncer the metrics and /readyz
// read.
type SyncStatus interface {
	Status() bundlesync.Status
	Staleness() time.Duration
}

// rss reads the resident set size from /proc (0 where there is none).
func rss() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize())
}
