package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hangLimit fails a test whose process does not exit: far above every
// time measured (reported with t.Logf), far below the time the jobs would
// run by themselves.
const hangLimit = 20 * time.Second

// jobScript writes a job script into dir.
func jobScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}

const streamingHeader = `import sys, time
from pyflink.table import TableEnvironment, EnvironmentSettings, DataTypes
from pyflink.table.udf import udf
t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector'='datagen', 'rows-per-second'='100000')")
t_env.execute_sql("CREATE TABLE snk (a BIGINT) WITH ('connector'='blackhole')")
`

// Jobs that run until stopped, each the way a job script waits on one.
var stoppableScripts = []struct{ name, src string }{
	{"insert wait", streamingHeader + `job = t_env.execute_sql("INSERT INTO snk SELECT * FROM src")
print("running", flush=True)
job.wait()
`},
	// execute_sql of a query runs it before it returns: the mark comes
	// from a timer, once the job has surely started.
	{"execute print", streamingHeader + `import threading
threading.Timer(0.5, lambda: print("running", flush=True)).start()
t_env.execute_sql("SELECT * FROM src").print()
`},
	{"collect", streamingHeader + `with t_env.sql_query("SELECT * FROM src").execute().collect() as rows:
    for i, r in enumerate(rows):
        if i == 0:
            print("running", flush=True)
`},
	// 2 ms per row over batches of 10,000 rows: a batch runs 20 s unless
	// cancellation interrupts the UDF.
	{"UDF sleeping 2 ms per row", streamingHeader + `@udf(result_type=DataTypes.BIGINT())
def slow(a):
    time.sleep(0.002)
    return a
t_env.create_temporary_function("slow", slow)
t_env.execute_sql("CREATE TABLE fast (a BIGINT) WITH ('connector'='datagen', 'rows-per-second'='10000000')")
job = t_env.execute_sql("INSERT INTO snk SELECT slow(a) FROM fast")
time.sleep(0.5)
print("running", flush=True)
job.wait()
`},
	// One long sleep, as a retry's back-off: inside a UDF batch sluice
	// run sleeps in 50 ms pieces, between which the UDF can be stopped.
	{"UDF in one long sleep", streamingHeader + `@udf(result_type=DataTypes.BIGINT())
def backoff(a):
    time.sleep(120)
    return a
t_env.create_temporary_function("backoff", backoff)
job = t_env.execute_sql("INSERT INTO snk SELECT backoff(a) FROM src")
time.sleep(0.5)
print("running", flush=True)
job.wait()
`},
	// The terminal's Ctrl-C reaches the pool's workers too: they leave it
	// to the parent, and the map the UDF is blocked on completes, after
	// which the UDF sees the cancellation.
	{"UDF waiting on a spawn pool", streamingHeader + `import multiprocessing as mp
def work(x):
    time.sleep(0.2)
    return x
@udf(result_type=DataTypes.BIGINT())
def pooled(a):
    with mp.get_context("spawn").Pool(2) as p:
        return sum(p.map(work, range(4)))
if __name__ == "__main__":
    t_env.create_temporary_function("pooled", pooled)
    job = t_env.execute_sql("INSERT INTO snk SELECT pooled(a) FROM src")
    time.sleep(1.5)
    print("running", flush=True)
    job.wait()
`},
}

// Ctrl-C typed on the terminal of `sluice run` stops a job that runs
// until stopped: exit status 130, one line on stderr.
func TestCtrlCStopsRunningJobs(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	for _, tc := range stoppableScripts {
		t.Run(tc.name, func(t *testing.T) {
			script := jobScript(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".py", tc.src)
			cmd := exec.Command(bin, "run", script)
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			term := startOnTerminal(t, cmd, false)
			done := waitAsync(cmd)
			waitFor(t, "running", stdout.String)
			start := time.Now()
			term.ctrlC(t)
			code := exitOf(t, cmd, done, hangLimit)
			t.Logf("exited %v after Ctrl-C", time.Since(start))
			assert.Equal(t, 130, code, "stderr: %s", stderr.String())
			assert.Equal(t, "sluice: interrupted, 1 job cancelled\n", stderr.String())
		})
	}
}

