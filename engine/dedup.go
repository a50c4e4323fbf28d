package engine

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// DedupSpec is deduplication:
//
//	SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY Keys ORDER BY
//	time ASC|DESC) AS rn FROM t) WHERE rn = 1
//
// keeping, per key, the first (ASC) or last (DESC) row by processing time
// (arrival order) or by the rowtime column TimeCol. Output columns are the
// input's (Flink plans deduplication only when the row number is not
// selected).
type DedupSpec struct {
	Keys     []int
	KeepLast bool
	// RowTime orders by TimeCol (a TIMESTAMP or BIGINT column) instead of
	// arrival order.
	RowTime bool
	TimeCol int
	// GenerateUpdateBefore: emit -U before +U.
	GenerateUpdateBefore bool
	// GenerateInsert: the first row of a key is +I (Flink's
	// table.exec.deduplicate.insert-update-after-sensitive-enabled, true by
	// default); otherwise, without GenerateUpdateBefore, every kept row is
	// +U.
	GenerateInsert bool
	// UpdatingInput: processing-time keep-last over a changelog (Flink's
	// ProcTimeDeduplicateKeepLastRowFunction on a non-insert-only input);
	// the other modes take insert-only input.
	UpdatingInput bool
	// InsertOnly: rowtime keep-first emits each key's row once, as +I,
	// when the watermark reaches its rowtime (Flink 2.3's outputInsertOnly
	// deduplication, planned unless mini-batch is enabled); see
	// firstRowtime. Otherwise it updates the kept row as rows arrive.
	InsertOnly bool
}

// dedup follows Flink's non-mini-batch deduplicate functions:
//
//   - ProcTimeDeduplicateKeepFirstRowFunction: the first row of a key is
//     emitted (+I), later ones dropped; the state is a marker per key.
//   - ProcTimeDeduplicateKeepLastRowFunction: every row is emitted; with
//     GenerateUpdateBefore or GenerateInsert the previous row is kept, the
//     first row of a key is +I and a later one -U previous (with
//     GenerateUpdateBefore) and +U; otherwise each row is +U and nothing is
//     kept but a marker. On a changelog input (processLastRowOnChangelog) a
//     +I/+U equal to the kept row emits nothing, and -U/-D emits -D of the
//     kept row (its full content) and forgets it.
//   - RowTimeDeduplicateFunction (keep-first only when not InsertOnly;
//     see firstRowtime otherwise): the kept row is replaced by a row whose
//     rowtime is ≥ (keep last) or < (keep first) its own, emitting as
//     keep-last above; others are dropped. It works row by row, without
//     waiting for watermarks, as Flink's. Rows with a NULL rowtime are
//     dropped and counted in "numNullRowTimeRecordsDropped".
//
// The kept row per key (8-byte rowtime first on row time) is keyed state,
// read and written per row, so it is current at every checkpoint barrier;
// key groups make restores into any parallelism work. table.exec.state.ttl
// expires a key not written for that long: its next row is a first row
// again, as in Flink.
type dedup struct {
	spec DedupSpec
	rt   *RuntimeContext
	kv   rowStore

	inSchema *arrow.Schema
	kinds    []rowColKind
	dec      *rowDecoder
	nullTime interface{ Add(int64) int64 }

	hashes []uint64
	key    []byte
	row    []byte
	outK   []vectorized.RowKind
}

// NewDeduplicate is deduplication (see DedupSpec).
func NewDeduplicate(spec DedupSpec) Operator {
	if spec.RowTime && !spec.KeepLast && spec.InsertOnly {
		return &firstRowtime{spec: spec}
	}
	return &dedup{spec: spec}
}

func (d *dedup) String() string {
	order := "ProcTime"
	if d.spec.RowTime {
		order = fmt.Sprintf("RowTime($%d)", d.spec.TimeCol)
	}
	return fmt.Sprintf("Deduplicate(keep=[%s], key=%v, order=[%s])",
		map[bool]string{true: "LastRow", false: "FirstRow"}[d.spec.KeepLast], d.spec.Keys, order)
}

func (d *dedup) Open(_ context.Context, rt *RuntimeContext) error {
	if !d.spec.KeepLast && d.spec.UpdatingInput && !d.spec.RowTime {
		return fmt.Errorf("deduplicate: keep-first-row needs an insert-only input")
	}
	if d.spec.RowTime && d.spec.UpdatingInput {
		return fmt.Errorf("deduplicate: row-time deduplication needs an insert-only input")
	}
	d.rt = rt
	d.nullTime = rt.Metrics.Counter("numNullRowTimeRecordsDropped")
	var err error
	d.kv, err = openRowStore(rt, "deduplicate", true)
	return err
}

