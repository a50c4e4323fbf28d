package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// OVER on a bounded input (OverAggSpec.Batch), Flink's batch
// OverWindowAggregate: every row is buffered with its partition; at the
// end of input each partition is sorted (stably: equal keys keep arrival
// order) and every row gets the aggregates over its frame, the frame's
// ends moving forward row by row (accumulate on entry, retract on exit).
// NULL times sort first, as ASC NULLS FIRST; in RANGE frames with an
// offset they are peers of each other only.

type overBatchRow struct {
	sk   []byte
	ts   int64
	null bool
	row  []byte
}

func (o *overAgg) openBatch(rt *RuntimeContext) error {
	s := o.spec
	if s.ProcTime {
		return fmt.Errorf("OVER: a batch OVER window is not over processing time")
	}
	if len(s.OrderBy) > 0 && !s.Rows && (s.Preceding != Unbounded || s.Following > 0) {
		return fmt.Errorf("OVER: a RANGE frame with an offset needs the time column as its only order key")
	}
	n, err := rt.Config.Int(ConfigBatchSize, DefaultBatchSize)
	if err != nil {
		return err
	}
	o.rt, o.batchLen, o.batchParts = rt, max(n, 1), map[string][]overBatchRow{}
	return nil
}

func (o *overAgg) processBatch(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	cols := rec.Columns()
	keyCols := pickColumns(cols, o.spec.PartitionKeys)
	order := o.spec.OrderBy
	if len(order) == 0 && o.spec.TimeCol >= 0 {
		order = []SortKey{{Col: o.spec.TimeCol, NullsFirst: true}}
	}
	for i := 0; i < n; i++ {
		o.key = appendRow(o.key[:0], keyCols, i)
		r := overBatchRow{row: appendRow(nil, cols, i)}
		for _, k := range order {
			var err error
			if r.sk, err = appendSortKey(r.sk, cols[k.Col], i, k); err != nil {
				return err
			}
		}
		if len(o.spec.OrderBy) == 0 && o.spec.TimeCol >= 0 {
			if r.null = cols[o.spec.TimeCol].IsNull(i); !r.null {
				r.ts = int64Value(cols[o.spec.TimeCol], i)
			}
		}
		o.batchParts[string(o.key)] = append(o.batchParts[string(o.key)], r)
	}
	return nil
}

func (o *overAgg) endBatch(ctx context.Context, out Collector) error {
	if o.inSchema == nil {
		return nil
	}
	keys := make([]string, 0, len(o.batchParts))
	for k := range o.batchParts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		rows := o.batchParts[key]
		delete(o.batchParts, key)
		sort.SliceStable(rows, func(i, j int) bool { return bytes.Compare(rows[i].sk, rows[j].sk) < 0 })
		if err := o.batchPartition(ctx, rows, out); err != nil {
			return err
		}
	}
	return o.flush(ctx, out)
}

// batchPartition emits one sorted partition's rows with their aggregates.
func (o *overAgg) batchPartition(ctx context.Context, rows []overBatchRow, out Collector) error {
	n := len(rows)
	for _, r := range rows {
		if err := o.workDec.add(r.row); err != nil {
			return err
		}
	}
	cols := o.workDec.finish()
	defer releaseArrays(cols)
	if err := o.startValues(cols, n); err != nil {
		return err
	}
	o.groups = make([]uint32, n)
	o.signs = make([]int8, n)
	for ai, acc := range o.accs {
		acc.reset(0)
		c := o.spec.Aggs[ai]
		var args []arrow.Array
		for _, x := range aggArgCols(c) {
			args = append(args, cols[x])
		}
		bindAcc(acc, c, args)
	}
	apply := func(i int, s int8) {
		o.signs[i] = s
		for _, acc := range o.accs {
			acc.update(o.groups, o.signs, i, i+1)
		}
	}
	nNull := 0
	for nNull < n && rows[nNull].null {
		nNull++
	}
	P, F := o.spec.Preceding, o.spec.Following
	rangeTime := !o.spec.Rows && len(o.spec.OrderBy) == 0 && o.spec.TimeCol >= 0
	rank, dense := int64(0), int64(0)
	a, b := 0, 0 // rows [a, b) are in the accumulators
	lo, hi := 0, 0
	for i := 0; i < n; i++ {
		// The frame of row i is [lo, hi]: both ends only move forward.
		switch {
		case o.spec.Rows:
			lo, hi = 0, n-1
			if P >= 0 {
				lo = max(0, i-int(min(P, int64(n))))
			}
			if F >= 0 {
				hi = min(n-1, i+int(min(F, int64(n))))
			}
		case !rangeTime: // peers: rows of an equal order key
			lo, hi = 0, max(hi, i)
			if F < 0 {
				hi = n - 1
			}
			for hi+1 < n && bytes.Equal(rows[hi+1].sk, rows[i].sk) {
				hi++
			}
		case rows[i].null:
			lo, hi = 0, n-1
			if F >= 0 {
				hi = nNull - 1
			}
		default:
			t := rows[i].ts
			lo, hi = 0, max(hi, i)
			if P >= 0 {
				lo = max(lo, nNull)
				for lo < i && rows[lo].ts < satSub(t, P) {
					lo++
				}
				lo = max(lo, a)
			}
			if F < 0 {
				hi = n - 1
			}
			for hi+1 < n && rows[hi+1].ts <= satAdd(t, F) {
				hi++
			}
		}
		for ; b <= hi; b++ {
			apply(b, 1)
		}
		for ; a < lo; a++ {
			apply(a, -1)
		}
		if err := o.outDec.add(rows[i].row); err != nil {
			return err
		}
		for _, acc := range o.accs {
			acc.appendResult(0)
		}
		if len(o.ranks) > 0 {
			if i == 0 || !bytes.Equal(rows[i].sk, rows[i-1].sk) {
				rank, dense = int64(i+1), dense+1
			}
			for j, r := range o.spec.Funcs {
				v := int64(i + 1)
				switch r.Kind {
				case RankFunc:
					v = rank
				case DenseRank:
					v = dense
				case Lag, Lead, FirstValue, LastValue:
					o.vals[j].idx = append(o.vals[j].idx, o.valueRow(j, i, lo, hi, n))
					continue
				}
				o.ranks[j] = append(o.ranks[j], v)
			}
		}
		o.outCount++
		if o.outCount >= o.batchLen {
			if err := o.takeValues(); err != nil {
				return err
			}
			if err := o.flush(ctx, out); err != nil {
				return err
			}
		}
	}
	if err := o.takeValues(); err != nil {
		return err
	}
	for j := range o.vals {
		o.vals[j].releaseSource()
	}
	return nil
}

