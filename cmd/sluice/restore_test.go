package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
)

func TestJobOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want map[string]string
		rest int    // arguments left for the command
		err  string // of parsing or of config
	}{
		{"-s", []string{"-s", "/sp/1", "job.py"}, map[string]string{engine.ConfigSavepointPath: "/sp/1"}, 1, ""},
		{"--fromSavepoint", []string{"--fromSavepoint", "/sp/2", "job.py"}, map[string]string{engine.ConfigSavepointPath: "/sp/2"}, 1, ""},
		{"--fromSavepoint=", []string{"--fromSavepoint=/sp/3", "job.py", "-n"}, map[string]string{engine.ConfigSavepointPath: "/sp/3"}, 2, ""},
		{"-n", []string{"-s", "/sp", "-n", "job.py"}, map[string]string{engine.ConfigSavepointPath: "/sp", engine.ConfigSavepointIgnoreUnclaimed: "true"}, 1, ""},
		{"--allowNonRestoredState", []string{"--allowNonRestoredState", "-m", "pytest"}, map[string]string{engine.ConfigSavepointIgnoreUnclaimed: "true"}, 2, ""},
		{"--restore latest", []string{"--restore", "latest", "job.py"}, map[string]string{engine.ConfigRestore: "latest"}, 1, ""},
		{"--restore=latest", []string{"--restore=latest", "job.py"}, map[string]string{engine.ConfigRestore: "latest"}, 1, ""},
		{"-D", []string{"-D", "execution.shutdown.savepoint=true", "-Dstate.backend.type=pebble", "job.py"},
			map[string]string{engine.ConfigShutdownSavepoint: "true", "state.backend.type": "pebble"}, 1, ""},
		{"--restore other", []string{"--restore", "earliest", "job.py"}, nil, 0, `--restore "earliest": the only value is latest`},
		{"-s without a path", []string{"-s"}, nil, 0, "-s needs a value"},
		{"-D without =", []string{"-D", "key", "job.py"}, nil, 0, "-D key: expected key=value"},
		{"-s and --restore", []string{"-s", "/sp", "--restore", "latest", "job.py"}, nil, 0, "give one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o jobOptions
			args := tc.args
			var err error
			for err == nil && len(args) > 0 && strings.HasPrefix(args[0], "-") {
				var n int
				if n, err = o.parseJobOption(args); n == 0 {
					break
				}
				args = args[n:]
			}
			var cfg map[string]string
			if err == nil {
				cfg, err = o.config()
			}
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg)
			assert.Len(t, args, tc.rest)
		})
	}
}

func runBinary(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(sluiceBinary(t), args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errOut.String(), code
}

// The job options of `sluice run` and `sluice sql` are in the
// configuration of every environment the process creates.
func TestJobOptionsReachEveryEnvironment(t *testing.T) {
	dir := t.TempDir()
	script := jobScript(t, dir, "conf.py", `import sys
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import TableEnvironment, EnvironmentSettings, StreamTableEnvironment
for cfg in (TableEnvironment.create(EnvironmentSettings.in_streaming_mode()).get_config(),
            StreamTableEnvironment.create(StreamExecutionEnvironment.get_execution_environment()).get_config()):
    print([cfg.get(k) for k in ("execution.savepoint.path", "execution.savepoint.ignore-unclaimed-state", "sluice.restore", "x.y")], sys.argv[1:])
print(StreamExecutionEnvironment.get_execution_environment().get_checkpoint_interval())
`)
	out, errOut, code := runBinary(t, "run", "-s", "/sp/1", "-n", "-D", "x.y=z", "-Dexecution.checkpointing.interval=10s", script, "arg")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, strings.Repeat("['/sp/1', 'true', None, 'z'] ['arg']\n", 2)+"10000\n", out)
	out, errOut, code = runBinary(t, "run", "--restore", "latest", script)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, strings.Repeat("[None, None, 'latest', None] []\n", 2)+"-1\n", out)

	sqlScript := filepath.Join(dir, "conf.sql")
	require.NoError(t, os.WriteFile(sqlScript, []byte("SET;\n"), 0o644))
	out, errOut, code = runBinary(t, "sql", "--fromSavepoint", "/sp/2", "-f", sqlScript)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `\|\s+execution.savepoint.path\s+\|\s+/sp/2\s+\|`, out)

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"run", "--restore", "first", script}, `run: --restore "first": the only value is latest`},
		{[]string{"run", "--bogus", script}, "run: unknown option --bogus"},
		{[]string{"sql", "-s", "/a", "--restore", "latest", "-f", sqlScript}, "sql: -s /a and --restore latest: give one of them"},
	} {
		_, errOut, code := runBinary(t, tc.args...)
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, tc.err)
	}
}

