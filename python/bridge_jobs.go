package python

// Job client operations (PyFlink's JobClient, JobStatus, JobID,
// TableResult.wait(timeout)): a job's id, status and run time, waiting
// with a deadline, and cancelling that reports CANCELLING until the job
// has stopped.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/sluice-stream/sluice/cpython"
)

func init() {
	ops["jobs.info"] = jobsInfo
	ops["jobs.wait_for"] = jobsWaitFor
	ops["jobs.cancel"] = jobsCancel
	ops["stream.job"] = streamJob
}

// streamJob gives the job of a running query (stream) as a job handle, so
// a SELECT's TableResult has a JobClient as Flink's.
func streamJob(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "stream.job(stream)"); err != nil {
		return nil, err
	}
	st, err := lookup[*streamState](py, args[0])
	if err != nil {
		return nil, err
	}
	return py.Int(keep(&jobState{job: st.s.Job})), nil
}

// jobMeta is what a JobClient reports beyond the engine's job: Flink's
// 32-hex-digit JobID, when it was submitted, and whether cancel was asked.
type jobMeta struct {
	id         string
	start      time.Time
	cancelling bool
}

var (
	jobMetasMu sync.Mutex
	jobMetas   = map[*jobState]*jobMeta{}
)

// metaOf gives the job's metadata, made on first use. The first use comes
// right after submission (TableResult.get_job_client), so start is close
// to the submission time; the net runtime reported is the engine's.
func metaOf(j *jobState) *jobMeta {
	jobMetasMu.Lock()
	defer jobMetasMu.Unlock()
	m := jobMetas[j]
	if m == nil {
		var b [16]byte
		_, _ = rand.Read(b[:])
		m = &jobMeta{id: hex.EncodeToString(b[:]), start: time.Now()}
		jobMetas[j] = m
	}
	return m
}

// jobsInfo returns (job id, status, net runtime ms, error text or None):
// status is one of Flink's JobStatus names.
func jobsInfo(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "jobs.info(job)"); err != nil {
		return nil, err
	}
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	m := metaOf(j)
	jobMetasMu.Lock()
	cancelling := m.cancelling
	jobMetasMu.Unlock()
	status, runtime := "CREATED", time.Since(m.start)
	errText := py.None()
	select {
	case <-j.job.Done():
		res, werr := j.wait()
		switch {
		case werr == nil:
			status = "FINISHED"
		case errors.Is(werr, context.Canceled):
			status = "CANCELED"
		default:
			status = "FAILED"
			py.DecRef(errText)
			errText = py.Str(werr.Error())
		}
		if res != nil {
			runtime = res.Duration
		}
	default:
		select {
		case <-j.job.Running():
			status = "RUNNING"
		default:
		}
		if cancelling {
			status = "CANCELLING"
		}
	}
	defer py.DecRef(errText)
	id, st, rt := py.Str(m.id), py.Str(status), py.Int(runtime.Milliseconds())
	defer py.DecRef(id)
	defer py.DecRef(st)
	defer py.DecRef(rt)
	return py.Tuple(id, st, rt, errText), nil
}

// jobsWaitFor waits (without the GIL) at most ms milliseconds for the job
// to end and reports whether it has; a negative ms waits without limit.
func jobsWaitFor(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 2, "jobs.wait_for(job, ms)"); err != nil {
		return nil, err
	}
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	ms, err := py.AsInt64(args[1])
	if err != nil {
		return nil, err
	}
	select {
	case <-j.job.Done():
		return py.Bool(true), nil
	default:
	}
	done, _ := blocking(py, func() (bool, error) {
		if ms < 0 {
			<-j.job.Done()
			return true, nil
		}
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-j.job.Done():
			return true, nil
		case <-t.C:
			return false, nil
		}
	})
	return py.Bool(done), nil
}

// jobsCancel asks the job to stop; its status is CANCELLING until it has.
func jobsCancel(py *cpython.GIL, args []*cpython.Object) (*cpython.Object, error) {
	if err := need(args, 1, "jobs.cancel(job)"); err != nil {
		return nil, err
	}
	j, err := lookup[*jobState](py, args[0])
	if err != nil {
		return nil, err
	}
	m := metaOf(j)
	jobMetasMu.Lock()
	m.cancelling = true
	jobMetasMu.Unlock()
	j.job.Cancel()
	return nil, nil
}

// forgetJob drops a released job's metadata.
func forgetJob(j *jobState) {
	jobMetasMu.Lock()
	delete(jobMetas, j)
	jobMetasMu.Unlock()
}
