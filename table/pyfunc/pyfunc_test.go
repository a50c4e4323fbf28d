package pyfunc_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/builtin"
	printconn "github.com/sluice-stream/sluice/connectors/print"
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
	assert.Contains(t, plan, "PythonCalc(select=[ip_to_province(f0) AS p]) -- runtime=row, evaluator=#1\n+- Calc(select=[UPPER(client_ip) AS f0])\n")
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
	assert.ErrorContains(t, err, "cdn_udf.undeclared: it declares no result type: wrap it with udf(result_type=...)")
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

// The seed's job shape on generated CDN logs: datagen → ip_to_province →
// GROUP BY province → print, in streaming mode at parallelism 2. The
// printed changelog, materialised, must equal a plain Go computation over
// the same generated rows (read back through the same seeded source).
func TestSeedShapeOnDatagenToPrint(t *testing.T) {
	ctx := context.Background()
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "2"}})
	ddl := []string{
		`CREATE TABLE cdn_access_log (
		   uuid STRING, a INT, b INT, request_time BIGINT, response_size BIGINT,
		   client_ip AS CONCAT(CAST(a AS STRING), '.', CAST(b AS STRING), '.7.7')
		 ) WITH (
		   'connector' = 'datagen', 'number-of-rows' = '5000', 'rows-per-second' = '1000000', 'seed' = '7',
		   'fields.uuid.length' = '8', 'fields.a.min' = '1', 'fields.a.max' = '12',
		   'fields.b.min' = '0', 'fields.b.max' = '3', 'fields.request_time.min' = '1', 'fields.request_time.max' = '900',
		   'fields.response_size.min' = '1', 'fields.response_size.max' = '100000'
		 )`,
		`CREATE TABLE cdn_access_statistic (province STRING, access_count BIGINT, total_download BIGINT, download_speed DOUBLE)
		 WITH ('connector' = 'print', 'print-identifier' = 'cdn')`,
		"CREATE TEMPORARY FUNCTION ip_to_province AS 'cdn_udf.ip_to_province' LANGUAGE PYTHON",
	}
	for _, s := range ddl {
		_, err := env.ExecuteSQL(ctx, s)
		require.NoError(t, err)
	}
	var out syncWriter
	restore := printconn.SetOutput(&out, &out)
	_, err := env.ExecuteSQL(ctx, `INSERT INTO cdn_access_statistic
		SELECT province, COUNT(uuid) AS access_count, SUM(response_size) AS total_download,
		       SUM(response_size) * 1.0 / SUM(request_time) AS download_speed
		FROM (SELECT uuid, ip_to_province(client_ip) AS province, response_size, request_time FROM cdn_access_log)
		GROUP BY province`)
	restore()
	require.NoError(t, err)

	// The same rows again, straight from the seeded source.
	rows, err := env.SQLQuery("SELECT client_ip, response_size, request_time FROM cdn_access_log")
	require.NoError(t, err)
	res, err := rows.Execute(ctx)
	require.NoError(t, err)
	require.Len(t, res.Rows, 5000)
	prefixes := map[string]string{"1.2": "Beijing", "10.0": "Shanghai"}
	type agg struct{ n, bytes, millis int64 }
	want := map[string]*agg{}
	for _, r := range res.Rows {
		ip := r.Values[0].(string)
		parts := strings.SplitN(ip, ".", 3)
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
		a.bytes += r.Values[1].(int64)
		a.millis += r.Values[2].(int64)
	}

	// Materialise the printed changelog: "cdn:2> +U[Beijing, 3, 10, 1.5]".
	final := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		_, row, ok := strings.Cut(line, "> ")
		require.True(t, ok, line)
		kind, body := row[:2], strings.TrimSuffix(row[3:], "]")
		province := strings.SplitN(body, ", ", 2)[0]
		switch kind {
		case "+I", "+U":
			final[province] = body
		case "-U", "-D":
			if final[province] == body {
				delete(final, province)
			}
		}
	}
	require.Len(t, final, len(want))
	for p, a := range want {
		got := strings.Split(final[p], ", ")
		require.Len(t, got, 4, p)
		assert.Equal(t, fmt.Sprint(a.n), got[1], p)
		assert.Equal(t, fmt.Sprint(a.bytes), got[2], p)
		var speed float64
		fmt.Sscan(got[3], &speed)
		assert.InDelta(t, float64(a.bytes)/float64(a.millis), speed, 1e-9*speed, p)
	}
}

type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
