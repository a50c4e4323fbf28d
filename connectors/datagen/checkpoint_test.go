package datagen

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

var errCrash = errors.New("crash")

// attempt runs one subtask as a checkpointed job would: after batch
// snapAt it takes a checkpoint into dir (SnapshotState inside Collect,
// then the runtime's snapshot), after batch crashAt it fails. It returns
// the rows up to the checkpoint, which are the rows that count: the rest
// is rolled back and replayed after a restore. snapAt 0 takes no
// checkpoint and returns every row; crashAt 0 runs to the end.
func attempt(t *testing.T, src *connector.Source, sub, par int, restore []string, snapAt, crashAt int, dir string) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	inst := engine.NewInstanceForTest(engine.InstanceOptions{Subtask: sub, Parallelism: par, Checkpointing: true, Mem: mem,
		Config: engine.Config{engine.ConfigBatchSize: "7"}, RestoreFrom: restore, RestoreID: 1})
	s := src.Instance(sub, par)
	ctx := context.Background()
	require.NoError(t, s.Open(ctx, inst.RT))
	var rows []string
	cut, batches := -1, 0
	err := s.Run(ctx, engine.CollectorFunc(func(ctx context.Context, b *vectorized.Batch) error {
		f := print.NewRowFormatter(b)
		for i := range int(b.NumRows()) {
			rows = append(rows, string(f.AppendRow(nil, i)))
		}
		batches++
		if batches == snapAt {
			require.NoError(t, s.(engine.Checkpointed).SnapshotState(ctx, engine.CheckpointInfo{ID: 1}))
			require.NoError(t, inst.Snapshot(dir))
			cut = len(rows)
		}
		if batches == crashAt {
			return errCrash
		}
		return nil
	}))
	require.NoError(t, s.Close())
	if crashAt > 0 {
		require.ErrorIs(t, err, errCrash)
	} else {
		require.NoError(t, err)
	}
	if snapAt == 0 {
		return rows
	}
	require.GreaterOrEqual(t, cut, 0, "the attempt ended before its checkpoint")
	return rows[:cut]
}

// A restored datagen source continues where its checkpoint left it: its
// sequences go on (not from the start) and its random streams go on with
// the values an uninterrupted run draws next, at the same parallelism and
// after a rescale, so that the rows up to the checkpoint plus the rows of
// the restored run are exactly the rows of a run without failure.
func TestSourceRestoresPosition(t *testing.T) {
	cols := []connector.Column{
		col("id", types.BIGINT()),
		col("code", types.VARCHAR(6)),
		col("n", types.INT()),
		col("tags", types.ARRAY(types.INT())),
	}
	opts := map[string]string{"rows-per-second": "100000000", "seed": "11",
		"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "200",
		"fields.code.var-len": "true", "fields.n.min": "1", "fields.n.max": "1000", "fields.n.null-rate": "0.2",
		"fields.tags.length": "2", "fields.tags.element.min": "0", "fields.tags.element.max": "9"}
	tests := []struct {
		name          string
		opts          map[string]string
		before, after int
		snapAt        []int // per old subtask
	}{
		{"same parallelism", nil, 2, 2, []int{3, 5}},
		{"2 to 1", nil, 2, 1, []int{4, 1}},
		{"1 to 3", nil, 1, 3, []int{6}},
		{"3 to 2, number-of-rows", map[string]string{"number-of-rows": "100"}, 3, 2, []int{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := maps(opts, tc.opts)
			src := mustSource(t, cols, o, nil)
			var want []string
			for sub := range tc.before {
				want = append(want, attempt(t, src, sub, tc.before, nil, 0, 0, "")...)
			}
			// A new source, as a new process makes it: another random seed
			// would be drawn without the option, and the restored streams
			// must not depend on it.
			var got []string
			dirs := make([]string, tc.before)
			for sub := range tc.before {
				dirs[sub] = filepath.Join(t.TempDir(), fmt.Sprint(sub))
				got = append(got, attempt(t, src, sub, tc.before, nil, tc.snapAt[sub], tc.snapAt[sub]+2, dirs[sub])...)
			}
			restoredSrc := mustSource(t, cols, o, nil)
			for sub := range tc.after {
				got = append(got, attempt(t, restoredSrc, sub, tc.after, dirs, 0, 0, "")...)
			}
			slices.Sort(want)
			slices.Sort(got)
			require.Equal(t, want, got)
		})
	}
}

