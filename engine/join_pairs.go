package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// joinPairs is what the interval and window joins share: both keep each
// side's rows as encoded bytes (appendRow, as Top-N does, so a kept row
// does not pin its batch), test candidate pairs against the join's
// remaining condition in one vectorized evaluation, and build output
// batches of joined or NULL-padded rows.
type joinPairs struct {
	spec     JoinSpec
	rt       *RuntimeContext
	batchLen int

	leftKinds, rightKinds []rowColKind
	// leftNull and rightNull are a side's row of NULLs (one 0 byte per
	// column: appendKeyValue's NULL).
	leftNull, rightNull []byte

	outSchema  *arrow.Schema
	out        *rowDecoder
	outN       int
	condSchema *arrow.Schema
	cond       *rowDecoder

	pair  []byte
	match []bool
}

func newJoinPairs(op string, spec JoinSpec, rt *RuntimeContext) (*joinPairs, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	lk, err := rowColumnKinds(op, spec.Left)
	if err != nil {
		return nil, err
	}
	rk, err := rowColumnKinds(op, spec.Right)
	if err != nil {
		return nil, err
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return nil, err
	}
	j := &joinPairs{spec: spec, rt: rt, batchLen: max(n, 1), leftKinds: lk, rightKinds: rk}
	j.leftNull = make([]byte, len(lk))
	j.rightNull = make([]byte, len(rk))
	j.outSchema = spec.OutputSchema()
	outKinds := lk
	if !spec.Type.Projects() {
		outKinds = append(slices.Clone(lk), rk...)
	}
	j.out = newRowDecoder(rt.Mem, j.outSchema, outKinds)
	if spec.Cond != nil {
		j.condSchema = arrow.NewSchema(append(slices.Clone(spec.Left.Fields()), spec.Right.Fields()...), nil)
		j.cond = newRowDecoder(rt.Mem, j.condSchema, append(slices.Clone(lk), rk...))
	}
	return j, nil
}

// checkInput rejects a batch whose schema is not the side's.
func (j *joinPairs) checkInput(op string, input int, rec arrow.RecordBatch) error {
	want := j.spec.Left
	if input == 1 {
		want = j.spec.Right
	} else if input != 0 {
		return fmt.Errorf("%s: input %d does not exist (0 is the left, 1 the right)", op, input)
	}
	if rec.NumCols() != int64(want.NumFields()) {
		return fmt.Errorf("%s: input %d has %d columns, the join expects %d", op, input, rec.NumCols(), want.NumFields())
	}
	for i, f := range rec.Schema().Fields() {
		if !arrow.TypeEqual(f.Type, want.Field(i).Type) {
			return fmt.Errorf("%s: column %d of input %d is %s, the join expects %s", op, i, input, f.Type, want.Field(i).Type)
		}
	}
	return nil
}

// keyCols are the key columns of a batch of input side.
func (j *joinPairs) keyCols(input int, cols []arrow.Array) []arrow.Array {
	if input == 0 {
		return pickColumns(cols, j.spec.LeftKeys)
	}
	return pickColumns(cols, j.spec.RightKeys)
}

// nullKey reports whether row i has a NULL in a key that never matches
// NULL (Flink's JoinConditionWithNullFilters): such a row matches no row.
func (j *joinPairs) nullKey(keyCols []arrow.Array, i int) bool {
	for k, c := range keyCols {
		if j.spec.filterNull(k) && c.IsNull(i) {
			return true
		}
	}
	return false
}

// evalPairs sets j.match[p] to whether pair p (left row lefts[p], right
// row rights[p]) satisfies Cond: TRUE only, NULL is no match.
func (j *joinPairs) evalPairs(lefts, rights [][]byte) ([]bool, error) {
	n := len(lefts)
	j.match = grow(j.match, n)
	if j.spec.Cond == nil {
		for p := range j.match {
			j.match[p] = true
		}
		return j.match, nil
	}
	if n == 0 {
		return j.match, nil
	}
	for p := 0; p < n; p++ {
		j.pair = append(append(j.pair[:0], lefts[p]...), rights[p]...)
		if err := j.cond.add(j.pair); err != nil {
			return nil, err
		}
	}
	cols := j.cond.finish()
	rec := array.NewRecordBatch(j.condSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	ec := j.evalContext()
	res, err := j.spec.Cond.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	b, ok := res.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("join condition %s is %s, not BOOLEAN", j.spec.Cond, res.DataType())
	}
	for p := 0; p < n; p++ {
		j.match[p] = b.IsValid(p) && b.Value(p)
	}
	return j.match, nil
}

func (j *joinPairs) evalContext() *vectorized.EvalContext {
	if j.rt.EvalContext != nil {
		return j.rt.EvalContext()
	}
	ec := vectorized.NewEvalContext(context.Background())
	ec.Mem = j.rt.Mem
	return ec
}

// emit appends an output row: left and right encoded rows (nil = the
// side's NULLs; right is ignored for semi and anti joins).
func (j *joinPairs) emit(ctx context.Context, out Collector, left, right []byte) error {
	if left == nil {
		left = j.leftNull
	}
	row := left
	if !j.spec.Type.Projects() {
		if right == nil {
			right = j.rightNull
		}
		j.pair = append(append(j.pair[:0], left...), right...)
		row = j.pair
	}
	if err := j.out.add(row); err != nil {
		return err
	}
	j.outN++
	if j.outN >= j.batchLen {
		return j.flush(ctx, out)
	}
	return nil
}

// flush sends the rows emitted so far as one insert-only batch.
func (j *joinPairs) flush(ctx context.Context, out Collector) error {
	if j.outN == 0 {
		return nil
	}
	cols := j.out.finish()
	n := j.outN
	j.outN = 0
	return emitRows(ctx, out, j.outSchema, cols, make([]vectorized.RowKind, n))
}

func (j *joinPairs) release() {
	j.out.release()
	if j.cond != nil {
		j.cond.release()
	}
}

// outer reports whether rows of input side are padded when unmatched.
func outerSide(t JoinType, input int) bool {
	if input == 0 {
		return t == LeftOuterJoin || t == FullOuterJoin
	}
	return t == RightOuterJoin || t == FullOuterJoin
}

// decodeBytes reads a uvarint length and that many bytes (copied).
func decodeBytes(d *stateDecoder) []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if uint64(len(d.b)) < n {
		d.fail("join state entry")
		return nil
	}
	v := bytes.Clone(d.b[:n])
	d.b = d.b[n:]
	return v
}

// appendBytes writes what decodeBytes reads.
func appendBytes(dst, v []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(v))), v...)
}
