package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// SortKey is one ORDER BY column. Flink's default null ordering (when the
// query does not say) is NULLS FIRST for ASC and NULLS LAST for DESC:
// FlinkPlannerImpl.defaultNullCollation is NullCollation.LOW, nulls being
// the smallest value. DefaultNullsFirst gives it.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// DefaultNullsFirst is Flink's NULL placement for a direction.
func DefaultNullsFirst(desc bool) bool { return !desc }

// Sort is ORDER BY [LIMIT/OFFSET] over a bounded, insert-only input: it
// buffers every batch and emits the sorted rows at the end of input, in
// batches of sluice.exec.batch-size rows. The sort is stable.
type Sort struct {
	keys          []SortKey
	offset, limit int64 // limit < 0: no limit
	rt            *RuntimeContext
	batchLen      int
	batchBytes    int // ConfigBatchBytes
	buffered      []arrow.RecordBatch
}

// NewSort makes a sort; limit < 0 means no limit.
func NewSort(keys []SortKey, offset, limit int64) *Sort {
	return &Sort{keys: keys, offset: offset, limit: limit}
}

func (s *Sort) String() string {
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		dir, nulls := "ASC", "LAST"
		if k.Desc {
			dir = "DESC"
		}
		if k.NullsFirst {
			nulls = "FIRST"
		}
		parts[i] = fmt.Sprintf("$%d %s NULLS %s", k.Col, dir, nulls)
	}
	str := "Sort(orderBy=[" + strings.Join(parts, ", ") + "]"
	if s.offset > 0 {
		str += fmt.Sprintf(", offset=%d", s.offset)
	}
	if s.limit >= 0 {
		str += fmt.Sprintf(", fetch=%d", s.limit)
	}
	return str + ")"
}

func (s *Sort) Open(_ context.Context, rt *RuntimeContext) error {
	s.rt = rt
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	s.batchLen = max(n, 1)
	if s.batchBytes, err = BatchBytes(rt.Config); err != nil {
		return err
	}
	if s.offset < 0 {
		return fmt.Errorf("negative offset %d", s.offset)
	}
	return nil
}

func (s *Sort) Process(_ context.Context, _ int, b *vectorized.Batch, _ Collector) error {
	if err := insertOnly("Sort", b); err != nil {
		return err
	}
	if s.limit == 0 {
		return nil
	}
	b.Record.Retain()
	s.buffered = append(s.buffered, b.Record)
	return nil
}

// insertOnly rejects changelog rows: sorting and limiting a bounded input
// is Flink's batch execution, whose inputs only insert.
func insertOnly(op string, b *vectorized.Batch) error {
	for _, k := range b.Kinds {
		if k != vectorized.Insert {
			return fmt.Errorf("%s needs an insert-only input and received a %s row", op, k)
		}
	}
	return nil
}

func (s *Sort) EndInput(ctx context.Context, out Collector) error {
	if len(s.buffered) == 0 {
		return nil
	}
	schema := s.buffered[0].Schema()
	cols := make([]arrow.Array, schema.NumFields())
	defer releaseAll(cols)
	for c := range cols {
		parts := make([]arrow.Array, len(s.buffered))
		for i, r := range s.buffered {
			parts[i] = r.Column(c)
		}
		col, err := array.Concatenate(parts, s.rt.Mem)
		if err != nil {
			return err
		}
		cols[c] = col
	}
	var rows int64
	for _, r := range s.buffered {
		rows += r.NumRows()
		r.Release()
	}
	s.buffered = nil

	cmps := make([]func(i, j int) int, len(s.keys))
	for k, key := range s.keys {
		if key.Col < 0 || key.Col >= len(cols) {
			return fmt.Errorf("sort key column %d does not exist (%d columns)", key.Col, len(cols))
		}
		cmp, err := columnComparator(cols[key.Col], key.Desc, key.NullsFirst)
		if err != nil {
			return err
		}
		cmps[k] = cmp
	}
	idx := make([]int32, rows)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(x, y int32) int {
		for _, cmp := range cmps {
			if c := cmp(int(x), int(y)); c != 0 {
				return c
			}
		}
		return 0
	})
	lo := min(s.offset, rows)
	hi := rows
	if s.limit >= 0 {
		hi = min(rows, lo+s.limit)
	}
	idx = idx[lo:hi]
	all := array.NewRecordBatch(schema, cols, rows)
	defer all.Release()
	src := vectorized.NewBatch(all)
	// Batches hold as many rows as fit under the byte cap at the input's
	// average row size, or at the widest batch's once one is wider.
	rowBytes := 0
	if rows > 0 {
		rowBytes = (vectorized.RecordBytes(all) + int(rows) - 1) / int(rows)
	}
	for start := 0; start < len(idx); {
		n := vectorized.RowsUnder(s.batchLen, s.batchBytes, rowBytes)
		part := idx[start:min(start+n, len(idx))]
		start += len(part)
		b, err := takeBatch(ctx, s.rt.Mem, src, part)
		if err != nil {
			return err
		}
		rowBytes = max(rowBytes, (vectorized.RecordBytes(b.Record)+len(part)-1)/len(part))
		err = out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Sort) Close() error {
	for _, r := range s.buffered {
		r.Release()
	}
	s.buffered = nil
	return nil
}

