package table_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// windowEnv is an environment with table t(k, v, ts, pt): ts an event-time
// attribute (watermark ts - 1 s), pt a processing-time one, read from a
// CSV file.
func windowEnv(t *testing.T, streaming bool) (*table.Environment, *table.Table) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.csv")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join([]string{
		"a,1,2024-01-01 00:00:01",
		"b,2,2024-01-01 00:03:00",
		"a,3,2024-01-01 00:07:00",
		"a,4,2024-01-01 00:12:00",
		"b,5,2024-01-01 00:14:00",
		"a,6,2024-01-01 00:31:00",
	}, "\n")+"\n"), 0o644))
	env := table.NewEnvironment(table.Settings{Streaming: streaming, Config: map[string]string{"parallelism.default": "1"}})
	_, err := env.ExecuteSQL(context.Background(), `CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), pt AS PROCTIME(),
		WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem', 'path' = '`+path+`', 'format' = 'csv')`)
	require.NoError(t, err)
	tb, err := env.From("t")
	require.NoError(t, err)
	return env, tb
}

func schemaText(tb *table.Table) string {
	var parts []string
	for _, f := range tb.Schema() {
		parts = append(parts, f.Name+" "+f.Type.String())
	}
	return strings.Join(parts, ", ")
}

func sortedRows(t *testing.T, tb *table.Table) []string {
	t.Helper()
	out := rowsText(t, tb)
	sort.Strings(out)
	return out
}

