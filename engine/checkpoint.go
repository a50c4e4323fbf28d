package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/engine/state"
)

// Configuration keys of checkpoints, recovery and state, Flink's names.
const (
	// ConfigCheckpointInterval turns checkpoints on (Flink's
	// execution.checkpointing.interval); unset or 0 means off.
	ConfigCheckpointInterval = "execution.checkpointing.interval"
	// ConfigCheckpointMode is EXACTLY_ONCE (aligned barriers, the default)
	// or AT_LEAST_ONCE (no alignment).
	ConfigCheckpointMode = "execution.checkpointing.mode"
	// ConfigCheckpointTimeout aborts a checkpoint that has not completed
	// after this long (Flink's default 10 min).
	ConfigCheckpointTimeout = "execution.checkpointing.timeout"
	// ConfigCheckpointMinPause is the least time between the end of one
	// checkpoint and the start of the next.
	ConfigCheckpointMinPause = "execution.checkpointing.min-pause"
	// ConfigCheckpointMaxConcurrent must be 1: one checkpoint at a time.
	ConfigCheckpointMaxConcurrent = "execution.checkpointing.max-concurrent-checkpoints"
	// ConfigCheckpointTolerableFailures is how many checkpoint failures in
	// a row the job tolerates before it fails (Flink's default 0 fails the
	// job on the first declined checkpoint; timeouts count too).
	ConfigCheckpointTolerableFailures = "execution.checkpointing.tolerable-failed-checkpoints"
	// ConfigCheckpointsDir is where checkpoints are written (Flink's
	// state.checkpoints.dir / execution.checkpointing.dir); a local path
	// or file:// URI. The default is sluice-checkpoints under the working
	// directory.
	ConfigCheckpointsDir = "state.checkpoints.dir"
	// ConfigCheckpointsRetained is how many completed checkpoints are kept
	// (Flink's state.checkpoints.num-retained, default 1).
	ConfigCheckpointsRetained = "state.checkpoints.num-retained"
	// ConfigSavepointPath restores the job from a checkpoint or savepoint
	// directory (Flink's execution.savepoint.path, the CLI's -s).
	ConfigSavepointPath = "execution.savepoint.path"
	// ConfigRestore = latest restores from the newest usable completed
	// checkpoint of the same job under state.checkpoints.dir, or starts
	// afresh when there is none (our own option, the CLI's --restore
	// latest).
	ConfigRestore = "sluice.restore"
	// ConfigSavepointIgnoreUnclaimed lets a restore skip state of
	// operators the job no longer has (Flink's
	// execution.savepoint.ignore-unclaimed-state).
	ConfigSavepointIgnoreUnclaimed = "execution.savepoint.ignore-unclaimed-state"
	// ConfigSavepointsDir is where stop-with-savepoint writes when no
	// path is given (Flink's state.savepoints.dir).
	ConfigSavepointsDir = "state.savepoints.dir"
	// ConfigShutdownSavepoint makes SIGTERM stop the job with a savepoint
	// (our own option).
	ConfigShutdownSavepoint = "execution.shutdown.savepoint"
	// ConfigStateLocalDir is where disk backends keep their working files
	// (Flink's state.backend.rocksdb.localdir); default: the temporary
	// directory.
	ConfigStateLocalDir = "state.backend.rocksdb.localdir"
	// ConfigStateTTL is table.exec.state.ttl: keyed state of SQL operators
	// not touched for this long is dropped (0 = never).
	ConfigStateTTL = "table.exec.state.ttl"
	// ConfigRestartStrategy is restart-strategy.type: none, fixed-delay,
	// exponential-delay (and Flink's aliases off, disable, fixeddelay,
	// exponentialdelay).
	ConfigRestartStrategy = "restart-strategy.type"
)

// CheckpointMode is execution.checkpointing.mode.
type CheckpointMode int

const (
	// ExactlyOnce aligns barriers: a task with several inputs holds back
	// an input whose barrier arrived until every input delivered it.
	ExactlyOnce CheckpointMode = iota
	// AtLeastOnce does not align: rows after a barrier may be in the
	// snapshot and replayed after a restore.
	AtLeastOnce
)

func (m CheckpointMode) String() string {
	if m == AtLeastOnce {
		return "AT_LEAST_ONCE"
	}
	return "EXACTLY_ONCE"
}

// ParseCheckpointMode reads Flink's spellings (any case, - or _).
func ParseCheckpointMode(s string) (CheckpointMode, error) {
	switch strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(s)), "-", "_") {
	case "", "EXACTLY_ONCE":
		return ExactlyOnce, nil
	case "AT_LEAST_ONCE":
		return AtLeastOnce, nil
	}
	return 0, fmt.Errorf("%s = %q: expected EXACTLY_ONCE or AT_LEAST_ONCE", ConfigCheckpointMode, s)
}

// CheckpointInfo tells a snapshot or notification which checkpoint it is.
type CheckpointInfo struct {
	ID        int64
	Timestamp time.Time
	// Savepoint is set for savepoints (stop-with-savepoint, explicit
	// savepoints): self-contained, never removed by retention.
	Savepoint bool

	// synchronous: a stop-with-savepoint; sources emit nothing after its
	// barrier.
	synchronous bool
}

