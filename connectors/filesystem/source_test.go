package filesystem

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

var idName = []connector.Column{col("id", types.INT()), col("name", types.STRING())}

// readAll runs every subtask of a fstest source over path and returns
// the rows of all subtasks, sorted.
func readAll(t *testing.T, path string, parallelism int, opts map[string]string) []string {
	t.Helper()
	o := map[string]string{"path": path, "format": "fstest"}
	for k, v := range opts {
		o[k] = v
	}
	src, err := Factory{}.NewSource(tableContext(idName, o))
	require.NoError(t, err)
	rows, _, _, err := runSource(t, src, parallelism, checkedMem(t))
	require.NoError(t, err)
	var all []string
	for _, r := range rows {
		all = append(all, r...)
	}
	sort.Strings(all)
	return all
}

func TestSourceReadsFileOrDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "1,a\n2,b\n")
	writeFile(t, filepath.Join(dir, "sub", "b.txt"), "3,c\r\n4,d") // CRLF, no final line break
	writeFile(t, filepath.Join(dir, "sub", "deeper", "c.txt"), "5,e\n")
	// Hidden as Flink's DefaultFileFilter hides them: never read.
	writeFile(t, filepath.Join(dir, ".a.txt.inprogress"), "9,hidden\n")
	writeFile(t, filepath.Join(dir, "_SUCCESS"), "")
	writeFile(t, filepath.Join(dir, "_tmp", "x.txt"), "9,hidden\n")
	writeFile(t, filepath.Join(dir, ".staging", "y.txt"), "9,hidden\n")
	writeFile(t, filepath.Join(dir, "sub", ".z.txt"), "9,hidden\n")
	require.NoError(t, os.Symlink(filepath.Join(dir, "a.txt"), filepath.Join(dir, "sub", "link.txt")))

	tests := []struct {
		name string
		path string
		opts map[string]string
		want []string
	}{
		{"directory, recursively", dir, nil,
			[]string{"+I[1, a]", "+I[1, a]", "+I[2, b]", "+I[2, b]", "+I[3, c]", "+I[4, d]", "+I[5, e]"}},
		{"one file", filepath.Join(dir, "sub", "b.txt"), nil, []string{"+I[3, c]", "+I[4, d]"}},
		{"a hidden file named as the path", filepath.Join(dir, ".a.txt.inprogress"), nil, []string{"+I[9, hidden]"}},
		{"a sub-directory", filepath.Join(dir, "sub", "deeper"), nil, []string{"+I[5, e]"}},
		{"regex on the absolute path", dir, map[string]string{OptionRegexPattern: ".*/sub/[a-z]\\.txt"}, []string{"+I[3, c]", "+I[4, d]"}},
		{"regex matches the whole path", dir, map[string]string{OptionRegexPattern: "sub"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, readAll(t, tc.path, 1, tc.opts))
		})
	}
}

func TestSourceEmptyInputs(t *testing.T) {
	dir := t.TempDir()
	assert.Empty(t, readAll(t, dir, 2, nil), "an empty directory")
	writeFile(t, filepath.Join(dir, "empty.txt"), "")
	assert.Empty(t, readAll(t, dir, 2, nil), "an empty file")
}

// Every row is read exactly once, whatever the parallelism, and the
// files are spread over the subtasks.
func TestParallelSourceReadsEveryRowOnce(t *testing.T) {
	dir := t.TempDir()
	var want []string
	id := 0
	for f := range 11 {
		var sb strings.Builder
		for range (f%4)*25 + 1 { // files of 1 to 76 rows
			id++
			fmt.Fprintf(&sb, "%d,f%d\n", id, f)
			want = append(want, fmt.Sprintf("%d | f%d", id, f))
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("d%d", f%3), fmt.Sprintf("part-%02d.txt", f)), sb.String())
	}
	sort.Strings(want)
	for _, par := range []int{1, 2, 3, 16} {
		t.Run(fmt.Sprintf("parallelism %d", par), func(t *testing.T) {
			env := newEnv(t, par)
			execSQL(t, env, fmt.Sprintf(`CREATE TABLE fs (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'fstest')`, dir))
			assert.Equal(t, want, queryRows(t, env, "SELECT * FROM fs"))

			src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": dir, "format": "fstest"}))
			require.NoError(t, err)
			perSubtask, _, _, err := runSource(t, src, par, checkedMem(t))
			require.NoError(t, err)
			total := 0
			for i, rows := range perSubtask {
				total += len(rows)
				if par <= 3 {
					assert.NotEmpty(t, rows, "subtask %d read nothing", i)
				}
			}
			assert.Equal(t, len(want), total)
		})
	}
}

