package sql

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

var posType = reflect.TypeOf(Pos{})

// stripPositions zeroes every Pos and statement source text in the tree, in
// place, so that trees parsed from different texts can be compared. A
// PyFlink call that keeps its name beside its built-in rewrite
// (FuncCall.Builtin) is replaced by the rewrite, which is what SQL parses.
func stripPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if f, ok := v.Interface().(*FuncCall); ok && f != nil && f.Builtin != nil && v.CanSet() {
			v.Set(reflect.ValueOf(f.Builtin))
			stripPositions(v)
			return
		}
		if !v.IsNil() {
			stripPositions(v.Elem())
		}
	case reflect.Pointer:
		if !v.IsNil() {
			stripPositions(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			stripPositions(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == posType {
			v.Set(reflect.Zero(posType))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if v.Type() == reflect.TypeOf(StmtBase{}) && v.Type().Field(i).Name == "Text" {
				f.SetString("")
				continue
			}
			stripPositions(f)
		}
	}
}

func stripped[T any](n T) T {
	stripPositions(reflect.ValueOf(&n))
	return n
}

// requireRoundTrip checks parse(print(ast)) == ast for a parsed statement.
func requireRoundTrip(t *testing.T, stmt Statement) {
	t.Helper()
	printed := stmt.String()
	again, err := Parse(printed)
	require.NoError(t, err, "canonical SQL does not parse:\n%s", printed)
	require.Equal(t, printed, again.String(), "printing is not stable")
	require.Equal(t, stripped(stmt), stripped(again), "tree changed through printing:\n%s", printed)
}

// TestRoundTrip checks the round-trip property on every golden input: the
// canonical SQL of a tree parses back to an equal tree. PyFlink expressions
// must print as SQL that the SQL parser reads back to the same tree, which
// is what "the same AST as SQL" means.
func TestRoundTrip(t *testing.T) {
	n := 0
	for _, c := range readGoldenCases(t) {
		switch c.cmd {
		case "parse", "script":
			stmts, err := ParseScript(c.input)
			if err != nil {
				continue // golden outputs pin the error
			}
			for _, s := range stmts {
				requireRoundTrip(t, s)
				requireWalkComplete(t, s)
				n++
			}
		case "expr":
			e, err := ParseExpression(c.input)
			if err != nil {
				continue
			}
			// Walk first: stripped normalizes the tree in place (a call
			// with a Builtin becomes its Builtin).
			requireWalkComplete(t, e)
			again, err := ParseExpression(e.String())
			require.NoError(t, err, e.String())
			require.Equal(t, stripped(e), stripped(again), e.String())
			n++
		case "type":
			typ, err := ParseDataType(c.input)
			if err != nil {
				continue
			}
			again, err := ParseDataType(typ.String())
			require.NoError(t, err, typ.String())
			require.Equal(t, stripped(typ), stripped(again), typ.String())
			n++
		case "pyexpr":
			es, err := ParseExpressionList(c.input)
			if err != nil {
				continue
			}
			for _, e := range es {
				requireSameAsSQL(t, e)
				requireWalkComplete(t, e)
				n++
			}
		}
	}
	require.Greater(t, n, 150)
}

// requireSameAsSQL parses the SQL printed for a PyFlink expression with the
// SQL parser, in the position where such an item appears in SQL (a select
// item or an ORDER BY item), and compares the trees.
func requireSameAsSQL(t *testing.T, e Expr) {
	t.Helper()
	switch x := e.(type) {
	case *OrderItem:
		q, err := ParseQuery("SELECT 1 FROM t ORDER BY " + x.String())
		require.NoError(t, err, x.String())
		got := q.(*OrderedQuery).OrderBy[0]
		require.Equal(t, stripped(x), stripped(got), x.String())
	case *AliasExpr:
		if len(x.Names) > 1 {
			// SQL has no multi-name alias; compare the expression alone.
			requireSameAsSQL(t, x.Expr)
			return
		}
		q, err := ParseQuery("SELECT " + x.String() + " FROM t")
		require.NoError(t, err, x.String())
		require.Equal(t, stripped(Expr(x)), stripped(q.(*Select).Items[0]), x.String())
	default:
		q, err := ParseQuery("SELECT " + x.String() + " FROM t")
		require.NoError(t, err, x.String())
		require.Equal(t, stripped(e), stripped(q.(*Select).Items[0]), x.String())
	}
}

// requireWalkComplete checks that Walk reaches every node reachable through
// the tree's fields, so that no node type forgets a child.
func requireWalkComplete(t *testing.T, root Node) {
	t.Helper()
	want := map[Node]bool{}
	collectNodes(reflect.ValueOf(root), want)
	got := map[Node]bool{}
	Inspect(root, func(n Node) bool {
		if n != nil {
			require.False(t, got[n], "Walk visited %s %q twice", Kind(n), n)
			got[n] = true
		}
		return true
	})
	for n := range want {
		require.True(t, got[n], "Walk missed %s %q under %q", Kind(n), n, root)
	}
	require.Len(t, got, len(want))
}

var nodeType = reflect.TypeOf((*Node)(nil)).Elem()

func collectNodes(v reflect.Value, out map[Node]bool) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			collectNodes(v.Elem(), out)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type().Implements(nodeType) {
			out[v.Interface().(Node)] = true
		}
		collectNodes(v.Elem(), out)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			collectNodes(v.Index(i), out)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			collectNodes(v.Field(i), out)
		}
	}
}
