package cpython

/*
#include <stdlib.h>
#include "sluice_py.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Interrupt tells Python that the process was asked to stop by sig
// (SIGINT, SIGTERM), as Python's own signal handling would have: the
// Python-level handler of sig — installed from Python with
// `_sluice_native.set_signal_handler` — runs in the main thread at its
// next bytecode (KeyboardInterrupt for signal.default_int_handler), and a
// main thread blocked in time.sleep, select or a lock wait wakes up to run
// it. A main thread blocked in Go (waiting for a job with the GIL
// released) runs it when it returns to Python. Without such a handler only
// the signal is recorded (`_sluice_native.stop_signal()`).
//
// Interrupt needs no GIL and is safe from any goroutine.
func Interrupt(sig syscall.Signal) { C.sl_interrupt(C.int(sig)) }

// Label names the Python work of a batch — the UDFs and the job — for a
// crash report and for a UDF that calls os._exit. It is C memory, written
// to a thread-local once per batch.
type Label struct{ c *C.sl_label }

func newLabel(udfs, job string) *Label {
	l := (*C.sl_label)(C.calloc(1, C.size_t(unsafe.Sizeof(C.sl_label{}))))
	l.udfs = C.CString(udfs)
	l.job = C.CString(job)
	return &Label{c: l}
}

func (l *Label) free() {
	C.free(unsafe.Pointer(l.c.udfs))
	C.free(unsafe.Pointer(l.c.job))
	C.free(unsafe.Pointer(l.c))
}

// Labels are the labels of one evaluator's UDFs, one per job name (an
// evaluator belongs to one job; the map is for the exceptional reuse).
type Labels struct {
	udfs string
	last atomic.Pointer[labelFor]
	mu   sync.Mutex
	all  []*labelFor
}

type labelFor struct {
	job   string
	label *Label
}

// NewLabels prepares the labels of the UDFs named udfs.
func NewLabels(udfs string) *Labels { return &Labels{udfs: udfs} }

// For returns the label of the batch of job job: one atomic load per batch
// once the job is known.
func (ls *Labels) For(job string) *Label {
	if l := ls.last.Load(); l != nil && l.job == job {
		return l.label
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, l := range ls.all {
		if l.job == job {
			ls.last.Store(l)
			return l.label
		}
	}
	l := &labelFor{job: job, label: newLabel(ls.udfs, job)}
	ls.all = append(ls.all, l)
	ls.last.Store(l)
	return l.label
}

// Free releases the labels; no batch may run any more.
func (ls *Labels) Free() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, l := range ls.all {
		l.label.free()
	}
	ls.all = nil
	ls.last.Store(nil)
}

// batchRun is one batch under DoBatch, as its interrupter sees it.
type batchRun struct {
	tid uint64 // Python's id of the evaluating thread
	// active is true while the batch runs Python. It changes only with
	// the GIL held, and the interrupter reads it with the GIL held: a
	// true value means the evaluating thread is inside this batch.
	active atomic.Bool
	fired  atomic.Bool
}

// interruptRetry is the first pause between two asynchronous exceptions
// for a batch that did not stop (its function caught the first, or it
// sits in a long call); it doubles up to a second.
const interruptRetry = 50 * time.Millisecond

// DoBatch runs fn as Do does, for the Python work of one batch of a job:
// the label names it to the crash handler, and when ctx is cancelled
// while fn runs, the evaluating thread gets a JobCancelled exception
// (PyThreadState_SetAsyncExc), raised at its next bytecode — within a
// switch interval (5 ms) of Python code, or when a blocking call (a
// time.sleep, a socket read) returns: CPython checks asynchronous
// exceptions only between bytecodes, and, outside the main thread, does
// not wake a sleep for them. A function that catches the exception gets
// it again, at growing intervals, until the batch ends. A batch stopped
// this way returns an error that wraps ctx.Err(), which the engine takes
// for the cancellation it is, not for a failure.
//
// The cost is per batch, never per row: a thread-local store at each end
// and a context.AfterFunc registration.
func DoBatch(ctx context.Context, label *Label, fn func(py *GIL) error) error {
	var cl *C.sl_label
	if label != nil {
		cl = label.c
	}
	if ctx.Done() == nil {
		return Do(func(py *GIL) error {
			C.sl_batch_begin(cl)
			defer C.sl_batch_end(0)
			return fn(py)
		})
	}
	b := &batchRun{}
	err := Do(func(py *GIL) error {
		b.tid = uint64(C.sl_batch_begin(cl))
		b.active.Store(true)
		stop := context.AfterFunc(ctx, b.interrupt)
		defer func() {
			b.active.Store(false)
			stop()
			fired := 0
			if b.fired.Load() {
				fired = 1
			}
			C.sl_batch_end(C.int(fired))
		}()
		return fn(py)
	})
	if b.fired.Load() {
		what := "python function"
		if label != nil {
			what = "python UDF " + C.GoString(label.c.udfs)
		}
		return fmt.Errorf("%s interrupted: %w", what, ctx.Err())
	}
	return err
}

// interrupt raises JobCancelled in the batch's thread until the batch
// ends. It takes the GIL, which a thread running bytecode hands over
// within a switch interval.
func (b *batchRun) interrupt() {
	for pause := interruptRetry; ; pause = min(2*pause, time.Second) {
		ended := false
		_ = Do(func(py *GIL) error {
			if !b.active.Load() {
				ended = true
				return nil
			}
			if C.sl_batch_interrupt(C.ulong(b.tid)) > 0 {
				b.fired.Store(true)
			}
			return nil
		})
		if ended {
			return
		}
		time.Sleep(pause)
	}
}
