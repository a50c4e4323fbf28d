package table_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
