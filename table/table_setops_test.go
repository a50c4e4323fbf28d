package table_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// Flink's Table API refuses minus and intersect in streaming mode, as its
// SetOperationFactory does; UNION stays, and SQL runs all of them.
func TestTableAPIMinusIntersectStreaming(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	require.NoError(t, env.SetConfig("execution.runtime-mode", "streaming"))
	logs := logsTable(t, env)
	for _, tc := range []struct {
		tb   *table.Table
		want string
	}{
		{logs.Minus(logs), "The MINUS operation on two unbounded tables is currently not supported."},
		{logs.MinusAll(logs), "The MINUS operation on two unbounded tables is currently not supported."},
		{logs.Intersect(logs), "The INTERSECT operation on two unbounded tables is currently not supported."},
		{logs.IntersectAll(logs), "The INTERSECT operation on two unbounded tables is currently not supported."},
	} {
		assert.EqualError(t, tc.tb.Err(), tc.want)
	}
	assert.NoError(t, logs.Union(logs).Err())
	q, err := env.SQLQuery("SELECT uuid FROM (VALUES ('a'), ('b')) AS t(uuid) EXCEPT SELECT 'b'")
	require.NoError(t, err)
	assert.NoError(t, q.Err())
}