func (d *dedup) init(schema *arrow.Schema) error {
	kinds, err := rowColumnKinds("deduplicate", schema)
	if err != nil {
		return err
	}
	for _, k := range d.spec.Keys {
		if k < 0 || k >= schema.NumFields() {
			return fmt.Errorf("deduplicate: key column %d does not exist in the input (%d columns)", k, schema.NumFields())
		}
	}
	if d.spec.RowTime {
		if d.spec.TimeCol < 0 || d.spec.TimeCol >= schema.NumFields() {
			return fmt.Errorf("deduplicate: time column %d does not exist in the input (%d columns)", d.spec.TimeCol, schema.NumFields())
		}
		switch schema.Field(d.spec.TimeCol).Type.ID() {
		case arrow.TIMESTAMP, arrow.INT64:
		default:
			return fmt.Errorf("deduplicate: time column of type %s", schema.Field(d.spec.TimeCol).Type)
		}
	}
	d.inSchema, d.kinds = schema, kinds
	d.dec = newRowDecoder(d.rt.Mem, schema, kinds)
	return nil
}

func (d *dedup) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	rec := b.Record
	if d.inSchema == nil {
		if err := d.init(rec.Schema()); err != nil {
			return err
		}
	}
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	if !d.spec.UpdatingInput {
		if err := insertOnly("deduplicate", b); err != nil {
			return err
		}
	}
	cols := rec.Columns()
	keyCols := pickColumns(cols, d.spec.Keys)
	d.hashes = growUint64(d.hashes, n)
	vectorized.HashColumns(keyCols, d.hashes)
	var times arrow.Array
	if d.spec.RowTime {
		times = cols[d.spec.TimeCol]
	}
	d.outK = d.outK[:0]
	for i := 0; i < n; i++ {
		var ts int64
		if times != nil {
			if times.IsNull(i) {
				d.nullTime.Add(1)
				continue
			}
			ts = int64Value(times, i)
		}
		d.key = appendRow(d.key[:0], keyCols, i)
		kg := d.rt.KeyGroupOf(d.hashes[i])
		if err := d.processRow(kg, b.Kind(i), cols, i, ts); err != nil {
			return err
		}
	}
	if len(d.outK) == 0 {
		return nil
	}
	return emitRows(ctx, out, d.inSchema, d.dec.finish(), d.outK)
}

func int64Value(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	}
	return 0
}

// marker is the kept value when only a key's presence matters.
var dedupMarker = []byte{1}

func (d *dedup) processRow(kg uint16, kind vectorized.RowKind, cols []arrow.Array, i int, ts int64) error {
	prev, seen, err := d.kv.get(kg, d.key)
	if err != nil {
		return err
	}
	s := d.spec
	switch {
	case s.RowTime:
		var prevRow []byte
		if seen {
			if len(prev) < 8 {
				return fmt.Errorf("%w: deduplicate row", errStateCorrupt)
			}
			pts := int64(binary.BigEndian.Uint64(prev))
			if s.KeepLast && ts < pts || !s.KeepLast && ts >= pts {
				return nil // not a newer (older) row: dropped
			}
			prevRow = prev[8:]
		}
		d.row = binary.BigEndian.AppendUint64(d.row[:0], uint64(ts))
		d.row = appendRow(d.row, cols, i)
		if err := d.kv.put(kg, d.key, d.row); err != nil {
			return err
		}
		return d.update(seen, prevRow, d.row[8:])
	case !s.KeepLast:
		if seen {
			return nil
		}
		d.row = appendRow(d.row[:0], cols, i)
		d.add(vectorized.Insert, d.row)
		return d.kv.put(kg, d.key, dedupMarker)
	case s.UpdatingInput:
		d.row = appendRow(d.row[:0], cols, i)
		if kind == vectorized.Insert || kind == vectorized.UpdateAfter {
			if !seen {
				d.add(vectorized.Insert, d.row)
			} else {
				if string(prev) == string(d.row) {
					return nil
				}
				if s.GenerateUpdateBefore {
					d.add(vectorized.UpdateBefore, prev)
				}
				d.add(vectorized.UpdateAfter, d.row)
			}
			return d.kv.put(kg, d.key, d.row)
		}
		if seen {
			// The kept row, not the retraction: it has the full content
			// (a tombstone may carry only the key).
			d.add(vectorized.Delete, prev)
			return d.kv.del(kg, d.key)
		}
		return nil
	default:
		d.row = appendRow(d.row[:0], cols, i)
		if !s.GenerateUpdateBefore && !s.GenerateInsert {
			d.add(vectorized.UpdateAfter, d.row)
			return nil
		}
		if err := d.kv.put(kg, d.key, d.row); err != nil {
			return err
		}
		return d.update(seen, prev, d.row)
	}
}

// update emits a kept row's replacement (Flink's updateDeduplicateResult).
func (d *dedup) update(seen bool, prev, row []byte) error {
	s := d.spec
	switch {
	case !s.GenerateUpdateBefore && !s.GenerateInsert:
		d.add(vectorized.UpdateAfter, row)
	case !seen:
		d.add(vectorized.Insert, row)
	default:
		if s.GenerateUpdateBefore {
			d.add(vectorized.UpdateBefore, prev)
		}
		d.add(vectorized.UpdateAfter, row)
	}
	return nil
}

func (d *dedup) add(kind vectorized.RowKind, row []byte) {
	if err := d.dec.add(row); err != nil {
		panic(err) // rows are the operator's own encoding
	}
	d.outK = append(d.outK, kind)
}

func (d *dedup) EndInput(context.Context, Collector) error { return nil }

func (d *dedup) Close() error {
	if d.dec != nil {
		d.dec.release()
	}
	return nil
}
