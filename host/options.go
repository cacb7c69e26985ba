package host

import (
	"log/slog"
	"runtime"
)

// Option configures a Pool.
type Option func(*config)

type config struct {
	size         int
	log          *slog.Logger
	closeRuntime bool
	noSnapshots  bool
}

// WithSize sets the number of instances (default DefaultSize()). Each
// serves one call at a time; more instances than CPUs add memory, not
// throughput.
func WithSize(n int) Option { return func(c *config) { c.size = n } }

// WithLogger sets the logger for pool events and the guests' stderr
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithoutSnapshots makes every new instance run the Go runtime's start and
// load the bundle itself, instead of starting as a copy of the instance
// that loaded the bundle first (see Snapshot). For comparison and for
// runtimes one does not trust to restore state faithfully.
func WithoutSnapshots() Option { return func(c *config) { c.noSnapshots = true } }

// WithCloseRuntime makes Close also close the Runtime the pool was built
// on (for a runtime made only for this pool).
func WithCloseRuntime() Option { return func(c *config) { c.closeRuntime = true } }

// InstanceMemory is what DefaultSize counts per instance: the linear memory
// of an instance with the reference bundle loaded measured 5 MiB
// (BenchmarkInstanceStart; 3 MiB before any bundle), plus headroom for the
// guest's heap to grow while it loads the next bundle.
const InstanceMemory = 8 << 20

// MemoryBudget bounds the default pool's total guest memory.
const MemoryBudget = 512 << 20

// DefaultSize is one instance per CPU (calls are CPU-bound, so more cannot
// add throughput), at least 2 so that a trapped instance being replaced
// does not stall the pool, and at most MemoryBudget / InstanceMemory.
func DefaultSize() int {
	n := max(runtime.GOMAXPROCS(0), 2)
	return min(n, MemoryBudget/InstanceMemory)
}

func newConfig(opts []Option) (config, error) {
	c := config{size: DefaultSize(), log: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	if c.size < 1 {
		return c, errSize
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
