package filesystem

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// ckptSink opens subtask sub of par of snk in a job that takes
// checkpoints, restored from the old subtasks' snapshot directories when
// restore is given.
func ckptSink(t *testing.T, snk *connector.Sink, sub, par int, restore []string, mem memory.Allocator) (*sink, *engine.Instance) {
	t.Helper()
	inst := engine.NewInstanceForTest(engine.InstanceOptions{Subtask: sub, Parallelism: par, Checkpointing: true, Mem: mem,
		RestoreFrom: restore, RestoreID: 1})
	s := snk.Instance(sub, par).(*sink)
	require.NoError(t, s.Open(context.Background(), inst.RT))
	return s, inst
}

func newFileSink(t *testing.T, dir, format string) *connector.Sink {
	t.Helper()
	snk, err := Factory{}.NewSink(tableContext(idName, map[string]string{"path": dir, "format": format}))
	require.NoError(t, err)
	return snk
}

// hiddenFiles are the names under dir starting with '.', sorted.
func hiddenFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range listDir(t, dir) {
		if f[0] == '.' {
			out = append(out, f)
		}
	}
	return out
}

func idNames(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("+I[%d, n%d]", i, i))
	}
	slices.Sort(out)
	return out
}

// Flink's part file life cycle: in progress while written, pending once
// a checkpoint closed it, finished (visible) when that checkpoint
// completes.
func TestSinkPublishesOnCheckpointComplete(t *testing.T) {
	for _, format := range []string{"fstest", "parquet"} {
		t.Run(format, func(t *testing.T) {
			mem := checkedMem(t)
			dir := t.TempDir()
			s, _ := ckptSink(t, newFileSink(t, dir, format), 0, 1, nil, mem)
			write(t, s, idNameBatch(mem, 0, 3))
			files := listDir(t, dir)
			require.Len(t, files, 1)
			assert.Regexp(t, `^\.part-`+uuidRE+`-0-0\.`+format+`\.inprogress\.`+uuidRE+`$`, files[0])

			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
			assert.Equal(t, files, listDir(t, dir), "pending: closed, still hidden")
			write(t, s, idNameBatch(mem, 3, 5))
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2}))
			write(t, s, idNameBatch(mem, 5, 6))
			assert.Empty(t, readFormat(t, dir, format))

			require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 1))
			assert.Equal(t, idNames(0, 3), readFormat(t, dir, format))
			visible := slices.DeleteFunc(listDir(t, dir), func(f string) bool { return f[0] == '.' })
			require.Len(t, visible, 1)
			assert.Regexp(t, `^part-`+uuidRE+`-0-0\.`+format+`$`, visible[0])
			assert.Len(t, hiddenFiles(t, dir), 2, "checkpoint 2's file and the one in progress")

			require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 2))
			assert.Equal(t, idNames(0, 5), readFormat(t, dir, format))
			require.NoError(t, s.Finish(context.Background()))
			assert.Equal(t, idNames(0, 5), readFormat(t, dir, format), "the end of input publishes nothing: the final checkpoint does")
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 3}))
			require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 3))
			require.NoError(t, s.Close())
			assert.Equal(t, idNames(0, 6), readFormat(t, dir, format))
			assert.Empty(t, hiddenFiles(t, dir))
			// A checkpoint after the final one finds nothing pending.
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 4}))
			require.Len(t, s.list.Get(), 1)
			r, err := decodeSinkElem(s.list.Get()[0])
			require.NoError(t, err)
			assert.Equal(t, elemSubtask, r.kind)
		})
	}
}

func readFormat(t *testing.T, dir, format string) []string {
	t.Helper()
	src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": dir, "format": format}))
	require.NoError(t, err)
	rows, _, _, err := runSource(t, src, 1, checkedMem(t))
	require.NoError(t, err)
	out := slices.Clone(rows[0])
	slices.Sort(out)
	return out
}