// Group windows of the Table API: the Go builder and PyFlink's string
// expressions give the same windows. Expected schemas and rows are the
// ones PyFlink 2.3 prints for the same programs over the same rows.
func TestTableGroupWindows(t *testing.T) {
	tumbleRows := []string{
		"+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 4]",
		"+I[a, 2024-01-01 00:10:00.000, 2024-01-01 00:20:00.000, 4]",
		"+I[a, 2024-01-01 00:30:00.000, 2024-01-01 00:40:00.000, 6]",
		"+I[b, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2]",
		"+I[b, 2024-01-01 00:10:00.000, 2024-01-01 00:20:00.000, 5]",
	}
	tumbleSchema := "k STRING, EXPR$0 TIMESTAMP(3), EXPR$1 TIMESTAMP(3), EXPR$2 INT"
	for _, streaming := range []bool{true, false} {
		mode := map[bool]string{true: "streaming", false: "batch"}[streaming]
		t.Run(mode, func(t *testing.T) {
			_, tb := windowEnv(t, streaming)
			rowtime := "TIMESTAMP(3)"
			if streaming {
				rowtime = "TIMESTAMP(3) *ROWTIME*"
			}
			cases := []struct {
				name   string
				tb     *table.Table
				schema string
				rows   []string
			}{
				{"tumble builder",
					tb.Window(table.TumbleOver(table.Lit(10).Minutes()).On(table.Col("ts")).As("w")).
						GroupBy(table.Col("w"), table.Col("k")).
						Select(table.Col("k"), table.Col("w").Start(), table.Col("w").End(), table.Col("v").Sum()),
					tumbleSchema, tumbleRows},
				{"tumble strings",
					tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w, k").Select("k, w.start, w.end, v.sum"),
					tumbleSchema, tumbleRows},
				{"tumble millis",
					tb.Window(table.TumbleOver(table.Lit(600000).Millis()).On("ts").As("w")).GroupBy("w").Select("w.start, v.sum"),
					"EXPR$0 TIMESTAMP(3), EXPR$1 INT",
					[]string{"+I[2024-01-01 00:00:00.000, 6]", "+I[2024-01-01 00:10:00.000, 9]", "+I[2024-01-01 00:30:00.000, 6]"}},
				{"aliases and rowtime",
					tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("k, w").
						Select("k, w.start as s, w.end as e, w.rowtime as rt, v.sum as total, v.count"),
					"k STRING, s TIMESTAMP(3), e TIMESTAMP(3), rt " + rowtime + ", total INT, EXPR$4 BIGINT NOT NULL",
					[]string{
						"+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2024-01-01 00:09:59.999, 4, 2]",
						"+I[a, 2024-01-01 00:10:00.000, 2024-01-01 00:20:00.000, 2024-01-01 00:19:59.999, 4, 1]",
						"+I[a, 2024-01-01 00:30:00.000, 2024-01-01 00:40:00.000, 2024-01-01 00:39:59.999, 6, 1]",
						"+I[b, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2024-01-01 00:09:59.999, 2, 1]",
						"+I[b, 2024-01-01 00:10:00.000, 2024-01-01 00:20:00.000, 2024-01-01 00:19:59.999, 5, 1]",
					}},
				{"window only",
					tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w").Select("w.end, v.max, v.avg"),
					"EXPR$0 TIMESTAMP(3), EXPR$1 INT, EXPR$2 INT",
					[]string{"+I[2024-01-01 00:10:00.000, 3, 2]", "+I[2024-01-01 00:20:00.000, 5, 4]", "+I[2024-01-01 00:40:00.000, 6, 6]"}},
				{"names in order of first appearance",
					tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w, k").
						Select("k, v.sum + 1, w.start, v.sum, v.sum as x, v.count"),
					"k STRING, _c1 INT, EXPR$1 TIMESTAMP(3), EXPR$0 INT, x INT, EXPR$2 BIGINT NOT NULL",
					[]string{
						"+I[a, 5, 2024-01-01 00:00:00.000, 4, 4, 2]",
						"+I[a, 5, 2024-01-01 00:10:00.000, 4, 4, 1]",
						"+I[a, 7, 2024-01-01 00:30:00.000, 6, 6, 1]",
						"+I[b, 3, 2024-01-01 00:00:00.000, 2, 2, 1]",
						"+I[b, 6, 2024-01-01 00:10:00.000, 5, 5, 1]",
					}},
				{"property expression",
					tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w, k").
						Select(table.Col("k"), table.Col("w").End().Minus(table.Lit(1).Minutes()), table.Col("v").Sum()),
					"k STRING, _c1 TIMESTAMP(3), EXPR$1 INT",
					[]string{
						"+I[a, 2024-01-01 00:09:00.000, 4]", "+I[a, 2024-01-01 00:19:00.000, 4]", "+I[a, 2024-01-01 00:39:00.000, 6]",
						"+I[b, 2024-01-01 00:09:00.000, 2]", "+I[b, 2024-01-01 00:19:00.000, 5]",
					}},
				{"slide",
					tb.Window(table.SlideOver("10.minutes").Every("5.minutes").On("ts").As("w")).GroupBy("w, k").Select("k, w.start, w.end, v.sum"),
					tumbleSchema,
					[]string{
						"+I[a, 2023-12-31 23:55:00.000, 2024-01-01 00:05:00.000, 1]",
						"+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 4]",
						"+I[a, 2024-01-01 00:05:00.000, 2024-01-01 00:15:00.000, 7]",
						"+I[a, 2024-01-01 00:10:00.000, 2024-01-01 00:20:00.000, 4]",
						"+I[a, 2024-01-01 00:25:00.000, 2024-01-01 00:35:00.000, 6]",
						"+I[a, 2024-01-01 00:30:00.000, 2024-01-01 00:40:00.000, 6]",
						"+I[b, 2023-12-31 23:55:00.000, 2024-01-01 00:05:00.000, 2]",
						"+I[b, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2]",
						"+I[b, 2024-01-01 00:05:00.000, 2024-01-01 00:15:00.000, 5]",
						"+I[b, 2024-01-01 00:10:00.000, 2024-01-01 00:20:00.000, 5]",
					}},
				{"then filter",
					tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w, k").
						Select("k, w.start as s, v.sum as total").Where("total > 3"),
					"k STRING, s TIMESTAMP(3), total INT",
					[]string{
						"+I[a, 2024-01-01 00:00:00.000, 4]", "+I[a, 2024-01-01 00:10:00.000, 4]",
						"+I[a, 2024-01-01 00:30:00.000, 6]", "+I[b, 2024-01-01 00:10:00.000, 5]",
					}},
			}
			// Flink 2.3's batch Table API refuses session windows; 1.10's
			// ran them, as Sluice does (the same sessions: no row is late).
			cases = append(cases, struct {
				name   string
				tb     *table.Table
				schema string
				rows   []string
			}{"session",
				tb.Window(table.SessionWithGap(table.Lit(5).Minutes()).On(table.Col("ts")).As("w")).GroupBy("w, k").
					Select("k, w.start, w.end, w.rowtime, v.sum"),
				"k STRING, EXPR$0 TIMESTAMP(3), EXPR$1 TIMESTAMP(3), EXPR$2 " + rowtime + ", EXPR$3 INT",
				[]string{
					"+I[a, 2024-01-01 00:00:01.000, 2024-01-01 00:05:01.000, 2024-01-01 00:05:00.999, 1]",
					"+I[a, 2024-01-01 00:07:00.000, 2024-01-01 00:17:00.000, 2024-01-01 00:16:59.999, 7]",
					"+I[a, 2024-01-01 00:31:00.000, 2024-01-01 00:36:00.000, 2024-01-01 00:35:59.999, 6]",
					"+I[b, 2024-01-01 00:03:00.000, 2024-01-01 00:08:00.000, 2024-01-01 00:07:59.999, 2]",
					"+I[b, 2024-01-01 00:14:00.000, 2024-01-01 00:19:00.000, 2024-01-01 00:18:59.999, 5]",
				}})
			if !streaming {
				// PyFlink 1.10's batch row-count windows (Flink 2.3 refuses
				// them): each key's rows by ts, in twos; b's are one window,
				// a's two.
				cases = append(cases, struct {
					name   string
					tb     *table.Table
					schema string
					rows   []string
				}{"row-count tumble",
					tb.Window(table.TumbleOver("2.rows").On("ts").As("w")).GroupBy("w, k").Select("k, v.sum"),
					"k STRING, EXPR$0 INT",
					[]string{"+I[a, 10]", "+I[a, 4]", "+I[b, 7]"}})
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					require.NoError(t, tc.tb.Err())
					assert.Equal(t, tc.schema, schemaText(tc.tb))
					assert.Equal(t, tc.rows, sortedRows(t, tc.tb))
				})
			}
		})
	}
}

