package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table/types"
)

func TestCatalogObjects(t *testing.T) {
	c := New()
	logs := &Table{Name: "cdn_access_log", Columns: []Column{{Name: "uuid", Type: types.STRING()}}}
	require.NoError(t, c.CreateTable(logs, false))
	assert.EqualError(t, c.CreateTable(logs, false), "table cdn_access_log already exists")
	require.NoError(t, c.CreateTable(logs, true))
	require.NoError(t, c.CreateView(&View{Name: "v"}, false))
	assert.Equal(t, []string{"cdn_access_log", "v"}, c.Names())

	_, _, err := c.Lookup("cdn_acess_log")
	assert.EqualError(t, err, "table cdn_acess_log does not exist; did you mean cdn_access_log?")
	_, _, err = c.Lookup("zzz")
	assert.EqualError(t, err, "table zzz does not exist")

	tab, view, err := c.Lookup("v")
	require.NoError(t, err)
	assert.Nil(t, tab)
	assert.Equal(t, "v", view.Name)

	require.NoError(t, c.Drop("VIEW", "v", false))
	assert.EqualError(t, c.Drop("VIEW", "v", false), "view v does not exist")
	require.NoError(t, c.Drop("VIEW", "v", true))

	require.NoError(t, c.CreateFunction(&Function{Name: "ip_to_province"}, false))
	assert.NotNil(t, c.Function("IP_TO_PROVINCE"), "function names are case-insensitive")
	assert.EqualError(t, c.DropFunction("ip_to_provnce", false), "function ip_to_provnce does not exist; did you mean ip_to_province?")
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"provnce", "province"},
		{"PROVINCE", "province"},
		{"access_cnt", "access_count"},
		{"x", ""},
	} {
		assert.Equal(t, tc.want, Suggest(tc.name, []string{"province", "access_count", "uuid"}), tc.name)
	}
}

// Flink keeps temporary system, temporary catalog and catalog functions in
// separate namespaces: one name may be taken in each.
func TestFunctionNamespaces(t *testing.T) {
	c := New()
	require.NoError(t, c.CreateFunction(&Function{Name: "f", System: true, Temporary: true}, false))
	require.NoError(t, c.CreateFunction(&Function{Name: "F", Temporary: true}, false))
	require.NoError(t, c.CreateFunction(&Function{Name: "g"}, false))
	assert.Error(t, c.CreateFunction(&Function{Name: "f", System: true, Temporary: true}, false))
	assert.True(t, c.SystemFunction("F").System)
	assert.False(t, c.CatalogFunction("f").System)
	assert.Equal(t, []string{"F", "f", "g"}, c.FunctionNames())
	require.NoError(t, c.DropTemporaryFunction("f", true, false))
	assert.Nil(t, c.SystemFunction("f"))
	assert.NotNil(t, c.Function("f"), "the temporary catalog function remains")
	c.CreateInlineFunction("$udf1$f", &Function{Name: "f"})
	assert.Equal(t, "f", c.InlineFunction("$udf1$f").Name)
	assert.Nil(t, c.InlineFunction("f"))
	assert.Equal(t, []string{"F", "g"}, c.FunctionNames(), "inline functions have no name to list")
}
