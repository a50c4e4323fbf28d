package cpython_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/vectorized"
)

func int64Batch(n int) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range n {
		b.Append(int64(i))
	}
	col := b.NewArray()
	defer col.Release()
	return record(col)
}

// cancelMidBatch evaluates fn over a batch of n rows on one OS thread,
// cancels the context after `after`, and returns the evaluation's error
// and how long it took to return once cancelled. It then runs Python on
// the same thread, which must not see the batch's exception.
func cancelMidBatch(t *testing.T, fn *cpython.Object, n int, after time.Duration) (error, time.Duration) {
	t.Helper()
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "f", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}})
	require.NoError(t, err)
	stuck := false
	defer func() {
		if !stuck { // a batch still running uses the evaluator's memory
			ev.Close()
		}
	}()
	rec := int64Batch(n)
	ctx, cancel := context.WithCancel(vectorized.WithJobName(context.Background(), "cancel-test"))
	defer cancel()
	type result struct {
		err, after error
		at         time.Time
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		out, err := ev.Evaluate(ctx, vectorized.NewBatch(rec))
		at := time.Now()
		rec.Release()
		for _, a := range out {
			a.Release()
		}
		// The same thread runs Python again: a JobCancelled left pending
		// would surface here.
		after := cpython.Do(func(py *cpython.GIL) error {
			ns, err := py.Exec("<after>", "import time\nfor _ in range(1000):\n    time.sleep(0)\n")
			if err == nil {
				py.DecRef(ns)
			}
			return err
		})
		done <- result{err, after, at}
	}()
	time.Sleep(after)
	cancelled := time.Now()
	cancel()
	select {
	case r := <-done:
		require.NoError(t, r.after, "Python on the batch's thread after the batch")
		return r.err, r.at.Sub(cancelled)
	case <-time.After(15 * time.Second):
		stuck = true
		t.Fatal("the batch did not stop after its context was cancelled")
		return nil, 0
	}
}

// A 2 ms/row UDF over 10,000 rows takes 20 s; cancelled mid-batch it
// stops at its next bytecode after a sleep returns.
func TestCancelStopsARowUDFMidBatch(t *testing.T) {
	fn := pyFunc(t, "import time\ndef slow(x):\n    time.sleep(0.002)\n    return x\n", "slow")
	err, took := cancelMidBatch(t, fn, 10_000, 300*time.Millisecond)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "python UDF f interrupted")
	t.Logf("returned %v after the cancellation", took)
}

// A loop that catches Exception does not catch JobCancelled.
func TestCancelStopsABusyLoopCatchingException(t *testing.T) {
	fn := pyFunc(t, "def busy(x):\n    while True:\n        try:\n            1 / 0\n        except Exception:\n            pass\n", "busy")
	err, took := cancelMidBatch(t, fn, 10, 200*time.Millisecond)
	require.ErrorIs(t, err, context.Canceled)
	t.Logf("returned %v after the cancellation", took)
}

// A batch that ended before the cancellation is left alone, and so is the
// thread that ran it.
func TestCancelAfterTheBatchChangesNothing(t *testing.T) {
	fn := pyFunc(t, "def ident(x):\n    return x\n", "ident")
	ev, err := cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "ident", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}})
	require.NoError(t, err)
	defer ev.Close()
	rec := int64Batch(100)
	defer rec.Release()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, cancel := context.WithCancel(context.Background())
	out, err := ev.Evaluate(ctx, vectorized.NewBatch(rec))
	require.NoError(t, err)
	out[0].Release()
	cancel()
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<after>", "import time\nfor _ in range(1000):\n    time.sleep(0)\n")
		if err == nil {
			py.DecRef(ns)
		}
		return err
	}))
}

//go:noinline
func load(p *int) int { return *p }

// The fault handler for C code must leave Go's own faults to Go: a nil
// dereference in Go code — here while the thread holds the GIL, the case
// closest to a Python crash — stays a panic that recover catches.
func TestGoFaultStaysAPanic(t *testing.T) {
	var got any
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		func() {
			defer func() { got = recover() }()
			load(nil)
		}()
		return nil
	}))
	require.NotNil(t, got)
	assert.Contains(t, fmt.Sprint(got), "nil pointer dereference")
}

const crashEnv = "SLUICE_CPYTHON_TEST_CRASH"

// crashChild runs, in a child process of the test binary, a row UDF that
// brings the process down the way SLUICE_CPYTHON_TEST_CRASH says.
func crashChild() {
	body := map[string]string{
		"segv":  "import ctypes\n    ctypes.string_at(0)",
		"abort": "import os\n    os.abort()",
	}[os.Getenv(crashEnv)]
	src := "def helper(x):\n    " + body + "\n\ndef crasher(x):\n    return helper(x)\n"
	var fn *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("/jobs/crash.py", src)
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		fn, err = py.GetItem(ns, "crasher")
		return err
	})
	if err == nil {
		var ev *cpython.RowEvaluator
		ev, err = cpython.NewRowEvaluator([]cpython.RowUDF{{Name: "crasher", Func: fn, Args: []int{0}, Result: arrow.PrimitiveTypes.Int64}})
		if err == nil {
			rec := int64Batch(3)
			_, err = ev.Evaluate(vectorized.WithJobName(context.Background(), "crash-job"), vectorized.NewBatch(rec))
		}
	}
	fmt.Fprintln(os.Stderr, "the UDF did not crash the process:", err)
	os.Exit(3)
}

// A UDF that crashes the process leaves a short report: the Python stack
// of the crashing thread and one line naming the UDF and the job — not
// Go's dump of every goroutine — and the process dies of the signal.
func TestCrashReportNamesTheUDFAndJob(t *testing.T) {
	for _, tc := range []struct {
		kind, what string
		sig        syscall.Signal
	}{
		{"segv", "SIGSEGV (Segmentation fault)", syscall.SIGSEGV},
		{"abort", "SIGABRT (Aborted)", syscall.SIGABRT},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashEnv+"="+tc.kind)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			out := stderr.String()
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "the child ended with %v: %s", err, out)
			ws, ok := ee.Sys().(syscall.WaitStatus)
			require.True(t, ok)
			require.True(t, ws.Signaled(), "the child exited with %d: %s", ee.ExitCode(), out)
			assert.Equal(t, tc.sig, ws.Signal())
			assert.Contains(t, out, "Stack (most recent call first):")
			assert.Contains(t, out, `File "/jobs/crash.py", line 3 in helper`)
			assert.Contains(t, out, `File "/jobs/crash.py", line 6 in crasher`)
			assert.Contains(t, out, "sluice: "+tc.what+" in python UDF crasher of job crash-job\n")
			assert.NotContains(t, out, "goroutine ")
			assert.Less(t, strings.Count(out, "\n"), 15, "the report is short:\n%s", out)
		})
	}
}
