package engine

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// InstanceOptions configure NewInstanceForTest.
type InstanceOptions struct {
	Name           string
	Subtask        int
	Parallelism    int // default 1
	MaxParallelism int // default DefaultMaxParallelism
	Config         Config
	Mem            memory.Allocator
	// Checkpointing is what RuntimeContext.CheckpointingEnabled reports.
	Checkpointing bool
	// Backend is state.backend.type; LocalDir the pebble working
	// directory (default: the temporary directory).
	Backend, LocalDir string
	// RestoreFrom are the directories Instance.Snapshot wrote for each
	// subtask of the previous run (index = old subtask, "" for none):
	// the instance restores from them as from a checkpoint with ID
	// RestoreID.
	RestoreFrom []string
	RestoreID   int64
}

// Instance is one source, operator or sink instance run by hand, outside
// a job: tests of connectors and operators drive Open, SnapshotState,
// NotifyCheckpointComplete and restores with it, as the runtime does.
type Instance struct {
	RT *RuntimeContext
	st *instanceState
}

// NewInstanceForTest returns the RuntimeContext of one instance whose
// keyed and operator state work as in a job.
func NewInstanceForTest(o InstanceOptions) *Instance {
	if o.Parallelism == 0 {
		o.Parallelism = 1
	}
	if o.MaxParallelism == 0 {
		o.MaxParallelism = DefaultMaxParallelism
	}
	if o.Mem == nil {
		o.Mem = memory.DefaultAllocator
	}
	if o.Config == nil {
		o.Config = Config{}
	}
	if o.Name == "" {
		o.Name = "test"
	}
	st := &instanceState{uid: "0.0", name: o.Name, subtask: o.Subtask, enabled: o.Checkpointing, backendType: o.Backend, localDir: o.LocalDir}
	if len(o.RestoreFrom) > 0 {
		st.restore = &instanceRestore{checkpointID: o.RestoreID, path: "test", parallelism: len(o.RestoreFrom), dirs: o.RestoreFrom}
	}
	rt := &RuntimeContext{
		JobName: "test", OperatorName: o.Name, TaskName: o.Name, Subtask: o.Subtask, Parallelism: o.Parallelism,
		MaxParallelism: o.MaxParallelism, Mem: o.Mem, Metrics: &OperatorMetrics{}, Config: o.Config, ckpt: st,
	}
	rt.EvalContext = func() *vectorized.EvalContext {
		return &vectorized.EvalContext{Ctx: context.Background(), Mem: o.Mem, Now: time.Now(), Location: time.UTC}
	}
	return &Instance{RT: rt, st: st}
}

// Snapshot writes the instance's keyed and operator state into dir, as
// a checkpoint does after SnapshotState.
func (i *Instance) Snapshot(dir string) error {
	w, err := i.st.snapshot(dir)
	if err != nil || w == nil {
		return err
	}
	return w()
}

// Close closes the instance's state backend.
func (i *Instance) Close() error { return i.st.close() }
