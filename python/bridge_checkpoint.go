package python

// Checkpoints from the Python API: savepoints of a running job
// (JobClient.trigger_savepoint, stop_with_savepoint), its checkpoint
// metrics, and removing an option an execution environment dropped (its
// restart strategy falling back to the default).

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
)

func init() {
	ops["env.remove_config"] = envRemoveConfig
	ops["job.savepoint"] = jobSavepoint
	ops["savepoint.wait"] = savepointWait
	ops["savepoint.cancel"] = savepointCancel
	ops["job.checkpoints"] = jobCheckpoints
	ops["process.config"] = processConfig
}

// processConfig returns the options the command line gave every job of
// the process (-s, --restore, -D ...) as [k, v, ...]: an execution
// environment starts with them, as Flink's starts from the CLI's
// configuration.
func processConfig(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	cfg := table.ProcessConfig()
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kv := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		kv = append(kv, k, cfg[k])
	}
	return strList(py, kv), nil
}

// envRemoveConfig removes one option of the environment, as RESET 'key'.
func envRemoveConfig(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, key, err := envAndText(py, args, "env.remove_config(env, key)")
	if err != nil {
		return nil, err
	}
	if _, err := env.ExecuteSQL(context.Background(), "RESET '"+strings.ReplaceAll(key, "'", "''")+"'"); err != nil {
		return nil, err
	}
	return nil, nil
}

// savepointOp is a savepoint under way: Flink's trigger_savepoint starts
// it at once and returns a future, so it runs in its own goroutine and
// the future waits for it.
type savepointOp struct {
	cancel context.CancelFunc
	done   chan struct{}
	path   string
	err    error
}

// jobSavepoint starts a savepoint of the job into a new directory under
// dir (None: state.savepoints.dir, else a savepoints directory under
// state.checkpoints.dir); with stop, the job then stops
// (stop-with-savepoint). It returns the operation's handle.
func jobSavepoint(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 3, "job.savepoint(job, dir or None, stop)"); err != nil {
		return nil, err
	}
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	dir := ""
	if !py.IsNone(args[1]) {
		if dir, err = py.AsString(args[1]); err != nil {
			return nil, err
		}
	}
	stop, err := py.AsBool(args[2])
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	op := &savepointOp{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(op.done)
		defer cancel()
		if stop {
			op.path, op.err = j.job.StopWithSavepoint(ctx, dir)
		} else {
			op.path, op.err = j.job.TriggerSavepoint(ctx, dir)
		}
	}()
	return py.Int(keep(op)), nil
}

// savepointWait waits (without the GIL) at most ms milliseconds, or
// without limit when ms is negative, and returns (done, path): path is
// None until done; a failed savepoint raises its error.
func savepointWait(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 2, "savepoint.wait(op, ms)"); err != nil {
		return nil, err
	}
	op, err := lookup[*savepointOp](py, args[0])
	if err != nil {
		return nil, err
	}
	ms, err := py.AsInt64(args[1])
	if err != nil {
		return nil, err
	}
	done, _ := blocking(py, func() (bool, error) {
		if ms < 0 {
			<-op.done
			return true, nil
		}
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-op.done:
			return true, nil
		case <-t.C:
			return false, nil
		}
	})
	if !done {
		f, n := py.Bool(false), py.None()
		defer py.DecRef(f)
		defer py.DecRef(n)
		return py.Tuple(f, n), nil
	}
	if op.err != nil {
		return nil, op.err
	}
	tr, p := py.Bool(true), py.Str(op.path)
	defer py.DecRef(tr)
	defer py.DecRef(p)
	return py.Tuple(tr, p), nil
}

// savepointCancel gives up a savepoint under way (the future's cancel);
// the job goes on.
func savepointCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "savepoint.cancel(op)"); err != nil {
		return nil, err
	}
	op, err := lookup[*savepointOp](py, args[0])
	if err != nil {
		return nil, err
	}
	op.cancel()
	return nil, nil
}

// jobCheckpoints returns the job's checkpoint metrics as a metrics entry
// (kind "checkpoints", Flink's metric names), or None when the job takes
// no checkpoints and was not restored from one.
func jobCheckpoints(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "job.checkpoints(job)"); err != nil {
		return nil, err
	}
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	return checkpointsEntry(py, j.job)
}

func checkpointsEntry(py *cpython.GIL, j *table.Job) (*cpython.Object, error) {
	s := j.CheckpointStats()
	if !s.Enabled && s.RestoredID == 0 && s.Restarts == 0 {
		return py.None(), nil
	}
	d, err := newDict(py)
	if err != nil {
		return nil, err
	}
	ms := func(d time.Duration) *cpython.Object { return py.Float(float64(d.Microseconds()) / 1000) }
	str := func(s string) *cpython.Object {
		if s == "" {
			return py.None()
		}
		return py.Str(s)
	}
	for _, kv := range []struct {
		k string
		v *cpython.Object
	}{
		{"kind", py.Str("checkpoints")},
		{"job", py.Str(j.Name())},
		{"enabled", py.Bool(s.Enabled)},
		{"numberOfCompletedCheckpoints", py.Int(s.Completed)},
		{"numberOfFailedCheckpoints", py.Int(s.Failed)},
		{"numberOfInProgressCheckpoints", py.Int(s.InProgress)},
		{"lastCheckpointId", py.Int(s.LastID)},
		{"lastCheckpointExternalPath", str(s.LastPath)},
		{"lastCheckpointDuration", ms(s.LastDuration)},
		{"lastCheckpointSize", py.Int(s.LastSize)},
		{"lastCheckpointAlignmentTime", ms(s.LastAlignment)},
		{"lastCheckpointFailure", str(s.LastFailure)},
		{"restoredCheckpointId", py.Int(s.RestoredID)},
		{"restoredCheckpointPath", str(s.RestoredPath)},
		{"numRestarts", py.Int(s.Restarts)},
	} {
		if err := dictSet(py, d, kv.k, kv.v); err != nil {
			py.DecRef(d)
			return nil, err
		}
	}
	return d, nil
}