// columnComparator orders the rows of one column.
func columnComparator(col arrow.Array, desc, nullsFirst bool) (func(i, j int) int, error) {
	var cmp func(i, j int) int
	d := col.Data()
	switch col.DataType().ID() {
	case arrow.INT8:
		cmp = orderedCmp(arrow.GetValues[int8](d, 1))
	case arrow.INT16:
		cmp = orderedCmp(arrow.GetValues[int16](d, 1))
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		cmp = orderedCmp(arrow.GetValues[int32](d, 1))
	case arrow.INT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION:
		cmp = orderedCmp(arrow.GetValues[int64](d, 1))
	case arrow.UINT8:
		cmp = orderedCmp(arrow.GetValues[uint8](d, 1))
	case arrow.UINT16:
		cmp = orderedCmp(arrow.GetValues[uint16](d, 1))
	case arrow.UINT32:
		cmp = orderedCmp(arrow.GetValues[uint32](d, 1))
	case arrow.UINT64:
		cmp = orderedCmp(arrow.GetValues[uint64](d, 1))
	case arrow.FLOAT32:
		v := arrow.GetValues[float32](d, 1)
		cmp = func(i, j int) int { return javaCompare(float64(v[i]), float64(v[j])) }
	case arrow.FLOAT64:
		v := arrow.GetValues[float64](d, 1)
		cmp = func(i, j int) int { return javaCompare(v[i], v[j]) }
	case arrow.DECIMAL128:
		v := arrow.GetValues[decimal128.Num](d, 1)
		cmp = func(i, j int) int { return v[i].Cmp(v[j]) }
	case arrow.BOOL:
		v := col.(*array.Boolean)
		cmp = func(i, j int) int {
			a, b := v.Value(i), v.Value(j)
			switch {
			case a == b:
				return 0
			case !a:
				return -1
			}
			return 1
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		c := newBinaryColumn(col)
		cmp = func(i, j int) int { return bytes.Compare(c.value(i), c.value(j)) }
	default:
		return nil, fmt.Errorf("cannot sort by %s", col.DataType())
	}
	nullOrder := 1
	if nullsFirst {
		nullOrder = -1
	}
	return func(i, j int) int {
		ni, nj := col.IsNull(i), col.IsNull(j)
		switch {
		case ni && nj:
			return 0
		case ni:
			return nullOrder
		case nj:
			return -nullOrder
		}
		c := cmp(i, j)
		if desc {
			return -c
		}
		return c
	}, nil
}

func orderedCmp[T ordered](v []T) func(i, j int) int {
	return func(i, j int) int {
		switch {
		case v[i] < v[j]:
			return -1
		case v[i] > v[j]:
			return 1
		}
		return 0
	}
}

// Limit is LIMIT/OFFSET without ORDER BY: it passes the first rows it sees
// (after skipping offset) and drops the rest. The planner runs it with
// parallelism 1 behind a Global edge for a query-wide limit.
type Limit struct {
	offset, limit int64 // limit < 0: no limit
	seen          int64
	st            *state.OperatorListState // the position, in checkpoints
}

// NewLimit makes a limit; limit < 0 means no limit.
func NewLimit(offset, limit int64) *Limit { return &Limit{offset: offset, limit: limit} }

func (l *Limit) String() string { return fmt.Sprintf("Limit(offset=%d, fetch=%d)", l.offset, l.limit) }

func (l *Limit) Open(_ context.Context, rt *RuntimeContext) error {
	if l.offset < 0 {
		return fmt.Errorf("negative offset %d", l.offset)
	}
	if !rt.CheckpointingEnabled() {
		return nil
	}
	// A streaming LIMIT over an unbounded input counts the rows it has
	// seen: the count is state, restored with the sources' positions.
	ops, err := rt.OperatorState()
	if err != nil {
		return err
	}
	if l.st, err = ops.ListState("seen", state.UnionRedistribute); err != nil {
		return err
	}
	for _, e := range l.st.Get() {
		if len(e) != 8 {
			return fmt.Errorf("limit: corrupt state element of %d bytes", len(e))
		}
		l.seen = max(l.seen, int64(binary.BigEndian.Uint64(e)))
	}
	return nil
}

// SnapshotState records how many rows the limit has seen.
func (l *Limit) SnapshotState(context.Context, CheckpointInfo) error {
	if l.st != nil {
		l.st.Update([][]byte{binary.BigEndian.AppendUint64(nil, uint64(l.seen))})
	}
	return nil
}

func (l *Limit) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	if err := insertOnly("Limit", b); err != nil {
		return err
	}
	n := b.NumRows()
	end := int64(math.MaxInt64)
	if l.limit >= 0 {
		end = l.offset + l.limit
	}
	first, last := l.seen, l.seen+n // this batch's rows, as positions in the stream
	l.seen = last
	lo, hi := max(first, l.offset), min(last, end)
	if lo >= hi {
		return nil
	}
	if lo == first && hi == last {
		return out.Collect(ctx, b)
	}
	sub := vectorized.NewBatch(b.Record.NewSlice(lo-first, hi-first))
	defer sub.Release()
	return out.Collect(ctx, sub)
}

func (l *Limit) EndInput(context.Context, Collector) error { return nil }
func (l *Limit) Close() error                              { return nil }

// Union is UNION ALL: the batches of every input edge pass through. The
// planner makes UNION a Union followed by a Distinct.
type Union struct{}

// NewUnion makes a union; put it first in the chain of a vertex with
// several input edges.
func NewUnion() *Union { return &Union{} }

func (Union) String() string                              { return "Union" }
func (Union) Open(context.Context, *RuntimeContext) error { return nil }
func (Union) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	return out.Collect(ctx, b)
}
func (Union) EndInput(context.Context, Collector) error { return nil }
func (Union) Close() error                              { return nil }
