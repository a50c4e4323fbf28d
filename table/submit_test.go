package table_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/values"
	"github.com/sluice-stream/sluice/table"
)

// Submit returns while an unbounded job runs; the job reports running,
// live metrics, and ends on Cancel.
func TestSubmitUnboundedInsert(t *testing.T) {
	env := table.NewEnvironment(table.Settings{Streaming: true})
	ctx := context.Background()
	_, err := env.ExecuteSQL(ctx, `CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000000')`)
	require.NoError(t, err)
	_, err = env.ExecuteSQL(ctx, `CREATE TABLE collected (id BIGINT) WITH ('connector' = 'values', 'sink-id' = 'submit-test')`)
	require.NoError(t, err)
	defer values.Reset("submit-test")

	job, err := env.Submit(ctx, "INSERT INTO collected SELECT id FROM gen WHERE id % 2 = 0")
	require.NoError(t, err)
	select {
	case <-job.Running():
	case <-time.After(10 * time.Second):
		t.Fatal("not running")
	}
	require.Eventually(t, func() bool { return len(values.Collected("submit-test").Rows()) >= 10 }, 10*time.Second, 5*time.Millisecond)
	live := int64(0)
	for _, m := range job.Metrics() {
		if m.Kind == "source" {
			live += m.RecordsOut
		}
	}
	assert.Greater(t, live, int64(0))
	job.Cancel()
	res, err := job.Wait()
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)

	_, err = env.Submit(ctx, "SELECT 1")
	assert.ErrorContains(t, err, "Submit runs INSERT statements")
	_, err = env.Submit(ctx, "INSERT INTO nowhere SELECT 1")
	assert.Error(t, err)
}

func TestPrintAlignsWideCharacters(t *testing.T) {
	r := &table.Result{Columns: []string{"province", "n"}, Rows: []table.Row{{Kind: "+I", Values: []any{"北京", int64(7)}}, {Kind: "+I", Values: []any{"x", int64(10)}}}}
	var b strings.Builder
	r.Print(&b)
	assert.Equal(t, `+----------+----+
| province |  n |
+----------+----+
|     北京 |  7 |
|        x | 10 |
+----------+----+
2 rows in set
`, b.String())
}

func TestFromRecords(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	var recs []arrow.RecordBatch
	for _, part := range [][]any{{"a", 1.5, "b", 2.0}, {"a", 3.0}} {
		for i := 0; i < len(part); i += 2 {
			b.Field(0).(*array.StringBuilder).Append(part[i].(string))
			b.Field(1).(*array.Float64Builder).Append(part[i+1].(float64))
		}
		recs = append(recs, b.NewRecordBatch())
	}
	env := table.NewEnvironment(table.Settings{})
	tb, err := env.FromRecords(schema, recs)
	require.NoError(t, err)
	for _, r := range recs {
		r.Release()
	}
	assert.Equal(t, "v", tb.Schema()[1].Name)
	assert.Equal(t, "DOUBLE NOT NULL", tb.Schema()[1].Type.String())
	res, err := tb.GroupBy("k").Select("k, sum(v) as s").OrderBy("k").Execute(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"a", "4.5"}, {"b", "2.0"}}, res.Text())

	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	_, err = env.FromRecords(other, recs[:1])
	assert.ErrorContains(t, err, "record 0 has schema")
}

func TestStreamOfAnUnboundedQuery(t *testing.T) {
	env := table.NewEnvironment(table.Settings{Streaming: true})
	ctx := context.Background()
	_, err := env.ExecuteSQL(ctx, `CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000000000')`)
	require.NoError(t, err)
	q, err := env.SQLQuery("SELECT MOD(id, 2) AS k, COUNT(*) AS n FROM gen GROUP BY MOD(id, 2)")
	require.NoError(t, err)
	s, err := q.Stream(ctx)
	require.NoError(t, err)
	assert.True(t, s.Changelog)
	assert.Equal(t, []string{"k", "n"}, s.Columns)
	rows := 0
	for b := range s.C {
		rows += int(b.Record.NumRows())
		b.Release()
		if rows >= 20 {
			s.Job.Cancel()
			break
		}
	}
	for b := range s.C { // drain what was in flight
		b.Release()
	}
	_, err = s.Job.Wait()
	assert.ErrorIs(t, err, context.Canceled)
	assert.GreaterOrEqual(t, rows, 20)
}
