package nexmark

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

var errCrash = errors.New("crash")

// attempt runs one subtask as a checkpointed job would: after batch
// snapAt it takes a checkpoint into dir (SnapshotState inside Collect,
// then the runtime's snapshot), after batch crashAt it fails. It returns
// the rows up to the checkpoint — the rest is rolled back — or, with
// snapAt 0, every row.
func attempt(t *testing.T, src *connector.Source, sub, par int, restore []string, snapAt, crashAt int, dir string) []row {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	inst := engine.NewInstanceForTest(engine.InstanceOptions{Subtask: sub, Parallelism: par, Checkpointing: true, Mem: mem,
		Config: engine.Config{engine.ConfigBatchSize: "13"}, RestoreFrom: restore, RestoreID: 1})
	s := src.Instance(sub, par)
	ctx := context.Background()
	require.NoError(t, s.Open(ctx, inst.RT))
	var rows []row
	cut, batches := -1, 0
	err := s.Run(ctx, engine.CollectorFunc(func(ctx context.Context, b *vectorized.Batch) error {
		rows = append(rows, rowsOf(b.Record)...)
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

func sorted(rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r)
	}
	slices.Sort(out)
	return out
}

// A restored source continues each generator after its last checkpointed
// event — same base time, same seed, same timeline — so the events up to
// the checkpoint plus the restored run's events are an uninterrupted
// run's, at the same parallelism and after a rescale (a generator goes
// whole to one subtask).
func TestSourceRestoresPosition(t *testing.T) {
	tests := []struct {
		name          string
		before, after int
		snapAt        []int // per old subtask
	}{
		{"same parallelism", 2, 2, []int{3, 5}},
		{"2 to 1", 2, 1, []int{4, 1}},
		{"1 to 3", 1, 3, []int{6}},
		{"3 to 2", 3, 2, []int{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]string{OptionEventsNum: "600", OptionFirstEventRate: "1000"}
			src := mustSource(t, opts)
			var want []row
			for sub := range tc.before {
				want = append(want, attempt(t, src, sub, tc.before, nil, 0, 0, "")...)
			}
			var got []row
			dirs := make([]string, tc.before)
			for sub := range tc.before {
				dirs[sub] = filepath.Join(t.TempDir(), fmt.Sprint(sub))
				got = append(got, attempt(t, src, sub, tc.before, nil, tc.snapAt[sub], tc.snapAt[sub]+2, dirs[sub])...)
			}
			// The restored job is a new process: another seed and base time
			// would be drawn without the options, and must not matter.
			o := map[string]string{OptionEventsNum: "600", OptionFirstEventRate: "1000", OptionSeed: "99", OptionBaseTime: "0"}
			restored := mustSource(t, o)
			for sub := range tc.after {
				got = append(got, attempt(t, restored, sub, tc.after, dirs, 0, 0, "")...)
			}
			require.Len(t, got, 600)
			assert.Equal(t, sorted(want), sorted(got))
		})
	}
}

// Without checkpoints the source keeps no state.
func TestSourceWithoutCheckpointsHasNoState(t *testing.T) {
	s := mustSource(t, map[string]string{OptionEventsNum: "3"}).Instance(0, 1).(*source)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator}))
	assert.Nil(t, s.list)
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	require.NoError(t, s.Close())
}

// A corrupt or foreign checkpointed position is an error, not a silent
// restart.
func TestDecodeSplitRejectsCorruptState(t *testing.T) {
	s := mustSource(t, map[string]string{OptionEventsNum: "100"}).Instance(0, 1).(*source)
	good := (&split{index: 1, n: 2, baseTime: baseTime, seed: 7, wallclockBase: -1, gen: &generator{count: 10}}).encode()
	sp, err := s.decodeSplit(good)
	require.NoError(t, err)
	assert.Equal(t, int64(10), sp.gen.count)
	assert.Equal(t, int64(2+50), sp.gen.cfg.firstEventID+sp.gen.cfg.firstEventNumber, "split 1 of 2 starts half way")
	for name, e := range map[string][]byte{
		"empty":     nil,
		"version":   append([]byte{9}, good[1:]...),
		"truncated": good[:len(good)-1],
	} {
		_, err := s.decodeSplit(e)
		assert.ErrorContains(t, err, "corrupt", name)
	}
	tooFar := (&split{index: 0, n: 2, gen: &generator{count: 51}}).encode()
	_, err = s.decodeSplit(tooFar)
	assert.ErrorContains(t, err, "more than its 50")
}

// A subtask restored with several generators interleaves them by event
// time: its dateTime never falls further behind the latest it emitted than
// a batch's span, where running them one after the other would go back to
// the base time for each (and its events would be late for windows).
func TestRestoredSplitsInterleaveByEventTime(t *testing.T) {
	opts := map[string]string{OptionEventsNum: "600", OptionFirstEventRate: "1000"}
	src := mustSource(t, opts)
	dirs := make([]string, 3)
	for sub := range 3 {
		dirs[sub] = filepath.Join(t.TempDir(), fmt.Sprint(sub))
		attempt(t, src, sub, 3, nil, sub+1, sub+2, dirs[sub])
	}
	rows := attempt(t, src, 0, 1, dirs, 0, 0, "")
	require.Len(t, rows, 600-13*(1+2+3))
	// A batch is 13 events, 3 ms apart (3 generators at 1000/s).
	const batchSpan = 13 * 3
	var latest int64
	for _, r := range rows {
		require.Greater(t, r.dateTime, latest-batchSpan, "dateTime goes back at most one batch")
		latest = max(latest, r.dateTime)
	}
}