// A failure after a checkpoint: the restore publishes the files the
// checkpoint recorded as pending, once, whether or not the completion
// was notified before the failure, and removes what the failed attempt
// wrote after the checkpoint — pending files of a checkpoint that never
// completed and files in progress — but no other sink's files.
func TestSinkRestoreCommitsOnceAndRemovesStale(t *testing.T) {
	for _, notified := range []bool{false, true} {
		t.Run(fmt.Sprint("notified ", notified), func(t *testing.T) {
			mem := checkedMem(t)
			dir := t.TempDir()
			other := ".part-00000000-0000-4000-8000-000000000000-0-0.fstest.inprogress.00000000-0000-4000-8000-000000000001"
			writeFile(t, filepath.Join(dir, other), "another sink's file\n")
			ck := filepath.Join(t.TempDir(), "ckpt")

			s, inst := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 1, nil, mem)
			write(t, s, idNameBatch(mem, 0, 3))
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
			require.NoError(t, inst.Snapshot(ck))
			if notified {
				require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 1))
			}
			write(t, s, idNameBatch(mem, 3, 6))
			require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2})) // never completes
			write(t, s, idNameBatch(mem, 6, 8))
			require.Len(t, hiddenFiles(t, dir), map[bool]int{false: 4, true: 3}[notified])
			// Killed: no Close. The files stay as they are; the next
			// process makes a new sink.
			require.NoError(t, s.cur.f.Close())

			s2, _ := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 1, []string{ck}, mem)
			assert.Equal(t, []string{other}, hiddenFiles(t, dir))
			require.NoError(t, os.Remove(filepath.Join(dir, other)))
			assert.Equal(t, idNames(0, 3), readFormat(t, dir, "fstest"))
			writeFile(t, filepath.Join(dir, other), "another sink's file\n")

			write(t, s2, idNameBatch(mem, 3, 8))
			finishFinal(t, s2, 100)
			require.NoError(t, s2.Close())
			assert.Equal(t, []string{other}, hiddenFiles(t, dir))
			require.NoError(t, os.Remove(filepath.Join(dir, other)))
			assert.Equal(t, idNames(0, 8), readFormat(t, dir, "fstest"))
			// The restored sink continues the checkpoint's names.
			visible := listDir(t, dir)
			require.Len(t, visible, 2)
			name := regexp.MustCompile(`^part-(` + uuidRE + `)-0-\d+\.fstest$`)
			require.Regexp(t, name, visible[0])
			require.Regexp(t, name, visible[1])
			assert.Equal(t, name.FindStringSubmatch(visible[0])[1], name.FindStringSubmatch(visible[1])[1])
		})
	}
}

// A restore at another parallelism: each old subtask k's files go to the
// new subtask k mod n, which publishes its pending ones and removes the
// rest, and never the files another new subtask is already writing.
func TestSinkRestoreAtOtherParallelism(t *testing.T) {
	tests := []struct{ before, after int }{{2, 1}, {1, 2}, {3, 2}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d to %d", tc.before, tc.after), func(t *testing.T) {
			mem := checkedMem(t)
			dir := t.TempDir()
			snk := newFileSink(t, dir, "fstest")
			dirs := make([]string, tc.before)
			var want []string
			for sub := range tc.before {
				dirs[sub] = filepath.Join(t.TempDir(), "ckpt")
				s, inst := ckptSink(t, snk, sub, tc.before, nil, mem)
				write(t, s, idNameBatch(mem, sub*100, sub*100+3))
				want = append(want, idNames(sub*100, sub*100+3)...)
				require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
				require.NoError(t, inst.Snapshot(dirs[sub]))
				write(t, s, idNameBatch(mem, sub*100+3, sub*100+5)) // lost
				require.NoError(t, s.cur.f.Close())
			}
			restored := newFileSink(t, dir, "fstest")
			// The last subtask opens first and starts writing: the others'
			// clean-up must leave its file alone.
			var sinks []*sink
			for sub := tc.after - 1; sub >= 0; sub-- {
				s, _ := ckptSink(t, restored, sub, tc.after, dirs, mem)
				write(t, s, idNameBatch(mem, 1000+sub, 1001+sub))
				want = append(want, idNames(1000+sub, 1001+sub)...)
				sinks = append(sinks, s)
			}
			for _, s := range sinks {
				finishFinal(t, s, 100)
				require.NoError(t, s.Close())
			}
			slices.Sort(want)
			assert.Equal(t, want, readFormat(t, dir, "fstest"))
			assert.Empty(t, hiddenFiles(t, dir))
		})
	}
}

