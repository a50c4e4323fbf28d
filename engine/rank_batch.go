package engine

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// BatchRankSpec is a batch Top-N, Flink's BatchPhysicalRank: the rows of
// each partition sorted by OrderBy, numbered by Kind (RANK, DENSE_RANK or
// ROW_NUMBER), and those numbered RankStart..RankEnd kept. Flink plans it
// twice: a local rank before the hash exchange (keeping ranks 1..RankEnd,
// which cannot drop a row the global rank keeps, as a row's rank among
// some of its partition's rows is at most its rank among all) and a
// global one after it, which outputs the rank number when
// OutputRankNumber.
type BatchRankSpec struct {
	Keys               []int
	OrderBy            []SortKey
	Kind               OverRankKind
	RankStart, RankEnd int64
	OutputRankNumber   bool
	Global             bool
	OutputNames        []string
}

// batchRank buffers its input (rows in the row encoding of rank_rows.go
// with byte-comparable partition and sort keys), sorts it at the end of
// the input, as Flink's Sort below its Rank does, and emits the rows in
// range in partition and ORDER BY order, ties in arrival order.
type batchRank struct {
	spec BatchRankSpec
	rt   *RuntimeContext

	batchLen  int
	inSchema  *arrow.Schema
	outSchema *arrow.Schema
	dec       *rowDecoder
	rows      []batchRankRow
	outRN     []int64
}

type batchRankRow struct {
	pk, sk, row []byte
}

// NewBatchRank is a batch Top-N (see BatchRankSpec).
func NewBatchRank(spec BatchRankSpec) Operator { return &batchRank{spec: spec} }

func (r *batchRank) String() string {
	var b strings.Builder
	kind := map[OverRankKind]string{RowNumber: "ROW_NUMBER", RankFunc: "RANK", DenseRank: "DENSE_RANK"}[r.spec.Kind]
	fmt.Fprintf(&b, "Rank(rankType=[%s], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=%v, orderBy=[", kind, r.spec.RankStart, r.spec.RankEnd, r.spec.Keys)
	for i, k := range r.spec.OrderBy {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d %s", k.Col, map[bool]string{true: "DESC", false: "ASC"}[k.Desc])
	}
	fmt.Fprintf(&b, "], global=[%t])", r.spec.Global)
	return b.String()
}

func (r *batchRank) Open(_ context.Context, rt *RuntimeContext) error {
	if r.spec.RankStart < 1 || r.spec.RankEnd < r.spec.RankStart {
		return fmt.Errorf("Top-N: bad rank range [%d, %d]", r.spec.RankStart, r.spec.RankEnd)
	}
	switch r.spec.Kind {
	case RowNumber, RankFunc, DenseRank:
	default:
		return fmt.Errorf("Top-N: unknown rank function %d", r.spec.Kind)
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	r.rt, r.batchLen = rt, max(n, 1)
	return nil
}

func (r *batchRank) init(schema *arrow.Schema) error {
	kinds, err := rowColumnKinds("Top-N", schema)
	if err != nil {
		return err
	}
	for _, k := range r.spec.Keys {
		if k < 0 || k >= schema.NumFields() {
			return fmt.Errorf("Top-N: partition column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
	}
	for _, k := range r.spec.OrderBy {
		if k.Col < 0 || k.Col >= schema.NumFields() {
			return fmt.Errorf("Top-N: ORDER BY column %d does not exist in the input (%d columns)", k.Col, schema.NumFields())
		}
	}
	fields := slices.Clone(schema.Fields())
	if r.spec.OutputRankNumber {
		fields = append(fields, arrow.Field{Name: "w0$o0", Type: arrow.PrimitiveTypes.Int64})
	}
	if names := r.spec.OutputNames; len(names) > 0 {
		if len(names) != len(fields) {
			return fmt.Errorf("%d output names for %d output columns", len(names), len(fields))
		}
		for i := range fields {
			fields[i].Name = names[i]
		}
	}
	r.inSchema = schema
	r.outSchema = arrow.NewSchema(fields, nil)
	r.dec = newRowDecoder(r.rt.Mem, schema, kinds)
	return nil
}

func (r *batchRank) Process(_ context.Context, _ int, b *vectorized.Batch, _ Collector) error {
	if err := insertOnly("a batch Top-N", b); err != nil {
		return err
	}
	rec := b.Record
	if r.inSchema == nil {
		if err := r.init(rec.Schema()); err != nil {
			return err
		}
	}
	cols := rec.Columns()
	for i := 0; i < int(rec.NumRows()); i++ {
		var e batchRankRow
		var err error
		for _, k := range r.spec.Keys {
			// Partitions in ascending key order, NULLs first (Flink's
			// Sort by the partition keys ASC).
			if e.pk, err = appendSortKey(e.pk, cols[k], i, SortKey{Col: k, NullsFirst: true}); err != nil {
				return err
			}
		}
		for _, k := range r.spec.OrderBy {
			if e.sk, err = appendSortKey(e.sk, cols[k.Col], i, k); err != nil {
				return err
			}
		}
		e.row = appendRow(nil, cols, i)
		r.rows = append(r.rows, e)
	}
	return nil
}

// EndInput sorts the rows and emits those in range.
func (r *batchRank) EndInput(ctx context.Context, out Collector) error {
	if r.inSchema == nil {
		return nil
	}
	slices.SortStableFunc(r.rows, func(a, b batchRankRow) int {
		if c := bytes.Compare(a.pk, b.pk); c != 0 {
			return c
		}
		return bytes.Compare(a.sk, b.sk)
	})
	var num, rk int64
	for i, e := range r.rows {
		newPartition := i == 0 || !bytes.Equal(e.pk, r.rows[i-1].pk)
		peer := !newPartition && bytes.Equal(e.sk, r.rows[i-1].sk)
		if newPartition {
			num, rk = 0, 0
		}
		num++
		switch {
		case r.spec.Kind == RowNumber:
			rk = num
		case peer:
		case r.spec.Kind == RankFunc:
			rk = num
		default:
			rk++
		}
		if rk < r.spec.RankStart || rk > r.spec.RankEnd {
			continue
		}
		if err := r.dec.add(e.row); err != nil {
			return err
		}
		r.outRN = append(r.outRN, rk)
		if len(r.outRN) >= r.batchLen {
			if err := r.flush(ctx, out); err != nil {
				return err
			}
		}
	}
	r.rows = nil
	return r.flush(ctx, out)
}

func (r *batchRank) flush(ctx context.Context, out Collector) error {
	if len(r.outRN) == 0 {
		return nil
	}
	cols := r.dec.finish()
	if r.spec.OutputRankNumber {
		b := array.NewInt64Builder(r.rt.Mem)
		b.AppendValues(r.outRN, nil)
		cols = append(cols, b.NewArray())
		b.Release()
	}
	kinds := make([]vectorized.RowKind, len(r.outRN))
	r.outRN = r.outRN[:0]
	return emitRows(ctx, out, r.outSchema, cols, kinds)
}

func (r *batchRank) Close() error {
	if r.dec != nil {
		r.dec.release()
	}
	return nil
}
