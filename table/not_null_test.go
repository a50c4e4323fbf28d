package table_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/types"
)

// A NULL bound for a NOT NULL column fails the job with Flink's message
// (table.exec.sink.not-null-enforcer=ERROR) or drops the row (DROP); the
// collect sink of a SELECT enforces its NOT NULL columns as Flink's does.
func TestNotNullEnforcer(t *testing.T) {
	nullOnTwo := table.RowFunction(types.BIGINT().NotNullable(), func(a []any) (any, error) {
		if a[0].(int64) == 2 {
			return nil, nil
		}
		return a[0], nil
	}, types.BIGINT())
	env := table.NewEnvironment(table.Settings{})
	require.NoError(t, env.CreateTemporarySystemFunction("f", nullOnTwo))
	v, err := env.FromValues([]string{"x"}, []any{"CAST(1 AS BIGINT)"}, []any{"CAST(2 AS BIGINT)"}, []any{"CAST(3 AS BIGINT)"})
	require.NoError(t, err)
	require.NoError(t, env.CreateTemporaryView("v", v))

	tb, err := env.SQLQuery("SELECT x, f(x) AS y FROM v")
	require.NoError(t, err)
	assert.Equal(t, "BIGINT NOT NULL", tb.Schema()[1].Type.String(), "a UDF keeps its declared NOT NULL")
	_, err = tb.Execute(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Column 'y' is NOT NULL, however, a null value is being written into it. You can set job configuration 'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop such records silently. Row: +I[2, null]")
	assert.Contains(t, err.Error(), "(f(x), declared BIGINT NOT NULL, returned NULL)")

	require.NoError(t, env.SetConfig("table.exec.sink.not-null-enforcer", "DROP"))
	tb, err = env.SQLQuery("SELECT x, f(x) AS y FROM v")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[1, 1]", "+I[3, 3]"}, rowsText(t, tb))

}