// Misuse of group windows fails with the meaning of Flink's messages.
func TestTableGroupWindowErrors(t *testing.T) {
	for _, streaming := range []bool{true, false} {
		mode := map[bool]string{true: "streaming", false: "batch"}[streaming]
		t.Run(mode, func(t *testing.T) {
			_, tb := windowEnv(t, streaming)
			tumble := table.TumbleOver("10.minutes").On("ts").As("w")
			env := map[bool]string{true: "stream", false: "batch"}[streaming]
			cases := []struct {
				name string
				tb   *table.Table
				err  string
			}{
				{"no window alias in group by", tb.Window(tumble).GroupBy("k").Select("k, v.sum"), "GroupBy must contain exactly one window alias."},
				{"window alias twice", tb.Window(tumble).GroupBy("w, w").Select("v.sum"), "GroupBy must contain exactly one window alias."},
				{"window alias selected", tb.Window(tumble).GroupBy("w").Select("w, v.sum"), "Cannot resolve field [w]"},
				{"time field not a time attribute", tb.Window(table.TumbleOver("10.minutes").On("v").As("w")).GroupBy("w").Select("v.sum"),
					"A group window expects a time attribute for grouping in a " + env + " environment."},
				{"time field unknown", tb.Window(table.TumbleOver("10.minutes").On("zz").As("w")).GroupBy("w").Select("v.sum"),
					"Cannot resolve field [zz], input field list:[k, v, ts, pt]."},
				{"time field computed", tb.Window(table.TumbleOver("10.minutes").On("ts + 1.minutes").As("w")).GroupBy("w").Select("v.sum"),
					"A group window expects a time attribute for grouping."},
				{"property of another column", tb.Window(tumble).GroupBy("w, k").Select("k.start, v.sum"), "Reference to a rowtime or proctime window required"},
				{"proctime of an event-time window", tb.Window(tumble).GroupBy("w").Select("w.proctime, v.sum"), "Reference to a rowtime or proctime window required"},
				{"no alias", tb.Window(table.TumbleOver("10.minutes").On("ts")).GroupBy("w").Select("v.sum"), "needs an alias"},
				{"over bound as size", tb.Window(table.TumbleOver("unbounded_range").On("ts").As("w")).GroupBy("w").Select("v.sum"), "bounds an over window"},
			}
			if streaming {
				cases = append(cases,
					struct {
						name string
						tb   *table.Table
						err  string
					}{"row-count window on event time", tb.Window(table.TumbleOver(table.RowInterval(2)).On("ts").As("w")).GroupBy("w, k").Select("k, v.sum"),
						"Event-time grouping windows on row intervals are currently not supported."},
					struct {
						name string
						tb   *table.Table
						err  string
					}{"rowtime of a processing-time window", tb.Window(table.TumbleOver("10.minutes").On("pt").As("w")).GroupBy("w").Select("w.rowtime, v.sum"),
						"A proctime window cannot provide a rowtime attribute"},
					struct {
						name string
						tb   *table.Table
						err  string
					}{"row-count window on processing time", tb.Window(table.TumbleOver("2.rows").On("pt").As("w")).GroupBy("w, k").Select("k, v.sum"),
						"row-count group windows"})
			} else {
				cases = append(cases,
					struct {
						name string
						tb   *table.Table
						err  string
					}{"sliding row-count window", tb.Window(table.SlideOver("4.rows").Every("2.rows").On("ts").As("w")).GroupBy("w, k").Select("k, v.sum"),
						"Window SlidingGroupWindow('w, ts, 4, 2) is not supported right now."},
					struct {
						name string
						tb   *table.Table
						err  string
					}{"row-count window's start", tb.Window(table.TumbleOver("2.rows").On("ts").As("w")).GroupBy("w, k").Select("k, w.start"),
						"w.start: a row-count window has no start, end or time"},
					struct {
						name string
						tb   *table.Table
						err  string
					}{"processing-time window", tb.Window(table.TumbleOver("10.minutes").On("pt").As("w")).GroupBy("w").Select("v.sum"),
						"Window can not be defined over a proctime attribute column for batch mode"})
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					require.Error(t, tc.tb.Err())
					assert.Contains(t, tc.tb.Err().Error(), tc.err)
				})
			}
		})
	}
}