// checkpointedScript runs a checkpointed job until SIGTERM, which stops it
// with a savepoint (execution.shutdown.savepoint); it prints the
// checkpoint it was restored from once it has completed a checkpoint.
const checkpointedScript = `import sys, time
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import StreamTableEnvironment
env = StreamExecutionEnvironment.get_execution_environment()
env.enable_checkpointing(100)
env.get_checkpoint_config().set_checkpoint_storage_dir(sys.argv[1])
t_env = StreamTableEnvironment.create(env)
t_env.get_config().set("execution.shutdown.savepoint", "true")
t_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50000', "
                  "'fields.a.kind' = 'sequence', 'fields.a.start' = '1', 'fields.a.end' = '100000000')")
t_env.execute_sql("CREATE TABLE snk (a BIGINT) WITH ('connector' = 'blackhole')")
r = t_env.execute_sql("INSERT INTO snk SELECT a FROM src")
c = r.get_job_client()
while not any(m["numberOfCompletedCheckpoints"] for m in c.get_checkpoint_metrics()):
    time.sleep(0.02)
print("running, restored from %s" % c.get_checkpoint_metrics()[0]["restoredCheckpointPath"], flush=True)
r.wait()
`

var savepointLine = regexp.MustCompile(`sluice: terminated, job insert-into_snk stopped with savepoint (\S+)\n`)

// terminate starts `sluice args...`, sends SIGTERM once stdout shows
// "running", and returns its output and exit code.
func terminate(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(sluiceBinary(t), args...)
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	done := waitAsync(cmd)
	waitFor(t, "running", out.String)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	code = exitOf(t, cmd, done, hangLimit)
	return out.String(), errOut.String(), code
}

// SIGTERM with execution.shutdown.savepoint stops the job with a savepoint
// and exits 0; -s restores from it, --restore latest from the newest
// checkpoint.
func TestSIGTERMStopsWithASavepointAndRunRestores(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	script := jobScript(t, dir, "ck.py", checkpointedScript)

	out, errOut, code := terminate(t, "run", script, ck)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "running, restored from None")
	m := savepointLine.FindStringSubmatch(errOut)
	require.NotNil(t, m, errOut)
	savepoint := m[1]
	assert.Equal(t, filepath.Join(ck, "savepoints"), filepath.Dir(savepoint))
	assert.FileExists(t, filepath.Join(savepoint, "_metadata"))

	out, errOut, code = terminate(t, "run", "-s", savepoint, script, ck)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "running, restored from "+savepoint+"\n")
	require.NotNil(t, savepointLine.FindStringSubmatch(errOut), errOut)

	out, errOut, code = terminate(t, "run", "--restore", "latest", script, ck)
	assert.Equal(t, 0, code, errOut)
	assert.Regexp(t, "running, restored from "+regexp.QuoteMeta(ck)+"/", out)
}

// Without execution.shutdown.savepoint SIGTERM cancels as before; with it
// but without checkpointing the savepoint fails, which is reported, and
// the job is cancelled (exit 143).
func TestSIGTERMSavepointNeedsCheckpointing(t *testing.T) {
	script := jobScript(t, t.TempDir(), "nock.py", strings.Replace(stoppableScripts[0].src, "job = t_env", `t_env.get_config().set("execution.shutdown.savepoint", "true")
job = t_env`, 1))
	_, errOut, code := terminate(t, "run", script)
	assert.Equal(t, 143, code)
	assert.Contains(t, errOut, "sluice: job insert-into_snk: stop with savepoint failed: job insert-into_snk: savepoints need checkpointing")
	assert.Contains(t, errOut, "sluice: terminated")
}

// The SQL client takes the same savepoint on SIGTERM.
func TestSQLClientSIGTERMStopsWithASavepoint(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ck")
	script := filepath.Join(dir, "ck.sql")
	require.NoError(t, os.WriteFile(script, []byte(`SET 'execution.checkpointing.interval' = '100ms';
SET 'state.checkpoints.dir' = '`+ck+`';
SET 'execution.shutdown.savepoint' = 'true';
CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50000');
CREATE TABLE snk (a BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO snk SELECT a FROM src;
`), 0o644))
	cmd := exec.Command(sluiceBinary(t), "sql", "-f", script)
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	done := waitAsync(cmd)
	// The first checkpoint's directory says the job runs and checkpoints.
	deadline := time.Now().Add(hangLimit)
	for {
		if m, _ := filepath.Glob(filepath.Join(ck, "*", "chk-*", "_metadata")); len(m) > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no checkpoint; stderr: %s", errOut.String())
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	code := exitOf(t, cmd, done, hangLimit)
	assert.Equal(t, 0, code, errOut.String())
	m := savepointLine.FindStringSubmatch(errOut.String())
	require.NotNil(t, m, errOut.String())
	assert.FileExists(t, filepath.Join(m[1], "_metadata"))
}
