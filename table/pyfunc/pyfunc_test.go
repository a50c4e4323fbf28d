package pyfunc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/table/types"
)

const cdnModule = `
PREFIXES = {"1.2": "Beijing", "10.0": "Shanghai", "192.168": "Zhejiang"}

def _udf(result_type, func_type="general"):
    # What the Python API's udf() records on the function.
    def wrap(f):
        f._sluice_result_type = result_type
        f._sluice_func_type = func_type
        return f
    return wrap

@_udf("STRING")
def ip_to_province(ip):
    a, b, _ = ip.split(".", 2)
    return PREFIXES.get(a + "." + b, "unknown")

@_udf("DOUBLE", "pandas")
def speed(size, millis):
    return size / millis

@_udf("BIGINT")
def boom(x):
    if x == 13:
        raise ValueError("unlucky %d" % x)
    return x

def undeclared(x):
    return x
`

func TestMain(m *testing.M) {
	if err := cpython.Initialize(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "sluice-pyfunc")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cdn_udf.py"), []byte(cdnModule), 0o644); err != nil {
		panic(err)
	}
	err = cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<test>", fmt.Sprintf("import sys\nsys.path.insert(0, %q)\n", dir))
		if err == nil {
			py.DecRef(ns)
		}
		return err
	})
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type logRow struct {
	ip           string
	size, millis int64
}

func genLogs(n int) []logRow {
	r := rand.New(rand.NewPCG(3, 4))
	nets := []string{"1.2", "10.0", "192.168", "8.8"}
	out := make([]logRow, n)
	for i := range out {
		out[i] = logRow{ip: fmt.Sprintf("%s.%d.%d", nets[r.IntN(len(nets))], r.IntN(256), r.IntN(256)),
			size: 1 + r.Int64N(100000), millis: 1 + r.Int64N(500)}
	}
	return out
}

func valuesSQL(rows []logRow) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("('%s', CAST(%d AS BIGINT), CAST(%d AS BIGINT))", r.ip, r.size, r.millis)
	}
	return "(VALUES " + strings.Join(parts, ", ") + ") AS t(client_ip, response_size, request_time)"
}

// materialize applies a changelog of text rows.
func materialize(res *table.Result) []string {
	count := map[string]int{}
	for i, row := range res.Text() {
		k := strings.Join(row, ", ")
		switch res.Rows[i].Kind {
		case "+I", "+U":
			count[k]++
		default:
			count[k]--
		}
	}
	var out []string
	for k, c := range count {
		for ; c > 0; c-- {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// The seed job's query shape: a Python UDF maps client_ip to a province,
// rows are grouped by province with COUNT, SUM and SUM * 1.0 / SUM —
// checked against the same computation in plain Go, in batch and streaming.
func TestSeedQueryShape(t *testing.T) {
	logs := genLogs(600)
	type agg struct{ n, bytes, millis int64 }
	want := map[string]*agg{}
	prefixes := map[string]string{"1.2": "Beijing", "10.0": "Shanghai", "192.168": "Zhejiang"}
	for _, l := range logs {
		parts := strings.SplitN(l.ip, ".", 3)
		p, ok := prefixes[parts[0]+"."+parts[1]]
		if !ok {
			p = "unknown"
		}
		a := want[p]
		if a == nil {
			a = &agg{}
			want[p] = a
		}
		a.n++
		a.bytes += l.size
		a.millis += l.millis
	}
	var expected []string
	for p, a := range want {
		expected = append(expected, fmt.Sprintf("%s, %d, %d, %s", p, a.n, a.bytes, trimDecimal(float64(a.bytes)/float64(a.millis))))
	}
	sort.Strings(expected)

	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("streaming=%v", streaming), func(t *testing.T) {
			env := table.NewEnvironment(table.Settings{Streaming: streaming, Config: map[string]string{"parallelism.default": "2"}})
			ctx := context.Background()
			_, err := env.ExecuteSQL(ctx, "CREATE TEMPORARY FUNCTION ip_to_province AS 'cdn_udf.ip_to_province' LANGUAGE PYTHON")
			require.NoError(t, err)
			res, err := env.ExecuteSQL(ctx, "SELECT province, COUNT(*) AS access_count, SUM(response_size) AS total_download, "+
				"CAST(SUM(response_size) * 1.0 / SUM(request_time) AS DOUBLE) AS download_speed FROM "+
				"(SELECT ip_to_province(client_ip) AS province, response_size, request_time FROM "+valuesSQL(logs)+") GROUP BY province")
			require.NoError(t, err)
			got := materialize(res)
			require.Len(t, got, len(expected))
			for i := range got {
				assert.Equal(t, roundSpeed(expected[i]), roundSpeed(got[i]))
			}
			if streaming {
				assert.True(t, res.Changelog, "a streaming GROUP BY result is a changelog")
				kinds := map[string]bool{}
				for _, r := range res.Rows {
					kinds[r.Kind] = true
				}
				assert.True(t, kinds["-U"] && kinds["+U"], "updates arrive as -U/+U pairs")
			}
		})
	}
}

// speeds are compared to 9 significant digits: DECIMAL division in SQL
// and float64 division in Go round differently in the last places.
func roundSpeed(row string) string {
	parts := strings.Split(row, ", ")
	var f float64
	fmt.Sscan(parts[3], &f)
	parts[3] = fmt.Sprintf("%.9g", f)
	return strings.Join(parts, ", ")
}

func trimDecimal(f float64) string { return fmt.Sprint(f) }

func TestPandasAndRowUDFsInOneCalc(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	ctx := context.Background()
	for _, stmt := range []string{
		"CREATE TEMPORARY FUNCTION ip_to_province AS 'cdn_udf.ip_to_province' LANGUAGE PYTHON",
		"CREATE TEMPORARY FUNCTION speed AS 'cdn_udf.speed' LANGUAGE PYTHON",
	} {
		_, err := env.ExecuteSQL(ctx, stmt)
		require.NoError(t, err)
	}
	res, err := env.ExecuteSQL(ctx, "SELECT ip_to_province(client_ip) AS p, speed(response_size, request_time) AS s FROM "+
		valuesSQL([]logRow{{"1.2.3.4", 100, 4}, {"8.8.8.8", 9, 3}})+" WHERE response_size > 50 OR request_time = 3")
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"Beijing", "25.0"}, {"unknown", "3.0"}}, res.Text())

	tb, err := env.SQLQuery("SELECT ip_to_province(UPPER(client_ip)) AS p FROM " + valuesSQL([]logRow{{"1.2.3.4", 1, 1}}))
	require.NoError(t, err)
	plan, err := tb.Explain()
	require.NoError(t, err)
	assert.Contains(t, plan, "Calc(select=[ip_to_province(UPPER(client_ip)) AS p]")
}