// GroupBy reports a missing window alias itself, as Flink's groupBy does.
func TestWindowGroupByError(t *testing.T) {
	_, tb := windowEnv(t, true)
	g := tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("k")
	require.EqualError(t, g.Err(), "GroupBy must contain exactly one window alias.")
	require.NoError(t, tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy(table.Col("k"), table.Col("w")).Err())
}

// A window's expressions are not changed by Select, so they can be used
// again.
func TestWindowExprsReusable(t *testing.T) {
	_, tb := windowEnv(t, false)
	start := table.Col("w").Start()
	w := tb.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w")
	a := w.Select(start, table.Col("v").Sum())
	b := w.Select(start.As("s"))
	require.NoError(t, a.Err())
	require.NoError(t, b.Err())
	assert.Equal(t, "start(w)", strings.ReplaceAll(start.String(), "`", ""))
	assert.Equal(t, "s TIMESTAMP(3)", schemaText(b))
}

// Over windows of the Table API run as SQL's OVER aggregates. Expected
// schemas and rows are the ones PyFlink 2.3 prints for the same programs.
func TestTableOverWindows(t *testing.T) {
	_, tb := windowEnv(t, true)
	cumulative := []string{"+I[a, 1, 1]", "+I[a, 3, 4]", "+I[a, 4, 8]", "+I[a, 6, 14]", "+I[b, 2, 2]", "+I[b, 5, 7]"}
	cases := []struct {
		name   string
		tb     *table.Table
		schema string
		rows   []string
	}{
		{"unbounded range builder",
			tb.OverWindow(table.OverPartitionBy(table.Col("k")).OrderBy(table.Col("ts")).Preceding(table.UnboundedRange).As("w")).
				Select(table.Col("k"), table.Col("ts"), table.Col("v").Sum().Over(table.Col("w")), table.Col("v").Count().Over(table.Col("w")).As("c")),
			"k STRING, ts TIMESTAMP(3) *ROWTIME*, _c2 INT, c BIGINT NOT NULL",
			[]string{
				"+I[a, 2024-01-01 00:00:01.000, 1, 1]", "+I[a, 2024-01-01 00:07:00.000, 4, 2]",
				"+I[a, 2024-01-01 00:12:00.000, 8, 3]", "+I[a, 2024-01-01 00:31:00.000, 14, 4]",
				"+I[b, 2024-01-01 00:03:00.000, 2, 1]", "+I[b, 2024-01-01 00:14:00.000, 7, 2]",
			}},
		{"unbounded range strings",
			tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").Preceding("unbounded_range").As("w")).
				Select("k, ts, v.sum over w, v.count over w as c"),
			"k STRING, ts TIMESTAMP(3) *ROWTIME*, _c2 INT, c BIGINT NOT NULL",
			[]string{
				"+I[a, 2024-01-01 00:00:01.000, 1, 1]", "+I[a, 2024-01-01 00:07:00.000, 4, 2]",
				"+I[a, 2024-01-01 00:12:00.000, 8, 3]", "+I[a, 2024-01-01 00:31:00.000, 14, 4]",
				"+I[b, 2024-01-01 00:03:00.000, 2, 1]", "+I[b, 2024-01-01 00:14:00.000, 7, 2]",
			}},
		{"unbounded rows", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").Preceding(table.UnboundedRow).As("w")).Select("k, v, v.sum over w"),
			"k STRING, v INT, _c2 INT", cumulative},
		{"default preceding", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").As("w")).Select("k, v, v.sum over w as s"),
			"k STRING, v INT, s INT", cumulative},
		{"following current range", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").Preceding("unbounded_range").Following("current_range").As("w")).
			Select("k, v, v.sum over w as s"), "k STRING, v INT, s INT", cumulative},
		{"bounded rows", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").Preceding(table.RowInterval(1)).Following(table.CurrentRow).As("w")).
			Select("k, v, v.sum over w as s"), "k STRING, v INT, s INT",
			[]string{"+I[a, 1, 1]", "+I[a, 3, 4]", "+I[a, 4, 7]", "+I[a, 6, 10]", "+I[b, 2, 2]", "+I[b, 5, 7]"}},
		{"bounded rows strings", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").Preceding("2.rows").As("w")).
			Select("k, v, v.avg over w as a, v.min over w"), "k STRING, v INT, a INT, _c3 INT",
			[]string{"+I[a, 1, 1, 1]", "+I[a, 3, 2, 1]", "+I[a, 4, 2, 1]", "+I[a, 6, 4, 3]", "+I[b, 2, 2, 2]", "+I[b, 5, 3, 2]"}},
		{"bounded range", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").Preceding(table.Lit(5).Minutes()).As("w")).
			Select("k, v, v.sum over w as s, v.max over w as m"), "k STRING, v INT, s INT, m INT",
			[]string{"+I[a, 1, 1, 1]", "+I[a, 3, 3, 3]", "+I[a, 4, 7, 4]", "+I[a, 6, 6, 6]", "+I[b, 2, 2, 2]", "+I[b, 5, 5, 5]"}},
		{"no partition", tb.OverWindow(table.OverOrderBy("ts").Preceding("unbounded_range").As("w")).Select("v, v.sum over w as s"),
			"v INT, s INT", []string{"+I[1, 1]", "+I[2, 3]", "+I[3, 6]", "+I[4, 10]", "+I[5, 15]", "+I[6, 21]"}},
		{"distinct count", tb.OverWindow(table.OverPartitionBy("k").OrderBy("ts").As("w")).Select("k, v.count.distinct over w"),
			"k STRING, _c1 BIGINT NOT NULL", []string{"+I[a, 1]", "+I[a, 2]", "+I[a, 3]", "+I[a, 4]", "+I[b, 1]", "+I[b, 2]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.tb.Err())
			assert.Equal(t, tc.schema, schemaText(tc.tb))
			assert.Equal(t, tc.rows, sortedRows(t, tc.tb))
		})
	}
}

