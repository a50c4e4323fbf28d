package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

func TestSQLScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sql")
	require.NoError(t, os.WriteFile(script, []byte(`
-- a bounded job, run as a script
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE logs (id BIGINT, size INT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '10',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '10',
  'fields.size.min' = '1', 'fields.size.max' = '1'
);
SELECT COUNT(*) AS n, SUM(id) AS s, SUM(size) AS sizes FROM logs;
`), 0o644))
	var out bytes.Buffer
	require.NoError(t, runSQL(context.Background(), []string{"-f", script}, &out))
	assert.Equal(t, `[INFO] Execute statement succeed.
[INFO] Execute statement succeed.
+----+----+-------+
|  n |  s | sizes |
+----+----+-------+
| 10 | 55 |    10 |
+----+----+-------+
1 row in set
`, out.String())

	bad := filepath.Join(dir, "bad.sql")
	require.NoError(t, os.WriteFile(bad, []byte("CREATE TABLE t (a INT) WITH ('connector' = 'values');\nSELECT b FROM t;\n"), 0o644))
	err := runSQL(context.Background(), []string{"-f", bad}, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.sql: line 2, column 8:")
	assert.Contains(t, err.Error(), "column b not found; did you mean a?")
}

func TestStatementComplete(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"SELECT 1;", true},
		{"SELECT 1", false},
		{"SELECT 1;  \n", true},
		{"SELECT ';'", false},
		{"SELECT ';';", true},
		{"SELECT 1 -- done;\n", false},
		{"SELECT 1; -- done\n", true},
		{"SELECT `a;b` FROM t", false},
		{"SELECT /* ; */ 1", false},
		{"SELECT /* ; */ 1;", true},
		{"SELECT /* unclosed ;", false},
		{"INSERT INTO t VALUES ('it''s');", true},
	} {
		assert.Equal(t, tc.want, statementComplete(tc.text), tc.text)
	}
}

// Piped input: statements over several lines, errors reported and
// skipped, quit leaves.
func TestREPLOnPipedInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.sql")
	require.NoError(t, os.WriteFile(in, []byte(`SET 'execution.runtime-mode' = 'batch';
CREATE TABLE t (id INT, name STRING)
  WITH ('connector' = 'values', 'data' = '+I[1, a]
+I[2, b]');
SELECT nope FROM t;
SELECT name, id * 2 AS d
FROM t ORDER BY d;
quit;
SELECT 'not reached';
`), 0o644))
	f, err := os.Open(in)
	require.NoError(t, err)
	defer f.Close()
	var out bytes.Buffer
	require.NoError(t, repl(table.NewEnvironment(table.Settings{Streaming: true}), f, &out))
	assert.Equal(t, `[INFO] Execute statement succeed.
[INFO] Execute statement succeed.
[ERROR] line 1, column 8: column nope not found; did you mean name?
  SELECT nope FROM t;
         ^
+------+---+
| name | d |
+------+---+
|    a | 2 |
|    b | 4 |
+------+---+
2 rows in set
`, out.String())
}

// In streaming mode a query prints its changelog as it comes.
func TestREPLStreamsQueryRows(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.sql")
	require.NoError(t, os.WriteFile(in, []byte(`CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'values', 'data' = '+I[a, 1]
+I[a, 2]
+I[北京, 3]');
SELECT k, SUM(v) AS s FROM t GROUP BY k;
`), 0o644))
	f, err := os.Open(in)
	require.NoError(t, err)
	defer f.Close()
	var out bytes.Buffer
	require.NoError(t, repl(table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "1"}}), f, &out))
	assert.Equal(t, `[INFO] Execute statement succeed.
+----+--------------+--------------+
| op |            k |            s |
+----+--------------+--------------+
| +I |            a |            1 |
| -U |            a |            1 |
| +U |            a |            3 |
| +I |         北京 |            3 |
+----+--------------+--------------+
Received a total of 4 rows
`, out.String())
}
