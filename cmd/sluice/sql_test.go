package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
