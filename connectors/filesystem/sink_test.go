package filesystem

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// idNameBatch is a batch of the idName columns with ids from..to-1.
func idNameBatch(mem memory.Allocator, from, to int) *vectorized.Batch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, {Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := from; i < to; i++ {
		b.Field(0).(*array.Int32Builder).Append(int32(i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("n%d", i))
	}
	return vectorized.NewBatch(b.NewRecordBatch())
}

func openSink(t *testing.T, dir, format string, opts map[string]string, mem memory.Allocator) engine.Sink {
	t.Helper()
	o := map[string]string{"path": dir, "format": format}
	for k, v := range opts {
		o[k] = v
	}
	snk, err := Factory{}.NewSink(tableContext(idName, o))
	require.NoError(t, err)
	s := snk.Instance(0, 1)
	require.NoError(t, s.Open(context.Background(), &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
	return s
}

func write(t *testing.T, s engine.Sink, b *vectorized.Batch) {
	t.Helper()
	defer b.Release()
	require.NoError(t, s.Write(context.Background(), b))
}

// Part files stay hidden until the input ends; the source never sees a
// half-written file.
func TestSinkPublishesPartFilesAtFinish(t *testing.T) {
	for _, format := range []string{"fstest", "parquet"} {
		t.Run(format, func(t *testing.T) {
			mem := checkedMem(t)
			dir := filepath.Join(t.TempDir(), "new", "dir")
			s := openSink(t, dir, format, nil, mem)
			write(t, s, idNameBatch(mem, 0, 3))
			files := listDir(t, dir)
			require.Len(t, files, 1)
			assert.Regexp(t, `^\.part-[0-9a-f-]{36}-0-0\.`+format+`\.inprogress$`, files[0])
			assert.Empty(t, readAll(t, dir, 1, nil), "in-progress files are hidden")

			require.NoError(t, s.Finish(context.Background()))
			require.NoError(t, s.Close())
			files = listDir(t, dir)
			require.Len(t, files, 1)
			assert.Regexp(t, `^part-[0-9a-f-]{36}-0-0\.`+format+`$`, files[0])
			if format == "fstest" {
				data, err := os.ReadFile(filepath.Join(dir, files[0]))
				require.NoError(t, err)
				assert.Equal(t, "0,n0\n1,n1\n2,n2\n", string(data))
			}
		})
	}
}

func TestFailedSinkLeavesNothing(t *testing.T) {
	for _, format := range []string{"fstest", "parquet"} {
		t.Run(format, func(t *testing.T) {
			mem := checkedMem(t)
			dir := t.TempDir()
			s := openSink(t, dir, format, map[string]string{OptionRollingFileSize: "1b"}, mem)
			write(t, s, idNameBatch(mem, 0, 3))
			write(t, s, idNameBatch(mem, 3, 5))
			assert.NotEmpty(t, listDir(t, dir))
			require.NoError(t, s.Close()) // no Finish: the job failed
			assert.Empty(t, listDir(t, dir))
		})
	}
}

func TestSinkRollsBySize(t *testing.T) {
	tests := []struct {
		format, size string
		batches      [][2]int
		wantFiles    int
	}{
		// Each row is 5 or 6 bytes: a part rolls once it passes 12.
		{"fstest", "12b", [][2]int{{0, 10}}, 4},
		{"fstest", "1kb", [][2]int{{0, 10}, {10, 20}}, 1},
		// Parquet rolls between batches.
		{"parquet", "1b", [][2]int{{0, 10}, {10, 20}, {20, 21}}, 3},
		{"parquet", "128mb", [][2]int{{0, 10}, {10, 20}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.format+" "+tc.size, func(t *testing.T) {
			mem := checkedMem(t)
			dir := t.TempDir()
			s := openSink(t, dir, tc.format, map[string]string{OptionRollingFileSize: tc.size}, mem)
			n := 0
			for _, b := range tc.batches {
				write(t, s, idNameBatch(mem, b[0], b[1]))
				n = b[1]
			}
			require.NoError(t, s.Finish(context.Background()))
			require.NoError(t, s.Close())
			files := listDir(t, dir)
			assert.Len(t, files, tc.wantFiles)
			for i, f := range files {
				assert.Regexp(t, regexp.MustCompile(`-0-\d+\.`+tc.format+`$`), f, "file %d", i)
			}
			var want []string
			for i := range n {
				want = append(want, fmt.Sprintf("+I[%d, n%d]", i, i))
			}
			got := readAll(t, dir, 2, map[string]string{"format": tc.format})
			assert.ElementsMatch(t, want, got)
		})
	}
}

func TestSinkRejectsUpdates(t *testing.T) {
	mem := checkedMem(t)
	s := openSink(t, t.TempDir(), "fstest", nil, mem)
	b := idNameBatch(mem, 0, 2)
	defer b.Release()
	b.Kinds = []vectorized.RowKind{vectorized.Insert, vectorized.Delete}
	err := s.Write(context.Background(), b)
	assert.EqualError(t, err, "filesystem: table t accepts only inserts, but row 1 of a batch is -D")
	require.NoError(t, s.Close())
}

func TestSinkPathIsAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	writeFile(t, f, "x")
	_, err := Factory{}.NewSink(tableContext(idName, map[string]string{"path": f, "format": "fstest"}))
	assert.EqualError(t, err, "filesystem: path '"+f+"' is a file; the sink writes part files into a directory")
}

// A part file is written per sink subtask; the same directory is read
// back by a parallel source.
func TestParallelSinkThroughSQL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	env := newEnv(t, 3)
	var rows []string
	var want []string
	for i := range 30 {
		rows = append(rows, fmt.Sprintf("+I[%d, n%d]", i, i))
		want = append(want, fmt.Sprintf("%d | n%d", i, i))
	}
	execSQL(t, env, fmt.Sprintf(`
SET 'sluice.exec.batch-size' = '4';
CREATE TABLE src (id INT, name STRING) WITH ('connector' = 'values', 'data' = '%s');
CREATE TABLE fs (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'fstest', 'sink.parallelism' = '3');
INSERT INTO fs SELECT * FROM src;
INSERT INTO fs SELECT id + 100, name FROM src WHERE id < 2`, strings.Join(rows, "; "), dir))
	want = append(want, "100 | n0", "101 | n1")
	files := listDir(t, dir)
	subtasks := map[string]bool{}
	for _, f := range files {
		m := regexp.MustCompile(`^part-[0-9a-f-]{36}-(\d)-\d+\.fstest$`).FindStringSubmatch(f)
		require.NotNil(t, m, f)
		subtasks[m[1]] = true
	}
	assert.Len(t, subtasks, 3, "every sink subtask wrote a part file")
	got := queryRows(t, env, "SELECT * FROM fs")
	assert.ElementsMatch(t, want, got)
}