// An unbounded source restored at a higher parallelism: the added
// subtasks, owed no rows, generate streams of their own; the others
// continue theirs.
func TestUnboundedSourceRescalesUp(t *testing.T) {
	cols := []connector.Column{col("n", types.BIGINT())}
	src := mustSource(t, cols, map[string]string{"rows-per-second": "100000000", "seed": "3"}, nil)
	dir := filepath.Join(t.TempDir(), "0")
	attempt(t, src, 0, 1, nil, 2, 3, dir)
	uninterrupted := attempt(t, src, 0, 1, nil, 4, 4, filepath.Join(t.TempDir(), "x"))
	for sub := range 2 {
		inst := engine.NewInstanceForTest(engine.InstanceOptions{Subtask: sub, Parallelism: 2, Checkpointing: true,
			Config: engine.Config{engine.ConfigBatchSize: "7"}, RestoreFrom: []string{dir}, RestoreID: 1})
		s := src.Instance(sub, 2)
		require.NoError(t, s.Open(context.Background(), inst.RT))
		var rows []string
		err := s.Run(context.Background(), engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
			f := print.NewRowFormatter(b)
			for i := range int(b.NumRows()) {
				rows = append(rows, string(f.AppendRow(nil, i)))
			}
			if len(rows) >= 14 {
				return errCrash
			}
			return nil
		}))
		require.ErrorIs(t, err, errCrash)
		require.NoError(t, s.Close())
		if sub == 0 {
			assert.Equal(t, uninterrupted[14:28], rows, "subtask 0 continues the checkpointed stream")
		} else {
			assert.Len(t, rows, 14, "the added subtask generates rows")
		}
	}
}

// Without checkpoints the source keeps no state.
func TestSourceWithoutCheckpointsHasNoState(t *testing.T) {
	src := mustSource(t, []connector.Column{col("n", types.BIGINT())}, map[string]string{"number-of-rows": "3"}, nil)
	s := src.Instance(0, 1).(*source)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator}))
	assert.Nil(t, s.list)
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	require.NoError(t, s.Close())
}

func maps(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// yieldingCollector records batches and the rows the source's state
// counted at each Yield.
type yieldingCollector struct {
	s      *source
	rows   int
	yields []int64
}

func (c *yieldingCollector) Collect(_ context.Context, b *vectorized.Batch) error {
	c.rows += int(b.NumRows())
	return nil
}

func (c *yieldingCollector) Yield(context.Context) error {
	c.yields = append(c.yields, c.s.shares[0].emitted)
	return nil
}

// A source waiting for its rate yields, so that checkpoint barriers do
// not wait for the next batch (a second apart at a low rate); what it
// emitted is counted by then.
func TestSourceYieldsWhileWaitingForItsRate(t *testing.T) {
	src := mustSource(t, []connector.Column{col("n", types.BIGINT())}, map[string]string{"rows-per-second": "10", "number-of-rows": "11"}, nil)
	s := src.Instance(0, 1).(*source)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator}))
	c := &yieldingCollector{s: s}
	start := time.Now()
	require.NoError(t, s.Run(context.Background(), c))
	require.NoError(t, s.Close())
	assert.Equal(t, 11, c.rows)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the second batch waits for the rate")
	assert.GreaterOrEqual(t, len(c.yields), 9, "a yield at least every 100 ms of the 1 s wait")
	for _, n := range c.yields {
		assert.Equal(t, int64(10), n, "the first batch is counted while the source waits")
	}
}
