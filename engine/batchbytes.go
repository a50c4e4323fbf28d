package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// Batches are capped by bytes as well as by rows: with wide rows (10 KB
// strings) a batch of sluice.exec.batch-size rows is 100 MB, and a few of
// them in flight per channel made a scan's peak memory several times the
// data it needed.
const (
	// ConfigBatchBytes caps the bytes of a batch that a source builds from
	// its input (Kafka, filesystem, datagen) or that an operator builds
	// from state (aggregates at end of input, sort). A batch is cut once
	// it reaches the cap, so it holds at most one row more than fits;
	// sources estimate a row's bytes from the record it was decoded from.
	ConfigBatchBytes = "sluice.exec.batch-bytes"
	// DefaultBatchBytes keeps a default batch of narrow rows (10000 rows
	// of a few columns: well under 1 MiB) uncut while a batch of wide
	// rows stays a small multiple of the CPU caches' working sets.
	DefaultBatchBytes = 8 << 20
)

// BatchBytes reads ConfigBatchBytes: Flink MemorySize text (8mb, 65536,
// 512 kb), at least 1 byte.
func BatchBytes(cfg Config) (int, error) {
	v, ok := cfg[ConfigBatchBytes]
	if !ok {
		return DefaultBatchBytes, nil
	}
	n, err := ParseMemorySize(v)
	if err != nil {
		return 0, fmt.Errorf("config %s = %q: %w", ConfigBatchBytes, v, err)
	}
	if n < 1 || n > 1<<40 {
		return 0, fmt.Errorf("config %s = %q: must be between 1 byte and 1 TiB", ConfigBatchBytes, v)
	}
	return int(n), nil
}

// ParseMemorySize reads a size as Flink's MemorySize does: a number and an
// optional unit (b or bytes; k, kb, kibibytes; m, mb, mebibytes; g, gb,
// gibibytes; t, tb, tebibytes) in any case, with binary multiples.
func ParseMemorySize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("no number")
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number out of range")
	}
	var shift uint
	switch strings.ToLower(strings.TrimSpace(s[i:])) {
	case "", "b", "bytes":
	case "k", "kb", "kibibytes":
		shift = 10
	case "m", "mb", "mebibytes":
		shift = 20
	case "g", "gb", "gibibytes":
		shift = 30
	case "t", "tb", "tebibytes":
		shift = 40
	default:
		return 0, fmt.Errorf("unknown unit '%s'", strings.TrimSpace(s[i:]))
	}
	if n > (1<<63-1)>>shift {
		return 0, fmt.Errorf("size out of range")
	}
	return n << shift, nil
}
