package values

import (
	"context"
	"errors"
	"strings"
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

func checkedMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func col(name string, t types.DataType) connector.Column {
	return connector.Column{Name: name, Type: t}
}

func tableContext(cols []connector.Column, opts map[string]string, cfg engine.Config) *connector.Context {
	o := map[string]string{"connector": Identifier}
	for k, v := range opts {
		o[k] = v
	}
	return &connector.Context{Table: "t", Columns: cols, Options: o, Config: cfg}
}

// emit runs the source's subtask 0 to its end and returns its batches as
// print lines, and the batch sizes.
func emit(t *testing.T, src *connector.Source, cfg engine.Config, mem memory.Allocator) (lines []string, sizes []int, kindVectors []bool) {
	t.Helper()
	s := src.Instance(0, 1)
	ctx := context.Background()
	require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem, Config: cfg}))
	require.NoError(t, s.Run(ctx, engine.CollectorFunc(func(_ context.Context, b *vectorized.Batch) error {
		f := print.NewRowFormatter(b)
		for i := range int(b.NumRows()) {
			lines = append(lines, string(f.AppendRow(nil, i)))
		}
		sizes = append(sizes, int(b.NumRows()))
		kindVectors = append(kindVectors, b.Kinds != nil)
		return nil
	})))
	require.NoError(t, s.Close())
	return lines, sizes, kindVectors
}

func TestRegistered(t *testing.T) {
	f, err := connector.Lookup(Identifier)
	require.NoError(t, err)
	_, ok := f.(connector.SourceFactory)
	assert.True(t, ok)
	_, ok = f.(connector.SinkFactory)
	assert.True(t, ok)
}

// TestEveryTypeRoundTrips writes one row per type in the print format and
// checks that the source emits exactly that text back.
func TestEveryTypeRoundTrips(t *testing.T) {
	tests := []struct {
		typ  types.DataType
		rows []string
	}{
		{types.BOOLEAN(), []string{"true", "false", "null"}},
		{types.TINYINT(), []string{"-128", "127"}},
		{types.SMALLINT(), []string{"-32768", "32767"}},
		{types.INT(), []string{"-2147483648", "0"}},
		{types.BIGINT(), []string{"9223372036854775807", "null"}},
		{types.FLOAT(), []string{"1.0", "0.1", "1.0E10", "-2.5E-5", "NaN", "-Infinity", "3.4028235E38"}},
		{types.DOUBLE(), []string{"1.0", "1.0E7", "4.9E-324", "Infinity", "123.456"}},
		{types.DECIMAL(10, 2), []string{"12.30", "-0.05", "0.00", "99999999.99"}},
		{types.DECIMAL(12, 8), []string{"1E-8", "0E-8", "1.00000000"}},
		{types.CHAR(3), []string{"abc"}},
		{types.STRING(), []string{"hello world", "ü€", "null"}},
		{types.BYTES(), []string{"[1, -1, 127, -128]", "[]"}},
		{types.BINARY(2), []string{"[0, 0]"}},
		{types.DATE(), []string{"2024-01-31", "0001-01-01", "1969-12-31"}},
		{types.TIME(0), []string{"10:15", "10:15:30", "23:59:59"}},
		{types.TIME(3), []string{"10:15:30.120", "00:00:00.001"}},
		{types.TIME(9), []string{"00:00:00.000000001"}},
		{types.TIMESTAMP(3), []string{"2024-01-31T10:15:30.123", "2024-01-31T10:15", "1969-12-31T23:59:59.999"}},
		{types.TIMESTAMP(6), []string{"2024-01-31T10:15:30.000120"}},
		{types.TIMESTAMP_LTZ(3), []string{"2024-01-31T10:15:00Z", "2024-01-31T10:15:30.100Z"}},
		{types.INTERVAL_YEAR_MONTH(), []string{"P14M", "P0D", "P-3M"}},
		{types.INTERVAL_DAY_TIME(), []string{"PT0S", "PT1H30M", "PT-1.5S", "PT25H1M1.001S"}},
		{types.ARRAY(types.INT()), []string{"[1, null, 3]", "[]", "null"}},
		{types.ARRAY(types.ARRAY(types.STRING())), []string{"[[a, b], [], null]"}},
		{types.MULTISET(types.BOOLEAN()), []string{"[true, true]"}},
		{types.MAP(types.STRING(), types.INT()), []string{"{a=1, b=null}", "{}"}},
		{types.MAP(types.INT(), types.ARRAY(types.DATE())), []string{"{1=[2024-01-31], 2=[]}"}},
		{types.ROW(types.FIELD("name", types.STRING()), types.FIELD("n", types.INT())), []string{"+I[x, 1]", "+I[null, null]", "null"}},
		{types.ROW(types.FIELD("inner", types.ROW(types.FIELD("b", types.BYTES())))), []string{"+I[+I[[1, 2]]]"}},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String(), func(t *testing.T) {
			mem := checkedMem(t)
			var data []string
			var want []string
			for i, r := range tc.rows {
				data = append(data, "+I[x"+strings.Repeat("y", i)+", "+r+"]")
				want = append(want, "+I[x"+strings.Repeat("y", i)+", "+r+"]")
			}
			cols := []connector.Column{col("k", types.STRING()), col("v", tc.typ)}
			src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"data": strings.Join(data, "\n")}, nil))
			require.NoError(t, err)
			got, _, _ := emit(t, src, nil, mem)
			assert.Equal(t, want, got)
		})
	}
}