// A failed attempt closed normally (Close without Finish) keeps the files
// a checkpoint recorded — the checkpoint may have completed — and removes
// the rest; without checkpoints it removes everything, as before.
func TestSinkCloseKeepsCheckpointedFiles(t *testing.T) {
	mem := checkedMem(t)
	dir := t.TempDir()
	s, _ := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 1, nil, mem)
	write(t, s, idNameBatch(mem, 0, 3))
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	pending := hiddenFiles(t, dir)
	write(t, s, idNameBatch(mem, 3, 5))
	require.NoError(t, s.Close())
	assert.Equal(t, pending, hiddenFiles(t, dir))
}

func TestSinkStateRecordsAreChecked(t *testing.T) {
	tests := []struct {
		name string
		rec  pendingRecord
		ok   bool
	}{
		{"subtask", pendingRecord{kind: elemSubtask, subtask: 3, uuid: "u", next: 9}, true},
		{"pending", pendingRecord{kind: elemPending, subtask: 1, checkpoint: 4, tmp: ".part-x.inprogress.y", final: "part-x"}, true},
		{"a path outside the directory", pendingRecord{kind: elemPending, tmp: "../x", final: "part-x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeSinkElem(encodeSinkElem(tc.rec))
			if !tc.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.rec, got)
		})
	}
	_, err := decodeSinkElem([]byte{sinkStateVersion, elemPending, 1})
	assert.ErrorContains(t, err, "corrupt")
}

// A run killed before its first checkpoint completed starts again
// afresh, with a new UUID: the files it left, older than the process,
// are removed; another sink's recent files in the directory stay.
func TestSinkRemovesLeftoversOfEarlierRuns(t *testing.T) {
	mem := checkedMem(t)
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	leftover := func(sub int, mtime time.Time) string {
		name := fmt.Sprintf(".part-11111111-2222-4333-8444-555555555555-%d-0.fstest.inprogress.00000000-0000-4000-8000-00000000000%d", sub, sub)
		writeFile(t, filepath.Join(dir, name), "1,x\n")
		require.NoError(t, os.Chtimes(filepath.Join(dir, name), mtime, mtime))
		return name
	}
	leftover(0, old)
	ofSubtask1 := leftover(1, old)
	recent := ".part-99999999-2222-4333-8444-555555555555-0-0.fstest.inprogress"
	writeFile(t, filepath.Join(dir, recent), "1,x\n")
	visible := "part-11111111-2222-4333-8444-555555555555-0-7.fstest"
	writeFile(t, filepath.Join(dir, visible), "1,x\n")

	s, _ := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 2, nil, mem)
	assert.Equal(t, []string{ofSubtask1, recent}, hiddenFiles(t, dir))
	assert.FileExists(t, filepath.Join(dir, visible))
	require.NoError(t, s.Close())

	// Without checkpoints nothing is removed, as before.
	leftover(0, old)
	plain := openSink(t, dir, "fstest", nil, mem)
	require.NoError(t, plain.Close())
	assert.Len(t, hiddenFiles(t, dir), 3)
}

