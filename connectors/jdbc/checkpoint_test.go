package jdbc

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
)

// openCheckpointedSink opens subtask `subtask` of a sink whose job takes
// checkpoints (or not).
func openCheckpointedSink(t *testing.T, key []int, opts map[string]string, subtask int, checkpointing bool) *sink {
	t.Helper()
	s, err := Factory{}.NewSink(&connector.Context{Table: "t", Columns: kvCols, UpsertKey: key, Options: opts})
	require.NoError(t, err)
	inst := engine.NewInstanceForTest(engine.InstanceOptions{Subtask: subtask, Parallelism: 2, Checkpointing: checkpointing})
	snk := s.Instance(subtask, 2).(*sink)
	require.NoError(t, snk.Open(context.Background(), inst.RT))
	return snk
}

// Flink's JdbcOutputFormat flushes in snapshotState: rows buffered with
// no size or time trigger are committed when SnapshotState returns, so
// the checkpoint never acknowledges rows that are only in memory.
func TestSinkSnapshotStateFlushes(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db *testDB) {
		tests := []struct {
			name string
			key  []int
			ddl  string
			rows [][]any
			want []string
		}{
			{"upsert", []int{0}, "id INT PRIMARY KEY, name VARCHAR(20), n BIGINT",
				[][]any{{I, 1, "a", 1}, {I, 2, "b", 2}, {UB, 1, "a", 1}, {UA, 1, "a2", 3}},
				[]string{"1|a2|3", "2|b|2"}},
			{"append", nil, "id INT, name VARCHAR(20), n BIGINT",
				[][]any{{I, 1, "a", 1}, {I, 1, "a", 1}},
				[]string{"1|a|1", "1|a|1"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				name := db.table("ckpt", tc.ddl)
				s := openCheckpointedSink(t, tc.key, db.options(name, OptionFlushMaxRows, "100000", OptionFlushInterval, "0"), 1, true)
				write(t, s, batch(t, kvCols, tc.rows...))
				assert.Empty(t, db.rows("SELECT id FROM "+name), "nothing triggers a flush before the checkpoint")
				require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
				assert.Equal(t, tc.want, db.rows("SELECT id, name, n FROM "+name))
				assert.Equal(t, int64(1), s.flushes.Load())
				// An empty buffer makes an empty checkpoint: no transaction.
				require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2}))
				assert.Equal(t, int64(1), s.flushes.Load())
				require.NoError(t, s.Close())
			})
		}
	})
}

// A failed flush fails the checkpoint: the rows stay buffered and the
// checkpoint is not acknowledged.
func TestSinkSnapshotStateFailsWithFlush(t *testing.T) {
	db := sqliteTestDB(t)
	name := db.table("ckpt", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	s := openCheckpointedSink(t, []int{0}, db.options(name, OptionFlushMaxRows, "0", OptionFlushInterval, "0"), 0, true)
	write(t, s, batch(t, kvCols, []any{I, 1, "a", 1}))
	db.exec("DROP TABLE " + name)
	err := s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 7})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checkpoint 7")
	assert.Contains(t, err.Error(), "no such table")
	assert.Len(t, s.rows, 1)
	assert.Error(t, s.Close())
}

// An append-only sink says once per job, when checkpoints are on, that a
// restore may write rows twice; an upsert sink, or a job without
// checkpoints, says nothing.
func TestSinkWarnsAppendOnlyIsAtLeastOnce(t *testing.T) {
	db := sqliteTestDB(t)
	appendOnly := db.table("log", "id INT, name TEXT, n BIGINT")
	keyed := db.table("kv", "id INT PRIMARY KEY, name TEXT, n BIGINT")
	tests := []struct {
		name          string
		table         string
		key           []int
		subtask       int
		checkpointing bool
		warns         bool
	}{
		{"append, checkpoints, subtask 0", appendOnly, nil, 0, true, true},
		{"append, checkpoints, subtask 1", appendOnly, nil, 1, true, false},
		{"append, no checkpoints", appendOnly, nil, 0, false, false},
		{"upsert, checkpoints", keyed, []int{0}, 0, true, false},
	}
	var buf bytes.Buffer
	old := engine.SetLogOutput(&buf)
	t.Cleanup(func() { engine.SetLogOutput(old) })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf.Reset()
			s := openCheckpointedSink(t, tc.key, db.options(tc.table), tc.subtask, tc.checkpointing)
			require.NoError(t, s.Close())
			if !tc.warns {
				assert.Empty(t, buf.String())
				return
			}
			assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} sluice: `+regexp.QuoteMeta(fmt.Sprintf("warning: jdbc: table %s has no primary key, so the sink appends: rows written after the last completed checkpoint are written again after a restore (at-least-once); declare a PRIMARY KEY for exactly-once upserts\n", tc.table))+`$`, buf.String())
		})
	}
}
