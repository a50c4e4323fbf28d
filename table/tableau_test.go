package table_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// TableResult.print() as Flink prints it: widths from the types (BIGINT 20,
// STRING 30, BOOLEAN 6 for <NULL>), the op column in streaming mode only,
// <NULL>, "N rows in set", "Empty set".
func TestPrintTableau(t *testing.T) {
	for _, streaming := range []bool{true, false} {
		env := table.NewEnvironment(table.Settings{Streaming: streaming})
		v, err := env.FromValues([]string{"x", "s", "b"},
			[]any{"CAST(1 AS BIGINT)", "'a'", "TRUE"}, []any{"CAST(2 AS BIGINT)", "CAST(NULL AS STRING)", "CAST(NULL AS BOOLEAN)"})
		require.NoError(t, err)
		var sb strings.Builder
		require.NoError(t, v.PrintTableau(context.Background(), &sb))
		want := `+----------------------+--------------------------------+--------+
|                    x |                              s |      b |
+----------------------+--------------------------------+--------+
|                    1 |                              a |   TRUE |
|                    2 |                         <NULL> | <NULL> |
+----------------------+--------------------------------+--------+
2 rows in set
`
		if streaming {
			want = `+----+----------------------+--------------------------------+--------+
| op |                    x |                              s |      b |
+----+----------------------+--------------------------------+--------+
| +I |                    1 |                              a |   TRUE |
| +I |                    2 |                         <NULL> | <NULL> |
+----+----------------------+--------------------------------+--------+
2 rows in set
`
		}
		assert.Equal(t, want, sb.String(), "streaming=%v", streaming)

		sb.Reset()
		require.NoError(t, v.Filter("x > 5").PrintTableau(context.Background(), &sb))
		assert.Equal(t, "Empty set\n", sb.String())
	}
}

// A value wider than its column is cut and ends with "...", as Flink's.
func TestPrintTableauCutsLongValues(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	v, err := env.FromValues([]string{"s"}, []any{"'" + strings.Repeat("x", 40) + "'"})
	require.NoError(t, err)
	var sb strings.Builder
	require.NoError(t, v.PrintTableau(context.Background(), &sb))
	assert.Contains(t, sb.String(), "| "+strings.Repeat("x", 27)+"... |")
	assert.Contains(t, sb.String(), "1 row in set\n")
}