// A filesystem source into a filesystem sink, killed at several moments
// and restored from the last completed checkpoint each time, at changing
// parallelism, with the completion sometimes notified before the kill and
// sometimes not: at the end every input line is in a finished part file
// exactly once, and no hidden file remains.
func TestKillRestoreEveryLineOnce(t *testing.T) {
	mem := checkedMem(t)
	in, out, root := t.TempDir(), t.TempDir(), t.TempDir()
	var want []string
	id := 0
	for f, n := range []int{40, 3, 25, 0, 31, 17} {
		var sb strings.Builder
		for range n {
			fmt.Fprintf(&sb, "%d,n%d\n", id, id)
			want = append(want, fmt.Sprintf("+I[%d, n%d]", id, id))
			id++
		}
		writeFile(t, filepath.Join(in, fmt.Sprintf("d%d", f%2), fmt.Sprintf("f%d.txt", f)), sb.String())
	}
	slices.Sort(want)
	type checkpoint struct {
		id        int64
		src, sink []string // per subtask
	}
	var done *checkpoint
	doneID := func() int64 {
		if done == nil {
			return 0
		}
		return done.id
	}
	var maxID int64
	defer func(t time.Time) { staleBefore = t }(staleBefore)
	attempts := []struct {
		par    int
		kills  []int // batches before each subtask is killed
		notify bool  // completions reach the sinks before the kill (parallelism 1)
	}{
		{2, []int{1, 3}, false}, // subtask 0 never checkpoints: no checkpoint completes
		{2, []int{5, 4}, false},
		{1, []int{3}, true},
		{3, []int{2, 6, 4}, false},
		{1, []int{4}, false},
		{2, nil, false}, // runs to the end
	}
	for a, at := range attempts {
		last := at.kills == nil
		staleBefore = time.Now() // a new process
		srcF, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": in, "format": "fstest"}))
		require.NoError(t, err)
		sinkF := newFileSink(t, out, "fstest")
		reached := make([]int64, at.par)
		var restore checkpoint
		if done != nil {
			restore = *done
		}
		next := &checkpoint{src: make([]string, at.par), sink: make([]string, at.par)}
		for sub := range at.par {
			opts := func(restore []string) engine.InstanceOptions {
				return engine.InstanceOptions{Subtask: sub, Parallelism: at.par, Checkpointing: true, Mem: mem,
					Config: engine.Config{engine.ConfigBatchSize: "3"}, RestoreFrom: restore, RestoreID: doneID()}
			}
			srcInst, sinkInst := engine.NewInstanceForTest(opts(restore.src)), engine.NewInstanceForTest(opts(restore.sink))
			src := srcF.Instance(sub, at.par)
			snk := sinkF.Instance(sub, at.par).(*sink)
			ctx := context.Background()
			require.NoError(t, src.Open(ctx, srcInst.RT))
			require.NoError(t, snk.Open(ctx, sinkInst.RT))
			id, batches := maxID, 0
			err := src.Run(ctx, engine.CollectorFunc(func(ctx context.Context, b *vectorized.Batch) error {
				require.NoError(t, snk.Write(ctx, b))
				batches++
				if batches%2 == 0 {
					id++
					dir := filepath.Join(root, fmt.Sprint(id), fmt.Sprint(sub))
					require.NoError(t, src.(engine.Checkpointed).SnapshotState(ctx, engine.CheckpointInfo{ID: id}))
					require.NoError(t, snk.SnapshotState(ctx, engine.CheckpointInfo{ID: id}))
					require.NoError(t, srcInst.Snapshot(filepath.Join(dir, "src")))
					require.NoError(t, sinkInst.Snapshot(filepath.Join(dir, "sink")))
					reached[sub] = id
					if at.notify {
						require.NoError(t, snk.NotifyCheckpointComplete(ctx, id))
					}
				}
				if !last && batches == at.kills[sub] {
					return errKilled
				}
				return nil
			}))
			require.NoError(t, src.Close())
			if last {
				require.NoError(t, err)
				finishFinal(t, snk, maxID+1000)
				require.NoError(t, snk.Close())
				continue
			}
			require.ErrorIs(t, err, errKilled, "attempt %d", a)
			// Killed: the sink is not closed, its files stay as they are.
			if snk.cur != nil {
				require.NoError(t, snk.cur.f.Close())
			}
		}
		if last {
			break
		}
		completed := slices.Min(reached)
		maxID = max(maxID, slices.Max(reached))
		if completed > doneID() {
			next.id = completed
			for sub := range at.par {
				next.src[sub] = filepath.Join(root, fmt.Sprint(completed), fmt.Sprint(sub), "src")
				next.sink[sub] = filepath.Join(root, fmt.Sprint(completed), fmt.Sprint(sub), "sink")
			}
			done = next
		}
	}
	assert.Equal(t, want, readFormat(t, out, "fstest"))
	assert.Empty(t, hiddenFiles(t, out))
}

