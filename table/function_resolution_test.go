package table_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/types"
)

func constant(v int64, nonDeterministic bool) *table.GoFunction {
	f := table.RowFunction(types.BIGINT(), func([]any) (any, error) { return v, nil }, types.INT())
	f.NonDeterministic = nonDeterministic
	return f
}

func queryRows(t *testing.T, env *table.Environment, q string) []string {
	t.Helper()
	tb, err := env.SQLQuery(q)
	require.NoError(t, err)
	return rowsText(t, tb)
}

// Two functions that share a name (every Python lambda is <lambda>) are
// two functions: the calc evaluates each, keyed by identity, not by name.
func TestInlineFunctionsWithOneNameAreDistinct(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	env.CreateInlineFunction("$udf1$<lambda>", "<lambda>", constant(1, false))
	env.CreateInlineFunction("$udf2$<lambda>", "<lambda>", constant(2, true))
	v, err := env.FromValues([]string{"x"}, []any{"1"})
	require.NoError(t, err)
	require.NoError(t, env.CreateTemporaryView("v", v))
	assert.Equal(t, []string{"+I[1, 2]"}, queryRows(t, env, "SELECT `$udf1$<lambda>`(x), `$udf2$<lambda>`(x) FROM v"))
	// The plan shows the functions' names, not their keys.
	tb, err := env.SQLQuery("SELECT `$udf1$<lambda>`(x) + `$udf2$<lambda>`(x) FROM v")
	require.NoError(t, err)
	plan, err := tb.Explain()
	require.NoError(t, err)
	assert.Contains(t, plan, "<lambda>(x) AS f0, <lambda>(x) AS f1]) -- runtime=go, evaluator=#1")
	assert.NotContains(t, plan, "$udf1")
	assert.Equal(t, []string{"+I[3]"}, rowsText(t, tb))
}

// Flink's FunctionCatalog: temporary system functions, then built-ins,
// then temporary catalog functions, then catalog functions.
func TestFunctionResolutionOrder(t *testing.T) {
	env := table.NewEnvironment(table.Settings{})
	str := func(suffix string) *table.GoFunction {
		return table.RowFunction(types.STRING(), func(a []any) (any, error) { return a[0].(string) + suffix, nil }, types.STRING())
	}
	require.NoError(t, env.CreateTemporaryFunction("upper", str("!")))
	assert.Equal(t, []string{"+I[A]"}, queryRows(t, env, "SELECT upper('a')"), "a temporary catalog function does not shadow a built-in")
	require.NoError(t, env.CreateTemporaryFunction("bang", str("!")))
	assert.Equal(t, []string{"+I[a!]"}, queryRows(t, env, "SELECT bang('a')"))

	require.NoError(t, env.CreateTemporarySystemFunction("upper", str("#")))
	assert.Equal(t, []string{"+I[a#]"}, queryRows(t, env, "SELECT upper('a')"), "a temporary system function shadows a built-in")
	assert.Error(t, env.CreateTemporarySystemFunction("upper", str("?")), "Flink refuses a taken name")
	env.RegisterFunction("upper", str("?")) // PyFlink's register_function replaces
	assert.Equal(t, []string{"+I[a?]"}, queryRows(t, env, "SELECT upper('a')"))

	assert.True(t, env.DropTemporaryFunction("upper", true))
	assert.False(t, env.DropTemporaryFunction("upper", true))
	assert.Equal(t, []string{"+I[A]"}, queryRows(t, env, "SELECT upper('a')"))
	assert.Equal(t, []string{"bang", "upper"}, env.Catalog().FunctionNames())

	// PyFlink's string expressions: plus(a, b) is the built-in unless a
	// temporary system function named plus exists.
	v, err := env.FromValues([]string{"x"}, []any{"1"}, []any{"2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[2]", "+I[4]"}, rowsText(t, v.Select("plus(x, x)")))
	plus := table.RowFunction(types.BIGINT(), func(a []any) (any, error) { return a[0].(int64)*100 + a[1].(int64), nil }, types.INT(), types.INT())
	env.RegisterFunction("plus", plus)
	assert.Equal(t, []string{"+I[101]", "+I[202]"}, rowsText(t, v.Select("plus(x, x)")))
	assert.Equal(t, []string{"+I[2]", "+I[4]"}, rowsText(t, v.Select("x + x")))

	_, err = env.ExecuteSQL(context.Background(), "DROP TEMPORARY SYSTEM FUNCTION plus")
	require.NoError(t, err)
	assert.Equal(t, []string{"+I[2]", "+I[4]"}, rowsText(t, v.Select("plus(x, x)")))
}