func TestAssignBalancesBySize(t *testing.T) {
	files := []inputFile{{"a", 100}, {"b", 60}, {"c", 50}, {"d", 40}, {"e", 0}, {"f", 10}}
	got := assign(files, 3)
	names := func(fs []inputFile) (out []string, size int64) {
		for _, f := range fs {
			out = append(out, f.path)
			size += f.size
		}
		return out, size
	}
	var all []string
	var sizes []int64
	for _, fs := range got {
		n, s := names(fs)
		all = append(all, n...)
		sizes = append(sizes, s)
		assert.True(t, sort.StringsAreSorted(n), "a subtask reads its files in path order")
	}
	sort.Strings(all)
	assert.Equal(t, []string{"a", "b", "c", "d", "e", "f"}, all)
	assert.Equal(t, []int64{100, 70, 90}, sizes)
	assert.Equal(t, got, assign(files, 3), "deterministic")
	assert.Len(t, assign(nil, 2), 2)
}

func TestMalformedRecordNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	lines := filepath.Join(dir, "lines.txt")
	writeFile(t, lines, "1,a\r\n2,b\r\n\r\nx3,c\r\n4,d\r\n")
	quoted := filepath.Join(dir, "quoted.txt")
	writeFile(t, quoted, "1,\"two\nlines\"\n2,\"three\n\nlines\"\n3x,\"bad\nid\"\n")
	long := filepath.Join(dir, "long.txt")
	writeFile(t, long, "1,a\n2,"+strings.Repeat("é", 100)+",extra\n")
	open := filepath.Join(dir, "open.txt")
	writeFile(t, open, "1,a\n2,\"never\nclosed\n")

	tests := []struct {
		name, path, format, want string
	}{
		{"bad value", lines, "fstest",
			`filesystem: ` + lines + `:3: fstest: expected 2 fields, found 1; record: ""`},
		{"record over several lines", quoted, "fstestq",
			`filesystem: ` + quoted + `:6: fstestq: column id: '3x' is not an INT; record: "3x,\"bad\nid\""`},
		{"long record is cut", long, "fstest",
			`filesystem: ` + long + `:2: fstest: expected 2 fields, found 3; record: "2,` + strings.Repeat("é", 59) + `"…`},
		{"framing error", open, "fstestq",
			`filesystem: ` + open + `:2: fstestq: unterminated quote`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": tc.path, "format": tc.format}))
			require.NoError(t, err)
			_, _, _, err = runSource(t, src, 1, checkedMem(t))
			require.Error(t, err)
			assert.Equal(t, strings.ReplaceAll(tc.want, "\n", `\n`), err.Error())
		})
	}
}

func TestIgnoreParseErrorsSkipsAndCounts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "1,a\nbad,b\n2,c\n3\n4,d\n")
	writeFile(t, filepath.Join(dir, "b.txt"), "5,e\n6,f,g\n")

	src, err := Factory{}.NewSource(tableContext(idName, map[string]string{"path": dir, "format": "fstest", "fstest.ignore-parse-errors": "true"}))
	require.NoError(t, err)
	rows, _, skipped, err := runSource(t, src, 2, checkedMem(t))
	require.NoError(t, err)
	all := append(rows[0], rows[1]...)
	sort.Strings(all)
	assert.Equal(t, []string{"+I[1, a]", "+I[2, c]", "+I[4, d]", "+I[5, e]"}, all)
	assert.EqualValues(t, 3, skipped)

	// Through a job: the count is the source's numRecordsSkipped.
	env := newEnv(t, 2)
	values.Reset("fs_skip")
	res := execSQL(t, env, fmt.Sprintf(`
CREATE TABLE fs (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'fstest', 'fstest.ignore-parse-errors' = 'true');
CREATE TABLE out_t (id INT, name STRING) WITH ('connector' = 'values', 'sink-id' = 'fs_skip');
INSERT INTO out_t SELECT * FROM fs`, dir))
	m, ok := res[2].Job.Operator("FileSystem(fs)")
	require.True(t, ok)
	assert.EqualValues(t, 3, m.Counters[SkippedCounter])
	assert.EqualValues(t, 4, m.RecordsOut)
	assert.Len(t, values.Collected("fs_skip").Rows(), 4)

	// Without the option the job fails, naming the record.
	env = newEnv(t, 1)
	execSQL(t, env, fmt.Sprintf(`CREATE TABLE strict (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'fstest')`, dir))
	_, err = env.ExecuteSQL(ctxFor(t), "SELECT * FROM strict")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "a.txt")+`:2: fstest: column id: 'bad' is not an INT; record: "bad,b"`)
}

func TestFramerLines(t *testing.T) {
	// Records start where the split function's token starts, after any
	// line breaks it skipped.
	skipBlank := func(data []byte, atEOF bool) (int, []byte, error) {
		i := 0
		for i < len(data) && data[i] == '\n' {
			i++
		}
		adv, tok, err := bufio.ScanLines(data[i:], atEOF)
		if adv == 0 && tok == nil {
			return 0, nil, err
		}
		return i + adv, tok, err
	}
	f := &framer{inner: skipBlank, next: 1}
	data := []byte("a\n\n\nb\nc")
	var starts []int
	for len(data) > 0 {
		adv, tok, err := f.split(data, true)
		require.NoError(t, err)
		if tok != nil {
			starts = append(starts, f.start)
		}
		data = data[adv:]
	}
	assert.Equal(t, []int{1, 4, 5}, starts)
}
