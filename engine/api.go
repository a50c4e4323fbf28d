package engine

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// Collector receives the batches an operator or source emits.
//
// Ownership: the batch is lent for the duration of the call. The caller
// keeps its reference and releases the batch after Collect returns; a
// callee that keeps the batch (buffers it, hands it to another goroutine)
// takes its own reference with RetainBatch.
type Collector interface {
	Collect(ctx context.Context, b *vectorized.Batch) error
}

// CollectorFunc adapts a function to Collector.
type CollectorFunc func(ctx context.Context, b *vectorized.Batch) error

// Collect calls f.
func (f CollectorFunc) Collect(ctx context.Context, b *vectorized.Batch) error { return f(ctx, b) }

// Operator is one push-based operator instance inside a chained task. All
// methods of one instance are called from one goroutine at a time.
type Operator interface {
	Open(ctx context.Context, rt *RuntimeContext) error
	// Process handles one batch that arrived on input edge `input` (0 for
	// chained operators). The batch is lent, as for Collector.
	Process(ctx context.Context, input int, b *vectorized.Batch, out Collector) error
	// EndInput is called once, after every input of a bounded job ended.
	EndInput(ctx context.Context, out Collector) error
	Close() error
}

// ProcessingTimer is implemented by operators that act on processing time
// without waiting for input (mini-batch latency). The task calls OnTimer
// from its own goroutine, never concurrently with Process.
type ProcessingTimer interface {
	// NextTimer is when OnTimer should run next; the zero time means never.
	NextTimer() time.Time
	OnTimer(ctx context.Context, now time.Time, out Collector) error
}

// Source is one parallel instance of a source.
type Source interface {
	Open(ctx context.Context, rt *RuntimeContext) error
	// Run emits batches until the input ends (return nil) or ctx is
	// cancelled (return ctx.Err()). Emitted batches are lent, as for
	// Collector.
	Run(ctx context.Context, out Collector) error
	Close() error
}

// Sink is one parallel instance of a sink. It receives changelog batches.
type Sink interface {
	Open(ctx context.Context, rt *RuntimeContext) error
	// Write receives one batch, lent as for Collector.
	Write(ctx context.Context, b *vectorized.Batch) error
	// Finish is called at the end of the input: flush.
	Finish(ctx context.Context) error
	Close() error
}

// RetainBatch returns a new Batch holding its own reference to b's record,
// for a callee that keeps a lent batch. Kinds are shared: batches are
// immutable once emitted.
func RetainBatch(b *vectorized.Batch) *vectorized.Batch {
	b.Record.Retain()
	return &vectorized.Batch{Record: b.Record, Kinds: b.Kinds}
}

// RuntimeContext is what an operator instance learns about where it runs.
type RuntimeContext struct {
	JobName      string
	OperatorName string
	// TaskName is the name of the task (the vertex, its chain) the
	// instance runs in, as Flink's TaskInfo.getTaskName.
	TaskName    string
	Subtask     int // 0-based
	Parallelism int
	Mem         memory.Allocator
	Metrics     *OperatorMetrics
	Config      Config
	// MaxParallelism is pipeline.max-parallelism, the number of key
	// groups.
	MaxParallelism int
	// EvalContext returns the context expressions are evaluated with: call
	// it once per batch. In a bounded job Now is the job's start (Flink
	// evaluates CURRENT_TIMESTAMP once per query in batch mode); in an
	// unbounded job it is the time of the call.
	EvalContext func() *vectorized.EvalContext
	// Watermark is the task's current input watermark (the minimum over
	// its non-idle producers, in ms since the epoch), MinWatermark before
	// the first: what CURRENT_WATERMARK reads. Nil (a context built by
	// hand in tests) means MinWatermark.
	Watermark func() int64

	ckpt *instanceState
}

// OperatorMetrics are the counters of one operator (or source, or sink)
// instance. The runtime maintains them; they may be read while the job runs.
type OperatorMetrics struct {
	RecordsIn, RecordsOut atomic.Int64
	BatchesIn, BatchesOut atomic.Int64
	// BusyNanos is the time spent in Process/EndInput/OnTimer (operators),
	// Run (sources) or Write/Finish (sinks), excluding the time spent in
	// downstream chained operators and in sending to other tasks.
	BusyNanos atomic.Int64
	// BackPressuredNanos is the time spent waiting for room in the input
	// channels of downstream tasks (Flink's backPressuredTimeMsPerSecond).
	BackPressuredNanos atomic.Int64

	// counters are the instance's own named counters (a source's skipped
	// records, a sink's retries), created on first use.
	counters sync.Map // string → *atomic.Int64
}