func TestAlternativeForms(t *testing.T) {
	tests := []struct {
		typ  types.DataType
		in   string
		want string
	}{
		{types.STRING(), "'a, b'", "a, b"},
		{types.STRING(), "'it''s'", "it's"},
		{types.STRING(), "'null'", "null"},
		{types.STRING(), "'  padded '", "  padded "},
		{types.STRING(), "''", ""},
		{types.STRING(), "[a, b]", "[a, b]"}, // unquoted brackets are text
		{types.STRING(), "  spaced out  ", "spaced out"},
		{types.STRING(), "NULL", "null"},
		{types.INT(), "'42'", "42"},
		{types.INT(), " -7 ", "-7"},
		{types.BOOLEAN(), "TRUE", "true"},
		{types.DOUBLE(), "1e3", "1000.0"},
		{types.DOUBLE(), "-inf", "-Infinity"},
		{types.DECIMAL(5, 2), "1.005", "1.01"}, // HALF_UP, as Flink
		{types.DECIMAL(5, 2), "-1.005", "-1.01"},
		{types.DECIMAL(5, 2), "12", "12.00"},
		{types.DECIMAL(5, 2), "1.5E2", "150.00"},
		{types.BYTES(), "x'01ff'", "[1, -1]"},
		{types.BYTES(), "X''", "[]"},
		{types.BYTES(), "[255, 0]", "[-1, 0]"},
		{types.TIME(3), "10:15:30.5", "10:15:30.500"},
		{types.TIMESTAMP(3), "2024-01-31 10:15:30.1", "2024-01-31T10:15:30.100"},
		{types.TIMESTAMP(0), "2024-01-31", "2024-01-31T00:00"},
		{types.TIMESTAMP_LTZ(0), "2024-01-31T10:15:00+02:00", "2024-01-31T08:15:00Z"},
		{types.TIMESTAMP_LTZ(0), "2024-01-31 10:15:00-0530", "2024-01-31T15:45:00Z"},
		{types.TIMESTAMP_LTZ(0), "2024-01-31 10:15:00", "2024-01-31T01:15:00Z"}, // table.local-time-zone Asia/Tokyo
		{types.INTERVAL_YEAR_MONTH(), "P1Y2M", "P14M"},
		{types.INTERVAL_YEAR_MONTH(), "25", "P25M"},
		{types.INTERVAL_DAY_TIME(), "P1DT1H", "PT25H"},
		{types.INTERVAL_DAY_TIME(), "1500", "PT1.5S"},
		{types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING())), "(1, x)", "+I[1, x]"},
		{types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.STRING())), "[1, 'y, z']", "+I[1, y, z]"},
		{types.MAP(types.STRING(), types.STRING()), "{ 'a=b' = 'c}' }", "{a=b=c}}"},
		{types.ARRAY(types.STRING()), "['', ' ']", "[,  ]"},
	}
	for _, tc := range tests {
		t.Run(tc.typ.String()+" "+tc.in, func(t *testing.T) {
			mem := checkedMem(t)
			src, err := Factory{}.NewSource(tableContext([]connector.Column{col("v", tc.typ)},
				map[string]string{"data": "+I[" + tc.in + "]"}, engine.Config{engine.ConfigLocalTimeZone: "Asia/Tokyo"}))
			require.NoError(t, err)
			got, _, _ := emit(t, src, nil, mem)
			assert.Equal(t, []string{"+I[" + tc.want + "]"}, got)
		})
	}
}

