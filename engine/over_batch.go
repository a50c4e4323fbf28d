package engine

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
	keyCols := make([]arrow.Array, len(o.spec.PartitionKeys))
	for i, k := range o.spec.PartitionKeys {
		keyCols[i] = cols[k]
	}
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
	o.groups = make([]uint32, n)
	o.signs = make([]int8, n)
	for ai, acc := range o.accs {
		acc.reset(0)
		var arg arrow.Array
		if c := o.spec.Aggs[ai]; c.Func != CountStar {
			arg = cols[c.Arg]
		}
		acc.bind(arg)
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
			for j, r := range o.spec.Ranks {
				v := int64(i + 1)
				switch r.Kind {
				case RankFunc:
					v = rank
				case DenseRank:
					v = dense
				}
				o.ranks[j] = append(o.ranks[j], v)
			}
		}
		o.outCount++
		if o.outCount >= o.batchLen {
			if err := o.flush(ctx, out); err != nil {
				return err
			}
		}
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

// rankColumn builds ranking function j's column of the rows being flushed.
func (o *overAgg) rankColumn(j int) arrow.Array {
	b := array.NewInt64Builder(o.rt.Mem)
	defer b.Release()
	b.AppendValues(o.ranks[j], nil)
	o.ranks[j] = o.ranks[j][:0]
	return b.NewArray()
}
