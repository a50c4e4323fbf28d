package table_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/types"
)

func rowsText(t *testing.T, tb *table.Table) []string {
	t.Helper()
	res, err := tb.Execute(context.Background())
	require.NoError(t, err)
	var out []string
	for i, r := range res.Text() {
		out = append(out, res.Rows[i].Kind+"["+strings.Join(r, ", ")+"]")
	}
	return out
}

func logsTable(t *testing.T, env *table.Environment) *table.Table {
	t.Helper()
	tb, err := env.FromValues([]string{"uuid", "client_ip", "response_size", "request_time"},
		[]any{"'a'", "'1.2.3.4'", "100", "4"},
		[]any{"'b'", "'1.2.9.9'", "300", "2"},
		[]any{"'c'", "'10.0.0.1'", "50", "5"},
	)
	require.NoError(t, err)
	return tb
}

// The Table API: string expressions (PyFlink's syntax) and the Go builder
// produce the same plans and results.
func TestTableAPI(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	logs := logsTable(t, env)

	cases := []struct {
		name string
		tb   *table.Table
		want []string
	}{
		{"select strings", logs.Select("uuid, response_size * 2 as double_size"),
			[]string{"+I[a, 200]", "+I[b, 600]", "+I[c, 100]"}},
		{"select builder", logs.Select(table.Col("uuid"), table.Col("response_size").Times(table.Lit(2)).As("double_size")),
			[]string{"+I[a, 200]", "+I[b, 600]", "+I[c, 100]"}},
		{"filter", logs.Filter("response_size > 60").Select("uuid"), []string{"+I[a]", "+I[b]"}},
		{"where builder", logs.Where(table.Col("client_ip").Eq(table.Lit("10.0.0.1"))).Select("uuid"), []string{"+I[c]"}},
		{"group by", logs.Select("SPLIT_INDEX(client_ip, '.', 0) as net, response_size, request_time").
			GroupBy("net").Select("net, count(net) as n, sum(response_size) as bytes, sum(response_size) * 1.0 / sum(request_time) as speed").
			OrderBy("net"),
			[]string{"+I[1, 2, 400, 66.66666666666667]", "+I[10, 1, 50, 10.0]"}}, // PyFlink string expressions read 1.0 as a DOUBLE (Flink's legacy ExpressionParser)
		{"legacy postfix aggregates", logs.GroupBy("request_time > 3").Select("response_size.sum as total, uuid.count as n").OrderBy("total"),
			[]string{"+I[150, 2]", "+I[300, 1]"}},
		{"distinct", logs.Select("SPLIT_INDEX(client_ip, '.', 0) as net").Distinct().OrderBy("net"), []string{"+I[1]", "+I[10]"}},
		{"add columns", logs.AddColumns("response_size / request_time as speed").Select("uuid, speed"),
			[]string{"+I[a, 25]", "+I[b, 150]", "+I[c, 10]"}},
		{"add or replace", logs.AddOrReplaceColumns("UPPER(uuid) as uuid").Select("uuid"), []string{"+I[A]", "+I[B]", "+I[C]"}},
		{"drop columns", logs.DropColumns("client_ip, request_time").Filter("uuid = 'a'"), []string{"+I[a, 100]"}},
		{"rename columns", logs.RenameColumns("uuid as id").Select("id").Filter("id <> 'b'"), []string{"+I[a]", "+I[c]"}},
		{"union all", logs.Select("uuid").UnionAll(logs.Select("uuid")).OrderBy("uuid").Limit(3),
			[]string{"+I[a]", "+I[a]", "+I[b]"}},
		{"union", logs.Select("uuid").Union(logs.Select("uuid")).OrderBy(table.Col("uuid").Desc()),
			[]string{"+I[c]", "+I[b]", "+I[a]"}},
		{"minus", logs.Select("uuid").Minus(logs.Select("uuid").Filter("uuid <> 'b'")), []string{"+I[b]"}},
		{"minus all", logs.Select("uuid").UnionAll(logs.Select("uuid")).MinusAll(logs.Select("uuid").Filter("uuid <> 'b'")).OrderBy("uuid"),
			[]string{"+I[a]", "+I[b]", "+I[b]", "+I[c]"}},
		{"intersect", logs.Select("uuid").UnionAll(logs.Select("uuid")).Intersect(logs.Select("uuid").Filter("uuid <> 'b'")).OrderBy("uuid"),
			[]string{"+I[a]", "+I[c]"}},
		{"intersect all", logs.Select("uuid").UnionAll(logs.Select("uuid")).IntersectAll(logs.Select("uuid").UnionAll(logs.Select("uuid").Filter("uuid = 'c'"))).OrderBy("uuid"),
			[]string{"+I[a]", "+I[b]", "+I[c]", "+I[c]"}},
		{"limit offset", logs.Select("uuid").OrderBy("uuid").Limit(1, 1), []string{"+I[b]"}},
		{"alias", logs.Alias("w, x, y, z").Select("w").Filter("w = 'b'"), []string{"+I[b]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.tb.Err())
			assert.Equal(t, tc.want, rowsText(t, tc.tb))
		})
	}
}

