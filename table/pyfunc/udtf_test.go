package pyfunc_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
)

// udtfModule declares table functions as the Python API's udtf() does: a
// row function of func type "table" returning the list of its rows.
const udtfModule = `
def _udtf(result_type):
    def wrap(f):
        f._sluice_result_type = result_type
        f._sluice_func_type = "table"
        return f
    return wrap

@_udtf("ARRAY<ROW<f0 BIGINT, f1 STRING>>")
def split(n, s):
    if n is None:
        return []
    return [(i, "%s%d" % (s, i)) for i in range(n)]

@_udtf("ARRAY<BIGINT>")
def rng(n):
    return [None] if n is None else list(range(n))

@_udtf("ARRAY<BIGINT>")
def boom(n):
    return [1 // (n - 3)]
`

var udtfOnce sync.Once

func loadUDTFModule(t *testing.T) {
	udtfOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-udtf")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "udtf_mod.py"), []byte(udtfModule), 0o644))
		require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
			ns, err := py.Exec("<test>", fmt.Sprintf("import sys\nsys.path.insert(0, %q)\n", dir))
			if err == nil {
				py.DecRef(ns)
			}
			return err
		}))
	})
}

func udtfEnv(t *testing.T, streaming bool, par string) *table.Environment {
	loadUDTFModule(t)
	env := table.NewEnvironment(table.Settings{Streaming: streaming, Config: map[string]string{"parallelism.default": par}})
	for _, f := range []string{"split", "rng", "boom"} {
		_, err := env.ExecuteSQL(context.Background(), fmt.Sprintf("CREATE TEMPORARY SYSTEM FUNCTION %s AS 'udtf_mod.%s' LANGUAGE PYTHON", f, f))
		require.NoError(t, err)
	}
	return env
}

const udtfInput = "(VALUES (CAST(1 AS BIGINT), 'a'), (CAST(0 AS BIGINT), 'b'), (CAST(3 AS BIGINT), 'c'), (CAST(NULL AS BIGINT), 'd')) AS t(n, s)"

func rowsOf(res *table.Result) []string {
	var out []string
	for i, row := range res.Text() {
		out = append(out, res.Rows[i].Kind+" "+strings.Join(row, ", "))
	}
	return out
}

// The rows are Flink 2.3's for the same statements over the same rows.
func TestLateralTableSQL(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		cols        []string
		want        []string
	}{
		{"comma", "SELECT s, a, b FROM " + udtfInput + ", LATERAL TABLE(split(n, s)) AS T(a, b)", []string{"s", "a", "b"},
			[]string{"+I a, 0, a0", "+I c, 0, c0", "+I c, 1, c1", "+I c, 2, c2"}},
		{"cross join", "SELECT * FROM " + udtfInput + " CROSS JOIN LATERAL TABLE(split(n, s))", []string{"n", "s", "f0", "f1"},
			[]string{"+I 1, a, 0, a0", "+I 3, c, 0, c0", "+I 3, c, 1, c1", "+I 3, c, 2, c2"}},
		{"left on true", "SELECT s, a, b FROM " + udtfInput + " LEFT JOIN LATERAL TABLE(split(n, s)) AS T(a, b) ON TRUE", []string{"s", "a", "b"},
			[]string{"+I a, 0, a0", "+I b, NULL, NULL", "+I c, 0, c0", "+I c, 1, c1", "+I c, 2, c2", "+I d, NULL, NULL"}},
		{"one column", "SELECT * FROM " + udtfInput + ", LATERAL TABLE(rng(n))", []string{"n", "s", "f0"},
			[]string{"+I 1, a, 0", "+I 3, c, 0", "+I 3, c, 1", "+I 3, c, 2", "+I NULL, d, NULL"}},
		{"inner on", "SELECT s, a FROM " + udtfInput + " JOIN LATERAL TABLE(split(n, s)) AS T(a, b) ON a > 0", []string{"s", "a"},
			[]string{"+I c, 1", "+I c, 2"}},
		{"alone", "SELECT * FROM LATERAL TABLE(split(2, 'x'))", []string{"f0", "f1"},
			[]string{"+I 0, x0", "+I 1, x1"}},
	} {
		for _, streaming := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/streaming=%v", tc.name, streaming), func(t *testing.T) {
				env := udtfEnv(t, streaming, "1")
				res, err := env.ExecuteSQL(context.Background(), tc.query)
				require.NoError(t, err)
				assert.Equal(t, tc.cols, res.Columns)
				assert.Equal(t, tc.want, rowsOf(res))
			})
		}
	}
}