// Checkpointed is implemented by operators, sources and sinks that have
// something to do when a checkpoint's barrier passes them.
//
// SnapshotState runs in the instance's own goroutine: for a source,
// between two batches it emitted (inside Collect after the batch went
// downstream, or inside Yield), so its state must describe exactly the
// batches emitted so far; for an operator or a sink, after every batch
// that arrived before the barrier and before any that arrived after it.
// It captures state synchronously: an operator writes caches into its
// keyed state, a source stores its position in its operator state, a sink
// flushes (at-least-once) or pre-commits a transaction (exactly-once). The
// runtime then snapshots the instance's keyed state backend and operator
// state (RuntimeContext.KeyedState, RuntimeContext.OperatorState) and
// writes them asynchronously while processing goes on.
type Checkpointed interface {
	SnapshotState(ctx context.Context, cp CheckpointInfo) error
}

// PreBarrierEmitter is implemented by operators that hold input they
// have not emitted yet (a mini-batch bundle) and must emit it before a
// barrier passes them, as Flink's prepareSnapshotPreBarrier: the rows go
// downstream ahead of the barrier, and SnapshotState follows. Chained
// operators are called head first, so what one emits reaches the next
// before its own turn.
type PreBarrierEmitter interface {
	PrepareSnapshotPreBarrier(ctx context.Context, cp CheckpointInfo, out Collector) error
}

// CheckpointListener is implemented by instances that act when a
// checkpoint completed (every instance acknowledged and the checkpoint's
// metadata is written): a Kafka source commits the checkpoint's offsets to
// its consumer group, a sink commits what it pre-committed. It runs in the
// instance's goroutine, between batches, and only for checkpoints the
// instance took part in. An error fails the job.
type CheckpointListener interface {
	NotifyCheckpointComplete(ctx context.Context, id int64) error
}

// CheckpointAbortListener is implemented by instances that must undo a
// pre-commit of a checkpoint that was aborted (timed out or declined).
type CheckpointAbortListener interface {
	NotifyCheckpointAborted(ctx context.Context, id int64) error
}

// Yielder is implemented by the Collector a source's Run receives. A
// source that waits for input (a Kafka poll returning nothing) calls
// Yield at least every 100 ms, when it holds no rows it has not emitted:
// checkpoint barriers and completion notifications reach a source only in
// Collect and Yield.
type Yielder interface {
	Yield(ctx context.Context) error
}

// Yield calls out's Yield when it has one (tests run sources with plain
// collectors).
func Yield(ctx context.Context, out Collector) error {
	if y, ok := out.(Yielder); ok {
		return y.Yield(ctx)
	}
	return nil
}

// Restored tells an instance it starts from a checkpoint.
type Restored struct {
	CheckpointID int64
	// Path is the checkpoint or savepoint directory.
	Path string
	// Parallelism is the instance's parallelism in the checkpointed job.
	Parallelism int
}

// KeyGroupOf is the key group of a key hash (vectorized.HashColumns of the
// key columns), as the hash exchange computes it: an operator storing
// keyed state passes it with each key.
func (rt *RuntimeContext) KeyGroupOf(hash uint64) uint16 {
	return uint16(keyGroupOf(hash, rt.MaxParallelism))
}

// KeyGroups is the key-group range of this subtask.
func (rt *RuntimeContext) KeyGroups() state.KeyGroupRange {
	r, _ := state.RangeForSubtask(rt.MaxParallelism, rt.Parallelism, rt.Subtask)
	return r
}

// KeyedState returns the instance's keyed state backend, opening it on the
// first call (type state.backend.type, working directory
// state.backend.rocksdb.localdir, the subtask's key-group range) and
// restoring it from the checkpoint the job starts from. The runtime
// snapshots it at every checkpoint and closes it when the instance
// closes; the instance must not close it.
func (rt *RuntimeContext) KeyedState() (*state.Backend, error) {
	if rt.ckpt == nil {
		return nil, fmt.Errorf("keyed state is only available while the job runs")
	}
	return rt.ckpt.keyedState(rt)
}

// OperatorState returns the instance's operator (non-keyed) state,
// restored from the checkpoint the job starts from and snapshotted at
// every checkpoint.
func (rt *RuntimeContext) OperatorState() (*state.OperatorState, error) {
	if rt.ckpt == nil {
		return nil, fmt.Errorf("operator state is only available while the job runs")
	}
	return rt.ckpt.operatorState(rt)
}

// Restored says whether the instance starts from a checkpoint, and which.
func (rt *RuntimeContext) Restored() (Restored, bool) {
	if rt.ckpt == nil || rt.ckpt.restore == nil {
		return Restored{}, false
	}
	return rt.ckpt.restore.info(), true
}

// CheckpointingEnabled says whether the job takes checkpoints: sinks that
// commit on checkpoints (filesystem, Kafka exactly-once) otherwise commit
// at the end of input.
func (rt *RuntimeContext) CheckpointingEnabled() bool {
	return rt.ckpt != nil && rt.ckpt.enabled
}

// CheckpointStats are a job's checkpoint metrics (Flink's
// numberOfCompletedCheckpoints, numberOfFailedCheckpoints,
// lastCheckpointDuration, lastCheckpointSize,
// lastCheckpointAlignmentTime, lastCheckpointRestoreTimestamp…).
type CheckpointStats struct {
	Enabled    bool
	Completed  int64
	Failed     int64
	InProgress int64
	// Last completed checkpoint.
	LastID        int64
	LastPath      string
	LastDuration  time.Duration
	LastSize      int64 // bytes written by every instance
	LastAlignment time.Duration
	LastCompleted time.Time
	// LastFailure is why the last failed checkpoint failed.
	LastFailure string
	// The checkpoint or savepoint the job (or its latest restart) was
	// restored from; RestoredID is 0 when it started afresh.
	RestoredID   int64
	RestoredPath string
	// Restarts is the number of in-process restarts (Flink's numRestarts).
	Restarts int64
}