func TestRowSeparatorsAndKinds(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{col("id", types.INT()), col("name", types.STRING())}
	data := "+I[1, a]; -U[1, a] ;+U[1, b]\n\n  -D[1, b]\r\n[2, 'x;y'];;[3, p;q]\n"
	src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"data": data, "changelog-mode": "i, ub,UA ,d"}, nil))
	require.NoError(t, err)
	assert.Equal(t, connector.All, src.Mode)
	assert.Equal(t, 1, src.Parallelism)
	assert.True(t, src.Bounded)
	assert.Equal(t, "rows=6, changelog-mode=[I,UB,UA,D]", src.Describe)
	lines, sizes, kinds := emit(t, src, engine.Config{engine.ConfigBatchSize: "4"}, mem)
	assert.Equal(t, []string{"+I[1, a]", "-U[1, a]", "+U[1, b]", "-D[1, b]", "+I[2, x;y]", "+I[3, p;q]"}, lines)
	assert.Equal(t, []int{4, 2}, sizes)
	assert.Equal(t, []bool{true, false}, kinds, "a batch of inserts only carries no kind vector")
}

func TestEmptyData(t *testing.T) {
	mem := checkedMem(t)
	for _, data := range []string{"", "  \n ; \n"} {
		src, err := Factory{}.NewSource(tableContext([]connector.Column{col("id", types.INT())}, map[string]string{"data": data}, nil))
		require.NoError(t, err)
		lines, _, _ := emit(t, src, nil, mem)
		assert.Empty(t, lines)
	}
}

