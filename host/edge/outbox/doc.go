// Package outbox delivers the edge's outcome events (decision logs,
// exposures, conversions) to the control plane without ever blocking or
// failing a request.
//
// Events are appended to an in-memory batch, which is sealed when it holds
// MaxEvents events or MaxBytes bytes, or FlushInterval after its first
// event. One sender goroutine delivers sealed batches through a Sender,
// retrying failures with exponential backoff and full jitter. While the
// control plane cannot be reached, sealed batches spill to a bounded
// on-disk spool (one file per batch, written to a temporary name and
// renamed, so a crash never leaves half a batch), and are delivered oldest
// first once it answers again; a restarted edge resumes the spool it finds.
//
// Delivery is at least once: a batch that was stored but whose answer was
// lost is sent again, and the control plane drops the copy by event id.
// Events are lost only past the spool's bound (the oldest batches go first)
// or when the control plane refuses a batch as malformed, and both are
// counted (Stats.Dropped, Stats.Rejected). Close flushes everything it can
// within its context and spools the rest.
package outbox
