package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
)

// savepointResult is one job's stop-with-savepoint on SIGTERM.
type savepointResult struct {
	job  string
	path string
	err  error
}

// shutdownOutcome is what SIGTERM did with execution.shutdown.savepoint:
// the jobs that had it on were stopped with a savepoint each; the others
// are cancelled as without it.
type shutdownOutcome struct {
	results []savepointResult
	others  int
}

// ok says whether every running job stopped with a savepoint: the process
// then exits 0.
func (o *shutdownOutcome) ok() bool {
	if o == nil || len(o.results) == 0 || o.others > 0 {
		return false
	}
	for _, r := range o.results {
		if r.err != nil {
			return false
		}
	}
	return true
}

// report writes one line per job on w.
func (o *shutdownOutcome) report(w io.Writer) {
	for _, r := range o.results {
		if r.err != nil {
			fmt.Fprintf(w, "sluice: job %s: stop with savepoint failed: %v\n", r.job, r.err)
		} else {
			fmt.Fprintf(w, "sluice: terminated, job %s stopped with savepoint %s\n", r.job, r.path)
		}
	}
}

// shutdownJobs splits the running jobs of the process into those whose
// configuration has execution.shutdown.savepoint on and the others.
func shutdownJobs() (savepoint []*table.Job, others int) {
	for _, rj := range table.RunningJobs() {
		if on, err := rj.Config.Bool(engine.ConfigShutdownSavepoint, false); err == nil && on {
			savepoint = append(savepoint, rj.Job)
		} else {
			others++
		}
	}
	return savepoint, others
}

// stopWithSavepoints stops every job with a savepoint into its default
// savepoint directory (state.savepoints.dir, else savepoints under
// state.checkpoints.dir), all at once, and waits until they have ended.
func stopWithSavepoints(ctx context.Context, jobs []*table.Job) []savepointResult {
	out := make([]savepointResult, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, err := j.StopWithSavepoint(ctx, "")
			if err == nil {
				select {
				case <-j.Done():
				case <-ctx.Done():
					err = ctx.Err()
				}
			}
			out[i] = savepointResult{job: j.Name(), path: path, err: err}
		}()
	}
	wg.Wait()
	return out
}

// shutdownWithSavepoints takes the savepoints SIGTERM asks for, unless a
// further signal on ch comes first (then it returns false: the process
// must exit at once). The outcome is nil when no job wanted one.
func shutdownWithSavepoints(ch <-chan os.Signal) (*shutdownOutcome, bool) {
	jobs, others := shutdownJobs()
	if len(jobs) == 0 {
		return nil, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan []savepointResult, 1)
	go func() { done <- stopWithSavepoints(ctx, jobs) }()
	select {
	case r := <-done:
		return &shutdownOutcome{results: r, others: others}, true
	case <-ch:
		return nil, false
	}
}

// sqlTerminating is set once `sluice sql` began handling SIGTERM: the
// handler ends the process (exit 0 with the savepoints' paths, or the
// signal), and the command must not exit first — a job stopped with a
// savepoint ends its INSERT, which may end the script before the report.
var sqlTerminating atomic.Bool

// handleSQLTerm gives `sluice sql` execution.shutdown.savepoint: on
// SIGTERM the jobs that have it on stop with a savepoint, and when every
// running job did, the process exits 0 with their paths on stderr.
// Otherwise SIGTERM does what it did before the client handled it: the
// other jobs are cancelled and the process dies of the signal.
func handleSQLTerm() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		<-ch
		sqlTerminating.Store(true)
		out, _ := shutdownWithSavepoints(ch)
		if out != nil {
			out.report(os.Stderr)
			if out.ok() {
				os.Exit(0)
			}
		}
		signal.Reset(syscall.SIGTERM)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		select {}
	}()
}
