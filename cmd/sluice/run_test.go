package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The binary as users run it: sys.argv, exit codes, the traceback of a
// failing job on stderr.
func TestRunExitCodesAndTracebacks(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	ok := write("ok.py", "import sys\nfrom pyflink.table import TableEnvironment, EnvironmentSettings\nprint(sys.argv[1:], TableEnvironment.create(EnvironmentSettings.in_batch_mode()).execute_sql('SELECT 1 + 1').collect().__next__()[0])\n")
	failing := write("failing.py", "def helper():\n    raise ValueError('bad input in helper')\n\nhelper()\n")
	exits := write("exits.py", "import sys\nsys.exit(3)\n")
	badSQL := write("bad_sql.py", "from pyflink.table import TableEnvironment, EnvironmentSettings\nTableEnvironment.create(EnvironmentSettings.in_batch_mode()).execute_sql('SELEC 1')\n")

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderrIn []string
	}{
		{"ok with argv", []string{"run", ok, "a", "b"}, 0, "['a', 'b'] 2\n", nil},
		{"python exception", []string{"run", failing}, 1, "", []string{"Traceback (most recent call last):", "failing.py\", line 2, in helper", "ValueError: bad input in helper"}},
		{"sys.exit", []string{"run", exits}, 3, "", nil},
		{"SQL error", []string{"run", badSQL}, 1, "", []string{"ValueError: line 1, column 1", "SELEC 1"}},
		{"missing script", []string{"run", filepath.Join(dir, "nope.py")}, 1, "", []string{"nope.py"}},
		{"no script", []string{"run"}, 1, "", []string{"usage: sluice run [job options] job.py"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.code, code, "stderr: %s", stderr.String())
			if tc.stdout != "" {
				assert.Equal(t, tc.stdout, stdout.String())
			}
			for _, s := range tc.stderrIn {
				assert.Contains(t, stderr.String(), s)
			}
		})
	}
}