// Counter returns the instance's counter of that name, creating it at
// zero on first use. Connectors and operators count what users need to
// see beyond records and batches: "numRecordsSkipped", "numRetries".
func (m *OperatorMetrics) Counter(name string) *atomic.Int64 {
	if c, ok := m.counters.Load(name); ok {
		return c.(*atomic.Int64)
	}
	c, _ := m.counters.LoadOrStore(name, new(atomic.Int64))
	return c.(*atomic.Int64)
}

// snapshotCounters copies the named counters; nil when there are none.
func (m *OperatorMetrics) snapshotCounters() map[string]int64 {
	var out map[string]int64
	m.counters.Range(func(k, v any) bool {
		if out == nil {
			out = map[string]int64{}
		}
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

// Config holds string key/values — the job configuration, Flink style.
type Config map[string]string

// Configuration keys the engine reads.
const (
	// ConfigChannelCapacity is the number of batches a task's input
	// channel holds before its producers block (backpressure).
	ConfigChannelCapacity = "sluice.exchange.channel-capacity"
	// ConfigBatchSize is the number of rows per batch operators emit when
	// they build output from state (aggregates at end of input, sort).
	ConfigBatchSize = "sluice.exec.batch-size"
	// ConfigMaxParallelism is Flink's number of key groups, the unit hash
	// exchanges assign to subtasks.
	ConfigMaxParallelism = "pipeline.max-parallelism"
	// ConfigLocalTimeZone is the session time zone for expressions.
	ConfigLocalTimeZone = "table.local-time-zone"
)

// Defaults of the configuration keys.
const (
	DefaultChannelCapacity = 4
	DefaultBatchSize       = 10000 // as python.fn-execution.arrow.batch.size
	DefaultMaxParallelism  = 128   // Flink's lower bound for the default max parallelism
)

// String returns the value of key, or def when it is not set.
func (c Config) String(key, def string) string {
	if v, ok := c[key]; ok {
		return v
	}
	return def
}

// Int returns the value of key as an int, or def when it is not set.
func (c Config) Int(key string, def int) (int, error) {
	v, ok := c[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("config %s = %q: not an integer", key, v)
	}
	return n, nil
}

// Bool returns the value of key as a bool, or def when it is not set.
func (c Config) Bool(key string, def bool) (bool, error) {
	v, ok := c[key]
	if !ok {
		return def, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("config %s = %q: not a boolean", key, v)
	}
	return b, nil
}

// Duration returns the value of key as a duration, or def when it is not
// set. It accepts Go durations ("1m30s") and Flink's forms ("5 s",
// "500 ms", "2 min", "1 h", "1 d"; a bare number is milliseconds).
func (c Config) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := c[key]
	if !ok {
		return def, nil
	}
	d, err := ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("config %s = %q: %w", key, v, err)
	}
	return d, nil
}

// ParseDuration parses a Go or Flink duration (see Config.Duration).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("not a duration")
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a duration")
	}
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	var u time.Duration
	switch unit {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		u = time.Millisecond
	case "ns", "nano", "nanos", "nanosecond", "nanoseconds":
		u = time.Nanosecond
	case "us", "µs", "micro", "micros", "microsecond", "microseconds":
		u = time.Microsecond
	case "s", "sec", "secs", "second", "seconds":
		u = time.Second
	case "m", "min", "mins", "minute", "minutes":
		u = time.Minute
	case "h", "hour", "hours":
		u = time.Hour
	case "d", "day", "days":
		u = 24 * time.Hour
	default:
		return 0, fmt.Errorf("unknown time unit %q", unit)
	}
	return time.Duration(n) * u, nil
}

// named is an operator with a name given by the planner.
type named struct {
	Operator
	name string
}

func (n named) String() string { return n.name }

// timerOf returns op's processing timer, looking through WithName.
func timerOf(op Operator) (ProcessingTimer, bool) {
	if n, ok := op.(named); ok {
		op = n.Operator
	}
	t, ok := op.(ProcessingTimer)
	return t, ok
}

// WithName gives an operator the name metrics and errors use, e.g.
// "Calc(ip_to_province)". Without it an operator is named by its String
// method, or by its type.
func WithName(name string, op Operator) Operator { return named{Operator: op, name: name} }

// nameOf is how metrics and errors call a component.
func nameOf(v any, def string) string {
	if s, ok := v.(fmt.Stringer); ok {
		if n := s.String(); n != "" {
			return n
		}
	}
	if def != "" {
		return def
	}
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "?"
	}
	return t.Name()
}