// Ctrl-C reaches Python code of the script too: time.sleep is
// interrupted, the KeyboardInterrupt runs finally blocks.
func TestCtrlCInterruptsTheScript(t *testing.T) {
	bin := sluiceBinary(t)
	script := jobScript(t, t.TempDir(), "sleeps.py", `import time
print("running", flush=True)
try:
    time.sleep(600)
finally:
    print("finally ran", flush=True)
`)
	cmd := exec.Command(bin, "run", script)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	term := startOnTerminal(t, cmd, false)
	done := waitAsync(cmd)
	waitFor(t, "running", stdout.String)
	start := time.Now()
	term.ctrlC(t)
	code := exitOf(t, cmd, done, hangLimit)
	t.Logf("exited %v after Ctrl-C", time.Since(start))
	assert.Equal(t, 130, code)
	assert.Equal(t, "running\nfinally ran\n", stdout.String())
	assert.Equal(t, "sluice: interrupted\n", stderr.String())
}

// A UDF blocked in one wait cannot be interrupted (CPython checks the
// asynchronous exception only when the wait returns): the first Ctrl-C
// cancels and waits, the second exits at once.
func TestSecondCtrlCExitsAtOnce(t *testing.T) {
	bin := sluiceBinary(t)
	script := jobScript(t, t.TempDir(), "long_wait.py", streamingHeader+`import threading
@udf(result_type=DataTypes.BIGINT())
def stuck(a):
    threading.Event().wait(120)
    return a
t_env.create_temporary_function("stuck", stuck)
job = t_env.execute_sql("INSERT INTO snk SELECT stuck(a) FROM src")
time.sleep(0.5)
print("running", flush=True)
job.wait()
`)
	cmd := exec.Command(bin, "run", script)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	term := startOnTerminal(t, cmd, false)
	done := waitAsync(cmd)
	waitFor(t, "running", stdout.String)
	term.ctrlC(t)
	select {
	case err := <-done:
		t.Fatalf("the first Ctrl-C ended a UDF waiting 120 s on an Event (%v); if that is now possible, this test should say so: %s", err, stderr.String())
	case <-time.After(time.Second):
	}
	start := time.Now()
	term.ctrlC(t)
	code := exitOf(t, cmd, done, hangLimit)
	t.Logf("exited %v after the second Ctrl-C", time.Since(start))
	assert.Equal(t, 130, code)
	assert.Equal(t, "sluice: interrupted, 1 job cancelled\n", stderr.String())
}

// SIGTERM (a supervisor stopping the job) cancels it and exits 143.
func TestSIGTERMStopsRunningJobs(t *testing.T) {
	bin := sluiceBinary(t)
	script := jobScript(t, t.TempDir(), "term.py", stoppableScripts[0].src)
	cmd := exec.Command(bin, "run", script)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := waitAsync(cmd)
	waitFor(t, "running", stdout.String)
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	code := exitOf(t, cmd, done, hangLimit)
	t.Logf("exited %v after SIGTERM", time.Since(start))
	assert.Equal(t, 143, code)
	assert.Equal(t, "sluice: terminated, 1 job cancelled\n", stderr.String())
}

// After SIGTERM nobody types a second Ctrl-C: a job whose UDF cannot be
// interrupted (one long sleep) does not keep the process past termGrace.
func TestSIGTERMExitsWithinItsGrace(t *testing.T) {
	t.Parallel() // it waits out the grace
	bin := sluiceBinary(t)
	script := jobScript(t, t.TempDir(), "term_stuck.py", streamingHeader+`import threading
@udf(result_type=DataTypes.BIGINT())
def stuck(a):
    threading.Event().wait(120)
    return a
t_env.create_temporary_function("stuck", stuck)
job = t_env.execute_sql("INSERT INTO snk SELECT stuck(a) FROM src")
time.sleep(0.5)
print("running", flush=True)
job.wait()
`)
	cmd := exec.Command(bin, "run", script)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	done := waitAsync(cmd)
	waitFor(t, "running", stdout.String)
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	code := exitOf(t, cmd, done, termGrace+hangLimit)
	t.Logf("exited %v after SIGTERM (grace %v)", time.Since(start), termGrace)
	assert.Equal(t, 143, code)
	assert.Equal(t, "sluice: terminated, 1 job cancelled\n", stderr.String())
}

