package engine

import "sync"

// running is every job of this process that has been submitted and has
// not ended, whoever submitted it (the Python bridge, the SQL client, a
// Go caller). A signal is about the process, not about one caller's
// context: CancelAll is how `sluice run` stops them all on SIGINT or
// SIGTERM. The one process-wide mutable state of the engine, and only a
// set of pointers.
var running struct {
	sync.Mutex
	jobs map[*Job]struct{}
}

// track adds j to the running jobs until it is done.
func track(j *Job) {
	running.Lock()
	if running.jobs == nil {
		running.jobs = make(map[*Job]struct{})
	}
	running.jobs[j] = struct{}{}
	running.Unlock()
	go func() {
		<-j.done
		running.Lock()
		delete(running.jobs, j)
		running.Unlock()
	}()
}

// CancelAll cancels every job of the process that is running and returns
// how many there were. It does not wait for them: their Wait returns once
// their tasks have stopped.
func CancelAll() int {
	running.Lock()
	jobs := make([]*Job, 0, len(running.jobs))
	for j := range running.jobs {
		jobs = append(jobs, j)
	}
	running.Unlock()
	for _, j := range jobs {
		j.Cancel()
	}
	return len(jobs)
}

// RunningJobs returns every job of the process that has not ended (the
// SIGTERM stop-with-savepoint of `sluice run` takes one savepoint per job).
func RunningJobs() []*Job {
	running.Lock()
	defer running.Unlock()
	jobs := make([]*Job, 0, len(running.jobs))
	for j := range running.jobs {
		jobs = append(jobs, j)
	}
	return jobs
}