// overVals holds a value function's rows: the values taken for rows not
// flushed yet, and for the current partition its source column (with the
// default appended) and the row each output row takes (-1: NULL).
type overVals struct {
	ready      []arrow.Array
	src        arrow.Array
	idx        []int32
	nonNullFwd []int32 // first non-NULL row at or after i, n if none
	nonNullBwd []int32 // last non-NULL row at or before i, -1 if none
}

func (v *overVals) releaseSource() {
	if v.src != nil {
		v.src.Release()
		v.src = nil
	}
}

// startValues prepares the value functions for a partition of n rows
// decoded into cols.
func (o *overAgg) startValues(cols []arrow.Array, n int) error {
	for j, f := range o.spec.Funcs {
		if !f.Kind.value() {
			continue
		}
		v := &o.vals[j]
		v.releaseSource()
		src := cols[f.Arg]
		if f.Default != nil {
			var err error
			if src, err = array.Concatenate([]arrow.Array{src, f.Default}, o.rt.Mem); err != nil {
				return err
			}
		} else {
			src.Retain()
		}
		v.src = src
		if f.Kind == FirstValue || f.Kind == LastValue {
			v.nonNullFwd = growTo(v.nonNullFwd[:0], n)
			v.nonNullBwd = growTo(v.nonNullBwd[:0], n)
			next := int32(n)
			for i := n - 1; i >= 0; i-- {
				if cols[f.Arg].IsValid(i) {
					next = int32(i)
				}
				v.nonNullFwd[i] = next
			}
			prev := int32(-1)
			for i := 0; i < n; i++ {
				if cols[f.Arg].IsValid(i) {
					prev = int32(i)
				}
				v.nonNullBwd[i] = prev
			}
		}
	}
	return nil
}

// valueRow is the row value function j takes for row i of a partition of
// n rows whose frame is [lo, hi]: n is the default, -1 NULL.
func (o *overAgg) valueRow(j, i, lo, hi, n int) int32 {
	f := o.spec.Funcs[j]
	v := &o.vals[j]
	none := int32(-1)
	if f.Default != nil {
		none = int32(n)
	}
	switch f.Kind {
	case Lag:
		if int64(i) < f.Offset {
			return none
		}
		return int32(int64(i) - f.Offset)
	case Lead:
		if int64(n-1-i) < f.Offset {
			return none
		}
		return int32(int64(i) + f.Offset)
	case FirstValue:
		if lo > hi || v.nonNullFwd[lo] > int32(hi) {
			return -1
		}
		return v.nonNullFwd[lo]
	default: // LastValue
		if lo > hi || v.nonNullBwd[hi] < int32(lo) {
			return -1
		}
		return v.nonNullBwd[hi]
	}
}

// takeValues turns the value functions' chosen rows of the current
// partition into values, ready for the next flush.
func (o *overAgg) takeValues() error {
	for j := range o.vals {
		v := &o.vals[j]
		if len(v.idx) == 0 {
			continue
		}
		b := array.NewInt32Builder(o.rt.Mem)
		for _, i := range v.idx {
			if i < 0 {
				b.AppendNull()
			} else {
				b.Append(i)
			}
		}
		idx := b.NewArray()
		b.Release()
		out, err := compute.TakeArray(compute.WithAllocator(context.Background(), o.rt.Mem), v.src, idx)
		idx.Release()
		if err != nil {
			return fmt.Errorf("OVER: %w", err)
		}
		v.ready = append(v.ready, out)
		v.idx = v.idx[:0]
	}
	return nil
}

func satSub(t, d int64) int64 {
	if t < math.MinInt64+d {
		return math.MinInt64
	}
	return t - d
}

func satAdd(t, d int64) int64 {
	if d < 0 || t > math.MaxInt64-d {
		return math.MaxInt64
	}
	return t + d
}

// funcColumn builds function j's column of the rows being flushed.
func (o *overAgg) funcColumn(j int) (arrow.Array, error) {
	if v := &o.vals[j]; o.spec.Funcs[j].Kind.value() {
		defer func() {
			releaseArrays(v.ready)
			v.ready = v.ready[:0]
		}()
		if len(v.ready) == 1 {
			v.ready[0].Retain()
			return v.ready[0], nil
		}
		return array.Concatenate(v.ready, o.rt.Mem)
	}
	b := array.NewInt64Builder(o.rt.Mem)
	defer b.Release()
	b.AppendValues(o.ranks[j], nil)
	o.ranks[j] = o.ranks[j][:0]
	return b.NewArray(), nil
}