// Ctrl-C in `sluice shell` cancels the job it waits on and ends the
// shell; at the prompt, it ends the shell.
func TestCtrlCInShell(t *testing.T) {
	bin := sluiceBinary(t)
	for _, tc := range []struct {
		name   string
		lines  []string
		report string
	}{
		{"waiting on a job", []string{
			`st_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector'='datagen', 'rows-per-second'='1000')")`,
			`st_env.execute_sql("CREATE TABLE snk (a BIGINT) WITH ('connector'='blackhole')")`,
			`print("run" + "ning"); st_env.execute_sql("INSERT INTO snk SELECT * FROM src").wait()`,
		}, "sluice: interrupted, 1 job cancelled\n"},
		{"at the prompt", []string{`print("run" + "ning")`}, "sluice: interrupted\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "shell")
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // the history file
			var stderr syncBuffer
			cmd.Stderr = &stderr
			term := startOnTerminal(t, cmd, true)
			done := waitAsync(cmd)
			waitFor(t, "Ctrl-D exits", stderr.String) // the banner
			for _, l := range tc.lines {
				term.typeLine(t, l)
			}
			waitFor(t, "running\r\n", term.out.String)
			if tc.name == "at the prompt" {
				waitFor(t, "running\r\n>>> ", term.out.String)
			}
			start := time.Now()
			term.ctrlC(t)
			code := exitOf(t, cmd, done, hangLimit)
			t.Logf("exited %v after Ctrl-C", time.Since(start))
			assert.Equal(t, 130, code, "terminal: %s\nstderr: %s", term.out.String(), stderr.String())
			assert.True(t, strings.HasSuffix(stderr.String(), "\n"+tc.report), "stderr ends with the report:\n%s", stderr.String())
			assert.NotContains(t, stderr.String(), "Traceback")
		})
	}
}

// A UDF that crashes the process leaves the Python stack of the crashing
// thread and a line naming the UDF and its job, not Go's goroutine dump;
// os._exit in a UDF is named too.
func TestUDFCrashReports(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		kind, body string
		sig        syscall.Signal // 0: exits with code
		code       int
		want       []string
	}{
		{"segv", "import ctypes\n    ctypes.string_at(0)", syscall.SIGSEGV, 0, []string{
			"Fatal Python error: Segmentation fault", "Stack (most recent call first):",
			"crash_segv.py\", line 6 in helper", "crash_segv.py\", line 10 in crash_segv",
			"sluice: SIGSEGV (Segmentation fault) in python UDF crash_segv of job insert-into_snk\n"}},
		{"abort", "import os\n    os.abort()", syscall.SIGABRT, 0, []string{
			"Fatal Python error: Aborted", "crash_abort.py\", line 6 in helper",
			"sluice: SIGABRT (Aborted) in python UDF crash_abort of job insert-into_snk\n"}},
		{"exit", "import os\n    os._exit(7)", 0, 7, []string{
			"sluice: python UDF crash_exit of job insert-into_snk called os._exit(7)"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			script := jobScript(t, dir, "crash_"+tc.kind+".py", `from pyflink.table import TableEnvironment, EnvironmentSettings, DataTypes
from pyflink.table.udf import udf

def helper(a):
    `+tc.body+`

@udf(result_type=DataTypes.BIGINT())
def crash_`+tc.kind+`(a):
    helper(a)
    return a

t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
t_env.create_temporary_function("crash_`+tc.kind+`", crash_`+tc.kind+`)
t_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector'='datagen', 'number-of-rows'='10')")
t_env.execute_sql("CREATE TABLE snk (a BIGINT) WITH ('connector'='blackhole')")
t_env.execute_sql("INSERT INTO snk SELECT crash_`+tc.kind+`(a) FROM src").wait()
`)
			cmd := exec.Command(bin, "run", script)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			out := stderr.String()
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "%v: %s", err, out)
			ws := ee.Sys().(syscall.WaitStatus)
			if tc.sig != 0 {
				require.True(t, ws.Signaled(), "exit status %d: %s", ee.ExitCode(), out)
				assert.Equal(t, tc.sig, ws.Signal())
			} else {
				assert.Equal(t, tc.code, ee.ExitCode())
			}
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			assert.NotContains(t, out, "goroutine ")
			assert.Less(t, strings.Count(out, "\n"), 15, "the report is short:\n%s", out)
		})
	}
}

