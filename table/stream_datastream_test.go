package table_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/planner"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// The table functions the Python DataStream API plans with
// (table/planner/datastream.go), without Python.

func dsEnv(t *testing.T, par int) *table.Environment {
	t.Helper()
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": fmt.Sprint(par)}})
	_, err := env.ExecuteSQL(context.Background(), `CREATE TEMPORARY VIEW v AS SELECT * FROM (VALUES
		(1, 'a', TIMESTAMP '2024-01-01 00:00:01'), (2, 'b', TIMESTAMP '2024-01-01 00:00:04'),
		(1, 'c', TIMESTAMP '2024-01-01 00:00:07'), (3, 'd', TIMESTAMP '2024-01-01 00:00:12')) AS t(k, s, ts)`)
	require.NoError(t, err)
	return env
}

func TestDataStreamChangelogColumn(t *testing.T) {
	env := dsEnv(t, 1)
	tb, err := env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_CHANGELOG(TABLE g))")
	require.Error(t, err) // no table g
	_, err = env.ExecuteSQL(context.Background(), "CREATE TEMPORARY VIEW g AS SELECT k, COUNT(*) AS c FROM v GROUP BY k")
	require.NoError(t, err)
	tb, err = env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_CHANGELOG(TABLE g))")
	require.NoError(t, err)
	require.Equal(t, "k INT, c BIGINT, kind TINYINT", strings.ReplaceAll(schemaText(tb), " NOT NULL", ""))
	// The changes of the aggregate as insert-only rows: +I 0, -U 1, +U 2.
	require.Equal(t, []string{"+I[1, 1, 0]", "+I[2, 1, 0]", "+I[1, 1, 1]", "+I[1, 2, 2]", "+I[3, 1, 0]"}, rowsText(t, tb))
	// and back: the kinds again, an updating table a GROUP BY retracts from
	_, err = env.ExecuteSQL(context.Background(), "CREATE TEMPORARY VIEW cl AS SELECT * FROM TABLE(SLUICE_DS_CHANGELOG(TABLE g))")
	require.NoError(t, err)
	back, err := env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_FROM_CHANGELOG(TABLE cl))")
	require.NoError(t, err)
	require.Equal(t, []string{"+I[1, 1]", "+I[2, 1]", "-U[1, 1]", "+U[1, 2]", "+I[3, 1]"}, rowsText(t, back))
	_, err = env.ExecuteSQL(context.Background(), "CREATE TEMPORARY VIEW back AS SELECT * FROM TABLE(SLUICE_DS_FROM_CHANGELOG(TABLE cl))")
	require.NoError(t, err)
	total, err := env.SQLQuery("SELECT SUM(c) FROM back")
	require.NoError(t, err)
	rows := rowsText(t, total)
	require.Equal(t, "+U[4]", rows[len(rows)-1])
	_, err = env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_FROM_CHANGELOG(TABLE v))")
	require.ErrorContains(t, err, "SLUICE_DS_FROM_CHANGELOG: no column kind")
}

func TestDataStreamWatermark(t *testing.T) {
	env := dsEnv(t, 1)
	tb, err := env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE v, DESCRIPTOR(ts), ts - INTERVAL '1' SECOND))")
	require.NoError(t, err)
	require.Equal(t, "k INT, s CHAR(1), ts TIMESTAMP(0) *ROWTIME*", strings.ReplaceAll(schemaText(tb), " NOT NULL", ""))
	_, err = env.ExecuteSQL(context.Background(), "CREATE TEMPORARY VIEW w AS SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE v, DESCRIPTOR(ts), ts - INTERVAL '1' SECOND))")
	require.NoError(t, err)
	win, err := env.SQLQuery("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE w, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end")
	require.NoError(t, err)
	require.Equal(t, []string{"+I[2024-01-01 00:00:00.000, 2]", "+I[2024-01-01 00:00:05.000, 1]", "+I[2024-01-01 00:00:10.000, 1]"}, sortedRows(t, win))
	// with_idleness: the idle timeout in milliseconds
	idle, err := env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE v, DESCRIPTOR(ts), ts, 5000))")
	require.NoError(t, err)
	require.Len(t, rowsText(t, idle), 4)
	_, err = env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE v, DESCRIPTOR(ts), ts, 'x'))")
	require.ErrorContains(t, err, "the idle timeout is a number of milliseconds")
	_, err = env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_WATERMARK(TABLE v, DESCRIPTOR(nope), ts))")
	require.ErrorContains(t, err, "SLUICE_DS_WATERMARK: no column nope in k, s, ts")
}

