package filesystem

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/datagen"
)

// A streaming job with checkpoints, through the engine's barriers: the
// sink rolls its part files at checkpoints and publishes them when the
// checkpoints complete (or at the input's end), every row once, nothing
// hidden left behind; two sinks writing into the same directory keep
// their files apart.
func TestCheckpointedStreamingJob(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	env := newEnv(t, 2)
	execSQL(t, env, fmt.Sprintf(`
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '40ms';
SET 'state.checkpoints.dir' = '%s';
SET 'sluice.exec.batch-size' = '50';
CREATE TABLE gen (id INT, name STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '4000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '1999', 'fields.name.length' = '3');
CREATE TABLE fs (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'fstest');
INSERT INTO fs SELECT id, 'n' || CAST(id AS STRING) FROM gen`, filepath.Join(t.TempDir(), "ckpt"), out))
	var want []string
	for i := range 2000 {
		want = append(want, fmt.Sprintf("+I[%d, n%d]", i, i))
	}
	slices.Sort(want)
	assert.Equal(t, want, readFormat(t, out, "fstest"))
	assert.Empty(t, hiddenFiles(t, out))
	files := listDir(t, out)
	name := regexp.MustCompile(`^part-[0-9a-f-]{36}-[01]-\d+\.fstest$`)
	for _, f := range files {
		require.Regexp(t, name, f)
	}
	// 0.25 s per subtask at 40 ms intervals: the sinks rolled at
	// several checkpoints.
	assert.Greater(t, len(files), 4, "part files: %v", files)
}

// The same job cancelled half-way and started again with
// 'sluice.restore' = 'latest': the datagen source continues its sequence
// from the checkpoint, the sink publishes the checkpoint's pending files
// and removes what the cancelled run wrote after it; every row once.
func TestCheckpointedJobRestoresLatest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ckpt := filepath.Join(t.TempDir(), "ckpt")
	script := func(restore string) string {
		return fmt.Sprintf(`
SET 'execution.runtime-mode' = 'streaming';
SET 'execution.checkpointing.interval' = '30ms';
SET 'state.checkpoints.dir' = '%s';
SET 'sluice.exec.batch-size' = '20';
%s
CREATE TABLE gen (id INT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '1199');
CREATE TABLE fs (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'fstest');
INSERT INTO fs SELECT id, 'n' || CAST(id AS STRING) FROM gen`, ckpt, restore, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := newEnv(t, 2).ExecuteScript(ctx, script(""))
	require.Error(t, err, "cancelled half-way")
	before := readFormat(t, out, "fstest")
	require.NotEmpty(t, before, "checkpoints completed before the cancellation")
	require.Less(t, len(before), 1200)

	execSQL(t, newEnv(t, 2), script("SET 'sluice.restore' = 'latest';"))
	var want []string
	for i := range 1200 {
		want = append(want, fmt.Sprintf("+I[%d, n%d]", i, i))
	}
	slices.Sort(want)
	assert.Equal(t, want, readFormat(t, out, "fstest"))
	assert.Empty(t, hiddenFiles(t, out))
}
