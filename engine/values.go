package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/vectorized"
)

// NewValuesSource is a bounded source over fixed batches: subtask i of n
// emits batches i, i+n, i+2n, … The batches stay the caller's: release
// them after Execute returns.
func NewValuesSource(batches []*vectorized.Batch) func(subtask int) Source {
	return func(subtask int) Source { return &valuesSource{batches: batches, subtask: subtask} }
}

type valuesSource struct {
	batches []*vectorized.Batch
	subtask int
	par     int
}

func (s *valuesSource) String() string { return "Values" }

func (s *valuesSource) Open(_ context.Context, rt *RuntimeContext) error {
	s.par = rt.Parallelism
	return nil
}

func (s *valuesSource) Run(ctx context.Context, out Collector) error {
	for i := s.subtask; i < len(s.batches); i += s.par {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := out.Collect(ctx, s.batches[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *valuesSource) Close() error { return nil }

// Row is one changelog row as Go values (see Value).
type Row struct {
	Kind   vectorized.RowKind
	Values []any
}

// String renders the row as Flink's Row.toString does: +I[a, 1, null].
func (r Row) String() string {
	return r.Kind.String() + "[" + formatValues(r.Values) + "]"
}

func formatValues(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			parts[i] = "null"
		} else {
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, ", ")
}

// key identifies the row's values, types included, for full-row equality.
func (r Row) key() string {
	var b strings.Builder
	for _, v := range r.Values {
		fmt.Fprintf(&b, "%T:%v\x00", v, v)
	}
	return b.String()
}

// Collected gathers the changelog a CollectSink receives, from all its
// subtasks. It is safe for concurrent use.
type Collected struct {
	mu       sync.Mutex
	schema   *arrow.Schema
	rows     []Row
	finished int
}

// NewCollectSink is a sink that appends every row it receives, as Go
// values, to c.
func NewCollectSink(c *Collected) func(subtask int) Sink {
	return func(int) Sink { return &collectSink{c: c} }
}

type collectSink struct{ c *Collected }

func (s *collectSink) String() string                              { return "Collect" }
func (s *collectSink) Open(context.Context, *RuntimeContext) error { return nil }
func (s *collectSink) Close() error                                { return nil }

func (s *collectSink) Write(_ context.Context, b *vectorized.Batch) error {
	rows := BatchRows(b)
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.c.schema == nil {
		s.c.schema = b.Record.Schema()
	}
	s.c.rows = append(s.c.rows, rows...)
	return nil
}

func (s *collectSink) Finish(context.Context) error {
	s.c.mu.Lock()
	s.c.finished++
	s.c.mu.Unlock()
	return nil
}

// Rows is the changelog in arrival order (interleaved across subtasks).
func (c *Collected) Rows() []Row {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Row(nil), c.rows...)
}

// Schema is the schema of the first batch received, or nil.
func (c *Collected) Schema() *arrow.Schema {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.schema
}

// Finished is the number of sink subtasks that reached the end of input.
func (c *Collected) Finished() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finished
}

// Materialize applies the changelog collected so far; see Materialize.
func (c *Collected) Materialize() ([]Row, error) { return Materialize(c.Rows()) }

// Materialize applies a changelog to an empty table: +I and +U add a row,
// -U and -D remove one equal row (all values equal). The result, as +I
// rows, keeps the order of insertion. Retracting a row that is not there
// is an error, as in Flink's testing sinks.
func Materialize(changelog []Row) ([]Row, error) {
	var table []Row
	live := []bool{}
	where := map[string][]int{}
	for n, r := range changelog {
		k := r.key()
		switch r.Kind {
		case vectorized.Insert, vectorized.UpdateAfter:
			where[k] = append(where[k], len(table))
			table = append(table, Row{Kind: vectorized.Insert, Values: r.Values})
			live = append(live, true)
		case vectorized.UpdateBefore, vectorized.Delete:
			at := where[k]
			if len(at) == 0 {
				return nil, fmt.Errorf("changelog row %d %s retracts a row that is not in the table", n, r)
			}
			live[at[0]] = false
			where[k] = at[1:]
		default:
			return nil, fmt.Errorf("changelog row %d has unknown kind %d", n, r.Kind)
		}
	}
	out := make([]Row, 0, len(table))
	for i, r := range table {
		if live[i] {
			out = append(out, r)
		}
	}
	return out, nil
}

// BatchRows converts a batch to rows of Go values.
func BatchRows(b *vectorized.Batch) []Row {
	rec := b.Record
	n := int(rec.NumRows())
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{Kind: b.Kind(i), Values: make([]any, rec.NumCols())}
	}
	for c, col := range rec.Columns() {
		for i := 0; i < n; i++ {
			rows[i].Values[c] = Value(col, i)
		}
	}
	return rows
}

// Value is row i of arr as a Go value: nil for NULL; bool; int64 for every
// signed and uint64 for every unsigned integer; float32 and float64;
// string for strings; []byte for binary; DECIMAL as its exact decimal
// string ("12.30"); DATE as "2006-01-02", TIME as "15:04:05[.fff]" and
// TIMESTAMP as "2006-01-02 15:04:05[.fff]" with as many fraction digits as
// the unit has (SQL's literal forms; a zoned timestamp in UTC); anything
// else as Arrow's text form.
func Value(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		// Copied: the buffer may be C memory (a Python UDF's result) that
		// is freed when the batch is released.
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.LargeBinary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Decimal128:
		return decimalString(a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Date64:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Time32:
		u := a.DataType().(*arrow.Time32Type).Unit
		return a.Value(i).ToTime(u).Format("15:04:05" + fraction(u))
	case *array.Time64:
		u := a.DataType().(*arrow.Time64Type).Unit
		return a.Value(i).ToTime(u).Format("15:04:05" + fraction(u))
	case *array.Timestamp:
		u := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(u).UTC().Format("2006-01-02 15:04:05" + fraction(u))
	}
	return arr.ValueStr(i)
}

func fraction(u arrow.TimeUnit) string {
	switch u {
	case arrow.Millisecond:
		return ".000"
	case arrow.Microsecond:
		return ".000000"
	case arrow.Nanosecond:
		return ".000000000"
	}
	return ""
}

func decimalString(n decimal128.Num, scale int32) string {
	return n.ToString(scale)
}
