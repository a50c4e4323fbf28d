package table

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/engine"
)

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressLine(t *testing.T) {
	var n int64
	var mu sync.Mutex
	metrics := func() []engine.MetricsSnapshot {
		mu.Lock()
		defer mu.Unlock()
		n += 25_000
		return []engine.MetricsSnapshot{{Kind: "source", RecordsOut: n}, {Kind: "sink", RecordsIn: 31}}
	}
	var buf syncBuf
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { progress(&buf, "cdn", metrics, stop); close(done) }()
	time.Sleep(1200 * time.Millisecond)
	close(stop)
	<-done
	out := buf.String()
	assert.Contains(t, out, "[cdn] ")
	assert.Contains(t, out, "read 25.0k (")
	assert.Contains(t, out, "written 31")
	assert.True(t, strings.HasSuffix(out, "\r"), "the line is cleared at the end")
	assert.Equal(t, "1500.0k", count(1_500_000))
	assert.Equal(t, "12.0M", count(12_000_000))
	assert.Equal(t, "999", count(999))
}