func TestLateralTableErrors(t *testing.T) {
	env := udtfEnv(t, false, "1")
	ctx := context.Background()
	_, err := env.ExecuteSQL(ctx, "SELECT s, a FROM "+udtfInput+" LEFT JOIN LATERAL TABLE(split(n, s)) AS T(a, b) ON a > 0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Currently Python correlate does not support conditions in left join.")
	_, err = env.ExecuteSQL(ctx, "SELECT split(n, s) FROM "+udtfInput)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Cannot call table function here: 'split'")
	_, err = env.ExecuteSQL(ctx, "SELECT * FROM "+udtfInput+", LATERAL TABLE(split(n, s)) AS T(a)")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "List of column aliases must have same degree as table")
	_, err = env.ExecuteSQL(ctx, "SELECT * FROM "+udtfInput+", LATERAL TABLE(boom(n))")
	require.Error(t, err)
	// The function, the input row and the Python traceback.
	assert.Contains(t, err.Error(), "boom")
	assert.Contains(t, err.Error(), "ZeroDivisionError")
	assert.Contains(t, err.Error(), "at row 2")
}

// A changelog input: the rows of each update keep its row kind.
func TestLateralTableOverChangelog(t *testing.T) {
	env := udtfEnv(t, true, "1")
	res, err := env.ExecuteSQL(context.Background(),
		"SELECT s, c, f0 FROM (SELECT s, COUNT(*) AS c FROM (VALUES ('a'), ('a'), ('b')) AS v(s) GROUP BY s), LATERAL TABLE(rng(c))")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I a, 1, 0", "-U a, 1, 0", "+U a, 2, 0", "+U a, 2, 1", "+I b, 1, 0"}, rowsOf(res))
}

// Many rows over several batches and two subtasks against a Go model.
func TestLateralTableMatchesModel(t *testing.T) {
	var vals []string
	var want []string
	for i := 0; i < 3000; i++ {
		n := i % 5
		vals = append(vals, fmt.Sprintf("(CAST(%d AS BIGINT), 'k%d')", n, i))
		for j := 0; j < n; j++ {
			want = append(want, fmt.Sprintf("k%d, %d, k%d%d", i, j, i, j))
		}
		if n == 0 {
			want = append(want, fmt.Sprintf("k%d, NULL, NULL", i))
		}
	}
	sort.Strings(want)
	env := udtfEnv(t, true, "2")
	res, err := env.ExecuteSQL(context.Background(), "SELECT s, a, b FROM (VALUES "+strings.Join(vals, ", ")+
		") AS t(n, s) LEFT JOIN LATERAL TABLE(split(n, s)) AS T(a, b) ON TRUE")
	require.NoError(t, err)
	got := materialize(res)
	assert.Equal(t, want, got)
}

func TestLateralTableExplain(t *testing.T) {
	env := udtfEnv(t, true, "1")
	res, err := env.ExecuteSQL(context.Background(), "EXPLAIN SELECT s, a FROM "+udtfInput+", LATERAL TABLE(split(n, s)) AS T(a, b)")
	require.NoError(t, err)
	plan := strings.Join(res.Text()[0], "")
	assert.Contains(t, plan, "PythonCorrelate(invocation=[split(n, s)], correlate=[table(split(n, s))]")
}

// The correlate keeps its input's rowtime: a TUMBLE window over the
// function's rows closes by the input's watermark.
func TestLateralTableKeepsRowtime(t *testing.T) {
	env := udtfEnv(t, true, "1")
	ctx := context.Background()
	_, err := env.ExecuteSQL(ctx, "CREATE TABLE timed (n BIGINT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'values', "+
		"'data' = '+I[2, a, 2024-01-01 00:00:01];+I[1, b, 2024-01-01 00:00:30];+I[3, c, 2024-01-01 00:01:10];+I[1, d, 2024-01-01 00:02:05]')")
	require.NoError(t, err)
	_, err = env.ExecuteSQL(ctx, "CREATE TEMPORARY VIEW parts AS SELECT ts, a FROM timed, LATERAL TABLE(split(n, s)) AS T(a, b)")
	require.NoError(t, err)
	res, err := env.ExecuteSQL(ctx, "SELECT window_start, COUNT(*) AS c, SUM(a) AS total FROM TABLE(TUMBLE(TABLE parts, "+
		"DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I 2024-01-01 00:00:00.000, 3, 1", "+I 2024-01-01 00:01:00.000, 3, 3", "+I 2024-01-01 00:02:00.000, 1, 0"}, rowsOf(res))
}
