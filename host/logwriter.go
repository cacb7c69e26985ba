package host

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// lineLogger turns a guest's output stream into log records, one per line.
// A Go guest writes panic messages and traces to stderr; without this a
// guest panic would look like a bare trap.
type lineLogger struct {
	mu       sync.Mutex
	log      *slog.Logger
	level    slog.Level
	stream   string
	instance uint64
	buf      []byte
}

func newLineLogger(l *slog.Logger, level slog.Level, stream string, instance uint64) *lineLogger {
	return &lineLogger{log: l, level: level, stream: stream, instance: instance}
}

// maxLine bounds a buffered line: a guest that never writes a newline does
// not grow the host's memory.
const maxLine = 4096

func (w *lineLogger) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			if len(w.buf) >= maxLine {
				w.emit()
			}
			break
		}
		w.buf = append(w.buf, p[:i]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

// Flush logs a last, unterminated line.
func (w *lineLogger) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit()
	}
}

func (w *lineLogger) emit() {
	w.log.Log(context.Background(), w.level, "guest "+w.stream,
		slog.Uint64("instance", w.instance), slog.String("line", string(w.buf)))
	w.buf = w.buf[:0]
}
