package guesttest

import (
	"log/slog"
	"strings"
	"sync"
)

// LogSink collects a host's log records, so a test can assert that a guest's
// stderr (a panic message, an out-of-memory report) reached the logger.
type LogSink struct {
	mu    sync.Mutex
	lines []string
}

// Logger returns a logger writing into the sink, at every level.
func (s *LogSink) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (s *LogSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, string(p))
	return len(p), nil
}

// String is everything logged so far, for failure messages.
func (s *LogSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "")
}

// Contains reports whether any record so far contains sub.
func (s *LogSink) Contains(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Contains(strings.Join(s.lines, ""), sub)
}
