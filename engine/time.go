package engine

import (
	"context"
	"math"
	"time"

	"github.com/sluice-stream/sluice/vectorized"
)

// Event time: the contract between the engine and the planner (issue 11).
// NewWatermarkAssigner is in watermark_assigner.go, NewWindowTVF in
// window.go, NewWindowAggregate in window_agg.go.
//
// Watermarks are milliseconds since the epoch, as Flink's: a TIMESTAMP(3)
// rowtime's value in ms; for TIMESTAMP_LTZ(3) the UTC instant.
const (
	MinWatermark int64 = math.MinInt64
	MaxWatermark int64 = math.MaxInt64 // sent when an input ends
)

// WatermarkCollector is implemented by the Collector a source's Run and an
// operator's Process receive.
type WatermarkCollector interface {
	EmitWatermark(ctx context.Context, ts int64) error
	// MarkIdle excludes (idle=true) or re-includes this producer from the
	// minimum downstream (Flink's WatermarkStatus).
	MarkIdle(ctx context.Context, idle bool) error
}

// WatermarkHandler is implemented by operators acting on event time. The
// runtime calls it, in the task's goroutine, when the task's combined input
// watermark (the minimum over its non-idle producers; an ended producer
// counts as MaxWatermark) advances; the operator fires what the watermark
// completes (emitting into out) and returns the watermark to forward
// downstream (normally wm).
type WatermarkHandler interface {
	ProcessWatermark(ctx context.Context, wm int64, out Collector) (forward int64, err error)
}

// WatermarkSpec is a table's WATERMARK clause, evaluated per source subtask
// by NewWatermarkAssigner (chained right after the source; per split inside
// a connector later).
type WatermarkSpec struct {
	// Expr is over the source row; its value (TIMESTAMP(3) or
	// TIMESTAMP_LTZ(3)) is the watermark candidate.
	Expr vectorized.Expr
	// Interval is pipeline.auto-watermark-interval (Flink's default 200
	// ms); 0 emits after every batch.
	Interval time.Duration
	// IdleTimeout is table.exec.source.idle-timeout /
	// scan.watermark.idle-timeout; 0 = never idle.
	IdleTimeout time.Duration
}

// WindowKind is the window table-valued function.
type WindowKind int

const (
	Tumble WindowKind = iota
	Hop
	Cumulate
	Session
)

// WindowSpec describes a window TVF.
type WindowSpec struct {
	Kind WindowKind
	// TimeCol is the time attribute column (rowtime, or proctime: then
	// ProcTime is true and the column may be ignored).
	TimeCol  int
	ProcTime bool
	Size     time.Duration // Tumble, Hop, Cumulate (max size)
	Slide    time.Duration // Hop
	Step     time.Duration // Cumulate
	Gap      time.Duration // Session
	// Offset is Flink's window offset for Tumble/Hop, 0 by default.
	Offset time.Duration
	// PartitionKeys are Session's PARTITION BY columns (the session is per
	// key).
	PartitionKeys []int
	// LTZ: the time column is TIMESTAMP_LTZ(3) (PROCTIME() is one).
	// CHANGED from the first version of this contract, to match Flink
	// (SqlWindowTableFunction.inferRowType): window_start and window_end
	// are always TIMESTAMP(3); with LTZ they are the wall clock of the
	// session time zone (table.local-time-zone), in which the windows are
	// aligned (a 1-day window starts at local midnight), and window_time
	// is TIMESTAMP_LTZ(3), the instant of the local end - 1 ms. ProcTime
	// windows are aligned the same way whether LTZ is set or not.
	LTZ bool
}

// WindowAggSpec is a window aggregate: GROUP BY keys (not including window
// columns) over Window, with Aggs (the GroupAggregate's AggCall kinds).
// Output columns: Keys..., Aggs..., window_start, window_end, window_time.
// Results are append-only inserts, emitted when the watermark (event time)
// or the processing-time clock passes the window end; rows of windows
// already fired are late: dropped and counted in the operator's counter
// "numLateRecordsDropped".
//
// Engine notes for the planner: window_time keeps the time attribute's
// type (TIMESTAMP(3), or TIMESTAMP_LTZ(3) for an LTZ rowtime and on
// processing time); rows with a NULL rowtime are dropped and counted in
// "numNullRowTimeRecordsDropped" (Flink's window operators); a SESSION
// aggregate is per Keys (Window.PartitionKeys is not read: the planner
// passes the PARTITION BY columns as the leading Keys); the input must be
// insert-only. On processing time, windows still open at the end of a
// bounded input fire then.
type WindowAggSpec struct {
	Keys        []int
	Aggs        []AggCall
	Window      WindowSpec
	OutputNames []string
}
