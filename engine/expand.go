package engine

import (
	"context"
	"fmt"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// ExpandSpec is Flink's Expand, how GROUPING SETS, ROLLUP and CUBE run:
// every input row leaves as one row per projection, the grouping columns
// outside the projection's grouping set NULL, and a BIGINT expand id ($e)
// appended that tells the projections apart, so that one aggregate grouped
// by the keys and $e computes all the grouping sets at once.
type ExpandSpec struct {
	// Nulled lists, per projection, the input columns it sets to NULL.
	Nulled [][]int
	// IDs are the projections' expand ids, one per projection.
	IDs []int64
	// IDName names the appended id column ("$e" in Flink's plans).
	IDName string
}

// Expand runs an ExpandSpec over whole batches. Output rows keep Flink's
// order, row by row (row 0 in each projection, then row 1, ...), so a
// streaming aggregate downstream emits its changes in the order Flink's
// does; row kinds go with their rows, so a retraction expands into one
// retraction per grouping set. Columns a projection keeps are gathered
// once for all projections; a nulled column gets its validity bitmap
// masked. Output batches hold at most sluice.exec.batch-size rows (at
// least one input row's projections). It keeps no state.
type Expand struct {
	spec ExpandSpec
	rt   *RuntimeContext
	// nulledIn is, per input column, the projections that null it (nil
	// for a column no projection nulls); built for the first batch.
	nulledIn [][]bool
	inSchema *arrow.Schema
	schema   *arrow.Schema
	idx      []int32
	rows     int // input rows per output batch
}

// NewExpand makes an Expand operator.
func NewExpand(spec ExpandSpec) *Expand { return &Expand{spec: spec} }

func (x *Expand) String() string {
	parts := make([]string, len(x.spec.IDs))
	for j, id := range x.spec.IDs {
		parts[j] = fmt.Sprintf("{null=%v, %s=%d}", x.spec.Nulled[j], x.spec.IDName, id)
	}
	return "Expand(" + strings.Join(parts, ", ") + ")"
}

func (x *Expand) Open(_ context.Context, rt *RuntimeContext) error {
	x.rt = rt
	if len(x.spec.IDs) == 0 || len(x.spec.Nulled) != len(x.spec.IDs) {
		return fmt.Errorf("expand: %d projections with %d ids", len(x.spec.Nulled), len(x.spec.IDs))
	}
	size, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	if size < 1 {
		return fmt.Errorf("expand: %s must be positive, not %d", ConfigBatchSize, size)
	}
	x.rows = max(1, size/len(x.spec.IDs))
	return nil
}

// init checks the projections against the first batch's columns.
func (x *Expand) init(in *arrow.Schema) error {
	k := len(x.spec.IDs)
	x.nulledIn = make([][]bool, in.NumFields())
	for j, cols := range x.spec.Nulled {
		for _, c := range cols {
			if c < 0 || c >= in.NumFields() {
				return fmt.Errorf("expand: projection %d nulls column %d of a %d-column input", j, c, in.NumFields())
			}
			if x.nulledIn[c] == nil {
				x.nulledIn[c] = make([]bool, k)
			}
			x.nulledIn[c][j] = true
		}
	}
	fields := make([]arrow.Field, 0, in.NumFields()+1)
	for i, f := range in.Fields() {
		if x.nulledIn[i] != nil {
			f.Nullable = true
		}
		fields = append(fields, f)
	}
	fields = append(fields, arrow.Field{Name: x.spec.IDName, Type: arrow.PrimitiveTypes.Int64})
	md := in.Metadata()
	x.inSchema, x.schema = in, arrow.NewSchema(fields, &md)
	return nil
}

func (x *Expand) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	if x.inSchema == nil || !x.inSchema.Equal(b.Record.Schema()) {
		if err := x.init(b.Record.Schema()); err != nil {
			return err
		}
	}
	for lo := 0; lo < n; lo += x.rows {
		if err := x.expand(ctx, b, lo, min(n, lo+x.rows), out); err != nil {
			return err
		}
	}
	return nil
}

// expand emits the projections of input rows [lo, hi).
func (x *Expand) expand(ctx context.Context, b *vectorized.Batch, lo, hi int, out Collector) error {
	k := len(x.spec.IDs)
	m := (hi - lo) * k
	x.idx = grow(x.idx, m)
	idx := x.idx[:m]
	for i := lo; i < hi; i++ {
		for j := 0; j < k; j++ {
			idx[(i-lo)*k+j] = int32(i)
		}
	}
	mem := x.rt.Mem
	rec := b.Record
	cols := make([]arrow.Array, 0, rec.NumCols()+1)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for c := 0; c < int(rec.NumCols()); c++ {
		col, err := takeArray(ctx, mem, rec.Column(c), idx)
		if err != nil {
			return err
		}
		if x.nulledIn[c] != nil {
			masked := maskProjections(mem, col, x.nulledIn[c])
			col.Release()
			col = masked
		}
		cols = append(cols, col)
	}
	cols = append(cols, x.ids(mem, m))
	var kinds []vectorized.RowKind
	if b.Kinds != nil {
		kinds = make([]vectorized.RowKind, m)
		for i := lo; i < hi; i++ {
			for j := 0; j < k; j++ {
				kinds[(i-lo)*k+j] = b.Kinds[i]
			}
		}
	}
	ob := &vectorized.Batch{Record: array.NewRecordBatch(x.schema, cols, int64(m)), Kinds: kinds}
	defer ob.Release()
	return out.Collect(ctx, ob)
}

// ids is the expand id column of m rows: the projections' ids in turn.
func (x *Expand) ids(mem memory.Allocator, m int) arrow.Array {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(m * 8)
	vals := unsafe.Slice((*int64)(unsafe.Pointer(&buf.Bytes()[0])), m)
	k := len(x.spec.IDs)
	for r := 0; r < m; r += k {
		copy(vals[r:r+k], x.spec.IDs)
	}
	data := array.NewData(arrow.PrimitiveTypes.Int64, m, []*memory.Buffer{nil, buf}, nil, 0, 0)
	defer data.Release()
	buf.Release()
	return array.MakeFromData(data)
}

// maskProjections returns col (gathered row by row, k projections per
// input row) with the rows of the projections in nulled made NULL: its
// validity bitmap ANDed with the projections' pattern, the value buffers
// shared.
func maskProjections(mem memory.Allocator, col arrow.Array, nulled []bool) arrow.Array {
	m, k := col.Len(), len(nulled)
	d := col.Data()
	off := d.Offset()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(off + m))))
	valid := buf.Bytes()
	clear(valid)
	var src []byte
	if col.NullN() > 0 {
		src = col.NullBitmapBytes()
	}
	nulls := 0
	for r := 0; r < m; r++ {
		if nulled[r%k] || src != nil && !bitutil.BitIsSet(src, off+r) {
			nulls++
			continue
		}
		bitutil.SetBit(valid, off+r)
	}
	bufs := append([]*memory.Buffer{buf}, d.Buffers()[1:]...)
	data := array.NewData(d.DataType(), m, bufs, d.Children(), nulls, off)
	defer data.Release()
	buf.Release()
	return array.MakeFromData(data)
}

func (x *Expand) EndInput(context.Context, Collector) error { return nil }
func (x *Expand) Close() error                              { return nil }
