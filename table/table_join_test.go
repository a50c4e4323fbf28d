package table_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
)

// The Table API's joins give Flink 2.3's results for the same programs
// (left a, b, c and right d, e as in PyFlink's join examples).
func TestTableAPIJoins(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	left, err := env.SQLQuery("SELECT * FROM (VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30)) AS t(a, b, c)")
	require.NoError(t, err)
	right, err := env.SQLQuery("SELECT * FROM (VALUES (1, 'x'), (1, 'y'), (4, 'z')) AS t(d, e)")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		tb   *table.Table
		cols string
		want []string
	}{
		{"join-where", left.Join(right).Where("a = d").Select("a, b, e"), "a, b, e", []string{"1 a x", "1 a y"}},
		{"join-expr", left.Join(right, table.Col("a").Eq(table.Col("d"))), "a, b, c, d, e", []string{"1 a 10 1 x", "1 a 10 1 y"}},
		{"left", left.LeftOuterJoin(right, "a = d"), "a, b, c, d, e", []string{"1 a 10 1 x", "1 a 10 1 y", "2 b 20 NULL NULL", "3 c 30 NULL NULL"}},
		{"left-no-cond", left.LeftOuterJoin(right).Select("a, e").Where("a = 3"), "a, e", []string{"3 x", "3 y", "3 z"}},
		{"right", left.RightOuterJoin(right, "a = d"), "a, b, c, d, e", []string{"1 a 10 1 x", "1 a 10 1 y", "NULL NULL NULL 4 z"}},
		{"full", left.FullOuterJoin(right, "a = d && c > 5"), "a, b, c, d, e", []string{"1 a 10 1 x", "1 a 10 1 y", "2 b 20 NULL NULL", "3 c 30 NULL NULL", "NULL NULL NULL 4 z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.tb.Err())
			res, err := tc.tb.Execute(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tc.cols, strings.Join(res.Columns, ", "))
			var got []string
			for _, r := range res.Text() {
				got = append(got, strings.Join(r, " "))
			}
			sort.Strings(got)
			assert.Equal(t, tc.want, got)
		})
	}
	assert.EqualError(t, left.Join(left).Err(), "join relations with ambiguous names: [a, b, c]")
}