func TestPythonUDFErrors(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	ctx := context.Background()
	_, err := env.ExecuteSQL(ctx, "CREATE TEMPORARY FUNCTION boom AS 'cdn_udf.boom' LANGUAGE PYTHON")
	require.NoError(t, err)
	_, err = env.ExecuteSQL(ctx, "SELECT boom(x) FROM (VALUES (CAST(1 AS BIGINT)), (CAST(13 AS BIGINT))) AS t(x)")
	require.Error(t, err)
	for _, want := range []string{"python UDF boom raised an exception at row 1 with arguments (13)", "Traceback", `, in boom`, `raise ValueError("unlucky %d" % x)`, "ValueError: unlucky 13"} {
		assert.Contains(t, err.Error(), want)
	}

	_, err = env.ExecuteSQL(ctx, "CREATE FUNCTION u AS 'cdn_udf.undeclared' LANGUAGE PYTHON")
	assert.ErrorContains(t, err, "cdn_udf.undeclared declares no result type: wrap it with udf(result_type=...)")
	_, err = env.ExecuteSQL(ctx, "CREATE FUNCTION u AS 'no_such_module.f' LANGUAGE PYTHON")
	assert.ErrorContains(t, err, "ModuleNotFoundError: No module named 'no_such_module'")
	_, err = env.ExecuteSQL(ctx, "SELECT bom(1)")
	assert.ErrorContains(t, err, "no function named bom; did you mean boom?")
}

func TestGoAPIPythonFunction(t *testing.T) {
	var fn *cpython.Object
	require.NoError(t, cpython.Do(func(py *cpython.GIL) error {
		ns, err := py.Exec("<api>", "def twice(x):\n    return x * 2\n")
		if err != nil {
			return err
		}
		defer py.DecRef(ns)
		fn, err = py.GetItem(ns, "twice")
		return err
	}))
	f, err := pyfunc.New("twice", fn, pyfunc.Row, types.BIGINT(), types.BIGINT())
	require.NoError(t, err)
	cpython.Do(func(py *cpython.GIL) error { py.DecRef(fn); return nil })

	env := table.NewEnvironment(table.Settings{})
	require.NoError(t, env.CreateTemporaryFunction("twice", f))
	tb, err := env.FromValues([]string{"x"}, []any{"CAST(21 AS BIGINT)"})
	require.NoError(t, err)
	rows, err := tb.Select("twice(x) as y").Collect(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []any{int64(42)}, rows[0].Values)

	_, err = tb.Select("twice('a') as y").Collect(context.Background())
	assert.ErrorContains(t, err, "twice: argument 1 is CHAR(1) NOT NULL; the function declares BIGINT")
}
