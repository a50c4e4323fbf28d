package filesystem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/vectorized"
)

var errKilled = errors.New("killed")

// sourceAttempt runs subtask sub of par of src as a checkpointed job: a
// checkpoint (SnapshotState inside Collect, then the runtime's snapshot
// into dir) after batch snapAt, a failure after batch killAt (0: run to
// the end). It returns the rows up to the checkpoint — the rows that
// count, the others are replayed after a restore — or every row when
// snapAt is 0, and Run's error.
func sourceAttempt(t *testing.T, src *connector.Source, sub, par int, restore []string, snapAt, killAt int, dir string) ([]string, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	inst := engine.NewInstanceForTest(engine.InstanceOptions{Subtask: sub, Parallelism: par, Checkpointing: true, Mem: mem,
		Config: engine.Config{engine.ConfigBatchSize: "3"}, RestoreFrom: restore, RestoreID: 1})
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
		if batches == killAt {
			return errKilled
		}
		return nil
	}))
	require.NoError(t, s.Close())
	if snapAt == 0 {
		return rows, err
	}
	require.GreaterOrEqual(t, cut, 0, "the attempt ended before its checkpoint")
	return rows[:cut], err
}

// writeParquetIDs writes the rows (id, "p<id>") of ids as a parquet file
// with row groups of groupRows rows.
func writeParquetIDs(t *testing.T, path string, ids []int, groupRows int64) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, id := range ids {
		b.Field(0).(*array.Int32Builder).Append(int32(id))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("p%d", id))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(groupRows)), pqarrow.DefaultWriterProps())
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
}

// inputFiles writes files of several sizes in the format and returns
// every row as the source prints it.
func inputFiles(t *testing.T, dir, format string) []string {
	t.Helper()
	var want []string
	id := 0
	for f, n := range []int{10, 1, 7, 0, 13} {
		var ids []int
		var sb strings.Builder
		for range n {
			id++
			ids = append(ids, id)
			switch format {
			case "fstestq":
				// Records spanning lines: resuming must start at a record,
				// not at a line.
				fmt.Fprintf(&sb, "%d,\"q\n%d\"\n", id, id)
				want = append(want, fmt.Sprintf("+I[%d, q\n%d]", id, id))
			case "parquet":
				want = append(want, fmt.Sprintf("+I[%d, p%d]", id, id))
			default:
				fmt.Fprintf(&sb, "%d,n%d\r\n", id, id)
				want = append(want, fmt.Sprintf("+I[%d, n%d]", id, id))
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("f%d", f))
		if format == "parquet" {
			writeParquetIDs(t, path, ids, 4)
		} else {
			writeFile(t, path, sb.String())
		}
	}
	slices.Sort(want)
	return want
}

// A restored source resumes where its checkpoint left it: finished files
// are skipped, the file being read continues with the record after the
// last one emitted, at the same parallelism and after a rescale (union
// state: each subtask takes the positions of the files it is assigned).
func TestSourceResumesFromCheckpoint(t *testing.T) {
	tests := []struct {
		name          string
		before, after int
		snapAt        []int // per old subtask; the kill comes two batches later
	}{
		{"same parallelism", 1, 1, []int{4}},
		{"first batch", 1, 1, []int{1}},
		{"2 to 1", 2, 1, []int{2, 3}},
		{"1 to 3", 1, 3, []int{5}},
		{"3 to 2", 3, 2, []int{1, 2, 1}},
	}
	for _, format := range []string{"fstest", "fstestq", "parquet"} {
		for _, tc := range tests {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				in := t.TempDir()
				want := inputFiles(t, in, format)
				src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": in, "format": format}))
				require.NoError(t, err)
				var got []string
				dirs := make([]string, tc.before)
				for sub := range tc.before {
					dirs[sub] = filepath.Join(t.TempDir(), "ckpt")
					rows, err := sourceAttempt(t, src, sub, tc.before, nil, tc.snapAt[sub], tc.snapAt[sub]+2, dirs[sub])
					require.ErrorIs(t, err, errKilled)
					got = append(got, rows...)
				}
				for sub := range tc.after {
					rows, err := sourceAttempt(t, src, sub, tc.after, dirs, 0, 0, "")
					require.NoError(t, err)
					got = append(got, rows...)
				}
				slices.Sort(got)
				assert.Equal(t, want, got)
			})
		}
	}
}

// After a resume, errors still name the line a bad record starts on.
func TestSourceResumedErrorNamesLine(t *testing.T) {
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "a.txt"), "1,a\n2,b\n3,c\n4,d\n\nbad\n")
	src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": in, "format": "fstestq"}))
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "ckpt")
	rows, err := sourceAttempt(t, src, 0, 1, nil, 1, 1, dir)
	require.ErrorIs(t, err, errKilled)
	assert.Equal(t, []string{"+I[1, a]", "+I[2, b]", "+I[3, c]"}, rows)
	_, err = sourceAttempt(t, src, 0, 1, []string{dir}, 0, 0, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(in, "a.txt")+":5: fstestq: expected 2 fields, found 1")
}

// Without checkpoints the source keeps no state.
func TestSourceWithoutCheckpointsHasNoState(t *testing.T) {
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "a.txt"), "1,a\n")
	src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": in, "format": "fstest"}))
	require.NoError(t, err)
	s := src.Instance(0, 1).(*source)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: memory.DefaultAllocator}))
	assert.Nil(t, s.list)
	require.NoError(t, s.SnapshotState(context.Background(), engine.CheckpointInfo{ID: 1}))
	require.NoError(t, s.Close())
}