// Misuse of over windows fails with the meaning of Flink's messages.
func TestTableOverWindowErrors(t *testing.T) {
	_, stream := windowEnv(t, true)
	_, batch := windowEnv(t, false)
	w := table.OverPartitionBy("k").OrderBy("ts")
	cases := []struct {
		name string
		tb   *table.Table
		err  string
	}{
		{"following rows", stream.OverWindow(w.Preceding("1.rows").Following("1.rows").As("w")).Select("v.sum over w"),
			"OVER RANGE FOLLOWING windows are not supported yet."},
		{"mixed bound kinds", stream.OverWindow(w.Preceding("1.rows").Following(table.CurrentRange).As("w")).Select("v.sum over w"),
			"Preceding and following must be of same interval type."},
		{"unknown window", stream.OverWindow(w.As("w")).Select("v.sum over x"), "Could not resolve over call"},
		{"order by a non-time column", stream.OverWindow(table.OverPartitionBy("k").OrderBy("v").As("w")).Select("v.sum over w"),
			"Second argument in OVER window must be a TIME ATTRIBUTE, but is: INT"},
		{"descending", stream.OverWindow(table.OverPartitionBy("k").OrderBy(table.Col("ts").Desc()).As("w")).Select("v.sum over w"),
			"The window can only be ordered in ASCENDING mode."},
		{"two windows", stream.OverWindow(w.As("w"), w.Preceding("1.rows").As("w2")).Select("v.sum over w, v.sum over w2"),
			"Currently, only a single over window is supported."},
		{"batch rowtime is no time attribute", batch.OverWindow(w.As("w")).Select("v.sum over w"),
			"Second argument in OVER window must be a TIME ATTRIBUTE, but is: TIMESTAMP(3)"},
		{"no alias", stream.OverWindow(w).Select("v.sum over w"), "needs an alias"},
		{"not an aggregate", stream.OverWindow(w.As("w")).Select(table.Col("v").Over(table.Col("w"))), "over applies to an aggregate call"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.tb.Err())
			assert.Contains(t, tc.tb.Err().Error(), tc.err)
		})
	}
}