// keyCounter emits "subtask:key:n" for each row: the n-th row of its key
// this subtask saw.
type keyCounter struct {
	key     int
	subtask int
	seen    map[int32]int
}

func (c *keyCounter) Open(_ context.Context, rt *engine.RuntimeContext) error {
	c.subtask, c.seen = rt.Subtask, map[int32]int{}
	return nil
}

func (c *keyCounter) Process(ctx context.Context, _ int, b *vectorized.Batch, out engine.Collector) error {
	keys := b.Record.Column(c.key).(*array.Int32)
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	defer sb.Release()
	for i := 0; i < keys.Len(); i++ {
		k := keys.Value(i)
		c.seen[k]++
		sb.Append(fmt.Sprintf("%d:%d:%d", c.subtask, k, c.seen[k]))
	}
	col := sb.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "f0", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	ob := vectorized.NewBatch(array.NewRecordBatch(schema, []arrow.Array{col}, int64(keys.Len())))
	defer ob.Release()
	return out.Collect(ctx, ob)
}

func (c *keyCounter) EndInput(context.Context, engine.Collector) error { return nil }
func (c *keyCounter) Close() error                                     { return nil }

func TestDataStreamOperatorRunsBehindAHashExchange(t *testing.T) {
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{"parallelism.default": "3"}})
	var rows []string
	for i := 0; i < 300; i++ {
		rows = append(rows, fmt.Sprintf("(%d, %d)", i%11, i))
	}
	_, err := env.ExecuteSQL(context.Background(), "CREATE TEMPORARY VIEW v AS SELECT * FROM (VALUES "+strings.Join(rows, ", ")+") AS t(k, x)")
	require.NoError(t, err)
	id := planner.RegisterDataStreamOperator(&planner.DataStreamOperator{
		Name: "KeyCounter(function=[test])", KeyCol: "k", ValueCol: "x",
		Out: planner.Field{Name: "f0", Type: types.STRING()},
		New: func(in planner.Schema, key, value, rowtime int) (engine.Operator, error) {
			if rowtime != -1 || in[key].Name != "k" || in[value].Name != "x" {
				return nil, fmt.Errorf("unexpected columns %d %d %d", key, value, rowtime)
			}
			return &keyCounter{key: key}, nil
		},
	})
	tb, err := env.SQLQuery(fmt.Sprintf("SELECT * FROM TABLE(SLUICE_DS_OPERATOR(TABLE v, %d))", id))
	require.NoError(t, err)
	plan, err := tb.Explain()
	require.NoError(t, err)
	require.Contains(t, plan, "KeyCounter(function=[test])\n+- Exchange(distribution=[hash[k]])")
	res, err := tb.Execute(context.Background())
	require.NoError(t, err)
	subtaskOf := map[string]string{}
	count := map[string]int{}
	for _, r := range res.Text() {
		p := strings.Split(r[0], ":")
		if s, ok := subtaskOf[p[1]]; ok {
			require.Equal(t, s, p[0], "key %s on two subtasks", p[1])
		}
		subtaskOf[p[1]] = p[0]
		count[p[1]]++
		require.Equal(t, fmt.Sprint(count[p[1]]), p[2])
	}
	require.Len(t, count, 11)
	// The 11 keys spread over the 3 subtasks.
	distinct := map[string]bool{}
	for _, s := range subtaskOf {
		distinct[s] = true
	}
	require.GreaterOrEqual(t, len(distinct), 2)

	_, err = env.SQLQuery("SELECT * FROM TABLE(SLUICE_DS_OPERATOR(TABLE v, 999999))")
	require.ErrorContains(t, err, "SLUICE_DS_OPERATOR: no operator 999999")
	_, err = env.ExecuteSQL(context.Background(), "CREATE TEMPORARY VIEW g AS SELECT k, COUNT(*) AS x FROM v GROUP BY k")
	require.NoError(t, err)
	_, err = env.SQLQuery(fmt.Sprintf("SELECT * FROM TABLE(SLUICE_DS_OPERATOR(TABLE g, %d))", id))
	require.ErrorContains(t, err, "KeyCounter(function=[test]) consumes an insert-only stream")
}
