package python

// Submitted jobs: waiting (without the GIL), cancelling, metrics.

import (
	"context"
	"os"
	"sync"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
)

// jobState is a submitted job and what waiting for it gave.
type jobState struct {
	job  *table.Job
	once sync.Once
	res  *engine.JobResult
	err  error
}

func (j *jobState) wait() (*engine.JobResult, error) {
	j.once.Do(func() {
		if table.ShowProgress() {
			defer j.job.Progress(os.Stderr)()
		}
		j.res, j.err = j.job.Wait()
	})
	return j.res, j.err
}

// blocking runs f with the GIL released: jobs run Python functions on
// other threads.
func blocking[T any](py *cpython.GIL, f func() (T, error)) (T, error) {
	var v T
	var err error
	py.Unlocked(func() { v, err = f() })
	return v, err
}

func envSubmit(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	env, stmt, err := envAndText(py, args, "env.submit(env, statement)")
	if err != nil {
		return nil, err
	}
	job, err := env.Submit(context.Background(), stmt)
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&jobState{job: job})), nil
}

func tableSubmitInsert(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	t, err := lookup[*table.Table](py, args[0])
	if err != nil {
		return nil, err
	}
	sink, err := py.AsString(args[1])
	if err != nil {
		return nil, err
	}
	job, err := t.SubmitInsert(context.Background(), sink)
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&jobState{job: job})), nil
}

func jobWait(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	res, err := blocking(py, j.wait)
	if err != nil {
		return nil, err
	}
	return metricsList(py, res.Metrics), nil
}

func jobCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	j.job.Cancel()
	return nil, nil
}

func jobMetrics(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	return metricsList(py, j.job.Metrics()), nil
}

func jobName(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	return py.Str(j.job.Name()), nil
}