// A frame that starts at the current row, and fields that are neither keys
// nor aggregated, are rejected as Flink rejects them.
func TestTableWindowFlinkRejects(t *testing.T) {
	_, tb := windowEnv(t, true)
	w := table.OverPartitionBy("k").OrderBy("ts")
	tumble := table.TumbleOver("10.minutes").On("ts").As("w")
	cases := []struct {
		name string
		tb   *table.Table
		err  string
	}{
		{"preceding current range", tb.OverWindow(w.Preceding(table.CurrentRange).As("w")).Select("v.sum over w"),
			"OVER RANGE FOLLOWING windows are not supported yet."},
		{"preceding current row", tb.OverWindow(w.Preceding("current_row").As("w")).Select("v.sum over w"),
			"OVER RANGE FOLLOWING windows are not supported yet."},
		{"range preceding, rows following", tb.OverWindow(w.Preceding("5.minutes").Following(table.CurrentRow).As("w")).Select("v.sum over w"),
			"Preceding and following must be of same interval type."},
		{"field not grouped", tb.Window(tumble).GroupBy("w").Select("k, v.sum"), "Cannot resolve field [k], input field list:[]"},
		{"field of a key expression", tb.Window(tumble).GroupBy("w, k.upperCase").Select("k.upperCase, v.sum"), "Cannot resolve field [k]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.tb.Err())
			assert.Contains(t, tc.tb.Err().Error(), tc.err)
		})
	}
	// Aggregates read any column.
	r := tb.Window(tumble).GroupBy("w").Select("(v * 2).sum, v.sum as s")
	require.NoError(t, r.Err())
	assert.Equal(t, "EXPR$0 INT, s INT", schemaText(r))
	assert.Equal(t, []string{"+I[12, 6]", "+I[12, 6]", "+I[18, 9]"}, sortedRows(t, r))
}

