package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-stream/sluice/vectorized"
)

// watermarkAssigner is Flink's WatermarkAssignerOperator: chained after a
// source, it keeps the maximum of the WATERMARK expression over the rows of
// its subtask and emits it every Interval of processing time (or after
// each batch when Interval is 0). Watermarks arriving from upstream are
// swallowed (this operator defines event time from here on), except
// MaxWatermark, the end of the input. With an IdleTimeout, a subtask that
// saw no row for that long is marked idle so it does not hold back the
// minimum downstream; the next row makes it active again.
type watermarkAssigner struct {
	spec WatermarkSpec
	rt   *RuntimeContext
	now  func() time.Time // processing time; tests inject a clock

	current  int64 // the largest expression value so far
	emitted  int64 // the last watermark emitted
	idle     bool
	lastRow  time.Time // processing time of the last row (or of Open)
	nextEmit time.Time // Interval > 0: when OnTimer emits next
}

// NewWatermarkAssigner evaluates spec per source subtask: the watermark is
// the maximum over rows of spec.Expr (NULLs ignored).
func NewWatermarkAssigner(spec WatermarkSpec) Operator {
	return &watermarkAssigner{spec: spec, now: time.Now}
}

func (w *watermarkAssigner) String() string {
	return fmt.Sprintf("WatermarkAssigner(watermark=[%s])", w.spec.Expr)
}

func (w *watermarkAssigner) Open(_ context.Context, rt *RuntimeContext) error {
	if w.spec.Expr == nil {
		return fmt.Errorf("a watermark assigner needs an expression")
	}
	if _, err := millisOf(w.spec.Expr.DataType()); err != nil {
		return fmt.Errorf("WATERMARK %s: %w", w.spec.Expr, err)
	}
	w.rt = rt
	w.current, w.emitted = MinWatermark, MinWatermark
	w.lastRow = w.now()
	if w.spec.Interval > 0 {
		w.nextEmit = w.lastRow.Add(w.spec.Interval)
	}
	return nil
}

// millisOf is the factor from a TIMESTAMP's unit to milliseconds
// (negative: a divisor).
func millisOf(dt arrow.DataType) (int64, error) {
	ts, ok := dt.(*arrow.TimestampType)
	if !ok {
		return 0, fmt.Errorf("the watermark must be a TIMESTAMP or TIMESTAMP_LTZ, not %s", dt)
	}
	switch ts.Unit {
	case arrow.Second:
		return 1000, nil
	case arrow.Millisecond:
		return 1, nil
	case arrow.Microsecond:
		return -1000, nil
	default:
		return -1_000_000, nil
	}
}

// MillisOf converts a TIMESTAMP value of unit u to milliseconds since the
// epoch, flooring: the unit of watermarks. Connectors generating
// watermarks themselves (per Kafka partition) use it.
func MillisOf(u arrow.TimeUnit, v int64) int64 {
	f, _ := millisOf(&arrow.TimestampType{Unit: u})
	return toMillis(v, f)
}

// toMillis converts a timestamp value of the unit factor f to ms, flooring.
func toMillis(v, f int64) int64 {
	switch {
	case f == 1:
		return v
	case f > 0:
		return v * f
	}
	d := -f
	q := v / d
	if v%d < 0 {
		q--
	}
	return q
}

func (w *watermarkAssigner) Process(ctx context.Context, _ int, b *vectorized.Batch, out Collector) error {
	ec := w.rt.EvalContext()
	arr, err := w.spec.Expr.Eval(ec, b.Record)
	if err != nil {
		return err
	}
	f, _ := millisOf(arr.DataType())
	ts := arr.(*array.Timestamp)
	max := w.current
	vals := ts.TimestampValues()
	if ts.NullN() == 0 {
		for _, v := range vals {
			if m := toMillis(int64(v), f); m > max {
				max = m
			}
		}
	} else {
		for i, v := range vals {
			if ts.IsValid(i) {
				if m := toMillis(int64(v), f); m > max {
					max = m
				}
			}
		}
	}
	arr.Release()
	w.current = max
	w.lastRow = w.now()
	if w.idle {
		w.idle = false
		if err := markIdle(ctx, out, false); err != nil {
			return err
		}
	}
	if err := out.Collect(ctx, b); err != nil {
		return err
	}
	if w.spec.Interval <= 0 {
		return w.emit(ctx, out)
	}
	return nil
}

func (w *watermarkAssigner) emit(ctx context.Context, out Collector) error {
	if w.current <= w.emitted || w.idle {
		return nil
	}
	w.emitted = w.current
	if wc, ok := out.(WatermarkCollector); ok {
		return wc.EmitWatermark(ctx, w.current)
	}
	return nil
}

func markIdle(ctx context.Context, out Collector, idle bool) error {
	if wc, ok := out.(WatermarkCollector); ok {
		return wc.MarkIdle(ctx, idle)
	}
	return nil
}

// ProcessWatermark swallows upstream watermarks but the end of input.
func (w *watermarkAssigner) ProcessWatermark(_ context.Context, wm int64, _ Collector) (int64, error) {
	if wm == MaxWatermark {
		w.emitted = MaxWatermark
		return MaxWatermark, nil
	}
	return MinWatermark, nil
}

func (w *watermarkAssigner) NextTimer() time.Time {
	var next time.Time
	if w.spec.Interval > 0 {
		next = w.nextEmit
	}
	if w.spec.IdleTimeout > 0 && !w.idle {
		if t := w.lastRow.Add(w.spec.IdleTimeout); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

func (w *watermarkAssigner) OnTimer(ctx context.Context, now time.Time, out Collector) error {
	if w.spec.Interval > 0 && !now.Before(w.nextEmit) {
		if err := w.emit(ctx, out); err != nil {
			return err
		}
		// The next emission is one interval after this one, never in
		// the past: a slow timer does not emit a burst.
		w.nextEmit = w.nextEmit.Add(w.spec.Interval)
		if w.nextEmit.Before(now) {
			w.nextEmit = now.Add(w.spec.Interval)
		}
	}
	if w.spec.IdleTimeout > 0 && !w.idle && !now.Before(w.lastRow.Add(w.spec.IdleTimeout)) {
		// Whatever the subtask saw is emitted before it goes quiet.
		if err := w.emit(ctx, out); err != nil {
			return err
		}
		w.idle = true
		return markIdle(ctx, out, true)
	}
	return nil
}

func (w *watermarkAssigner) EndInput(context.Context, Collector) error { return nil }
func (w *watermarkAssigner) Close() error                              { return nil }