func TestDataErrors(t *testing.T) {
	cols := []connector.Column{
		col("id", types.INT().NotNullable()),
		col("name", types.VARCHAR(5)),
		col("ts", types.TIMESTAMP(3)),
		col("tags", types.ARRAY(types.INT())),
		col("m", types.MAP(types.STRING(), types.INT())),
		col("r", types.ROW(types.FIELD("a", types.INT()), types.FIELD("b", types.DECIMAL(4, 2)))),
	}
	ok := "1, a, 2024-01-31T10:15, [1], {k=1}, [1, 1.5]"
	tests := []struct {
		name string
		data string
		mode string
		want string
	}{
		{"too few values", "+I[" + ok + "]\n+I[1, a]", "",
			"values: table t: data: row 2 (line 2, column 1) has 2 values, but the table has 6 columns (id, name, ts, tags, m, r)"},
		{"too many values", "+I[" + ok + ", 7]", "",
			"values: table t: data: row 1 (line 1, column 1) has 7 values, but the table has 6 columns (id, name, ts, tags, m, r)"},
		{"bad integer", "+I[" + ok + "]; +I[x, a, null, null, null, null]", "",
			"values: table t: data: row 2, column id (INT): 'x' is not an INT"},
		{"integer out of range", "+I[3000000000, a, null, null, null, null]", "",
			"row 1, column id (INT): '3000000000' is not an INT"},
		{"NULL in NOT NULL", "+I[null, a, null, null, null, null]", "",
			"row 1, column id (INT): NULL in a NOT NULL column"},
		{"string too long", "+I[1, abcdef, null, null, null, null]", "",
			"row 1, column name (VARCHAR(5)): 'abcdef' has 6 characters, more than VARCHAR(5) holds"},
		{"bad timestamp", "+I[1, a, 2024-13-01T00:00, null, null, null]", "",
			"row 1, column ts (TIMESTAMP(3)): '2024-13-01T00:00' is not a TIMESTAMP(3) (no such date)"},
		{"too precise timestamp", "+I[1, a, 2024-01-01T00:00:00.0001, null, null, null]", "",
			"row 1, column ts (TIMESTAMP(3)): '2024-01-01T00:00:00.0001' is not a TIMESTAMP(3) (more fractional digits than TIMESTAMP(3) holds)"},
		{"zone on TIMESTAMP", "+I[1, a, 2024-01-01T00:00Z, null, null, null]", "",
			"is not a TIMESTAMP(3) (a TIMESTAMP has no time zone; drop the zone or use TIMESTAMP_LTZ)"},
		{"bad array element", "+I[1, a, null, [1, two], null, null]", "",
			"row 1, column tags (ARRAY<INT>): element 2: 'two' is not an INT"},
		{"array not bracketed", "+I[1, a, null, 1, null, null]", "",
			"row 1, column tags (ARRAY<INT>): '1' is not an array; write [e1, e2, …]"},
		{"null map key", "+I[1, a, null, null, {null=1}, null]", "",
			"row 1, column m (MAP<STRING, INT>): key 1: NULL map keys cannot be stored in Arrow maps"},
		{"bad map value", "+I[1, a, null, null, {a=1, b=x}, null]", "",
			"row 1, column m (MAP<STRING, INT>): value of key 2: 'x' is not an INT"},
		{"row arity", "+I[1, a, null, null, null, [1]]", "",
			"row 1, column r (ROW<`a` INT, `b` DECIMAL(4, 2)>): '[1]' has 1 fields, the row type has 2"},
		{"bad row field", "+I[1, a, null, null, null, [1, 100]]", "",
			"row 1, column r (ROW<`a` INT, `b` DECIMAL(4, 2)>): field b: '100' is not a DECIMAL(4, 2) (more than 2 digits before the decimal point)"},
		{"bracketed scalar", "+I[[1], a, null, null, null, null]", "",
			"row 1, column id (INT): '[1]' is a bracketed value, not a single value"},
		{"missing bracket", "+I 1, a]", "",
			"values: table t: data: row 1 (line 1, column 3): expected a row like +I[v1, v2], -U[…], +U[…] or -D[…]"},
		{"unclosed row", "+I[" + ok + "]\n+I[1, a", "",
			"values: table t: data: row 2 (line 2, column 8): missing ']' at the end of the data"},
		{"text after a row", "+I[" + ok + "] x", "",
			"row 1 (line 1, column 50): expected ';' or a new line after the row, found 'x'"},
		{"unterminated quote", "+I[1, 'abc, null, null, null, null]", "",
			"row 1 (line 1, column 7): unterminated quoted string"},
		{"text after a quote", "+I[1, 'a'b, null, null, null, null]", "",
			"row 1 (line 1, column 10): expected ',' or ']', found 'b'"},
		{"map without =", "+I[1, a, null, null, {a}, null]", "",
			"row 1 (line 1, column 24): expected '=' after a map key, found '}'"},
		{"kind outside the mode", "+I[" + ok + "]\n-D[" + ok + "]", "",
			"values: table t: data: row 2 is -D, but changelog-mode is 'I' [I]; add D to it"},
		{"update before outside an upsert mode", "-U[" + ok + "]", "I,UA,D",
			"values: table t: data: row 1 is -U, but changelog-mode is 'I,UA,D' [I,UA,D]; add UB to it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]string{"data": tc.data}
			if tc.mode != "" {
				opts["changelog-mode"] = tc.mode
			}
			_, err := Factory{}.NewSource(tableContext(cols, opts, nil))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestOptionErrors(t *testing.T) {
	cols := []connector.Column{col("id", types.INT())}
	tests := []struct {
		name string
		opts map[string]string
		cfg  engine.Config
		sink bool
		want string
	}{
		{"bad changelog mode", map[string]string{"changelog-mode": "I,U"}, nil, false,
			"values: changelog-mode = 'I,U' is not a changelog mode: 'U' is not a row kind; use I, UB, UA or D"},
		{"bad bounded", map[string]string{"bounded": "no"}, nil, false, "values: bounded = 'no' is not a boolean (true or false)"},
		{"bad zone", nil, engine.Config{engine.ConfigLocalTimeZone: "Mars/Olympus"}, false, "values: config table.local-time-zone = 'Mars/Olympus'"},
		{"bad batch size", nil, engine.Config{engine.ConfigBatchSize: "x"}, false, "values: config sluice.exec.batch-size = \"x\": not an integer"},
		{"unknown option", map[string]string{"rows": "1"}, nil, false,
			`connector "values" does not support option 'rows'; supported options: data, changelog-mode, bounded, sink-id, sink-changelog-mode, sink.delivery-guarantee, source.fail-after`},
		{"fail-after past the rows", map[string]string{"data": "[1]; [2]", "source.fail-after": "3"}, nil, false,
			"values: table t: source.fail-after is 3, not between 1 and the table's 2 rows"},
		{"bad fail-after", map[string]string{"source.fail-after": "x"}, nil, false, "source.fail-after"},
		{"bad sink mode", map[string]string{"sink-changelog-mode": ""}, nil, true,
			"values: sink-changelog-mode = '' is not a changelog mode: '' is not a row kind; use I, UB, UA or D"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.sink {
				_, err = Factory{}.NewSink(tableContext(cols, tc.opts, tc.cfg))
			} else {
				_, err = Factory{}.NewSource(tableContext(cols, tc.opts, tc.cfg))
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSinkRegistry(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{col("id", types.INT()), col("name", types.STRING())}
	Reset("t")
	Reset("custom")
	t.Cleanup(func() { Reset("t"); Reset("custom") })

	def, err := Factory{}.NewSink(tableContext(cols, nil, nil))
	require.NoError(t, err)
	assert.Equal(t, connector.All, def.Accepts)
	assert.Equal(t, "sink-id=t", def.Describe, "the sink id defaults to the table's name")

	custom, err := Factory{}.NewSink(tableContext(cols, map[string]string{"sink-id": "custom", "sink-changelog-mode": "I"}, nil))
	require.NoError(t, err)
	assert.Equal(t, connector.InsertOnly, custom.Accepts)

	src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"data": "+I[1, a]; -U[1, a]; +U[1, b]", "changelog-mode": "I,UB,UA"}, nil))
	require.NoError(t, err)
	write := func(sink *connector.Sink) error {
		s := src.Instance(0, 1)
		k := sink.Instance(0, 1)
		ctx := context.Background()
		require.NoError(t, s.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
		require.NoError(t, k.Open(ctx, &engine.RuntimeContext{Parallelism: 1, Mem: mem}))
		err := s.Run(ctx, engine.CollectorFunc(func(ctx context.Context, b *vectorized.Batch) error { return k.Write(ctx, b) }))
		if err == nil {
			err = k.Finish(ctx)
		}
		require.NoError(t, k.Close())
		require.NoError(t, s.Close())
		return err
	}
	require.NoError(t, write(def))
	rows := Collected("t").Rows()
	require.Len(t, rows, 3)
	assert.Equal(t, "-U[1, a]", rows[1].String())
	table, err := Collected("t").Materialize()
	require.NoError(t, err)
	assert.Equal(t, []engine.Row{{Kind: vectorized.Insert, Values: []any{int64(1), "b"}}}, table)
	assert.Equal(t, 1, Collected("t").Finished())

	require.NoError(t, write(def))
	assert.Len(t, Collected("t").Rows(), 6, "a second job appends")
	Reset("t")
	assert.Empty(t, Collected("t").Rows())

	err = write(custom)
	require.Error(t, err)
	assert.Equal(t, "values: sink custom accepts [I] but row 1 of a batch is -U", err.Error())
}

// TestUnboundedSourceIdlesUntilCancelled: with bounded=false the job never
// ends by itself.
func TestUnboundedSourceIdlesUntilCancelled(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{col("id", types.INT())}
	Reset("idle")
	t.Cleanup(func() { Reset("idle") })
	src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"data": "+I[1]; +I[2]", "bounded": "false"}, nil))
	require.NoError(t, err)
	assert.False(t, src.Bounded)
	sink, err := Factory{}.NewSink(tableContext(cols, map[string]string{"sink-id": "idle"}, nil))
	require.NoError(t, err)
	g := &engine.JobGraph{Name: "idle", Mem: mem, Vertices: []*engine.Vertex{
		{ID: 1, Name: "values", Parallelism: 1, Source: func(s int) engine.Source { return src.Instance(s, 1) }},
		{ID: 2, Name: "sink", Parallelism: 2, Inputs: []engine.Edge{{From: 1, Partition: engine.Partitioning{Kind: engine.Rebalance}}},
			Sink: func(s int) engine.Sink { return sink.Instance(s, 2) }},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := engine.Execute(ctx, g, nil)
		done <- err
	}()
	require.Eventually(t, func() bool { return len(Collected("idle").Rows()) == 2 }, 10*time.Second, time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the job ended by itself: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	err = <-done
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	assert.Zero(t, Collected("idle").Finished(), "a cancelled job does not finish its sinks")
}

// TestValuesJob is the end-to-end job: values source → values sink through
// engine.Execute, on a checked allocator.
func TestValuesJob(t *testing.T) {
	mem := checkedMem(t)
	cols := []connector.Column{
		col("province", types.STRING()), col("visits", types.BIGINT()),
		col("last", types.TIMESTAMP(3)),
	}
	Reset("stats")
	t.Cleanup(func() { Reset("stats") })
	data := `
		+I[beijing, 1, 2024-01-31T10:00]
		+I[shanghai, 1, 2024-01-31T10:01]
		-U[beijing, 1, 2024-01-31T10:00]
		+U[beijing, 2, 2024-01-31T10:02]
		-D[shanghai, 1, 2024-01-31T10:01]
		+I[guangzhou, 5, null]`
	src, err := Factory{}.NewSource(tableContext(cols, map[string]string{"data": data, "changelog-mode": "I,UB,UA,D"}, engine.Config{engine.ConfigBatchSize: "2"}))
	require.NoError(t, err)
	sink, err := Factory{}.NewSink(tableContext(cols, map[string]string{"sink-id": "stats"}, nil))
	require.NoError(t, err)
	g := &engine.JobGraph{Name: "values", Bounded: true, Mem: mem, Vertices: []*engine.Vertex{{
		ID: 1, Name: "values", Parallelism: 1,
		Source: func(s int) engine.Source { return src.Instance(s, 1) },
		Sink:   func(s int) engine.Sink { return sink.Instance(s, 1) },
	}}}
	res, err := engine.Execute(context.Background(), g, engine.Config{engine.ConfigBatchSize: "2"})
	require.NoError(t, err)
	m, ok := res.Operator("Values")
	require.True(t, ok)
	assert.EqualValues(t, 3, m.BatchesOut, "six rows in batches of two")

	var changelog []string
	for _, r := range Collected("stats").Rows() {
		changelog = append(changelog, r.String())
	}
	assert.Equal(t, []string{
		"+I[beijing, 1, 2024-01-31 10:00:00.000]",
		"+I[shanghai, 1, 2024-01-31 10:01:00.000]",
		"-U[beijing, 1, 2024-01-31 10:00:00.000]",
		"+U[beijing, 2, 2024-01-31 10:02:00.000]",
		"-D[shanghai, 1, 2024-01-31 10:01:00.000]",
		"+I[guangzhou, 5, null]",
	}, changelog)
	table, err := Collected("stats").Materialize()
	require.NoError(t, err)
	var final []string
	for _, r := range table {
		final = append(final, r.String())
	}
	assert.Equal(t, []string{"+I[beijing, 2, 2024-01-31 10:02:00.000]", "+I[guangzhou, 5, null]"}, final)
	assert.Equal(t, 1, Collected("stats").Finished())
}