// Files published after the checkpoint a job restores from — at the end
// of a subtask's input while others still ran — hold rows the restored
// job writes again: the restore removes them, and keeps the files the
// checkpoint accounts for and other sinks' files.
func TestSinkRestoreRemovesFilesPublishedAfterCheckpoint(t *testing.T) {
	mem := checkedMem(t)
	dir := t.TempDir()
	foreign := "part-00000000-0000-4000-8000-000000000000-0-5.fstest"
	writeFile(t, filepath.Join(dir, foreign), "99,x\n")
	ck := filepath.Join(t.TempDir(), "ckpt")
	s, inst := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 1, nil, mem)
	write(t, s, idNameBatch(mem, 0, 3))
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	require.NoError(t, inst.Snapshot(ck))
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 1))
	write(t, s, idNameBatch(mem, 3, 6))
	finishFinal(t, s, 100)
	require.NoError(t, s.Close())
	require.Len(t, listDir(t, dir), 3)

	s2, _ := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 1, []string{ck}, mem)
	assert.Equal(t, append(idNames(0, 3), "+I[99, x]"), readFormat(t, dir, "fstest"))
	write(t, s2, idNameBatch(mem, 3, 6))
	finishFinal(t, s2, 100)
	require.NoError(t, s2.Close())
	assert.Equal(t, append(idNames(0, 6), "+I[99, x]"), readFormat(t, dir, "fstest"))
}

// A subtask number that a rescale drops keeps its counter in the state,
// carried by another subtask, so that a later restore at the old
// parallelism still knows which of its files the checkpoint accounts for.
func TestSinkCountersSurviveRescaleDownAndUp(t *testing.T) {
	mem := checkedMem(t)
	dir := t.TempDir()
	root := t.TempDir()
	snk := newFileSink(t, dir, "fstest")
	ck1 := []string{filepath.Join(root, "1", "0"), filepath.Join(root, "1", "1")}
	for sub := range 2 {
		s, inst := ckptSink(t, snk, sub, 2, nil, mem)
		write(t, s, idNameBatch(mem, sub*10, sub*10+2))
		require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
		require.NoError(t, inst.Snapshot(ck1[sub]))
		require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 1))
	}
	// Parallelism 1 takes over both, checkpoints, fails.
	s, inst := ckptSink(t, newFileSink(t, dir, "fstest"), 0, 1, ck1, mem)
	write(t, s, idNameBatch(mem, 20, 21))
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 2}))
	ck2 := filepath.Join(root, "2", "0")
	require.NoError(t, inst.Snapshot(ck2))
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), 2))
	// Back to parallelism 2: subtask 1's file of checkpoint 1 stays.
	var sinks []*sink
	for sub := range 2 {
		s, _ := ckptSink(t, newFileSink(t, dir, "fstest"), sub, 2, []string{ck2}, mem)
		sinks = append(sinks, s)
	}
	want := append(append(idNames(0, 2), idNames(10, 12)...), idNames(20, 21)...)
	slices.Sort(want)
	assert.Equal(t, want, readFormat(t, dir, "fstest"))
	for _, s := range sinks {
		require.NoError(t, s.Close())
	}
}

// A restart in the same process before any checkpoint completed starts
// afresh with the same sink: files an earlier attempt's subtask published
// at the end of its input are removed, since their rows are written
// again.
func TestSinkRestartWithoutCheckpointRemovesPublishedFiles(t *testing.T) {
	mem := checkedMem(t)
	dir := t.TempDir()
	snk := newFileSink(t, dir, "fstest")
	s0, _ := ckptSink(t, snk, 0, 2, nil, mem)
	write(t, s0, idNameBatch(mem, 0, 2))
	finishFinal(t, s0, 100)
	require.NoError(t, s0.Close())
	s1, _ := ckptSink(t, snk, 1, 2, nil, mem)
	write(t, s1, idNameBatch(mem, 10, 12))
	require.NoError(t, s1.Close()) // failed
	require.Equal(t, idNames(0, 2), readFormat(t, dir, "fstest"))

	for sub, ids := range [][2]int{{0, 2}, {10, 12}} {
		s, _ := ckptSink(t, snk, sub, 2, nil, mem)
		write(t, s, idNameBatch(mem, ids[0], ids[1]))
		finishFinal(t, s, 100)
		require.NoError(t, s.Close())
	}
	want := append(idNames(0, 2), idNames(10, 12)...)
	slices.Sort(want)
	assert.Equal(t, want, readFormat(t, dir, "fstest"))
	assert.Empty(t, hiddenFiles(t, dir))
}

// finishFinal ends a checkpointed sink's input as the runtime does: Finish,
// then the final checkpoint id and its completion, which publish the last
// files.
func finishFinal(t *testing.T, s *sink, id int64) {
	t.Helper()
	require.NoError(t, s.Finish(context.Background()))
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: id}))
	require.NoError(t, s.NotifyCheckpointComplete(context.Background(), id))
}
