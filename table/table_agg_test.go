package table_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// The row-based aggregates of the Go Table API over built-in aggregates
// (Python's table aggregates run in python/tests/test_table_aggregate.py).
func TestRowBasedAggregate(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	logs := logsTable(t, env)
	grouped := logs.Select("request_time > 3 as slow, response_size").GroupBy("slow")
	for _, tc := range []struct {
		name  string
		tb    *table.Table
		names []string
		want  []string
		err   string
	}{
		{name: "a value that is no ROW is one column TMP_0", tb: grouped.Aggregate("sum(response_size)"),
			names: []string{"slow", "TMP_0"}, want: []string{"+I[FALSE, 300]", "+I[TRUE, 150]"}},
		{name: "named by the call's alias", tb: grouped.Aggregate("sum(response_size) as total"),
			names: []string{"slow", "total"}, want: []string{"+I[FALSE, 300]", "+I[TRUE, 150]"}},
		{name: "named by names", tb: logs.Aggregate("max(response_size)", "biggest"),
			names: []string{"biggest"}, want: []string{"+I[300]"}},
		{name: "too many names", tb: grouped.Aggregate("sum(response_size)", "a", "b"),
			err: "List of column aliases must have same degree as table; the returned table of function 'SUM(response_size)' has 1 columns, whereas alias list has 2 columns"},
		{name: "a flat aggregate needs rows", tb: grouped.FlatAggregate("sum(response_size)"),
			err: "A flatAggregate only accepts an expression which defines a table aggregate function that might be followed by some alias."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err != "" {
				require.EqualError(t, tc.tb.Err(), tc.err)
				return
			}
			require.NoError(t, tc.tb.Err())
			require.Equal(t, tc.names, tc.tb.Schema().Names())
			require.ElementsMatch(t, tc.want, rowsText(t, tc.tb))
		})
	}
}