// A TIMESTAMP_LTZ rowtime: window start and end are TIMESTAMP(3), the
// rowtime TIMESTAMP_LTZ(3), as in Flink's Table API.
func TestTableWindowLTZ(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.csv")
	require.NoError(t, os.WriteFile(path, []byte("a,1,1704067201000\nb,2,1704067380000\na,3,1704067620000\n"), 0o644))
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"table.local-time-zone": "UTC"}})
	_, err := env.ExecuteSQL(context.Background(), `CREATE TABLE l (k STRING, v INT, e BIGINT, ts AS TO_TIMESTAMP_LTZ(e, 3),
		WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH ('connector' = 'filesystem', 'path' = '`+path+`', 'format' = 'csv')`)
	require.NoError(t, err)
	l, err := env.From("l")
	require.NoError(t, err)
	r := l.Window(table.TumbleOver("10.minutes").On("ts").As("w")).GroupBy("w, k").Select("k, w.start, w.end, w.rowtime, v.sum")
	require.NoError(t, r.Err())
	assert.Equal(t, "k STRING, EXPR$0 TIMESTAMP(3), EXPR$1 TIMESTAMP(3), EXPR$2 TIMESTAMP_LTZ(3) *ROWTIME*, EXPR$3 INT", schemaText(r))
	assert.Equal(t, []string{
		"+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2024-01-01 00:09:59.999, 4]",
		"+I[b, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2024-01-01 00:09:59.999, 2]",
	}, sortedRows(t, r))
}

// In batch mode a BIGINT field of epoch milliseconds is a window's time,
// as in Flink (which also ran PyFlink 1.10's batch windows this way).
func TestTableWindowOnEpochMillis(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.csv")
	require.NoError(t, os.WriteFile(path, []byte("a,1,1704067201000\nb,2,1704067380000\na,3,1704067620000\n"), 0o644))
	for _, streaming := range []bool{false, true} {
		env := table.NewEnvironment(table.Settings{Streaming: streaming})
		_, err := env.ExecuteSQL(context.Background(), `CREATE TABLE l (k STRING, v INT, e BIGINT)
			WITH ('connector' = 'filesystem', 'path' = '`+path+`', 'format' = 'csv')`)
		require.NoError(t, err)
		l, err := env.From("l")
		require.NoError(t, err)
		r := l.Window(table.TumbleOver("10.minutes").On("e").As("w")).GroupBy("w, k").Select("k, w.start, w.end, w.rowtime, v.sum")
		if streaming {
			require.EqualError(t, r.Err(), "A group window expects a time attribute for grouping in a stream environment.")
			continue
		}
		require.NoError(t, r.Err())
		assert.Equal(t, "k STRING, EXPR$0 TIMESTAMP(3), EXPR$1 TIMESTAMP(3), EXPR$2 TIMESTAMP(3), EXPR$3 INT", schemaText(r))
		assert.Equal(t, []string{
			"+I[a, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2024-01-01 00:09:59.999, 4]",
			"+I[b, 2024-01-01 00:00:00.000, 2024-01-01 00:10:00.000, 2024-01-01 00:09:59.999, 2]",
		}, sortedRows(t, r))
	}
}