// faulthandler, asked for by the environment or by the script (pytest's
// plugin does), leaves the fatal signals to Sluice's report: its handler
// would replace Go's, and Go's recoverable faults would kill the process.
func TestFaulthandlerLeavesFatalSignalsToSluice(t *testing.T) {
	bin := sluiceBinary(t)
	script := jobScript(t, t.TempDir(), "fh.py", `import faulthandler
faulthandler.enable()
assert faulthandler.is_enabled()
from pyflink.table import TableEnvironment, EnvironmentSettings, DataTypes
from pyflink.table.udf import udf

@udf(result_type=DataTypes.BIGINT())
def crash(a):
    import ctypes
    return ctypes.string_at(0)

t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
t_env.create_temporary_function("crash", crash)
t_env.execute_sql("SELECT crash(a) FROM (VALUES (1)) AS t(a)").print()
`)
	cmd := exec.Command(bin, "run", script)
	cmd.Env = append(os.Environ(), "PYTHONFAULTHANDLER=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "%v: %s", err, stderr.String())
	out := stderr.String()
	assert.Contains(t, out, "fh.py\", line 10 in crash")
	assert.Contains(t, out, "sluice: SIGSEGV (Segmentation fault) in python UDF crash of job ")
	assert.NotContains(t, out, "Current thread", "faulthandler's own report")
}

// multiprocessing's spawn and forkserver children are this binary: they
// import the job script (as __mp_main__, with pyflink) to find its
// functions, from the script itself and from inside a UDF.
func TestMultiprocessingChildren(t *testing.T) {
	bin := sluiceBinary(t)
	script := jobScript(t, t.TempDir(), "pools.py", `import multiprocessing as mp
import sys
from pyflink.table import TableEnvironment, EnvironmentSettings, DataTypes
from pyflink.table.udf import udf

def square(x):
    return x * x

@udf(result_type=DataTypes.BIGINT())
def pooled(a):
    with mp.get_context(sys.argv[1]).Pool(2) as p:
        return sum(p.map(square, range(a)))

if __name__ == "__main__":
    with mp.get_context(sys.argv[1]).Pool(2) as p:
        print("script:", p.map(square, [1, 2, 3]))
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.create_temporary_function("pooled", pooled)
    print("udf:", [r[0] for r in t_env.execute_sql("SELECT pooled(a) FROM (VALUES (3), (4)) AS t(a)").collect()])
`)
	for _, method := range []string{"spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			cmd := exec.Command(bin, "run", script, method)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
			t.Logf("ran in %v", time.Since(start))
			assert.Equal(t, "script: [1, 4, 9]\nudf: [5, 14]\n", stdout.String())
			assert.Empty(t, stderr.String())
		})
	}
}

// The binary standing in for python: `-c` with the flags multiprocessing
// passes, sys.argv as python sets it, pyflink importable, exit codes.
func TestInterpreterCommandLine(t *testing.T) {
	bin := sluiceBinary(t)
	out, err := exec.Command(bin, "-B", "-s", "-c", "import sys, pyflink.table; print(sys.argv)", "--multiprocessing-fork", "x").Output()
	require.NoError(t, err)
	assert.Equal(t, "['-c', '--multiprocessing-fork', 'x']\n", string(out))
	err = exec.Command(bin, "-c", "raise SystemExit(4)").Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "%v", err)
	assert.Equal(t, 4, ee.ExitCode())
	out, err = exec.Command(bin, "-m", "json.tool", "--help").Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "usage:")
}
