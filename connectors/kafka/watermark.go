package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/engine"
)

// partWatermarks generates a table's watermarks per partition, as Flink's
// KafkaSource does per split (SupportsWatermarkPushDown): a partition's
// watermark is the largest value of the WATERMARK expression over its
// records, and the subtask emits the minimum over its partitions once the
// rows that moved it went downstream. Records of one partition arrive in
// order, so out-of-order reading across partitions (one partition's
// backlog fetched before another's) does not make the others' rows late,
// as a watermark per subtask would. A partition without records for the
// idle timeout does not hold the minimum back; when every partition is
// idle (or the subtask reads none) the subtask is marked idle. Finished
// partitions (bounded reads) no longer count. Watermarks are not
// checkpointed: after a restore they start again from the records, as
// Flink's.
type partWatermarks struct {
	spec    engine.WatermarkSpec
	rowPart []*partState // the partition of each pending row
	emitted int64
	idle    bool
	last    time.Time // the last check (Run's idle loop)
}

func newPartWatermarks(spec *engine.WatermarkSpec) *partWatermarks {
	if spec == nil {
		return nil
	}
	return &partWatermarks{spec: *spec, emitted: engine.MinWatermark}
}

// row records the partition of the row just appended.
func (w *partWatermarks) row(st *partState) { w.rowPart = append(w.rowPart, st) }

// observe evaluates the expression over a batch about to be emitted and
// moves its partitions' watermarks.
func (w *partWatermarks) observe(rt *engine.RuntimeContext, rec arrow.RecordBatch, now time.Time) error {
	defer func() { w.rowPart = w.rowPart[:0] }()
	if rec.NumRows() == 0 {
		return nil
	}
	arr, err := w.spec.Expr.Eval(rt.EvalContext(), rec)
	if err != nil {
		return fmt.Errorf("%s: watermark expression: %w", Identifier, err)
	}
	defer arr.Release()
	ts, ok := arr.(*array.Timestamp)
	if !ok {
		return fmt.Errorf("%s: the watermark expression is %s, not a TIMESTAMP", Identifier, arr.DataType())
	}
	unit := ts.DataType().(*arrow.TimestampType).Unit
	vals := ts.TimestampValues()
	for i, st := range w.rowPart {
		if i >= len(vals) {
			break
		}
		st.seen = now
		if ts.IsNull(i) {
			continue
		}
		if m := engine.MillisOf(unit, int64(vals[i])); m > st.wm {
			st.wm = m
		}
	}
	return nil
}

// advance emits the minimum over the active partitions when it moved,
// and the subtask's idleness when it changed.
func (w *partWatermarks) advance(ctx context.Context, out engine.Collector, parts map[partKey]*partState, now time.Time) error {
	w.last = now
	wc, ok := out.(engine.WatermarkCollector)
	if !ok {
		return nil
	}
	minWM, active, open := engine.MaxWatermark, 0, 0
	for _, st := range parts {
		if st.done {
			continue
		}
		open++
		if w.spec.IdleTimeout > 0 && now.Sub(st.seen) >= w.spec.IdleTimeout {
			continue
		}
		active++
		minWM = min(minWM, st.wm)
	}
	if open == 0 {
		return nil // every partition finished: the end of input carries MaxWatermark
	}
	if active == 0 {
		if !w.idle {
			w.idle = true
			return wc.MarkIdle(ctx, true)
		}
		return nil
	}
	if w.idle {
		w.idle = false
		if err := wc.MarkIdle(ctx, false); err != nil {
			return err
		}
	}
	if minWM > w.emitted && minWM != engine.MinWatermark {
		w.emitted = minWM
		return wc.EmitWatermark(ctx, minWM)
	}
	return nil
}