func TestTableAPIErrors(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	logs := logsTable(t, env)
	for _, tc := range []struct {
		tb   *table.Table
		want string
	}{
		{logs.Select("uuidd"), "column uuidd not found; did you mean uuid?"},
		{logs.Select("uuid").Filter("response_size > 1"), "column response_size not found"},
		{logs.AddColumns("1 as uuid"), "column uuid already exists; use AddOrReplaceColumns to replace it"},
		{logs.DropColumns("nope"), "cannot drop column nope: no such column"},
		{logs.Select("nofunc(uuid)"), "no function named nofunc"},
		{logs.Select("uuid,"), "line 1, column 6"},
		// Flink's SetOperationFactory messages.
		{logs.Minus(logs.Select("uuid")), "The minus operation on two tables of different column sizes: 4 and 1 is not supported"},
		{logs.Select("uuid").IntersectAll(logs.Select("response_size")), "Incompatible types for intersect operation. Could not find a common type at position 0 for 'CHAR(1)' and 'INT'."},
	} {
		require.Error(t, tc.tb.Err())
		assert.Contains(t, tc.tb.Err().Error(), tc.want)
		_, err := tc.tb.Execute(context.Background())
		assert.Error(t, err, "errors stick to the table")
	}
}

func TestTemporaryViewAndSQL(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	logs := logsTable(t, env)
	require.NoError(t, env.CreateTemporaryView("logs", logs))
	q, err := env.SQLQuery("SELECT COUNT(*) AS n FROM logs WHERE request_time < 5")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[2]"}, rowsText(t, q))
	from, err := env.From("logs")
	require.NoError(t, err)
	plan, err := from.Select("uuid").Explain()
	require.NoError(t, err)
	assert.Contains(t, plan, "== Optimized Execution Plan ==")
}

func TestGoFunctions(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	logs := logsTable(t, env)
	net := table.RowFunction(types.STRING(), func(args []any) (any, error) {
		if args[0] == nil {
			return nil, nil
		}
		return strings.SplitN(args[0].(string), ".", 2)[0], nil
	}, types.STRING())
	require.NoError(t, env.CreateTemporaryFunction("net_of", net))
	assert.Equal(t, []string{"+I[1, 2]", "+I[10, 1]"},
		rowsText(t, logs.GroupBy("net_of(client_ip)").Select("net_of(client_ip) as net, count(uuid) as n").OrderBy("net")))

	failing := table.RowFunction(types.BIGINT(), func(args []any) (any, error) {
		return nil, fmt.Errorf("no %v", args[0])
	})
	require.NoError(t, env.CreateTemporaryFunction("fails", failing))
	_, err := logs.Select("fails(uuid)").Execute(context.Background())
	assert.ErrorContains(t, err, "function fails: row 0: no a")

	_, err = logs.Select("net_of(response_size)").Execute(context.Background())
	assert.ErrorContains(t, err, "net_of: argument 1 is INT NOT NULL; the function declares STRING")
}

func TestResultIterates(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	res, err := logsTable(t, env).Select("uuid").Execute(context.Background())
	require.NoError(t, err)
	var got []any
	for i, row := range res.All() {
		assert.Equal(t, "+I", row.Kind)
		got = append(got, row.Values[0])
		if i == 1 {
			break
		}
	}
	assert.Equal(t, []any{"a", "b"}, got)
}
